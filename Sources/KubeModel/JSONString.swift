/// JSON string literals, shared by every module that writes JSON text.
public enum JSONString {
    /// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped.
    public static func append(_ text: String, to output: inout String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            output += "\""
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                // Runs between escapes are appended whole; ASCII escapes never split a
                // multi-byte character, so every run is valid UTF-8.
                if start < index { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) }
                switch byte {
                case 0x22: output += "\\\""
                case 0x5C: output += "\\\\"
                case 0x0A: output += "\\n"
                case 0x0D: output += "\\r"
                case 0x09: output += "\\t"
                default:
                    let hex = String(byte, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                start = index + 1
            }
            if start < bytes.count { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]), as: UTF8.self) }
            output += "\""
        }
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
