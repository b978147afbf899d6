import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// In a namespace that uses NetworkPolicies, a workload no policy selects is wide open.
public struct UnselectedWorkloadCheck: NetworkGapCheck {
    static let kinds: [NetworkGap.Kind] = [.unselectedWorkload]

    public static let descriptor = CheckDescriptor(
        id: "BK-NET-003", slug: "netpol-unselected-workload", title: "Workload selected by no NetworkPolicy", severity: .low,
        rationale: "A pod that no policy selects is not isolated: it accepts every connection and may open any, whatever the policies around it say.",
        remediation: "Cover the workload with a policy, ideally a namespace-wide default deny plus the flows it needs.",
        passing: [
            Example(
                object: """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: web, namespace: shop}
                    spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "w:1"}]}}}
                    ---
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec: {podSelector: {matchLabels: {app: web}}}
                    """)
        ],
        failing: [
            Example(
                object: """
                    ↓apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: admin, namespace: shop}
                    spec: {template: {metadata: {labels: {app: admin}}, spec: {containers: [{name: admin, image: "a:1"}]}}}
                    ---
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec: {podSelector: {matchLabels: {app: web}}}
                    """)
        ])

    public init() {}
}
