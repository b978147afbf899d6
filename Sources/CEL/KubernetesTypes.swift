import Foundation

/// A parsed URL of the Kubernetes URL library (`kubernetes.URL`), following Go's
/// `url.ParseRequestURI`: an absolute URL or an absolute path.
public struct CELURL: CELObject, Hashable {
    public let text: String
    public let scheme: String
    public let host: String  // with port, IPv6 literals in brackets
    public let path: String
    public let query: String

    public var typeName: String { "kubernetes.URL" }
    public var description: String { text }
    public func isEqual(to other: any CELObject) -> Bool { (other as? CELURL)?.text == text }

    public static func parse(_ s: String) -> CELURL? {
        guard !s.isEmpty, !s.contains(" "), !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        var rest = Substring(s)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        if rest.hasPrefix("/") { return CELURL(text: s, scheme: "", host: "", path: String(rest), query: query) }
        guard let colon = rest.firstIndex(of: ":"), colon != rest.startIndex else { return nil }
        let scheme = rest[..<colon]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        rest = rest[rest.index(after: colon)...]
        var host = ""
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<end]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            host = String(authority)
            rest = rest[end...]
        } else if !rest.hasPrefix("/") {
            // Opaque URLs such as "mailto:x" have no path to speak of.
            return CELURL(text: s, scheme: String(scheme), host: "", path: "", query: query)
        }
        return CELURL(text: s, scheme: String(scheme), host: host, path: String(rest), query: query)
    }

    var hostname: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[host.index(after: host.startIndex)..<close]) }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    var port: String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            return after.hasPrefix(":") ? String(after.dropFirst()) : ""
        }
        if let colon = host.lastIndex(of: ":") { return String(host[host.index(after: colon)...]) }
        return ""
    }

    var queryMap: CELValue {
        var keys: [String] = []
        var values: [String: [CELValue]] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
            if values[k] == nil { keys.append(k) }
            values[k, default: []].append(.string(v))
        }
        return .map(CELMap(uniqueKeys: keys.map { .string($0) }, values: keys.map { .list(values[$0] ?? []) }))
    }
}

/// A Kubernetes resource quantity (`kubernetes.Quantity`): `100m`, `1.5Gi`, `2e3`.
public struct CELQuantity: CELObject {
    public let text: String
    /// The exact value.
    public let value: Decimal

    public var typeName: String { "kubernetes.Quantity" }
    public var description: String { text }
    public func isEqual(to other: any CELObject) -> Bool { (other as? CELQuantity).map { $0.value == value } ?? false }
    public func compare(to other: any CELObject) -> Int? {
        guard let o = other as? CELQuantity else { return nil }
        return value < o.value ? -1 : (value > o.value ? 1 : 0)
    }

    static let binarySuffixes: [String: Decimal] = [
        "Ki": pow(2, 10), "Mi": pow(2, 20), "Gi": pow(2, 30), "Ti": pow(2, 40), "Pi": pow(2, 50), "Ei": pow(2, 60),
    ]
    static let decimalSuffixes: [String: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]

    public static func parse(_ s: String) -> CELQuantity? {
        let b = Array(s.unicodeScalars)
        var i = 0
        var number = ""
        if i < b.count, b[i] == "+" || b[i] == "-" {
            number.unicodeScalars.append(b[i])
            i += 1
        }
        var digits = 0
        while i < b.count, b[i].value >= 48 && b[i].value <= 57 {
            number.unicodeScalars.append(b[i])
            i += 1
            digits += 1
        }
        if i < b.count, b[i] == "." {
            number.append(".")
            i += 1
            while i < b.count, b[i].value >= 48 && b[i].value <= 57 {
                number.unicodeScalars.append(b[i])
                i += 1
                digits += 1
            }
        }
        guard digits > 0, var value = Decimal(string: number, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        let suffix = String(String.UnicodeScalarView(b[i...]))
        if let m = binarySuffixes[suffix] {
            value *= m
        } else if let e = decimalSuffixes[suffix] {
            value *= pow(10, e) as Decimal
        } else if let f = suffix.first, f == "e" || f == "E", let e = Int(suffix.dropFirst()), abs(e) <= 18 {
            value = e >= 0 ? value * pow(10, e) : value / pow(10, -e)
        } else {
            return nil
        }
        return CELQuantity(text: s, value: value)
    }

    var asInteger: CELValue {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 0, .plain)
        guard rounded == value else { return .error(CELError("cannot convert value to integer: \(text) is not an integer")) }
        guard rounded >= Decimal(Int64.min), rounded <= Decimal(Int64.max) else {
            return .error(CELError("cannot convert value to integer: \(text) is out of range"))
        }
        return .int(NSDecimalNumber(decimal: rounded).int64Value)
    }

    var isInteger: Bool {
        if case .int = asInteger { return true }
        return false
    }
}

/// A semantic version (`kubernetes.Semver`), compared by semver 2.0 precedence.
public struct CELSemver: CELObject, Hashable {
    public let major: UInt64
    public let minor: UInt64
    public let patch: UInt64
    public let prerelease: [String]
    public let build: String

    public var typeName: String { "kubernetes.Semver" }
    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { s += "+" + build }
        return s
    }
    public func isEqual(to other: any CELObject) -> Bool { (other as? CELSemver).map { compareSemver($0) == 0 } ?? false }
    public func compare(to other: any CELObject) -> Int? { (other as? CELSemver).map(compareSemver) }

    func compareSemver(_ o: CELSemver) -> Int {
        for (a, b) in [(major, o.major), (minor, o.minor), (patch, o.patch)] where a != b { return a < b ? -1 : 1 }
        if prerelease.isEmpty || o.prerelease.isEmpty {
            return prerelease.isEmpty == o.prerelease.isEmpty ? 0 : (prerelease.isEmpty ? 1 : -1)
        }
        for (a, b) in zip(prerelease, o.prerelease) where a != b {
            switch (UInt64(a), UInt64(b)) {
            case (let x?, let y?): return x < y ? -1 : 1
            case (.some, nil): return -1
            case (nil, .some): return 1
            default: return a < b ? -1 : 1
            }
        }
        return prerelease.count == o.prerelease.count ? 0 : (prerelease.count < o.prerelease.count ? -1 : 1)
    }

    /// Strict semver 2.0; with `normalize`, a leading "v", missing minor/patch and leading zeros are accepted.
    public static func parse(_ s: String, normalize: Bool = false) -> CELSemver? {
        var text = Substring(s)
        if normalize && (text.hasPrefix("v") || text.hasPrefix("V")) { text = text.dropFirst() }
        var build = ""
        if let plus = text.firstIndex(of: "+") {
            build = String(text[text.index(after: plus)...])
            text = text[..<plus]
            guard !build.isEmpty, build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isIdentifier) else { return nil }
        }
        var pre: [String] = []
        if let dash = text.firstIndex(of: "-") {
            let p = text[text.index(after: dash)...]
            text = text[..<dash]
            pre = p.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !pre.isEmpty, pre.allSatisfy({ isIdentifier(Substring($0)) && !(UInt64($0) != nil && $0.count > 1 && $0.hasPrefix("0")) })
            else { return nil }
        }
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if normalize { while parts.count < 3 { parts.append("0") } }
        guard parts.count == 3 else { return nil }
        var nums: [UInt64] = []
        for p in parts {
            guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt64(p) else { return nil }
            if !normalize && p.count > 1 && p.hasPrefix("0") { return nil }
            nums.append(v)
        }
        return CELSemver(major: nums[0], minor: nums[1], patch: nums[2], prerelease: pre, build: build)
    }

    static func isIdentifier(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}

enum KubernetesTypesExt {
    static func objectMember<T: CELObject>(_ name: String, _ type: T.Type, _ f: @escaping @Sendable (T, [CELValue]) -> CELValue) -> BuiltinFn {
        return { args in
            guard case .object(let o as T)? = args.first else { return CELError.noOverload(name, args) }
            return f(o, Array(args.dropFirst()))
        }
    }

    static func quantityArg(_ v: CELValue) -> Decimal? {
        switch v {
        case .object(let q as CELQuantity): return q.value
        case .int(let i): return Decimal(i)
        default: return nil
        }
    }

    static func comparison(_ name: String, _ test: @escaping @Sendable (Int) -> Bool) -> BuiltinFn {
        return { args in
            guard args.count == 2, case .object(let a) = args[0], case .object(let b) = args[1], let c = a.compare(to: b) else {
                return CELError.noOverload(name, args)
            }
            return .bool(test(c))
        }
    }

    static let globals: [String: BuiltinFn] = [
        "url": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("url", args) }
            guard let u = CELURL.parse(s) else { return .error(CELError("URL parse error during conversion from string: \(s)")) }
            return .object(u)
        },
        "isURL": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("isURL", args) }
            return .bool(CELURL.parse(s) != nil)
        },
        "quantity": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("quantity", args) }
            guard let q = CELQuantity.parse(s) else { return .error(CELError("quantities must match the regular expression for resource.Quantity: \(s)")) }
            return .object(q)
        },
        "isQuantity": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("isQuantity", args) }
            return .bool(CELQuantity.parse(s) != nil)
        },
        "semver": { args in
            guard args.count == 1 || args.count == 2, case .string(let s) = args[0] else { return CELError.noOverload("semver", args) }
            var normalize = false
            if args.count == 2 {
                guard case .bool(let n) = args[1] else { return CELError.noOverload("semver", args) }
                normalize = n
            }
            guard let v = CELSemver.parse(s, normalize: normalize) else { return .error(CELError("invalid semver: \(s)")) }
            return .object(v)
        },
        "isSemver": { args in
            guard args.count == 1 || args.count == 2, case .string(let s) = args[0] else { return CELError.noOverload("isSemver", args) }
            var normalize = false
            if args.count == 2, case .bool(let n) = args[1] { normalize = n }
            return .bool(CELSemver.parse(s, normalize: normalize) != nil)
        },
    ]

    static let members: [String: BuiltinFn] = [
        "getScheme": objectMember("getScheme", CELURL.self) { u, _ in .string(u.scheme) },
        "getHost": objectMember("getHost", CELURL.self) { u, _ in .string(u.host) },
        "getHostname": objectMember("getHostname", CELURL.self) { u, _ in .string(u.hostname) },
        "getPort": objectMember("getPort", CELURL.self) { u, _ in .string(u.port) },
        "getEscapedPath": objectMember("getEscapedPath", CELURL.self) { u, _ in .string(u.path) },
        "getQuery": objectMember("getQuery", CELURL.self) { u, _ in u.queryMap },
        "isInteger": objectMember("isInteger", CELQuantity.self) { q, _ in .bool(q.isInteger) },
        "asInteger": objectMember("asInteger", CELQuantity.self) { q, _ in q.asInteger },
        "asApproximateFloat": objectMember("asApproximateFloat", CELQuantity.self) { q, _ in
            .double(NSDecimalNumber(decimal: q.value).doubleValue)
        },
        "sign": objectMember("sign", CELQuantity.self) { q, _ in .int(q.value > 0 ? 1 : (q.value < 0 ? -1 : 0)) },
        "add": objectMember("add", CELQuantity.self) { q, rest in
            guard rest.count == 1, let o = quantityArg(rest[0]) else { return CELError.noOverload("add", [.object(q)] + rest) }
            let v = q.value + o
            return .object(CELQuantity(text: "\(v)", value: v))
        },
        "sub": objectMember("sub", CELQuantity.self) { q, rest in
            guard rest.count == 1, let o = quantityArg(rest[0]) else { return CELError.noOverload("sub", [.object(q)] + rest) }
            let v = q.value - o
            return .object(CELQuantity(text: "\(v)", value: v))
        },
        "isGreaterThan": comparison("isGreaterThan") { $0 > 0 },
        "isLessThan": comparison("isLessThan") { $0 < 0 },
        "compareTo": { args in
            guard args.count == 2, case .object(let a) = args[0], case .object(let b) = args[1], let c = a.compare(to: b) else {
                return CELError.noOverload("compareTo", args)
            }
            return .int(Int64(c))
        },
        "major": objectMember("major", CELSemver.self) { v, _ in .int(Int64(clamping: v.major)) },
        "minor": objectMember("minor", CELSemver.self) { v, _ in .int(Int64(clamping: v.minor)) },
        "patch": objectMember("patch", CELSemver.self) { v, _ in .int(Int64(clamping: v.patch)) },
    ]
}
