import KubeModel

/// Every Role, ClusterRole and binding of a set of manifests, with aggregation resolved and the
/// problems found on the way. Immutable once built, so one set answers many questions.
public struct PolicySet: Sendable {
    public private(set) var roles: [String: RBACRole] = [:]  // "namespace/name"
    public private(set) var clusterRoles: [String: RBACRole] = [:]
    public private(set) var clusterBindings: [RBACBinding] = []
    /// Namespace → its RoleBindings.
    public private(set) var namespacedBindings: [String: [RBACBinding]] = [:]
    public private(set) var problems: [RBACProblem] = []
    /// The rules each ClusterRole grants after aggregation.
    public private(set) var clusterRoleRules: [String: [PolicyRule]] = [:]

    public static let group = "rbac.authorization.k8s.io"

    /// The RBAC objects of some manifests, read but not yet combined: extracting fragments is
    /// the costly part and can run per file in parallel; combining them is cheap.
    public struct Fragment: Sendable {
        var roles: [RBACRole] = []
        var bindings: [RBACBinding] = []
        var problems: [RBACProblem] = []

        public init(objects: [KubeObject]) {
            var scratch = PolicySet()
            for object in objects where object.group == PolicySet.group {
                switch object.kind {
                case "Role", "ClusterRole": roles.append(scratch.parse(role: object))
                case "RoleBinding", "ClusterRoleBinding": bindings.append(scratch.parse(binding: object))
                default: continue
                }
            }
            problems = scratch.problems
        }
    }

    private init() {}

    public init(objects: [KubeObject]) {
        self.init(fragments: [Fragment(objects: objects)])
    }

    public init(fragments: [Fragment]) {
        for fragment in fragments {
            problems += fragment.problems
            for role in fragment.roles { insert(role) }
            for binding in fragment.bindings {
                if binding.isClusterBinding {
                    clusterBindings.append(binding)
                } else {
                    namespacedBindings[binding.namespace, default: []].append(binding)
                }
            }
        }
        // cluster-admin is bootstrapped in every cluster and cannot be removed; manifests that
        // bind it rarely define it.
        if clusterRoles["cluster-admin"] == nil {
            let builtIn = SourceRef(file: "(built-in)", line: 0)
            clusterRoles["cluster-admin"] = RBACRole(
                isClusterRole: true, name: "cluster-admin", namespace: "", labels: ["kubernetes.io/bootstrapping": "rbac-defaults"],
                rules: [
                    PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"], source: builtIn),
                    PolicyRule(verbs: ["*"], nonResourceURLs: ["*"], source: builtIn),
                ], aggregation: nil, source: builtIn)
        }
        allBindings = clusterBindings + namespacedBindings.keys.sorted().flatMap { namespacedBindings[$0] ?? [] }
        resolveAggregation()
        checkRoleRefs()
    }

    /// Every binding: ClusterRoleBindings, then RoleBindings by namespace.
    public private(set) var allBindings: [RBACBinding] = []
    public var allRoles: [RBACRole] {
        clusterRoles.keys.sorted().compactMap { clusterRoles[$0] } + roles.keys.sorted().compactMap { roles[$0] }
    }

    private mutating func parse(role object: KubeObject) -> RBACRole {
        let source = SourceRef(file: object.file, line: object.line)
        let isCluster = object.kind == "ClusterRole"
        var rules: [PolicyRule] = []
        for (index, node) in (object.root["rules"]?.items ?? []).enumerated() {
            let rule = PolicyRule(
                verbs: Self.strings(node["verbs"]), apiGroups: Self.strings(node["apiGroups"]), resources: Self.strings(node["resources"]),
                resourceNames: Self.strings(node["resourceNames"]), nonResourceURLs: Self.strings(node["nonResourceURLs"]),
                source: SourceRef(file: object.file, line: node.line))
            if rule.verbs.isEmpty {
                problems.append(RBACProblem(source: rule.source, message: "\(object.kind) \(object.name) rules[\(index)] has no verbs, so it grants nothing"))
            }
            if !rule.resources.isEmpty && !rule.nonResourceURLs.isEmpty {
                problems.append(
                    RBACProblem(
                        source: rule.source,
                        message: "\(object.kind) \(object.name) rules[\(index)] mixes resources and nonResourceURLs; the API server rejects it"))
            }
            rules.append(rule)
        }
        var aggregation: [LabelSelector]?
        if isCluster, let selectors = object.root["aggregationRule"]?["clusterRoleSelectors"] {
            aggregation = selectors.items.compactMap(LabelSelector.parse)
        }
        return RBACRole(
            isClusterRole: isCluster, name: object.name, namespace: isCluster ? "" : object.namespace, labels: object.labels, rules: rules,
            aggregation: aggregation, source: source)
    }

    private mutating func insert(_ role: RBACRole) {
        let source = role.source
        if role.isClusterRole {
            if clusterRoles[role.name] != nil {
                problems.append(RBACProblem(source: source, message: "ClusterRole \(role.name) is defined twice; the later one wins"))
            }
            clusterRoles[role.name] = role
        } else {
            let key = "\(role.namespace)/\(role.name)"
            if roles[key] != nil { problems.append(RBACProblem(source: source, message: "Role \(key) is defined twice; the later one wins")) }
            roles[key] = role
        }
    }

    private mutating func parse(binding object: KubeObject) -> RBACBinding {
        let source = SourceRef(file: object.file, line: object.line)
        let isCluster = object.kind == "ClusterRoleBinding"
        let roleRef = object.root["roleRef"]
        var subjects: [Subject] = []
        for node in object.root["subjects"]?.items ?? [] {
            let kind = node["kind"]?.scalarText ?? ""
            guard ["User", "Group", "ServiceAccount"].contains(kind) else {
                problems.append(
                    RBACProblem(
                        source: SourceRef(file: object.file, line: node.line),
                        message: "\(object.kind) \(object.name) has a subject of unknown kind \"\(kind)\""))
                continue
            }
            subjects.append(Subject(kind: kind, name: node["name"]?.scalarText ?? "", namespace: node["namespace"]?.scalarText ?? ""))
        }
        return RBACBinding(
            isClusterBinding: isCluster, name: object.name, namespace: isCluster ? "" : object.namespace,
            roleKind: roleRef?["kind"]?.scalarText ?? "", roleName: roleRef?["name"]?.scalarText ?? "", subjects: subjects, source: source)
    }

    /// Aggregated ClusterRoles take the union of the rules of every ClusterRole their selectors
    /// pick (not their own, which the aggregation controller overwrites), repeated until nothing
    /// changes, as the controller converges on chains of aggregation.
    private mutating func resolveAggregation() {
        var rules: [String: [PolicyRule]] = clusterRoles.mapValues(\.rules)
        let aggregated = clusterRoles.values.filter { $0.aggregation != nil }.sorted { $0.name < $1.name }
        for role in aggregated where role.aggregation?.contains(where: { $0.matches(role.labels) }) == true {
            problems.append(
                RBACProblem(source: role.source, message: "ClusterRole \(role.name) selects itself in its aggregationRule; its own rules are ignored there"))
        }
        var changed = true
        var rounds = 0
        while changed && rounds <= aggregated.count {
            changed = false
            rounds += 1
            for role in aggregated {
                let selectors = role.aggregation ?? []
                var union: [PolicyRule] = []
                for name in clusterRoles.keys.sorted() where name != role.name {
                    guard let candidate = clusterRoles[name], selectors.contains(where: { $0.matches(candidate.labels) }) else { continue }
                    for rule in rules[name] ?? [] where !union.contains(where: { $0.sameGrant(as: rule) }) {
                        union.append(rule)
                    }
                }
                let current = rules[role.name] ?? []
                if current.count != union.count || !zip(current, union).allSatisfy({ $0.sameGrant(as: $1) }) {
                    rules[role.name] = union
                    changed = true
                }
            }
        }
        if changed {
            for role in aggregated {
                problems.append(RBACProblem(source: role.source, message: "ClusterRole \(role.name) takes part in an aggregation cycle that does not settle"))
            }
        }
        clusterRoleRules = rules
    }

    private mutating func checkRoleRefs() {
        for binding in allBindings {
            switch (binding.isClusterBinding, binding.roleKind) {
            case (_, "ClusterRole"):
                if clusterRoles[binding.roleName] == nil {
                    problems.append(
                        RBACProblem(
                            source: binding.source,
                            message: "\(binding.displayName) refers to ClusterRole \(binding.roleName), which does not exist; it grants nothing"))
                }
            case (false, "Role"):
                if roles["\(binding.namespace)/\(binding.roleName)"] == nil {
                    problems.append(
                        RBACProblem(
                            source: binding.source,
                            message:
                                "\(binding.displayName) refers to Role \(binding.roleName) in namespace \(binding.namespace), which does not exist; it grants nothing"
                        ))
                }
            case (true, "Role"):
                problems.append(
                    RBACProblem(
                        source: binding.source, message: "\(binding.displayName) refers to a Role; a ClusterRoleBinding can only refer to a ClusterRole"))
            default:
                problems.append(
                    RBACProblem(
                        source: binding.source, message: "\(binding.displayName) has roleRef kind \"\(binding.roleKind)\"; it must be Role or ClusterRole"))
            }
        }
    }

    /// The rules a binding grants (empty when its role is missing or its roleRef is invalid).
    public func rules(of binding: RBACBinding) -> [PolicyRule] {
        switch (binding.isClusterBinding, binding.roleKind) {
        case (_, "ClusterRole"): return clusterRoleRules[binding.roleName] ?? []
        case (false, "Role"): return roles["\(binding.namespace)/\(binding.roleName)"]?.rules ?? []
        default: return []
        }
    }

    /// The role a binding refers to, if it exists.
    public func role(of binding: RBACBinding) -> RBACRole? {
        switch (binding.isClusterBinding, binding.roleKind) {
        case (_, "ClusterRole"): return clusterRoles[binding.roleName]
        case (false, "Role"): return roles["\(binding.namespace)/\(binding.roleName)"]
        default: return nil
        }
    }

    static func strings(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if let text = node.scalarText { return [text] }
        return node.items.compactMap(\.scalarText)
    }
}
