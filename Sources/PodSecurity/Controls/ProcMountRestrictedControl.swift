import BrightKeysCore
import KubeModel

/// Restricted (from v1.35): an unmasked /proc is forbidden even for pods in a user namespace,
/// which the baseline control relaxes from that version. Replaces the baseline procMount control.
public struct ProcMountRestrictedControl: PodSecurityControl {
    public static let upstreamID = "procMount_restricted"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-019", slug: "pss-proc-mount-restricted", title: "Unmasked /proc (restricted)", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 35))],
        rationale: "Restricted pods keep the default /proc masks even inside a user namespace, where baseline lets them go.",
        remediation: "Remove securityContext.procMount or set it to Default.",
        passing: [Example(pod: "hostUsers: false\ncontainers: [{name: app, image: a:1, securityContext: {procMount: Default}}]")],
        failing: [
            Example(
                pod: """
                    hostUsers: false
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓procMount: Unmasked
                    """)
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 35), overrides: ["procMount"]) { ProcMountControl.evaluate($0) }
    ]

    public init() {}
}
