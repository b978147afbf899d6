import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Permissions given to `default` are given to every pod that does not choose an account.
public struct DefaultServiceAccountBindingCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-004", slug: "rbac-default-service-account-bound", title: "Default service account bound to a role", severity: .medium,
        controls: [.cis("5.1.5")],
        rationale: "Every pod that names no service account runs as default, so a role bound to it is granted to all of them, now and later.",
        remediation: "Create a service account for the application that needs the role and bind the role to that account instead.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: web, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
                    subjects:
                    - {kind: ServiceAccount, name: web, namespace: shop}
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: everything, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
                    subjects:
                    ↓- {kind: ServiceAccount, name: default}
                    """)
        ])

    public init() {}

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard RBACObjects.isBinding(object) else { return [] }
        return RBACObjects.subjects(object).compactMap { index, subject in
            guard subject.kind == "ServiceAccount", subject.name == "default", !subject.namespace.isEmpty else { return nil }
            let role = object.root["roleRef"]?["name"]?.scalarText ?? ""
            return finding(
                object, path: "subjects[\(index)]", line: RBACObjects.subjectLine(object, index),
                "\(object.kind.lowercased()) \(object.name) binds \(role) to the default service account of namespace \(subject.namespace)")
        }
    }
}
