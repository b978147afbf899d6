import ArgumentParser
import BrightKeysCore
import Foundation
import KubeModel
import NetworkAnalysis
import Reporters

enum NetpolFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, connlist, csv, dot
}

/// Reads every object under the paths and builds the network topology from them.
func loadTopology(_ paths: [String]) -> (topology: Topology, errors: [InputError]) {
    let loader = ManifestLoader()
    let (files, expandErrors) = loader.expand(paths)
    let loaded = ParallelMap.run(count: files.count, workers: ProcessInfo.processInfo.activeProcessorCount) { loader.load(file: files[$0]) }
    let topology = Topology(objects: loaded.flatMap(\.objects))
    var errors = expandErrors + loaded.flatMap(\.errors)
    errors += topology.problems.map { InputError(file: $0.file, position: SourcePosition(line: $0.line, column: 1), message: $0.message) }
    return (topology, errors)
}

struct NetpolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netpol", abstract: "NetworkPolicy reachability: what can talk to what, and why.",
        subcommands: [Reach.self, Gaps.self, Explain.self, Generate.self])

    struct Reach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every allowed connection between workloads and external address ranges (np-guard's connlist format with -o connlist).")

        @Argument(help: "Files, directories or - for standard input.")
        var paths: [String] = []

        @Option(name: [.short, .customLong("format")], help: "text, json, connlist, csv or dot.")
        var output: NetpolFormat = .text

        @Option(help: "Only connections of this workload (name, namespace/name or namespace/name[Kind]).")
        var focus: String?

        func run() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one file, directory, or - for standard input") }
            let (topology, errors) = loadTopology(paths)
            for error in errors { writeErr("\(error.description)\n") }
            let reachability = Reachability(topology: topology)
            let focus = self.focus.map { wanted in
                { (endpoint: Endpoint) in
                    endpoint.name == wanted || "\(endpoint.namespace)/\(endpoint.name)" == wanted || endpoint.description == wanted
                }
            }
            let connections = reachability.allConnections(focus: focus)
            writeOut(NetpolOutput.render(connections, format: output))
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }
}

extension NetpolCommand {
    struct Gaps: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Namespaces without default deny, workloads no policy covers, policies that cover nothing, unresolved named ports, redundant rules.")

        @Argument(help: "Files, directories or - for standard input.")
        var paths: [String] = []

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: RBACFormat = .text

        func run() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one file, directory, or - for standard input") }
            let (topology, errors) = loadTopology(paths)
            for error in errors { writeErr("\(error.description)\n") }
            let gaps = GapAnalysis.gaps(in: topology)
            if output == .json {
                let items: [JSONValue] = gaps.map {
                    .object([
                        ("kind", .string($0.kind.rawValue)), ("namespace", .string($0.namespace)), ("subject", .string($0.subject)),
                        ("message", .string($0.message)), ("file", .string($0.file)), ("line", .int($0.line)),
                    ])
                }
                writeOut(JSONValue.object([("gaps", .array(items))]).rendered(pretty: true) + "\n")
            } else {
                for gap in gaps {
                    writeOut((gap.file.isEmpty ? "" : "\(gap.file):\(gap.line): ") + gap.message + "\n")
                }
                writeOut("\(gaps.count) gaps\n")
            }
            if !errors.isEmpty { throw ExitCode(2) }
            if !gaps.isEmpty { throw ExitCode(1) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether SRC may connect to DST, and which policies and rules decide it on each side.")

        @Argument(help: "SRC and DST (workload name, namespace/name or namespace/name[Kind], or an IPv4 address), then the inputs.")
        var words: [String] = []

        @Option(help: "Ask about one port, e.g. 8080/TCP or 53/UDP.")
        var port: String?

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: RBACFormat = .text

        func run() throws {
            let (question, paths) = splitQuestion(words)
            guard question.count == 2, !paths.isEmpty else { throw ValidationError("expected SRC DST and then the files or directories to read") }
            let (topology, errors) = loadTopology(paths)
            for error in errors { writeErr("\(error.description)\n") }
            let reach = Reachability(topology: topology)
            func resolve(_ text: String) throws -> Endpoint {
                let matches = topology.endpoints.filter { $0.name == text || "\($0.namespace)/\($0.name)" == text || $0.description == text }
                guard matches.count == 1, let endpoint = matches.first else {
                    throw ValidationError(
                        matches.isEmpty ? "no workload called \(text)" : "\(text) is ambiguous: \(matches.map(\.description).joined(separator: ", "))")
                }
                return endpoint
            }
            let source = try resolve(question[0])
            let destination = try resolve(question[1])
            let decision = reach.explain(from: source, to: destination)
            var allowed = !decision.connections.isEmpty
            var portText = ""
            if let port {
                let parts = port.split(separator: "/")
                guard let number = Int(parts[0]), let proto = TransportProtocol(rawValue: parts.count > 1 ? parts[1].uppercased() : "TCP") else {
                    throw ValidationError("--port takes PORT or PORT/PROTOCOL, e.g. 8080/TCP")
                }
                allowed = decision.connections.ports[proto]?.contains(number) ?? false
                portText = " on \(number)/\(proto.rawValue)"
            }
            if output == .json {
                writeOut(
                    JSONValue.object([
                        ("source", .string(source.description)), ("destination", .string(destination.description)), ("allowed", .bool(allowed)),
                        ("connections", .string(decision.connections.description)),
                        ("egressPolicies", .array(decision.egressPolicies.map { .string($0) })),
                        ("egressRules", .array(decision.egressRules.map { .string($0) })),
                        ("ingressPolicies", .array(decision.ingressPolicies.map { .string($0) })),
                        ("ingressRules", .array(decision.ingressRules.map { .string($0) })),
                    ]).rendered(pretty: true) + "\n")
            } else {
                writeOut("\(source) => \(destination)\(portText): \(allowed ? "allowed" : "denied") (\(decision.connections))\n")
                writeOut("  egress of \(source): " + side(decision.egressPolicies, decision.egressRules) + "\n")
                writeOut("  ingress of \(destination): " + side(decision.ingressPolicies, decision.ingressRules) + "\n")
            }
            if !errors.isEmpty { throw ExitCode(2) }
            if !allowed { throw ExitCode(1) }
        }

        func side(_ policies: [String], _ rules: [String]) -> String {
            if policies.isEmpty { return "not isolated (no policy selects it), everything allowed" }
            let selected = "isolated by \(policies.joined(separator: ", "))"
            return rules.isEmpty ? selected + "; no rule allows it" : selected + "; allowed by \(rules.joined(separator: ", "))"
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Default-deny policies per namespace plus allow policies for exactly the wanted connections.")

        @Argument(help: "Files, directories or - for standard input (workloads, namespaces, services).")
        var paths: [String] = []

        @Option(name: .customLong("from-connlist"), help: "Allow exactly the connections of this connlist file (default: what Services imply).")
        var connlist: String?

        @Flag(inversion: .prefixedNo, help: "Allow DNS egress to kube-system from every namespace.")
        var dns = true

        func run() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one file, directory, or - for standard input") }
            let (topology, errors) = loadTopology(paths)
            for error in errors { writeErr("\(error.description)\n") }
            var requests: [RequestedConnection]
            if let connlist {
                guard let data = FileManager.default.contents(atPath: connlist) else { throw ValidationError("cannot read \(connlist)") }
                let parsed = PolicyGenerator.parseConnlist(String(decoding: data, as: UTF8.self), topology: topology)
                for problem in parsed.problems { writeErr("\(connlist): \(problem)\n") }
                if !parsed.problems.isEmpty { throw ExitCode(2) }
                requests = parsed.requests
            } else {
                requests = PolicyGenerator.fromServices(topology)
            }
            let generated = PolicyGenerator.generate(topology, requests: requests, allowDNS: dns)
            for warning in generated.warnings { writeErr("warning: \(warning)\n") }
            writeOut(generated.yaml)
            // Check the result the way a user would: the generated policies alone, fed to reach.
            let policies = Topology(objects: ManifestLoader().load(bytes: Array(generated.yaml.utf8), file: "generated").objects).policies
            let achieved = Reachability(topology: topology.replacingPolicies(policies)).allConnections()
            let wanted = requests.map { Connection(source: $0.source, destination: $0.destination, connections: $0.connections) }
            let differences = ConnectionEquivalence.differences(wanted, achieved)
            if differences.isEmpty {
                writeErr(
                    "checked: the generated policies allow exactly the \(wanted.count) requested connections\(dns ? " (plus DNS egress to kube-system)" : "")\n"
                )
            } else if !dns || differences.contains(where: { !$0.contains("kube-system/") }) {
                writeErr("warning: the generated policies differ from the request in \(differences.count) places, e.g. \(differences[0])\n")
            }
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }
}

enum NetpolOutput {
    static func render(_ connections: [Connection], format: NetpolFormat) -> String {
        switch format {
        case .connlist, .text:
            return connections.map(\.line).joined(separator: "\n") + (connections.isEmpty ? "" : "\n")
        case .csv:
            return "src,dst,conn\n" + connections.map { "\($0.source),\($0.destination),\"\($0.connections)\"" }.joined(separator: "\n") + "\n"
        case .json:
            let items: [JSONValue] = connections.map {
                .object([("src", .string($0.source.description)), ("dst", .string($0.destination.description)), ("conn", .string($0.connections.description))])
            }
            return JSONValue.object([("connections", .array(items))]).rendered(pretty: true) + "\n"
        case .dot:
            var lines = ["digraph {"]
            for connection in connections {
                lines.append("  \"\(connection.source)\" -> \"\(connection.destination)\" [label=\"\(connection.connections)\"]")
            }
            lines.append("}")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
