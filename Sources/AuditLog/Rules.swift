import KubeModel

/// A compiled rule of the k8s_audit source.
public struct AuditRule: Sendable {
    public let name: String
    public let priority: String
    public let output: String
    public let tags: [String]
    public let condition: Condition
    /// Where it was (last) defined.
    public let file: String
    public let line: Int
}

/// Something the loader said about a rules file: an error (with file and line) or a note.
public struct RulesMessage: Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var isError: Bool

    public var description: String { "\(file):\(line): \(isError ? "error" : "note"): \(message)" }
}

/// Loads Falco rules files in order, with Falco's rules for lists, macros, rules, `append`,
/// overriding, `enabled` and `exceptions`, keeping the rules of the k8s_audit source.
public struct RulesLoader {
    struct RawRule {
        var name: String
        var condition: String
        var output: String
        var priority: String
        var source: String
        var tags: [String]
        var enabled: Bool
        var exceptions: [Node]
        var file: String
        var line: Int
    }

    var lists: [String: [String]] = [:]
    var macros: [String: String] = [:]
    var rules: [RawRule] = []
    public private(set) var messages: [RulesMessage] = []

    public init() {}

    /// Reads one rules file; problems are recorded, and the file's good items still count.
    public mutating func load(bytes: [UInt8], file: String) {
        let (documents, errors) = ManifestLoader().parseDocuments(bytes: bytes, file: file)
        for error in errors {
            messages.append(RulesMessage(file: file, line: error.position?.line ?? 0, message: error.message, isError: true))
        }
        guard errors.isEmpty else { return }
        for document in documents {
            guard let items = document.sequence else {
                messages.append(RulesMessage(file: file, line: document.line, message: "a rules file is a list of items", isError: true))
                continue
            }
            // A bare `-` (an empty item) is ignored, as Falco ignores it.
            for item in items where !item.isNull { load(item: item, file: file) }
        }
    }

    private mutating func load(item: Node, file: String) {
        func error(_ message: String) { messages.append(RulesMessage(file: file, line: item.line, message: message, isError: true)) }
        let append = item["append"]?.bool ?? false
        if let name = item["list"]?.scalarText {
            // List items that name a list stand for its items.
            let items = (item["items"]?.items ?? []).compactMap(\.scalarText).flatMap { lists[$0] ?? [$0] }
            if append {
                guard lists[name] != nil else { return error("list \(name) has append: true but no earlier definition") }
                lists[name, default: []] += items
            } else {
                lists[name] = items
            }
        } else if let name = item["macro"]?.scalarText {
            guard let condition = item["condition"]?.scalarText else { return error("macro \(name) has no condition") }
            if append {
                guard let existing = macros[name] else { return error("macro \(name) has append: true but no earlier definition") }
                macros[name] = existing + " " + condition
            } else {
                macros[name] = condition
            }
        } else if let name = item["rule"]?.scalarText {
            if let problem = loadRule(item, name: name, append: append, file: file) { error(problem) }
        } else if item["required_engine_version"] != nil || item["required_plugin_versions"] != nil {
            return
        } else {
            error("unknown item (expected list, macro, rule, required_engine_version or required_plugin_versions)")
        }
    }

    /// Returns the problem, if any.
    private mutating func loadRule(_ item: Node, name: String, append: Bool, file: String) -> String? {
        if let index = rules.lastIndex(where: { $0.name == name }), append || (item["condition"] == nil && item["enabled"] != nil) {
            if let condition = item["condition"]?.scalarText { rules[index].condition += " " + condition }
            if let output = item["output"]?.scalarText, append { rules[index].output += " " + output }
            if let exceptions = item["exceptions"]?.items { rules[index].exceptions += exceptions }
            if let enabled = item["enabled"]?.bool { rules[index].enabled = enabled }
            return nil
        }
        if append { return "rule \(name) has append: true but no earlier definition" }
        guard let condition = item["condition"]?.scalarText else { return "rule \(name) has no condition" }
        let rule = RawRule(
            name: name, condition: condition, output: item["output"]?.scalarText ?? "", priority: item["priority"]?.scalarText ?? "",
            source: item["source"]?.scalarText ?? "syscall", tags: (item["tags"]?.items ?? []).compactMap(\.scalarText), enabled: item["enabled"]?.bool ?? true,
            exceptions: item["exceptions"]?.items ?? [], file: file, line: item.line)
        if let index = rules.firstIndex(where: { $0.name == name }) {
            rules[index] = rule
        } else {
            rules.append(rule)
        }
        return nil
    }

    /// The enabled k8s_audit rules, compiled; a rule whose condition does not compile (an
    /// undefined macro, an unknown field) is an error now, not when an event arrives.
    public mutating func compile() -> [AuditRule] {
        var compiled: [AuditRule] = []
        var skipped = 0
        for rule in rules {
            guard rule.source == "k8s_audit" else {
                skipped += 1
                continue
            }
            guard rule.enabled else { continue }
            do {
                var condition = try ConditionParser.parse(rule.condition, macros: macros, lists: lists, isField: AuditEvent.knownFields.contains)
                if let exceptions = try exceptionCondition(rule) { condition = .and(condition, .not(exceptions)) }
                for field in Self.outputFields(rule.output) where !AuditEvent.knownFields.contains(field.name) {
                    messages.append(RulesMessage(file: rule.file, line: rule.line, message: "rule \(rule.name) prints unknown field %\(field)", isError: true))
                }
                compiled.append(
                    AuditRule(
                        name: rule.name, priority: Priority.normalize(rule.priority), output: rule.output, tags: rule.tags, condition: condition,
                        file: rule.file,
                        line: rule.line))
            } catch {
                messages.append(RulesMessage(file: rule.file, line: rule.line, message: "rule \(rule.name): \(error)", isError: true))
            }
        }
        if skipped > 0 {
            messages.append(RulesMessage(file: "", line: 0, message: "\(skipped) rules of other sources (syscall, …) were read and skipped", isError: false))
        }
        return compiled
    }

    /// `exceptions` become `not ((f1 c1 v1 and f2 c2 v2) or …)`.
    private func exceptionCondition(_ rule: RawRule) throws -> Condition? {
        var alternatives: [Condition] = []
        for exception in rule.exceptions {
            let fieldNames: [String]
            var single = false
            if let fields = exception["fields"]?.sequence {
                fieldNames = fields.compactMap(\.scalarText)
            } else if let field = exception["fields"]?.scalarText {
                fieldNames = [field]
                single = true
            } else {
                continue
            }
            let comps: [String] =
                exception["comps"]?.sequence?.compactMap(\.scalarText) ?? exception["comps"]?.scalarText.map { [$0] }
                ?? Array(repeating: "=", count: fieldNames.count)
            let fields = try fieldNames.map { try Self.fieldRef($0) }
            for value in exception["values"]?.items ?? [] {
                if single {
                    let items = value.sequence?.compactMap(\.scalarText) ?? value.scalarText.map { [$0] } ?? []
                    alternatives.append(.check(field: fields[0], op: comps.first ?? "in", values: items.flatMap { lists[$0] ?? [$0] }))
                    continue
                }
                let tuple = value.items
                guard tuple.count == fields.count else { continue }
                var parts: [Condition] = []
                for (index, field) in fields.enumerated() {
                    let op = index < comps.count ? comps[index] : "="
                    let item = tuple[index]
                    let values = item.sequence?.compactMap(\.scalarText).flatMap { lists[$0] ?? [$0] } ?? item.scalarText.map { lists[$0] ?? [$0] } ?? []
                    parts.append(.check(field: field, op: op, values: values))
                }
                alternatives.append(parts.dropFirst().reduce(parts[0]) { .and($0, $1) })
            }
        }
        guard let first = alternatives.first else { return nil }
        return alternatives.dropFirst().reduce(first) { .or($0, $1) }
    }

    static func fieldRef(_ text: String) throws -> FieldRef {
        var name = text
        var argument: String?
        if let open = text.firstIndex(of: "["), text.hasSuffix("]") {
            name = String(text[..<open])
            argument = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        }
        guard AuditEvent.knownFields.contains(name) else { throw ConditionError(message: "unknown field \(name) in exceptions") }
        return FieldRef(name: name, argument: argument)
    }

    /// The `%field` references of an output string.
    static func outputFields(_ output: String) -> [FieldRef] {
        var fields: [FieldRef] = []
        let characters = Array(output)
        var index = 0
        while index < characters.count {
            guard characters[index] == "%" else {
                index += 1
                continue
            }
            index += 1
            var name = ""
            while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "." || characters[index] == "_" {
                name.append(characters[index])
                index += 1
            }
            var argument: String?
            if index < characters.count, characters[index] == "[", let close = characters[index...].firstIndex(of: "]") {
                argument = String(characters[(index + 1)..<close])
                index = close + 1
            }
            while name.hasSuffix(".") { name.removeLast() }
            if !name.isEmpty { fields.append(FieldRef(name: name, argument: argument)) }
        }
        return fields
    }
}

/// Falco's priority names.
public enum Priority {
    static let names = [
        "emergency": "Emergency", "alert": "Alert", "critical": "Critical", "error": "Error", "warning": "Warning", "notice": "Notice",
        "informational": "Informational", "info": "Informational", "debug": "Debug",
    ]

    static func normalize(_ text: String) -> String {
        names[text.lowercased()] ?? text
    }
}
