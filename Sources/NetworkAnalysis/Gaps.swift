import KubeModel

/// A weakness in a set of NetworkPolicies, with where it is.
public struct NetworkGap: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case missingDefaultDenyIngress, missingDefaultDenyEgress, unselectedWorkload, policySelectsNothing, unresolvedNamedPort, redundantRule
    }

    public var kind: Kind
    public var namespace: String
    /// The policy or workload concerned (empty for a namespace).
    public var subject: String
    public var message: String
    public var file: String
    public var line: Int
}

/// Finds what the guide warns about: namespaces without default deny, workloads no policy covers,
/// policies that cover nothing, named ports that match no container, rules another rule makes
/// redundant.
public enum GapAnalysis {
    public static func gaps(in topology: Topology) -> [NetworkGap] {
        var gaps: [NetworkGap] = []
        let reach = Reachability(topology: topology)
        let namespacesWithWorkloads = Set(topology.endpoints.map(\.namespace))
        for namespace in Set(topology.namespaces.keys).union(namespacesWithWorkloads).sorted() {
            let policies = topology.policies.filter { $0.namespace == namespace }
            let everything = { (policy: NetworkPolicy) in policy.podSelector.matchLabels.isEmpty && policy.podSelector.matchExpressions.isEmpty }
            if !policies.contains(where: { everything($0) && $0.affectsIngress }) {
                gaps.append(
                    NetworkGap(
                        kind: .missingDefaultDenyIngress, namespace: namespace, subject: "",
                        message: "namespace \(namespace) has no default-deny ingress policy (podSelector: {} with policyType Ingress)",
                        file: "", line: 0))
            }
            if !policies.contains(where: { everything($0) && $0.affectsEgress }) {
                gaps.append(
                    NetworkGap(
                        kind: .missingDefaultDenyEgress, namespace: namespace, subject: "",
                        message: "namespace \(namespace) has no default-deny egress policy (podSelector: {} with policyType Egress)",
                        file: "", line: 0))
            }
            let workloads = topology.endpoints.filter { $0.namespace == namespace }
            if !policies.isEmpty {
                for workload in workloads where !policies.contains(where: { policy in workload.pods.contains { reach.selects(policy, namespace, $0) } }) {
                    let location = split(workload.source)
                    gaps.append(
                        NetworkGap(
                            kind: .unselectedWorkload, namespace: namespace, subject: workload.description,
                            message: "workload \(workload) is selected by no NetworkPolicy, so nothing limits its traffic", file: location.0, line: location.1))
                }
            }
            for policy in policies {
                if !workloads.isEmpty, !workloads.contains(where: { workload in workload.pods.contains { reach.selects(policy, namespace, $0) } }) {
                    gaps.append(
                        NetworkGap(
                            kind: .policySelectsNothing, namespace: namespace, subject: policy.displayName,
                            message: "networkpolicy \(policy.displayName) selects no workload of its namespace", file: policy.file, line: policy.line))
                }
                gaps += namedPortGaps(policy, topology: topology, reach: reach)
                gaps += redundantRules(policy)
            }
        }
        return gaps
    }

    static func split(_ source: String) -> (String, Int) {
        guard let colon = source.lastIndex(of: ":"), let line = Int(source[source.index(after: colon)...]) else { return (source, 0) }
        return (String(source[..<colon]), line)
    }

    /// Named ports resolve against the destination's containers: the policy's own pods for
    /// ingress, the peers for egress. A name no such container has allows nothing.
    static func namedPortGaps(_ policy: NetworkPolicy, topology: Topology, reach: Reachability) -> [NetworkGap] {
        var gaps: [NetworkGap] = []
        let hasNamedPort = { (rule: PolicyRule) in
            (rule.ports ?? []).contains { if case .named = $0.port { return true } else { return false } }
        }
        guard policy.ingress.contains(where: hasNamedPort) || policy.egress.contains(where: hasNamedPort) else { return [] }
        let selected = topology.endpoints.flatMap { endpoint in endpoint.pods.filter { reach.selects(policy, endpoint.namespace, $0) } }
        for rule in policy.ingress {
            for spec in rule.ports ?? [] {
                guard case .named(let name) = spec.port, !selected.isEmpty else { continue }
                if !selected.contains(where: { $0.ports.contains { $0.name == name && $0.proto == spec.proto } }) {
                    gaps.append(
                        NetworkGap(
                            kind: .unresolvedNamedPort, namespace: policy.namespace, subject: policy.displayName,
                            message:
                                "networkpolicy \(policy.displayName) ingress[\(rule.index)] names port \"\(name)\"/\(spec.proto.rawValue), which no selected container has",
                            file: policy.file, line: rule.line))
                }
            }
        }
        for rule in policy.egress where hasNamedPort(rule) {
            let peers = topology.endpoints.flatMap { endpoint in
                endpoint.pods.filter { shape in
                    rule.peers.map { peers in peers.contains { reach.peerMatches($0, policyNamespace: policy.namespace, endpoint.namespace, shape) } } ?? true
                }
            }
            for spec in rule.ports ?? [] {
                guard case .named(let name) = spec.port, !peers.isEmpty else { continue }
                if !peers.contains(where: { $0.ports.contains { $0.name == name && $0.proto == spec.proto } }) {
                    gaps.append(
                        NetworkGap(
                            kind: .unresolvedNamedPort, namespace: policy.namespace, subject: policy.displayName,
                            message:
                                "networkpolicy \(policy.displayName) egress[\(rule.index)] names port \"\(name)\"/\(spec.proto.rawValue), which no destination container has",
                            file: policy.file, line: rule.line))
                }
            }
        }
        return gaps
    }

    /// A rule is redundant when another rule of the same policy allows at least the same peers
    /// (all peers, or a superset of its peers) on at least the same ports (all, or a superset).
    static func redundantRules(_ policy: NetworkPolicy) -> [NetworkGap] {
        var gaps: [NetworkGap] = []
        for (direction, rules) in [("ingress", policy.ingress), ("egress", policy.egress)] {
            for rule in rules {
                guard
                    let cover = rules.first(where: { other in
                        other.index != rule.index && covers(other.peers, rule.peers) && covers(other.ports, rule.ports)
                            && !(other.peers == rule.peers && other.ports == rule.ports && other.index > rule.index)
                    })
                else { continue }
                gaps.append(
                    NetworkGap(
                        kind: .redundantRule, namespace: policy.namespace, subject: policy.displayName,
                        message: "networkpolicy \(policy.displayName) \(direction)[\(rule.index)] adds nothing to \(direction)[\(cover.index)]",
                        file: policy.file, line: rule.line))
            }
        }
        return gaps
    }

    static func covers<T: Hashable>(_ wide: [T]?, _ narrow: [T]?) -> Bool {
        guard let wide else { return true }
        guard let narrow else { return false }
        return Set(narrow).isSubset(of: Set(wide))
    }
}
