import BrightKeysCore
import KubeModel

/// Restricted: privilege escalation (setuid binaries, file capabilities) must be disallowed.
/// Every container must set securityContext.allowPrivilegeEscalation=false (from v1.8); from
/// v1.25 Windows pods are exempt.
public struct AllowPrivilegeEscalationControl: PodSecurityControl {
    public static let upstreamID = "allowPrivilegeEscalation"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-013", slug: "pss-allow-privilege-escalation", title: "Privilege escalation allowed", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 8)), .cis("5.2.6")],
        rationale: "Unless it is disabled, a process can gain more privileges than its parent through setuid binaries or file capabilities.",
        remediation: "Set securityContext.allowPrivilegeEscalation to false on every container.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, securityContext: {allowPrivilegeEscalation: false}}]")],
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
                      securityContext:
                        ↓allowPrivilegeEscalation: true
                    """),
        ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var offenders = Offenders()
        for container in pod.containers where container.setting("allowPrivilegeEscalation")?.bool != false {
            offenders.add(container, "securityContext.allowPrivilegeEscalation")
        }
        guard !offenders.isEmpty else { return nil }
        return offenders.outcome(
            reason: "allowPrivilegeEscalation != false",
            detail: Detail.containers(offenders.names, after: " must set securityContext.allowPrivilegeEscalation=false"), fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 8)) { evaluate($0) },
        VersionedRule(KubeVersion(1, 25)) { $0.isWindows ? nil : evaluate($0) },
    ]

    public init() {}
}
