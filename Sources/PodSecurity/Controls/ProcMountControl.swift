import BrightKeysCore
import KubeModel

/// Baseline: the default /proc masks must stay. securityContext.procMount may only be unset or
/// `Default`. From v1.35 a pod in a user namespace (hostUsers: false) is exempt.
public struct ProcMountControl: PodSecurityControl {
    public static let upstreamID = "procMount"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-008", slug: "pss-proc-mount", title: "Unmasked /proc", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "An unmasked /proc exposes kernel interfaces that the default masks hide from containers.",
        remediation: "Remove securityContext.procMount or set it to Default.",
        passing: [
            Example(pod: "containers: [{name: app, image: a:1, securityContext: {procMount: Default}}]"),
            Example(pod: "hostUsers: false\ncontainers: [{name: app, image: a:1, securityContext: {procMount: Unmasked}}]"),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓procMount: Unmasked
                    """)
        ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var offenders = Offenders()
        var types = Set<String>()
        for container in pod.containers {
            guard let mount = container.setting("procMount"), !mount.isNull else { continue }
            let value = mount.scalarText ?? ""
            guard value != "Default" else { continue }
            types.insert(value)
            offenders.add(container, "securityContext.procMount")
        }
        guard !offenders.isEmpty else { return nil }
        return offenders.outcome(
            reason: "procMount",
            detail: "\(Detail.containers(offenders.names)) must not set securityContext.procMount to \(Detail.joinQuote(types.sorted()))",
            fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { evaluate($0) },
        VersionedRule(KubeVersion(1, 35)) { $0.usesUserNamespace ? nil : evaluate($0) },
    ]

    public init() {}
}
