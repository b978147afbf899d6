import Foundation

/// A regular expression restricted to RE2 syntax (what cel-go and Kubernetes accept), run by
/// Foundation's engine after validation. Constructs RE2 rejects — backreferences, lookaround,
/// possessive quantifiers, atomic groups — are refused with an error instead of silently working.
final class CELRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    private let re: NSRegularExpression

    private init(_ re: NSRegularExpression) { self.re = re }

    private static let cache = RegexCache()

    static func compile(_ pattern: String) -> Result<CELRegex, CELError> {
        if let hit = cache.get(pattern) { return .success(hit) }
        if let problem = re2Problem(pattern) {
            return .failure(CELError("invalid regular expression '\(pattern)': \(problem) is not supported (RE2 syntax)"))
        }
        // RE2 spells named groups (?P<name>...); Foundation wants (?<name>...).
        let translated = pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        guard let re = try? NSRegularExpression(pattern: translated, options: []) else {
            return .failure(CELError("invalid regular expression '\(pattern)'"))
        }
        let r = CELRegex(re)
        cache.put(pattern, r)
        return .success(r)
    }

    /// Describes the first construct that RE2 does not support, or nil.
    static func re2Problem(_ p: String) -> String? {
        let cs = Array(p.unicodeScalars)
        var i = 0
        var inClass = false
        while i < cs.count {
            let c = cs[i]
            if c == "\\" {
                guard i + 1 < cs.count else { return "a trailing backslash" }
                let n = cs[i + 1]
                if !inClass && n.value >= 49 && n.value <= 57 { return "a backreference (\\\(n))" }
                if !inClass && "kgGZRXK".unicodeScalars.contains(n) { return "the escape \\\(n)" }
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                i += 1
                continue
            }
            if c == "[" {
                inClass = true
                i += 1
                if i < cs.count && cs[i] == "^" { i += 1 }
                if i < cs.count && cs[i] == "]" { i += 1 }
                continue
            }
            if c == "(" && i + 2 < cs.count && cs[i + 1] == "?" {
                let n = cs[i + 2]
                if n == "=" || n == "!" { return "lookahead" }
                if n == ">" { return "an atomic group" }
                if n == "<" && i + 3 < cs.count && (cs[i + 3] == "=" || cs[i + 3] == "!") { return "lookbehind" }
                if n == "(" { return "a conditional group" }
                if n == "#" { return "a comment group" }
            }
            if (c == "*" || c == "+" || c == "?" || c == "}") && i + 1 < cs.count && cs[i + 1] == "+" {
                return "a possessive quantifier"
            }
            i += 1
        }
        return nil
    }

    func matches(_ s: String) -> Bool {
        let ns = s as NSString
        return re.firstMatch(in: s, options: [], range: NSRange(location: 0, length: ns.length)) != nil
    }

    func find(_ s: String) -> String? {
        let ns = s as NSString
        guard let m = re.firstMatch(in: s, options: [], range: NSRange(location: 0, length: ns.length)) else { return nil }
        return ns.substring(with: m.range)
    }

    func findAll(_ s: String, limit: Int) -> [String] {
        let ns = s as NSString
        var out: [String] = []
        for m in re.matches(in: s, options: [], range: NSRange(location: 0, length: ns.length)) {
            if limit >= 0 && out.count >= limit { break }
            out.append(ns.substring(with: m.range))
        }
        return out
    }
}

/// Compiled patterns shared by all programs, so dynamic patterns are not recompiled per call.
final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: CELRegex] = [:]

    func get(_ p: String) -> CELRegex? {
        lock.lock()
        defer { lock.unlock() }
        return entries[p]
    }

    func put(_ p: String, _ r: CELRegex) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count > 1000 { entries.removeAll() }
        entries[p] = r
    }
}

func regexMatches(_ s: CELValue, _ p: CELValue) -> CELValue {
    guard case .string(let str) = s, case .string(let pattern) = p else { return CELError.noOverload("matches", [s, p]) }
    switch CELRegex.compile(pattern) {
    case .success(let re): return .bool(re.matches(str))
    case .failure(let e): return .error(e)
    }
}

enum RegexExt {
    static let members: [String: BuiltinFn] = [
        "find": { args in
            guard args.count == 2, case .string(let s) = args[0], case .string(let p) = args[1] else { return CELError.noOverload("find", args) }
            switch CELRegex.compile(p) {
            case .success(let re): return .string(re.find(s) ?? "")
            case .failure(let e): return .error(e)
            }
        },
        "findAll": { args in
            guard args.count == 2 || args.count == 3, case .string(let s) = args[0], case .string(let p) = args[1] else {
                return CELError.noOverload("findAll", args)
            }
            var limit: Int64 = -1
            if args.count == 3 {
                guard case .int(let l) = args[2] else { return CELError.noOverload("findAll", args) }
                limit = l
            }
            switch CELRegex.compile(p) {
            case .success(let re): return .list(re.findAll(s, limit: Int(limit)).map { .string($0) })
            case .failure(let e): return .error(e)
            }
        },
    ]
}

/// All extension libraries enabled in the Kubernetes base environment.
enum Extensions {
    static let globals: [String: BuiltinFn] = {
        var g = StringsExt.globals
        g.merge(NetworkExt.globals) { a, _ in a }
        g.merge(KubernetesExt.globals) { a, _ in a }
        g.merge(KubernetesTypesExt.globals) { a, _ in a }
        g.merge(CELFormat.globals) { a, _ in a }
        return g
    }()

    static let members: [String: BuiltinFn] = {
        var m = StringsExt.members
        m.merge(NetworkExt.members) { a, _ in a }
        m.merge(RegexExt.members) { a, _ in a }
        m.merge(KubernetesTypesExt.members) { a, _ in a }
        for (k, v) in KubernetesExt.members {
            if let existing = m[k] {
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
}
