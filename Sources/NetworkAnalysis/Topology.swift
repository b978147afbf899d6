import KubeModel

/// Everything reachability needs, read from manifests: namespaces with their labels, workloads
/// (pods grouped by owner, workload templates), and NetworkPolicies, plus what was wrong.
public struct Topology: Sendable {
    public private(set) var namespaces: [String: [String: String]] = [:]
    public private(set) var endpoints: [Endpoint] = []
    public private(set) var policies: [NetworkPolicy] = []
    public private(set) var problems: [NetworkProblem] = []
    public private(set) var services: [Service] = []

    /// A Service: which pods it fronts and on which ports.
    public struct Service: Sendable {
        public var namespace: String
        public var name: String
        public var selector: [String: String]
        /// (protocol, target port number or name).
        public var targets: [(proto: TransportProtocol, port: PortSpec.Port)]
    }

    static let templateKinds: [String: String] = [
        "apps/Deployment": "spec.template", "apps/StatefulSet": "spec.template", "apps/DaemonSet": "spec.template",
        "apps/ReplicaSet": "spec.template", "ReplicationController": "spec.template", "batch/Job": "spec.template",
        "batch/CronJob": "spec.jobTemplate.spec.template",
    ]

    /// The same topology with other policies (for checking generated ones).
    public func replacingPolicies(_ policies: [NetworkPolicy]) -> Topology {
        var copy = self
        copy.policies = policies
        return copy
    }

    public init(objects: [KubeObject]) {
        var endpointIndex: [String: Int] = [:]
        for object in objects {
            let key = WorkloadCatalog.key(group: object.group, kind: object.kind)
            switch key {
            case "Namespace":
                var labels = object.labels
                labels["kubernetes.io/metadata.name"] = object.name
                namespaces[object.name] = labels
            case "networking.k8s.io/NetworkPolicy":
                if let policy = parsePolicy(object) { policies.append(policy) }
            case "Pod":
                addPod(object, into: &endpointIndex)
            case "Service":
                let selector = KubeObject.stringMap(object.root["spec"]?["selector"])
                guard !selector.isEmpty else { continue }
                var targets: [(TransportProtocol, PortSpec.Port)] = []
                for port in object.root["spec"]?["ports"]?.items ?? [] {
                    let proto = TransportProtocol(rawValue: port["protocol"]?.scalarText ?? "TCP") ?? .tcp
                    if let target = port["targetPort"], let number = target.int {
                        targets.append((proto, .number(Int(number), end: nil)))
                    } else if let name = port["targetPort"]?.scalarText {
                        targets.append((proto, .named(name)))
                    } else if let number = port["port"]?.int {
                        targets.append((proto, .number(Int(number), end: nil)))
                    }
                }
                services.append(Service(namespace: Self.namespace(of: object), name: object.name, selector: selector, targets: targets))
            default:
                if let path = Self.templateKinds[key] {
                    addTemplate(object, path: path, into: &endpointIndex)
                }
            }
        }
        // Namespaces that objects live in but nobody defined get the automatic name label.
        for namespace in Set(endpoints.map(\.namespace) + policies.map(\.namespace)) where namespaces[namespace] == nil {
            namespaces[namespace] = ["kubernetes.io/metadata.name": namespace]
        }
        endpoints = endpoints.map { ($0.description, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func namespace(of object: KubeObject) -> String {
        object.namespace.isEmpty ? "default" : object.namespace
    }

    static func ports(of spec: Node?) -> [ContainerPort] {
        var ports: [ContainerPort] = []
        for container in (spec?["containers"]?.items ?? []) + (spec?["initContainers"]?.items ?? []) {
            for port in container["ports"]?.items ?? [] {
                guard let number = port["containerPort"]?.int else { continue }
                let proto = TransportProtocol(rawValue: port["protocol"]?.scalarText ?? "TCP") ?? .tcp
                ports.append(ContainerPort(name: port["name"]?.scalarText ?? "", port: Int(number), proto: proto))
            }
        }
        return ports
    }

    private mutating func add(_ endpoint: Endpoint, key: String, into index: inout [String: Int]) {
        if let existing = index[key] {
            for pod in endpoint.pods where !endpoints[existing].pods.contains(pod) {
                endpoints[existing].pods.append(pod)
            }
        } else {
            index[key] = endpoints.count
            endpoints.append(endpoint)
        }
    }

    /// A pod is shown as its controlling owner (the first owner reference with
    /// `controller: true`, not of kind Node); owner references without the flag do not count, and
    /// a pod without a controller, or whose controller has no kind, shows as a Pod.
    private mutating func addPod(_ object: KubeObject, into index: inout [String: Int]) {
        let namespace = Self.namespace(of: object)
        let owners = object.metadata?["ownerReferences"]?.items ?? []
        let owner = owners.first { $0["controller"]?.bool == true && $0["kind"]?.scalarText != "Node" }
        var name = object.name
        var kind = "Pod"
        if let owner {
            name = owner["name"]?.scalarText ?? name
            kind = owner["kind"]?.scalarText ?? "Pod"
            if kind.isEmpty { kind = "Pod" }
        }
        let shape = PodShape(labels: object.labels, ports: Self.ports(of: object.root["spec"]))
        add(
            Endpoint(namespace: namespace, name: name, kind: kind, pods: [shape], source: "\(object.file):\(object.line)"),
            key: "\(namespace)/\(kind)/\(name)", into: &index)
    }

    private mutating func addTemplate(_ object: KubeObject, path: String, into index: inout [String: Int]) {
        var template: Node? = object.root
        for component in path.split(separator: ".") { template = template?[String(component)] }
        let namespace = Self.namespace(of: object)
        let shape = PodShape(labels: KubeObject.stringMap(template?["metadata"]?["labels"]), ports: Self.ports(of: template?["spec"]))
        add(
            Endpoint(namespace: namespace, name: object.name, kind: object.kind, pods: [shape], source: "\(object.file):\(object.line)"),
            key: "\(namespace)/\(object.kind)/\(object.name)", into: &index)
    }

    // MARK: policies

    private mutating func parsePolicy(_ object: KubeObject) -> NetworkPolicy? {
        let spec = object.root["spec"]
        let name = object.name
        let namespace = Self.namespace(of: object)
        var errors: [NetworkProblem] = []
        func fail(_ node: Node?, _ field: String, _ message: String) {
            errors.append(
                NetworkProblem(file: object.file, line: node?.line ?? object.line, message: "networkpolicy \(namespace)/\(name) \(field): \(message)"))
        }
        func selector(_ node: Node?, _ field: String) -> LabelSelector? {
            guard let node, !node.isNull else { return nil }
            guard let parsed = LabelSelector.parse(node) else {
                fail(node, field, "must be a label selector")
                return nil
            }
            for problem in parsed.problems { fail(node, field, problem) }
            return parsed
        }
        let podSelector = selector(spec?["podSelector"], "spec.podSelector") ?? LabelSelector()
        let types = (spec?["policyTypes"]?.items ?? []).compactMap(\.scalarText)
        for type in types where type != "Ingress" && type != "Egress" {
            fail(spec?["policyTypes"], "spec.policyTypes", "unknown policy type \"\(type)\"")
        }
        let egressRules = spec?["egress"]?.items ?? []
        let affectsIngress = types.isEmpty ? true : types.contains("Ingress")
        let affectsEgress = types.isEmpty ? !egressRules.isEmpty : types.contains("Egress")

        func rules(_ key: String, _ peersKey: String) -> [PolicyRule] {
            (spec?[key]?.items ?? []).enumerated().map { index, node in
                let field = "spec.\(key)[\(index)]"
                var peers: [Peer]?
                if let list = node[peersKey]?.sequence, !list.isEmpty {
                    peers = list.enumerated().compactMap { peerIndex, peerNode in
                        parsePeer(peerNode, "\(field).\(peersKey)[\(peerIndex)]", fail: fail, selector: selector)
                    }
                }
                var ports: [PortSpec]?
                if let list = node["ports"]?.sequence, !list.isEmpty {
                    ports = list.enumerated().compactMap { portIndex, portNode in
                        parsePort(portNode, "\(field).ports[\(portIndex)]", fail: fail)
                    }
                }
                return PolicyRule(peers: peers, ports: ports, index: index, line: node.line)
            }
        }
        let policy = NetworkPolicy(
            name: name, namespace: namespace, podSelector: podSelector, affectsIngress: affectsIngress, affectsEgress: affectsEgress,
            ingress: rules("ingress", "from"), egress: rules("egress", "to"), file: object.file, line: object.line)
        guard errors.isEmpty else {
            // The API server would refuse the whole policy; so does the analysis, and says why.
            problems += errors
            return nil
        }
        return policy
    }

    private func parsePeer(
        _ node: Node, _ field: String, fail: (Node?, String, String) -> Void, selector: (Node?, String) -> LabelSelector?
    ) -> Peer? {
        var peer = Peer()
        peer.podSelector = selector(node["podSelector"], "\(field).podSelector")
        peer.namespaceSelector = selector(node["namespaceSelector"], "\(field).namespaceSelector")
        if let block = node["ipBlock"] {
            guard peer.podSelector == nil, peer.namespaceSelector == nil else {
                fail(block, field, "ipBlock cannot be combined with podSelector or namespaceSelector")
                return nil
            }
            let cidr = block["cidr"]?.scalarText ?? ""
            var v4 = IntervalSet<UInt32>()
            var v6 = IntervalSet<UInt128>()
            if let range = IPAddress.parseV4CIDR(cidr) {
                v4.insert(range)
            } else if let range = IPAddress.parseV6CIDR(cidr) {
                v6.insert(range)
            } else {
                fail(block["cidr"] ?? block, "\(field).ipBlock.cidr", "\"\(cidr)\" is not a valid CIDR")
                return nil
            }
            for (index, exceptNode) in (block["except"]?.items ?? []).enumerated() {
                let text = exceptNode.scalarText ?? ""
                if let range = IPAddress.parseV4CIDR(text), !v4.isEmpty, v4.contains(range) {
                    v4 = v4.subtracting(IntervalSet([range]))
                } else if let range = IPAddress.parseV6CIDR(text), !v6.isEmpty, v6.contains(range) {
                    v6 = v6.subtracting(IntervalSet([range]))
                } else {
                    fail(exceptNode, "\(field).ipBlock.except[\(index)]", "\"\(text)\" is not a valid CIDR inside \(cidr)")
                    return nil
                }
            }
            peer.ipBlock = IPBlock(v4: v4, v6: v6)
        } else if peer.podSelector == nil && peer.namespaceSelector == nil {
            fail(node, field, "a peer needs podSelector, namespaceSelector or ipBlock")
            return nil
        }
        return peer
    }

    private func parsePort(_ node: Node, _ field: String, fail: (Node?, String, String) -> Void) -> PortSpec? {
        let protoText = node["protocol"]?.scalarText ?? "TCP"
        guard let proto = TransportProtocol(rawValue: protoText) else {
            fail(node["protocol"], "\(field).protocol", "unknown protocol \"\(protoText)\" (expected TCP, UDP or SCTP)")
            return nil
        }
        let end = node["endPort"]?.int.map(Int.init)
        guard let portNode = node["port"], !portNode.isNull else {
            if end != nil { fail(node["endPort"], "\(field).endPort", "endPort needs a numeric port"); return nil }
            return PortSpec(proto: proto, port: .any)
        }
        if let number = portNode.int {
            guard (1...65535).contains(number) else {
                fail(portNode, "\(field).port", "port \(number) is outside 1-65535")
                return nil
            }
            if let end {
                guard end >= number, end <= 65535 else {
                    fail(node["endPort"], "\(field).endPort", "endPort \(end) must be at least port \(number) and at most 65535")
                    return nil
                }
            }
            return PortSpec(proto: proto, port: .number(Int(number), end: end))
        }
        let name = portNode.scalarText ?? ""
        guard end == nil else {
            fail(node["endPort"], "\(field).endPort", "endPort cannot be used with the named port \"\(name)\"")
            return nil
        }
        return PortSpec(proto: proto, port: .named(name))
    }
}
