import KubeModel

/// A range of addresses outside the cluster model, as np-guard prints it.
public struct ExternalRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Bounds: Sendable, Hashable {
        case v4(ClosedRange<UInt32>)
        case v6(ClosedRange<UInt128>)
    }

    public var bounds: Bounds

    public var description: String {
        switch bounds {
        case .v4(let range): return "\(IPAddress.formatV4(range.lowerBound))-\(IPAddress.formatV4(range.upperBound))[External]"
        case .v6(let range): return "\(IPAddress.formatV6(range.lowerBound))-\(IPAddress.formatV6(range.upperBound))[External]"
        }
    }

    public static func < (lhs: ExternalRange, rhs: ExternalRange) -> Bool {
        switch (lhs.bounds, rhs.bounds) {
        case (.v4(let a), .v4(let b)): return a.lowerBound < b.lowerBound
        case (.v6(let a), .v6(let b)): return a.lowerBound < b.lowerBound
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }

    func inside(_ block: IPBlock) -> Bool {
        switch bounds {
        case .v4(let range): return block.v4.contains(range)
        case .v6(let range): return block.v6.contains(range)
        }
    }

    /// The disjoint ranges that the given blocks induce over the whole address space of each
    /// family (IPv6 only when some block is IPv6).
    static func partition(_ blocks: [IPBlock]) -> [ExternalRange] {
        var cuts4: Set<UInt64> = [0, UInt64(UInt32.max) + 1]
        var cuts6: Set<UInt128> = []
        var anyV6 = false
        for block in blocks {
            for range in block.v4.ranges {
                cuts4.insert(UInt64(range.lowerBound))
                cuts4.insert(UInt64(range.upperBound) + 1)
            }
            for range in block.v6.ranges {
                anyV6 = true
                cuts6.insert(range.lowerBound)
                if range.upperBound < UInt128.max { cuts6.insert(range.upperBound + 1) }
            }
        }
        var result: [ExternalRange] = []
        let sorted4 = cuts4.sorted()
        for (start, end) in zip(sorted4, sorted4.dropFirst()) {
            result.append(ExternalRange(bounds: .v4(UInt32(start)...UInt32(end - 1))))
        }
        if anyV6 {
            cuts6.insert(0)
            let sorted6 = cuts6.sorted()
            for (index, start) in sorted6.enumerated() {
                let end = index + 1 < sorted6.count ? sorted6[index + 1] - 1 : UInt128.max
                result.append(ExternalRange(bounds: .v6(start...end)))
            }
        }
        return result
    }
}

/// What is on one side of a connection.
public enum NetworkPeer: Sendable, Hashable, CustomStringConvertible {
    case endpoint(Endpoint)
    case external(ExternalRange)

    public var description: String {
        switch self {
        case .endpoint(let endpoint): return endpoint.description
        case .external(let range): return range.description
        }
    }
}

/// An allowed connection between two peers.
public struct Connection: Sendable, Hashable {
    public var source: NetworkPeer
    public var destination: NetworkPeer
    public var connections: ConnectionSet

    public init(source: NetworkPeer, destination: NetworkPeer, connections: ConnectionSet) {
        self.source = source
        self.destination = destination
        self.connections = connections
    }

    /// np-guard's connlist line.
    public var line: String { "\(source) => \(destination) : \(connections)" }
}

/// Which policy rules decide a connection, for `explain`.
public struct Decision: Sendable {
    public var connections: ConnectionSet
    /// Policies that select the source for egress (empty: not isolated, everything allowed).
    public var egressPolicies: [String]
    /// The egress rules that allow something, as `namespace/policy egress[i]`.
    public var egressRules: [String]
    public var ingressPolicies: [String]
    public var ingressRules: [String]
}

/// Computes allowed connections with Kubernetes NetworkPolicy semantics.
///
/// Pods with the same namespace, labels and ports behave the same, so they are numbered into
/// classes once; which policies select a class, which rule peers match a class, and what a rule's
/// ports mean toward a class are each worked out once, and a pair of classes is answered once
/// and shared by every pair of workloads in them.
public final class Reachability {
    public let topology: Topology
    let ingressRanges: [ExternalRange]
    let egressRanges: [ExternalRange]

    struct ShapeKey: Hashable {
        var namespace: String
        var shape: PodShape
    }

    /// The distinct pod classes and, per endpoint, the classes of its pods.
    private var classes: [ShapeKey] = []
    private var endpointClasses: [[Int]] = []
    /// Per class, the policies (indices) that isolate it for ingress and for egress.
    private var ingressPolicies: [[Int]] = []
    private var egressPolicies: [[Int]] = []
    /// Rule → for every class, whether one of its peers matches it (built on first use).
    private var peerMatches: [RuleID: [Bool]] = [:]
    /// (rule, destination class) → the connections its ports allow.
    private var portsMemo: [Int: ConnectionSet] = [:]
    /// source class × destination class → allowed connections.
    private var pairMemo: [ConnectionSet?]

    struct RuleID: Hashable {
        var policy: Int
        var egress: Bool
        var rule: Int
    }

    public init(topology: Topology) {
        self.topology = topology
        ingressRanges = ExternalRange.partition(topology.policies.flatMap { $0.ingress.flatMap { ($0.peers ?? []).compactMap(\.ipBlock) } })
        egressRanges = ExternalRange.partition(topology.policies.flatMap { $0.egress.flatMap { ($0.peers ?? []).compactMap(\.ipBlock) } })
        var index: [ShapeKey: Int] = [:]
        for endpoint in topology.endpoints {
            var ids: [Int] = []
            for shape in endpoint.pods {
                let key = ShapeKey(namespace: endpoint.namespace, shape: shape)
                if let known = index[key] {
                    ids.append(known)
                } else {
                    index[key] = classes.count
                    ids.append(classes.count)
                    classes.append(key)
                }
            }
            endpointClasses.append(ids)
        }
        pairMemo = Array(repeating: nil, count: classes.count * classes.count)
        for key in classes {
            var ingress: [Int] = []
            var egress: [Int] = []
            for (number, policy) in topology.policies.enumerated() where selects(policy, key.namespace, key.shape) {
                if policy.affectsIngress { ingress.append(number) }
                if policy.affectsEgress { egress.append(number) }
            }
            ingressPolicies.append(ingress)
            egressPolicies.append(egress)
        }
    }

    private func classOf(_ namespace: String, _ shape: PodShape) -> Int? {
        classes.firstIndex(of: ShapeKey(namespace: namespace, shape: shape))
    }

    /// Whether a rule's peers match a class (nil peers: everything).
    private func rule(_ id: RuleID, matches target: Int) -> Bool {
        let policy = topology.policies[id.policy]
        let rule = id.egress ? policy.egress[id.rule] : policy.ingress[id.rule]
        guard let peers = rule.peers else { return true }
        if let known = peerMatches[id] { return known[target] }
        let vector = classes.map { key in peers.contains { peerMatches($0, policyNamespace: policy.namespace, key.namespace, key.shape) } }
        peerMatches[id] = vector
        return vector[target]
    }

    private func ports(_ id: RuleID, toward destination: Int) -> ConnectionSet {
        let key = ((id.policy * 2 + (id.egress ? 1 : 0)) * 4096 + id.rule) * classes.count + destination
        if let known = portsMemo[key] { return known }
        let policy = topology.policies[id.policy]
        let rule = id.egress ? policy.egress[id.rule] : policy.ingress[id.rule]
        let result = Self.ports(rule.ports, destination: classes[destination].shape)
        portsMemo[key] = result
        return result
    }

    /// Allowed connections from one class to another: the source's egress AND the destination's
    /// ingress.
    func connections(class source: Int, _ destination: Int) -> ConnectionSet {
        let slot = source * classes.count + destination
        if let known = pairMemo[slot] { return known }
        var out = ConnectionSet.all
        if !egressPolicies[source].isEmpty {
            out = .none
            for number in egressPolicies[source] {
                for index in topology.policies[number].egress.indices {
                    let id = RuleID(policy: number, egress: true, rule: index)
                    if rule(id, matches: destination) { out = out.union(ports(id, toward: destination)) }
                }
            }
        }
        var result = out
        if !out.isEmpty && !ingressPolicies[destination].isEmpty {
            var inbound = ConnectionSet.none
            for number in ingressPolicies[destination] {
                for index in topology.policies[number].ingress.indices {
                    let id = RuleID(policy: number, egress: false, rule: index)
                    if rule(id, matches: source) { inbound = inbound.union(ports(id, toward: destination)) }
                }
            }
            result = out.intersection(inbound)
        }
        pairMemo[slot] = result
        return result
    }

    // MARK: matching

    func selects(_ policy: NetworkPolicy, _ namespace: String, _ shape: PodShape) -> Bool {
        policy.namespace == namespace && policy.podSelector.matches(shape.labels)
    }

    func peerMatches(_ peer: Peer, policyNamespace: String, _ namespace: String, _ shape: PodShape) -> Bool {
        if peer.ipBlock != nil { return false }
        let namespaceLabels = topology.namespaces[namespace] ?? ["kubernetes.io/metadata.name": namespace]
        if let namespaceSelector = peer.namespaceSelector {
            guard namespaceSelector.matches(namespaceLabels) else { return false }
        } else if namespace != policyNamespace {
            return false
        }
        return peer.podSelector?.matches(shape.labels) ?? true
    }

    /// The connections a rule's ports allow toward a destination pod (nil: an address outside
    /// the cluster, where named ports resolve to nothing).
    static func ports(_ specs: [PortSpec]?, destination: PodShape?) -> ConnectionSet {
        guard let specs else { return .all }
        var result = ConnectionSet.none
        for spec in specs {
            switch spec.port {
            case .any: result = result.union(.protocolAll(spec.proto))
            case .number(let port, let end): result = result.union(.ports(spec.proto, port...(end ?? port)))
            case .named(let name):
                for port in destination?.ports ?? [] where port.name == name && port.proto == spec.proto {
                    result = result.union(.ports(spec.proto, port.port...port.port))
                }
            }
        }
        return result
    }

    // MARK: directions

    /// What the source pod may send to the target, by its egress policies.
    func egress(from namespace: String, _ shape: PodShape, to target: (namespace: String, shape: PodShape)?, range: ExternalRange?) -> (
        ConnectionSet, [String], [String]
    ) {
        let selecting = topology.policies.filter { $0.affectsEgress && selects($0, namespace, shape) }
        guard !selecting.isEmpty else { return (.all, [], []) }
        var allowed = ConnectionSet.none
        var rules: [String] = []
        for policy in selecting {
            for rule in policy.egress where matches(rule, policy: policy, target: target, range: range) {
                let conns = Self.ports(rule.ports, destination: target?.shape)
                if !conns.isEmpty { rules.append("\(policy.displayName) egress[\(rule.index)]") }
                allowed = allowed.union(conns)
            }
        }
        return (allowed, selecting.map(\.displayName), rules)
    }

    /// What the destination pod accepts from the source, by its ingress policies.
    func ingress(to namespace: String, _ shape: PodShape, from source: (namespace: String, shape: PodShape)?, range: ExternalRange?) -> (
        ConnectionSet, [String], [String]
    ) {
        let selecting = topology.policies.filter { $0.affectsIngress && selects($0, namespace, shape) }
        guard !selecting.isEmpty else { return (.all, [], []) }
        var allowed = ConnectionSet.none
        var rules: [String] = []
        for policy in selecting {
            for rule in policy.ingress where matches(rule, policy: policy, target: source, range: range) {
                let conns = Self.ports(rule.ports, destination: shape)
                if !conns.isEmpty { rules.append("\(policy.displayName) ingress[\(rule.index)]") }
                allowed = allowed.union(conns)
            }
        }
        return (allowed, selecting.map(\.displayName), rules)
    }

    func matches(_ rule: PolicyRule, policy: NetworkPolicy, target: (namespace: String, shape: PodShape)?, range: ExternalRange?) -> Bool {
        guard let peers = rule.peers else { return true }
        if let target {
            return peers.contains { peerMatches($0, policyNamespace: policy.namespace, target.namespace, target.shape) }
        }
        guard let range else { return false }
        return peers.contains { peer in peer.ipBlock.map(range.inside) ?? false }
    }

    // MARK: answers

    /// Connections between two workloads: the union over their pods.
    public func connections(from source: Endpoint, to destination: Endpoint) -> ConnectionSet {
        guard let a = topology.endpoints.firstIndex(of: source), let b = topology.endpoints.firstIndex(of: destination) else { return .none }
        return connections(endpoint: a, b)
    }

    func connections(endpoint source: Int, _ destination: Int) -> ConnectionSet {
        var result = ConnectionSet.none
        for a in endpointClasses[source] {
            for b in endpointClasses[destination] {
                result = result.union(connections(class: a, b))
            }
        }
        return result
    }

    public func connections(from source: Endpoint, to range: ExternalRange) -> ConnectionSet {
        guard let index = topology.endpoints.firstIndex(of: source) else { return .none }
        return endpointClasses[index].reduce(ConnectionSet.none) { $0.union(connections(class: $1, to: range)) }
    }

    public func connections(from range: ExternalRange, to destination: Endpoint) -> ConnectionSet {
        guard let index = topology.endpoints.firstIndex(of: destination) else { return .none }
        return endpointClasses[index].reduce(ConnectionSet.none) { $0.union(connections(from: range, class: $1)) }
    }

    /// Whether a rule admits an address range: no peers (everything), or an ipBlock holding it.
    private static func admits(_ rule: PolicyRule, _ range: ExternalRange) -> Bool {
        guard let peers = rule.peers else { return true }
        return peers.contains { peer in peer.ipBlock.map(range.inside) ?? false }
    }

    func connections(class source: Int, to range: ExternalRange) -> ConnectionSet {
        guard !egressPolicies[source].isEmpty else { return .all }
        var allowed = ConnectionSet.none
        for number in egressPolicies[source] {
            for rule in topology.policies[number].egress where Self.admits(rule, range) {
                // Named ports resolve against a destination pod; an address has none.
                allowed = allowed.union(Self.ports(rule.ports, destination: nil))
            }
        }
        return allowed
    }

    func connections(from range: ExternalRange, class destination: Int) -> ConnectionSet {
        guard !ingressPolicies[destination].isEmpty else { return .all }
        var allowed = ConnectionSet.none
        for number in ingressPolicies[destination] {
            for (index, rule) in topology.policies[number].ingress.enumerated() where Self.admits(rule, range) {
                allowed = allowed.union(ports(RuleID(policy: number, egress: false, rule: index), toward: destination))
            }
        }
        return allowed
    }

    /// Every allowed connection: workload to workload (no self-loops), external ranges to
    /// workloads and workloads to external ranges, sorted by line.
    public func allConnections(focus: ((Endpoint) -> Bool)? = nil) -> [Connection] {
        var result: [Connection] = []
        let endpoints = topology.endpoints
        for (a, source) in endpoints.enumerated() {
            for (b, destination) in endpoints.enumerated() where a != b {
                if let focus, !focus(source) && !focus(destination) { continue }
                let conns = connections(endpoint: a, b)
                if !conns.isEmpty { result.append(Connection(source: .endpoint(source), destination: .endpoint(destination), connections: conns)) }
            }
        }
        // Per class and range first: workloads of one class share the answer.
        var fromRange: [[ConnectionSet]] = Array(repeating: [], count: classes.count)
        var toRange: [[ConnectionSet]] = Array(repeating: [], count: classes.count)
        for (index, endpoint) in endpoints.enumerated() {
            if let focus, !focus(endpoint) { continue }
            for id in endpointClasses[index] where fromRange[id].isEmpty {
                fromRange[id] = ingressRanges.map { connections(from: $0, class: id) }
                toRange[id] = egressRanges.map { connections(class: id, to: $0) }
            }
            for (number, range) in ingressRanges.enumerated() {
                let conns = endpointClasses[index].reduce(ConnectionSet.none) { $0.union(fromRange[$1][number]) }
                if !conns.isEmpty { result.append(Connection(source: .external(range), destination: .endpoint(endpoint), connections: conns)) }
            }
            for (number, range) in egressRanges.enumerated() {
                let conns = endpointClasses[index].reduce(ConnectionSet.none) { $0.union(toRange[$1][number]) }
                if !conns.isEmpty { result.append(Connection(source: .endpoint(endpoint), destination: .external(range), connections: conns)) }
            }
        }
        return result.map { ($0.line, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Why a connection between two workloads is (not) allowed.
    public func explain(from source: Endpoint, to destination: Endpoint) -> Decision {
        var decision = Decision(
            connections: connections(from: source, to: destination), egressPolicies: [], egressRules: [], ingressPolicies: [], ingressRules: [])
        for a in source.pods {
            for b in destination.pods {
                let out = egress(from: source.namespace, a, to: (destination.namespace, b), range: nil)
                let inbound = ingress(to: destination.namespace, b, from: (source.namespace, a), range: nil)
                decision.egressPolicies += out.1.filter { !decision.egressPolicies.contains($0) }
                decision.egressRules += out.2.filter { !decision.egressRules.contains($0) }
                decision.ingressPolicies += inbound.1.filter { !decision.ingressPolicies.contains($0) }
                decision.ingressRules += inbound.2.filter { !decision.ingressRules.contains($0) }
            }
        }
        return decision
    }
}
