import CYaml

/// A problem found while reading one YAML document, with its position in the file (1-based).
public struct ParseProblem: Error, Sendable, Equatable {
    public var message: String
    public var position: SourcePosition
}

/// Limits that keep hostile input from exhausting memory or time.
public struct ParseLimits: Sendable {
    /// Deepest nesting of sequences and mappings accepted.
    public var maxDepth: Int
    /// Nodes one document may expand to through aliases, beyond `aliasExpansionRatio` times the
    /// nodes actually written: a billion-laughs document stops here.
    public var maxExpandedNodes: Int
    public var aliasExpansionRatio: Int

    public init(maxDepth: Int = 512, maxExpandedNodes: Int = 250_000, aliasExpansionRatio: Int = 10) {
        self.maxDepth = maxDepth
        self.maxExpandedNodes = maxExpandedNodes
        self.aliasExpansionRatio = aliasExpansionRatio
    }

    public static let standard = ParseLimits()
}

/// Builds `Node` trees from libyaml's event stream.
///
/// The composer is iterative (an explicit stack, no recursion), counts what aliases expand to,
/// rejects duplicate mapping keys as the Kubernetes YAML decoder does, applies `<<` merge keys, and
/// resolves plain scalars with the YAML 1.1 rules that Kubernetes' decoder (go-yaml v2) uses.
struct YAMLComposer {
    /// An open sequence or mapping. A class, so that appending a child mutates it in place
    /// instead of copying its arrays out of and back into the stack.
    private final class Frame {
        let isMapping: Bool
        let position: SourcePosition
        let anchor: String?
        var items: [Node] = []
        var mapping = Mapping()
        var size = 1
        var pendingKey: (text: String, position: SourcePosition, isMerge: Bool)?
        var merges: [Node] = []
        var keySet: Set<String>?

        init(isMapping: Bool, position: SourcePosition, anchor: String?) {
            self.isMapping = isMapping
            self.position = position
            self.anchor = anchor
        }
    }

    let limits: ParseLimits
    /// Zero-based line of the chunk's first byte within its file.
    let lineOffset: Int

    /// What a chunk held: its documents (`nil` for an empty one), problems that did not stop the
    /// reading (duplicate keys: the last value wins, as in Kubernetes' non-strict decoding), and
    /// the problem that did, if any.
    struct Outcome {
        var documents: [Node?] = []
        var warnings: [ParseProblem] = []
        var failure: ParseProblem?
    }

    /// Parses every document in `bytes`. A document that is only `---` (or nothing) yields `nil`.
    func documents(in bytes: UnsafeRawBufferPointer) -> Outcome {
        var outcome = Outcome()
        switch parse(bytes, warnings: &outcome.warnings) {
        case .success(let documents): outcome.documents = documents
        case .failure(let problem): outcome.failure = problem
        }
        return outcome
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, warnings: inout [ParseProblem]) -> Result<[Node?], ParseProblem> {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(ParseProblem(message: "out of memory", position: SourcePosition(line: lineOffset + 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: [UInt8] = [0]
        return empty.withUnsafeBufferPointer { emptyBuffer in
            guard let start = base ?? emptyBuffer.baseAddress else {
                return .success([])
            }
            yaml_parser_set_input_string(&parser, start, bytes.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            return parseStream(&parser, bytes, warnings: &warnings)
        }
    }

    private func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + lineOffset + 1, column: Int(mark.column) + 1)
    }

    private func parserProblem(_ parser: inout yaml_parser_t, _ bytes: UnsafeRawBufferPointer) -> ParseProblem {
        var message = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " \(context)"
        }
        if parser.error == YAML_MEMORY_ERROR {
            message = "out of memory while parsing"
        }
        if message.hasPrefix("Maximum nesting level reached") {
            // libyaml's own guard against deep flow nesting; say it in our words.
            message = "nesting deeper than libyaml's limit of 1000 levels"
        }
        if parser.error == YAML_READER_ERROR {
            // Encoding problems carry a byte offset, not a mark: count the lines before it.
            let offset = min(Int(parser.problem_offset), bytes.count)
            var line = 0
            var lineStart = 0
            for index in 0..<offset where bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            return ParseProblem(
                message: "\(message) (byte \(parser.problem_offset))",
                position: SourcePosition(line: line + lineOffset + 1, column: offset - lineStart + 1))
        }
        return ParseProblem(message: message, position: position(parser.problem_mark))
    }

    private func parseStream(_ parser: inout yaml_parser_t, _ bytes: UnsafeRawBufferPointer, warnings: inout [ParseProblem]) -> Result<[Node?], ParseProblem> {
        var documents: [Node?] = []
        var stack: [Frame] = []
        var anchors: [String: (node: Node, size: Int)] = [:]
        var root: Node?
        var written = 0
        var expanded = 0
        var event = yaml_event_t()

        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                return .failure(parserProblem(&parser, bytes))
            }
            defer { yaml_event_delete(&event) }
            let at = position(event.start_mark)
            var completed: (node: Node, size: Int, anchor: String?)?

            switch event.type {
            case YAML_STREAM_END_EVENT:
                return .success(documents)
            case YAML_DOCUMENT_START_EVENT:
                root = nil
                anchors.removeAll(keepingCapacity: true)
                written = 0
                expanded = 0
            case YAML_DOCUMENT_END_EVENT:
                documents.append(root)
            case YAML_ALIAS_EVENT:
                let name = Self.text(event.data.alias.anchor)
                guard let anchored = anchors[name] else {
                    return .failure(ParseProblem(message: "unknown alias *\(name)", position: at))
                }
                expanded += anchored.size
                if expanded > limits.maxExpandedNodes && expanded > limits.aliasExpansionRatio * max(written, 1) {
                    return .failure(
                        ParseProblem(
                            message: "aliases expand this document to more than \(expanded) nodes (an alias bomb?); refusing to read it",
                            position: at))
                }
                var node = anchored.node
                node.position = at
                completed = (node, anchored.size, nil)
            case YAML_SCALAR_EVENT:
                written += 1
                expanded += 1
                let scalar = event.data.scalar
                let text = Self.text(scalar.value, length: scalar.length)
                let tag = scalar.tag.map { String(cString: $0) }
                let value = Self.resolve(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, tag: tag)
                completed = (Node(value, at: at), 1, scalar.anchor.map { String(cString: $0) })
            case YAML_SEQUENCE_START_EVENT:
                written += 1
                expanded += 1
                guard stack.count < limits.maxDepth else {
                    return .failure(ParseProblem(message: "nesting deeper than \(limits.maxDepth) levels", position: at))
                }
                let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
                stack.append(Frame(isMapping: false, position: at, anchor: anchor))
            case YAML_MAPPING_START_EVENT:
                written += 1
                expanded += 1
                guard stack.count < limits.maxDepth else {
                    return .failure(ParseProblem(message: "nesting deeper than \(limits.maxDepth) levels", position: at))
                }
                let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
                stack.append(Frame(isMapping: true, position: at, anchor: anchor))
            case YAML_SEQUENCE_END_EVENT:
                guard let frame = stack.popLast(), !frame.isMapping else {
                    return .failure(ParseProblem(message: "unbalanced sequence", position: at))
                }
                completed = (Node(.sequence(frame.items), at: frame.position), frame.size, frame.anchor)
            case YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast(), frame.isMapping else {
                    return .failure(ParseProblem(message: "unbalanced mapping", position: at))
                }
                applyMerges(frame)
                completed = (Node(.mapping(frame.mapping), at: frame.position), frame.size, frame.anchor)
            default:
                break
            }

            guard let done = completed else { continue }
            if let anchor = done.anchor {
                anchors[anchor] = (done.node, done.size)
            }
            switch attach(done.node, size: done.size, to: &stack) {
            case .none: break
            case .warning(let problem): warnings.append(problem)
            case .failure(let problem): return .failure(problem)
            }
            if stack.isEmpty {
                root = done.node
            }
        }
    }

    private enum AttachOutcome {
        case none
        case warning(ParseProblem)
        case failure(ParseProblem)
    }

    /// Adds a finished node to its parent, or leaves it as the root when the stack is empty.
    private func attach(_ node: Node, size: Int, to stack: inout [Frame]) -> AttachOutcome {
        guard let frame = stack.last else { return .none }
        frame.size += size
        guard frame.isMapping else {
            frame.items.append(node)
            return .none
        }
        if let key = frame.pendingKey {
            frame.pendingKey = nil
            if key.isMerge {
                frame.merges.append(node)
                return .none
            }
            let entry = Mapping.Entry(key: key.text, keyPosition: key.position, value: node)
            if let problem = Self.checkDuplicate(key.text, at: key.position, in: frame) {
                frame.mapping.replace(entry)
                return .warning(problem)
            }
            frame.mapping.append(entry)
            return .none
        }
        switch node.value {
        case .mapping, .sequence:
            return .failure(ParseProblem(message: "a mapping key must be a scalar", position: node.position))
        case .string(let text):
            frame.pendingKey = (text, node.position, text == "<<")
        case .null:
            frame.pendingKey = ("null", node.position, false)
        default:
            frame.pendingKey = (node.scalarText ?? "", node.position, false)
        }
        return .none
    }

    private static func checkDuplicate(_ key: String, at position: SourcePosition, in frame: Frame) -> ParseProblem? {
        let duplicate: Bool
        if frame.keySet != nil {
            duplicate = !(frame.keySet?.insert(key).inserted ?? true)
        } else if frame.mapping.count >= 16 {
            var keys = Set(frame.mapping.keys)
            duplicate = !keys.insert(key).inserted
            frame.keySet = keys
        } else {
            duplicate = frame.mapping.entry(key) != nil
        }
        guard duplicate else { return nil }
        let first = frame.mapping.entry(key)?.keyPosition.line ?? position.line
        return ParseProblem(message: "duplicate key \"\(key)\" (first set at line \(first))", position: position)
    }

    /// `<<: *base` and `<<: [*a, *b]` copy the keys the mapping does not set itself.
    private func applyMerges(_ frame: Frame) {
        guard !frame.merges.isEmpty else { return }
        var sources: [Mapping] = []
        for merge in frame.merges {
            switch merge.value {
            case .mapping(let mapping): sources.append(mapping)
            case .sequence(let items): sources.append(contentsOf: items.compactMap(\.mapping))
            default: break
            }
        }
        for source in sources {
            for entry in source.entries where frame.mapping.entry(entry.key) == nil {
                frame.mapping.append(entry)
            }
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    /// Resolves a scalar to a typed value: quoted scalars and `!!str` are strings; plain scalars
    /// follow YAML 1.1 as go-yaml v2 reads it (so `yes`, `on` and `y` are booleans, `0755` is octal).
    static func resolve(_ text: String, plain: Bool, tag: String?) -> Node.Value {
        if let tag {
            switch tag {
            case "tag:yaml.org,2002:str", "!": return .string(text)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool": return resolvePlain(text).isBool ? resolvePlain(text) : .string(text)
            case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float": return resolvePlain(text)
            default: break
            }
        }
        guard plain else { return .string(text) }
        return resolvePlain(text)
    }

    static func resolvePlain(_ text: String) -> Node.Value {
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return resolveNumber(text)
        case UInt8(ascii: "~"):
            return text == "~" ? .null : .string(text)
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"),
            UInt8(ascii: "F"), UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            switch text {
            case "null", "Null", "NULL": return .null
            case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
            case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
            default: return .string(text)
            }
        default:
            return .string(text)
        }
    }

    private static func resolveNumber(_ text: String) -> Node.Value {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        var digits = String(text.filter { $0 != "_" })
        var negative = false
        if digits.hasPrefix("-") || digits.hasPrefix("+") {
            negative = digits.hasPrefix("-")
            digits.removeFirst()
        }
        if !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            let radix = digits.count > 1 && digits.hasPrefix("0") ? 8 : 10
            if let magnitude = Int64(digits, radix: radix) {
                return .int(negative ? -magnitude : magnitude)
            }
            if let value = Double(digits) { return .double(negative ? -value : value) }
            return .string(text)
        }
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8)] where digits.hasPrefix(prefix) {
            if let magnitude = Int64(digits.dropFirst(2), radix: radix) {
                return .int(negative ? -magnitude : magnitude)
            }
            return .string(text)
        }
        let allowed = text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
                || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        if allowed, text.utf8.contains(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = Double(text) {
            return .double(value)
        }
        return .string(text)
    }
}

extension Node.Value {
    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }
}
