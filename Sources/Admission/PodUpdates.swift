import KubeModel

/// Which pod updates Pod Security Admission evaluates again. Most fields of a running pod cannot
/// change; what can and matters to the standards is a container's image, a seccomp annotation, and
/// ephemeral containers being added. Label, annotation, finalizer and owner changes are let through.
public enum PodUpdates {
    static let podSeccompAnnotation = "seccomp.security.alpha.kubernetes.io/pod"
    static let containerSeccompPrefix = "container.seccomp.security.alpha.kubernetes.io/"

    public static func isSignificant(_ pod: Node, old: Node) -> Bool {
        let annotations = pod["metadata"]?["annotations"]
        let oldAnnotations = old["metadata"]?["annotations"]
        if annotations?[podSeccompAnnotation]?.scalarText != oldAnnotations?[podSeccompAnnotation]?.scalarText { return true }
        let spec = pod["spec"]
        let oldSpec = old["spec"]
        for field in ["containers", "initContainers"] {
            let containers = spec?[field]?.items ?? []
            let oldContainers = oldSpec?[field]?.items ?? []
            if containers.count != oldContainers.count { return true }
            for (container, oldContainer) in zip(containers, oldContainers)
            where changed(container, oldContainer, annotations: annotations, oldAnnotations: oldAnnotations) {
                return true
            }
        }
        let oldEphemeral = oldSpec?["ephemeralContainers"]?.items ?? []
        for container in spec?["ephemeralContainers"]?.items ?? [] {
            let name = container["name"]?.string
            // An ephemeral container added is evaluated.
            guard let oldContainer = oldEphemeral.first(where: { $0["name"]?.string == name }) else { return true }
            if changed(container, oldContainer, annotations: annotations, oldAnnotations: oldAnnotations) { return true }
        }
        return false
    }

    static func changed(_ container: Node, _ old: Node, annotations: Node?, oldAnnotations: Node?) -> Bool {
        if container["image"]?.scalarText != old["image"]?.scalarText { return true }
        let key = containerSeccompPrefix + (container["name"]?.string ?? "")
        return annotations?[key]?.scalarText != oldAnnotations?[key]?.scalarText
    }
}
