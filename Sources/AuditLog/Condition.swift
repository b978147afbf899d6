/// A parsed Falco condition.
public indirect enum Condition: Sendable {
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)
    /// `field op value`; `exists` has no value.
    case check(field: FieldRef, op: String, values: [String])
    case constant(Bool)
    /// A check ready for fast evaluation: the field numbered for the per-event cache, the
    /// operator decoded, and large value lists as sets.
    case compiled(CompiledCheck)
}

/// A comparison prepared once at load time.
public struct CompiledCheck: Sendable {
    public enum Operator: Sendable {
        case exists, equals, notEquals, inList, intersects, contains, icontains, startswith, endswith, glob, pmatch, less, lessOrEqual, greater, greaterOrEqual,
            unknown
    }

    public let field: Int
    public let op: Operator
    public let values: [String]
    public let set: Set<String>
    public let numbers: [Double]

    init(field: Int, op: String, values: [String]) {
        self.field = field
        self.values = values
        self.set = Set(values)
        self.numbers = values.compactMap(Double.init)
        switch op {
        case "exists": self.op = .exists
        case "=", "==": self.op = .equals
        case "!=": self.op = .notEquals
        case "in": self.op = .inList
        case "intersects": self.op = .intersects
        case "contains", "bcontains": self.op = .contains
        case "icontains": self.op = .icontains
        case "startswith", "bstartswith": self.op = .startswith
        case "endswith": self.op = .endswith
        case "glob": self.op = .glob
        case "pmatch": self.op = .pmatch
        case "<": self.op = .less
        case "<=": self.op = .lessOrEqual
        case ">": self.op = .greater
        case ">=": self.op = .greaterOrEqual
        default: self.op = .unknown
        }
    }
}

/// A field with its optional `[argument]`.
public struct FieldRef: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var argument: String?

    public var description: String { argument.map { "\(name)[\($0)]" } ?? name }
}

/// What went wrong while reading a condition.
public struct ConditionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The Falco rule language: `and`, `or`, `not`, parentheses, comparisons, lists and macros.
public struct ConditionParser {
    let text: [Character]
    var index = 0
    /// Macro name → its (unparsed) condition; macros are parsed where used.
    let macros: [String: String]
    /// List name → items.
    let lists: [String: [String]]
    let isField: (String) -> Bool
    /// Macros being expanded, to refuse recursion.
    var expanding: Set<String>

    static let comparisons = ["=", "==", "!=", "<=", ">=", "<", ">"]
    static let wordOperators: Set<String> = [
        "in", "intersects", "pmatch", "contains", "icontains", "startswith", "endswith", "glob", "exists", "bcontains", "bstartswith",
    ]

    public static func parse(
        _ text: String, macros: [String: String], lists: [String: [String]], isField: @escaping (String) -> Bool, expanding: Set<String> = []
    ) throws -> Condition {
        var parser = ConditionParser(text: Array(text), macros: macros, lists: lists, isField: isField, expanding: expanding)
        parser.skipSpace()
        let condition = try parser.parseOr()
        parser.skipSpace()
        guard parser.index == parser.text.count else {
            throw ConditionError(message: "unexpected \"\(String(parser.text[parser.index...]).prefix(30))\" in condition")
        }
        return condition
    }

    mutating func skipSpace() {
        while index < text.count, text[index].isWhitespace { index += 1 }
    }

    func peekWord() -> String {
        var end = index
        while end < text.count, text[end].isLetter || text[end].isNumber || text[end] == "_" { end += 1 }
        return String(text[index..<end])
    }

    mutating func keyword(_ word: String) -> Bool {
        skipSpace()
        guard peekWord() == word else { return false }
        index += word.count
        return true
    }

    mutating func parseOr() throws -> Condition {
        var left = try parseAnd()
        while keyword("or") { left = .or(left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws -> Condition {
        var left = try parseNot()
        while keyword("and") { left = .and(left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws -> Condition {
        if keyword("not") { return .not(try parseNot()) }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> Condition {
        skipSpace()
        guard index < text.count else { throw ConditionError(message: "condition ends early") }
        if text[index] == "(" {
            index += 1
            let inner = try parseOr()
            skipSpace()
            guard index < text.count, text[index] == ")" else { throw ConditionError(message: "missing )") }
            index += 1
            return inner
        }
        let name = readIdentifier()
        guard !name.isEmpty else { throw ConditionError(message: "expected a field or macro at \"\(String(text[index...]).prefix(20))\"") }
        var argument: String?
        if index < text.count, text[index] == "[" {
            guard let close = text[index...].firstIndex(of: "]") else { throw ConditionError(message: "missing ] after \(name)") }
            argument = String(text[(index + 1)..<close])
            index = close + 1
        }
        if argument == nil, let macro = macros[name] {
            // A macro: its condition, parsed with the same lists and macros.
            guard !expanding.contains(name) else { throw ConditionError(message: "macro \(name) refers to itself") }
            return try ConditionParser.parse(macro, macros: macros, lists: lists, isField: isField, expanding: expanding.union([name]))
        }
        guard isField(name) else { throw ConditionError(message: "\"\(name)\" is neither a known field nor a defined macro") }
        let field = FieldRef(name: name, argument: argument)
        skipSpace()
        let op = readOperator()
        guard let op else { throw ConditionError(message: "expected an operator after \(field)") }
        if op == "exists" { return .check(field: field, op: op, values: []) }
        skipSpace()
        if index < text.count, text[index] == "(" {
            return .check(field: field, op: op, values: try readList())
        }
        let value = try readValue()
        // A bare value naming a list stands for the list.
        if let items = lists[value], ["in", "intersects", "pmatch"].contains(op) { return .check(field: field, op: op, values: items) }
        return .check(field: field, op: op == "==" ? "=" : op, values: [value])
    }

    mutating func readIdentifier() -> String {
        var end = index
        while end < text.count, text[end].isLetter || text[end].isNumber || text[end] == "_" || text[end] == "." { end += 1 }
        let name = String(text[index..<end])
        index = end
        return name
    }

    mutating func readOperator() -> String? {
        for op in ["==", "!=", "<=", ">=", "=", "<", ">"] where index + op.count <= text.count && String(text[index..<(index + op.count)]) == op {
            index += op.count
            return op
        }
        let word = peekWord()
        guard Self.wordOperators.contains(word) else { return nil }
        index += word.count
        return word
    }

    mutating func readValue() throws -> String {
        skipSpace()
        guard index < text.count else { throw ConditionError(message: "missing value") }
        if text[index] == "\"" || text[index] == "'" {
            let quote = text[index]
            index += 1
            var value = ""
            while index < text.count, text[index] != quote {
                if text[index] == "\\", index + 1 < text.count {
                    index += 1
                }
                value.append(text[index])
                index += 1
            }
            guard index < text.count else { throw ConditionError(message: "unterminated string") }
            index += 1
            return value
        }
        var value = ""
        while index < text.count, !text[index].isWhitespace, text[index] != ")", text[index] != "(", text[index] != "," {
            value.append(text[index])
            index += 1
        }
        guard !value.isEmpty else { throw ConditionError(message: "missing value") }
        return value
    }

    /// `(a, b, list_name)`: list names expand to their items.
    mutating func readList() throws -> [String] {
        index += 1
        var values: [String] = []
        while true {
            skipSpace()
            guard index < text.count else { throw ConditionError(message: "missing ) in list") }
            if text[index] == ")" {
                index += 1
                return values
            }
            if text[index] == "," {
                index += 1
                continue
            }
            if text[index] == "(" {
                values += try readList()
                continue
            }
            let quoted = text[index] == "\"" || text[index] == "'"
            let value = try readValue()
            if !quoted, let items = lists[value] { values += items } else { values.append(value) }
        }
    }
}
