import ArgumentParser
import BrightKeysCore
import Checks
import Foundation
import NodeBenchmark
import Reporters

enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, junit, sarif
}

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Node and control-plane checks from files.", subcommands: [Bench.self])

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The CIS Kubernetes Benchmark v1.12 from a node's files: static pod manifests, kubelet unit and configuration, PKI.")

        @Option(help: "The node's root directory (a copy of a node works too).")
        var root: String = "/"

        @Option(help: "Comma-separated: master, etcd, node, policies (default: what the node has).")
        var targets: String?

        @Option(help: "Manifests or a cluster dump for the section 5 policy checks (RBAC, pod security).")
        var manifests: [String] = []

        @Option(name: [.short, .customLong("format")], help: "text, json, junit or sarif.")
        var output: BenchFormat = .text

        func run() throws {
            var root = self.root
            if root != "/" { root = URL(fileURLWithPath: root).standardizedFileURL.path }
            let benchmark = NodeBenchmark(root: root)
            var chosen: [BenchTarget]
            if let targets {
                chosen = try targets.split(separator: ",").map { name in
                    guard let target = BenchTarget(rawValue: String(name)) else {
                        throw ValidationError("unknown target \(name): use master, etcd, node, policies")
                    }
                    return target
                }
            } else {
                chosen = benchmark.detectedTargets
                if !manifests.isEmpty { chosen.append(.policies) }
            }
            var results = benchmark.run(targets: chosen)
            if chosen.contains(.policies) { results += try policyResults() }
            for warning in benchmark.config.warnings { writeErr("warning: \(warning)\n") }
            writeOut(BenchOutput.render(results, format: output, warnings: benchmark.config.warnings, targets: chosen))
            if results.contains(where: { $0.status == .fail && $0.check.scored }) { throw ExitCode(1) }
        }

        /// Section 5 through the scan engine: a CIS 5.x recommendation fails when a check tagged
        /// with it finds something.
        func policyResults() throws -> [BenchResult] {
            let registry = try BuiltinChecks.registry()
            guard !manifests.isEmpty else {
                return [
                    BenchResult(
                        check: BenchCheck(
                            "5", .policies, scored: false, "policies need manifests", .manual("pass --manifests"), fix: "Pass --manifests with a cluster dump."),
                        status: .warn, evidence: ["no --manifests given: the section 5 checks read cluster objects, not node files"])
                ]
            }
            let report = Scanner(registry: registry).scan(paths: manifests)
            var byControl: [String: [CheckDescriptor]] = [:]
            for descriptor in registry.descriptors {
                for control in descriptor.controls {
                    if case .cis(let id) = control, id.hasPrefix("5.") { byControl[id, default: []].append(descriptor) }
                }
            }
            return byControl.keys.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.map { id in
                let descriptors = byControl[id] ?? []
                let findings = report.findings.filter { finding in descriptors.contains { $0.id == finding.checkID } }
                let text = descriptors.map(\.title).joined(separator: "; ")
                let check = BenchCheck(
                    id, .policies, scored: true, text, .manual("see the scan checks \(descriptors.map(\.id).joined(separator: ", "))"),
                    fix: descriptors.first?.remediation ?? "")
                let evidence =
                    findings.prefix(5).map { "\($0.file):\($0.line): \($0.message)" } + (findings.count > 5 ? ["and \(findings.count - 5) more"] : [])
                return BenchResult(
                    check: check, status: findings.isEmpty ? .pass : .fail, evidence: findings.isEmpty ? ["\(report.objectsScanned) objects checked"] : evidence
                )
            }
        }
    }
}

enum BenchOutput {
    static let sectionNames: [String: String] = [
        "1": "Control Plane Security Configuration", "1.1": "Control Plane Node Configuration Files", "1.2": "API Server", "1.3": "Controller Manager",
        "1.4": "Scheduler", "2": "Etcd Node Configuration", "4": "Worker Node Security Configuration", "4.1": "Worker Node Configuration Files",
        "4.2": "Kubelet", "4.3": "kube-proxy", "5": "Policies", "5.1": "RBAC and Service Accounts", "5.2": "Pod Security Standards",
        "5.3": "Network Policies and CNI", "5.4": "Secrets Management", "5.5": "Extensible Admission Control", "5.7": "General Policies",
        "BK-1.2": "brightkeys: API Server audit policy",
    ]

    static func render(_ results: [BenchResult], format: BenchFormat, warnings: [String], targets: [BenchTarget]) -> String {
        switch format {
        case .text: return text(results)
        case .json: return json(results, warnings: warnings)
        case .junit: return junit(results)
        case .sarif: return sarif(results)
        }
    }

    static func totals(_ results: [BenchResult]) -> [(BenchStatus, Int)] {
        [BenchStatus.pass, .fail, .warn, .info].map { status in (status, results.filter { $0.status == status }.count) }
    }

    static func text(_ results: [BenchResult]) -> String {
        var output = ""
        var current = ""
        for result in results {
            let section = result.check.section
            if section != current {
                current = section
                output += "[INFO] \(section) \(sectionNames[section] ?? "")\n"
            }
            output += "[\(result.status.rawValue)] \(result.check.id) \(result.check.text)\(result.check.scored ? "" : " (not scored)")\n"
            for line in result.evidence { output += "       \(line)\n" }
            if result.status == .fail || result.status == .warn { output += "       remediation: \(result.check.remediation)\n" }
        }
        let counts = totals(results)
        output += "\n== Summary total ==\n"
        for (status, count) in counts { output += "\(count) checks \(status.rawValue)\n" }
        return output
    }

    static func json(_ results: [BenchResult], warnings: [String]) -> String {
        let items: [JSONValue] = results.map { result in
            .object([
                ("id", .string(result.check.id)), ("section", .string(result.check.section)), ("text", .string(result.check.text)),
                ("status", .string(result.status.rawValue)), ("scored", .bool(result.check.scored)), ("target", .string(result.check.target.rawValue)),
                ("evidence", .array(result.evidence.map { .string($0) })), ("remediation", .string(result.check.remediation)),
            ])
        }
        let counts = totals(results)
        let totals: JSONValue = .object(counts.map { ($0.0.rawValue.lowercased(), .int($0.1)) })
        return JSONValue.object([("results", .array(items)), ("totals", totals), ("warnings", .array(warnings.map { .string($0) }))]).rendered(pretty: true)
            + "\n"
    }

    static func junit(_ results: [BenchResult]) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = results.filter { $0.status == .fail }.count
        xml += "<testsuites name=\"brightkeys node bench\" tests=\"\(results.count)\" failures=\"\(failures)\">\n"
        for section in distinctInOrder(results.map(\.check.section)) {
            let members = results.filter { $0.check.section == section }
            xml +=
                "  <testsuite name=\"\(escape(section + " " + (sectionNames[section] ?? "")))\" tests=\"\(members.count)\" failures=\"\(members.filter { $0.status == .fail }.count)\">\n"
            for result in members {
                let name = escape("\(result.check.id) \(result.check.text)")
                switch result.status {
                case .fail:
                    xml += "    <testcase name=\"\(name)\"><failure message=\"\(escape(result.evidence.joined(separator: "; ")))\"/></testcase>\n"
                case .warn:
                    xml += "    <testcase name=\"\(name)\"><skipped message=\"\(escape(result.evidence.joined(separator: "; ")))\"/></testcase>\n"
                default:
                    xml += "    <testcase name=\"\(name)\"/>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    static func sarif(_ results: [BenchResult]) -> String {
        let reported = results.filter { $0.status == .fail || $0.status == .warn }
        let rules: [JSONValue] = results.map {
            .object([
                ("id", .string("CIS-\($0.check.id)")), ("shortDescription", .object([("text", .string($0.check.text))])),
                ("help", .object([("text", .string($0.check.remediation))])),
            ])
        }
        let items: [JSONValue] = reported.map { result in
            .object([
                ("ruleId", .string("CIS-\(result.check.id)")), ("level", .string(result.status == .fail ? "error" : "warning")),
                ("message", .object([("text", .string(result.evidence.joined(separator: "; ")))])),
            ])
        }
        let run: JSONValue = .object([
            ("tool", .object([("driver", .object([("name", .string("brightkeys node bench")), ("rules", .array(rules))]))])),
            ("results", .array(items)),
        ])
        return JSONValue.object([("version", .string("2.1.0")), ("runs", .array([run]))]).rendered(pretty: true) + "\n"
    }
}

/// Distinct values in first-seen order.
func distinctInOrder(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
