/// A parse failure with the 1-based line and column where it was found.
public struct CELParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int

    public var description: String { "ERROR: <input>:\(line):\(column): \(message)" }
}

enum TokenKind: Equatable {
    case int(UInt64)  // magnitude; the parser applies a preceding minus
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case ident(String)
    case op(String)
    case eof
}

struct Token {
    var kind: TokenKind
    var offset: Int  // index into the scalar array
}

/// Splits CEL source into tokens. Works on Unicode scalars so columns count code points.
struct Lexer {
    let src: [Unicode.Scalar]
    var pos = 0

    init(_ text: String) { src = Array(text.unicodeScalars) }

    func error(_ message: String, at offset: Int) -> CELParseError {
        var line = 1
        var col = 1
        var i = 0
        while i < offset && i < src.count {
            if src[i] == "\n" {
                line += 1
                col = 1
            } else {
                col += 1
            }
            i += 1
        }
        return CELParseError(message: message, line: line, column: col)
    }

    func peek(_ k: Int = 0) -> Unicode.Scalar? { pos + k < src.count ? src[pos + k] : nil }

    static let operators3: Set<String> = []
    static let operators2: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", ".?", "[?"]
    static let operators1: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "!", "<", ">", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"]

    mutating func tokenize() throws(CELParseError) -> [Token] {
        var out: [Token] = []
        while true {
            skipSpaceAndComments()
            guard let c = peek() else {
                out.append(Token(kind: .eof, offset: pos))
                return out
            }
            let start = pos
            if c.properties.isASCIIHexDigit && isDigit(c) || (c == "." && peek(1).map(isDigit) == true) {
                out.append(Token(kind: try number(), offset: start))
                continue
            }
            if c == "\"" || c == "'" {
                out.append(Token(kind: .string(try stringLiteral(raw: false)), offset: start))
                continue
            }
            if isIdentStart(c) {
                // String prefixes: r, R, b, B, and the two-letter combinations.
                var prefixLen = 0
                var raw = false
                var bytes = false
                while prefixLen < 2, let p = peek(prefixLen), "rRbB".unicodeScalars.contains(p) {
                    if p == "r" || p == "R" { if raw { break } else { raw = true } } else if bytes { break } else { bytes = true }
                    prefixLen += 1
                }
                if prefixLen > 0, let q = peek(prefixLen), q == "\"" || q == "'" {
                    pos += prefixLen
                    if bytes {
                        out.append(Token(kind: .bytes(try bytesLiteral(raw: raw)), offset: start))
                    } else {
                        out.append(Token(kind: .string(try stringLiteral(raw: raw)), offset: start))
                    }
                    continue
                }
                var name = ""
                while let d = peek(), isIdentStart(d) || isDigit(d) {
                    name.unicodeScalars.append(d)
                    pos += 1
                }
                out.append(Token(kind: .ident(name), offset: start))
                continue
            }
            if c == "`" {
                // Quoted field names: `content-type`.
                pos += 1
                var name = ""
                while let d = peek(), d != "`" {
                    guard isIdentStart(d) || isDigit(d) || d == "." || d == "-" || d == "/" || d == "~" || d == " " else {
                        throw error("invalid character in quoted identifier", at: pos)
                    }
                    name.unicodeScalars.append(d)
                    pos += 1
                }
                guard peek() == "`", !name.isEmpty else { throw error("unterminated quoted identifier", at: start) }
                pos += 1
                out.append(Token(kind: .op("`" + name), offset: start))
                continue
            }
            if let d = peek(1) {
                let two = String(c) + String(d)
                if Lexer.operators2.contains(two) {
                    pos += 2
                    out.append(Token(kind: .op(two), offset: start))
                    continue
                }
            }
            if Lexer.operators1.contains(c) {
                pos += 1
                out.append(Token(kind: .op(String(c)), offset: start))
                continue
            }
            if c == "=" { throw error("token recognition error at: '='", at: start) }
            throw error("token recognition error at: '\(c)'", at: start)
        }
    }

    func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || c == "_"
    }
    func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 48...57: return c.value - 48
        case 65...70: return c.value - 55
        case 97...102: return c.value - 87
        default: return nil
        }
    }

    mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" {
                pos += 1
            } else if c == "/" && peek(1) == "/" {
                while let d = peek(), d != "\n" { pos += 1 }
            } else {
                return
            }
        }
    }

    mutating func number() throws(CELParseError) -> TokenKind {
        let start = pos
        if peek() == "0", let x = peek(1), x == "x" || x == "X" {
            pos += 2
            var v: UInt64 = 0
            var any = false
            while let d = peek(), let h = hexValue(d) {
                let (m, o1) = v.multipliedReportingOverflow(by: 16)
                let (a, o2) = m.addingReportingOverflow(UInt64(h))
                if o1 || o2 { throw error("invalid int literal", at: start) }
                v = a
                any = true
                pos += 1
            }
            if !any { throw error("invalid hex literal", at: start) }
            if let u = peek(), u == "u" || u == "U" {
                pos += 1
                return .uint(v)
            }
            return .int(v)
        }
        var text = ""
        var isDouble = false
        while let d = peek(), isDigit(d) {
            text.unicodeScalars.append(d)
            pos += 1
        }
        if peek() == ".", let n = peek(1), isDigit(n) {
            isDouble = true
            text.append(".")
            pos += 1
            while let d = peek(), isDigit(d) {
                text.unicodeScalars.append(d)
                pos += 1
            }
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let s = peek(1), s == "+" || s == "-" { k = 2 }
            if let d = peek(k), isDigit(d) {
                isDouble = true
                text.append("e")
                if k == 2, let s = peek(1) { text.unicodeScalars.append(s) }
                pos += k
                while let d = peek(), isDigit(d) {
                    text.unicodeScalars.append(d)
                    pos += 1
                }
            }
        }
        if isDouble {
            guard let d = Double(text) else { throw error("invalid double literal", at: start) }
            return .double(d)
        }
        if let u = peek(), u == "u" || u == "U" {
            pos += 1
            guard let v = UInt64(text) else { throw error("invalid uint literal", at: start) }
            return .uint(v)
        }
        guard let v = UInt64(text) else { throw error("invalid int literal", at: start) }
        return .int(v)
    }

    /// Reads the delimiters and body of a quoted literal, calling `escape` for each backslash.
    mutating func quoted(raw: Bool, onChar: (Unicode.Scalar) -> Void, escape: (inout Lexer) throws(CELParseError) -> Void)
        throws(CELParseError)
    {
        let start = pos
        guard let q = peek() else { throw error("unterminated string", at: start) }
        let triple = peek(1) == q && peek(2) == q
        pos += triple ? 3 : 1
        while true {
            guard let c = peek() else { throw error("unterminated string literal", at: start) }
            if c == q {
                if !triple {
                    pos += 1
                    return
                }
                if peek(1) == q && peek(2) == q {
                    pos += 3
                    return
                }
            }
            if !triple && (c == "\n" || c == "\r") { throw error("newline in string literal", at: pos) }
            if c == "\\" && !raw {
                pos += 1
                try escape(&self)
                continue
            }
            if c == "\\" && raw, let n = peek(1), n == q || n == "\\" {
                // A raw string still cannot end at an escaped quote: keep both characters.
                onChar(c)
                onChar(n)
                pos += 2
                continue
            }
            onChar(c)
            pos += 1
        }
    }

    /// One escape sequence after the backslash. Returns either a code point or a raw byte.
    mutating func escapeSequence(bytes: Bool) throws(CELParseError) -> (scalar: Unicode.Scalar?, byte: UInt8?) {
        let at = pos - 1
        guard let c = peek() else { throw error("invalid escape sequence", at: at) }
        pos += 1
        switch c {
        case "a": return ("\u{07}", nil)
        case "b": return ("\u{08}", nil)
        case "f": return ("\u{0C}", nil)
        case "n": return ("\n", nil)
        case "r": return ("\r", nil)
        case "t": return ("\t", nil)
        case "v": return ("\u{0B}", nil)
        case "\\", "'", "\"", "`", "?": return (c, nil)
        case "x", "X":
            guard let h1 = peek().flatMap(hexValue), let h2 = peek(1).flatMap(hexValue) else {
                throw error("invalid escape sequence", at: at)
            }
            pos += 2
            let v = h1 * 16 + h2
            return bytes ? (nil, UInt8(v)) : (Unicode.Scalar(v), nil)
        case "u", "U":
            if bytes { throw error("unicode escape in bytes literal", at: at) }
            let n = c == "u" ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = peek().flatMap(hexValue) else { throw error("invalid unicode escape", at: at) }
                v = v &* 16 &+ h
                pos += 1
            }
            guard let s = Unicode.Scalar(v) else { throw error("invalid unicode code point", at: at) }
            return (s, nil)
        case "0", "1", "2", "3":
            guard let o1 = peek(), let o2 = peek(1), (48...55).contains(o1.value), (48...55).contains(o2.value) else {
                throw error("invalid octal escape", at: at)
            }
            pos += 2
            let v = (c.value - 48) * 64 + (o1.value - 48) * 8 + (o2.value - 48)
            return bytes ? (nil, UInt8(v)) : (Unicode.Scalar(v), nil)
        default:
            throw error("invalid escape sequence", at: at)
        }
    }

    mutating func stringLiteral(raw: Bool) throws(CELParseError) -> String {
        var s = String.UnicodeScalarView()
        try quoted(
            raw: raw, onChar: { s.append($0) },
            escape: { (lx: inout Lexer) throws(CELParseError) in
                let (scalar, _) = try lx.escapeSequence(bytes: false)
                if let scalar { s.append(scalar) }
            })
        return String(s)
    }

    mutating func bytesLiteral(raw: Bool) throws(CELParseError) -> [UInt8] {
        var out: [UInt8] = []
        try quoted(
            raw: raw, onChar: { out.append(contentsOf: Array(String($0).utf8)) },
            escape: { (lx: inout Lexer) throws(CELParseError) in
                let (scalar, byte) = try lx.escapeSequence(bytes: true)
                if let byte { out.append(byte) }
                if let scalar { out.append(contentsOf: Array(String(scalar).utf8)) }
            })
        return out
    }
}
