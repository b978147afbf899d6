import BrightKeysCore
import KubeModel

/// Baseline: AppArmor may not be disabled or overridden with anything but the runtime default or
/// a localhost profile: the beta annotations `container.apparmor.security.beta.kubernetes.io/*`
/// (`runtime/default`, `localhost/*`, empty) and the securityContext.appArmorProfile fields
/// (`RuntimeDefault`, `Localhost`, unset).
public struct AppArmorProfileControl: PodSecurityControl {
    public static let upstreamID = "appArmorProfile"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-001", slug: "pss-apparmor", title: "AppArmor disabled or overridden", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "The runtime's default AppArmor profile confines what a container may touch; unconfined removes that layer.",
        remediation: "Remove the unconfined AppArmor profile; use RuntimeDefault or a Localhost profile.",
        passing: [Example(pod: "securityContext: {appArmorProfile: {type: RuntimeDefault}}\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        appArmorProfile:
                          ↓type: Unconfined
                    """)
        ])

    static let annotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

    static func allowedAnnotation(_ value: String) -> Bool {
        value.isEmpty || value == "runtime/default" || value.hasPrefix("localhost/")
    }

    static func allowedType(_ node: Node?) -> Bool {
        guard let node, !node.isNull else { return true }
        let type = node["type"]?.scalarText ?? ""
        return type == "RuntimeDefault" || type == "Localhost"
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var forbidden: [String] = []
            var location: (String, Int)?
            for (key, value) in pod.annotations where key.hasPrefix(annotationPrefix) && !allowedAnnotation(value) {
                forbidden.append("\(key)=\(goQuote(value))")
                location = location ?? ("metadata.annotations", pod.metadata?.keyPosition("annotations")?.line ?? pod.spec.line)
            }
            if let profile = pod.podSetting("appArmorProfile"), !allowedType(profile) {
                forbidden.append("pod must not set securityContext.appArmorProfile.type to \(goQuote(profile["type"]?.scalarText ?? ""))")
                location = location ?? (pod.path("securityContext", "appArmorProfile"), pod.line(["securityContext", "appArmorProfile", "type"]))
            }
            for container in pod.containers {
                guard let profile = container.setting("appArmorProfile"), !allowedType(profile) else { continue }
                forbidden.append(
                    "container \(goQuote(container.name)) must not set securityContext.appArmorProfile.type to \(goQuote(profile["type"]?.scalarText ?? ""))")
                location = location ?? (container.path("securityContext", "appArmorProfile"), container.line(["securityContext", "appArmorProfile", "type"]))
            }
            guard let location else { return nil }
            forbidden.sort()
            return ControlOutcome(
                reason: Detail.pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", forbidden.count),
                detail: forbidden.joined(separator: ", "), path: location.0, line: location.1)
        }
    ]

    public init() {}
}
