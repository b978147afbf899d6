import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// A named port that no destination container declares allows nothing.
public struct UnresolvedNamedPortCheck: NetworkGapCheck {
    static let kinds: [NetworkGap.Kind] = [.unresolvedNamedPort]

    public static let descriptor = CheckDescriptor(
        id: "BK-NET-005", slug: "netpol-unresolved-named-port", title: "NetworkPolicy names a port no container has", severity: .medium,
        rationale:
            "A named port is resolved against the destination pods' container ports; a name none of them declares (or with another protocol) allows no traffic, silently breaking the intended flow.",
        remediation: "Use the port name the containers declare, with its protocol, or a port number.",
        passing: [
            Example(
                object: """
                    apiVersion: networking.k8s.io/v1
                    kind: NetworkPolicy
                    metadata: {name: web, namespace: shop}
                    spec:
                      podSelector: {matchLabels: {app: web}}
                      ingress: [{ports: [{port: http}]}]
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, image: "w:1", ports: [{name: http, containerPort: 8080}]}]}
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
                      ↓- ports: [{port: https}]
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: web, namespace: shop, labels: {app: web}}
                    spec: {containers: [{name: web, image: "w:1", ports: [{name: http, containerPort: 8080}]}]}
                    """)
        ])

    public init() {}
}
