/// Builds a string from many pieces in one allocation.
///
/// `String`'s own `+=` checks capacity, uniqueness and encoding flags again for every piece,
/// which costs more than copying a short piece. A message of a dozen pieces (an admission answer
/// makes several per request) is faster written in two passes: `write` runs once to count the
/// bytes and once to copy them into a string of exactly that size. So `write` must append the
/// same pieces both times: read values, do not compute them in it.
extension String {
    public static func assembled(_ write: (inout TextAssembly) -> Void) -> String {
        var measure = TextAssembly(into: nil, capacity: 0)
        write(&measure)
        let size = measure.count
        guard size > 0 else { return "" }
        return String(unsafeUninitializedCapacity: size) { buffer in
            var writer = TextAssembly(into: buffer.baseAddress, capacity: size)
            write(&writer)
            // A second pass that differs from the first is a programming error: the bytes it
            // wrote past the size were dropped, and what was written is still whole UTF-8 up to
            // the last whole piece.
            assert(writer.count == size, "String.assembled: the second pass wrote \(writer.count) bytes, not \(size)")
            return writer.written
        }
    }
}

/// The pieces of `String.assembled`: appended, counted on the first pass and copied on the second.
/// Not copyable, so that it cannot outlive the string it writes into.
public struct TextAssembly: ~Copyable {
    // Inlinable, so that the counting pass costs next to nothing at the call sites.
    @usableFromInline let base: UnsafeMutablePointer<UInt8>?
    @usableFromInline let capacity: Int
    /// Bytes appended so far (on the second pass, including any that did not fit).
    @usableFromInline var appended = 0
    public var count: Int { appended }
    /// Bytes copied: whole pieces only.
    @usableFromInline var written = 0

    init(into base: UnsafeMutablePointer<UInt8>?, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    @inlinable
    public mutating func append(_ text: String) {
        guard let base else {
            appended += text.utf8.count
            return
        }
        // Read in place (no copy of the string, so no retain), unless it is not contiguous.
        if text.utf8.withContiguousStorageIfAvailable({ copy($0, base) }) == nil {
            var text = text
            text.withUTF8 { copy($0, base) }
        }
    }

    @inlinable
    public mutating func append(_ text: Substring) {
        guard let base else {
            appended += text.utf8.count
            return
        }
        var text = text
        text.withUTF8 { copy($0, base) }
    }

    @inlinable
    public mutating func append(_ text: StaticString) {
        guard let base else {
            appended += text.utf8CodeUnitCount
            return
        }
        copy(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount), base)
    }

    /// The pieces, with `separator` between them.
    @inlinable
    public mutating func append(_ pieces: [String], separator: StaticString) {
        for index in pieces.indices {
            if index > 0 { append(separator) }
            append(pieces[index])
        }
    }

    @usableFromInline
    mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, _ base: UnsafeMutablePointer<UInt8>) {
        defer { appended += bytes.count }
        guard let start = bytes.baseAddress, count + bytes.count <= capacity, written == count else { return }
        (base + count).update(from: start, count: bytes.count)
        written += bytes.count
    }
}

/// An interpolated string made in one allocation: `String(assembling: "container \"\(name)\"
/// has no \(what) limit")`.
///
/// The standard interpolation starts from room for its literal text and grows, usually once,
/// when the values arrive; every piece then goes through `String`'s own append. Here the pieces
/// are kept (in place, for up to eight) and copied once into a string of the exact size: about
/// half the time for the messages checks write on every finding.
public struct AssembledText: ExpressibleByStringInterpolation {
    public let string: String

    public init(stringLiteral value: String) {
        string = value
    }

    public init(stringInterpolation pieces: Pieces) {
        string = pieces.joined()
    }

    public struct Pieces: StringInterpolationProtocol {
        // Eight slots as stored properties (not InlineArray, which needs Swift 6.2's runtime).
        private var first: (String, String, String, String, String, String, String, String) = ("", "", "", "", "", "", "", "")
        private var count = 0
        /// Whatever comes after the eighth piece, appended as it comes (messages have fewer).
        private var rest = ""

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            add(literal)
        }

        public mutating func appendInterpolation(_ text: String) {
            add(text)
        }

        @inlinable
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            appendInterpolation(value.description)
        }

        private mutating func add(_ piece: String) {
            guard !piece.isEmpty else { return }
            switch count {
            case 0: first.0 = piece
            case 1: first.1 = piece
            case 2: first.2 = piece
            case 3: first.3 = piece
            case 4: first.4 = piece
            case 5: first.5 = piece
            case 6: first.6 = piece
            case 7: first.7 = piece
            default:
                rest += piece
                return
            }
            count += 1
        }

        fileprivate func joined() -> String {
            if count == 1 && rest.isEmpty { return first.0 }
            return String.assembled { text in
                // Unused slots are empty: appending them adds nothing.
                text.append(first.0)
                text.append(first.1)
                text.append(first.2)
                text.append(first.3)
                text.append(first.4)
                text.append(first.5)
                text.append(first.6)
                text.append(first.7)
                text.append(rest)
            }
        }
    }
}

extension String {
    public init(assembling text: AssembledText) {
        self = text.string
    }
}
