import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Power that is not granted directly but reached in steps.
public struct IndirectClusterAdminCheck: ClusterCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-007", slug: "rbac-escalation-path", title: "Subject can reach cluster-admin in steps", severity: .high,
        rationale:
            "A subject that can create pods in a namespace can run them as any of its service accounts; if one of those accounts holds cluster-admin, so does the subject, whatever its own roles say.",
        remediation: "Break the chain: remove the first step's permission, or the powerful binding of the account it leads to.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: dev-edit, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit-lite}
                    subjects: [{kind: Group, name: developers}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: edit-lite}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: web, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
                    subjects: [{kind: ServiceAccount, name: web}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: RoleBinding
                    metadata: {name: dev-pods, namespace: shop}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-creator}
                    subjects:
                    ↓- {kind: Group, name: developers}
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: pod-creator}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRoleBinding
                    metadata: {name: ci-admin}
                    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
                    subjects: [{kind: ServiceAccount, name: ci, namespace: shop}]
                    ---
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: cluster-admin}
                    rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}, {nonResourceURLs: ["*"], verbs: ["*"]}]
                    """)
        ])

    public var startsEarly: Bool { true }

    public init() {}

    public func wants(_ object: KubeObject) -> Bool { RBACObjects.isRBAC(object) }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        let analysis = EscalationAnalysis(authorizer: Authorizer(policy: RBACObjects.policy(objects, shared)))
        var findings: [Finding] = []
        var reported = Set<String>()
        var pathOf: [String: EscalationPath?] = [:]
        for object in objects where RBACObjects.isBinding(object) {
            let bindingNamespace = object.kind == "RoleBinding" ? object.namespace : ""
            for (index, subject) in RBACObjects.subjects(object) where !RBACObjects.isPlatformSubject(subject) {
                guard !reported.contains(subject.description) else { continue }
                let path: EscalationPath?
                if let known = pathOf[subject.description] {
                    path = known
                } else {
                    let identity = RBACObjects.identity(of: subject, bindingNamespace: bindingNamespace)
                    path = analysis.clusterAdminGrant(identity) == nil ? analysis.shortestPathToClusterAdmin(from: identity, depth: 3) : nil
                    pathOf[subject.description] = path
                }
                guard let path, let first = path.steps.first?.grant?.binding, first.name == object.name, first.kind == object.kind else { continue }
                reported.insert(subject.description)
                let chain = path.steps.map { "\($0.action) → \($0.becomes)" }.joined(separator: " → ")
                findings.append(
                    finding(
                        object, path: "subjects[\(index)]", line: RBACObjects.subjectLine(object, index),
                        "subject \(subject) reaches cluster-admin: \(chain)"))
            }
        }
        return findings
    }
}
