import BrightKeysCore
import KubeModel

/// The guide's pitfall: the Kubernetes Dashboard reachable from outside the cluster.
public struct ExposedDashboardCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-NET-001", slug: "exposed-dashboard", title: "Kubernetes Dashboard exposed outside the cluster", severity: .critical,
        rationale:
            "An externally reachable Kubernetes Dashboard is one of the most exploited entry points into clusters; with a privileged service account it is a remote cluster-admin console.",
        remediation: "Make the Dashboard Service type ClusterIP and reach it through kubectl proxy or an authenticating proxy.",
        passing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
                    spec:
                      type: ClusterIP
                      selector: {k8s-app: kubernetes-dashboard}
                      ports: [{port: 443, targetPort: 8443}]
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: Service
                    metadata: {name: kubernetes-dashboard, namespace: kubernetes-dashboard}
                    spec:
                      ↓type: LoadBalancer
                      selector: {k8s-app: kubernetes-dashboard}
                      ports: [{port: 443, targetPort: 8443}]
                    """)
        ])

    public init() {}

    static func isDashboard(_ object: KubeObject) -> Bool {
        let selector = KubeObject.stringMap(object.root["spec"]?["selector"])
        let names = [object.name, object.namespace] + Array(selector.values) + [object.labels["app.kubernetes.io/name"] ?? ""]
        return names.contains { $0.lowercased().contains("kubernetes-dashboard") }
    }

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard object.kind == "Service", object.group.isEmpty, let spec = object.root["spec"],
            let type = spec["type"]?.string, type == "LoadBalancer" || type == "NodePort", Self.isDashboard(object)
        else { return [] }
        return [
            finding(
                object, path: "spec.type", line: spec.keyPosition("type")?.line ?? object.line,
                "service \(object.name) exposes the Kubernetes Dashboard as type \(type)")
        ]
    }
}
