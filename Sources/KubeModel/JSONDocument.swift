/// What one `JSONParser.parse` read: flat records that the parsed `Node`s and `Mapping`s point
/// into by index, and the bytes of every key and string, unescaped, in one buffer.
///
/// A document is immutable once built. Every node of it shares (and keeps alive) the whole
/// document; `Node.detached()` copies a node out. Its four tables are plain memory it owns, so
/// that reading them costs no reference counting (an array read by a look-up is retained and
/// released around it).
final class JSONDocument: @unchecked Sendable {
    // Sendable: the tables are written while parsing, before the document exists, and never after.
    enum Kind: UInt8 {
        case null, falseValue, trueValue, int, double, string, sequence, mapping
    }

    struct Record {
        var kind: Kind
        var line: Int32
        var column: Int32
        /// The string's length in bytes, or the number of elements or entries.
        var count: Int32
        /// The integer, the double's bits, the string's offset in `text`, or the index of the
        /// first element (in `elements`) or entry (in `entries`).
        var payload: Int64
    }

    struct Entry {
        var keyOffset: Int32
        var keyLength: Int32
        var keyLine: Int32
        var keyColumn: Int32
        /// The record of the value.
        var value: Int32
    }

    let text: UnsafeMutablePointer<UInt8>
    let records: UnsafeMutablePointer<Record>
    let entries: UnsafeMutablePointer<Entry>
    /// The records of each sequence's elements, in order.
    let elements: UnsafeMutablePointer<Int32>

    /// Takes over the tables the parser filled.
    init(text: Table<UInt8>, records: Table<Record>, entries: Table<Entry>, elements: Table<Int32>) {
        self.text = text.base
        self.records = records.base
        self.entries = entries.base
        self.elements = elements.base
    }

    deinit {
        text.deallocate()
        records.deallocate()
        entries.deallocate()
        elements.deallocate()
    }

    /// A growing table of plain values, owned by whoever holds it until a document takes it over
    /// (or it is freed after a failed parse).
    struct Table<Element: BitwiseCopyable> {
        private(set) var base: UnsafeMutablePointer<Element>
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 4)
            base = .allocate(capacity: self.capacity)
        }

        @inline(__always)
        mutating func append(_ element: Element) {
            if count == capacity { grow(to: count + 1) }
            (base + count).initialize(to: element)
            count += 1
        }

        mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
            guard let source = elements.baseAddress, !elements.isEmpty else { return }
            if count + elements.count > capacity { grow(to: count + elements.count) }
            (base + count).initialize(from: source, count: elements.count)
            count += elements.count
        }

        private mutating func grow(to minimum: Int) {
            capacity = max(capacity * 2, minimum)
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
            grown.initialize(from: base, count: count)
            base.deallocate()
            base = grown
        }

        subscript(index: Int) -> Element { base[index] }

        /// `count` elements from `start`, valid while the table is neither grown nor freed.
        func slice(_ start: Int, _ count: Int) -> UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base + start, count: count) }

        func deallocate() { base.deallocate() }
    }

    func position(of index: Int32) -> SourcePosition {
        let record = records[Int(index)]
        return SourcePosition(line: Int(record.line), column: Int(record.column))
    }

    func text(at offset: Int, count: Int32) -> String {
        String(decoding: UnsafeBufferPointer(start: text + offset, count: Int(count)), as: UTF8.self)
    }

    func value(of index: Int32) -> Node.Value {
        let record = records[Int(index)]
        switch record.kind {
        case .sequence: return .sequence(sequence(record))
        case .mapping: return .mapping(Mapping(self, first: Int32(record.payload), count: record.count))
        default: return scalarValue(of: index)
        }
    }

    /// The value of a scalar; containers read as empty ones (nothing is built for them).
    func scalarValue(of index: Int32) -> Node.Value {
        let record = records[Int(index)]
        switch record.kind {
        case .null: return .null
        case .falseValue: return .bool(false)
        case .trueValue: return .bool(true)
        case .int: return .int(record.payload)
        case .double: return .double(Double(bitPattern: UInt64(bitPattern: record.payload)))
        case .string: return .string(text(at: Int(record.payload), count: record.count))
        case .sequence: return .sequence([])
        case .mapping: return .mapping(Mapping())
        }
    }

    func string(of index: Int32) -> String? {
        let record = records[Int(index)]
        guard record.kind == .string else { return nil }
        return text(at: Int(record.payload), count: record.count)
    }

    func isNull(_ index: Int32) -> Bool { records[Int(index)].kind == .null }

    func mapping(of index: Int32) -> Mapping? {
        let record = records[Int(index)]
        guard record.kind == .mapping else { return nil }
        return Mapping(self, first: Int32(record.payload), count: record.count)
    }

    func sequence(of index: Int32) -> [Node]? {
        let record = records[Int(index)]
        guard record.kind == .sequence else { return nil }
        return sequence(record)
    }

    private func sequence(_ record: Record) -> [Node] {
        UnsafeBufferPointer(start: elements + Int(record.payload), count: Int(record.count)).map { Node(self, $0) }
    }

    func element(_ offset: Int, of index: Int32) -> Node? {
        let record = records[Int(index)]
        guard record.kind == .sequence, offset >= 0, offset < Int(record.count) else { return nil }
        return Node(self, elements[Int(record.payload) + offset])
    }

    /// The entry of `key` in the mapping record `index`, if it is one and has the key.
    func memberEntry(_ key: String, of index: Int32) -> Int32? {
        let record = records[Int(index)]
        guard record.kind == .mapping else { return nil }
        return find(key, first: Int32(record.payload), count: record.count)
    }

    func member(_ key: String, of index: Int32) -> Node? {
        memberEntry(key, of: index).map { entryValue($0) }
    }

    /// The entry among `count` from `first` whose key has the bytes of `key` (keys match byte for
    /// byte, as in Go).
    func find(_ key: String, first: Int32, count: Int32) -> Int32? {
        // The tables as plain pointers, and the key's bytes read in place: the search holds no
        // reference, so it retains neither the document nor the key.
        let entries = self.entries
        let text = self.text
        let search = { (wanted: UnsafeBufferPointer<UInt8>) -> Int32? in
            for index in Int(first)..<Int(first) + Int(count) where Int(entries[index].keyLength) == wanted.count {
                let start = text + Int(entries[index].keyOffset)
                var same = true
                for offset in 0..<wanted.count where start[offset] != wanted[offset] {
                    same = false
                    break
                }
                if same { return Int32(index) }
            }
            return nil
        }
        if let found = key.utf8.withContiguousStorageIfAvailable(search) { return found }
        var key = key
        return key.withUTF8(search)
    }

    func key(_ index: Int32) -> String {
        let entry = entries[Int(index)]
        return text(at: Int(entry.keyOffset), count: entry.keyLength)
    }

    func keyPosition(_ index: Int32) -> SourcePosition {
        let entry = entries[Int(index)]
        return SourcePosition(line: Int(entry.keyLine), column: Int(entry.keyColumn))
    }

    func entryValue(_ index: Int32) -> Node { Node(self, entries[Int(index)].value) }

    func entry(_ index: Int32) -> Mapping.Entry {
        Mapping.Entry(key: key(index), keyPosition: keyPosition(index), value: entryValue(index))
    }
}
