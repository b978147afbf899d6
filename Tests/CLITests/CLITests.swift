import Foundation
import Testing

/// Runs the real executable and checks output and exit codes.
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `brightkeys` next to the test bundle.
    static var binary: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("brightkeys")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/brightkeys")
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = Self.root
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test func startupClusterFails() throws {
        let result = try run(["scan", "examples/startup-cluster"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("BK-NET-001 exposed-dashboard"))
        #expect(result.stdout.contains("scanned 11 objects in 4 files"))
        #expect(!result.stdout.contains("Sup3rS3cret"))
    }

    @Test func hardenedPasses() throws {
        #expect(try run(["scan", "--fail-on", "medium", "examples/hardened"]).status == 0)
        #expect(try run(["pss", "--level", "restricted", "examples/hardened"]).status == 0)
    }

    @Test func failOnThreshold() throws {
        #expect(try run(["scan", "--fail-on", "critical", "examples/startup-cluster"]).status == 1)
        let yaml =
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: false\n  serviceAccountName: p\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: a, image: 'a:1', resources: {limits: {cpu: 1, memory: 1Gi}}, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]\n"
        let isolated =
            yaml
            + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n"
        #expect(try run(["scan", "-", "--fail-on", "medium"], stdin: isolated).status == 0)
        #expect(try run(["scan", "-"], stdin: yaml).status == 1)
    }

    @Test func pssJSONContract() throws {
        let result = try run(["pss", "--level", "baseline", "--version", "v1.31", "-o", "json", "examples/startup-cluster"])
        #expect(result.status == 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = parsed?["results"] as? [[String: Any]] ?? []
        let dashboard = results.first { $0["name"] as? String == "kubernetes-dashboard" }
        #expect(dashboard?["allowed"] as? Bool == false)
        #expect(dashboard?["version"] as? String == "v1.31")
        let violation = (dashboard?["violations"] as? [[String: Any]])?.first
        #expect(violation?["check"] as? String == "privileged")
        #expect(violation?["detail"] as? String == "container \"kubernetes-dashboard\" must not set securityContext.privileged=true")
    }

    @Test func inputErrorsExitTwoAndTheRestIsScanned() throws {
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\nkind: [broken\n"
        let result = try run(["scan", "-o", "json", "--fail-on", "critical", "-"], stdin: yaml)
        #expect(result.status == 2)
        // libyaml notices the unclosed sequence at the end of the input.
        #expect(result.stderr.contains("-:6:1:"))
        #expect(result.stdout.contains("\"objects\": 1"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try run(["scan"]).status == 2)
        #expect(try run(["pss", "--version", "v9", "examples"]).status == 2)
        #expect(try run(["scan", "--fail-on", "huge", "examples"]).status == 2)
        #expect(try run(["checks", "explain", "no-such-check"]).status == 2)
    }

    @Test func checksCatalogue() throws {
        let list = try run(["checks", "list", "-o", "json"])
        #expect(list.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect((parsed?.count ?? 0) >= 25)
        let explain = try run(["checks", "explain", "privileged-container-does-not-exist"])
        #expect(explain.status == 2)
        let byslug = try run(["checks", "explain", "pss-privileged"])
        #expect(byslug.stdout.contains("BK-PSS-007"))
    }

    @Test func configExemptionsAndExpiry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("bk.yaml")
        try """
        exemptions:
        - checks: [exposed-dashboard]
          namespaces: [kubernetes-*]
          reason: tracked in TICKET-1
        - checks: [BK-SEC-001]
          expires: 2020-01-01
        severity:
          image-not-pinned: info
        """.write(to: config, atomically: true, encoding: .utf8)
        let result = try run(["scan", "-o", "json", "--config", config.path, "examples/startup-cluster"])
        #expect(!result.stdout.contains("\"checkId\": \"BK-NET-001\",\n      \"slug\""))
        #expect(result.stdout.contains("\"reason\": \"tracked in TICKET-1\""))
        #expect(result.stdout.contains("exemption expired on 2020-01-01"))
        #expect(result.stdout.contains("\"checkId\": \"BK-SEC-001\""))
        #expect(result.stdout.contains("\"info\": 3"))
        try "exemptions: 3\nbogus: 1\n".write(to: config, atomically: true, encoding: .utf8)
        let bad = try run(["scan", "--config", config.path, "examples/hardened"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bk.yaml:1:"))
    }

    @Test func rbacCanIAnswersLikeKubectl() throws {
        let yes = try run(["rbac", "can-i", "create", "pods", "-n", "shop", "--as", "ci-bot", "examples/startup-cluster"])
        #expect(yes.status == 0)
        #expect(yes.stdout == "yes\n")
        let no = try run(["rbac", "can-i", "get", "secrets", "-n", "dev", "--as", "ci-bot", "examples/startup-cluster"])
        #expect(no.status == 1)
        #expect(no.stdout == "no\n")
        let group = try run(["rbac", "can-i", "delete", "nodes", "--as", "alice", "--as-group", "developers", "examples/startup-cluster"])
        #expect(group.status == 0)
        let json = try run(["rbac", "can-i", "get", "deployments.apps", "-n", "shop", "--as", "ci-bot", "-o", "json", "examples/startup-cluster"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(parsed?["allowed"] as? Bool == true)
        let grant = (parsed?["grants"] as? [[String: Any]])?.first
        #expect(grant?["binding"] as? String == "RoleBinding/shop/ci-deployer")
        #expect(grant?["role"] as? String == "ClusterRole/ci-deployer")
        #expect(try run(["rbac", "can-i", "get", "pods", "examples/startup-cluster"]).status == 2)
    }

    @Test func rbacWhoCanListAndPaths() throws {
        let who = try run(["rbac", "who-can", "create", "pods", "-n", "shop", "examples/startup-cluster"])
        #expect(who.status == 0)
        let rows = who.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["User", "ci-bot", "RoleBinding/shop/ci-deployer", "ClusterRole/ci-deployer"]))
        #expect(rows.contains(["Group", "developers", "ClusterRoleBinding/shop-admin", "ClusterRole/cluster-admin"]))
        let list = try run(["rbac", "can-i", "--list", "-n", "shop", "--as", "ci-bot", "examples/startup-cluster"])
        #expect(list.stdout.hasPrefix("Resources"))
        #expect(list.stdout.contains("deployments.apps"))
        let paths = try run(["rbac", "paths", "--as", "ci-bot", "examples/startup-cluster"])
        #expect(paths.status == 1)
        #expect(paths.stdout.contains("[cluster-admin] ci-bot → can create pods in namespace shop → system:serviceaccount:shop:shop-admin"))
        let risks = try run(["rbac", "risks", "-o", "json", "examples/startup-cluster"])
        #expect(risks.status == 1)
        #expect(risks.stdout.contains("BK-RBAC-007"))
        #expect(!risks.stdout.contains("BK-PSS-"))
        #expect(try run(["rbac", "risks", "--fail-on", "medium", "examples/hardened"]).status == 0)
    }

    @Test func rbacListIsKubectlShaped() throws {
        let list = try run(["rbac", "can-i", "--list", "--as", "system:anonymous", "Tests/RBACAnalysisTests/Fixtures/cluster.yaml"])
        #expect(list.status == 0)
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Resources   Non-Resource URLs   Resource Names   Verbs")
        #expect(lines.contains("            [/healthz]          []               [get]"))
    }

    @Test func netpolReachExplainGenerate() throws {
        let open = try run(["netpol", "reach", "-o", "connlist", "examples/startup-cluster"])
        #expect(open.status == 0)
        #expect(open.stdout.contains("shop/web[Deployment] => shop/db[StatefulSet] : All Connections"))
        let hardened = try run(["netpol", "reach", "examples/hardened"])
        #expect(hardened.stdout == "shop/web[Deployment] => shop/db[StatefulSet] : TCP 5432\n")
        let allowed = try run(["netpol", "explain", "web", "db", "--port", "5432/TCP", "examples/hardened"])
        #expect(allowed.status == 0)
        #expect(allowed.stdout.contains("allowed by shop/web-from-ingress-controller egress[0]"))
        let denied = try run(["netpol", "explain", "db", "web", "examples/hardened"])
        #expect(denied.status == 1)
        #expect(denied.stdout.contains("denied"))
        let gaps = try run(["netpol", "gaps", "examples/startup-cluster"])
        #expect(gaps.status == 1)
        #expect(gaps.stdout.contains("namespace shop has no default-deny ingress policy"))
        let generated = try run(["netpol", "generate", "--no-dns", "examples/startup-cluster"])
        #expect(generated.status == 0)
        #expect(generated.stdout.contains("name: default-deny"))
        #expect(generated.stderr.contains("checked: the generated policies allow exactly"))
    }

    @Test func auditLogDetectOnTheExample() throws {
        let result = try run(["audit-log", "detect", "-o", "json", "examples/audit/suspicious.log"])
        #expect(result.status == 1)
        let alerts = result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(alerts.count == 5)
        #expect(
            alerts.compactMap { $0["rule"] as? String } == [
                "Secret read by a person", "Shell in a container", "Privileged pod created", "Cluster-admin binding created",
                "Anonymous request allowed",
            ])
        #expect(alerts.allSatisfy { $0["source"] as? String == "k8s_audit" && $0["output_fields"] is [String: Any] })
        #expect(result.stderr.contains("6 events, 5 alerts, 0 malformed lines"))

        // Every matching rule, not only the first: the exec and the pod raise a second alert each.
        let all = try run(["audit-log", "detect", "--rule-matching", "all", "examples/audit/suspicious.log"])
        #expect(all.stdout.contains("Pod session opened"))
        #expect(all.stdout.contains("Pod with host namespaces created"))
        #expect(all.stderr.contains("6 events, 7 alerts"))
    }

    @Test func auditLogBadInputIsReportedWithFileAndLine() throws {
        let log = "{\"kind\":\"Event\",\"auditID\":\"1\"}\n{\"kind\":\"Event\",\n\n"
        let result = try run(["audit-log", "detect", "-"], stdin: log)
        #expect(result.status == 2)
        #expect(result.stderr.contains("-:2: malformed event"))
        #expect(result.stderr.contains("1 events"))

        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("bk-bad-rules-\(UUID().uuidString).yaml")
        try Data("- rule: Broken\n  condition: ka.verb = get and\n  output: x\n  priority: WARNING\n  source: k8s_audit\n".utf8).write(to: rules)
        defer { try? FileManager.default.removeItem(at: rules) }
        let broken = try run(["audit-log", "detect", "--rules", rules.path, "examples/audit/suspicious.log"])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains(rules.path + ":"))
    }

    @Test func auditLogServeRefusesMissingCertificates() throws {
        let result = try run(["audit-log", "serve", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.crt", "--tls-key", "/nonexistent.key"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot load the TLS certificate or key"))
        #expect(try run(["audit-log", "serve", "--listen", "nowhere", "--tls-cert", "a", "--tls-key", "b"]).status == 2)
    }

    /// The generated deployment must itself pass what brightkeys asks of everyone else.
    @Test func webhookManifestsPassScanAndRestrictedPodSecurity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-manifests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for policy in ["Fail", "Ignore"] {
            let generated = try run(["webhook", "manifests", "--namespace", "guard", "--replicas", "3", "--failure-policy", policy])
            #expect(generated.status == 0)
            let file = directory.appendingPathComponent("webhook-\(policy).yaml").path
            try generated.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            for kind in [
                "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget", "Service",
                "ValidatingWebhookConfiguration", "Secret", "NetworkPolicy",
            ] {
                #expect(generated.stdout.contains("kind: \(kind)\n"), "missing \(kind)")
            }
            #expect(generated.stdout.contains("failurePolicy: \(policy)"))
            #expect(generated.stdout.contains("replicas: 3"))
            #expect(generated.stdout.contains("values: [\"kube-system\", \"guard\"]"))
            #expect(generated.stdout.contains("sideEffects: None"))
            let scan = try run(["scan", "--fail-on", "medium", file])
            #expect(scan.status == 0, "\(scan.stdout)")
            let pss = try run(["pss", "--level", "restricted", file])
            #expect(pss.status == 0, "\(pss.stdout)")
            #expect(pss.stdout.contains("1 allowed, 0 denied"))
        }
        #expect(try run(["webhook", "manifests", "--replicas", "1"]).status == 2)
        #expect(try run(["webhook", "manifests", "--failure-policy", "Sometimes"]).status == 2)
    }

    @Test func webhookCertsWritesAVerifiableChainAndKeepsExistingFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-certs-\(UUID().uuidString)").path
        let made = try run(["webhook", "certs", "--name", "guard", "--namespace", "sec", "--out", directory])
        #expect(made.status == 0)
        #expect(made.stdout.contains("guard.sec.svc"))
        let key = try FileManager.default.attributesOfItem(atPath: directory + "/tls.key")
        #expect((key[.posixPermissions] as? Int) == 0o600)
        // openssl is only the judge here: the files are made without it.
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/bin/sh")
        verify.arguments = [
            "-c",
            "openssl verify -CAfile \(directory)/ca.crt \(directory)/tls.crt && openssl x509 -in \(directory)/tls.crt -noout -ext subjectAltName | grep -q DNS:guard.sec.svc",
        ]
        try verify.run()
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0)
        let again = try run(["webhook", "certs", "--out", directory])
        #expect(again.status == 2)
        #expect(again.stderr.contains("pass --force"))
    }

    @Test func webhookServeRefusesMissingFilesAndBadAddresses() throws {
        let result = try run(["webhook", "serve", "--tls-cert", "/nonexistent.crt", "--tls-key", "/nonexistent.key", "--namespaces", "examples/hardened"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot load the TLS certificate or key"))
        #expect(try run(["webhook", "serve", "--listen", "nowhere", "--tls-cert", "a", "--tls-key", "b"]).status == 2)
        let outside = try run(["webhook", "serve", "--tls-cert", "a", "--tls-key", "b"], environment: ["KUBERNETES_SERVICE_HOST": ""])
        #expect(outside.status == 2)
    }

    @Test func celEvalPrintsLiteralsOrValueJSONAndExitsByOutcome() throws {
        let literal = try run(["cel", "eval", "[1, 2, 3].map(x, x * 2)"])
        #expect(literal.status == 0 && literal.stdout == "[2, 4, 6]\n")
        let json = try run(["cel", "eval", "-o", "json", "{'a': 1u}"])
        #expect(json.stdout == "{\"mapValue\":{\"entries\":[{\"key\":{\"stringValue\":\"a\"},\"value\":{\"uint64Value\":\"1\"}}]}}\n")
        let failed = try run(["cel", "eval", "-o", "json", "1 / 0"])
        #expect(failed.status == 1 && failed.stdout == "{\"error\":\"division by zero\"}\n")
        let unparsable = try run(["cel", "eval", "1 +"])
        #expect(unparsable.status == 2 && unparsable.stderr.contains("ERROR: <input>:1:"))
        let old = try run(["cel", "eval", "--kubernetes-version", "1.28", "sets.contains([1], [1])"])
        #expect(old.status == 1 && old.stdout.contains("undeclared reference to 'sets.contains'"))
        let bindings = FileManager.default.temporaryDirectory.appendingPathComponent("bk-bindings-\(UUID().uuidString).json").path
        try #"{"x": {"value": {"int64Value": "41"}}}"#.write(toFile: bindings, atomically: true, encoding: .utf8)
        #expect(try run(["cel", "eval", "--bindings", bindings, "x + 1"]).stdout == "42\n")
    }
}
