/// A JSON reader that builds `Node` trees directly from bytes, for the hot paths that only ever
/// see JSON (AdmissionReview bodies): several times faster than going through libyaml, with the
/// same guarantees — positions on every value, a nesting limit, no recursion, duplicate keys and
/// invalid UTF-8 reported as errors with their line and column.
public struct JSONParser: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public let position: SourcePosition
        public let message: String
        public var description: String { "\(position.line):\(position.column): \(message)" }
    }

    public var maxDepth: Int

    public init(maxDepth: Int = ParseLimits.standard.maxDepth) {
        self.maxDepth = maxDepth
    }

    public func parse(_ bytes: [UInt8]) throws(Failure) -> Node {
        try bytes.withUnsafeBytes { buffer in Result { () throws(Failure) in try parse(buffer) } }.get()
    }

    /// The same, from bytes held elsewhere (a request body in the server's own buffer): the
    /// document copies what it keeps, so they need to live only for the call.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Node {
        // Offsets and positions are kept in 32 bits. The text grows past the input by the strings
        // that had escapes (never longer than written): at most twice the input.
        guard bytes.count <= Int(Int32.max) / 2 else { throw Failure(position: SourcePosition(line: 1, column: 1), message: "input larger than 1 GiB") }
        var failure: Failure?
        let node: Node? = bytes.withMemoryRebound(to: UInt8.self) { buffer in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            do throws(Failure) {
                let root = try reader.document()
                let document = JSONDocument(text: reader.text, records: reader.records, entries: reader.entries, elements: reader.elements)
                return Node(document, root)
            } catch {
                reader.deallocate()
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        guard let node else { throw Failure(position: SourcePosition(line: 1, column: 1), message: "empty input") }
        return node
    }
}

/// One container being filled, on the reader's explicit stack. Its elements or entries sit at
/// the end of one scratch array shared by all open containers (from `first` on), and move to the
/// document's own array when it closes. Plain values only, so that reading one off the stack
/// retains nothing.
private struct OpenContainer {
    let start: SourcePosition
    let isArray: Bool
    /// Where its elements (arrays) or entries (objects) begin in the scratch array.
    let first: Int
    /// For objects: the key whose value is being read (its value record is filled in later).
    var key = JSONDocument.Entry(keyOffset: 0, keyLength: 0, keyLine: 0, keyColumn: 0, value: 0)
    /// For large objects: whether the hashes of its keys are the last set of the reader's
    /// `seen` stack (small objects are searched instead, which is cheaper).
    var hashed = false

    init(start: SourcePosition, isArray: Bool, first: Int) {
        self.start = start
        self.isArray = isArray
        self.first = first
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var offset = 0
    var line = 1
    var lineStart = 0
    // The document being built. Its text starts as a copy of the input, where keys and strings
    // without escapes are found in place; unescaped strings are added at its end. The tables are
    // sized from the input, which every value takes a few bytes of: one allocation each in the
    // usual case.
    var text: JSONDocument.Table<UInt8>
    var records: JSONDocument.Table<JSONDocument.Record>
    var entries: JSONDocument.Table<JSONDocument.Entry>
    var elements: JSONDocument.Table<Int32>

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        text = JSONDocument.Table(capacity: bytes.count + 64)
        text.append(contentsOf: bytes)
        // (Large inputs start at a bounded size and grow, rather than reserve several times their size.)
        records = JSONDocument.Table(capacity: min(bytes.count / 8, 1 << 16) + 4)
        entries = JSONDocument.Table(capacity: min(bytes.count / 16, 1 << 15) + 4)
        elements = JSONDocument.Table(capacity: min(bytes.count / 64, 1 << 13) + 4)
    }

    /// Frees the tables of a parse that failed (a document takes them over otherwise).
    func deallocate() {
        text.deallocate()
        records.deallocate()
        entries.deallocate()
        elements.deallocate()
    }

    /// Adds a record and returns its index.
    mutating func record(_ kind: JSONDocument.Kind, at position: SourcePosition, count: Int = 0, payload: Int64 = 0) -> Int32 {
        records.append(
            JSONDocument.Record(kind: kind, line: Int32(position.line), column: Int32(position.column), count: Int32(count), payload: payload))
        return Int32(records.count - 1)
    }

    var position: SourcePosition { SourcePosition(line: line, column: offset - lineStart + 1) }

    func fail(_ message: String, at position: SourcePosition? = nil) -> JSONParser.Failure {
        JSONParser.Failure(position: position ?? self.position, message: message)
    }

    mutating func skipSpace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0D: offset += 1
            case 0x0A:
                offset += 1
                line += 1
                lineStart = offset
            default: return
            }
        }
    }

    mutating func document() throws(JSONParser.Failure) -> Int32 {
        // A UTF-8 byte order mark is tolerated, as encoding/json does not but kubectl's input does.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { offset = 3 }
        skipSpace()
        if offset >= bytes.count { throw fail("empty input") }
        let root = try value()
        skipSpace()
        if offset < bytes.count { throw fail("unexpected \(describe(bytes[offset])) after the top-level value") }
        return root
    }

    /// Reads one value and returns its record; containers are filled iteratively.
    mutating func value() throws(JSONParser.Failure) -> Int32 {
        var open: [OpenContainer] = []
        open.reserveCapacity(16)
        var pendingElements: [Int32] = []
        pendingElements.reserveCapacity(32)
        var pendingEntries: [JSONDocument.Entry] = []
        pendingEntries.reserveCapacity(32)
        // The key hashes of the open large objects, innermost last: a set is made when an object
        // reaches 16 keys, while it is the innermost open one, so they close in reverse order.
        // Seeded per process (`Hasher`), so that no input can make its keys collide.
        var seen: [Set<Int>] = []
        var current: Int32
        while true {
            skipSpace()
            guard offset < bytes.count else { throw fail("unexpected end of input") }
            let start = position
            switch bytes[offset] {
            case UInt8(ascii: "{"):
                offset += 1
                if open.count >= maxDepth { throw fail("nesting deeper than \(maxDepth) levels", at: start) }
                skipSpace()
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                    offset += 1
                    current = record(.mapping, at: start, payload: Int64(entries.count))
                } else {
                    var container = OpenContainer(start: start, isArray: false, first: pendingEntries.count)
                    container.key = try objectKey()
                    open.append(container)
                    continue
                }
            case UInt8(ascii: "["):
                offset += 1
                if open.count >= maxDepth { throw fail("nesting deeper than \(maxDepth) levels", at: start) }
                skipSpace()
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                    offset += 1
                    current = record(.sequence, at: start, payload: Int64(elements.count))
                } else {
                    open.append(OpenContainer(start: start, isArray: true, first: pendingElements.count))
                    continue
                }
            case UInt8(ascii: "\""):
                let (textOffset, count) = try string()
                current = record(.string, at: start, count: count, payload: Int64(textOffset))
            case UInt8(ascii: "t"):
                try literal("true")
                current = record(.trueValue, at: start)
            case UInt8(ascii: "f"):
                try literal("false")
                current = record(.falseValue, at: start)
            case UInt8(ascii: "n"):
                try literal("null")
                current = record(.null, at: start)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                current = try number()
            case let byte:
                throw fail("unexpected \(describe(byte)) where a value belongs")
            }
            // Hand the finished value to the containers above it, closing those that end here.
            while true {
                let top = open.count - 1
                guard top >= 0 else { return current }
                skipSpace()
                let isArray = open[top].isArray
                guard offset < bytes.count else { throw fail("unexpected end of input inside \(isArray ? "an array" : "an object")") }
                let byte = bytes[offset]
                offset += 1
                if isArray {
                    pendingElements.append(current)
                    if byte == UInt8(ascii: "]") {
                        let closed = open.removeLast()
                        let first = elements.count
                        pendingElements.withUnsafeBufferPointer { elements.append(contentsOf: UnsafeBufferPointer(rebasing: $0[closed.first...])) }
                        pendingElements.removeSubrange(closed.first...)
                        current = record(.sequence, at: closed.start, count: elements.count - first, payload: Int64(first))
                        continue
                    }
                    guard byte == UInt8(ascii: ",") else { throw fail("expected , or ] in an array, found \(describe(byte))", at: lastPosition) }
                } else {
                    var entry = open[top].key
                    entry.value = current
                    pendingEntries.append(entry)
                    if byte == UInt8(ascii: "}") {
                        let closed = open.removeLast()
                        if closed.hashed { seen.removeLast() }
                        let first = entries.count
                        pendingEntries.withUnsafeBufferPointer { entries.append(contentsOf: UnsafeBufferPointer(rebasing: $0[closed.first...])) }
                        pendingEntries.removeSubrange(closed.first...)
                        current = record(.mapping, at: closed.start, count: entries.count - first, payload: Int64(first))
                        continue
                    }
                    guard byte == UInt8(ascii: ",") else { throw fail("expected , or } in an object, found \(describe(byte))", at: lastPosition) }
                    skipSpace()
                    let next = try objectKey()
                    let first = open[top].first
                    let duplicate: Bool
                    if !open[top].hashed && pendingEntries.count - first < 16 {
                        duplicate = pendingEntries[first...].contains { sameKey($0, next) }
                    } else {
                        if !open[top].hashed {
                            seen.append(Set(pendingEntries[first...].map { keyHash($0) }))
                            open[top].hashed = true
                        }
                        // Hashes can collide: a hit is confirmed byte for byte.
                        duplicate = !seen[seen.count - 1].insert(keyHash(next)).inserted && pendingEntries[first...].contains { sameKey($0, next) }
                    }
                    if duplicate {
                        throw fail(
                            "duplicate key \"\(String(decoding: text.slice(Int(next.keyOffset), Int(next.keyLength)), as: UTF8.self))\"",
                            at: SourcePosition(line: Int(next.keyLine), column: Int(next.keyColumn)))
                    }
                    open[top].key = next
                }
                break
            }
        }
    }

    /// Whether two keys have the same bytes.
    func sameKey(_ lhs: JSONDocument.Entry, _ rhs: JSONDocument.Entry) -> Bool {
        guard lhs.keyLength == rhs.keyLength else { return false }
        let (left, right) = (Int(lhs.keyOffset), Int(rhs.keyOffset))
        for index in 0..<Int(lhs.keyLength) where text[left + index] != text[right + index] { return false }
        return true
    }

    /// The seeded hash of a key's bytes.
    func keyHash(_ entry: JSONDocument.Entry) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(text.slice(Int(entry.keyOffset), Int(entry.keyLength))))
        return hasher.finalize()
    }

    var lastPosition: SourcePosition { SourcePosition(line: line, column: offset - lineStart) }

    /// `"key"` and the colon after it (the entry's value is not known yet).
    mutating func objectKey() throws(JSONParser.Failure) -> JSONDocument.Entry {
        let keyPosition = position
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
            throw fail(offset < bytes.count ? "expected a string key, found \(describe(bytes[offset]))" : "unexpected end of input inside an object")
        }
        let (keyOffset, count) = try string()
        skipSpace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
            throw fail("expected : after the key \"\(String(decoding: text.slice(keyOffset, count), as: UTF8.self))\"")
        }
        offset += 1
        return JSONDocument.Entry(
            keyOffset: Int32(keyOffset), keyLength: Int32(count), keyLine: Int32(keyPosition.line), keyColumn: Int32(keyPosition.column), value: 0)
    }

    mutating func literal(_ word: StaticString) throws(JSONParser.Failure) {
        let count = word.utf8CodeUnitCount
        let matches = offset + count <= bytes.count && (0..<count).allSatisfy { bytes[offset + $0] == word.utf8Start[$0] }
        guard matches else { throw fail("invalid literal (expected \(word))") }
        offset += count
    }

    mutating func number() throws(JSONParser.Failure) -> Int32 {
        let start = position
        let first = offset
        var isInteger = true
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count, isDigit(bytes[offset]) else { throw fail("invalid number", at: start) }
        if bytes[offset] == UInt8(ascii: "0"), offset + 1 < bytes.count, isDigit(bytes[offset + 1]) {
            throw fail("invalid number: leading zero", at: start)
        }
        while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw fail("invalid number: no digits after the point", at: start) }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw fail("invalid number: empty exponent", at: start) }
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<offset]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return record(.int, at: start, payload: integer) }
        guard let double = Double(text), double.isFinite else { throw fail("number out of range", at: start) }
        return record(.double, at: start, payload: Int64(bitPattern: double.bitPattern))
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// A string literal: the offset of its bytes in `text` and their count. Without escapes (the
    /// usual case) they are the input's own; with escapes they are unescaped at the end of `text`.
    mutating func string() throws(JSONParser.Failure) -> (offset: Int, count: Int) {
        let start = position
        offset += 1
        let first = offset
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return (first, offset - 1 - first)
            case UInt8(ascii: "\\"):
                return try escapedString(from: first, start: start)
            case 0..<0x20:
                throw fail("control character \(describe(byte)) inside a string")
            case 0x80...:
                offset += try utf8Sequence()
            default:
                offset += 1
            }
        }
        throw fail("unterminated string", at: start)
    }

    /// The rest of a string from its first escape: its bytes so far and the rest, unescaped, go
    /// to the end of `text`.
    mutating func escapedString(from first: Int, start: SourcePosition) throws(JSONParser.Failure) -> (offset: Int, count: Int) {
        let textStart = text.count
        text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[first..<offset]))
        var escaped: [UInt8] = []
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return (textStart, text.count - textStart)
            case UInt8(ascii: "\\"):
                escaped.removeAll(keepingCapacity: true)
                try escape(into: &escaped)
                escaped.withUnsafeBufferPointer { text.append(contentsOf: $0) }
            case 0..<0x20:
                throw fail("control character \(describe(byte)) inside a string")
            case 0x80...:
                let length = try utf8Sequence()
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]))
                offset += length
            default:
                text.append(byte)
                offset += 1
            }
        }
        throw fail("unterminated string", at: start)
    }

    /// The length of the valid UTF-8 sequence at `offset`, or an error naming the bad byte.
    func utf8Sequence() throws(JSONParser.Failure) -> Int {
        let lead = bytes[offset]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: throw fail("invalid UTF-8 byte 0x\(String(lead, radix: 16, uppercase: true))")
        }
        guard offset + length <= bytes.count else { throw fail("truncated UTF-8 sequence") }
        for index in 1..<length {
            let byte = bytes[offset + index]
            let (lower, upper) = index == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= lower && byte <= upper else { throw fail("invalid UTF-8 sequence") }
        }
        return length
    }

    mutating func escape(into output: inout [UInt8]) throws(JSONParser.Failure) {
        let start = position
        offset += 1
        guard offset < bytes.count else { throw fail("unterminated escape", at: start) }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(start)
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate pairs with the low one that must follow; alone it is replaced,
                // as encoding/json does.
                if offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                    let saved = offset
                    offset += 2
                    let low = try hex4(start)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        offset = saved
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                scalar = 0xFFFD
            }
            output.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
        default: throw fail("invalid escape \\\(describe(byte))", at: start)
        }
    }

    mutating func hex4(_ start: SourcePosition) throws(JSONParser.Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("truncated \\u escape", at: start) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape", at: start)
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
