import KubeModel

/// One problem a check found in one object.
///
/// What never changes after a check made it sits in one shared, immutable box: findings are
/// copied from check to report to reporter, and a copy is then one reference, not a dozen.
public struct Finding: Sendable {
    private final class Payload: Sendable {
        let descriptor: CheckDescriptor
        let message: String
        /// The object it is about, as reports name it.
        let subject: KubeObject.Identity
        let location: FieldLocation

        init(descriptor: CheckDescriptor, message: String, subject: KubeObject.Identity, location: FieldLocation) {
            self.descriptor = descriptor
            self.message = message
            self.subject = subject
            self.location = location
        }
    }

    private let payload: Payload
    /// After configuration overrides.
    public var severity: Severity

    public init(check descriptor: CheckDescriptor, object: KubeObject, path: String, line: Int, message: String) {
        self.init(check: descriptor, object: object, location: FieldLocation(path: path, line: line), message: message)
    }

    public init(check descriptor: CheckDescriptor, object: KubeObject, location: FieldLocation, message: String) {
        payload = Payload(descriptor: descriptor, message: message, subject: object.identity, location: location)
        severity = descriptor.severity
    }

    /// The check that found it.
    public var descriptor: CheckDescriptor { payload.descriptor }
    public var checkID: String { payload.descriptor.id }
    public var slug: String { payload.descriptor.slug }
    public var title: String { payload.descriptor.title }
    public var controls: [Control] { payload.descriptor.controls }
    /// Lowercase, names the object's field; never holds a secret value.
    public var message: String { payload.message }
    public var file: String { payload.subject.file }
    /// Where the offending field is, worked out when a report asks.
    public var location: FieldLocation { payload.location }
    public var kind: String { payload.subject.kind }
    public var apiVersion: String { payload.subject.apiVersion }
    public var namespace: String { payload.subject.namespace }
    public var name: String { payload.subject.name }
    /// Where the object sits inside its document (`items[2]`), empty at top level.
    public var objectPath: String { payload.subject.pathInDocument }

    /// The same finding with its place worked out now. Scans keep findings until the report is
    /// written: a resolved place holds two values instead of the pod it was found in (and so the
    /// whole parsed object).
    public func resolvingLocation() -> Finding {
        guard !location.isKnown else { return self }
        let (path, line) = location.resolved
        let resolved = Payload(
            descriptor: payload.descriptor, message: payload.message, subject: payload.subject, location: FieldLocation(path: path, line: line))
        return Finding(payload: resolved, severity: severity)
    }

    private init(payload: Payload, severity: Severity) {
        self.payload = payload
        self.severity = severity
    }

    public var line: Int { location.resolved.line }

    /// Dotted path of the offending field inside the document (the object's own path first, for
    /// an object inside a List).
    public var path: String {
        let path = location.resolved.path
        return objectPath.isEmpty ? path : (path.isEmpty ? objectPath : "\(objectPath).\(path)")
    }
}
