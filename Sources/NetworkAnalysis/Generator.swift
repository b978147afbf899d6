import KubeModel

/// A connection someone wants to allow.
public struct RequestedConnection: Sendable, Hashable {
    public var source: NetworkPeer
    public var destination: NetworkPeer
    public var connections: ConnectionSet
}

/// Writes NetworkPolicies: default deny per namespace, and allow policies that admit exactly the
/// requested connections, selecting workloads by all the labels of their pods.
public enum PolicyGenerator {
    public struct Output: Sendable {
        public var yaml: String
        public var warnings: [String]
    }

    /// Parses np-guard connlist lines against the workloads of a topology.
    public static func parseConnlist(_ text: String, topology: Topology) -> (requests: [RequestedConnection], problems: [String]) {
        var byName: [String: Endpoint] = [:]
        for endpoint in topology.endpoints { byName[endpoint.description] = endpoint }
        var requests: [RequestedConnection] = []
        var problems: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let sides = line.split(separator: " => ", maxSplits: 1).map(String.init)
            guard sides.count == 2 else {
                problems.append("line \(index + 1): expected `src => dst : conns`")
                continue
            }
            let rest = sides[1].split(separator: " : ", maxSplits: 1).map(String.init)
            guard rest.count == 2, let conns = parseConnections(rest[1]) else {
                problems.append("line \(index + 1): expected `src => dst : conns` with conns like `TCP 80,UDP 53` or `All Connections`")
                continue
            }
            guard let source = peer(sides[0], byName), let destination = peer(rest[0], byName) else {
                problems.append("line \(index + 1): unknown workload or address range in \(line)")
                continue
            }
            requests.append(RequestedConnection(source: source, destination: destination, connections: conns))
        }
        return (requests, problems)
    }

    static func peer(_ text: String, _ byName: [String: Endpoint]) -> NetworkPeer? {
        if let endpoint = byName[text] { return .endpoint(endpoint) }
        guard text.hasSuffix("[External]") else { return nil }
        let bounds = text.dropLast("[External]".count).split(separator: "-", maxSplits: 1).map(String.init)
        guard bounds.count == 2 else { return nil }
        if let low = IPAddress.parseV4(bounds[0]), let high = IPAddress.parseV4(bounds[1]), low <= high {
            return .external(ExternalRange(bounds: .v4(low...high)))
        }
        if let low = IPAddress.parseV6(bounds[0]), let high = IPAddress.parseV6(bounds[1]), low <= high {
            return .external(ExternalRange(bounds: .v6(low...high)))
        }
        return nil
    }

    /// `All Connections`, or `TCP 80,8080-8090,UDP 53`.
    public static func parseConnections(_ text: String) -> ConnectionSet? {
        if text == "All Connections" { return .all }
        var result = ConnectionSet.none
        var current: TransportProtocol?
        for part in text.split(separator: ",") {
            var item = part.trimmingCharacters(in: " ")
            for proto in TransportProtocol.allCases where item.hasPrefix(proto.rawValue + " ") {
                current = proto
                item = String(item.dropFirst(proto.rawValue.count + 1))
            }
            guard let proto = current else { return nil }
            let bounds = item.split(separator: "-").compactMap { Int($0) }
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ (1...65535).contains($0) }), bounds.first ?? 0 <= bounds.last ?? 0 else { return nil }
            result = result.union(.ports(proto, bounds[0]...bounds[bounds.count - 1]))
        }
        return result.isEmpty ? nil : result
    }

    /// What Services imply: every workload may reach each Service's backends on its target ports.
    public static func fromServices(_ topology: Topology) -> [RequestedConnection] {
        var requests: [RequestedConnection] = []
        for service in topology.services {
            let selector = LabelSelector(matchLabels: service.selector)
            for backend in topology.endpoints where backend.namespace == service.namespace && backend.pods.contains(where: { selector.matches($0.labels) }) {
                var conns = ConnectionSet.none
                for (proto, port) in service.targets {
                    conns = conns.union(Reachability.ports([PortSpec(proto: proto, port: port)], destination: backend.pods.first))
                }
                guard !conns.isEmpty else { continue }
                for client in topology.endpoints where client != backend {
                    requests.append(RequestedConnection(source: .endpoint(client), destination: .endpoint(backend), connections: conns))
                }
            }
        }
        return requests
    }

    public static func generate(_ topology: Topology, requests: [RequestedConnection], allowDNS: Bool) -> Output {
        var documents: [String] = []
        var warnings: [String] = []
        let namespaces = Set(topology.endpoints.map(\.namespace)).sorted()
        for namespace in namespaces {
            documents.append(
                """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: default-deny
                  namespace: \(namespace)
                spec:
                  podSelector: {}
                  policyTypes: [Ingress, Egress]
                """)
            if allowDNS {
                documents.append(
                    """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata:
                      name: allow-dns-egress
                      namespace: \(namespace)
                    spec:
                      podSelector: {}
                      policyTypes: [Egress]
                      egress:
                      - to:
                        - namespaceSelector:
                            matchLabels: {kubernetes.io/metadata.name: kube-system}
                        ports:
                        - {protocol: UDP, port: 53}
                        - {protocol: TCP, port: 53}
                    """)
            }
        }
        // Workloads that policies cannot tell apart get what each of them is allowed.
        var seenSelectors: [String: Endpoint] = [:]
        for endpoint in topology.endpoints {
            let key = "\(endpoint.namespace)|\(labelsText(endpoint.labels))"
            if let other = seenSelectors[key] {
                warnings.append("\(endpoint) and \(other) have the same labels; policies cannot tell them apart, so each gets the other's connections")
            }
            seenSelectors[key] = endpoint
            if endpoint.labels.isEmpty {
                warnings.append("\(endpoint) has no labels; its policies select every pod of namespace \(endpoint.namespace)")
            }
        }
        let destinations = Dictionary(grouping: requests.filter { if case .endpoint = $0.destination { return true } else { return false } }) { $0.destination }
        for (destination, incoming) in destinations.sorted(by: { $0.key.description < $1.key.description }) {
            guard case .endpoint(let endpoint) = destination else { continue }
            let rules = incoming.sorted { $0.source.description < $1.source.description }.map { rule(peer: $0.source, conns: $0.connections, key: "from") }
            documents.append(policy(name: "allow-ingress-\(endpoint.name)", endpoint: endpoint, type: "Ingress", section: "ingress", rules: rules))
        }
        let sources = Dictionary(grouping: requests.filter { if case .endpoint = $0.source { return true } else { return false } }) { $0.source }
        for (source, outgoing) in sources.sorted(by: { $0.key.description < $1.key.description }) {
            guard case .endpoint(let endpoint) = source else { continue }
            let rules = outgoing.sorted { $0.destination.description < $1.destination.description }.map {
                rule(peer: $0.destination, conns: $0.connections, key: "to")
            }
            documents.append(policy(name: "allow-egress-\(endpoint.name)", endpoint: endpoint, type: "Egress", section: "egress", rules: rules))
        }
        return Output(yaml: documents.map { "---\n" + $0 + "\n" }.joined(), warnings: warnings)
    }

    static func policy(name: String, endpoint: Endpoint, type: String, section: String, rules: [String]) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: \(kubeName(name))
          namespace: \(endpoint.namespace)
        spec:
          podSelector:
            matchLabels: \(labelsText(endpoint.labels))
          policyTypes: [\(type)]
          \(section):
        \(rules.joined(separator: "\n"))
        """
    }

    static func rule(peer: NetworkPeer, conns: ConnectionSet, key: String) -> String {
        var lines: [String] = []
        switch peer {
        case .endpoint(let endpoint):
            lines.append("  - \(key):")
            lines.append("    - namespaceSelector:")
            lines.append("        matchLabels: {kubernetes.io/metadata.name: \(quote(endpoint.namespace))}")
            lines.append("      podSelector:")
            lines.append("        matchLabels: \(labelsText(endpoint.labels))")
        case .external(let range):
            lines.append("  - \(key):")
            for cidr in cidrs(range) { lines.append("    - ipBlock: {cidr: \(cidr)}") }
        }
        if !conns.isAll {
            lines.append("    ports:")
            for proto in TransportProtocol.allCases {
                for range in conns.ports[proto]?.ranges ?? [] {
                    if range.lowerBound == range.upperBound {
                        lines.append("    - {protocol: \(proto.rawValue), port: \(range.lowerBound)}")
                    } else {
                        lines.append("    - {protocol: \(proto.rawValue), port: \(range.lowerBound), endPort: \(range.upperBound)}")
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The fewest CIDRs that cover exactly a range.
    static func cidrs(_ range: ExternalRange) -> [String] {
        switch range.bounds {
        case .v4(let bounds):
            var result: [String] = []
            var start = UInt64(bounds.lowerBound)
            let end = UInt64(bounds.upperBound)
            while start <= end {
                var size: UInt64 = 1
                while start % (size * 2) == 0 && start + size * 2 - 1 <= end && size * 2 <= (UInt64(1) << 32) { size *= 2 }
                let bits = 32 - size.trailingZeroBitCount
                result.append("\(IPAddress.formatV4(UInt32(start)))/\(bits)")
                start += size
            }
            return result
        case .v6(let bounds):
            var result: [String] = []
            var start = bounds.lowerBound
            while true {
                var bits = 128
                while bits > 0 {
                    let size = UInt128(1) << UInt128(128 - (bits - 1))
                    guard start % size == 0, start.addingReportingOverflow(size - 1).partialValue <= bounds.upperBound,
                        !start.addingReportingOverflow(size - 1).overflow
                    else { break }
                    bits -= 1
                }
                result.append("\(IPAddress.formatV6(start))/\(bits)")
                let size = bits == 0 ? UInt128.max : UInt128(1) << UInt128(128 - bits)
                let last = start.addingReportingOverflow(size - 1)
                if last.overflow || last.partialValue >= bounds.upperBound { break }
                start = last.partialValue + 1
            }
            return result
        }
    }

    static func labelsText(_ labels: [String: String]) -> String {
        "{" + labels.keys.sorted().map { "\(quote($0)): \(quote(labels[$0] ?? ""))" }.joined(separator: ", ") + "}"
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"") + "\""
    }

    static func kubeName(_ text: String) -> String {
        var name = String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "-" })
        if name.count > 63 { name = String(name.prefix(63)) }
        while name.hasSuffix("-") || name.hasSuffix(".") { name.removeLast() }
        return name
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
