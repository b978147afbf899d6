import BrightKeysCore
import KubeModel

/// Restricted: containers must run as non-root: runAsNonRoot=true on the pod (inherited) or on
/// every container, and false nowhere. From v1.35 a pod in a user namespace is exempt.
public struct RunAsNonRootControl: PodSecurityControl {
    public static let upstreamID = "runAsNonRoot"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-016", slug: "pss-run-as-non-root", title: "May run as root", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0)), .cis("5.2.7")],
        rationale: "Most images default to root; runAsNonRoot makes the kubelet refuse to start a container that would run as UID 0.",
        remediation: "Set securityContext.runAsNonRoot: true on the pod and give the image a non-root user.",
        passing: [
            Example(pod: "securityContext: {runAsNonRoot: true}\ncontainers: [{name: app, image: a:1}]"),
            Example(pod: "containers: [{name: app, image: a:1, securityContext: {runAsNonRoot: true}}]"),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - ↓name: app
                      image: a:1
                    """),
            Example(
                pod: """
                    securityContext: {runAsNonRoot: true}
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓runAsNonRoot: false
                    """),
        ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var setters: [String] = []
        var offenders = Offenders()
        var podNonRoot = false
        if let value = pod.podSetting("runAsNonRoot"), !value.isNull {
            if value.bool == true {
                podNonRoot = true
            } else {
                setters.append("pod")
                offenders.note(pod, "securityContext.runAsNonRoot")
            }
        }
        // Containers that set it to false (`offenders`), and that leave it unset.
        var implicitOffenders = Offenders()
        for container in pod.containers {
            if let value = container.setting("runAsNonRoot"), !value.isNull {
                if value.bool != true {
                    offenders.add(container, "securityContext.runAsNonRoot")
                }
            } else if !podNonRoot {
                implicitOffenders.add(container, "securityContext.runAsNonRoot")
            }
        }
        if !offenders.names.isEmpty { setters.append(Detail.containers(offenders.names)) }
        if !setters.isEmpty {
            return offenders.outcome(
                reason: "runAsNonRoot != true", detail: "\(setters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false",
                fallback: pod)
        }
        guard !implicitOffenders.names.isEmpty else { return nil }
        return implicitOffenders.outcome(
            reason: "runAsNonRoot != true",
            detail: Detail.containers(implicitOffenders.names, before: "pod or ", after: " must set securityContext.runAsNonRoot=true"), fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { evaluate($0) },
        VersionedRule(KubeVersion(1, 35)) { $0.usesUserNamespace ? nil : evaluate($0) },
    ]

    public init() {}
}
