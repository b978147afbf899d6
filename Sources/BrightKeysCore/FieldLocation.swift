import KubeModel

/// Where a finding points: a dotted path in the object and its line. Working out the path costs
/// string building that a decision at admission never needs, so it is done only when asked.
public struct FieldLocation: Sendable {
    private enum Storage {
        case known(path: String, line: Int)
        /// A dotted field path inside a container or under the pod spec: the common cases, kept
        /// without allocating anything.
        case container(ContainerView, StaticString)
        case pod(PodView, StaticString)
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

    /// A field inside a container, e.g. `securityContext.capabilities`.
    public static func container(_ container: ContainerView, _ field: StaticString) -> FieldLocation {
        FieldLocation(.container(container, field))
    }

    /// A field under the pod spec, e.g. `securityContext.runAsUser`.
    public static func pod(_ pod: PodView, _ field: StaticString) -> FieldLocation {
        FieldLocation(.pod(pod, field))
    }

    /// True when the place is already worked out (nothing is held but the path and line).
    public var isKnown: Bool {
        if case .known = storage { return true }
        return false
    }

    public var resolved: (path: String, line: Int) {
        switch storage {
        case .known(let path, let line): return (path, line)
        case .container(let container, let field):
            let components = field.description.split(separator: ".").map(String.init)
            return (container.path(field.description), container.line(components))
        case .pod(let pod, let field):
            let components = field.description.split(separator: ".").map(String.init)
            return (pod.path(field.description), pod.line(components))
        case .deferred(let resolve): return resolve()
        }
    }
}
