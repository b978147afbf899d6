import BrightKeysCore
import KubeModel

/// Without limits one container can starve its node.
public struct ResourceLimitsCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-RES-001", slug: "missing-resource-limits", title: "Container without CPU or memory limits", severity: .medium,
        controls: [.cis("5.7.4")],
        rationale: "A container without a memory or CPU limit can exhaust its node, a denial of service for every other pod there.",
        remediation: "Set resources.limits.cpu and resources.limits.memory on every container.",
        passing: [
            Example(pod: "containers: [{name: app, image: a:1, resources: {limits: {cpu: 500m, memory: 256Mi}}}]")
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - ↓name: app
                      image: a:1
                    """),
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      resources:
                        ↓limits:
                          memory: 256Mi
                    """),
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        var findings: [Finding] = []
        for container in pod.containers where container.kind != .ephemeralContainer {
            let limits = container.node["resources"]?["limits"]
            guard let missing = ResourceFields.missing(cpu: limits?["cpu"] == nil, memory: limits?["memory"] == nil) else { continue }
            let location = ResourceFields.location(container, "resources.limits")
            findings.append(finding(pod, at: location, String(assembling: "container \"\(container.name)\" has no \(missing) limit")))
        }
        return findings
    }
}
