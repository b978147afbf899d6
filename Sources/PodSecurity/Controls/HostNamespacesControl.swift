import BrightKeysCore
import KubeModel

/// Baseline: sharing the node's network, PID or IPC namespace must be disallowed.
/// Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC. Allowed: false, unset.
public struct HostNamespacesControl: PodSecurityControl {
    public static let upstreamID = "hostNamespaces"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-003", slug: "pss-host-namespaces", title: "Host namespaces", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0)), .cis("5.2.3"), .cis("5.2.4"), .cis("5.2.5")],
        rationale: "A pod in the node's network, PID or IPC namespace can see and reach the node's processes and traffic.",
        remediation: "Remove hostNetwork, hostPID and hostIPC or set them to false.",
        passing: [Example(pod: "hostNetwork: false\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(pod: "↓hostNetwork: true\ncontainers: [{name: app, image: a:1}]"),
            Example(pod: "containers: [{name: app, image: a:1}]\n↓hostPID: true\nhostIPC: true"),
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            let fields = ["hostNetwork", "hostPID", "hostIPC"].filter { pod.spec[$0]?.bool == true }
            guard let first = fields.first else { return nil }
            return ControlOutcome(
                reason: "host namespaces", detail: fields.map { "\($0)=true" }.joined(separator: ", "),
                path: pod.path(first), line: pod.line([first]))
        }
    ]

    public init() {}
}
