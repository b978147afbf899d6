/// Where pod specs live inside objects: the built-in workload kinds, well-known custom resources,
/// and what users declare in `.brightkeys.yaml`.
public struct WorkloadCatalog: Sendable {
    /// `group/Kind` (core group: `Kind`) → dotted path of the pod spec inside the object.
    public private(set) var podSpecPaths: [String: String]

    public static let builtIn: [String: String] = [
        "Pod": "spec",
        "PodTemplate": "template.spec",
        "ReplicationController": "spec.template.spec",
        "apps/Deployment": "spec.template.spec",
        "apps/StatefulSet": "spec.template.spec",
        "apps/DaemonSet": "spec.template.spec",
        "apps/ReplicaSet": "spec.template.spec",
        "batch/Job": "spec.template.spec",
        "batch/CronJob": "spec.jobTemplate.spec.template.spec",
        // Well-known custom resources that embed a full pod template.
        "argoproj.io/Rollout": "spec.template.spec",
        "apps.kruise.io/CloneSet": "spec.template.spec",
        "apps.kruise.io/StatefulSet": "spec.template.spec",
        "apps.kruise.io/DaemonSet": "spec.template.spec",
        "serving.knative.dev/Service": "spec.template.spec",
        "serving.knative.dev/Configuration": "spec.template.spec",
        "keda.sh/ScaledJob": "spec.jobTargetRef.template.spec",
    ]

    /// Each path of `podSpecPaths` with its keys, made once: one look-up finds both.
    private let specs: [String: (path: String, components: [String])]

    public init(extra: [String: String] = [:]) {
        podSpecPaths = Self.builtIn.merging(extra) { _, user in user }
        specs = podSpecPaths.mapValues { ($0, $0.split(separator: ".").map(String.init)) }
    }

    /// The key for an object: `group/Kind`, or just `Kind` for the core group. Old group versions
    /// (`extensions/v1beta1` Deployments) count as their current group.
    public static func key(group: String, kind: String) -> String {
        let current = group == "extensions" ? "apps" : group
        return current.isEmpty ? kind : "\(current)/\(kind)"
    }

    /// The pod spec of `object`, if it has one.
    public func podView(for object: KubeObject) -> PodView? {
        let key = Self.key(group: object.group, kind: object.kind)
        guard let (path, components) = specs[key] else { return nil }
        var node: Node? = object.root
        var parent: Node? = object.root
        for component in components {
            parent = node
            node = node?[component]
        }
        guard let spec = node, spec.mapping != nil else { return nil }
        // The pod's metadata sits beside its spec: `metadata` of a Pod, `template.metadata` of a template.
        return PodView(object: object, spec: spec, specPath: path, metadata: parent?["metadata"])
    }
}

/// The kinds of container a pod has.
public enum ContainerKind: String, Sendable, CaseIterable {
    case initContainer = "initContainers"
    case container = "containers"
    case ephemeralContainer = "ephemeralContainers"
}

/// A pod spec inside some object, with its path there. Shared, not copied: every control and
/// check of a decision reads the same one.
public final class PodView: Sendable {
    public let object: KubeObject
    public let spec: Node
    /// Dotted path of the spec inside the object, e.g. `spec.jobTemplate.spec.template.spec`.
    public let specPath: String
    /// The pod's metadata (labels, annotations).
    public let metadata: Node?
    public let securityContext: Node?

    /// Every container in the order Kubernetes validates them: init, regular, ephemeral.
    public let containers: [ContainerView]
    /// The volumes, in order; `volumePath(index)` names one. Read once: several controls and
    /// checks walk them.
    public let volumes: [Node]

    public init(object: KubeObject, spec: Node, specPath: String, metadata: Node?) {
        self.object = object
        self.spec = spec
        self.specPath = specPath
        self.metadata = metadata
        let podSecurityContext = spec["securityContext"]
        securityContext = podSecurityContext
        // Listed first, so that the views go into an array made once, in the order Kubernetes
        // validates them: init, regular, ephemeral.
        let initContainers = spec[ContainerKind.initContainer.rawValue]?.sequence ?? []
        let regular = spec[ContainerKind.container.rawValue]?.sequence ?? []
        let ephemeral = spec[ContainerKind.ephemeralContainer.rawValue]?.sequence ?? []
        var result: [ContainerView] = []
        result.reserveCapacity(initContainers.count + regular.count + ephemeral.count)
        func add(_ kind: ContainerKind, _ items: [Node]) {
            for (index, node) in items.enumerated() {
                result.append(ContainerView(podPath: specPath, podSecurityContext: podSecurityContext, kind: kind, index: index, node: node))
            }
        }
        add(.initContainer, initContainers)
        add(.container, regular)
        add(.ephemeralContainer, ephemeral)
        containers = result
        volumes = spec["volumes"]?.items ?? []
    }

    public var annotations: [String: String] { KubeObject.stringMap(metadata?["annotations"]) }

    /// The path of a field of the spec, e.g. `path("securityContext", "runAsUser")`.
    public func path(_ components: String...) -> String {
        ([specPath] + components).joined(separator: ".")
    }

    /// `spec.os.name == windows`: some restricted controls do not apply to Windows pods.
    public var isWindows: Bool { spec["os"]?["name"]?.string == "windows" }

    /// The path of the volume at `index`, e.g. `spec.volumes[2]`.
    public func volumePath(_ index: Int) -> String { path("volumes[\(index)]") }

    /// The line of a field under the spec, or of the nearest existing parent.
    public func line(_ components: [String]) -> Int {
        var node = spec
        var line = spec.line
        for component in components {
            guard let position = node.keyPosition(component), let child = node[component] else { break }
            line = position.line
            node = child
        }
        return line
    }
}

/// One container of a pod (shared, like its pod).
public final class ContainerView: Sendable {
    /// Path of the pod spec that holds the container.
    public let podPath: String
    /// The pod-level securityContext the container inherits from.
    public let podSecurityContext: Node?
    public let kind: ContainerKind
    public let index: Int
    public let node: Node
    /// Read once: nearly every control and check asks for these.
    public let name: String
    public let securityContext: Node?
    /// The image as written (nil when absent or not a scalar).
    public let image: String?

    public init(podPath: String, podSecurityContext: Node?, kind: ContainerKind, index: Int, node: Node) {
        self.podPath = podPath
        self.podSecurityContext = podSecurityContext
        self.kind = kind
        self.index = index
        self.node = node
        name = node["name"]?.scalarText ?? ""
        securityContext = node["securityContext"]
        image = node["image"]?.scalarText
    }
    /// e.g. `spec.template.spec.initContainers[1]`.
    public var path: String { "\(podPath).\(kind.rawValue)[\(index)]" }

    /// The path of a field inside this container.
    public func path(_ components: String...) -> String {
        ([path] + components).joined(separator: ".")
    }

    /// The line of a field inside the container, or of the nearest existing parent.
    public func line(_ components: String...) -> Int {
        line(components)
    }

    /// The same, with the path as an array.
    public func line(_ components: [String]) -> Int {
        var current = node
        var line = node.line
        for component in components {
            guard let position = current.keyPosition(component), let child = current[component] else { break }
            line = position.line
            current = child
        }
        return line
    }

    /// A security-context setting as Kubernetes applies it: the container's own value, else the
    /// pod's (for the settings a pod-level securityContext provides). `windowsOptions` merges
    /// field by field, as the kubelet does.
    public func effective(_ field: EffectiveField) -> Node? {
        switch field {
        case .windowsOption(let name):
            return securityContext?["windowsOptions"]?[name] ?? podSecurityContext?["windowsOptions"]?[name]
        default:
            return securityContext?[field.key] ?? podSecurityContext?[field.key]
        }
    }

    /// Where the effective value of `field` is set: the container, the pod, or nowhere.
    public func effectiveSource(_ field: EffectiveField) -> (path: String, line: Int)? {
        if securityContext?[field.key] != nil {
            return (path("securityContext", field.key), line("securityContext", field.key))
        }
        if let podContext = podSecurityContext, let position = podContext.keyPosition(field.key) {
            return ("\(podPath).securityContext.\(field.key)", position.line)
        }
        return nil
    }
}

/// Security-context settings that a pod-level securityContext supplies to its containers.
public enum EffectiveField: Sendable, Equatable {
    case runAsUser, runAsGroup, runAsNonRoot, seLinuxOptions, seccompProfile, appArmorProfile
    case windowsOption(String)

    public var key: String {
        switch self {
        case .runAsUser: return "runAsUser"
        case .runAsGroup: return "runAsGroup"
        case .runAsNonRoot: return "runAsNonRoot"
        case .seLinuxOptions: return "seLinuxOptions"
        case .seccompProfile: return "seccompProfile"
        case .appArmorProfile: return "appArmorProfile"
        case .windowsOption: return "windowsOptions"
        }
    }
}
