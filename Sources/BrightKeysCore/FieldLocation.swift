import KubeModel

/// Where a finding points: a dotted path in the object and its line. Working out the path costs
/// string building that a decision at admission never needs, so it is done only when asked.
public struct FieldLocation: Sendable {
    private enum Storage {
        case known(path: String, line: Int)
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

    /// A field inside a container, e.g. `securityContext.capabilities`.
    public static func container(_ container: ContainerView, _ components: [String]) -> FieldLocation {
        FieldLocation {
            // A component may itself be dotted (`livenessProbe.httpGet.host`).
            let split = components.flatMap { $0.split(separator: ".").map(String.init) }
            return (container.path(split.joined(separator: ".")), container.line(split))
        }
    }

    /// A field under the pod spec, e.g. `securityContext.runAsUser`.
    public static func pod(_ pod: PodView, _ components: [String]) -> FieldLocation {
        FieldLocation { (([pod.specPath] + components).joined(separator: "."), pod.line(components)) }
    }

    public var resolved: (path: String, line: Int) {
        switch storage {
        case .known(let path, let line): return (path, line)
        case .deferred(let resolve): return resolve()
        }
    }
}
