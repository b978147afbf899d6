import Foundation

extension CELValue {
    /// The value written as a CEL literal, as a policy author would type it (`[1, 2u, "a"]`,
    /// `optional.of(1)`); timestamps and durations as their conversions.
    public var literal: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .uint(let number): return "\(number)u"
        case .double(let number):
            if number.isNaN { return "double(\"NaN\")" }
            if number.isInfinite { return number > 0 ? "double(\"Infinity\")" : "double(\"-Infinity\")" }
            return number == number.rounded() && abs(number) < 1e16 ? String(format: "%.1f", number) : String(number)
        case .string(let text): return StringsExt.quote(text)
        case .bytes(let bytes): return "b" + StringsExt.quote(String(decoding: bytes, as: UTF8.self))
        case .list(let items): return "[" + items.map(\.literal).joined(separator: ", ") + "]"
        case .map(let map): return "{" + zip(map.keys, map.values).map { "\($0.value.literal): \($1.literal)" }.joined(separator: ", ") + "}"
        case .type(let type): return type.name
        case .optional(let inner): return inner.map { "optional.of(\($0.literal))" } ?? "optional.none()"
        case .timestamp, .duration:
            let json = toProtoJSON() as? [String: Any]
            let text = (json?["objectValue"] as? [String: Any])?["value"] as? String ?? ""
            if case .timestamp = self { return "timestamp(\(StringsExt.quote(text)))" }
            return "duration(\(StringsExt.quote(text)))"
        case .object(let object): return object.description
        case .error(let error): return "error(\(StringsExt.quote(error.message)))"
        case .unknown(let ids): return "unknown(\(ids.map(String.init).joined(separator: ", ")))"
        }
    }
}
