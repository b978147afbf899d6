/// IPv4 and IPv6 address ranges, as ipBlocks write them (CIDR) and np-guard prints them.
public enum IPFamily: Sendable, Hashable {
    case v4, v6
}

public enum IPAddress {
    /// Parses `10.0.0.0/8` into its first and last IPv4 address.
    public static func parseV4CIDR(_ text: String) -> ClosedRange<UInt32>? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits), let address = parseV4(String(parts[0])) else { return nil }
        let mask: UInt32 = bits == 0 ? 0 : UInt32.max << UInt32(32 - bits)
        let first = address & mask
        return first...(first | ~mask)
    }

    public static func parseV4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isNumber), let number = UInt32(octet), number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// Parses `2001:db8::/32` into its first and last IPv6 address.
    public static func parseV6CIDR(_ text: String) -> ClosedRange<UInt128>? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), (0...128).contains(bits), let address = parseV6(String(parts[0])) else { return nil }
        let mask: UInt128 = bits == 0 ? 0 : UInt128.max << UInt128(128 - bits)
        let first = address & mask
        return first...(first | ~mask)
    }

    public static func parseV6(_ text: String) -> UInt128? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    public static func formatV4(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    public static func formatV6(_ value: UInt128) -> String {
        (0..<8).map { String(UInt16(truncatingIfNeeded: value >> UInt128((7 - $0) * 16)), radix: 16) }.joined(separator: ":")
    }
}
