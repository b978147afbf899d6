import BrightKeysCore
import KubeModel

/// Without requests the scheduler cannot place a pod sensibly.
public struct ResourceRequestsCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RES-002", slug: "missing-resource-requests", title: "Container without CPU or memory requests", severity: .low,
        rationale: "Without requests the scheduler packs pods blindly and the container is the first evicted under pressure.",
        remediation: "Set resources.requests.cpu and resources.requests.memory on every container.",
        passing: [
            Example(pod: "containers: [{name: app, image: a:1, resources: {requests: {cpu: 100m, memory: 128Mi}}}]"),
            // Limits alone: Kubernetes copies them into requests.
            Example(pod: "containers: [{name: app, image: a:1, resources: {limits: {cpu: 100m, memory: 128Mi}}}]"),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - ↓name: app
                      image: a:1
                    """)
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        pod.containers.filter { $0.kind != .ephemeralContainer }.compactMap { container in
            let resources = container.node["resources"]
            // A limit without a request defaults the request to the limit.
            let missing = ["cpu", "memory"].filter { resources?["requests"]?[$0] == nil && resources?["limits"]?[$0] == nil }
            guard !missing.isEmpty else { return nil }
            let line = resources?["requests"] != nil ? container.line("resources", "requests") : container.line("name")
            return finding(
                pod, path: container.path("resources", "requests"), line: line,
                "container \"\(container.name)\" has no \(missing.joined(separator: " or ")) request")
        }
    }
}
