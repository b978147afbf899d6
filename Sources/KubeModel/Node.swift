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

    public var value: Value
    /// Where the value starts.
    public var position: SourcePosition

    public init(_ value: Value, at position: SourcePosition = SourcePosition(line: 0, column: 0)) {
        self.value = value
        self.position = position
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

    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// A mapping made in code (no source positions), keys in the order given.
    public init(pairs: [(String, Node)]) {
        self.entries = pairs.map { Entry(key: $0.0, keyPosition: SourcePosition(line: 0, column: 0), value: $0.1) }
    }

    /// The entry for `key`; mappings in manifests are small, so a linear search beats hashing.
    public func entry(_ key: String) -> Entry? {
        // Comparing in place: iterating `entries` would copy (retain) every entry it passes.
        guard let index = index(of: key) else { return nil }
        return entries[index]
    }

    public subscript(key: String) -> Node? {
        guard let index = index(of: key) else { return nil }
        return entries[index].value
    }

    public func index(of key: String) -> Int? {
        // Keys match byte for byte, as in Go (String's == also equates canonically equivalent
        // spellings).
        entries.firstIndex { Self.sameBytes($0.key, key) }
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
        entries.append(entry)
    }

    /// Replaces the value of an existing key (the last of duplicate keys wins).
    mutating func replace(_ entry: Entry) {
        if let index = index(of: entry.key) { entries[index] = entry } else { entries.append(entry) }
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
}

extension Node {
    public subscript(key: String) -> Node? {
        if case .mapping(let mapping) = value { return mapping[key] }
        return nil
    }

    public subscript(index: Int) -> Node? {
        if case .sequence(let items) = value, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The position of `key` inside this mapping (the line a finding about that field points at).
    public func keyPosition(_ key: String) -> SourcePosition? {
        if case .mapping(let mapping) = value { return mapping.entry(key)?.keyPosition }
        return nil
    }

    public var mapping: Mapping? {
        if case .mapping(let mapping) = value { return mapping }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// The elements of a sequence; an absent or non-sequence value reads as empty.
    public var items: [Node] { sequence ?? [] }

    public var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    public var int: Int64? {
        switch value {
        case .int(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.2e18: return Int64(number)
        default: return nil
        }
    }

    public var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// A scalar rendered as text (strings as they are, numbers and booleans in YAML form).
    public var scalarText: String? {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .null: return nil
        case .sequence, .mapping: return nil
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
        if trie.keepsAll { return self }
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
            return self
        }
    }
}
