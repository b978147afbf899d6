/// A container image reference split the way container runtimes read it.
///
/// Read byte by byte: references are ASCII in practice, and the separators (`@`, `/`, `:`) are
/// ASCII, so byte offsets are character boundaries.
struct ImageReference {
    let repository: Substring
    let tag: Substring?
    let digest: Substring?

    init(_ text: String) {
        let utf8 = text.utf8
        // The digest follows the first `@`; the tag follows a colon after the last slash (a colon
        // before it belongs to a registry port).
        var at: String.Index?
        var lastSlash: String.Index?
        var lastColon: String.Index?
        var index = utf8.startIndex
        while index != utf8.endIndex {
            switch utf8[index] {
            case UInt8(ascii: "@"):
                at = index
            case UInt8(ascii: "/"): lastSlash = index
            case UInt8(ascii: ":"): lastColon = index
            default: break
            }
            if at != nil { break }
            index = utf8.index(after: index)
        }
        let end = at ?? text.endIndex
        digest = at.map { text[utf8.index(after: $0)...] }
        if let colon = lastColon, lastSlash.map({ colon > $0 }) ?? true {
            tag = text[utf8.index(after: colon)..<end]
            repository = text[..<colon]
        } else {
            tag = nil
            repository = text[..<end]
        }
    }

    /// True for a digest such as `sha256:<64 hex>`.
    var isPinned: Bool {
        guard let digest, let colon = digest.utf8.firstIndex(of: UInt8(ascii: ":")) else { return false }
        let hex = digest.utf8[digest.utf8.index(after: colon)...]
        return hex.count >= 32
            && hex.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): return true
                default: return false
                }
            }
    }
}
