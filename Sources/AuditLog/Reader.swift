import KubeModel

/// Reads audit events: one JSON object per line (the log backend), `EventList` bodies (the
/// webhook backend), counting malformed lines instead of stopping.
public struct AuditReader {
    public private(set) var malformed: [(line: Int, message: String)] = []
    public private(set) var events = 0
    let loader = ManifestLoader()

    public init() {}

    /// Events of one line (an Event, or every item of an EventList).
    public mutating func events(line text: [UInt8], number: Int, file: String) -> [AuditEvent] {
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return [] }
        let (documents, errors) = loader.parseDocuments(bytes: text, file: file)
        if let error = errors.first {
            malformed.append((number, error.message))
            return []
        }
        guard let node = documents.first, node.mapping != nil else {
            malformed.append((number, "not a JSON object"))
            return []
        }
        let kind = node["kind"]?.string
        if kind == "EventList" {
            let items = node["items"]?.items ?? []
            events += items.count
            return items.map { AuditEvent(node: $0, line: number) }
        }
        guard kind == "Event" || node["auditID"] != nil else {
            malformed.append((number, "not an audit Event (kind \(kind ?? "missing"))"))
            return []
        }
        events += 1
        return [AuditEvent(node: node, line: number)]
    }
}
