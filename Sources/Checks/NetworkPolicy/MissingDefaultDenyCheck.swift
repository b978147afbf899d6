import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// The guide's step 4: default-deny ingress and egress in every namespace.
public struct MissingDefaultDenyCheck: NetworkGapCheck {
    static let kinds: [NetworkGap.Kind] = [.missingDefaultDenyIngress, .missingDefaultDenyEgress]

    public static let descriptor = CheckDescriptor(
        id: "BK-NET-002", slug: "netpol-missing-default-deny", title: "Namespace without default-deny NetworkPolicy", severity: .medium,
        controls: [.cis("5.3.2")],
        rationale:
            "Without a default-deny policy every pod accepts and opens connections to anything; one compromised pod can reach every database in the cluster.",
        remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] to the namespace, then allow only the flows it needs.",
        passing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: Namespace
                    metadata: {name: shop}
                    ---
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: default-deny, namespace: shop}
                    spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
                    """)
        ],
        failing: [
            Example(
                object: """
                    ↓apiVersion: v1
                    kind: Namespace
                    metadata: {name: shop}
                    ---
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: deny-ingress, namespace: shop}
                    spec: {podSelector: {}, policyTypes: [Ingress]}
                    """)
        ])

    public var startsEarly: Bool { true }

    public init() {}
}
