import BrightKeysCore
import KubeModel

/// Baseline: privileged containers disable most security mechanisms.
/// Restricted fields: securityContext.privileged of every container. Allowed: false, unset.
public struct PrivilegedControl: PodSecurityControl {
    public static let upstreamID = "privileged"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-007", slug: "pss-privileged", title: "Privileged containers", severity: .critical,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0)), .cis("5.2.2")],
        rationale: "A privileged container disables almost every isolation mechanism of its node.",
        remediation: "Remove securityContext.privileged or set it to false.",
        passing: [
            Example(pod: "containers: [{name: app, image: a:1}]"),
            Example(pod: "containers: [{name: app, image: a:1, securityContext: {privileged: false}}]"),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓privileged: true
                    """),
            Example(
                pod: """
                    containers: [{name: app, image: a:1}]
                    ephemeralContainers:
                    - name: debug
                      image: busybox:1.36
                      securityContext:
                        ↓privileged: true
                    """),
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var offenders = Offenders()
            for container in pod.containers where container.setting("privileged")?.bool == true {
                offenders.add(container, "securityContext.privileged")
            }
            guard !offenders.isEmpty else { return nil }
            return offenders.outcome(
                reason: "privileged", detail: "\(Detail.containers(offenders.names)) must not set securityContext.privileged=true", fallback: pod)
        }
    ]

    public init() {}
}
