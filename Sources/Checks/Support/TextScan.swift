/// Native string helpers for hot paths: Foundation's bridged search and trimming are an order of
/// magnitude slower on Linux, and credential checks run over every env value and ConfigMap value.
/// They read the text's bytes in place (native strings are contiguous) and allocate nothing.
extension StringProtocol {
    /// The text without leading and trailing ASCII spaces, tabs and carriage returns (and `extra`).
    func trimmedASCII(_ extra: Set<UInt8> = []) -> Substring {
        let text = Substring(self)
        let utf8 = text.utf8
        func trimmable(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || (!extra.isEmpty && extra.contains(byte)) }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, trimmable(utf8[start]) { start = utf8.index(after: start) }
        while end > start, trimmable(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        // ASCII bytes are whole characters: the bounds are character boundaries.
        return text[start..<end]
    }

    /// True when `needle` occurs in the text (byte-wise, exact).
    func containsBytes(_ needle: StaticString) -> Bool {
        firstByteOffset(of: needle) != nil
    }

    /// The byte offset of the first occurrence of `needle`.
    func firstByteOffset(of needle: StaticString) -> Int? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        if let found = utf8.withContiguousStorageIfAvailable({ Self.search(pattern, in: $0) }) { return found }
        return Array(utf8).withUnsafeBufferPointer { Self.search(pattern, in: $0) }
    }

    private static func search(_ pattern: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = pattern.first, pattern.count <= haystack.count else { return pattern.isEmpty ? 0 : nil }
        let last = haystack.count - pattern.count
        var index = 0
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < pattern.count && haystack[index + offset] == pattern[offset] { offset += 1 }
                if offset == pattern.count { return index }
            }
            index += 1
        }
        return nil
    }
}
