import BrightKeysCore
import KubeModel

/// Baseline: adding capabilities beyond the container runtime's default set is disallowed.
/// Restricted fields: securityContext.capabilities.add. Allowed: the default set below.
public struct CapabilitiesBaselineControl: PodSecurityControl {
    public static let upstreamID = "capabilities_baseline"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-002", slug: "pss-capabilities-baseline", title: "Non-default capabilities", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0)), .cis("5.2.9")],
        rationale: "Capabilities such as SYS_ADMIN or NET_ADMIN give a container powers close to root on its node.",
        remediation: "Remove every capability outside the runtime's default set from securityContext.capabilities.add.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, securityContext: {capabilities: {add: [NET_BIND_SERVICE, CHOWN]}}}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        capabilities:
                          ↓add: [NET_ADMIN, CHOWN]
                    """)
        ])

    static let allowed: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var offenders = Offenders()
            var forbidden = Set<String>()
            for container in pod.containers {
                let bad = (container.setting("capabilities", "add")?.items ?? []).compactMap(\.scalarText).filter { !allowed.contains($0) }
                guard !bad.isEmpty else { continue }
                forbidden.formUnion(bad)
                offenders.add(container, "securityContext.capabilities.add")
            }
            guard !offenders.isEmpty else { return nil }
            return offenders.outcome(
                reason: "non-default capabilities",
                detail: "\(Detail.containers(offenders.names)) must not include \(Detail.joinQuote(forbidden.sorted())) in securityContext.capabilities.add",
                fallback: pod)
        }
    ]

    public init() {}
}
