/// Comparisons that fold ASCII letters only, as Go's protocol code does (HTTP media types, the
/// placeholder words of manifests): any other byte must match exactly, and nothing is allocated.
extension String {
    /// `hasPrefix` ignoring ASCII case (only ASCII letters fold; other bytes must match).
    public func hasPrefixIgnoringASCIICase(_ prefix: String) -> Bool {
        var text = utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = text.next(), Self.foldedASCII(byte) == Self.foldedASCII(expected) else { return false }
        }
        return true
    }

    /// `hasSuffix` ignoring ASCII case.
    public func hasSuffixIgnoringASCIICase(_ suffix: String) -> Bool {
        utf8.count >= suffix.utf8.count && zip(utf8.suffix(suffix.utf8.count), suffix.utf8).allSatisfy { Self.foldedASCII($0) == Self.foldedASCII($1) }
    }

    /// `==` ignoring ASCII case.
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.count == other.utf8.count && hasPrefixIgnoringASCIICase(other)
    }

    private static func foldedASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
