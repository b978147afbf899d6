import Foundation

/// Problems converting JSON into CEL values.
public enum CELJSONError: Error, Sendable, CustomStringConvertible {
    case unsupported(String)

    public var description: String {
        switch self {
        case .unsupported(let what): return "unsupported CEL value JSON: \(what)"
        }
    }
}

extension CELValue {
    /// Converts plain JSON (as produced by `JSONSerialization`) into a CEL value: objects become
    /// maps, arrays lists, integral numbers ints and other numbers doubles.
    public static func fromJSON(_ any: Any) -> CELValue {
        switch any {
        case is NSNull: return .null
        case let s as String: return .string(s)
        case let n as NSNumber:
            if isBoolean(n) { return .bool(n.boolValue) }
            let t = String(cString: n.objCType)
            if t == "d" || t == "f" {
                let d = n.doubleValue
                if let i = Int64(exactly: d), abs(d) < 9.0e15 { return .int(i) }
                return .double(d)
            }
            if t == "Q" { return n.uint64Value <= UInt64(Int64.max) ? .int(n.int64Value) : .uint(n.uint64Value) }
            return .int(n.int64Value)
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let d as Double: return .double(d)
        case let a as [Any]: return .list(a.map(fromJSON))
        case let m as [String: Any]:
            let keys = Array(m.keys)
            return .map(CELMap(uniqueKeys: keys.map { .string($0) }, values: keys.map { fromJSON(m[$0] ?? NSNull()) }))
        default: return .error(CELError("unsupported JSON value of type \(Swift.type(of: any))"))
        }
    }

    /// JSONSerialization gives booleans as NSNumbers whose encoding is `char` (ints are `i`/`q`).
    private static func isBoolean(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    /// Converts the protobuf JSON form of `cel.expr.Value` (`{"int64Value": "3"}`, ...).
    public static func fromProtoJSON(_ any: Any) throws(CELJSONError) -> CELValue {
        guard let obj = any as? [String: Any], let (kind, payload) = obj.first else { throw .unsupported("\(any)") }
        switch kind {
        case "nullValue": return .null
        case "boolValue":
            guard let b = (payload as? NSNumber)?.boolValue ?? (payload as? Bool) else { throw .unsupported("boolValue") }
            return .bool(b)
        case "int64Value":
            if let s = payload as? String, let i = Int64(s) { return .int(i) }
            if let n = payload as? NSNumber { return .int(n.int64Value) }
            throw .unsupported("int64Value")
        case "uint64Value":
            if let s = payload as? String, let u = UInt64(s) { return .uint(u) }
            if let n = payload as? NSNumber { return .uint(n.uint64Value) }
            throw .unsupported("uint64Value")
        case "doubleValue":
            if let s = payload as? String {
                switch s {
                case "NaN": return .double(.nan)
                case "Infinity": return .double(.infinity)
                case "-Infinity": return .double(-.infinity)
                default: if let d = Double(s) { return .double(d) }
                }
            }
            if let n = payload as? NSNumber { return .double(n.doubleValue) }
            throw .unsupported("doubleValue")
        case "stringValue":
            guard let s = payload as? String else { throw .unsupported("stringValue") }
            return .string(s)
        case "bytesValue":
            guard let s = payload as? String, let d = Data(base64Encoded: s) else { throw .unsupported("bytesValue") }
            return .bytes(Array(d))
        case "typeValue":
            guard let s = payload as? String else { throw .unsupported("typeValue") }
            return .type(CELType(name: s))
        case "listValue":
            let values = ((payload as? [String: Any])?["values"] as? [Any]) ?? []
            var out: [CELValue] = []
            for v in values { out.append(try fromProtoJSON(v)) }
            return .list(out)
        case "mapValue":
            let entries = ((payload as? [String: Any])?["entries"] as? [[String: Any]]) ?? []
            var pairs: [(CELMapKey, CELValue)] = []
            for e in entries {
                guard let k = e["key"], let v = e["value"] else { throw .unsupported("map entry") }
                guard let key = CELMapKey.from(try fromProtoJSON(k)) else { throw .unsupported("map key") }
                pairs.append((key, try fromProtoJSON(v)))
            }
            switch CELMap.build(pairs) {
            case .success(let m): return .map(m)
            case .failure(let e): throw .unsupported(e.message)
            }
        case "objectValue":
            guard let o = payload as? [String: Any], let t = o["@type"] as? String else { throw .unsupported("objectValue") }
            switch t {
            case "type.googleapis.com/google.protobuf.Duration":
                guard let s = o["value"] as? String, case .success(let d) = parseDuration(s) else { throw .unsupported("Duration") }
                return .duration(d)
            case "type.googleapis.com/google.protobuf.Timestamp":
                guard let s = o["value"] as? String, let ts = parseTimestamp(s) else { throw .unsupported("Timestamp") }
                return .timestamp(ts)
            case "type.googleapis.com/google.protobuf.Value", "type.googleapis.com/google.protobuf.Struct",
                "type.googleapis.com/google.protobuf.ListValue":
                return fromJSON(o["value"] ?? NSNull())
            default: throw .unsupported("object type \(t)")
            }
        default:
            throw .unsupported(kind)
        }
    }

    /// The protobuf JSON form of `cel.expr.Value` for this value.
    public func toProtoJSON() -> Any {
        switch self {
        case .null: return ["nullValue": NSNull()]
        case .bool(let b): return ["boolValue": b]
        case .int(let i): return ["int64Value": String(i)]
        case .uint(let u): return ["uint64Value": String(u)]
        case .double(let d):
            if d.isNaN { return ["doubleValue": "NaN"] }
            if d.isInfinite { return ["doubleValue": d < 0 ? "-Infinity" : "Infinity"] }
            return ["doubleValue": d]
        case .string(let s): return ["stringValue": s]
        case .bytes(let b): return ["bytesValue": Data(b).base64EncodedString()]
        case .list(let l): return ["listValue": ["values": l.map { $0.toProtoJSON() }]]
        case .map(let m):
            return ["mapValue": ["entries": zip(m.keys, m.values).map { ["key": $0.value.toProtoJSON(), "value": $1.toProtoJSON()] }]]
        case .type(let t): return ["typeValue": t.name]
        case .timestamp(let t):
            return ["objectValue": ["@type": "type.googleapis.com/google.protobuf.Timestamp", "value": formatTimestamp(t)]]
        case .duration(let d):
            return ["objectValue": ["@type": "type.googleapis.com/google.protobuf.Duration", "value": formatDuration(d)]]
        case .optional, .object, .error, .unknown:
            return ["stringValue": formatForString()]
        }
    }
}
