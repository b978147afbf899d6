import KubeModel

/// Where an RBAC object or rule was written.
public struct SourceRef: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One rule of a Role or ClusterRole.
public struct PolicyRule: Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]
    public var resources: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]
    public var source: SourceRef

    public init(
        verbs: [String], apiGroups: [String] = [], resources: [String] = [], resourceNames: [String] = [],
        nonResourceURLs: [String] = [], source: SourceRef = SourceRef(file: "", line: 0)
    ) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
        self.source = source
    }

    /// Two rules grant the same thing (where they were written aside).
    func sameGrant(as other: PolicyRule) -> Bool {
        verbs == other.verbs && apiGroups == other.apiGroups && resources == other.resources && resourceNames == other.resourceNames
            && nonResourceURLs == other.nonResourceURLs
    }
}

/// A label selector as Kubernetes evaluates it (matchLabels AND matchExpressions).
public struct LabelSelector: Sendable, Hashable {
    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var op: String
        public var values: [String]
    }

    public var matchLabels: [String: String]
    public var matchExpressions: [Requirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [Requirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// An empty selector selects everything, as in Kubernetes' `LabelSelectorAsSelector`.
    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in matchExpressions {
            switch requirement.op {
            case "In": if !(labels[requirement.key].map(requirement.values.contains) ?? false) { return false }
            case "NotIn": if let value = labels[requirement.key], requirement.values.contains(value) { return false }
            case "Exists": if labels[requirement.key] == nil { return false }
            case "DoesNotExist": if labels[requirement.key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    static func parse(_ node: Node?) -> LabelSelector? {
        guard let node, node.mapping != nil else { return nil }
        var selector = LabelSelector()
        for entry in node["matchLabels"]?.mapping?.entries ?? [] {
            selector.matchLabels[entry.key] = entry.value.scalarText ?? ""
        }
        for expression in node["matchExpressions"]?.items ?? [] {
            selector.matchExpressions.append(
                Requirement(
                    key: expression["key"]?.scalarText ?? "", op: expression["operator"]?.scalarText ?? "",
                    values: (expression["values"]?.items ?? []).compactMap(\.scalarText)))
        }
        return selector
    }
}

/// A Role or ClusterRole. A class: grants and paths refer to roles many times over, and a
/// reference is cheaper to pass around than a copy of every rule.
public final class RBACRole: Sendable {
    public let isClusterRole: Bool
    public let name: String
    /// Empty for a ClusterRole.
    public let namespace: String
    public let labels: [String: String]
    /// The rules as written.
    public let rules: [PolicyRule]
    /// For an aggregated ClusterRole: the selectors of `aggregationRule.clusterRoleSelectors`.
    public let aggregation: [LabelSelector]?
    public let source: SourceRef

    public init(
        isClusterRole: Bool, name: String, namespace: String, labels: [String: String], rules: [PolicyRule], aggregation: [LabelSelector]?,
        source: SourceRef
    ) {
        self.isClusterRole = isClusterRole
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.rules = rules
        self.aggregation = aggregation
        self.source = source
    }

    public var kind: String { isClusterRole ? "ClusterRole" : "Role" }
    public var displayName: String { isClusterRole ? "ClusterRole/\(name)" : "Role/\(namespace)/\(name)" }
}

/// A subject of a binding.
public struct Subject: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var name: String
    public var namespace: String

    public init(kind: String, name: String, namespace: String = "") {
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    public var description: String {
        kind == "ServiceAccount" ? "ServiceAccount \(namespace)/\(name)" : "\(kind) \(name)"
    }

    public static func < (lhs: Subject, rhs: Subject) -> Bool {
        (lhs.kind, lhs.namespace, lhs.name) < (rhs.kind, rhs.namespace, rhs.name)
    }
}

/// A RoleBinding or ClusterRoleBinding (a class, for the same reason as `RBACRole`).
public final class RBACBinding: Sendable {
    public let isClusterBinding: Bool
    public let name: String
    /// Empty for a ClusterRoleBinding.
    public let namespace: String
    public let roleKind: String
    public let roleName: String
    public let subjects: [Subject]
    public let source: SourceRef

    public init(isClusterBinding: Bool, name: String, namespace: String, roleKind: String, roleName: String, subjects: [Subject], source: SourceRef) {
        self.isClusterBinding = isClusterBinding
        self.name = name
        self.namespace = namespace
        self.roleKind = roleKind
        self.roleName = roleName
        self.subjects = subjects
        self.source = source
    }

    public var kind: String { isClusterBinding ? "ClusterRoleBinding" : "RoleBinding" }
    public var displayName: String { isClusterBinding ? "ClusterRoleBinding/\(name)" : "RoleBinding/\(namespace)/\(name)" }
}

/// Something wrong with the RBAC objects, said with where it is.
public struct RBACProblem: Sendable, Hashable, CustomStringConvertible {
    public var source: SourceRef
    public var message: String

    public var description: String { "\(source): \(message)" }
}
