import Foundation

/// An IP address of the Kubernetes/cel-go network library (`net.IP`).
public struct CELIP: CELObject, Hashable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public var typeName: String { "net.IP" }
    public var family: Int { bytes.count == 4 ? 4 : 6 }

    public func isEqual(to other: any CELObject) -> Bool { (other as? CELIP)?.bytes == bytes }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [Int] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(Int(bytes[i]) << 8 | Int(bytes[i + 1])) }
        // RFC 5952: compress the longest run (at least two) of zero groups, the first one on ties.
        var bestStart = -1
        var bestLen = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 {
                    bestStart = i
                    bestLen = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ r: ArraySlice<Int>) -> String { r.map { String($0, radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(groups[...]) }
        return hex(groups[0..<bestStart]) + "::" + hex(groups[(bestStart + bestLen)...])
    }

    /// Parses an address, rejecting zones and the dotted IPv4-mapped IPv6 form as Kubernetes does.
    public static func parse(_ s: String) -> Result<CELIP, CELError> {
        if s.contains("%") { return .failure(CELError("IP Address with zone value is not allowed")) }
        let parseError = CELError("IP Address '\(s)' parse error during conversion from string")
        if !s.contains(":") {
            guard let b = parseV4(Substring(s)) else { return .failure(parseError) }
            return .success(CELIP(bytes: b))
        }
        guard let b = parseV6(s) else { return .failure(parseError) }
        if b.dottedTail && b.bytes[0..<10].allSatisfy({ $0 == 0 }) && b.bytes[10] == 0xFF && b.bytes[11] == 0xFF {
            return .failure(CELError("IPv4-mapped IPv6 address is not allowed"))
        }
        if b.bytes[0..<10].allSatisfy({ $0 == 0 }) && b.bytes[10] == 0xFF && b.bytes[11] == 0xFF {
            return .success(CELIP(bytes: Array(b.bytes[12...])))
        }
        return .success(CELIP(bytes: b.bytes))
    }

    static func parseV4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            if p.count > 1 && p.hasPrefix("0") { return nil }
            guard let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    static func parseV6(_ s: String) -> (bytes: [UInt8], dottedTail: Bool)? {
        var text = Substring(s)
        var tail: [UInt8] = []
        var dotted = false
        if let lastColon = text.lastIndex(of: ":"), text[lastColon...].contains(".") {
            guard let v4 = parseV4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            dotted = true
            text = text[...lastColon]
            if text.hasSuffix("::") {
                // keep "::" so the split below sees the gap
            } else {
                text = text.dropLast()
            }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ h: String) -> [UInt16]? {
            if h.isEmpty { return [] }
            var out: [UInt16] = []
            for g in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        let rest = halves.count == 2 ? groups(halves[1]) : []
        guard let rest else { return nil }
        let total = head.count + rest.count + tail.count / 2
        var all: [UInt16]
        if halves.count == 2 {
            guard total < 8 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - total) + rest
        } else {
            guard total == 8 else { return nil }
            all = head
        }
        var out: [UInt8] = []
        for g in all { out += [UInt8(g >> 8), UInt8(g & 0xFF)] }
        out += tail
        return out.count == 16 ? (out, dotted) : nil
    }

    var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }
    var isLoopback: Bool { bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1] }
    var isMulticast: Bool { bytes.count == 4 ? bytes[0] & 0xF0 == 0xE0 : bytes[0] == 0xFF }
    var isLinkLocalUnicast: Bool {
        bytes.count == 4 ? bytes[0] == 169 && bytes[1] == 254 : bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
    }
    var isLinkLocalMulticast: Bool {
        bytes.count == 4 ? bytes[0] == 224 && bytes[1] == 0 && bytes[2] == 0 : bytes[0] == 0xFF && bytes[1] & 0x0F == 0x02
    }
    var isGlobalUnicast: Bool {
        if bytes.count == 4 && bytes == [255, 255, 255, 255] { return false }
        return !isUnspecified && !isLoopback && !isMulticast && !isLinkLocalUnicast
    }
}

/// A network prefix (`net.CIDR`): the address as written and the prefix length.
public struct CELCIDR: CELObject, Hashable {
    public let ip: CELIP
    public let prefixLength: Int

    public var typeName: String { "net.CIDR" }
    public var description: String { "\(ip)/\(prefixLength)" }
    public func isEqual(to other: any CELObject) -> Bool { (other as? CELCIDR) == self }

    public static func parse(_ s: String) -> Result<CELCIDR, CELError> {
        if s.contains("%") { return .failure(CELError("CIDR with zone value is not allowed")) }
        let err = CELError("network address parse error during conversion from string: '\(s)'")
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let len = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return .failure(err) }
        let addr = String(parts[0])
        if addr.contains(":") {
            guard let b = CELIP.parseV6(addr) else { return .failure(err) }
            if b.bytes[0..<10].allSatisfy({ $0 == 0 }) && b.bytes[10] == 0xFF && b.bytes[11] == 0xFF {
                return .failure(CELError("IPv4-mapped IPv6 address is not allowed"))
            }
            guard len <= 128 else { return .failure(err) }
            return .success(CELCIDR(ip: CELIP(bytes: b.bytes), prefixLength: len))
        }
        guard let b = CELIP.parseV4(Substring(addr)), len <= 32 else { return .failure(err) }
        return .success(CELCIDR(ip: CELIP(bytes: b), prefixLength: len))
    }

    var masked: CELCIDR {
        var b = ip.bytes
        for i in b.indices {
            let bitsHere = max(0, min(8, prefixLength - i * 8))
            b[i] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return CELCIDR(ip: CELIP(bytes: b), prefixLength: prefixLength)
    }

    func contains(_ other: CELIP) -> Bool {
        guard other.bytes.count == ip.bytes.count else { return false }
        return CELCIDR(ip: other, prefixLength: prefixLength).masked.ip == masked.ip
    }

    func contains(_ other: CELCIDR) -> Bool {
        other.prefixLength >= prefixLength && contains(other.ip)
    }
}

enum NetworkExt {
    static func ipArg(_ v: CELValue) -> Result<CELIP, CELError>? {
        switch v {
        case .object(let o as CELIP): return .success(o)
        case .string(let s): return CELIP.parse(s)
        default: return nil
        }
    }

    static func cidrArg(_ v: CELValue) -> Result<CELCIDR, CELError>? {
        switch v {
        case .object(let o as CELCIDR): return .success(o)
        case .string(let s): return CELCIDR.parse(s)
        default: return nil
        }
    }

    static func ipMember(_ name: String, _ f: @escaping @Sendable (CELIP) -> CELValue) -> BuiltinFn {
        return { args in
            guard args.count == 1, case .object(let o as CELIP) = args[0] else { return CELError.noOverload(name, args) }
            return f(o)
        }
    }

    static func cidrMember(_ name: String, _ f: @escaping @Sendable (CELCIDR) -> CELValue) -> BuiltinFn {
        return { args in
            guard args.count == 1, case .object(let o as CELCIDR) = args[0] else { return CELError.noOverload(name, args) }
            return f(o)
        }
    }

    static let globals: [String: BuiltinFn] = [
        "ip": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("ip", args) }
            switch CELIP.parse(s) {
            case .success(let ip): return .object(ip)
            case .failure(let e): return .error(e)
            }
        },
        "cidr": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("cidr", args) }
            switch CELCIDR.parse(s) {
            case .success(let c): return .object(c)
            case .failure(let e): return .error(e)
            }
        },
        "isIP": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("isIP", args) }
            if case .success = CELIP.parse(s) { return .bool(true) }
            return .bool(false)
        },
        "isCIDR": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("isCIDR", args) }
            if case .success = CELCIDR.parse(s) { return .bool(true) }
            return .bool(false)
        },
        "ip.isCanonical": { args in
            guard args.count == 1, case .string(let s) = args[0] else { return CELError.noOverload("ip.isCanonical", args) }
            switch CELIP.parse(s) {
            case .success(let ip): return .bool(ip.description == s)
            case .failure(let e): return .error(e)
            }
        },
    ]

    static let members: [String: BuiltinFn] = [
        "family": ipMember("family") { .int(Int64($0.family)) },
        "isUnspecified": ipMember("isUnspecified") { .bool($0.isUnspecified) },
        "isLoopback": ipMember("isLoopback") { .bool($0.isLoopback) },
        "isGlobalUnicast": ipMember("isGlobalUnicast") { .bool($0.isGlobalUnicast) },
        "isLinkLocalMulticast": ipMember("isLinkLocalMulticast") { .bool($0.isLinkLocalMulticast) },
        "isLinkLocalUnicast": ipMember("isLinkLocalUnicast") { .bool($0.isLinkLocalUnicast) },
        "ip": cidrMember("ip") { .object($0.ip) },
        "masked": cidrMember("masked") { .object($0.masked) },
        "prefixLength": cidrMember("prefixLength") { .int(Int64($0.prefixLength)) },
        "containsIP": { args in
            guard args.count == 2, case .object(let c as CELCIDR) = args[0], let r = ipArg(args[1]) else {
                return CELError.noOverload("containsIP", args)
            }
            switch r {
            case .success(let ip): return .bool(c.contains(ip))
            case .failure(let e): return .error(e)
            }
        },
        "containsCIDR": { args in
            guard args.count == 2, case .object(let c as CELCIDR) = args[0], let r = cidrArg(args[1]) else {
                return CELError.noOverload("containsCIDR", args)
            }
            switch r {
            case .success(let other): return .bool(c.contains(other))
            case .failure(let e): return .error(e)
            }
        },
    ]
}
