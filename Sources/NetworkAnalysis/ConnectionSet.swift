/// The transport protocols NetworkPolicy knows, in the order connections are printed (np-guard
/// sorts the protocol names as strings).
public enum TransportProtocol: String, Sendable, CaseIterable, Hashable, Comparable {
    case sctp = "SCTP"
    case tcp = "TCP"
    case udp = "UDP"

    public static func < (lhs: TransportProtocol, rhs: TransportProtocol) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// Allowed connections: per protocol, a set of ports.
public struct ConnectionSet: Sendable, Hashable, CustomStringConvertible {
    public static let portRange: ClosedRange<Int> = 1...65535

    public private(set) var ports: [TransportProtocol: IntervalSet<Int>] = [:]

    public init() {}

    public static let none = ConnectionSet()
    public static var all: ConnectionSet {
        var set = ConnectionSet()
        for proto in TransportProtocol.allCases { set.ports[proto] = IntervalSet([portRange]) }
        return set
    }

    public static func ports(_ proto: TransportProtocol, _ range: ClosedRange<Int>) -> ConnectionSet {
        var set = ConnectionSet()
        set.ports[proto] = IntervalSet([range])
        return set
    }

    public static func protocolAll(_ proto: TransportProtocol) -> ConnectionSet { ports(proto, portRange) }

    public var isEmpty: Bool { ports.values.allSatisfy(\.isEmpty) }
    public var isAll: Bool { TransportProtocol.allCases.allSatisfy { ports[$0]?.ranges == [Self.portRange] } }

    public func union(_ other: ConnectionSet) -> ConnectionSet {
        var result = self
        for (proto, set) in other.ports { result.ports[proto] = (result.ports[proto] ?? IntervalSet()).union(set) }
        return result
    }

    public func intersection(_ other: ConnectionSet) -> ConnectionSet {
        var result = ConnectionSet()
        for (proto, set) in ports {
            guard let theirs = other.ports[proto] else { continue }
            let both = set.intersection(theirs)
            if !both.isEmpty { result.ports[proto] = both }
        }
        return result
    }

    /// np-guard's text: `All Connections`, `No Connections`, or per protocol (SCTP, TCP, UDP) its
    /// port ranges, e.g. `TCP 80,8080-8090,UDP 53`.
    public var description: String {
        if isAll { return "All Connections" }
        if isEmpty { return "No Connections" }
        var parts: [String] = []
        for proto in TransportProtocol.allCases {
            guard let set = ports[proto], !set.isEmpty else { continue }
            let ranges = set.ranges.map { $0.lowerBound == $0.upperBound ? String($0.lowerBound) : "\($0.lowerBound)-\($0.upperBound)" }
            parts.append("\(proto.rawValue) " + ranges.joined(separator: ","))
        }
        return parts.joined(separator: ",")
    }
}
