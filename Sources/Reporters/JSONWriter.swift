import KubeModel

/// A small JSON builder that writes keys in the order given, so output is stable and diffable.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// Already-rendered JSON, written as it is (rendered at the indentation where it is placed).
    case raw(String)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.rendered() == rhs.rendered()
    }

    /// Compact JSON, or indented with two spaces when `pretty`.
    public func rendered(pretty: Bool = false, indent: Int = 0) -> String {
        var output = ""
        write(into: &output, pretty: pretty, indent: indent)
        return output
    }

    private func write(into output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .string(let text): JSONString.append(text, to: &output)
        case .int(let number): output += String(number)
        case .double(let number): output += number.isFinite ? String(number) : "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .null: output += "null"
        case .raw(let text): output += text
        case .array(let items):
            if items.isEmpty {
                output += "[]"
                return
            }
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                if pretty { output += JSONValue.indentation(indent + 1) }
                item.write(into: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { output += JSONValue.indentation(indent) }
            output += "]"
        case .object(let fields):
            if fields.isEmpty {
                output += "{}"
                return
            }
            output += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { output += "," }
                if pretty { output += JSONValue.indentation(indent + 1) }
                JSONString.append(key, to: &output)
                output += pretty ? ": " : ":"
                value.write(into: &output, pretty: pretty, indent: indent + 1)
            }
            if pretty { output += JSONValue.indentation(indent) }
            output += "}"
        }
    }

    private static let indents: [String] = (0..<32).map { "\n" + String(repeating: "  ", count: $0) }

    /// A newline and `level` two-space indents, shared rather than built per line.
    static func indentation(_ level: Int) -> String {
        level < indents.count ? indents[level] : "\n" + String(repeating: "  ", count: level)
    }
}
