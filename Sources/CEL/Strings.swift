import Foundation

/// cel-go's strings extension: indices count code points.
enum StringsExt {
    static func outOfRange(_ i: Int64) -> CELValue { .error(CELError("index out of range: \(i)")) }

    static let members: [String: BuiltinFn] = [
        "charAt": { args in
            guard args.count == 2, case .string(let s) = args[0], case .int(let i) = args[1] else { return CELError.noOverload("charAt", args) }
            let cs = Array(s.unicodeScalars)
            guard i >= 0, i <= cs.count else { return outOfRange(i) }
            return .string(i == cs.count ? "" : String(cs[Int(i)]))
        },
        "indexOf": { args in
            guard args.count == 2 || args.count == 3, case .string(let s) = args[0], case .string(let t) = args[1] else {
                return CELError.noOverload("indexOf", args)
            }
            let cs = Array(s.unicodeScalars)
            let ts = Array(t.unicodeScalars)
            var start: Int64 = 0
            if args.count == 3 {
                guard case .int(let st) = args[2] else { return CELError.noOverload("indexOf", args) }
                start = st
            }
            guard start >= 0, start <= cs.count else { return outOfRange(start) }
            if ts.isEmpty { return .int(start) }
            var i = Int(start)
            while i + ts.count <= cs.count {
                if cs[i..<(i + ts.count)].elementsEqual(ts) { return .int(Int64(i)) }
                i += 1
            }
            return .int(-1)
        },
        "lastIndexOf": { args in
            guard args.count == 2 || args.count == 3, case .string(let s) = args[0], case .string(let t) = args[1] else {
                return CELError.noOverload("lastIndexOf", args)
            }
            let cs = Array(s.unicodeScalars)
            let ts = Array(t.unicodeScalars)
            var start = Int64(cs.count)
            if args.count == 3 {
                guard case .int(let st) = args[2] else { return CELError.noOverload("lastIndexOf", args) }
                guard st >= 0, st <= cs.count else { return outOfRange(st) }
                start = st
            }
            if ts.isEmpty { return .int(start) }
            var i = min(Int(start), cs.count - ts.count)
            while i >= 0 {
                if cs[i..<(i + ts.count)].elementsEqual(ts) { return .int(Int64(i)) }
                i -= 1
            }
            return .int(-1)
        },
        "lowerAscii": stringMap("lowerAscii") { s in
            String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value >= 65 && $0.value <= 90 ? Unicode.Scalar(UInt8($0.value + 32)) : $0 }))
        },
        "upperAscii": stringMap("upperAscii") { s in
            String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value >= 97 && $0.value <= 122 ? Unicode.Scalar(UInt8($0.value - 32)) : $0 }))
        },
        "trim": stringMap("trim") { s in
            let cs = Array(s.unicodeScalars)
            var lo = 0
            var hi = cs.count
            while lo < hi && isGoSpace(cs[lo]) { lo += 1 }
            while hi > lo && isGoSpace(cs[hi - 1]) { hi -= 1 }
            return String(String.UnicodeScalarView(cs[lo..<hi]))
        },
        "reverse": { args in
            if args.count == 1, case .string(let s) = args[0] { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            if args.count == 1, case .list(let l) = args[0] { return .list(l.reversed()) }
            return CELError.noOverload("reverse", args)
        },
        "replace": { args in
            guard args.count == 3 || args.count == 4, case .string(let s) = args[0], case .string(let old) = args[1],
                case .string(let new) = args[2]
            else { return CELError.noOverload("replace", args) }
            var n: Int64 = -1
            if args.count == 4 {
                guard case .int(let k) = args[3] else { return CELError.noOverload("replace", args) }
                n = k
            }
            return .string(goReplace(s, old, new, n))
        },
        "split": { args in
            guard args.count == 2 || args.count == 3, case .string(let s) = args[0], case .string(let sep) = args[1] else {
                return CELError.noOverload("split", args)
            }
            var n: Int64 = -1
            if args.count == 3 {
                guard case .int(let k) = args[2] else { return CELError.noOverload("split", args) }
                n = k
            }
            return .list(goSplit(s, sep, n).map { .string($0) })
        },
        "substring": { args in
            guard args.count == 2 || args.count == 3, case .string(let s) = args[0], case .int(let start) = args[1] else {
                return CELError.noOverload("substring", args)
            }
            let cs = Array(s.unicodeScalars)
            var end = Int64(cs.count)
            if args.count == 3 {
                guard case .int(let e) = args[2] else { return CELError.noOverload("substring", args) }
                end = e
            }
            guard start >= 0, start <= cs.count else { return outOfRange(start) }
            guard end >= 0, end <= cs.count else { return outOfRange(end) }
            guard start <= end else { return .error(CELError("invalid substring range. start: \(start), end: \(end)")) }
            return .string(String(String.UnicodeScalarView(cs[Int(start)..<Int(end)])))
        },
        "join": { args in
            guard args.count == 1 || args.count == 2, case .list(let l) = args[0] else { return CELError.noOverload("join", args) }
            var sep = ""
            if args.count == 2 {
                guard case .string(let s) = args[1] else { return CELError.noOverload("join", args) }
                sep = s
            }
            var parts: [String] = []
            for e in l {
                guard case .string(let s) = e else { return CELError.noOverload("join", args) }
                parts.append(s)
            }
            return .string(parts.joined(separator: sep))
        },
        "format": { args in
            guard args.count == 2, case .string(let f) = args[0], case .list(let l) = args[1] else { return CELError.noOverload("format", args) }
            return formatString(f, l)
        },
    ]

    static let globals: [String: BuiltinFn] = [
        "strings.quote": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("strings.quote", args) }
            return .string(quote(s))
        }
    ]

    static func stringMap(_ name: String, _ f: @escaping @Sendable (String) -> String) -> BuiltinFn {
        return { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload(name, args) }
            return .string(f(s))
        }
    }

    /// Go's `unicode.IsSpace`.
    static func isGoSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Go's `strings.Replace`: n < 0 replaces all; an empty `old` matches between code points.
    static func goReplace(_ s: String, _ old: String, _ new: String, _ n: Int64) -> String {
        if n == 0 || (old == s && old.isEmpty && n == 0) { return s }
        let cs = Array(s.unicodeScalars)
        let os = Array(old.unicodeScalars)
        var out = String.UnicodeScalarView()
        var count: Int64 = 0
        var i = 0
        if os.isEmpty {
            for c in cs {
                if n < 0 || count < n {
                    out.append(contentsOf: new.unicodeScalars)
                    count += 1
                }
                out.append(c)
            }
            if n < 0 || count < n { out.append(contentsOf: new.unicodeScalars) }
            return String(out)
        }
        while i < cs.count {
            if (n < 0 || count < n) && i + os.count <= cs.count && cs[i..<(i + os.count)].elementsEqual(os) {
                out.append(contentsOf: new.unicodeScalars)
                i += os.count
                count += 1
            } else {
                out.append(cs[i])
                i += 1
            }
        }
        return String(out)
    }

    /// Go's `strings.SplitN`.
    static func goSplit(_ s: String, _ sep: String, _ n: Int64) -> [String] {
        if n == 0 { return [] }
        let cs = Array(s.unicodeScalars)
        let ss = Array(sep.unicodeScalars)
        if ss.isEmpty {
            var parts = cs.map { String($0) }
            if n > 0 && parts.count > n {
                let rest = String(String.UnicodeScalarView(cs[Int(n - 1)...]))
                parts = Array(parts[0..<Int(n - 1)]) + [rest]
            }
            return parts
        }
        var parts: [String] = []
        var start = 0
        var i = 0
        while i + ss.count <= cs.count {
            if n > 0 && parts.count == n - 1 { break }
            if cs[i..<(i + ss.count)].elementsEqual(ss) {
                parts.append(String(String.UnicodeScalarView(cs[start..<i])))
                i += ss.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(String(String.UnicodeScalarView(cs[start...])))
        return parts
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if c.value < 0x20 || c.value == 0x7F {
                    out += String(format: "\\x%02x", c.value)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    static func formatError(_ m: String) -> CELValue { .error(CELError("error during formatting: \(m)")) }

    /// The `format` member of cel-go's strings extension.
    static func formatString(_ f: String, _ args: [CELValue]) -> CELValue {
        var out = ""
        let cs = Array(f.unicodeScalars)
        var i = 0
        var argIndex = 0
        while i < cs.count {
            let c = cs[i]
            i += 1
            if c != "%" {
                out.unicodeScalars.append(c)
                continue
            }
            guard i < cs.count else { return .error(CELError("could not parse formatting clause: unexpected end of string")) }
            if cs[i] == "%" {
                out += "%"
                i += 1
                continue
            }
            var precision: Int?
            if cs[i] == "." {
                i += 1
                var p = 0
                while i < cs.count, cs[i].value >= 48 && cs[i].value <= 57 {
                    p = min(p * 10 + Int(cs[i].value - 48), 1_000_000)
                    i += 1
                }
                // Precision is bounded so a format string cannot ask for megabytes of digits.
                guard p <= 100 else { return .error(CELError("could not parse formatting clause: precision \(p) too large")) }
                precision = p
            }
            guard i < cs.count else { return .error(CELError("could not parse formatting clause: unexpected end of string")) }
            let verb = cs[i]
            i += 1
            guard "sdfeboxX".unicodeScalars.contains(verb) else {
                return .error(CELError("could not parse formatting clause: unrecognized formatting clause \"\(verb)\""))
            }
            guard argIndex < args.count else { return .error(CELError("index \(argIndex) out of range")) }
            let arg = args[argIndex]
            argIndex += 1
            switch formatClause(verb, precision, arg) {
            case .string(let s): out += s
            case let other: return other
            }
        }
        return .string(out)
    }

    static func nonFinite(_ d: Double) -> String? {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return nil
    }

    static func formatClause(_ verb: Unicode.Scalar, _ precision: Int?, _ arg: CELValue) -> CELValue {
        let typeName = arg.celType.name
        switch verb {
        case "s":
            return .string(arg.formatForString())
        case "d":
            switch arg {
            case .int(let i): return .string(String(i))
            case .uint(let u): return .string(String(u))
            case .double(let d): if let s = nonFinite(d) { return .string(s) }
            default: break
            }
            return formatError("decimal clause can only be used on integers, was given \(typeName)")
        case "f", "e":
            let d: Double
            switch arg {
            case .double(let x): d = x
            case .int(let x): d = Double(x)
            case .uint(let x): d = Double(x)
            default:
                let clause = verb == "f" ? "fixed-point" : "scientific"
                return formatError("\(clause) clause can only be used on doubles, was given \(typeName)")
            }
            if let s = nonFinite(d) { return .string(s) }
            return .string(String(format: "%.\(precision ?? 6)\(verb)", d))
        case "b":
            switch arg {
            case .int(let i): return .string(String(i, radix: 2))
            case .uint(let u): return .string(String(u, radix: 2))
            case .bool(let b): return .string(b ? "1" : "0")
            default: return formatError("only integers and bools can be formatted as binary, was given \(typeName)")
            }
        case "o":
            switch arg {
            case .int(let i): return .string(String(i, radix: 8))
            case .uint(let u): return .string(String(u, radix: 8))
            default: return formatError("octal clause can only be used on integers, was given \(typeName)")
            }
        default:  // x, X
            let upper = verb == "X"
            let s: String
            switch arg {
            case .int(let i): s = String(i, radix: 16)
            case .uint(let u): s = String(u, radix: 16)
            case .string(let str): s = Array(str.utf8).map { String(format: "%02x", $0) }.joined()
            case .bytes(let b): s = b.map { String(format: "%02x", $0) }.joined()
            default: return formatError("only integers, byte buffers, and strings can be formatted as hex, was given \(typeName)")
            }
            return .string(upper ? s.uppercased() : s)
        }
    }
}
