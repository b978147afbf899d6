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
