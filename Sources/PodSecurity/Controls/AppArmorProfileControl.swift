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
            var setters: [String] = []
            var types = Set<String>()
            var annotations = Set<String>()
            var location: (String, Int)?
            if let profile = pod.podSetting("appArmorProfile"), !allowedType(profile) {
                setters.append("pod")
                types.insert(profile["type"]?.scalarText ?? "")
                location = (pod.path("securityContext", "appArmorProfile", "type"), pod.line(["securityContext", "appArmorProfile", "type"]))
            }
            var containers: [String] = []
            for container in pod.containers {
                guard let profile = container.setting("appArmorProfile"), !allowedType(profile) else { continue }
                containers.append(container.name)
                types.insert(profile["type"]?.scalarText ?? "")
                location =
                    location ?? (container.path("securityContext", "appArmorProfile", "type"), container.line(["securityContext", "appArmorProfile", "type"]))
            }
            if !containers.isEmpty { setters.append(Detail.containers(containers)) }
            // The annotations read in place (no dictionary of them all is built); keys are unique.
            for entry in pod.metadata?["annotations"]?.mapping?.entries ?? [] where entry.key.hasPrefix(annotationPrefix) {
                let value = entry.value.scalarText ?? ""
                if !allowedAnnotation(value) { annotations.insert("\(entry.key)=\(goQuote(value))") }
            }
            if !annotations.isEmpty {
                setters.append(Detail.pluralize("annotation", "annotations", annotations.count))
                location = location ?? ("metadata.annotations", pod.metadata?.keyPosition("annotations")?.line ?? pod.spec.line)
            }
            guard let location else { return nil }
            let values = types.sorted() + annotations.sorted()
            return ControlOutcome(
                reason: Detail.pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.count),
                detail: "\(setters.joined(separator: " and ")) must not set AppArmor profile type to \(Detail.joinQuote(values))",
                path: location.0, line: location.1)
        }
    ]

    public init() {}
}
