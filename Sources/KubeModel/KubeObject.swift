/// One Kubernetes object read from a manifest, with where it came from.
public struct KubeObject: Sendable {
    /// What names the object and where it came from, read once and shared: findings and views
    /// copy the object many times per check, and a copy is then two references, not eight.
    public final class Identity: Sendable {
        /// The file it was read from (`-` for standard input).
        public let file: String
        /// Where the object sits inside its document, e.g. `items[3]` for a member of a `List`;
        /// empty for a top-level object.
        public let pathInDocument: String
        public let apiVersion: String
        public let kind: String
        /// The API group: `apps` for `apps/v1`, empty for the core group.
        public let group: String
        /// `metadata.name` (or, before the API server has named it, `metadata.generateName`).
        public let name: String
        public let namespace: String

        init(file: String, root: Node, pathInDocument: String) {
            self.file = file
            self.pathInDocument = pathInDocument
            let apiVersion = root["apiVersion"]?.string ?? ""
            self.apiVersion = apiVersion
            kind = root["kind"]?.string ?? ""
            group = apiVersion.firstIndex(of: "/").map { String(apiVersion[..<$0]) } ?? ""
            let metadata = root["metadata"]
            name = metadata?["name"]?.scalarText ?? metadata?["generateName"]?.scalarText ?? ""
            namespace = metadata?["namespace"]?.scalarText ?? ""
        }
    }

    /// The object's own mapping.
    public let root: Node
    public let identity: Identity

    public init(file: String, root: Node, pathInDocument: String = "") {
        self.root = root
        identity = Identity(file: file, root: root, pathInDocument: pathInDocument)
    }

    /// The file it was read from (`-` for standard input).
    public var file: String { identity.file }
    /// Where the object sits inside its document, e.g. `items[3]` for a member of a `List`; empty
    /// for a top-level object.
    public var pathInDocument: String { identity.pathInDocument }
    public var apiVersion: String { identity.apiVersion }
    public var kind: String { identity.kind }
    /// The API group: `apps` for `apps/v1`, empty for the core group.
    public var group: String { identity.group }
    public var name: String { identity.name }
    public var namespace: String { identity.namespace }

    public var metadata: Node? { root["metadata"] }
    public var line: Int { root.line }

    public var labels: [String: String] { root.metadataLabels }
    public var annotations: [String: String] { Self.stringMap(metadata?["annotations"]) }

    public static func stringMap(_ node: Node?) -> [String: String] {
        guard let mapping = node?.mapping else { return [:] }
        var result: [String: String] = [:]
        for entry in mapping.entries {
            result[entry.key] = entry.value.scalarText ?? ""
        }
        return result
    }

    /// `Kind namespace/name` as people write it.
    public var displayName: String {
        let qualified = namespace.isEmpty ? name : "\(namespace)/\(name)"
        return "\(kind) \(qualified)"
    }
}

extension Node {
    /// `metadata.labels` of an object given as a bare node (an AdmissionReview's object, a watch
    /// event's), as `KubeObject.labels` reads them.
    public var metadataLabels: [String: String] { KubeObject.stringMap(self["metadata"]?["labels"]) }
}
