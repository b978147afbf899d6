import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// A policy whose selector matches nothing protects nothing, usually because of a label typo.
public struct PolicySelectsNothingCheck: NetworkGapCheck {
    static let kinds: [NetworkGap.Kind] = [.policySelectsNothing]

    public static let descriptor = CheckDescriptor(
        id: "BK-NET-004", slug: "netpol-selects-nothing", title: "NetworkPolicy selects no workload", severity: .low,
        rationale:
            "A policy whose podSelector matches no workload of its namespace does nothing; most often a label was mistyped and the pods it meant to protect are open.",
        remediation: "Fix the podSelector to match the intended pods' labels, or delete the policy.",
        passing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec: {podSelector: {matchLabels: {app: web}}}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, image: "w:1"}]}
                    """)
        ],
        failing: [
            Example(
                object: """
                    ↓apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec: {podSelector: {matchLabels: {app: wbe}}}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, image: "w:1"}]}
                    """)
        ])

    public init() {}
}
