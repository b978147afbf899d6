import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Wildcards grant every verb or resource, including ones added to the API later.
public struct WildcardRuleCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-002", slug: "rbac-wildcard", title: "Role with wildcard verbs or resources", severity: .high,
        controls: [.cis("5.1.3")],
        rationale:
            "A * in verbs or resources grants everything of that kind, today and whatever new resources or verbs the API gains; least privilege names what is needed.",
        remediation: "Replace the wildcard with the verbs and resources the role needs.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: reader, namespace: shop}
                    rules:
                    - {apiGroups: [""], resources: [pods, services], verbs: [get, list, watch]}
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: ops}
                    rules:
                    - apiGroups: [apps]
                      resources: [deployments]
                      verbs: [get]
                    ↓- apiGroups: ["*"]
                      resources: ["*"]
                      verbs: [get, list]
                    """)
        ])

    public init() {}

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard RBACObjects.isRole(object), !RBACObjects.isPlatformRole(object) else { return [] }
        return RBACObjects.rules(object).compactMap { index, rule in
            var wild: [String] = []
            if rule.verbs.contains("*") { wild.append("verbs") }
            if rule.resources.contains("*") { wild.append("resources") }
            if rule.nonResourceURLs.contains("*") { wild.append("nonResourceURLs") }
            guard !wild.isEmpty else { return nil }
            return finding(
                object, path: "rules[\(index)]", line: rule.source.line,
                "\(object.kind.lowercased()) \(object.name) rules[\(index)] grants * in \(wild.joined(separator: " and "))")
        }
    }
}
