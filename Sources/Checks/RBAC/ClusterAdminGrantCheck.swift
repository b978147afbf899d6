import BrightKeysCore
import KubeModel
import RBACAnalysis

/// cluster-admin, or any role with `*` on `*`, in the hands of people or applications.
public struct ClusterAdminGrantCheck: ClusterCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-001", slug: "rbac-cluster-admin-grant", title: "cluster-admin granted outside the platform", severity: .critical,
        controls: [.cis("5.1.1")],
        rationale:
            "cluster-admin, or any role with * on *, is every permission there is; given to a person's account, a group or an application's service account it turns one compromise into the whole cluster.",
        remediation: "Bind a role with only the permissions needed, and keep cluster-admin to break-glass accounts.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRoleBinding
                    metadata: {name: masters}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
                    subjects:
                    - {kind: Group, name: "system:masters"}
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRoleBinding
                    metadata: {name: developers-admin}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
                    subjects:
                    ↓- {kind: Group, name: developers}
                    - {kind: Group, name: "system:masters"}
                    ↓- {kind: ServiceAccount, name: default, namespace: shop}
                    """),
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: app-all, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: everything}
                    subjects:
                    ↓- {kind: ServiceAccount, name: web}
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: everything, namespace: shop}
                    rules:
                    - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
                    """),
        ])

    public init() {}

    public func wants(_ object: KubeObject) -> Bool { RBACObjects.isRBAC(object) }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        let policy = RBACObjects.policy(objects, shared)
        let everything = RequestAttributes(verb: "*", apiGroup: "*", resource: "*")
        var findings: [Finding] = []
        for object in objects where RBACObjects.isBinding(object) {
            let binding = policy.allBindings.first {
                $0.kind == object.kind && $0.name == object.name && $0.namespace == (object.kind == "RoleBinding" ? object.namespace : "")
            }
            // The cluster-admin role counts even when the input does not define it.
            let isClusterAdmin = binding?.roleKind == "ClusterRole" && binding?.roleName == "cluster-admin"
            guard let binding, isClusterAdmin || policy.rules(of: binding).contains(where: { Authorizer.ruleAllows($0, everything) }) else { continue }
            let scope = binding.isClusterBinding ? "cluster-wide" : "in namespace \(binding.namespace)"
            for (index, subject) in RBACObjects.subjects(object) where !RBACObjects.isPlatformSubject(subject) {
                findings.append(
                    finding(
                        object, path: "subjects[\(index)]", line: RBACObjects.subjectLine(object, index),
                        "\(object.kind.lowercased()) \(object.name) grants \(binding.roleName) (* on *) \(scope) to \(subject)"))
            }
        }
        return findings
    }
}
