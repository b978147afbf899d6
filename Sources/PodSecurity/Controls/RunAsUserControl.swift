import BrightKeysCore
import KubeModel

/// Restricted (from v1.23): containers must not run as UID 0, set at pod or container level.
/// From v1.35 a pod in a user namespace (hostUsers: false) is exempt.
public struct RunAsUserControl: PodSecurityControl {
    public static let upstreamID = "runAsUser"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-017", slug: "pss-run-as-user", title: "Runs as UID 0", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 23))],
        rationale: "Root in a container is root on the node for every escape and every hostPath file.",
        remediation: "Set runAsUser to a non-zero UID, or leave it unset and set runAsNonRoot: true.",
        passing: [Example(pod: "securityContext: {runAsUser: 1000}\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    securityContext:
                      ↓runAsUser: 0
                    containers: [{name: app, image: a:1}]
                    """)
        ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var setters: [String] = []
        var offenders = Offenders()
        if pod.podSetting("runAsUser")?.int == 0 {
            setters.append("pod")
            offenders.note(pod, "securityContext.runAsUser")
        }
        var containers: [String] = []
        for container in pod.containers where container.setting("runAsUser")?.int == 0 {
            containers.append(container.name)
            offenders.add(container, "securityContext.runAsUser")
        }
        if !containers.isEmpty { setters.append(Detail.containers(containers)) }
        guard !setters.isEmpty else { return nil }
        return offenders.outcome(reason: "runAsUser=0", detail: "\(setters.joined(separator: " and ")) must not set runAsUser=0", fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 23)) { evaluate($0) },
        VersionedRule(KubeVersion(1, 35)) { $0.usesUserNamespace ? nil : evaluate($0) },
    ]

    public init() {}
}
