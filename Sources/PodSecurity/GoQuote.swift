import KubeModel

/// Quotes a string the way Go's `%q` does for the printable text found in manifests, so details
/// match the upstream evaluator byte for byte.
public func goQuote(_ text: String) -> String {
    if quotesAsItIs(text) { return "\"" + text + "\"" }
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// `goQuote(text)`, appended.
public func appendGoQuoted(_ text: String, to assembly: inout TextAssembly) {
    guard quotesAsItIs(text) else { return assembly.append(goQuote(text)) }
    assembly.append("\"")
    assembly.append(text)
    assembly.append("\"")
}

/// Printable ASCII without quotes or backslashes (nearly every name) is quoted as it is.
private func quotesAsItIs(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { bytes in bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C } }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
