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
            let missing: String
            switch (limits?["cpu"] == nil, limits?["memory"] == nil) {
            case (true, true): missing = "cpu or memory"
            case (true, false): missing = "cpu"
            case (false, true): missing = "memory"
            case (false, false): continue
            }
            let location = FieldLocation {
                (container.path("resources", "limits"), limits != nil ? container.line("resources", "limits") : container.line("name"))
            }
            findings.append(finding(pod, at: location, "container \"\(container.name)\" has no \(missing) limit"))
        }
        return findings
    }
}
