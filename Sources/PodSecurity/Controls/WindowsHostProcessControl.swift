import BrightKeysCore
import KubeModel

/// Baseline: Windows HostProcess containers (privileged access to the Windows node) are forbidden.
/// Restricted fields: securityContext.windowsOptions.hostProcess of the pod and every container.
public struct WindowsHostProcessControl: PodSecurityControl {
    public static let upstreamID = "windowsHostProcess"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-012", slug: "pss-windows-host-process", title: "Windows HostProcess", severity: .critical,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "A Windows HostProcess container runs directly on the node with the node's privileges.",
        remediation: "Remove securityContext.windowsOptions.hostProcess or set it to false.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, securityContext: {windowsOptions: {hostProcess: false}}}]")],
        failing: [
            Example(
                pod: """
                    securityContext:
                      windowsOptions:
                        ↓hostProcess: true
                    containers: [{name: app, image: a:1}]
                    """)
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var setters: [String] = []
            var offenders = Offenders()
            if pod.podSetting("windowsOptions", "hostProcess")?.bool == true {
                setters.append("pod")
                offenders.note(pod, "securityContext.windowsOptions.hostProcess")
            }
            var containers: [String] = []
            for container in pod.containers where container.setting("windowsOptions", "hostProcess")?.bool == true {
                containers.append(container.name)
                offenders.add(container, "securityContext.windowsOptions.hostProcess")
            }
            if !containers.isEmpty { setters.append(Detail.containers(containers)) }
            guard !setters.isEmpty else { return nil }
            return offenders.outcome(
                reason: "hostProcess",
                detail: "\(setters.joined(separator: " and ")) must not set securityContext.windowsOptions.hostProcess=true", fallback: pod)
        }
    ]

    public init() {}
}
