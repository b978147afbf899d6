import Foundation

typealias BuiltinFn = @Sendable ([CELValue]) -> CELValue
typealias BinaryFn = @Sendable (CELValue, CELValue) -> CELValue

/// The function tables. Member functions receive the receiver as their first argument.
enum Builtins {
    static let binaryOperators: [String: BinaryFn] = [
        "_+_": add, "_-_": subtract, "_*_": multiply, "_/_": divide, "_%_": modulo,
        "_<_": { a, b in compareOp("_<_", a, b) { $0 < 0 } },
        "_<=_": { a, b in compareOp("_<=_", a, b) { $0 <= 0 } },
        "_>_": { a, b in compareOp("_>_", a, b) { $0 > 0 } },
        "_>=_": { a, b in compareOp("_>=_", a, b) { $0 >= 0 } },
        "_[_]": index, "_[?_]": optionalIndex, "@in": inOperator,
    ]

    static let globals: [String: BuiltinFn] = {
        var g = coreGlobals
        g.merge(Extensions.globals) { a, _ in a }
        return g
    }()

    static let members: [String: BuiltinFn] = {
        var m = coreMembers
        for (k, v) in Extensions.members {
            if let existing = m[k] {
                // Same name on different receiver types (indexOf on strings and lists): try both.
                m[k] = { args in
                    let r = existing(args)
                    if case .error(let e) = r, e.message.hasPrefix("found no matching overload") { return v(args) }
                    return r
                }
            } else {
                m[k] = v
            }
        }
        return m
    }()

    static let coreGlobals: [String: BuiltinFn] = [
        "-_": { args in negate(args[0]) },
        "size": { args in args.count == 1 ? size(args[0]) : CELError.noOverload("size", args) },
        "int": unary("int", toInt),
        "uint": unary("uint", toUint),
        "double": unary("double", toDouble),
        "string": unary("string", toStringValue),
        "bytes": unary("bytes", toBytes),
        "bool": unary("bool", toBool),
        "timestamp": unary("timestamp", toTimestamp),
        "duration": unary("duration", toDuration),
        "dyn": unary("dyn") { $0 },
        "type": unary("type") { .type($0.celType) },
        "matches": { args in args.count == 2 ? regexMatches(args[0], args[1]) : CELError.noOverload("matches", args) },
        "optional.of": unary("optional.of") { .optional($0) },
        "optional.none": { args in args.isEmpty ? .optional(nil) : CELError.noOverload("optional.none", args) },
        "optional.ofNonZeroValue": unary("optional.ofNonZeroValue") { isZeroValue($0) ? .optional(nil) : .optional($0) },
        "optional.unwrap": unary("optional.unwrap") { v in
            guard case .list(let l) = v else { return CELError.noOverload("optional.unwrap", [v]) }
            var out: [CELValue] = []
            for e in l {
                guard case .optional(let inner) = e else { return CELError.noOverload("optional.unwrap", [v]) }
                if let inner { out.append(inner) }
            }
            return .list(out)
        },
    ]

    static let coreMembers: [String: BuiltinFn] = [
        "size": { args in args.count == 1 ? size(args[0]) : CELError.noOverload("size", args) },
        "contains": stringPredicate("contains") { s, t in t.isEmpty || s.contains(t) },
        "startsWith": stringPredicate("startsWith") { s, t in s.utf8.starts(with: t.utf8) },
        "endsWith": stringPredicate("endsWith") { s, t in s.utf8.reversed().starts(with: t.utf8.reversed()) },
        "matches": { args in args.count == 2 ? regexMatches(args[0], args[1]) : CELError.noOverload("matches", args) },
        "getFullYear": timeAccessor("getFullYear") { c, _ in c.year },
        "getMonth": timeAccessor("getMonth") { c, _ in c.month - 1 },
        "getDayOfYear": timeAccessor("getDayOfYear") { c, _ in c.dayOfYear },
        "getDate": timeAccessor("getDate") { c, _ in c.day },
        "getDayOfMonth": timeAccessor("getDayOfMonth") { c, _ in c.day - 1 },
        "getDayOfWeek": timeAccessor("getDayOfWeek") { c, _ in c.dayOfWeek },
        "getHours": timeAccessor("getHours", duration: { $0 / 3_600_000_000_000 }) { c, _ in c.hour },
        "getMinutes": timeAccessor("getMinutes", duration: { $0 / 60_000_000_000 }) { c, _ in c.minute },
        "getSeconds": timeAccessor("getSeconds", duration: { $0 / 1_000_000_000 }) { c, _ in c.second },
        "getMilliseconds": timeAccessor("getMilliseconds", duration: { $0 / 1_000_000 }) { _, ts in Int64(ts.nanos / 1_000_000) },
        "hasValue": { args in
            guard args.count == 1, case .optional(let inner) = args[0] else { return CELError.noOverload("hasValue", args) }
            return .bool(inner != nil)
        },
        "value": { args in
            guard args.count == 1, case .optional(let inner) = args[0] else { return CELError.noOverload("value", args) }
            return inner ?? .error(CELError("optional.none() dereference"))
        },
        "or": { args in
            guard args.count == 2, case .optional(let inner) = args[0], case .optional = args[1] else { return CELError.noOverload("or", args) }
            return inner != nil ? args[0] : args[1]
        },
        "orValue": { args in
            guard args.count == 2, case .optional(let inner) = args[0] else { return CELError.noOverload("orValue", args) }
            return inner ?? args[1]
        },
    ]

    static func unary(_ name: String, _ f: @escaping @Sendable (CELValue) -> CELValue) -> BuiltinFn {
        return { args in args.count == 1 ? f(args[0]) : CELError.noOverload(name, args) }
    }

    static func stringPredicate(_ name: String, _ f: @escaping @Sendable (String, String) -> Bool) -> BuiltinFn {
        return { args in
            guard args.count == 2, case .string(let s) = args[0], case .string(let t) = args[1] else { return CELError.noOverload(name, args) }
            return .bool(f(s, t))
        }
    }
}

// MARK: - Equality and ordering

/// CEL equality: numbers compare across int, uint and double; other kinds must match.
func celEquals(_ a: CELValue, _ b: CELValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return stringsEqual(x, y)
    case (.int(let x), .int(let y)): return x == y
    case (.uint(let x), .uint(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y
    case (.int, .uint), (.uint, .int), (.int, .double), (.double, .int), (.uint, .double), (.double, .uint):
        return compareNumbers(a, b) == 0
    case (.bytes(let x), .bytes(let y)): return x == y
    case (.list(let x), .list(let y)):
        guard x.count == y.count else { return false }
        for i in x.indices where !celEquals(x[i], y[i]) { return false }
        return true
    case (.map(let x), .map(let y)):
        guard x.count == y.count else { return false }
        for i in 0..<x.count {
            guard let other = y.get(x.keys[i]), celEquals(x.values[i], other) else { return false }
        }
        return true
    case (.type(let x), .type(let y)): return x == y
    case (.timestamp(let x), .timestamp(let y)): return x == y
    case (.duration(let x), .duration(let y)): return x == y
    case (.optional(let x), .optional(let y)):
        switch (x, y) {
        case (nil, nil): return true
        case (let p?, let q?): return celEquals(p, q)
        default: return false
        }
    case (.object(let x), .object(let y)): return x.isEqual(to: y)
    default: return false
    }
}

/// Compares numbers of any numeric kinds; nil when unordered (NaN) or not numbers.
/// Doubles compare against integers in double precision, as cel-go does.
func compareNumbers(_ a: CELValue, _ b: CELValue) -> Int? {
    func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
    func cmpD(_ x: Double, _ y: Double) -> Int? { x.isNaN || y.isNaN ? nil : cmp(x, y) }
    switch (a, b) {
    case (.int(let x), .int(let y)): return cmp(x, y)
    case (.uint(let x), .uint(let y)): return cmp(x, y)
    case (.double(let x), .double(let y)): return cmpD(x, y)
    case (.int(let x), .uint(let y)): return x < 0 ? -1 : cmp(UInt64(x), y)
    case (.uint(let x), .int(let y)): return y < 0 ? 1 : cmp(x, UInt64(y))
    case (.int(let x), .double(let y)): return cmpD(Double(x), y)
    case (.double(let x), .int(let y)): return cmpD(x, Double(y))
    case (.uint(let x), .double(let y)): return cmpD(Double(x), y)
    case (.double(let x), .uint(let y)): return cmpD(x, Double(y))
    default: return nil
    }
}

/// Ordering for `<` and friends; nil when the operands have no order.
func celCompare(_ a: CELValue, _ b: CELValue) -> Int?? {
    switch (a, b) {
    case (.int, _), (.uint, _), (.double, _):
        switch b {
        case .int, .uint, .double: return .some(compareNumbers(a, b))
        default: return nil
        }
    case (.string(let x), .string(let y)): return stringsCompare(x, y)
    case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
    case (.bytes(let x), .bytes(let y)):
        return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
    case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x == y ? 0 : 1)
    case (.duration(let x), .duration(let y)): return x < y ? -1 : (x == y ? 0 : 1)
    case (.object(let x), .object(let y)):
        guard let c = x.compare(to: y) else { return nil }
        return c
    default: return nil
    }
}

func compareOp(_ name: String, _ a: CELValue, _ b: CELValue, _ test: (Int) -> Bool) -> CELValue {
    switch celCompare(a, b) {
    case .none: return CELError.noOverload(name, [a, b])
    case .some(.none): return .bool(false)  // NaN
    case .some(.some(let c)): return .bool(test(c))
    }
}

// MARK: - Arithmetic

func add(_ a: CELValue, _ b: CELValue) -> CELValue {
    switch (a, b) {
    case (.int(let x), .int(let y)):
        let (r, o) = x.addingReportingOverflow(y)
        return o ? CELError.overflow : .int(r)
    case (.uint(let x), .uint(let y)):
        let (r, o) = x.addingReportingOverflow(y)
        return o ? CELError.overflow : .uint(r)
    case (.double(let x), .double(let y)): return .double(x + y)
    case (.string(let x), .string(let y)): return .string(x + y)
    case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
    case (.list(let x), .list(let y)): return .list(x + y)
    case (.duration(let x), .duration(let y)):
        let (r, o) = x.addingReportingOverflow(y)
        return o ? .error(CELError("duration out of range")) : .duration(r)
    case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)):
        return addToTimestamp(t, d)
    default: return CELError.noOverload("_+_", [a, b])
    }
}

func subtract(_ a: CELValue, _ b: CELValue) -> CELValue {
    switch (a, b) {
    case (.int(let x), .int(let y)):
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? CELError.overflow : .int(r)
    case (.uint(let x), .uint(let y)):
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? CELError.overflow : .uint(r)
    case (.double(let x), .double(let y)): return .double(x - y)
    case (.duration(let x), .duration(let y)):
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? .error(CELError("duration out of range")) : .duration(r)
    case (.timestamp(let t), .duration(let d)):
        if d == Int64.min { return .error(CELError("timestamp out of range")) }
        return addToTimestamp(t, -d)
    case (.timestamp(let x), .timestamp(let y)):
        let (s, o1) = (x.seconds - y.seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (r, o2) = s.addingReportingOverflow(Int64(x.nanos) - Int64(y.nanos))
        return o1 || o2 ? .error(CELError("duration out of range")) : .duration(r)
    default: return CELError.noOverload("_-_", [a, b])
    }
}

func multiply(_ a: CELValue, _ b: CELValue) -> CELValue {
    switch (a, b) {
    case (.int(let x), .int(let y)):
        let (r, o) = x.multipliedReportingOverflow(by: y)
        return o ? CELError.overflow : .int(r)
    case (.uint(let x), .uint(let y)):
        let (r, o) = x.multipliedReportingOverflow(by: y)
        return o ? CELError.overflow : .uint(r)
    case (.double(let x), .double(let y)): return .double(x * y)
    default: return CELError.noOverload("_*_", [a, b])
    }
}

func divide(_ a: CELValue, _ b: CELValue) -> CELValue {
    switch (a, b) {
    case (.int(let x), .int(let y)):
        if y == 0 { return CELError.divideByZero }
        let (r, o) = x.dividedReportingOverflow(by: y)
        return o ? CELError.overflow : .int(r)
    case (.uint(let x), .uint(let y)):
        if y == 0 { return CELError.divideByZero }
        return .uint(x / y)
    case (.double(let x), .double(let y)): return .double(x / y)
    default: return CELError.noOverload("_/_", [a, b])
    }
}

func modulo(_ a: CELValue, _ b: CELValue) -> CELValue {
    switch (a, b) {
    case (.int(let x), .int(let y)):
        if y == 0 { return CELError.moduloByZero }
        let (r, o) = x.remainderReportingOverflow(dividingBy: y)
        return o ? CELError.overflow : .int(r)
    case (.uint(let x), .uint(let y)):
        if y == 0 { return CELError.moduloByZero }
        return .uint(x % y)
    default: return CELError.noOverload("_%_", [a, b])
    }
}

func negate(_ a: CELValue) -> CELValue {
    switch a {
    case .int(let x):
        if x == Int64.min { return CELError.overflow }
        return .int(-x)
    case .double(let x): return .double(-x)
    case .duration(let d):
        if d == Int64.min { return .error(CELError("duration out of range")) }
        return .duration(-d)
    default: return CELError.noOverload("-_", [a])
    }
}

// MARK: - Indexing and membership

func listIndex(_ v: CELValue, count: Int) -> Int? {
    switch v {
    case .int(let i): return i >= 0 && i < count ? Int(i) : nil
    case .uint(let u): return u < UInt64(count) ? Int(u) : nil
    case .double(let d):
        guard let i = Int64(exactly: d), i >= 0, i < count else { return nil }
        return Int(i)
    default: return nil
    }
}

func index(_ c: CELValue, _ i: CELValue) -> CELValue {
    switch c {
    case .list(let l):
        switch i {
        case .int, .uint, .double:
            guard let n = listIndex(i, count: l.count) else {
                if case .double(let d) = i, d != d.rounded() { return .error(CELError("unsupported index value: \(d)")) }
                return .error(CELError("index out of bounds: \(i.debugText)"))
            }
            return l[n]
        default: return CELError.noOverload("_[_]", [c, i])
        }
    case .map(let m):
        if let r = m.lookup(i) { return r }
        return .error(CELError("no such key: \(i.debugText)"))
    case .optional(let inner):
        guard let inner else { return c }
        return optionalIndex(inner, i)
    default:
        return CELError.noOverload("_[_]", [c, i])
    }
}

func optionalIndex(_ c: CELValue, _ i: CELValue) -> CELValue {
    switch c {
    case .list(let l):
        switch i {
        case .int, .uint, .double:
            guard let n = listIndex(i, count: l.count) else { return .optional(nil) }
            return .optional(l[n])
        default: return CELError.noOverload("_[?_]", [c, i])
        }
    case .map(let m):
        return .optional(m.lookup(i))
    case .optional(let inner):
        guard let inner else { return c }
        return optionalIndex(inner, i)
    default:
        return CELError.noOverload("_[?_]", [c, i])
    }
}

func inOperator(_ e: CELValue, _ c: CELValue) -> CELValue {
    switch c {
    case .list(let l):
        for x in l where celEquals(e, x) { return .bool(true) }
        return .bool(false)
    case .map(let m):
        return .bool(m.lookup(e) != nil)
    default:
        return CELError.noOverload("@in", [e, c])
    }
}

func size(_ v: CELValue) -> CELValue {
    switch v {
    case .string(let s): return .int(Int64(s.unicodeScalars.count))
    case .bytes(let b): return .int(Int64(b.count))
    case .list(let l): return .int(Int64(l.count))
    case .map(let m): return .int(Int64(m.count))
    default: return CELError.noOverload("size", [v])
    }
}

func isZeroValue(_ v: CELValue) -> Bool {
    switch v {
    case .null: return true
    case .bool(let b): return !b
    case .int(let i): return i == 0
    case .uint(let u): return u == 0
    case .double(let d): return d == 0
    case .string(let s): return s.isEmpty
    case .bytes(let b): return b.isEmpty
    case .list(let l): return l.isEmpty
    case .map(let m): return m.count == 0
    case .duration(let d): return d == 0
    case .timestamp(let t): return t.seconds == 0 && t.nanos == 0
    case .optional(let o): return o == nil
    default: return false
    }
}

// MARK: - Conversions

func rangeError(_ what: String) -> CELValue { .error(CELError("\(what) out of range")) }

func toInt(_ v: CELValue) -> CELValue {
    switch v {
    case .int: return v
    case .uint(let u): return u <= UInt64(Int64.max) ? .int(Int64(u)) : rangeError("int")
    case .double(let d):
        guard d.isFinite, d > -9.223372036854775808e18, d < 9.223372036854775807e18 else { return rangeError("int") }
        return .int(Int64(d))
    case .string(let s):
        guard let i = Int64(s) else { return .error(CELError("cannot convert '\(s)' to int")) }
        return .int(i)
    case .timestamp(let t): return .int(t.seconds)
    default: return CELError.noOverload("int", [v])
    }
}

func toUint(_ v: CELValue) -> CELValue {
    switch v {
    case .uint: return v
    case .int(let i): return i >= 0 ? .uint(UInt64(i)) : rangeError("uint")
    case .double(let d):
        guard d.isFinite, d > -1, d < 1.8446744073709551616e19 else { return rangeError("uint") }
        return .uint(UInt64(d))
    case .string(let s):
        guard let u = UInt64(s) else { return .error(CELError("cannot convert '\(s)' to uint")) }
        return .uint(u)
    default: return CELError.noOverload("uint", [v])
    }
}

func toDouble(_ v: CELValue) -> CELValue {
    switch v {
    case .double: return v
    case .int(let i): return .double(Double(i))
    case .uint(let u): return .double(Double(u))
    case .string(let s):
        switch s.lowercased() {
        case "nan": return .double(.nan)
        case "inf", "+inf", "infinity", "+infinity": return .double(.infinity)
        case "-inf", "-infinity": return .double(-.infinity)
        default: break
        }
        guard let d = Double(s) else { return .error(CELError("cannot convert '\(s)' to double")) }
        return .double(d)
    default: return CELError.noOverload("double", [v])
    }
}

func toStringValue(_ v: CELValue) -> CELValue {
    switch v {
    case .string: return v
    case .int(let i): return .string(String(i))
    case .uint(let u): return .string(String(u))
    case .double(let d): return .string(formatDouble(d))
    case .bool(let b): return .string(b ? "true" : "false")
    case .bytes(let b):
        guard let s = String(validating: b, as: UTF8.self) else { return .error(CELError("invalid UTF-8 in bytes, cannot convert to string")) }
        return .string(s)
    case .timestamp(let t): return .string(formatTimestamp(t))
    case .duration(let d): return .string(formatDuration(d))
    case .object(let o): return .string(o.description)
    case .type(let t): return .string(t.name)
    default: return CELError.noOverload("string", [v])
    }
}

func toBytes(_ v: CELValue) -> CELValue {
    switch v {
    case .bytes: return v
    case .string(let s): return .bytes(Array(s.utf8))
    default: return CELError.noOverload("bytes", [v])
    }
}

func toBool(_ v: CELValue) -> CELValue {
    switch v {
    case .bool: return v
    case .string(let s):
        switch s {
        case "1", "t", "T", "true", "TRUE", "True": return .bool(true)
        case "0", "f", "F", "false", "FALSE", "False": return .bool(false)
        default: return .error(CELError("Type conversion error: cannot convert '\(s)' to bool"))
        }
    default: return CELError.noOverload("bool", [v])
    }
}

func toTimestamp(_ v: CELValue) -> CELValue {
    switch v {
    case .timestamp: return v
    case .int(let i):
        let t = CELTimestamp(seconds: i)
        return t.inRange ? .timestamp(t) : rangeError("timestamp")
    case .string(let s):
        guard let t = parseTimestamp(s) else { return .error(CELError("cannot parse timestamp '\(s)'")) }
        return t.inRange ? .timestamp(t) : rangeError("timestamp")
    default: return CELError.noOverload("timestamp", [v])
    }
}

func toDuration(_ v: CELValue) -> CELValue {
    switch v {
    case .duration: return v
    case .string(let s):
        switch parseDuration(s) {
        case .success(let d): return .duration(d)
        case .failure(let e): return .error(e)
        }
    case .int(let i): return .duration(i)
    default: return CELError.noOverload("duration", [v])
    }
}

// MARK: - Rendering

/// Go's `%g` (`strconv.FormatFloat(d, 'g', -1, 64)`), which cel-go uses for `string(double)`:
/// shortest round-trip digits, exponent form below 1e-4 and from 1e6.
func formatDouble(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "+Infinity" }
    if d == 0 { return d.sign == .minus ? "-0" : "0" }
    // Shortest round-trip digits and decimal exponent from Swift's rendering.
    var text = "\(abs(d))"
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp10 = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    var intPart = text
    var fracPart = ""
    if let dot = text.firstIndex(of: ".") {
        intPart = String(text[..<dot])
        fracPart = String(text[text.index(after: dot)...])
    }
    var digits = intPart + fracPart
    var pointPos = intPart.count + exp10  // digits before the decimal point
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        pointPos -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    let exp = pointPos - 1
    let sign = d < 0 ? "-" : ""
    if exp < -4 || exp >= 6 {
        var m = String(digits.prefix(1))
        if digits.count > 1 { m += "." + digits.dropFirst() }
        let es = exp < 0 ? "-" : "+"
        let ev = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
        return sign + m + "e" + es + ev
    }
    if pointPos <= 0 { return sign + "0." + String(repeating: "0", count: -pointPos) + digits }
    if pointPos >= digits.count { return sign + digits + String(repeating: "0", count: pointPos - digits.count) }
    let idx = digits.index(digits.startIndex, offsetBy: pointPos)
    return sign + digits[..<idx] + "." + digits[idx...]
}

extension CELValue {
    /// The rendering used by `string()` of scalars and by the `%s` format clause for composites.
    func formatForString() -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .double(let d): return d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : formatDouble(d)
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .list(let l): return "[" + l.map { $0.formatForString() }.joined(separator: ", ") + "]"
        case .map(let m):
            let parts = zip(m.keys, m.values).map { ($0.value.formatForString(), $1.formatForString()) }
            return "{" + parts.sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .type(let t): return t.name
        case .timestamp(let t): return formatTimestamp(t)
        case .duration(let d): return formatDuration(d)
        case .optional(let o): return o.map { "optional.of(\($0.formatForString()))" } ?? "optional.none()"
        case .object(let o): return o.description
        case .error(let e): return "error: \(e.message)"
        case .unknown(let ids): return "unknown\(ids)"
        }
    }
}
