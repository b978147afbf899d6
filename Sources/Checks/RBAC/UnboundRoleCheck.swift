import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Roles nobody is bound to are clutter at best and a loaded gun for the next binding.
public struct UnboundRoleCheck: ClusterCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-005", slug: "rbac-unbound-role", title: "Role bound to nobody", severity: .low,
        rationale: "A role no binding uses grants nothing, yet it is easy to bind by mistake and makes reviews longer; unused privileges should not exist.",
        remediation: "Delete the role, or bind it to the identity that needs it.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: reader, namespace: shop}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: reader, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
                    subjects: [{kind: ServiceAccount, name: web}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    ↓apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: leftover, namespace: shop}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [delete]}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: reader, namespace: other}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leftover}
                    subjects: [{kind: ServiceAccount, name: web}]
                    """)
        ])

    public init() {}

    public func wants(_ object: KubeObject) -> Bool { RBACObjects.isRBAC(object) }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        let policy = RBACObjects.policy(objects, shared)
        var used = Set<String>()
        for binding in policy.allBindings {
            if let role = policy.role(of: binding) { used.insert(role.displayName) }
        }
        let selectors = policy.clusterRoles.values.flatMap { $0.aggregation ?? [] }
        var findings: [Finding] = []
        for object in objects where RBACObjects.isRole(object) && !RBACObjects.isPlatformRole(object) {
            let key = object.kind == "ClusterRole" ? "ClusterRole/\(object.name)" : "Role/\(object.namespace)/\(object.name)"
            guard !used.contains(key) else { continue }
            // A ClusterRole aggregated into another is in use through it.
            if object.kind == "ClusterRole", selectors.contains(where: { $0.matches(object.labels) }) { continue }
            findings.append(finding(object, path: "", line: object.line, "\(object.kind.lowercased()) \(object.name) is bound to nobody"))
        }
        return findings
    }
}
