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
///
/// Rules share macros (every k8s_audit rule starts with the same stage test), so the fields of an
/// event are extracted once per event, into a cache indexed by field number.
public struct AuditEngine: Sendable {
    /// Falco's `rule_matching`: `first` (its default) raises only the first matching rule, in
    /// order of definition; `all` raises every matching rule.
    public enum Matching: String, Sendable, CaseIterable {
        case first, all
    }

    public let rules: [AuditRule]
    public let matching: Matching
    let fields: [FieldRef]
    let prepared: [Condition]

    public init(rules: [AuditRule], matching: Matching = .first) {
        self.init(rules: rules, conditions: rules.map(\.condition), matching: matching)
    }

    init(conditions: [Condition]) {
        self.init(rules: [], conditions: conditions, matching: .all)
    }

    private init(rules: [AuditRule], conditions: [Condition], matching: Matching) {
        self.rules = rules
        self.matching = matching
        var numbers: [FieldRef: Int] = [:]
        var fields: [FieldRef] = []
        func prepare(_ condition: Condition) -> Condition {
            switch condition {
            case .and(let a, let b): return .and(prepare(a), prepare(b))
            case .or(let a, let b): return .or(prepare(a), prepare(b))
            case .not(let a): return .not(prepare(a))
            case .constant, .compiled: return condition
            case .check(let field, let op, let values):
                let number =
                    numbers[field]
                    ?? {
                        numbers[field] = fields.count
                        fields.append(field)
                        return fields.count - 1
                    }()
                return .compiled(CompiledCheck(field: number, op: op, values: values))
            }
        }
        prepared = conditions.map(prepare)
        self.fields = fields
    }

    /// Field values of one event, extracted on first use.
    final class FieldCache {
        enum Slot {
            case unknown
            case missing
            case values([String])
        }

        var slots: [Slot]
        let event: AuditEvent
        let fields: [FieldRef]

        init(event: AuditEvent, fields: [FieldRef]) {
            self.event = event
            self.fields = fields
            slots = Array(repeating: .unknown, count: fields.count)
        }

        func values(_ number: Int) -> [String]? {
            switch slots[number] {
            case .missing: return nil
            case .values(let values): return values
            case .unknown:
                let values = event.values(fields[number])
                slots[number] = values.map { .values($0) } ?? .missing
                return values
            }
        }
    }

    public func alerts(for event: AuditEvent) -> [Alert] {
        let cache = FieldCache(event: event, fields: fields)
        var alerts: [Alert] = []
        for index in rules.indices where Self.evaluate(prepared[index], cache) {
            let rule = rules[index]
            let (output, fields) = Self.format(rule.output, event)
            let time = event.node["stageTimestamp"]?.scalarText ?? event.node["timestamp"]?.scalarText ?? ""
            alerts.append(Alert(rule: rule, event: event, output: output, outputFields: fields, time: time))
            if matching == .first { break }
        }
        return alerts
    }

    /// One condition against one event, through the same compiled path as `alerts(for:)`.
    static func evaluate(_ condition: Condition, _ event: AuditEvent) -> Bool {
        let engine = AuditEngine(conditions: [condition])
        return evaluate(engine.prepared[0], FieldCache(event: event, fields: engine.fields))
    }

    static func evaluate(_ condition: Condition, _ cache: FieldCache) -> Bool {
        switch condition {
        case .and(let a, let b): return evaluate(a, cache) && evaluate(b, cache)
        case .or(let a, let b): return evaluate(a, cache) || evaluate(b, cache)
        case .not(let a): return !evaluate(a, cache)
        case .constant(let value): return value
        case .check(let field, let op, let expected):
            guard let values = cache.event.values(field) else { return false }
            return CompiledCheck(field: -1, op: op, values: expected).matches(values)
        case .compiled(let check):
            guard let values = cache.values(check.field) else { return false }
            return check.matches(values)
        }
    }
}

extension CompiledCheck {
    /// Falco's comparisons over a (possibly multi-valued) field, with its list semantics: `=` is
    /// set equality (every value equals the operand), `!=` its negation, `in` needs every value in
    /// the list, `intersects` any; the string and ordering operators apply only to a field with
    /// exactly one value (two container images never `contains` anything). `pmatch` keeps the
    /// path-prefix meaning (any value under a listed prefix).
    func matches(_ values: [String]) -> Bool {
        let single = values.count == 1 ? values[0] : nil
        switch op {
        case .exists: return true
        case .equals: return Self.setEquals(values, set)
        case .notEquals: return !Self.setEquals(values, set)
        case .inList: return values.allSatisfy { set.contains($0) }
        case .intersects: return values.contains { set.contains($0) }
        case .contains: return single.map { value in self.values.contains { value.contains($0) } } ?? false
        case .icontains: return single.map { value in self.values.contains { value.lowercased().contains($0.lowercased()) } } ?? false
        case .startswith: return single.map { value in self.values.contains { value.hasPrefix($0) } } ?? false
        case .endswith: return single.map { value in self.values.contains { value.hasSuffix($0) } } ?? false
        case .glob: return single.map { value in self.values.contains { Glob.match($0, value) } } ?? false
        case .pmatch:
            return values.contains { value in
                self.values.contains { prefix in
                    value == prefix || value.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
                }
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let bound = numbers.first, let number = single.flatMap(Double.init) else { return false }
            switch op {
            case .less: return number < bound
            case .lessOrEqual: return number <= bound
            case .greater: return number > bound
            default: return number >= bound
            }
        case .unknown: return false
        }
    }

    static func setEquals(_ values: [String], _ set: Set<String>) -> Bool {
        switch values.count {
        case 0: return false
        case 1: return set.count == 1 && set.contains(values[0])
        default: return Set(values) == set
        }
    }
}

extension AuditEngine {
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
