/// A container image reference split the way container runtimes read it.
struct ImageReference {
    let repository: String
    let tag: String?
    let digest: String?

    init(_ text: String) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        } else {
            digest = nil
        }
        // A colon after the last slash separates the tag; one before it belongs to a registry port.
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            repository = String(rest[..<colon])
        } else {
            tag = nil
            repository = String(rest)
        }
    }

    /// True for a digest such as `sha256:<64 hex>`.
    var isPinned: Bool {
        guard let digest, let colon = digest.firstIndex(of: ":") else { return false }
        let hex = digest[digest.index(after: colon)...]
        return hex.count >= 32 && hex.allSatisfy(\.isHexDigit)
    }
}
