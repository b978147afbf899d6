import BrightKeysCore
import KubeModel

/// Baseline: only the namespaced, "safe" sysctls may be set in spec.securityContext.sysctls.
/// The safe set grew in v1.27, v1.29, v1.32 and v1.37.
public struct SysctlsControl: PodSecurityControl {
    public static let upstreamID = "sysctls"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-011", slug: "pss-sysctls", title: "Unsafe sysctls", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "Sysctls outside the safe set change kernel behaviour for the whole node, not just the pod.",
        remediation: "Remove every sysctl outside the safe set from securityContext.sysctls.",
        passing: [
            Example(pod: "securityContext: {sysctls: [{name: net.ipv4.ip_local_port_range, value: \"1024 65535\"}]}\ncontainers: [{name: app, image: a:1}]")
        ],
        failing: [
            Example(
                pod: """
                    securityContext:
                      ↓sysctls:
                      - {name: kernel.msgmax, value: "65536"}
                    containers: [{name: app, image: a:1}]
                    """)
        ])

    static let safeV1_0: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ]
    static let safeV1_27 = safeV1_0.union(["net.ipv4.ip_local_reserved_ports"])
    static let safeV1_29 = safeV1_27.union([
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ])
    static let safeV1_32 = safeV1_29.union(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])
    static let safeV1_37 = safeV1_32.union(["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"])

    static func evaluate(_ pod: PodView, safe: Set<String>) -> ControlOutcome? {
        var forbidden: [String] = []
        for sysctl in pod.podSetting("sysctls")?.items ?? [] {
            let name = sysctl["name"]?.scalarText ?? ""
            if !safe.contains(name) { forbidden.append(name) }
        }
        guard !forbidden.isEmpty else { return nil }
        return ControlOutcome(
            reason: "forbidden sysctls", detail: forbidden.joined(separator: ", "),
            path: pod.path("securityContext", "sysctls"), line: pod.line(["securityContext", "sysctls"]))
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { evaluate($0, safe: safeV1_0) },
        VersionedRule(KubeVersion(1, 27)) { evaluate($0, safe: safeV1_27) },
        VersionedRule(KubeVersion(1, 29)) { evaluate($0, safe: safeV1_29) },
        VersionedRule(KubeVersion(1, 32)) { evaluate($0, safe: safeV1_32) },
        VersionedRule(KubeVersion(1, 37)) { evaluate($0, safe: safeV1_37) },
    ]

    public init() {}
}
