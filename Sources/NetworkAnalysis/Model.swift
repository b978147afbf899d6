import KubeModel

/// A port a container listens on.
public struct ContainerPort: Sendable, Hashable {
    public var name: String
    public var port: Int
    public var proto: TransportProtocol
}

/// One pod (or a workload's pod template): its labels and container ports.
public struct PodShape: Sendable, Hashable {
    public var labels: [String: String]
    public var ports: [ContainerPort]
}

/// One workload as np-guard shows it: `namespace/name[Kind]`, with the shapes of its pods (pods of
/// one owner usually share a shape; when they do not, the workload's connections are the union
/// of its pods').
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var kind: String
    public var pods: [PodShape]
    public var source: String

    /// The labels of the first pod (most workloads have one shape).
    public var labels: [String: String] { pods.first?.labels ?? [:] }

    public var description: String { "\(namespace)/\(name)[\(kind)]" }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { lhs.description < rhs.description }

    public static func == (lhs: Endpoint, rhs: Endpoint) -> Bool {
        lhs.namespace == rhs.namespace && lhs.name == rhs.name && lhs.kind == rhs.kind
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(name)
        hasher.combine(kind)
    }
}

/// A CIDR with exceptions.
public struct IPBlock: Sendable, Hashable {
    public var v4: IntervalSet<UInt32>
    public var v6: IntervalSet<UInt128>
}

/// A peer of a rule.
public struct Peer: Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
}

/// A port of a rule: all ports, a number or range, or a container port's name.
public struct PortSpec: Sendable, Hashable {
    public enum Port: Sendable, Hashable {
        case any
        case number(Int, end: Int?)
        case named(String)
    }

    public var proto: TransportProtocol
    public var port: Port
}

/// One ingress or egress rule; nil peers or ports mean all.
public struct PolicyRule: Sendable, Hashable {
    public var peers: [Peer]?
    public var ports: [PortSpec]?
    public var index: Int
    public var line: Int
}

/// A NetworkPolicy.
public struct NetworkPolicy: Sendable {
    public var name: String
    public var namespace: String
    public var podSelector: LabelSelector
    public var affectsIngress: Bool
    public var affectsEgress: Bool
    public var ingress: [PolicyRule]
    public var egress: [PolicyRule]
    public var file: String
    public var line: Int

    public var displayName: String { "\(namespace)/\(name)" }
}

/// Something wrong in the input, with where.
public struct NetworkProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}
