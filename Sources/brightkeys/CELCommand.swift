import ArgumentParser
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
                program = try CELProgram(expression, options: CELOptions(container: container, disableMacros: disableMacros))
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
                if case .error(let error) = result { writeOut("error: \(error.message)\n") } else { writeOut(CELText.render(result) + "\n") }
            }
            if case .error = result { throw ExitCode(1) }
        }
    }
}

/// CEL values written as CEL literals (what a policy author would type).
enum CELText {
    static func render(_ value: CELValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .uint(let number): return "\(number)u"
        case .double(let number):
            if number.isNaN { return "double(\"NaN\")" }
            if number.isInfinite { return number > 0 ? "double(\"Infinity\")" : "double(\"-Infinity\")" }
            return number == number.rounded() && abs(number) < 1e16 ? String(format: "%.1f", number) : String(number)
        case .string(let text): return quote(text)
        case .bytes(let bytes): return "b" + quote(String(decoding: bytes, as: UTF8.self))
        case .list(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .map(let map):
            return "{" + zip(map.keys, map.values).map { "\(render($0.value)): \(render($1))" }.joined(separator: ", ") + "}"
        case .type(let type): return type.name
        case .optional(let inner): return inner.map { "optional.of(\(render($0)))" } ?? "optional.none()"
        default:
            if let json = value.toProtoJSON() as? [String: Any], let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) {
                return String(decoding: data, as: UTF8.self)
            }
            return "\(value)"
        }
    }

    static func quote(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
