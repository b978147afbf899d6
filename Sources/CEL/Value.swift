import Foundation

/// A CEL runtime value.
///
/// Evaluation never throws: a failed operation yields `.error`, which the logical operators and the
/// comprehension macros may absorb as the CEL specification requires.
public enum CELValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([CELValue])
    case map(CELMap)
    case type(CELType)
    case timestamp(CELTimestamp)
    /// A signed span of time in nanoseconds (the range of Go's `time.Duration`, as cel-go).
    case duration(Int64)
    /// `optional.of(x)` is `.optional(x)`; `optional.none()` is `.optional(nil)`.
    indirect case optional(CELValue?)
    /// A value of an extension library (IP address, CIDR, URL, quantity, semver).
    case object(any CELObject)
    case error(CELError)
    /// Attribute ids whose values were not known at evaluation time.
    case unknown([Int64])

    /// The CEL type of this value.
    public var celType: CELType {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .uint: return .uint
        case .double: return .double
        case .string: return .string
        case .bytes: return .bytes
        case .list: return .list
        case .map: return .map
        case .type: return .type
        case .timestamp: return .timestamp
        case .duration: return .duration
        case .optional: return .optional
        case .object(let o): return CELType(name: o.typeName)
        case .error: return CELType(name: "error")
        case .unknown: return CELType(name: "unknown")
        }
    }

    /// True for `.error` and `.unknown`, the values that strict functions propagate unchanged.
    @inlinable
    public var isErrorOrUnknown: Bool {
        switch self {
        case .error, .unknown: return true
        default: return false
        }
    }
}

/// An error produced while evaluating an expression.
public struct CELError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func noOverload(_ function: String, _ args: [CELValue]) -> CELValue {
        let types = args.map { $0.celType.name }.joined(separator: ", ")
        return .error(CELError("found no matching overload for '\(function)' applied to '(\(types))'"))
    }
    static let divideByZero = CELValue.error(CELError("division by zero"))
    static let moduloByZero = CELValue.error(CELError("modulus by zero"))
    static let overflow = CELValue.error(CELError("integer overflow"))
    static let costExceeded = "operation cancelled: actual cost limit exceeded"
}

/// A CEL type, used as a runtime value (`type(1) == int`). Types compare by name.
public struct CELType: Sendable, Hashable, CustomStringConvertible {
    public var name: String

    public init(name: String) { self.name = name }

    public var description: String { name }

    public static let null = CELType(name: "null_type")
    public static let bool = CELType(name: "bool")
    public static let int = CELType(name: "int")
    public static let uint = CELType(name: "uint")
    public static let double = CELType(name: "double")
    public static let string = CELType(name: "string")
    public static let bytes = CELType(name: "bytes")
    public static let list = CELType(name: "list")
    public static let map = CELType(name: "map")
    public static let type = CELType(name: "type")
    public static let timestamp = CELType(name: "google.protobuf.Timestamp")
    public static let duration = CELType(name: "google.protobuf.Duration")
    public static let optional = CELType(name: "optional_type")
}

/// A value of an extension library type. Implementations must be immutable.
public protocol CELObject: Sendable, CustomStringConvertible {
    /// The CEL type name, e.g. `net.IP`.
    var typeName: String { get }
    /// CEL equality with another object (the other may be of a different type).
    func isEqual(to other: any CELObject) -> Bool
    /// Ordering for types that support `<`; nil when not comparable.
    func compare(to other: any CELObject) -> Int?
}

extension CELObject {
    public func compare(to other: any CELObject) -> Int? { nil }
}

/// An object whose methods are defined outside this library (Kubernetes' `authorizer`): a call
/// `receiver.name(args)` on it is answered by `call`, before any built-in of that name.
public protocol CELCallable: CELObject {
    /// The result, or nil when the object has no method `member` taking these arguments.
    func call(_ member: String, _ args: [CELValue]) -> CELValue?
}

/// A point in time: seconds since the Unix epoch and nanoseconds within that second.
public struct CELTimestamp: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanos: Int32

    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    /// 0001-01-01T00:00:00Z
    static let minSeconds: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z
    static let maxSeconds: Int64 = 253_402_300_799

    var inRange: Bool { seconds >= Self.minSeconds && seconds <= Self.maxSeconds }

    public static func < (a: CELTimestamp, b: CELTimestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanos < b.nanos
    }
}

/// A map key: CEL allows bool, int, uint and string keys.
public enum CELMapKey: Sendable, Hashable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case string(String)

    /// The key as a value.
    public var value: CELValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .string(let s): return .string(s)
        }
    }

    /// Numeric keys equal across int and uint (`{1u: x}[1]`): the hash index uses this form.
    var normalized: CELMapKey {
        if case .uint(let u) = self, u <= UInt64(Int64.max) { return .int(Int64(u)) }
        return self
    }

    public static func == (a: CELMapKey, b: CELMapKey) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.int(let x), .uint(let y)): return x >= 0 && UInt64(x) == y
        case (.uint(let x), .int(let y)): return y >= 0 && UInt64(y) == x
        case (.string(let x), .string(let y)): return stringsEqual(x, y)
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch normalized {
        case .bool(let b): hasher.combine(0 as UInt8); hasher.combine(b)
        case .int(let i): hasher.combine(1 as UInt8); hasher.combine(i)
        case .uint(let u): hasher.combine(1 as UInt8); hasher.combine(u)
        case .string(let s):
            hasher.combine(3 as UInt8)
            for b in s.utf8 { hasher.combine(b) }
        }
    }

    /// Converts a value to a key; doubles with an integral value find int/uint keys.
    static func from(_ v: CELValue) -> CELMapKey? {
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return .uint(u)
        case .string(let s): return .string(s)
        default: return nil
        }
    }
}

/// Byte-wise (code point) string equality: CEL does not apply Unicode canonical equivalence.
@inline(__always)
func stringsEqual(_ a: String, _ b: String) -> Bool {
    let ua = a.utf8
    let ub = b.utf8
    if ua.count != ub.count { return false }
    // Native strings expose their UTF-8 storage: compare it in one go.
    if let r = ua.withContiguousStorageIfAvailable({ pa in
        ub.withContiguousStorageIfAvailable { pb in
            guard let x = pa.baseAddress, let y = pb.baseAddress else { return true }
            return memcmp(x, y, pa.count) == 0
        }
    }), let r {
        return r
    }
    return ua.elementsEqual(ub)
}

/// Code point order, which is UTF-8 byte order.
@inline(__always)
func stringsCompare(_ a: String, _ b: String) -> Int {
    var ia = a.utf8.makeIterator()
    var ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
        }
    }
}

/// An immutable CEL map that keeps insertion order; small maps are searched linearly, larger
/// ones through a hash index.
public final class CELMap: Sendable {
    public let keys: [CELMapKey]
    public let values: [CELValue]
    private let index: [CELMapKey: Int]?

    static let linearLimit = 8

    /// Builds a map; the caller guarantees keys are unique.
    public init(uniqueKeys keys: [CELMapKey], values: [CELValue]) {
        self.keys = keys
        self.values = values
        if keys.count > CELMap.linearLimit {
            var idx = [CELMapKey: Int](minimumCapacity: keys.count)
            for (i, k) in keys.enumerated() { idx[k] = i }
            index = idx
        } else {
            index = nil
        }
    }

    /// Builds a map from entries, failing on a repeated key.
    public static func build(_ entries: [(CELMapKey, CELValue)]) -> Result<CELMap, CELError> {
        var keys: [CELMapKey] = []
        var values: [CELValue] = []
        keys.reserveCapacity(entries.count)
        values.reserveCapacity(entries.count)
        var seen = Set<CELMapKey>()
        for (k, v) in entries {
            if !seen.insert(k).inserted { return .failure(CELError("Failed with repeated key: \(k.value.debugText)")) }
            keys.append(k)
            values.append(v)
        }
        return .success(CELMap(uniqueKeys: keys, values: values))
    }

    public static let empty = CELMap(uniqueKeys: [], values: [])

    public var count: Int { keys.count }

    /// Looks up a string key without building a `CELMapKey` on the hot path.
    public func get(_ name: String) -> CELValue? {
        if let index {
            guard let i = index[.string(name)] else { return nil }
            return values[i]
        }
        for i in keys.indices {
            if case .string(let s) = keys[i], stringsEqual(s, name) { return values[i] }
        }
        return nil
    }

    public func get(_ key: CELMapKey) -> CELValue? {
        if let index {
            guard let i = index[key] else { return nil }
            return values[i]
        }
        for i in keys.indices where keys[i] == key { return values[i] }
        return nil
    }

    /// Looks up any value usable as a key, including doubles with integral values.
    func lookup(_ v: CELValue) -> CELValue? {
        if case .double(let d) = v {
            if let i = Int64(exactly: d), let r = get(.int(i)) { return r }
            if let u = UInt64(exactly: d), let r = get(.uint(u)) { return r }
            return nil
        }
        guard let k = CELMapKey.from(v) else { return nil }
        return get(k)
    }
}

extension CELValue {
    /// A short rendering used in error messages and `string()` of composite values.
    var debugText: String { formatForString() }
}

extension CELValue {
    /// Strict structural equality, for tests and tooling: unlike CEL's `==`, `1` and `1u` differ
    /// here, NaN equals NaN, and errors compare by message.
    public func isIdentical(to other: CELValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return stringsEqual(x, y)
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.type(let x), .type(let y)): return x == y
        case (.timestamp(let x), .timestamp(let y)): return x == y
        case (.duration(let x), .duration(let y)): return x == y
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.isIdentical(to: $1) }
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for (k, v) in zip(x.keys, x.values) {
                guard let i = y.keys.firstIndex(where: { $0.value.isIdentical(to: k.value) }), v.isIdentical(to: y.values[i]) else {
                    return false
                }
            }
            return true
        case (.optional(let x), .optional(let y)):
            switch (x, y) {
            case (nil, nil): return true
            case (let p?, let q?): return p.isIdentical(to: q)
            default: return false
            }
        case (.object(let x), .object(let y)): return x.isEqual(to: y)
        case (.error(let x), .error(let y)): return x == y
        case (.unknown(let x), .unknown(let y)): return x == y
        default: return false
        }
    }
}
