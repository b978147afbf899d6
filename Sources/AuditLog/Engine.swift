import KubeModel

/// An alert: a rule matched an event.
public struct Alert: Sendable {
    public let rule: AuditRule
    public let event: AuditEvent
    public let output: String
    public let outputFields: [(String, String)]
    public let time: String
}

/// Evaluates compiled rules against audit events.
public struct AuditEngine: Sendable {
    public let rules: [AuditRule]

    public init(rules: [AuditRule]) {
        self.rules = rules
    }

    public func alerts(for event: AuditEvent) -> [Alert] {
        rules.compactMap { rule in
            guard Self.evaluate(rule.condition, event) else { return nil }
            let (output, fields) = Self.format(rule.output, event)
            let time = event.node["stageTimestamp"]?.scalarText ?? event.node["timestamp"]?.scalarText ?? ""
            return Alert(rule: rule, event: event, output: output, outputFields: fields, time: time)
        }
    }

    static func evaluate(_ condition: Condition, _ event: AuditEvent) -> Bool {
        switch condition {
        case .and(let a, let b): return evaluate(a, event) && evaluate(b, event)
        case .or(let a, let b): return evaluate(a, event) || evaluate(b, event)
        case .not(let a): return !evaluate(a, event)
        case .constant(let value): return value
        case .check(let field, let op, let expected):
            guard let values = event.values(field) else { return false }
            return compare(values, op, expected)
        }
    }

    /// Falco's comparisons over a (possibly multi-valued) field: a value list matches when one
    /// of its values does, except `!=`, which needs every value to differ.
    static func compare(_ values: [String], _ op: String, _ expected: [String]) -> Bool {
        switch op {
        case "exists": return true
        case "=": return values.contains { value in expected.contains(value) }
        case "!=": return values.allSatisfy { value in !expected.contains(value) }
        case "in", "intersects": return values.contains { expected.contains($0) }
        case "contains", "bcontains": return values.contains { value in expected.contains { value.contains($0) } }
        case "icontains": return values.contains { value in expected.contains { value.lowercased().contains($0.lowercased()) } }
        case "startswith", "bstartswith": return values.contains { value in expected.contains { value.hasPrefix($0) } }
        case "endswith": return values.contains { value in expected.contains { value.hasSuffix($0) } }
        case "glob": return values.contains { value in expected.contains { Glob.match($0, value) } }
        case "pmatch":
            return values.contains { value in
                expected.contains { prefix in
                    value == prefix || value.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
                }
            }
        case "<", "<=", ">", ">=":
            return values.contains { value in
                guard let number = Double(value), let bound = expected.first.flatMap(Double.init) else { return false }
                switch op {
                case "<": return number < bound
                case "<=": return number <= bound
                case ">": return number > bound
                default: return number >= bound
                }
            }
        default: return false
        }
    }

    /// `%field` replaced by the field's value (`<NA>` when missing, values joined by commas).
    static func format(_ output: String, _ event: AuditEvent) -> (String, [(String, String)]) {
        var result = ""
        var fields: [(String, String)] = []
        let characters = Array(output)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "%" else {
                result.append(character)
                index += 1
                continue
            }
            index += 1
            var name = ""
            while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "." || characters[index] == "_" {
                name.append(characters[index])
                index += 1
            }
            var trailing = ""
            while name.hasSuffix(".") {
                name.removeLast()
                trailing.append(".")
            }
            var argument: String?
            if trailing.isEmpty, index < characters.count, characters[index] == "[", let close = characters[index...].firstIndex(of: "]") {
                argument = String(characters[(index + 1)..<close])
                index = close + 1
            }
            guard !name.isEmpty else {
                result.append("%")
                continue
            }
            let field = FieldRef(name: name, argument: argument)
            let value = event.values(field).map { $0.count == 1 ? $0[0] : "(" + $0.joined(separator: ",") + ")" } ?? "<NA>"
            result += value + trailing
            if !fields.contains(where: { $0.0 == field.description }) { fields.append((field.description, value)) }
        }
        return (result, fields)
    }
}
