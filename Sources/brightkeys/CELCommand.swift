import ArgumentParser
import BrightKeysCore
import CEL
import Foundation

struct CELCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cel", abstract: "Common Expression Language tools for policy authors.", subcommands: [Eval.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate one CEL expression.",
            discussion: """
                --bindings takes a JSON object mapping names to {"value": <Value>}, as the cel-spec \
                conformance files write them ({"x": {"value": {"int64Value": "3"}}}). With -o json the \
                result is printed in the protobuf JSON form of a CEL Value, or {"error": "..."}. Exit 1 \
                when the expression evaluates to an error, 2 when it does not parse.
                """)

        @Argument(help: "The expression.")
        var expression: String

        @Option(help: "A JSON file of bindings.")
        var bindings: String?

        @Option(help: "The container (namespace) names are resolved in.")
        var container = ""

        @Flag(name: .customLong("disable-macros"), help: "Treat has(), all(), exists(), map(), filter() as plain functions.")
        var disableMacros = false

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: Format = .text

        @Option(
            name: .customLong("kubernetes-version"),
            help: "Only the libraries Kubernetes' base CEL environment enables at this version (1.N); default: all.")
        var kubernetesVersion: String?

        func validate() throws {
            if let kubernetesVersion, Self.parseVersion(kubernetesVersion) == nil {
                throw ValidationError("--kubernetes-version takes 1.N, e.g. 1.30")
            }
        }

        /// `1.N` or `v1.N`, read as the Pod Security versions are.
        static func parseVersion(_ text: String) -> (major: Int, minor: Int)? {
            guard text != "latest", let version = KubeVersion(parsing: text), version.major == 1 else { return nil }
            return (version.major, version.minor)
        }

        func run() throws {
            var values: [String: CELValue] = [:]
            if let bindings {
                guard let data = FileManager.default.contents(atPath: bindings) else {
                    writeErr("\(bindings): cannot read the bindings file\n")
                    throw ExitCode(2)
                }
                do {
                    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                        writeErr("\(bindings): the bindings must be a JSON object of name → {\"value\": Value}\n")
                        throw ExitCode(2)
                    }
                    for (name, entry) in object {
                        guard let value = (entry as? [String: Any])?["value"] else {
                            writeErr("\(bindings): binding \(name) must be {\"value\": Value}\n")
                            throw ExitCode(2)
                        }
                        values[name] = try CELValue.fromProtoJSON(value)
                    }
                } catch let error as ExitCode {
                    throw error
                } catch {
                    writeErr("\(bindings): \(error)\n")
                    throw ExitCode(2)
                }
            }
            let program: CELProgram
            do {
                var options = CELOptions(container: container, disableMacros: disableMacros)
                options.kubernetesVersion = kubernetesVersion.flatMap(Self.parseVersion)
                program = try CELProgram(expression, options: options)
            } catch {
                writeErr("\(error)\n")
                throw ExitCode(2)
            }
            let result = program.evaluate(bindings: values)
            switch output {
            case .json:
                let object: Any
                if case .error(let error) = result { object = ["error": error.message] } else { object = result.toProtoJSON() }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
                writeOut(String(decoding: data, as: UTF8.self) + "\n")
            case .text:
                if case .error(let error) = result { writeOut("error: \(error.message)\n") } else { writeOut(result.literal + "\n") }
            }
            if case .error = result { throw ExitCode(1) }
        }
    }
}
