import BrightKeysCore
import KubeModel
import RBACAnalysis

/// A binding to a role that is not there grants nothing today, and whatever a future role of that
/// name grants tomorrow.
public struct MissingRoleRefCheck: ClusterCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-006", slug: "rbac-missing-role", title: "Binding refers to a missing or invalid role", severity: .medium,
        rationale:
            "A binding whose role does not exist grants nothing now, but anyone who later creates a role of that name silently grants it to the binding's subjects.",
        remediation: "Create the intended role, fix roleRef, or delete the binding.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: viewers, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
                    subjects: [{kind: Group, name: auditors}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: deployers, namespace: shop}
                    roleRef:
                      apiGroup: rbac.authorization.k8s.io
                      kind: Role
                      ↓name: deployer
                    subjects: [{kind: Group, name: ci}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: deployer, namespace: other}
                    rules: [{apiGroups: [apps], resources: [deployments], verbs: [update]}]
                    """),
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRoleBinding
                    metadata: {name: odd}
                    roleRef:
                      apiGroup: rbac.authorization.k8s.io
                      kind: Role
                      ↓name: reader
                    subjects: [{kind: User, name: alice}]
                    """),
        ])

    public init() {}

    public func wants(_ object: KubeObject) -> Bool { RBACObjects.isRBAC(object) }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        let policy = RBACObjects.policy(objects, shared)
        var findings: [Finding] = []
        for object in objects where RBACObjects.isBinding(object) {
            let kind = object.root["roleRef"]?["kind"]?.scalarText ?? ""
            let name = object.root["roleRef"]?["name"]?.scalarText ?? ""
            let line = object.root["roleRef"]?.keyPosition("name")?.line ?? object.line
            let problem: String?
            switch (object.kind, kind) {
            case (_, "ClusterRole"):
                problem =
                    policy.clusterRoles[name] == nil && !RBACObjects.isBuiltInClusterRole(name) ? "refers to ClusterRole \(name), which is not defined" : nil
            case ("RoleBinding", "Role"):
                problem =
                    policy.roles["\(object.namespace)/\(name)"] == nil ? "refers to Role \(name) in namespace \(object.namespace), which is not defined" : nil
            case ("ClusterRoleBinding", "Role"):
                problem = "refers to a Role; a ClusterRoleBinding can only refer to a ClusterRole"
            default:
                problem = "has roleRef kind \"\(kind)\"; it must be Role or ClusterRole"
            }
            if let problem {
                findings.append(finding(object, path: "roleRef", line: line, "\(object.kind.lowercased()) \(object.name) \(problem), so it grants nothing"))
            }
        }
        return findings
    }
}
