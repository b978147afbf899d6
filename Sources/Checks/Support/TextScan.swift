/// Native string helpers for hot paths: Foundation's bridged search and trimming are an order of
/// magnitude slower on Linux, and credential checks run over every ConfigMap value.
extension StringProtocol {
    /// The text without leading and trailing ASCII spaces and tabs.
    func trimmedASCII(_ extra: Set<UInt8> = []) -> Substring {
        let utf8 = Array(self.utf8)
        var start = 0
        var end = utf8.count
        func trimmable(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || extra.contains(byte) }
        while start < end, trimmable(utf8[start]) { start += 1 }
        while end > start, trimmable(utf8[end - 1]) { end -= 1 }
        let text = String(self)
        let from = text.utf8.index(text.utf8.startIndex, offsetBy: start)
        let to = text.utf8.index(text.utf8.startIndex, offsetBy: end)
        return text[from..<to]
    }

    /// True when `needle` occurs in the text (byte-wise, exact).
    func containsBytes(_ needle: String) -> Bool {
        firstByteOffset(of: needle) != nil
    }

    /// The byte offset of the first occurrence of `needle`.
    func firstByteOffset(of needle: String) -> Int? {
        let haystack = Array(self.utf8)
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, pattern.count <= haystack.count else { return pattern.isEmpty ? 0 : nil }
        var index = 0
        let last = haystack.count - pattern.count
        while index <= last {
            if haystack[index] == first {
                var match = true
                for offset in 1..<pattern.count where haystack[index + offset] != pattern[offset] {
                    match = false
                    break
                }
                if match { return index }
            }
            index += 1
        }
        return nil
    }
}
