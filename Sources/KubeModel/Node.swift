/// A position in a source file, 1-based.
public struct SourcePosition: Hashable, Sendable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A YAML/JSON value that remembers where it was written.
///
/// Objects are read once and never mutated, so `Node` is a value type whose collections share
/// storage; aliases in YAML share the anchored node instead of copying it.
///
/// A node is stored one of two ways. Nodes made in code and by the YAML composer hold their
/// value. Nodes read by `JSONParser` point into one `JSONDocument` per parse: flat records,
/// with every string's bytes in one buffer, so that reading a body costs a handful of
/// allocations instead of one per container and per long string, and key look-ups compare bytes
/// without making strings. Both answer the same accessors; `value` builds the enum on demand.
public struct Node: Sendable {
    /// The value itself.
    public enum Value: Sendable {
        case null
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case string(String)
        case sequence([Node])
        case mapping(Mapping)
    }

    enum Storage: Sendable {
        case held(Value, SourcePosition)
        case record(JSONDocument, Int32)
    }

    var storage: Storage

    public init(_ value: Value, at position: SourcePosition = SourcePosition(line: 0, column: 0)) {
        storage = .held(value, position)
    }

    init(_ document: JSONDocument, _ record: Int32) {
        storage = .record(document, record)
    }

    public var value: Value {
        get {
            switch storage {
            case .held(let value, _): return value
            case .record(let document, let index): return document.value(of: index)
            }
        }
        set { storage = .held(newValue, position) }
    }

    /// Where the value starts.
    public var position: SourcePosition {
        get {
            switch storage {
            case .held(_, let position): return position
            case .record(let document, let index): return document.position(of: index)
            }
        }
        set { storage = .held(value, newValue) }
    }

    public var line: Int { position.line }
}

/// An ordered mapping whose keys are strings, with the position of each key.
public struct Mapping: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var keyPosition: SourcePosition
        public var value: Node

        public init(key: String, keyPosition: SourcePosition, value: Node) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    enum Storage: Sendable {
        case held([Entry])
        /// `count` entries of a parsed document from `first`.
        case record(JSONDocument, first: Int32, count: Int32)
    }

    var storage: Storage

    public init(_ entries: [Entry] = []) {
        storage = .held(entries)
    }

    init(_ document: JSONDocument, first: Int32, count: Int32) {
        storage = .record(document, first: first, count: count)
    }

    /// A mapping made in code (no source positions), keys in the order given.
    public init(pairs: [(String, Node)]) {
        storage = .held(pairs.map { Entry(key: $0.0, keyPosition: SourcePosition(line: 0, column: 0), value: $0.1) })
    }

    /// The entries in order (made on demand for a parsed mapping: prefer the look-ups).
    public var entries: [Entry] {
        switch storage {
        case .held(let entries): return entries
        case .record(let document, let first, let count): return (first..<first + count).map { document.entry($0) }
        }
    }

    /// The first entry, in order, that satisfies `predicate`: for a parsed mapping, entries are
    /// made one at a time and only up to it.
    public func first(where predicate: (Entry) -> Bool) -> Entry? {
        switch storage {
        case .held(let entries): return entries.first(where: predicate)
        case .record(let document, let first, let count):
            for index in first..<first + count {
                let entry = document.entry(index)
                if predicate(entry) { return entry }
            }
            return nil
        }
    }

    /// The entry for `key`; mappings in manifests are small, so a linear search beats hashing.
    public func entry(_ key: String) -> Entry? {
        switch storage {
        case .held(let entries):
            // Comparing in place: iterating `entries` would copy (retain) every entry it passes.
            guard let index = Self.index(of: key, in: entries) else { return nil }
            return entries[index]
        case .record(let document, let first, let count):
            return document.find(key, first: first, count: count).map { document.entry($0) }
        }
    }

    public subscript(key: String) -> Node? {
        switch storage {
        case .held(let entries):
            guard let index = Self.index(of: key, in: entries) else { return nil }
            return entries[index].value
        case .record(let document, let first, let count):
            return document.find(key, first: first, count: count).map { document.entryValue($0) }
        }
    }

    /// The position of `key` in `entries`.
    public func index(of key: String) -> Int? {
        switch storage {
        case .held(let entries): return Self.index(of: key, in: entries)
        case .record(let document, let first, let count): return document.find(key, first: first, count: count).map { Int($0 - first) }
        }
    }

    static func index(of key: String, in entries: [Entry]) -> Int? {
        // Keys match byte for byte, as in Go (String's == also equates canonically equivalent
        // spellings).
        entries.firstIndex { sameBytes($0.key, key) }
    }

    /// Byte-wise equality. Lengths are stored, and most keys differ in length: compared first,
    /// they spare most of the comparisons; then `==`, fast for the usual (ASCII, small) keys. Of
    /// two canonically equivalent strings of one byte length, an ASCII one can only be the
    /// other's very bytes (nothing non-ASCII is equivalent to ASCII text of the same length).
    @inline(__always)
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs == rhs && (lhs.utf8.allSatisfy { $0 < 0x80 } || lhs.utf8.elementsEqual(rhs.utf8))
    }

    mutating func append(_ entry: Entry) {
        var entries = takeEntries()
        entries.append(entry)
        storage = .held(entries)
    }

    /// Replaces the value of an existing key (the last of duplicate keys wins).
    mutating func replace(_ entry: Entry) {
        var entries = takeEntries()
        if let index = Self.index(of: entry.key, in: entries) { entries[index] = entry } else { entries.append(entry) }
        storage = .held(entries)
    }

    /// The entries, leaving the storage empty so that appending to them does not copy them.
    private mutating func takeEntries() -> [Entry] {
        let entries = self.entries
        storage = .held([])
        return entries
    }

    public var keys: [String] {
        switch storage {
        case .held(let entries): return entries.map(\.key)
        case .record(let document, let first, let count): return (first..<first + count).map { document.key($0) }
        }
    }

    public var count: Int {
        switch storage {
        case .held(let entries): return entries.count
        case .record(_, _, let count): return Int(count)
        }
    }
}

extension Node {
    public subscript(key: String) -> Node? {
        switch storage {
        case .held(let value, _):
            if case .mapping(let mapping) = value { return mapping[key] }
            return nil
        case .record(let document, let index):
            return document.member(key, of: index)
        }
    }

    public subscript(index: Int) -> Node? {
        switch storage {
        case .held(let value, _):
            if case .sequence(let items) = value, items.indices.contains(index) { return items[index] }
            return nil
        case .record(let document, let record):
            return document.element(index, of: record)
        }
    }

    /// The position of `key` inside this mapping (the line a finding about that field points at).
    public func keyPosition(_ key: String) -> SourcePosition? {
        switch storage {
        case .held(let value, _):
            if case .mapping(let mapping) = value { return mapping.entry(key)?.keyPosition }
            return nil
        case .record(let document, let index):
            return document.memberEntry(key, of: index).map { document.keyPosition($0) }
        }
    }

    public var mapping: Mapping? {
        switch storage {
        case .held(let value, _):
            if case .mapping(let mapping) = value { return mapping }
            return nil
        case .record(let document, let index):
            return document.mapping(of: index)
        }
    }

    public var sequence: [Node]? {
        switch storage {
        case .held(let value, _):
            if case .sequence(let items) = value { return items }
            return nil
        case .record(let document, let index):
            return document.sequence(of: index)
        }
    }

    /// The elements of a sequence; an absent or non-sequence value reads as empty.
    public var items: [Node] { sequence ?? [] }

    public var string: String? {
        switch storage {
        case .held(let value, _):
            if case .string(let text) = value { return text }
            return nil
        case .record(let document, let index):
            return document.string(of: index)
        }
    }

    public var bool: Bool? {
        if case .bool(let flag) = scalarValue { return flag }
        return nil
    }

    public var int: Int64? {
        switch scalarValue {
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.2e18: return Int64(number)
        default: return nil
        }
    }

    public var isNull: Bool {
        switch storage {
        case .held(let value, _):
            if case .null = value { return true }
            return false
        case .record(let document, let index):
            return document.isNull(index)
        }
    }

    /// A scalar rendered as text (strings as they are, numbers and booleans in YAML form).
    public var scalarText: String? {
        switch scalarValue {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .null: return nil
        case .sequence, .mapping: return nil
        }
    }

    /// The value, with containers of a parsed document left empty (nothing is built for them).
    private var scalarValue: Value {
        switch storage {
        case .held(let value, _): return value
        case .record(let document, let index): return document.scalarValue(of: index)
        }
    }

    /// Follows a dotted path of mapping keys.
    public func at(_ keys: String...) -> Node? {
        var node: Node? = self
        for key in keys { node = node?[key] }
        return node
    }
}

/// Paths into objects, as a tree: `keeping` walks it alongside a node, so pruning costs one
/// dictionary look-up per field.
public final class PathTrie: Sendable {
    let children: [String: PathTrie]
    /// Everything below this point is kept.
    let keepsAll: Bool

    public convenience init(_ paths: [[String]]) {
        self.init(paths: paths[...].map { $0[...] })
    }

    private init(paths: [ArraySlice<String>]) {
        keepsAll = paths.contains(where: \.isEmpty)
        var grouped: [String: [ArraySlice<String>]] = [:]
        for path in paths where !path.isEmpty {
            grouped[path[path.startIndex], default: []].append(path.dropFirst())
        }
        children = grouped.mapValues { PathTrie(paths: $0) }
    }
}

extension Node {
    /// A copy with only the paths of `trie` (and everything under them); `*` steps into every
    /// element of a sequence. Used to keep just what a whole-input analysis needs in memory.
    public func keeping(_ trie: PathTrie) -> Node {
        // A kept parsed node is copied out of its document, which can then be freed.
        if trie.keepsAll { return detached() }
        switch value {
        case .mapping(let mapping):
            var entries: [Mapping.Entry] = []
            for entry in mapping.entries {
                guard let below = trie.children[entry.key] else { continue }
                var kept = entry
                kept.value = entry.value.keeping(below)
                entries.append(kept)
            }
            return Node(.mapping(Mapping(entries)), at: position)
        case .sequence(let items):
            guard let below = trie.children["*"] else { return Node(.sequence([]), at: position) }
            return Node(.sequence(items.map { $0.keeping(below) }), at: position)
        default:
            return detached()
        }
    }
}

extension Node {
    /// The same value held by the node itself, all the way down: nothing it keeps points into a
    /// parsed document.
    public func detached() -> Node {
        // A node that holds its value and nothing parsed below it (every YAML tree) is returned as
        // it is, not copied. The check walks the tree once; the copy then walks it once more,
        // without checking again at each level.
        pointsIntoDocument ? copiedOut() : self
    }

    private func copiedOut() -> Node {
        switch value {
        case .sequence(let items): return Node(.sequence(items.map { $0.copiedOut() }), at: position)
        case .mapping(let mapping):
            return Node(
                .mapping(Mapping(mapping.entries.map { Mapping.Entry(key: $0.key, keyPosition: $0.keyPosition, value: $0.value.copiedOut()) })),
                at: position)
        case let scalar: return Node(scalar, at: position)
        }
    }
}

extension Node {
    /// Whether the node, or anything below it, is a record of a parsed document (a held node can
    /// hold parsed ones: code can build one around them, and setting a parsed node's position or
    /// value makes it held).
    var pointsIntoDocument: Bool {
        switch storage {
        case .record: return true
        case .held(.sequence(let items), _): return items.contains { $0.pointsIntoDocument }
        case .held(.mapping(let mapping), _):
            if case .held(let entries) = mapping.storage { return entries.contains { $0.value.pointsIntoDocument } }
            return true
        case .held: return false
        }
    }
}
