import KubeModel
import Testing

@testable import AuditLog

struct EngineTests {
    static let createPod = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/shop/pods",\
        "user":{"username":"alice","groups":["dev","system:authenticated"]},"objectRef":{"resource":"pods","namespace":"shop"},\
        "responseStatus":{"code":201},"annotations":{"authorization.k8s.io/decision":"allow"},\
        "requestObject":{"kind":"Pod","spec":{"hostNetwork":true,"containers":[{"name":"a","image":"nginx:1.27","securityContext":{"privileged":true}},\
        {"name":"b","image":"registry.local:5000/team/db@sha256:abc"}],"volumes":[{"name":"h","hostPath":{"path":"/etc/ssl"}}]}},\
        "stageTimestamp":"2024-05-01T10:00:00.123456Z"}
        """
    static let exec = """
        {"kind":"Event","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=bash&command=-i&container=web",\
        "user":{"username":"bob"},"objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web"},"responseStatus":{"code":101}}
        """

    func event(_ text: String) throws -> AuditEvent {
        var reader = AuditReader()
        return try #require(reader.events(line: Array(text.utf8), number: 1, file: "t").first)
    }

    func matches(_ condition: String, _ text: String = createPod, lists: [String: [String]] = [:], macros: [String: String] = [:]) throws -> Bool {
        let parsed = try ConditionParser.parse(condition, macros: macros, lists: lists, isField: AuditEvent.knownFields.contains)
        return AuditEngine.evaluate(parsed, try event(text))
    }

    @Test func operatorsAndMultiValuedFields() throws {
        #expect(try matches("ka.verb=create and ka.target.resource = pods"))
        #expect(try matches("ka.req.pod.containers.privileged intersects (true)"))
        // Falco's list semantics: `in` needs every value in the list, `intersects` any one.
        #expect(try !matches("ka.req.pod.containers.image.repository in (nginx, bar)"))
        #expect(try matches("ka.req.pod.containers.image.repository in (nginx, bar, registry.local:5000/team/db)"))
        #expect(try matches("ka.req.pod.containers.image.repository intersects (nginx, bar)"))
        // `=` is set equality, `!=` its negation: two different images equal neither.
        #expect(try !matches("ka.req.pod.containers.image.repository = registry.local:5000/team/db"))
        #expect(try matches("ka.req.pod.containers.image != nginx:1.27"))
        // String operators apply only to a single value: two groups contain nothing.
        #expect(try !matches("ka.user.groups contains dev"))
        #expect(try matches("ka.user.groups intersects (dev)"))
        #expect(try matches("ka.user.name icontains ALI"))
        #expect(try matches("ka.uri startswith /api/v1 and ka.uri endswith pods"))
        #expect(try matches("ka.req.pod.volumes.hostpath pmatch (/etc)"))
        #expect(try !matches("ka.req.pod.volumes.hostpath pmatch (/et)"))
        #expect(try matches("ka.req.volume.hostpath[/etc/*]=true"))
        #expect(try matches("ka.response.code >= 200 and ka.response.code < 300"))
        #expect(try matches("ka.user.name glob \"al*\""))
        #expect(try matches("jevt.value[/requestObject/spec/hostNetwork] = true"))
        #expect(try matches("not ka.target.subresource exists"))
        #expect(try !matches("ka.target.name = web"))  // missing: every comparison is false
        #expect(try !matches("ka.target.name != web"))
        #expect(try matches("not ka.target.name = web"))
        #expect(try matches("ka.auth.decision = allow"))
    }

    @Test func precedenceListsAndMacros() throws {
        #expect(try matches("ka.verb = delete or ka.verb = create and ka.user.name = alice"))
        #expect(try !matches("(ka.verb = delete or ka.verb = create) and ka.user.name = bob"))
        #expect(try matches("not ka.verb = delete and not ka.verb = get"))
        #expect(try matches("ka.user.name in (people)", lists: ["people": ["carol", "alice"]]))
        #expect(try matches("creating and ka.user.name in (people, dave)", lists: ["people": ["alice"]], macros: ["creating": "ka.verb=create"]))
        #expect(throws: ConditionError.self) { try matches("undefined_macro and ka.verb=create") }
        #expect(throws: ConditionError.self) { try matches("ka.no.such.field = 1") }
        #expect(throws: ConditionError.self) { try matches("loop", macros: ["loop": "loop or ka.verb=x"]) }
    }

    @Test func uriParametersAndOutput() throws {
        let exec = try event(Self.exec)
        #expect(exec.values(FieldRef(name: "ka.uri.param", argument: "command")) == ["bash", "-i"])
        let (output, fields) = AuditEngine.format("user=%ka.user.name cmd=%ka.uri.param[command] missing=%ka.target.namespace. x=%ka.resp.name", exec)
        #expect(output == "user=bob cmd=(bash,-i) missing=shop. x=<NA>")
        #expect(fields.first?.0 == "ka.user.name")
    }

    static let rulesA = """
        - required_engine_version: 2
        - list: admins
          items: [alice]
        - macro: creating
          condition: ka.verb = create
        - rule: Pod by admin
          desc: d
          condition: creating and ka.target.resource = pods and ka.user.name in (admins)
          output: "pod by %ka.user.name"
          priority: WARNING
          source: k8s_audit
          tags: [t]
        - rule: Syscall rule
          desc: skipped
          condition: evt.type = open
          output: x
          priority: INFO
        - rule: Noisy
          desc: n
          condition: ka.verb exists
          output: any
          priority: INFO
          source: k8s_audit
        """

    static let rulesB = """
        - list: admins
          items: [bob]
          append: true
        - rule: Noisy
          enabled: false
        - rule: Pod by admin
          condition: and not ka.target.namespace = kube-system
          append: true
          exceptions:
          - name: trusted_images
            fields: [ka.req.pod.containers.image.repository, ka.target.namespace]
            comps: [in, =]
            values:
            - [[busybox], shop]
        """

    func engine(_ files: [String]) -> (AuditEngine, [RulesMessage]) {
        var loader = RulesLoader()
        for (index, text) in files.enumerated() { loader.load(bytes: Array(text.utf8), file: "rules\(index).yaml") }
        let rules = loader.compile()
        return (AuditEngine(rules: rules), loader.messages)
    }

    @Test func loaderFollowsFalco() throws {
        let (engine, messages) = engine([Self.rulesA, Self.rulesB])
        #expect(messages.allSatisfy { !$0.isError }, "\(messages)")
        #expect(messages.contains { $0.message.contains("1 rules of other sources") })
        #expect(engine.rules.map(\.name) == ["Pod by admin"])
        let alerts = engine.alerts(for: try event(Self.createPod))
        #expect(alerts.map(\.output) == ["pod by alice"])
        #expect(alerts.first?.rule.priority == "Warning")
        // The exception: busybox images in shop are not alerted.
        let busybox = Self.createPod.replacingOccurrences("nginx:1.27", "busybox").replacingOccurrences("registry.local:5000/team/db@sha256:abc", "busybox")
        #expect(engine.alerts(for: try event(busybox)).isEmpty)
    }

    @Test func loadErrorsNameFileAndLine() {
        let bad = "- rule: Broken\n  desc: d\n  condition: ka.verb = create and nope\n  output: o\n  priority: INFO\n  source: k8s_audit\n"
        let (_, messages) = engine([Self.rulesA, bad, "- rule: [unclosed\n"])
        let errors = messages.filter(\.isError)
        #expect(errors.contains { $0.file == "rules1.yaml" && $0.line == 1 && $0.message.contains("\"nope\" is neither") })
        #expect(errors.contains { $0.file == "rules2.yaml" })
    }

    @Test func hostileLines() {
        var reader = AuditReader()
        #expect(reader.events(line: Array("{\"kind\":\"Event\",\"verb\":".utf8), number: 1, file: "t").isEmpty)
        #expect(reader.events(line: [0x7B, 0xFF, 0xFE, 0x7D], number: 2, file: "t").isEmpty)
        let huge = "{\"kind\":\"Event\",\"verb\":\"get\",\"x\":\"" + String(repeating: "a", count: 10 << 20) + "\"}"
        #expect(reader.events(line: Array(huge.utf8), number: 3, file: "t").count == 1)
        let noObject = "{\"kind\":\"Event\",\"verb\":\"get\",\"user\":{\"username\":\"a\"}}"
        let events = reader.events(line: Array(noObject.utf8), number: 4, file: "t")
        #expect(events.first?.values(FieldRef(name: "ka.target.resource")) == nil)
        #expect(reader.malformed.map(\.line) == [1, 2])
        let list = "{\"kind\":\"EventList\",\"items\":[{\"kind\":\"Event\",\"verb\":\"get\"},{\"kind\":\"Event\",\"verb\":\"list\"}]}"
        #expect(reader.events(line: Array(list.utf8), number: 5, file: "t").count == 2)
    }

    @Test func defaultRulesCompile() throws {
        var loader = RulesLoader()
        loader.load(bytes: Array(DefaultAuditRules.yaml.utf8), file: "default")
        let rules = loader.compile()
        #expect(loader.messages.allSatisfy { !$0.isError }, "\(loader.messages)")
        #expect(rules.count >= 10)
        let engine = AuditEngine(rules: rules, matching: .all)
        #expect(engine.alerts(for: try event(Self.exec)).map(\.rule.name).sorted() == ["Exec or attach into a pod", "Shell in a container"])
        // Falco's default: the first matching rule only, in order of definition.
        let first = AuditEngine(rules: rules)
        #expect(first.alerts(for: try event(Self.exec)).map(\.rule.name) == ["Shell in a container"])
        #expect(first.alerts(for: try event(Self.createPod)).map(\.rule.name) == ["Privileged pod created"])
        #expect(
            engine.alerts(for: try event(Self.createPod)).map(\.rule.name).sorted() == [
                "Host namespace pod created", "HostPath pod created", "Privileged pod created",
            ])
    }
}
