import KubeModel

/// Where a finding points: a dotted path in the object and its line. Working out the path costs
/// string building that a decision at admission never needs, so it is done only when asked.
public struct FieldLocation: Sendable {
    private enum Storage {
        case known(path: String, line: Int)
        /// A dotted field path inside a container or under the pod spec: the common cases, kept
        /// without allocating anything. When the field is not written and a fallback is given,
        /// the line is the fallback field's.
        case container(ContainerView, StaticString, orLineOf: StaticString?)
        case pod(PodView, StaticString, orLineOf: StaticString?)
        case deferred(@Sendable () -> (path: String, line: Int))
    }

    private let storage: Storage

    /// A location already known.
    public init(path: String, line: Int) {
        storage = .known(path: path, line: line)
    }

    /// A location worked out when asked.
    public init(_ resolve: @escaping @Sendable () -> (path: String, line: Int)) {
        storage = .deferred(resolve)
    }

    private init(_ storage: Storage) {
        self.storage = storage
    }

    /// A field inside a container, e.g. `securityContext.capabilities`; its line, else that of
    /// the nearest written parent or, given, of `fallback` (`name`, say) when it is not written.
    public static func container(_ container: ContainerView, _ field: StaticString, orLineOf fallback: StaticString? = nil) -> FieldLocation {
        FieldLocation(.container(container, field, orLineOf: fallback))
    }

    /// A field under the pod spec, e.g. `securityContext.runAsUser`, with the same fallback.
    public static func pod(_ pod: PodView, _ field: StaticString, orLineOf fallback: StaticString? = nil) -> FieldLocation {
        FieldLocation(.pod(pod, field, orLineOf: fallback))
    }

    /// True when the place is already worked out (nothing is held but the path and line).
    public var isKnown: Bool {
        if case .known = storage { return true }
        return false
    }

    public var resolved: (path: String, line: Int) {
        switch storage {
        case .known(let path, let line): return (path, line)
        case .container(let container, let field, let fallback):
            return (container.path(field.description), Self.line(of: field, orLineOf: fallback, in: container.node, container.line))
        case .pod(let pod, let field, let fallback):
            return (pod.path(field.description), Self.line(of: field, orLineOf: fallback, in: pod.spec, pod.line))
        case .deferred(let resolve): return resolve()
        }
    }

    /// The line of dotted `field` under `node` (through `line`, the container's or the pod's);
    /// when the field is not written and there is a fallback, the fallback's line.
    private static func line(of field: StaticString, orLineOf fallback: StaticString?, in node: Node, _ line: ([String]) -> Int) -> Int {
        let components = field.description.split(separator: ".").map(String.init)
        guard let fallback else { return line(components) }
        var current = node
        for component in components {
            guard let child = current[component] else { return line([fallback.description]) }
            current = child
        }
        return line(components)
    }
}
