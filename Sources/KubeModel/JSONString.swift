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
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                // One comparison for the common case: every byte that needs an escape is below 0x5D.
                guard byte < 0x5D, byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if start < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                output.append(0x5C)
                switch byte {
                case 0x22: output.append(0x22)
                case 0x5C: output.append(0x5C)
                case 0x0A: output.append(UInt8(ascii: "n"))
                case 0x0D: output.append(UInt8(ascii: "r"))
                case 0x09: output.append(UInt8(ascii: "t"))
                default:
                    let digits: [UInt8] = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
                }
                start = index + 1
            }
            if start < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])) }
            output.append(0x22)
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
