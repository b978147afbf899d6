import BrightKeysCore
import KubeModel

/// Restricted: a seccomp profile must be set, at pod level or on every container, to
/// `RuntimeDefault` or `Localhost`. From v1.25 Windows pods are exempt.
public struct SeccompProfileRestrictedControl: PodSecurityControl {
    public static let upstreamID = "seccompProfile_restricted"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-018", slug: "pss-seccomp-restricted", title: "Seccomp profile required", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 19)), .cis("5.7.2")],
        rationale: "Without a seccomp profile a container may make any system call; the runtime default blocks the dangerous ones at almost no cost.",
        remediation: "Set securityContext.seccompProfile.type to RuntimeDefault on the pod.",
        passing: [
            Example(pod: "securityContext: {seccompProfile: {type: RuntimeDefault}}\ncontainers: [{name: app, image: a:1}]"),
            Example(pod: "containers: [{name: app, image: a:1, securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}}]"),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      ↓securityContext: {}
                    """)
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 19), overrides: ["seccompProfile_baseline"]) { pod in
            SeccompFields.evaluate(pod, requireSet: true)
        },
        VersionedRule(KubeVersion(1, 25), overrides: ["seccompProfile_baseline"]) { pod in
            pod.isWindows ? nil : SeccompFields.evaluate(pod, requireSet: true)
        },
    ]

    public init() {}
}
