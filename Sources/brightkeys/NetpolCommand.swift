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
        subcommands: [Reach.self])

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
