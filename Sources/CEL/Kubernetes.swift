/// The libraries Kubernetes adds to its CEL base environment: lists, sets, URLs, quantities and
/// semantic versions (regex `find`/`findAll` live with the regex support).
enum KubernetesExt {
    static func listArg(_ name: String, _ args: [CELValue], count: Int) -> [CELValue]? {
        guard args.count == count, case .list(let l) = args[0] else { return nil }
        return l
    }

    static func ordered(_ name: String, _ l: [CELValue], pickGreater: Bool) -> CELValue {
        guard var best = l.first else { return .error(CELError("\(name) called on empty list")) }
        for v in l.dropFirst() {
            switch celCompare(v, best) {
            case .none: return CELError.noOverload(name, [v, best])
            case .some(let c?): if pickGreater ? c > 0 : c < 0 { best = v }
            case .some(nil): break
            }
        }
        return best
    }

    static func flatten(_ l: [CELValue], depth: Int64) -> [CELValue] {
        var out: [CELValue] = []
        for v in l {
            if depth > 0, case .list(let inner) = v {
                out += flatten(inner, depth: depth - 1)
            } else {
                out.append(v)
            }
        }
        return out
    }

    static let members: [String: BuiltinFn] = [
        "isSorted": { args in
            guard let l = listArg("isSorted", args, count: 1) else { return CELError.noOverload("isSorted", args) }
            for i in l.indices.dropFirst() {
                switch celCompare(l[i - 1], l[i]) {
                case .none: return CELError.noOverload("isSorted", [l[i - 1], l[i]])
                case .some(let c?): if c > 0 { return .bool(false) }
                case .some(nil): break
                }
            }
            return .bool(true)
        },
        "sum": { args in
            guard let l = listArg("sum", args, count: 1) else { return CELError.noOverload("sum", args) }
            guard var acc = l.first else { return .int(0) }
            for v in l.dropFirst() {
                acc = add(acc, v)
                if acc.isErrorOrUnknown { return acc }
            }
            return acc
        },
        "min": { args in
            guard let l = listArg("min", args, count: 1) else { return CELError.noOverload("min", args) }
            return ordered("min", l, pickGreater: false)
        },
        "max": { args in
            guard let l = listArg("max", args, count: 1) else { return CELError.noOverload("max", args) }
            return ordered("max", l, pickGreater: true)
        },
        "indexOf": { args in
            guard let l = listArg("indexOf", args, count: 2) else { return CELError.noOverload("indexOf", args) }
            for (i, v) in l.enumerated() where celEquals(v, args[1]) { return .int(Int64(i)) }
            return .int(-1)
        },
        "lastIndexOf": { args in
            guard let l = listArg("lastIndexOf", args, count: 2) else { return CELError.noOverload("lastIndexOf", args) }
            for (i, v) in l.enumerated().reversed() where celEquals(v, args[1]) { return .int(Int64(i)) }
            return .int(-1)
        },
        "slice": { args in
            guard let l = listArg("slice", args, count: 3), case .int(let a) = args[1], case .int(let b) = args[2] else {
                return CELError.noOverload("slice", args)
            }
            guard a >= 0, b >= a, b <= l.count else { return .error(CELError("cannot slice(\(a), \(b)), list size is \(l.count)")) }
            return .list(Array(l[Int(a)..<Int(b)]))
        },
        "flatten": { args in
            guard case .list(let l)? = args.first else { return CELError.noOverload("flatten", args) }
            var depth: Int64 = 1
            if args.count == 2 {
                guard case .int(let d) = args[1], d >= 0 else { return .error(CELError("flatten depth must be non-negative")) }
                depth = d
            }
            return .list(flatten(l, depth: depth))
        },
        "distinct": { args in
            guard let l = listArg("distinct", args, count: 1) else { return CELError.noOverload("distinct", args) }
            var out: [CELValue] = []
            for v in l where !out.contains(where: { celEquals($0, v) }) { out.append(v) }
            return .list(out)
        },
        "sort": { args in
            guard let l = listArg("sort", args, count: 1) else { return CELError.noOverload("sort", args) }
            for i in l.indices.dropFirst() where celCompare(l[0], l[i]) == nil {
                return CELError.noOverload("sort", [l[0], l[i]])
            }
            return .list(l.sorted { a, b in (celCompare(a, b) ?? nil).map { $0 < 0 } ?? false })
        },
        "first": { args in
            guard let l = listArg("first", args, count: 1) else { return CELError.noOverload("first", args) }
            return .optional(l.first)
        },
        "last": { args in
            guard let l = listArg("last", args, count: 1) else { return CELError.noOverload("last", args) }
            return .optional(l.last)
        },
    ]

    static func setsArgs(_ name: String, _ args: [CELValue]) -> ([CELValue], [CELValue])? {
        guard args.count == 2, case .list(let a) = args[0], case .list(let b) = args[1] else { return nil }
        return (a, b)
    }

    static let globals: [String: BuiltinFn] = [
        "sets.contains": { args in
            guard let (a, b) = setsArgs("sets.contains", args) else { return CELError.noOverload("sets.contains", args) }
            return .bool(b.allSatisfy { x in a.contains { celEquals($0, x) } })
        },
        "sets.equivalent": { args in
            guard let (a, b) = setsArgs("sets.equivalent", args) else { return CELError.noOverload("sets.equivalent", args) }
            return .bool(b.allSatisfy { x in a.contains { celEquals($0, x) } } && a.allSatisfy { x in b.contains { celEquals($0, x) } })
        },
        "sets.intersects": { args in
            guard let (a, b) = setsArgs("sets.intersects", args) else { return CELError.noOverload("sets.intersects", args) }
            return .bool(b.contains { x in a.contains { celEquals($0, x) } })
        },
        "lists.range": { args in
            guard args.count == 1, case .int(let n) = args[0], n >= 0 else { return CELError.noOverload("lists.range", args) }
            guard n <= 10_000_000 else { return .error(CELError("lists.range(\(n)) is too large")) }
            return .list((0..<n).map { .int($0) })
        },
    ]
}
