import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// Policies the API server would reject: in Git they look like protection and protect nothing.
public struct InvalidPolicyCheck: ClusterCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-NET-007", slug: "netpol-invalid", title: "Invalid NetworkPolicy", severity: .high,
        rationale:
            "The API server rejects a NetworkPolicy with an invalid CIDR, port range, protocol or selector, so the protection it describes never exists.",
        remediation: "Fix the field named in the message so the API server accepts the policy.",
        passing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec:
                      podSelector: {}
                      ingress: [{ports: [{port: 8000, endPort: 8080}]}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec:
                      podSelector: {}
                      ingress:
                      - from:
                        - ipBlock:
                            ↓cidr: 10.0.0.0/40
                    """)
        ])

    public init() {}

    public func wants(_ object: KubeObject) -> Bool { NetworkObjects.wants(object) }
    public var retainedPaths: [[String]]? { NetworkObjects.retainedPaths }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        NetworkObjects.topology(objects, shared).problems.compactMap { problem in
            guard let object = objects.last(where: { $0.file == problem.file && $0.line <= problem.line && $0.kind == "NetworkPolicy" }) else { return nil }
            return finding(object, path: "", line: problem.line, problem.message)
        }
    }
}
