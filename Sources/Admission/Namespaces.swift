import Foundation
import KubeModel

/// What a namespace lookup found.
public enum NamespaceLookup: Sendable, Equatable {
    case found(labels: [String: String])
    case notFound
    /// The source could not answer (the API server unreachable, the cache not yet filled).
    case unavailable(String)
}

/// Where namespace labels come from: the API server in a cluster, a file offline. Never the
/// request itself — whoever creates a pod must not choose its namespace's policy.
public protocol NamespaceSource: Sendable {
    func lookup(_ name: String) async -> NamespaceLookup
    /// Whether the source has loaded what it needs to answer (for `/readyz`).
    var isReady: Bool { get }
}

/// Namespaces read once from manifests: `Namespace` objects and `NamespaceList`/`List` items.
public struct StaticNamespaces: NamespaceSource {
    public let labels: [String: [String: String]]

    public init(labels: [String: [String: String]]) {
        self.labels = labels
    }

    /// Collects the namespaces among loaded objects.
    public init(objects: [KubeObject]) {
        var labels: [String: [String: String]] = [:]
        for object in objects where object.kind == "Namespace" && object.group.isEmpty && !object.name.isEmpty {
            labels[object.name] = object.labels
        }
        self.labels = labels
    }

    /// Reads Namespace manifests (YAML or JSON, lists included) from a file or a directory;
    /// other objects there are ignored, any input error is thrown.
    public static func load(file: String) throws -> StaticNamespaces {
        let loader = ManifestLoader()
        let (files, errors) = loader.expand([file])
        if let error = errors.first { throw error }
        var objects: [KubeObject] = []
        for path in files {
            let loaded = loader.load(file: path)
            if let error = loaded.errors.first { throw error }
            objects += loaded.objects
        }
        return StaticNamespaces(objects: objects)
    }

    public func lookup(_ name: String) async -> NamespaceLookup {
        labels[name].map { .found(labels: $0) } ?? .notFound
    }

    public var isReady: Bool { true }
}
