/// JSON string literals, shared by every module that writes JSON text.
public enum JSONString {
    /// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped.
    public static func append(_ text: String, to output: inout String) {
        var text = text
        let clean = text.withUTF8 { bytes in !bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        if clean {
            // Most strings need no escape: appended whole, with no intermediate copy.
            output += "\""
            output += text
            output += "\""
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        append(text, to: &bytes)
        // The escapes are ASCII and runs between them are whole characters: valid UTF-8.
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// The same, into bytes.
    public static func append(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            output.append(0x22)
            guard let base = bytes.baseAddress else {
                output.append(0x22)
                return
            }
            let count = bytes.count
            var start = 0
            var index = 0
            while index < count {
                // Eight bytes at a time while none of them needs an escape.
                while index + 8 <= count, !mayNeedEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                    index += 8
                }
                guard index < count else { break }
                let byte = base[index]
                if byte < 0x20 || byte == 0x22 || byte == 0x5C {
                    if start < index { output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start)) }
                    output.append(0x5C)
                    switch byte {
                    case 0x22: output.append(0x22)
                    case 0x5C: output.append(0x5C)
                    case 0x0A: output.append(UInt8(ascii: "n"))
                    case 0x0D: output.append(UInt8(ascii: "r"))
                    case 0x09: output.append(UInt8(ascii: "t"))
                    default:
                        output.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                    }
                    start = index + 1
                }
                index += 1
            }
            if start < count { output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start)) }
            output.append(0x22)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any of eight bytes may be a control character, a quote or a backslash (no false
    /// negatives; a false positive only sends the bytes through the one-by-one path).
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        return (control | hasZeroByte(word ^ (ones &* 0x22)) | hasZeroByte(word ^ (ones &* 0x5C))) != 0
    }
}

extension Node {
    /// Compact JSON text of the node (what Falco prints for objects; AdmissionReview bodies).
    /// Non-finite numbers, which YAML can write and JSON cannot, become null.
    public var jsonText: String {
        var output = ""
        Self.write(self, into: &output)
        return output
    }

    static func write(_ node: Node, into output: inout String) {
        switch node.value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number): output += number.isFinite ? String(number) : "null"
        case .string(let text): JSONString.append(text, to: &output)
        case .sequence(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, into: &output)
            }
            output += "]"
        case .mapping(let mapping):
            output += "{"
            for (index, entry) in mapping.entries.enumerated() {
                if index > 0 { output += "," }
                JSONString.append(entry.key, to: &output)
                output += ":"
                write(entry.value, into: &output)
            }
            output += "}"
        }
    }
}
