import BrightKeysCore
import KubeModel

/// Baseline: a seccomp profile, if set, must be the runtime default or a localhost profile.
/// v1.0–v1.18 read the alpha annotations (`runtime/default`, `docker/default`, `localhost/*`);
/// v1.19 on read securityContext.seccompProfile.type (`RuntimeDefault`, `Localhost`, unset).
public struct SeccompProfileBaselineControl: PodSecurityControl {
    public static let upstreamID = "seccompProfile_baseline"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-009", slug: "pss-seccomp-baseline", title: "Seccomp profile not unconfined", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "An Unconfined seccomp profile lets a container make any system call, including the ones most kernel exploits need.",
        remediation: "Remove the Unconfined seccomp profile; use RuntimeDefault or a Localhost profile.",
        passing: [Example(pod: "securityContext: {seccompProfile: {type: RuntimeDefault}}\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    securityContext:
                      seccompProfile:
                        ↓type: Unconfined
                    containers: [{name: app, image: a:1}]
                    """)
        ])

    static let annotationPod = "seccomp.security.alpha.kubernetes.io/pod"
    static let annotationContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/"

    static func validAnnotation(_ value: String) -> Bool {
        value == "runtime/default" || value == "docker/default" || value.hasPrefix("localhost/")
    }

    static func validType(_ type: String) -> Bool { type == "RuntimeDefault" || type == "Localhost" }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            let annotations = pod.annotations
            var forbidden = Set<String>()
            if let value = annotations[annotationPod], !validAnnotation(value) {
                forbidden.insert("\(annotationPod)=\(goQuote(value))")
            }
            for container in pod.containers {
                let key = annotationContainerPrefix + container.name
                if let value = annotations[key], !validAnnotation(value) {
                    forbidden.insert("\(key)=\(goQuote(value))")
                }
            }
            guard !forbidden.isEmpty else { return nil }
            return ControlOutcome(
                reason: "seccompProfile",
                detail: "forbidden \(Detail.pluralize("annotation", "annotations", forbidden.count)) \(forbidden.sorted().joined(separator: ", "))",
                path: "metadata.annotations", line: pod.metadata?.keyPosition("annotations")?.line ?? pod.spec.line)
        },
        VersionedRule(KubeVersion(1, 19)) { pod in
            SeccompFields.evaluate(pod, requireSet: false)
        },
    ]

    public init() {}
}

/// The seccompProfile field rules shared by the baseline and restricted controls.
enum SeccompFields {
    static func evaluate(_ pod: PodView, requireSet: Bool) -> ControlOutcome? {
        var setters: [String] = []
        var badValues = Set<String>()
        var offenders = Offenders()
        var podSet = false
        if let type = pod.podSetting("seccompProfile") {
            let value = type["type"]?.scalarText ?? ""
            if SeccompProfileBaselineControl.validType(value) {
                podSet = true
            } else {
                setters.append("pod")
                badValues.insert(value)
                offenders.note(pod, "securityContext.seccompProfile.type")
            }
        }
        // Containers with a forbidden type (`offenders`), and without any.
        var implicitOffenders = Offenders()
        for container in pod.containers {
            if let profile = container.setting("seccompProfile") {
                let value = profile["type"]?.scalarText ?? ""
                if !SeccompProfileBaselineControl.validType(value) {
                    badValues.insert(value)
                    offenders.add(container, "securityContext.seccompProfile.type")
                }
            } else if !podSet {
                implicitOffenders.add(container, "securityContext")
            }
        }
        if !offenders.names.isEmpty { setters.append(Detail.containers(offenders.names)) }
        if !setters.isEmpty {
            return offenders.outcome(
                reason: "seccompProfile",
                detail: "\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(Detail.joinQuote(badValues.sorted()))",
                fallback: pod)
        }
        if requireSet, !implicitOffenders.names.isEmpty {
            return implicitOffenders.outcome(
                reason: "seccompProfile",
                detail: Detail.containers(
                    implicitOffenders.names, before: "pod or ", after: " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""),
                fallback: pod)
        }
        return nil
    }
}
