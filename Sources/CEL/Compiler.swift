/// Turns the AST into a tree of closures with variables resolved to slots, so evaluation does no
/// name lookups.
struct Compiler {
    let options: CELOptions
    var scopes: [(name: String, slot: Int)] = []
    var nextSlot = 0
    var maxSlots = 0
    var refs: [GlobalRef] = []
    var refSlots: [String: Int] = [:]
    /// With `kubernetesVersion`: the first thing the environment does not declare, as cel-go's
    /// parser (syntax) or checker (functions, macros) would report it. Either fails the whole
    /// expression, as it fails to compile in Kubernetes.
    var syntaxError: CELError?
    var checkError: CELError?

    init(options: CELOptions) { self.options = options }

    mutating func allocSlot() -> Int {
        let s = nextSlot
        nextSlot += 1
        maxSlots = max(maxSlots, nextSlot)
        return s
    }

    func local(_ name: String) -> Int? {
        for s in scopes.reversed() where s.name == name { return s.slot }
        return nil
    }

    /// `a.b.c` as ["a", "b", "c"] when it is a chain of plain selections on a non-local identifier.
    func qualifiedPath(_ e: Expr) -> [String]? {
        switch e.kind {
        case .ident(let n):
            if !n.hasPrefix("."), local(n) != nil { return nil }
            return [n]
        case .select(let operand, let f, false, false):
            guard var p = qualifiedPath(operand) else { return nil }
            p.append(f)
            return p
        default:
            return nil
        }
    }

    func containerCandidates(_ name: String) -> [String] {
        if name.hasPrefix(".") { return [String(name.dropFirst())] }
        var out: [String] = []
        var parts = options.container.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            out.append(parts.joined(separator: ".") + "." + name)
            parts.removeLast()
        }
        out.append(name)
        return out
    }

    static let typeNames: Set<String> = [
        "int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "optional_type",
        "google.protobuf.Timestamp", "google.protobuf.Duration", "net.IP", "net.CIDR", "kubernetes.URL",
        "kubernetes.Quantity", "kubernetes.Semver",
    ]

    mutating func globalRef(_ path: [String]) -> Eval {
        let display = path.joined(separator: ".")
        if let slot = refSlots[display] { return { act in act.slots[slot] } }
        var candidates: [GlobalRef.Candidate] = []
        for k in stride(from: path.count, through: 1, by: -1) {
            let prefix = path[0..<k].joined(separator: ".")
            for name in containerCandidates(prefix) {
                candidates.append(.init(name: name, fields: Array(path[k...])))
            }
        }
        if let vars = options.variables {
            candidates = candidates.filter { vars.contains($0.name) }
            if candidates.count > 1 { candidates = [candidates[0]] }
        }
        let plain = display.hasPrefix(".") ? String(display.dropFirst()) : display
        let fallback: CELValue? = Compiler.typeNames.contains(plain) ? .type(CELType(name: plain)) : nil
        if candidates.isEmpty, let fallback { return { _ in fallback } }
        let slot = allocSlot()
        refSlots[display] = slot
        refs.append(GlobalRef(slot: slot, candidates: candidates, display: plain, container: options.container, fallback: fallback))
        return { act in act.slots[slot] }
    }

    mutating func compile(_ e: Expr) -> Eval {
        switch e.kind {
        case .literal(let v):
            return { _ in v }
        case .ident(let name):
            if !name.hasPrefix("."), let slot = local(name) { return { act in act.slots[slot] } }
            return globalRef([name])
        case .select(let operand, let field, let testOnly, let optional):
            if optional && !options.enables(KubernetesVersions.optionalsAndQuantity) { return unsupportedSyntax(".?") }
            if !testOnly && !optional, let path = qualifiedPath(e) { return globalRef(path) }
            let o = compile(operand)
            if testOnly { return { act in hasField(o(act), field) } }
            if optional { return { act in optionalSelect(o(act), field) } }
            return { act in selectField(o(act), field) }
        case .list(let items, let optional):
            if optional.contains(true) && !options.enables(KubernetesVersions.optionalsAndQuantity) { return unsupportedSyntax("?") }
            return compileList(items.map { compile($0) }, optional)
        case .map(let entries):
            if entries.contains(where: \.optional) && !options.enables(KubernetesVersions.optionalsAndQuantity) {
                return unsupportedSyntax("?")
            }
            let ks = entries.map { compile($0.key) }
            let vs = entries.map { compile($0.value) }
            return compileMap(ks, vs, entries.map(\.optional))
        case .comprehension(let c):
            return compileComprehension(c)
        case .call(let name, let target, let args):
            return compileCall(name, target: target, args: args)
        }
    }

    func compileList(_ items: [Eval], _ optional: [Bool]) -> Eval {
        let anyOptional = optional.contains(true)
        return { act in
            var out: [CELValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                let v = item(act)
                if v.isErrorOrUnknown { return v }
                if anyOptional && optional[i] {
                    guard case .optional(let inner) = v else {
                        return .error(CELError("optional list element must be an optional value, got \(v.celType)"))
                    }
                    if let inner { out.append(inner) }
                } else {
                    out.append(v)
                }
            }
            return .list(out)
        }
    }

    func compileMap(_ ks: [Eval], _ vs: [Eval], _ optional: [Bool]) -> Eval {
        return { act in
            var entries: [(CELMapKey, CELValue)] = []
            entries.reserveCapacity(ks.count)
            for i in ks.indices {
                let k = ks[i](act)
                if k.isErrorOrUnknown { return k }
                var v = vs[i](act)
                if v.isErrorOrUnknown { return v }
                guard let key = CELMapKey.from(k) else { return .error(CELError("unsupported key type: \(k.celType)")) }
                if optional[i] {
                    guard case .optional(let inner) = v else {
                        return .error(CELError("optional map entry must be an optional value, got \(v.celType)"))
                    }
                    guard let inner else { continue }
                    v = inner
                }
                entries.append((key, v))
            }
            switch CELMap.build(entries) {
            case .success(let m): return .map(m)
            case .failure(let err): return .error(err)
            }
        }
    }

    mutating func compileComprehension(_ c: Comprehension) -> Eval {
        if let (name, version) = KubernetesVersions.macro(c), !options.enables(version) { return undeclared(name, [c.range]) }
        let range = compile(c.range)
        let s1 = allocSlot()
        scopes.append((c.var1, s1))
        var s2 = -1
        if let v2 = c.var2 {
            s2 = allocSlot()
            scopes.append((v2, s2))
        }
        let body = compile(c.body)
        let filter = c.filter.map { compile($0) }
        scopes.removeLast(c.var2 == nil ? 1 : 2)
        nextSlot -= c.var2 == nil ? 1 : 2
        return makeComprehension(c.kind, range: range, s1: s1, s2: s2, twoVar: c.var2 != nil, body: body, filter: filter)
    }

    mutating func compileCall(_ name: String, target: Expr?, args: [Expr]) -> Eval {
        if target == nil {
            switch (name, args.count) {
            case ("_&&_", 2): return logicalAnd(compile(args[0]), compile(args[1]))
            case ("_||_", 2): return logicalOr(compile(args[0]), compile(args[1]))
            case ("_?_:_", 3): return conditional(compile(args[0]), compile(args[1]), compile(args[2]))
            case ("!_", 1): return logicalNot(compile(args[0]))
            case ("_==_", 2):
                let a = compile(args[0])
                let b = compile(args[1])
                return { act in
                    let l = a(act)
                    if l.isErrorOrUnknown { return l }
                    let r = b(act)
                    if r.isErrorOrUnknown { return r }
                    return .bool(celEquals(l, r))
                }
            case ("_!=_", 2):
                let a = compile(args[0])
                let b = compile(args[1])
                return { act in
                    let l = a(act)
                    if l.isErrorOrUnknown { return l }
                    let r = b(act)
                    if r.isErrorOrUnknown { return r }
                    return .bool(!celEquals(l, r))
                }
            default: break
            }
            if name == "_[?_]" && !options.enables(KubernetesVersions.optionalsAndQuantity) { return unsupportedSyntax("[?") }
            if let builtin = Builtins.binaryOperators[name], args.count == 2 {
                let crossTypeNumeric = options.enables(KubernetesVersions.optionalsAndQuantity) || !["_<_", "_<=_", "_>_", "_>=_"].contains(name)
                let op = crossTypeNumeric ? builtin : withoutCrossTypeNumericComparisons(name, builtin)
                let a = compile(args[0])
                let b = compile(args[1])
                return { act in
                    act.cost &+= 1
                    let l = a(act)
                    if l.isErrorOrUnknown { return l }
                    let r = b(act)
                    if r.isErrorOrUnknown { return r }
                    return op(l, r)
                }
            }
        }
        // Namespaced global functions: strings.quote(), optional.of(), sets.contains(), ...
        var qualifiedName: String?
        if let target, let path = qualifiedPath(target) {
            let n = (path + [name]).joined(separator: ".")
            let plain = n.hasPrefix(".") ? String(n.dropFirst()) : n
            if Builtins.globals[plain] != nil { qualifiedName = plain }
        }
        // Functions the Kubernetes base environment does not declare at the requested version.
        if options.kubernetesVersion != nil {
            if let qualifiedName {
                if !options.enables(KubernetesVersions.introduced(global: qualifiedName)) { return undeclared(qualifiedName, args) }
            } else if let target {
                if !options.enables(KubernetesVersions.introduced(member: name)) { return undeclared(name, [target] + args) }
            } else {
                let plain = name.hasPrefix(".") ? String(name.dropFirst()) : name
                if !options.enables(KubernetesVersions.introduced(global: plain)) { return undeclared(plain, args) }
            }
        }
        let compiledArgs: [Eval]
        let fn: BuiltinFn?
        let displayName: String
        if let qualifiedName {
            compiledArgs = args.map { compile($0) }
            fn = Builtins.globals[qualifiedName]
            displayName = qualifiedName
        } else if let target {
            compiledArgs = [compile(target)] + args.map { compile($0) }
            let builtin = Builtins.members[name]
            let member = name
            // Objects with their own methods answer first; everything else goes to the built-ins.
            fn = { args in
                if case .object(let callable as any CELCallable)? = args.first, let result = callable.call(member, Array(args.dropFirst())) {
                    return result
                }
                return builtin?(args) ?? .error(CELError("unbound function: \(member)"))
            }
            displayName = name
        } else {
            compiledArgs = args.map { compile($0) }
            let plain = name.hasPrefix(".") ? String(name.dropFirst()) : name
            fn = Builtins.globals[plain]
            displayName = plain
        }
        // Regular expressions given as literals are compiled once, here.
        if let target, args.count == 1, case .literal(.string(let pattern)) = args[0].kind, ["matches", "find", "findAll"].contains(name) {
            let t = compile(target)
            let re = CELRegex.compile(pattern)
            return { act in
                act.cost &+= 1
                let v = t(act)
                if v.isErrorOrUnknown { return v }
                guard case .string(let s) = v else { return CELError.noOverload(name, [v]) }
                switch re {
                case .failure(let err): return .error(err)
                case .success(let r):
                    switch name {
                    case "matches": return .bool(r.matches(s))
                    case "find": return .string(r.find(s) ?? "")
                    default: return .list(r.findAll(s, limit: -1).map { .string($0) })
                    }
                }
            }
        }
        guard let fn else {
            return { act in
                for a in compiledArgs {
                    let v = a(act)
                    if v.isErrorOrUnknown { return v }
                }
                return .error(CELError("unbound function: \(displayName)"))
            }
        }
        switch compiledArgs.count {
        case 1:
            let a0 = compiledArgs[0]
            return { act in
                act.cost &+= 1
                let v0 = a0(act)
                if v0.isErrorOrUnknown { return v0 }
                return chargeResult(act, fn([v0]))
            }
        default:
            return { act in
                act.cost &+= 1
                var vals: [CELValue] = []
                vals.reserveCapacity(compiledArgs.count)
                var unknowns: [Int64] = []
                var firstError: CELValue?
                for a in compiledArgs {
                    let v = a(act)
                    switch v {
                    case .unknown(let ids): unknowns += ids
                    case .error: if firstError == nil { firstError = v }
                    default: break
                    }
                    vals.append(v)
                }
                if !unknowns.isEmpty { return .unknown(unknowns) }
                if let firstError { return firstError }
                return chargeResult(act, fn(vals))
            }
        }
    }
}

extension Compiler {
    /// What cel-go's checker reports for a function or macro its environment does not declare.
    /// The operands are compiled first, as the checker visits them first, so that the error
    /// recorded is the first one cel-go would report.
    mutating func undeclared(_ name: String, _ operands: [Expr]) -> Eval {
        for e in operands { _ = compile(e) }
        let err = CELError("undeclared reference to '\(name)' (in container '\(options.container)')")
        if checkError == nil { checkError = err }
        return { _ in .error(err) }
    }

    /// What cel-go's parser reports for optional syntax when optional types are not enabled.
    mutating func unsupportedSyntax(_ syntax: String) -> Eval {
        let err = CELError("unsupported syntax '\(syntax)'")
        if syntaxError == nil { syntaxError = err }
        return { _ in .error(err) }
    }
}

/// Before CrossTypeNumericComparisons (Kubernetes 1.28) `<`, `<=`, `>` and `>=` are declared
/// only for operands of the same numeric type.
func withoutCrossTypeNumericComparisons(_ name: String, _ op: @escaping BinaryFn) -> BinaryFn {
    return { a, b in
        switch (a, b) {
        case (.int, .uint), (.int, .double), (.uint, .int), (.uint, .double), (.double, .int), (.double, .uint):
            return CELError.noOverload(name, [a, b])
        default:
            return op(a, b)
        }
    }
}

/// Functions that build strings or lists cost in proportion to what they build, so that a
/// `lists.range()` or `join()` inside a comprehension cannot hide a large amount of work.
@inline(__always)
func chargeResult(_ act: Activation, _ v: CELValue) -> CELValue {
    switch v {
    case .list(let l): _ = act.charge(Int64(l.count))
    case .string(let s): _ = act.charge(Int64(s.utf8.count / 10))
    case .map(let m): _ = act.charge(Int64(m.count))
    default: break
    }
    return v
}

// MARK: - Logical operators (non-strict: errors and unknowns may be absorbed)

func mergeUnknowns(_ a: CELValue, _ b: CELValue) -> CELValue? {
    switch (a, b) {
    case (.unknown(let x), .unknown(let y)): return .unknown(x + y)
    case (.unknown, _): return a
    case (_, .unknown): return b
    default: return nil
    }
}

func logicalAnd(_ a: @escaping Eval, _ b: @escaping Eval) -> Eval {
    return { act in
        let l = a(act)
        if case .bool(false) = l { return l }
        let r = b(act)
        if case .bool(let rb) = r {
            if !rb { return r }
            if case .bool = l { return r }
        }
        if let u = mergeUnknowns(l, r) { return u }
        if case .error = l { return l }
        if case .error = r { return r }
        return CELError.noOverload("_&&_", [l, r])
    }
}

func logicalOr(_ a: @escaping Eval, _ b: @escaping Eval) -> Eval {
    return { act in
        let l = a(act)
        if case .bool(true) = l { return l }
        let r = b(act)
        if case .bool(let rb) = r {
            if rb { return r }
            if case .bool = l { return r }
        }
        if let u = mergeUnknowns(l, r) { return u }
        if case .error = l { return l }
        if case .error = r { return r }
        return CELError.noOverload("_||_", [l, r])
    }
}

func logicalNot(_ a: @escaping Eval) -> Eval {
    return { act in
        let v = a(act)
        if case .bool(let b) = v { return .bool(!b) }
        if v.isErrorOrUnknown { return v }
        return CELError.noOverload("!_", [v])
    }
}

func conditional(_ c: @escaping Eval, _ a: @escaping Eval, _ b: @escaping Eval) -> Eval {
    return { act in
        let v = c(act)
        if case .bool(let t) = v { return t ? a(act) : b(act) }
        if v.isErrorOrUnknown { return v }
        return CELError.noOverload("_?_:_", [v])
    }
}

// MARK: - Field selection

func typeDoesNotSupportSelection(_ v: CELValue) -> CELValue {
    .error(CELError("type '\(v.celType)' does not support field selection"))
}

func selectField(_ v: CELValue, _ field: String) -> CELValue {
    switch v {
    case .map(let m):
        if let r = m.get(field) { return r }
        return .error(CELError("no such key: '\(field)'"))
    case .optional(let inner):
        guard let inner else { return v }
        if case .map(let m) = inner { return .optional(m.get(field)) }
        return selectField(inner, field)
    case .error, .unknown:
        return v
    default:
        return typeDoesNotSupportSelection(v)
    }
}

func optionalSelect(_ v: CELValue, _ field: String) -> CELValue {
    switch v {
    case .map(let m): return .optional(m.get(field))
    case .optional(let inner):
        guard let inner else { return v }
        return optionalSelect(inner, field)
    case .error, .unknown: return v
    default: return typeDoesNotSupportSelection(v)
    }
}

func hasField(_ v: CELValue, _ field: String) -> CELValue {
    switch v {
    case .map(let m): return .bool(m.get(field) != nil)
    case .optional(let inner):
        guard let inner else { return .bool(false) }
        return hasField(inner, field)
    case .error, .unknown: return v
    default: return typeDoesNotSupportSelection(v)
    }
}

// MARK: - Comprehensions

func makeComprehension(
    _ kind: Comprehension.Kind, range: @escaping Eval, s1: Int, s2: Int, twoVar: Bool, body: @escaping Eval, filter: Eval?
) -> Eval {
    if kind == .bind {
        return { act in
            act.slots[s1] = range(act)
            return body(act)
        }
    }
    if kind == .optMap || kind == .optFlatMap {
        return { act in
            let r = range(act)
            guard case .optional(let inner) = r else {
                if r.isErrorOrUnknown { return r }
                return CELError.noOverload(kind == .optMap ? "optMap" : "optFlatMap", [r])
            }
            guard let inner else { return r }
            act.slots[s1] = inner
            let v = body(act)
            if v.isErrorOrUnknown { return v }
            if kind == .optMap { return .optional(v) }
            guard case .optional = v else { return .error(CELError("optFlatMap function must return an optional value")) }
            return v
        }
    }
    return { act in
        let r = range(act)
        // The iteration pairs: (element) for one variable, (index or key, value) for two.
        let count: Int
        let list: [CELValue]?
        let map: CELMap?
        switch r {
        case .list(let l):
            (list, map, count) = (l, nil, l.count)
        case .map(let m):
            (list, map, count) = (nil, m, m.count)
        case .error, .unknown:
            return r
        default:
            return .error(CELError("expression of type '\(r.celType)' cannot be the range of a comprehension"))
        }
        @inline(__always) func bind(_ i: Int) {
            if let list {
                if twoVar {
                    act.slots[s1] = .int(Int64(i))
                    act.slots[s2] = list[i]
                } else {
                    act.slots[s1] = list[i]
                }
            } else if let map {
                act.slots[s1] = map.keys[i].value
                if twoVar { act.slots[s2] = map.values[i] }
            }
        }
        let cancelled = CELValue.error(CELError(CELError.costExceeded))
        switch kind {
        case .all, .exists:
            let stopOn = kind == .exists
            var pending: CELValue?
            for i in 0..<count {
                if !act.charge(1) { return cancelled }
                bind(i)
                let v = body(act)
                switch v {
                case .bool(let b):
                    if b == stopOn { return v }
                case .error, .unknown:
                    if act.cancelled { return cancelled }
                    if pending == nil { pending = v }
                default:
                    if pending == nil { pending = CELError.noOverload(stopOn ? "_||_" : "_&&_", [v]) }
                }
            }
            return pending ?? .bool(!stopOn)
        case .existsOne:
            var n = 0
            for i in 0..<count {
                if !act.charge(1) { return cancelled }
                bind(i)
                let v = body(act)
                switch v {
                case .bool(let b): if b { n += 1 }
                case .error, .unknown: return v
                default: return CELError.noOverload("exists_one", [v])
                }
            }
            return .bool(n == 1)
        case .map, .filter, .transformList:
            var out: [CELValue] = []
            out.reserveCapacity(count)
            for i in 0..<count {
                if !act.charge(1) { return cancelled }
                bind(i)
                if let filter {
                    let f = filter(act)
                    guard case .bool(let keep) = f else { return f.isErrorOrUnknown ? f : CELError.noOverload("filter", [f]) }
                    if !keep { continue }
                }
                let v = body(act)
                if kind == .filter {
                    guard case .bool(let keep) = v else { return v.isErrorOrUnknown ? v : CELError.noOverload("filter", [v]) }
                    if keep { out.append(twoVar ? act.slots[s2] : act.slots[s1]) }
                } else {
                    if v.isErrorOrUnknown { return v }
                    out.append(v)
                }
            }
            _ = act.charge(Int64(out.count))
            return .list(out)
        case .transformMap, .transformMapEntry:
            var entries: [(CELMapKey, CELValue)] = []
            for i in 0..<count {
                if !act.charge(1) { return cancelled }
                bind(i)
                if let filter {
                    let f = filter(act)
                    guard case .bool(let keep) = f else { return f.isErrorOrUnknown ? f : CELError.noOverload("transformMap", [f]) }
                    if !keep { continue }
                }
                let v = body(act)
                if v.isErrorOrUnknown { return v }
                if kind == .transformMap {
                    guard let k = CELMapKey.from(act.slots[s1]) else { return .error(CELError("unsupported key type")) }
                    entries.append((k, v))
                } else {
                    guard case .map(let m) = v else { return .error(CELError("transformMapEntry must return a map")) }
                    for (k, val) in zip(m.keys, m.values) { entries.append((k, val)) }
                }
            }
            switch CELMap.build(entries) {
            case .success(let m): return .map(m)
            case .failure(let e): return .error(e)
            }
        case .bind, .optMap, .optFlatMap:
            return .error(CELError("internal: unexpected comprehension"))
        }
    }
}
