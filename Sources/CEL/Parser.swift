/// A node of the parsed expression. Macros are already expanded into comprehensions.
final class Expr: Sendable {
    let kind: Kind
    /// Scalar offset in the source, for messages.
    let offset: Int
    /// Height of the tree below this node, bounded by the parser so evaluation cannot overflow the stack.
    let height: Int

    indirect enum Kind: Sendable {
        case literal(CELValue)
        case ident(String)
        /// `a.f`; `testOnly` for `has(a.f)`; `optional` for `a.?f`.
        case select(Expr, String, testOnly: Bool, optional: Bool)
        case call(String, target: Expr?, args: [Expr])
        case list([Expr], optional: [Bool])
        case map([(key: Expr, value: Expr, optional: Bool)])
        case comprehension(Comprehension)
    }

    init(_ kind: Kind, offset: Int, children: [Expr]) {
        self.kind = kind
        self.offset = offset
        self.height = 1 + (children.map(\.height).max() ?? 0)
    }
}

/// The expanded form of a macro. One- and two-variable forms share it.
struct Comprehension: Sendable {
    enum Kind: Sendable {
        case all, exists, existsOne, map, filter, transformList, transformMap, transformMapEntry
        case optMap, optFlatMap, bind
    }
    var kind: Kind
    var range: Expr
    /// The first variable: the element (one-variable form) or index/key (two-variable form).
    var var1: String
    /// The second variable (value) in two-variable forms.
    var var2: String?
    /// Predicate or transform; for map/transform* with a filter, `filter` holds it.
    var body: Expr
    var filter: Expr?
}

/// Parses CEL source into an `Expr`, expanding macros.
struct Parser {
    var tokens: [Token]
    var i = 0
    var lexer: Lexer
    var depth = 0
    let macros: Bool
    static let maxDepth = 250

    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while", "in", "true", "false", "null",
    ]

    /// cel-go's default limit on the size of an expression.
    static let maxCodePoints = 100_000

    init(_ text: String, macros: Bool) throws(CELParseError) {
        lexer = Lexer(text)
        if lexer.src.count > Parser.maxCodePoints {
            throw CELParseError(
                message: "expression code point size exceeds limit: size: \(lexer.src.count), limit \(Parser.maxCodePoints)", line: 1, column: 1)
        }
        tokens = try lexer.tokenize()
        self.macros = macros
    }

    var tok: Token { tokens[i] }

    func error(_ message: String, at offset: Int? = nil) -> CELParseError {
        lexer.error(message, at: offset ?? tokens[i].offset)
    }

    func isOp(_ s: String) -> Bool {
        if case .op(let o) = tokens[i].kind { return o == s }
        return false
    }

    mutating func accept(_ s: String) -> Bool {
        if isOp(s) {
            i += 1
            return true
        }
        return false
    }

    mutating func expect(_ s: String) throws(CELParseError) {
        if !accept(s) { throw error("syntax error: expected '\(s)'\(foundText)") }
    }

    var foundText: String {
        switch tok.kind {
        case .eof: return " but found end of input"
        case .op(let o): return " but found '\(o)'"
        case .ident(let n): return " but found '\(n)'"
        default: return ""
        }
    }

    func node(_ kind: Expr.Kind, _ offset: Int, _ children: [Expr]) throws(CELParseError) -> Expr {
        let e = Expr(kind, offset: offset, children: children)
        if e.height > Parser.maxDepth { throw error("expression recursion limit exceeded (\(Parser.maxDepth))", at: offset) }
        return e
    }

    mutating func parse() throws(CELParseError) -> Expr {
        let e = try parseExpr()
        if case .eof = tok.kind { return e }
        throw error("syntax error: unexpected \(foundText.replacingOccurrences(of: " but found ", with: ""))")
    }

    mutating func enter() throws(CELParseError) {
        depth += 1
        if depth > Parser.maxDepth { throw error("expression recursion limit exceeded (\(Parser.maxDepth))") }
    }

    mutating func parseExpr() throws(CELParseError) -> Expr {
        try enter()
        defer { depth -= 1 }
        let start = tok.offset
        let cond = try parseOr()
        if accept("?") {
            let a = try parseOr()
            try expect(":")
            let b = try parseExpr()
            return try node(.call("_?_:_", target: nil, args: [cond, a, b]), start, [cond, a, b])
        }
        return cond
    }

    /// Logical chains are built balanced, as cel-go does, so long chains stay shallow.
    mutating func balanced(_ op: String, _ items: [Expr], _ lo: Int, _ hi: Int) throws(CELParseError) -> Expr {
        if lo == hi { return items[lo] }
        let mid = (lo + hi + 1) / 2
        let l = try balanced(op, items, lo, mid - 1)
        let r = try balanced(op, items, mid, hi)
        return try node(.call(op, target: nil, args: [l, r]), l.offset, [l, r])
    }

    mutating func parseOr() throws(CELParseError) -> Expr {
        var items = [try parseAnd()]
        while accept("||") { items.append(try parseAnd()) }
        return try balanced("_||_", items, 0, items.count - 1)
    }

    mutating func parseAnd() throws(CELParseError) -> Expr {
        var items = [try parseRelation()]
        while accept("&&") { items.append(try parseRelation()) }
        return try balanced("_&&_", items, 0, items.count - 1)
    }

    mutating func parseRelation() throws(CELParseError) -> Expr {
        var lhs = try parseAdditive()
        while true {
            let fn: String
            switch tok.kind {
            case .op("<"): fn = "_<_"
            case .op("<="): fn = "_<=_"
            case .op(">"): fn = "_>_"
            case .op(">="): fn = "_>=_"
            case .op("=="): fn = "_==_"
            case .op("!="): fn = "_!=_"
            case .ident("in"): fn = "@in"
            default: return lhs
            }
            i += 1
            let rhs = try parseAdditive()
            lhs = try node(.call(fn, target: nil, args: [lhs, rhs]), lhs.offset, [lhs, rhs])
        }
    }

    mutating func parseAdditive() throws(CELParseError) -> Expr {
        var lhs = try parseMultiplicative()
        while true {
            let fn: String
            if isOp("+") { fn = "_+_" } else if isOp("-") { fn = "_-_" } else { return lhs }
            i += 1
            let rhs = try parseMultiplicative()
            lhs = try node(.call(fn, target: nil, args: [lhs, rhs]), lhs.offset, [lhs, rhs])
        }
    }

    mutating func parseMultiplicative() throws(CELParseError) -> Expr {
        var lhs = try parseUnary()
        while true {
            let fn: String
            if isOp("*") { fn = "_*_" } else if isOp("/") { fn = "_/_" } else if isOp("%") { fn = "_%_" } else { return lhs }
            i += 1
            let rhs = try parseUnary()
            lhs = try node(.call(fn, target: nil, args: [lhs, rhs]), lhs.offset, [lhs, rhs])
        }
    }

    mutating func parseUnary() throws(CELParseError) -> Expr {
        let start = tok.offset
        if isOp("!") {
            var count = 0
            while accept("!") { count += 1 }
            var e = try parseMember()
            for _ in 0..<count { e = try node(.call("!_", target: nil, args: [e]), start, [e]) }
            return e
        }
        if isOp("-") {
            var count = 0
            while accept("-") { count += 1 }
            var e: Expr
            // A minus directly before an int literal makes a negative literal, so that
            // -9223372036854775808 is representable.
            if case .int(let mag) = tok.kind, !nextIsMemberOp() {
                i += 1
                count -= 1
                if mag == UInt64(Int64.max) + 1 {
                    e = try node(.literal(.int(Int64.min)), start, [])
                } else if mag <= UInt64(Int64.max) {
                    e = try node(.literal(.int(-Int64(mag))), start, [])
                } else {
                    throw error("invalid int literal", at: start)
                }
            } else if case .double(let d) = tok.kind, !nextIsMemberOp() {
                i += 1
                count -= 1
                e = try node(.literal(.double(-d)), start, [])
            } else {
                e = try parseMember()
            }
            for _ in 0..<count { e = try node(.call("-_", target: nil, args: [e]), start, [e]) }
            return e
        }
        return try parseMember()
    }

    func nextIsMemberOp() -> Bool {
        if case .op(let o) = tokens[i + 1].kind { return o == "." || o == "[" || o == ".?" || o == "[?" }
        return false
    }

    mutating func parseMember() throws(CELParseError) -> Expr {
        var e = try parsePrimary()
        while true {
            let start = tok.offset
            if isOp(".") || isOp(".?") {
                let optional = isOp(".?")
                i += 1
                let name: String
                switch tok.kind {
                case .ident(let n): name = n
                case .op(let o) where o.hasPrefix("`"): name = String(o.dropFirst())
                default: throw error("syntax error: expected field name\(foundText)")
                }
                i += 1
                if !optional && isOp("(") {
                    if case .op(let o) = tokens[i - 1].kind, o.hasPrefix("`") { throw error("syntax error: quoted function name") }
                    i += 1
                    let args = try parseArgs(")")
                    e = try makeCall(name, target: e, args: args, offset: start)
                } else {
                    e = try node(.select(e, name, testOnly: false, optional: optional), start, [e])
                }
            } else if isOp("[") || isOp("[?") {
                let optional = isOp("[?")
                i += 1
                let idx = try parseExpr()
                try expect("]")
                e = try node(.call(optional ? "_[?_]" : "_[_]", target: nil, args: [e, idx]), start, [e, idx])
            } else {
                return e
            }
        }
    }

    mutating func parseArgs(_ close: String) throws(CELParseError) -> [Expr] {
        var args: [Expr] = []
        if accept(close) { return args }
        while true {
            args.append(try parseExpr())
            if accept(close) { return args }
            try expect(",")
        }
    }

    mutating func parsePrimary() throws(CELParseError) -> Expr {
        let start = tok.offset
        switch tok.kind {
        case .int(let m):
            i += 1
            guard m <= UInt64(Int64.max) else { throw error("invalid int literal", at: start) }
            return try node(.literal(.int(Int64(m))), start, [])
        case .uint(let u):
            i += 1
            return try node(.literal(.uint(u)), start, [])
        case .double(let d):
            i += 1
            return try node(.literal(.double(d)), start, [])
        case .string(let s):
            i += 1
            return try node(.literal(.string(s)), start, [])
        case .bytes(let b):
            i += 1
            return try node(.literal(.bytes(b)), start, [])
        case .ident(let name):
            i += 1
            switch name {
            case "true": return try node(.literal(.bool(true)), start, [])
            case "false": return try node(.literal(.bool(false)), start, [])
            case "null": return try node(.literal(.null), start, [])
            default: break
            }
            if Parser.reserved.contains(name) { throw error("reserved identifier: \(name)", at: start) }
            if accept("(") {
                let args = try parseArgs(")")
                return try makeCall(name, target: nil, args: args, offset: start)
            }
            return try node(.ident(name), start, [])
        case .op("."):
            // Leading dot: an identifier in the root scope.
            i += 1
            guard case .ident(let name) = tok.kind, !Parser.reserved.contains(name) else {
                throw error("syntax error: expected identifier after '.'")
            }
            i += 1
            if accept("(") {
                let args = try parseArgs(")")
                return try makeCall("." + name, target: nil, args: args, offset: start)
            }
            return try node(.ident("." + name), start, [])
        case .op("("):
            i += 1
            let e = try parseExpr()
            try expect(")")
            return e
        case .op("["), .op("[?"):
            // The lexer reads `[?x` as the optional-index token; at the start of a list literal it
            // is a bracket followed by an optional element.
            var firstOptional = isOp("[?")
            i += 1
            try enter()
            defer { depth -= 1 }
            var items: [Expr] = []
            var opts: [Bool] = []
            if firstOptional || !accept("]") {
                while true {
                    let opt = firstOptional || accept("?")
                    firstOptional = false
                    items.append(try parseExpr())
                    opts.append(opt)
                    if accept("]") { break }
                    try expect(",")
                    if accept("]") { break }
                }
            }
            return try node(.list(items, optional: opts), start, items)
        case .op("{"):
            i += 1
            try enter()
            defer { depth -= 1 }
            var entries: [(key: Expr, value: Expr, optional: Bool)] = []
            var children: [Expr] = []
            if !accept("}") {
                while true {
                    let opt = accept("?")
                    let k = try parseExpr()
                    try expect(":")
                    let v = try parseExpr()
                    entries.append((k, v, opt))
                    children.append(k)
                    children.append(v)
                    if accept("}") { break }
                    try expect(",")
                    if accept("}") { break }
                }
            }
            return try node(.map(entries), start, children)
        case .eof:
            throw error("syntax error: unexpected end of input")
        case .op(let o):
            throw error("syntax error: unexpected '\(o)'")
        }
    }

    func identName(_ e: Expr) -> String? {
        if case .ident(let n) = e.kind, !n.hasPrefix(".") { return n }
        return nil
    }

    /// Builds a call, expanding the standard macros when enabled.
    mutating func makeCall(_ name: String, target: Expr?, args: [Expr], offset: Int) throws(CELParseError) -> Expr {
        var children = args
        if let target { children.insert(target, at: 0) }
        guard macros else { return try node(.call(name, target: target, args: args), offset, children) }
        if target == nil && name == "has" && args.count == 1 {
            guard case .select(let operand, let field, false, let opt) = args[0].kind, !opt || true else {
                throw error("invalid argument to has() macro", at: offset)
            }
            return try node(.select(operand, field, testOnly: true, optional: opt), offset, [operand])
        }
        if let target, case .ident("cel") = target.kind, name == "bind", args.count == 3 {
            guard let v = identName(args[0]) else { throw error("cel.bind() variable name must be a simple identifier", at: offset) }
            let c = Comprehension(kind: .bind, range: args[1], var1: v, var2: nil, body: args[2], filter: nil)
            return try node(.comprehension(c), offset, [args[1], args[2]])
        }
        guard let target else { return try node(.call(name, target: nil, args: args), offset, children) }
        let kind: Comprehension.Kind?
        var twoVar = false
        var hasFilter = false
        switch (name, args.count) {
        case ("all", 2): kind = .all
        case ("all", 3): (kind, twoVar) = (.all, true)
        case ("exists", 2): kind = .exists
        case ("exists", 3): (kind, twoVar) = (.exists, true)
        case ("exists_one", 2), ("existsOne", 2): kind = .existsOne
        case ("exists_one", 3), ("existsOne", 3): (kind, twoVar) = (.existsOne, true)
        case ("map", 2): kind = .map
        case ("map", 3): (kind, hasFilter) = (.map, true)
        case ("filter", 2): kind = .filter
        case ("transformList", 3): (kind, twoVar) = (.transformList, true)
        case ("transformList", 4): (kind, twoVar, hasFilter) = (.transformList, true, true)
        case ("transformMap", 3): (kind, twoVar) = (.transformMap, true)
        case ("transformMap", 4): (kind, twoVar, hasFilter) = (.transformMap, true, true)
        case ("transformMapEntry", 3): (kind, twoVar) = (.transformMapEntry, true)
        case ("transformMapEntry", 4): (kind, twoVar, hasFilter) = (.transformMapEntry, true, true)
        case ("optMap", 2): kind = .optMap
        case ("optFlatMap", 2): kind = .optFlatMap
        default: kind = nil
        }
        guard let kind else { return try node(.call(name, target: target, args: args), offset, children) }
        guard let v1 = identName(args[0]) else { throw error("argument must be a simple name", at: args[0].offset) }
        var v2: String?
        var rest = args.dropFirst()
        if twoVar {
            guard let n = identName(args[1]) else { throw error("argument must be a simple name", at: args[1].offset) }
            if n == v1 { throw error("duplicate variable name: \(n)", at: args[1].offset) }
            v2 = n
            rest = rest.dropFirst()
        }
        let filter = hasFilter ? rest.first : nil
        guard let body = rest.last else { throw error("missing macro body", at: offset) }
        let c = Comprehension(kind: kind, range: target, var1: v1, var2: v2, body: body, filter: filter)
        return try node(.comprehension(c), offset, children)
    }
}
