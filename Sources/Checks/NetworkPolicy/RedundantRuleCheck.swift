import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// A rule that another rule of the same policy already covers.
public struct RedundantRuleCheck: NetworkGapCheck {
    static let kinds: [NetworkGap.Kind] = [.redundantRule]

    public static let descriptor = CheckDescriptor(
        id: "BK-NET-006", slug: "netpol-redundant-rule", title: "Redundant NetworkPolicy rule", severity: .info,
        rationale:
            "A rule that another rule of the policy already covers adds nothing but review effort, and often hides a rule that was meant to be narrower.",
        remediation: "Delete the redundant rule, or narrow the wider one if it allows more than intended.",
        passing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec:
                      podSelector: {matchLabels: {app: web}}
                      ingress: [{ports: [{port: 8080}]}, {ports: [{port: 9090}]}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec:
                      podSelector: {matchLabels: {app: web}}
                      ingress:
                      - ports: [{port: 8080}, {port: 9090}]
                      ↓- ports: [{port: 8080}]
                    """)
        ])

    public init() {}
}
