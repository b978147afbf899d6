import KubeModel

/// One problem a check found in one object.
public struct Finding: Sendable {
    public let checkID: String
    public let slug: String
    public let title: String
    /// After configuration overrides.
    public var severity: Severity
    public let controls: [Control]
    /// Lowercase, names the object's field; never holds a secret value.
    public let message: String
    public let file: String
    public let line: Int
    /// Dotted path of the offending field inside the object.
    public let path: String
    public let kind: String
    public let apiVersion: String
    public let namespace: String
    public let name: String
    /// Where the object sits inside its document (`items[2]`), empty at top level.
    public let objectPath: String

    public init(check descriptor: CheckDescriptor, object: KubeObject, path: String, line: Int, message: String) {
        checkID = descriptor.id
        slug = descriptor.slug
        title = descriptor.title
        severity = descriptor.severity
        controls = descriptor.controls
        self.message = message
        file = object.file
        self.line = line
        self.path = object.pathInDocument.isEmpty ? path : (path.isEmpty ? object.pathInDocument : "\(object.pathInDocument).\(path)")
        kind = object.kind
        apiVersion = object.apiVersion
        namespace = object.namespace
        name = object.name
        objectPath = object.pathInDocument
    }
}
