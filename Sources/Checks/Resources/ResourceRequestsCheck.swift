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
        var findings: [Finding] = []
        for container in pod.containers where container.kind != .ephemeralContainer {
            let resources = container.node["resources"]
            let requests = resources?["requests"]
            let limits = resources?["limits"]
            // A limit without a request defaults the request to the limit.
            guard
                let missing = ResourceFields.missing(
                    cpu: requests?["cpu"] == nil && limits?["cpu"] == nil, memory: requests?["memory"] == nil && limits?["memory"] == nil)
            else { continue }
            let location = ResourceFields.location(container, "resources.requests")
            findings.append(finding(pod, at: location, String(assembling: "container \"\(container.name)\" has no \(missing) request")))
        }
        return findings
    }
}
