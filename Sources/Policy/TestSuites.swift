import Foundation
import KubeModel

// The test suites users keep next to their policies, run by brightkeys' own engines:
//
// - Kyverno CLI's `kyverno-test.yaml` (`cli.kyverno.io/v1alpha1` `Test`, or the older form with no
//   apiVersion): policies, resources, optional values, and expected results per policy, rule and
//   resource (`pass`, `fail`, `skip`, `warn`, `error`), autogen rule names included;
// - Gatekeeper gator's `Suite` (`test.gatekeeper.sh/v1alpha1`): tests of a template and a
//   constraint, with cases of objects and assertions on their violations.
//
// File paths in a suite are relative to the suite.

/// A test file found under the paths given.
public struct PolicyTestSuite: Sendable {
    public enum Kind: String, Sendable {
        case kyverno
        case gator
    }

    public var kind: Kind
    public var file: String
    var document: Node
}

/// One expectation of a suite, checked.
public struct PolicyTestOutcome: Sendable {
    public enum Status: String, Sendable {
        case pass = "PASS"
        case fail = "FAIL"
        /// Not checked (a skipped gator case, a ValidatingAdmissionPolicy result).
        case skip = "SKIP"
    }

    public var suite: String
    public var status: Status
    /// What was checked: `policy p rule r Pod ns/name` or `test t case c`.
    public var subject: String
    /// `want fail, got fail`, with messages when they explain a failure.
    public var detail: String
}

/// The outcomes of running suites, and the problems with their input.
public struct PolicyTestReport: Sendable {
    public var outcomes: [PolicyTestOutcome] = []
    /// Unreadable files, malformed suites, policies that do not compile.
    public var errors: [PolicyEngineError] = []

    public init() {}

    public var passed: Int { outcomes.filter { $0.status == .pass }.count }
    public var failed: Int { outcomes.filter { $0.status == .fail }.count }
    public var skipped: Int { outcomes.filter { $0.status == .skip }.count }
}

/// Finds and runs Kyverno and gator test suites.
public enum PolicyTestSuites {
    /// The suites in `paths`: files named `kyverno-test.yaml` (or `.yml`), and manifests declaring a
    /// Kyverno `Test` or a gator `Suite`; directories are searched recursively.
    public static func find(_ paths: [String]) -> (suites: [PolicyTestSuite], errors: [PolicyEngineError]) {
        let (files, inputErrors) = ManifestLoader().expand(paths)
        var errors = inputErrors.map { PolicyEngineError(file: $0.file, line: $0.position?.line ?? 0, message: $0.message) }
        var suites: [PolicyTestSuite] = []
        for file in files {
            let name = (file as NSString).lastPathComponent
            let named = name == "kyverno-test.yaml" || name == "kyverno-test.yml"
            guard let (documents, problems) = read(file) else {
                errors.append(PolicyEngineError(file: file, line: 0, message: "cannot read the file"))
                continue
            }
            let found = suites.count
            for document in documents {
                let apiVersion = document["apiVersion"]?.scalarText ?? ""
                let kind = document["kind"]?.scalarText ?? ""
                if kind == "Suite" && apiVersion.hasPrefix("test.gatekeeper.sh/") {
                    suites.append(PolicyTestSuite(kind: .gator, file: file, document: document))
                } else if (kind == "Test" && apiVersion.hasPrefix("cli.kyverno.io/")) || (named && document["results"] != nil) {
                    suites.append(PolicyTestSuite(kind: .kyverno, file: file, document: document))
                }
            }
            if named || suites.count > found { errors += problems }
        }
        return (suites, errors)
    }

    /// Runs every suite in `paths`.
    public static func run(paths: [String]) -> PolicyTestReport {
        let (suites, errors) = find(paths)
        var report = PolicyTestReport()
        report.errors = errors
        for suite in suites {
            let one = run(suite)
            report.outcomes += one.outcomes
            report.errors += one.errors
        }
        return report
    }

    public static func run(_ suite: PolicyTestSuite) -> PolicyTestReport {
        switch suite.kind {
        case .kyverno:
            var run = KyvernoTestRun(suite: suite)
            return run.run()
        case .gator:
            var run = GatorSuiteRun(suite: suite)
            return run.run()
        }
    }

    static func read(_ file: String) -> ([Node], [PolicyEngineError])? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let (documents, problems) = ManifestLoader().parseDocuments(bytes: Array(data), file: file)
        return (documents, problems.map { PolicyEngineError(file: $0.file, line: $0.position?.line ?? 0, message: $0.message) })
    }

    /// `path` relative to the suite's directory.
    static func resolve(_ path: String, against suite: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (suite as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }

    /// Loads the objects in the files or directories listed at `node` (a string or a list of them).
    static func objects(_ node: Node?, suite: String, field: String, report: inout PolicyTestReport) -> [KubeObject] {
        let paths = node?.sequence.map { $0.compactMap(\.scalarText) } ?? [node?.scalarText].compactMap { $0 }
        var objects: [KubeObject] = []
        for path in paths {
            if path.hasPrefix("https://") || path.hasPrefix("http://") {
                report.errors.append(PolicyEngineError(file: suite, line: node?.line ?? 0, message: "\(field): \(path) is remote; only local files are read"))
                continue
            }
            let (files, errors) = ManifestLoader().expand([resolve(path, against: suite)])
            report.errors += errors.map { PolicyEngineError(file: suite, line: node?.line ?? 0, message: "\(field): \($0.file): \($0.message)") }
            for file in files {
                let loaded = ManifestLoader().load(file: file)
                report.errors += loaded.errors.map { PolicyEngineError(file: $0.file, line: $0.position?.line ?? 0, message: $0.message) }
                objects += loaded.objects
            }
        }
        return objects
    }

    /// A Namespace manifest with only a name and labels (for namespace selectors).
    static func namespaceNode(name: String, labels: [String: String]) -> Node {
        func entry(_ key: String, _ value: Node) -> Mapping.Entry {
            Mapping.Entry(key: key, keyPosition: SourcePosition(line: 0, column: 0), value: value)
        }
        let labelNodes = labels.sorted { $0.key < $1.key }.map { entry($0.key, Node(.string($0.value))) }
        let metadata = Node(.mapping(Mapping([entry("name", Node(.string(name))), entry("labels", Node(.mapping(Mapping(labelNodes))))])))
        return Node(
            .mapping(Mapping([entry("apiVersion", Node(.string("v1"))), entry("kind", Node(.string("Namespace"))), entry("metadata", metadata)])))
    }
}

/// One kyverno-test.yaml.
struct KyvernoTestRun {
    let suite: PolicyTestSuite
    var report = PolicyTestReport()

    init(suite: PolicyTestSuite) {
        self.suite = suite
    }

    /// Values from the `variables`/`values` file: the operation per resource and namespace labels.
    struct Values {
        var operation = "CREATE"
        var operations: [String: String] = [:]
        var namespaceLabels: [String: [String: String]] = [:]
    }

    mutating func run() -> PolicyTestReport {
        let document = suite.document
        let file = suite.file
        let policyObjects = PolicyTestSuites.objects(document["policies"], suite: file, field: "policies", report: &report)
        let resources = PolicyTestSuites.objects(document["resources"], suite: file, field: "resources", report: &report)
        let (policies, loadErrors) = KyvernoPolicySet.load(policyObjects)
        report.errors += loadErrors
        let values = readValues()
        let context = PolicyContext(objects: resources + policyObjects.filter { !KyvernoPolicySet.isPolicy($0) })

        // Each resource is evaluated once against every policy.
        var namespaces: [String: Node] = [:]
        for (name, labels) in values.namespaceLabels { namespaces[name] = PolicyTestSuites.namespaceNode(name: name, labels: labels) }
        for object in resources where object.kind == "Namespace" && object.apiVersion == "v1" { namespaces[object.name] = object.root }
        var results: [[KyvernoRuleResult]] = []
        var requests: [PolicyRequest] = []
        for resource in resources {
            var request = PolicyRequest.create(resource, namespaceObject: nil)
            if request.namespace.isEmpty && !ResourceNames.isClusterScoped(resource.kind) { request.namespace = "default" }
            request.namespaceObject = namespaces[request.namespace]
            request.operation = values.operations[resource.name] ?? values.operation
            if request.operation == "DELETE" {
                request.oldObject = request.object
                request.object = nil
            } else if request.operation == "UPDATE" {
                request.oldObject = request.object
            }
            requests.append(request)
            results.append(policies.results(for: request, context: context))
        }

        let failedToLoad = Set(policyObjects.filter(KyvernoPolicySet.isPolicy).map(\.name)).subtracting(policies.policies.map(\.name))
        for entry in document["results"]?.items ?? [] {
            check(entry, policies: policies, failedToLoad: failedToLoad, resources: resources, requests: requests, results: results)
        }
        if document["results"]?.items.isEmpty ?? true {
            report.errors.append(PolicyEngineError(file: file, line: document.line, message: "the test declares no results"))
        }
        return report
    }

    func readValues() -> Values {
        var values = Values()
        guard let node = suite.document["variables"] ?? suite.document["values"] else { return values }
        var documents: [Node] = []
        if let path = node.scalarText {
            guard let (read, _) = PolicyTestSuites.read(PolicyTestSuites.resolve(path, against: suite.file)) else { return values }
            documents = read
        } else {
            documents = [node]
        }
        for document in documents {
            if let operation = document["globalValues"]?["request.operation"]?.scalarText { values.operation = operation }
            for namespace in document["namespaceSelector"]?.items ?? [] {
                if let name = namespace["name"]?.scalarText { values.namespaceLabels[name] = KubeObject.stringMap(namespace["labels"]) }
            }
            for policy in document["policies"]?.items ?? [] {
                for resource in policy["resources"]?.items ?? [] {
                    if let name = resource["name"]?.scalarText, let operation = resource["values"]?["request.operation"]?.scalarText {
                        values.operations[name] = operation
                    }
                }
            }
        }
        return values
    }

    mutating func check(
        _ entry: Node, policies: KyvernoPolicySet, failedToLoad: Set<String>, resources: [KubeObject], requests: [PolicyRequest],
        results: [[KyvernoRuleResult]]
    ) {
        let policyName = entry["policy"]?.scalarText ?? ""
        let rule = entry["rule"]?.scalarText
        let kind = entry["kind"]?.scalarText
        let expected = (entry["result"] ?? entry["status"])?.scalarText?.lowercased() ?? ""
        var names = (entry["resources"]?.items ?? []).compactMap(\.scalarText)
        if let single = entry["resource"]?.scalarText { names.append(single) }
        let entryNamespace = entry["namespace"]?.scalarText
        let subjectBase = "policy \(policyName)" + (rule.map { " rule \($0)" } ?? "")
        func outcome(_ status: PolicyTestOutcome.Status, _ subject: String, _ detail: String) {
            report.outcomes.append(PolicyTestOutcome(suite: suite.file, status: status, subject: subject, detail: detail))
        }
        if entry["isValidatingAdmissionPolicy"]?.bool == true {
            outcome(.skip, subjectBase, "ValidatingAdmissionPolicy results are not checked here")
            return
        }
        guard KyvernoRuleResult.Status(rawValue: expected) != nil else {
            report.errors.append(
                PolicyEngineError(
                    file: suite.file, line: entry.line, message: "result \(quoted(expected)) is not one of pass, fail, skip, warn, error"))
            return
        }
        guard let policy = policies.policies.first(where: { $0.qualifiedName == policyName || $0.name == policyName }) else {
            let why = failedToLoad.contains(policyName) ? "did not load (see the errors above)" : "is not among the test's policies"
            outcome(.fail, subjectBase, "policy \(policyName) \(why)")
            return
        }
        if let rule, !policy.rules.contains(where: { $0.name == rule }) {
            let known = policy.rules.map(\.name).joined(separator: ", ")
            outcome(.fail, subjectBase, "policy \(policyName) has no rule \(rule) (its rules, generated ones included: \(known))")
            return
        }
        if names.isEmpty {
            report.errors.append(PolicyEngineError(file: suite.file, line: entry.line, message: "\(subjectBase): the result names no resources"))
            return
        }
        for name in names {
            var namespace = entryNamespace
            var bare = name
            if let slash = name.firstIndex(of: "/") {
                namespace = String(name[..<slash])
                bare = String(name[name.index(after: slash)...])
            }
            let indices = resources.indices.filter { index in
                requests[index].name == bare && (kind.map { $0 == resources[index].kind } ?? true)
                    && (namespace.map { $0 == requests[index].namespace } ?? true)
            }
            let subject = "\(subjectBase) \(kind ?? "resource") \(name)"
            if indices.isEmpty {
                outcome(.fail, subject, "no resource \(name)\(kind.map { " of kind \($0)" } ?? "") among the test's resources")
                continue
            }
            for index in indices {
                let ruleResults = results[index].filter { result in result.policy == policy.qualifiedName && (rule.map { result.rule == $0 } ?? true) }
                let actual = Self.combine(ruleResults)
                let label = indices.count > 1 ? "\(subject) (\(resources[index].kind) \(requests[index].namespace)/\(bare))" : subject
                let messages = ruleResults.filter { $0.status == actual }.flatMap(\.messages)
                var detail = "want \(expected), got \(actual.rawValue)"
                if actual.rawValue != expected && !messages.isEmpty { detail += ": " + messages.joined(separator: "; ") }
                outcome(actual.rawValue == expected ? .pass : .fail, label, detail)
            }
        }
    }

    /// One result for several rules (a result naming only the policy): an error, else a failure,
    /// else a warning, else a pass, else skip.
    static func combine(_ results: [KyvernoRuleResult]) -> KyvernoRuleResult.Status {
        for status in [KyvernoRuleResult.Status.error, .fail, .warn, .pass] where results.contains(where: { $0.status == status }) {
            return status
        }
        return .skip
    }
}

/// One gator Suite.
struct GatorSuiteRun {
    let suite: PolicyTestSuite
    var report = PolicyTestReport()

    init(suite: PolicyTestSuite) {
        self.suite = suite
    }

    mutating func run() -> PolicyTestReport {
        let tests = suite.document["tests"]?.items ?? []
        if tests.isEmpty { report.errors.append(PolicyEngineError(file: suite.file, line: suite.document.line, message: "the suite declares no tests")) }
        for test in tests { run(test) }
        return report
    }

    mutating func run(_ test: Node) {
        let testName = test["name"]?.scalarText ?? "test at line \(test.line)"
        let cases = test["cases"]?.items ?? []
        func outcome(_ status: PolicyTestOutcome.Status, _ caseName: String, _ detail: String) {
            report.outcomes.append(PolicyTestOutcome(suite: suite.file, status: status, subject: "test \(testName) case \(caseName)", detail: detail))
        }
        if test["skip"]?.bool == true {
            for item in cases { outcome(.skip, item["name"]?.scalarText ?? "?", "skipped by the suite") }
            return
        }
        let before = report.errors.count
        let templates = PolicyTestSuites.objects(test["template"], suite: suite.file, field: "template", report: &report)
        let constraints = PolicyTestSuites.objects(test["constraint"], suite: suite.file, field: "constraint", report: &report)
        let (set, errors) = GatekeeperPolicySet.load(templates + constraints)
        report.errors += errors
        let templateKinds = templates.filter(GatekeeperPolicySet.isTemplate).compactMap { $0.root["spec"]?["crd"]?["spec"]?["names"]?["kind"]?.scalarText }
        for constraint in constraints where !templateKinds.contains(constraint.kind) && GatekeeperPolicySet.isConstraint(constraint) {
            report.errors.append(
                PolicyEngineError(
                    file: constraint.file, line: constraint.line,
                    message: "test \(testName): the constraint is a \(constraint.kind), but the template defines \(templateKinds.joined(separator: ", "))"))
        }
        if templates.filter(GatekeeperPolicySet.isTemplate).count != 1 || constraints.filter(GatekeeperPolicySet.isConstraint).count != 1 {
            report.errors.append(
                PolicyEngineError(file: suite.file, line: test.line, message: "test \(testName): template and constraint must each be one file with one object")
            )
        }
        let loaded = report.errors.count == before
        for item in cases {
            let caseName = item["name"]?.scalarText ?? "case at line \(item.line)"
            if item["skip"]?.bool == true {
                outcome(.skip, caseName, "skipped by the suite")
                continue
            }
            guard loaded else {
                outcome(.fail, caseName, "the template or constraint did not load (see the errors above)")
                continue
            }
            let inventory = PolicyTestSuites.objects(item["inventory"], suite: suite.file, field: "inventory", report: &report)
            let objects = PolicyTestSuites.objects(item["object"], suite: suite.file, field: "object", report: &report)
            guard objects.count == 1, let object = objects.first else {
                outcome(.fail, caseName, "object must be one file with exactly one object (found \(objects.count))")
                continue
            }
            var request = Self.request(for: object)
            if request.namespaceObject == nil {
                request.namespaceObject = inventory.first { $0.kind == "Namespace" && $0.name == request.namespace }?.root
            }
            let results = set.results(for: request)
            let errors = results.flatMap(\.errors)
            if !errors.isEmpty {
                outcome(.fail, caseName, "evaluation failed: " + errors.joined(separator: "; "))
                continue
            }
            let messages = results.flatMap(\.violations).map(\.message)
            var problems: [String] = []
            for assertion in item["assertions"]?.items ?? [] {
                if let problem = Self.check(assertion, messages: messages) { problems.append(problem) }
            }
            if item["assertions"]?.items.isEmpty ?? true { problems.append("the case has no assertions") }
            let got = messages.isEmpty ? "no violations" : "violations: " + messages.map(quoted).joined(separator: ", ")
            outcome(problems.isEmpty ? .pass : .fail, caseName, problems.isEmpty ? got : problems.joined(separator: "; ") + " (\(got))")
        }
    }

    /// The request for a case's object: an AdmissionReview's request, else a CREATE of the object.
    static func request(for object: KubeObject) -> PolicyRequest {
        guard object.kind == "AdmissionReview", let review = object.root["request"] else { return PolicyRequest.create(object, namespaceObject: nil) }
        let reviewed = review["object"] ?? review["oldObject"]
        let reviewedObject = reviewed.map { KubeObject(file: object.file, root: $0) }
        let kind = review["kind"]
        let group = kind?["group"]?.scalarText ?? reviewedObject?.group ?? ""
        let version = kind?["version"]?.scalarText ?? reviewedObject.map { $0.apiVersion.split(separator: "/").last.map(String.init) ?? "" } ?? ""
        let kindName = kind?["kind"]?.scalarText ?? reviewedObject?.kind ?? ""
        return PolicyRequest(
            operation: review["operation"]?.scalarText ?? "CREATE", object: review["object"].flatMap { $0.isNull ? nil : $0 },
            oldObject: review["oldObject"].flatMap { $0.isNull ? nil : $0 }, group: group, version: version, kind: kindName,
            resource: review["resource"]?["resource"]?.scalarText ?? ResourceNames.plural(of: kindName), subResource: review["subResource"]?.scalarText ?? "",
            name: review["name"]?.scalarText ?? reviewedObject?.name ?? "", namespace: review["namespace"]?.scalarText ?? reviewedObject?.namespace ?? "",
            username: review["userInfo"]?["username"]?.scalarText ?? "", userGroups: (review["userInfo"]?["groups"]?.items ?? []).compactMap(\.scalarText))
    }

    /// nil when the assertion holds, else what is wrong. `violations` is yes (default), no or a count of
    /// the violations whose message matches `message` (a regular expression; all when absent).
    static func check(_ assertion: Node, messages: [String]) -> String? {
        var matching = messages
        var about = ""
        if let pattern = assertion["message"]?.scalarText, !pattern.isEmpty {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return "message \(quoted(pattern)) is not a valid regular expression" }
            matching = messages.filter { regex.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
            about = " matching \(quoted(pattern))"
        }
        let want = assertion["violations"]
        switch want?.bool ?? nil {
        case .some(true): return matching.isEmpty ? "want violations\(about), got none" : nil
        case .some(false): return matching.isEmpty ? nil : "want no violations\(about), got \(matching.count)"
        case .none: break
        }
        switch want?.scalarText ?? "yes" {
        case "yes": return matching.isEmpty ? "want violations\(about), got none" : nil
        case "no": return matching.isEmpty ? nil : "want no violations\(about), got \(matching.count)"
        case let text:
            guard let count = Int(text), count >= 0 else { return "violations must be yes, no or a count, not \(quoted(text))" }
            return matching.count == count ? nil : "want \(count) violations\(about), got \(matching.count)"
        }
    }
}
