#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Something wrong with an input: which file, where, and what.
public struct InputError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var position: SourcePosition?
    public var message: String

    public init(file: String, position: SourcePosition? = nil, message: String) {
        self.file = file
        self.position = position
        self.message = message
    }

    public var description: String {
        guard let position else { return "\(file): \(message)" }
        return "\(file):\(position.line):\(position.column): \(message)"
    }
}

/// A document that was read but holds no Kubernetes object, said so instead of failing.
public struct LoadNote: Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}

/// What one input file held.
public struct LoadedFile: Sendable {
    public var file: String
    public var objects: [KubeObject] = []
    public var errors: [InputError] = []
    public var notes: [LoadNote] = []
    /// Documents read, including empty and skipped ones.
    public var documents = 0

    public init(file: String) {
        self.file = file
    }
}

/// Reads manifests: files, directories and standard input; multi-document YAML, JSON, and `List`s.
public struct ManifestLoader: Sendable {
    /// The largest single document read; the API server takes objects of at most 3 MiB, so a
    /// larger document is almost surely not a manifest.
    public var maxDocumentBytes = 16 << 20
    /// The largest file read at all.
    public var maxFileBytes = 512 << 20
    public var parseLimits = ParseLimits.standard

    public init() {}

    public static let manifestExtensions: Set<String> = ["yaml", "yml", "json"]

    /// Expands arguments into the files to read: a directory is walked recursively for .yaml,
    /// .yml and .json files (hidden entries skipped, symbolic links to directories not followed);
    /// a file is taken whatever its name; `-` stands for standard input.
    public func expand(_ arguments: [String]) -> (files: [String], errors: [InputError]) {
        var files: [String] = []
        var errors: [InputError] = []
        for argument in arguments {
            if argument == "-" {
                files.append("-")
                continue
            }
            var info = stat()
            guard stat(argument, &info) == 0 else {
                errors.append(InputError(file: argument, message: "cannot open: \(Self.errnoText())"))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                walk(directory: argument, depth: 0, into: &files, errors: &errors)
            } else {
                files.append(argument)
            }
        }
        return (files, errors)
    }

    private func walk(directory: String, depth: Int, into files: inout [String], errors: inout [InputError]) {
        guard depth < 64 else {
            errors.append(InputError(file: directory, message: "directory nesting deeper than 64 levels; not descending further"))
            return
        }
        guard let handle = opendir(directory) else {
            errors.append(InputError(file: directory, message: "cannot read directory: \(Self.errnoText())"))
            return
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(handle)
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var link = stat()
            guard lstat(path, &link) == 0 else { continue }
            let isLink = (link.st_mode & S_IFMT) == S_IFLNK
            var info = stat()
            if stat(path, &info) != 0 {
                if Self.hasManifestExtension(name) {
                    errors.append(InputError(file: path, message: "cannot open: \(Self.errnoText())"))
                }
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                if !isLink { walk(directory: path, depth: depth + 1, into: &files, errors: &errors) }
            } else if Self.hasManifestExtension(name) {
                files.append(path)
            }
        }
    }

    static func hasManifestExtension(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return manifestExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    /// Reads one file (or standard input for `-`) and every object in it.
    public func load(file: String) -> LoadedFile {
        switch readBytes(file) {
        case .success(let bytes):
            return load(bytes: bytes, file: file)
        case .failure(let error):
            var loaded = LoadedFile(file: file)
            loaded.errors.append(error)
            return loaded
        }
    }

    private func readBytes(_ file: String) -> Result<[UInt8], InputError> {
        let descriptor: Int32
        if file == "-" {
            descriptor = 0
        } else {
            var info = stat()
            guard stat(file, &info) == 0 else {
                return .failure(InputError(file: file, message: "cannot open: \(Self.errnoText())"))
            }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                return .failure(InputError(file: file, message: "not a regular file"))
            }
            guard Int(info.st_size) <= maxFileBytes else {
                return .failure(InputError(file: file, message: "file is \(info.st_size >> 20) MiB, above the \(maxFileBytes >> 20) MiB limit"))
            }
            descriptor = open(file, O_RDONLY | O_NONBLOCK)
            guard descriptor >= 0 else {
                return .failure(InputError(file: file, message: "cannot open: \(Self.errnoText())"))
            }
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(InputError(file: file, message: "cannot read: \(Self.errnoText())"))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maxFileBytes {
                return .failure(InputError(file: file, message: "input is larger than the \(maxFileBytes >> 20) MiB limit"))
            }
        }
        return .success(bytes)
    }

    /// Reads every object in `bytes`, which came from `file`.
    public func load(bytes: [UInt8], file: String) -> LoadedFile {
        var loaded = LoadedFile(file: file)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            loaded.errors.append(InputError(file: file, position: SourcePosition(line: 1, column: 1), message: "file is empty: no Kubernetes objects in it"))
            return loaded
        }
        if let zero = bytes.firstIndex(of: 0), !Self.looksLikeUTF16(bytes) {
            let line = bytes[..<zero].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            loaded.errors.append(
                InputError(file: file, position: SourcePosition(line: line, column: 1), message: "binary data (a NUL byte), not YAML or JSON"))
            return loaded
        }
        bytes.withUnsafeBytes { buffer in
            for chunk in DocumentSplitter.chunks(buffer) {
                let slice = UnsafeRawBufferPointer(rebasing: buffer[chunk.range])
                if slice.count > maxDocumentBytes {
                    loaded.documents += 1
                    loaded.errors.append(
                        InputError(
                            file: file, position: SourcePosition(line: chunk.firstLine + 1, column: 1),
                            message: "document is \(slice.count >> 20) MiB, above the \(maxDocumentBytes >> 20) MiB limit for one document; split it"))
                    continue
                }
                let composer = YAMLComposer(limits: parseLimits, lineOffset: chunk.firstLine)
                let outcome = composer.documents(in: slice)
                for problem in outcome.warnings {
                    loaded.errors.append(InputError(file: file, position: problem.position, message: problem.message))
                }
                for document in outcome.documents {
                    loaded.documents += 1
                    collect(document, file: file, into: &loaded)
                }
                if let problem = outcome.failure {
                    loaded.documents += 1
                    loaded.errors.append(InputError(file: file, position: problem.position, message: problem.message))
                }
            }
        }
        return loaded
    }

    private static func looksLikeUTF16(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF))
    }

    /// Fields the API server decodes as strings: a YAML 1.1 boolean or number there (`name: y`,
    /// `enabled: true` as a label value) is rejected by kubectl, so it is an input error here too.
    static func typeProblems(_ object: Node, file: String) -> [InputError] {
        var errors: [InputError] = []
        let metadata = object["metadata"]
        for field in ["name", "namespace", "generateName"] {
            guard let entry = metadata?.mapping?.entry(field), entry.value.string == nil, !entry.value.isNull else { continue }
            errors.append(
                InputError(
                    file: file, position: entry.value.position,
                    message: "metadata.\(field) must be a string, but YAML reads \(entry.value.scalarText ?? "it") here as a \(typeName(entry.value)); quote it"
                ))
        }
        for field in ["labels", "annotations"] {
            for entry in metadata?[field]?.mapping?.entries ?? [] where entry.value.string == nil && !entry.value.isNull {
                errors.append(
                    InputError(
                        file: file, position: entry.value.position,
                        message:
                            "metadata.\(field).\(entry.key) must be a string, but YAML reads \(entry.value.scalarText ?? "it") as a \(typeName(entry.value)); quote it"
                    ))
            }
        }
        return errors
    }

    static func typeName(_ node: Node) -> String {
        switch node.value {
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .sequence: return "list"
        case .mapping: return "mapping"
        case .string, .null: return "string"
        }
    }

    private func collect(_ document: Node?, file: String, into loaded: inout LoadedFile) {
        guard let document, !document.isNull else { return }
        guard let mapping = document.mapping else {
            loaded.notes.append(LoadNote(file: file, line: document.line, message: "skipped: the document is not a mapping, so not a Kubernetes object"))
            return
        }
        let apiVersion = mapping["apiVersion"]?.string ?? ""
        let kind = mapping["kind"]?.string ?? ""
        guard !apiVersion.isEmpty, !kind.isEmpty else {
            let missing = apiVersion.isEmpty && kind.isEmpty ? "apiVersion and kind" : (apiVersion.isEmpty ? "apiVersion" : "kind")
            loaded.notes.append(LoadNote(file: file, line: document.line, message: "skipped: no \(missing), so not a Kubernetes object"))
            return
        }
        if kind.hasSuffix("List"), let items = mapping["items"], items.sequence != nil || items.isNull {
            // A typed list (PodList) implies its items' kind and apiVersion when they leave them out.
            let impliedKind = kind == "List" ? nil : String(kind.dropLast(4))
            for (index, item) in items.items.enumerated() {
                guard let itemMapping = item.mapping else {
                    loaded.notes.append(LoadNote(file: file, line: item.line, message: "skipped: items[\(index)] of the \(kind) is not a mapping"))
                    continue
                }
                var entries = itemMapping.entries
                if itemMapping["kind"]?.string?.isEmpty ?? true {
                    guard let impliedKind else {
                        loaded.notes.append(LoadNote(file: file, line: item.line, message: "skipped: items[\(index)] of the \(kind) has no kind"))
                        continue
                    }
                    entries.insert(Mapping.Entry(key: "kind", keyPosition: item.position, value: Node(.string(impliedKind), at: item.position)), at: 0)
                }
                if itemMapping["apiVersion"] == nil {
                    entries.insert(Mapping.Entry(key: "apiVersion", keyPosition: item.position, value: Node(.string(apiVersion), at: item.position)), at: 0)
                }
                let object = entries.count == itemMapping.count ? item : Node(.mapping(Mapping(entries)), at: item.position)
                loaded.errors += Self.typeProblems(object, file: file)
                loaded.objects.append(KubeObject(file: file, root: object, pathInDocument: "items[\(index)]"))
            }
            return
        }
        loaded.errors += Self.typeProblems(document, file: file)
        loaded.objects.append(KubeObject(file: file, root: document))
    }
}

/// Splits a YAML stream into documents at `---` lines, so that one malformed document does not
/// hide the others. YAML forbids a document marker at the start of a line inside any scalar, so
/// splitting at the byte level is exact.
enum DocumentSplitter {
    struct Chunk {
        var range: Range<Int>
        /// Zero-based line of the chunk's first byte.
        var firstLine: Int
    }

    static func chunks(_ bytes: UnsafeRawBufferPointer) -> [Chunk] {
        var starts: [(offset: Int, line: Int)] = [(0, 0)]
        var offset = 0
        var line = 0
        let count = bytes.count
        while offset < count {
            if offset + 2 < count, bytes[offset] == UInt8(ascii: "-"), bytes[offset + 1] == UInt8(ascii: "-"),
                bytes[offset + 2] == UInt8(ascii: "-")
            {
                let next = offset + 3
                if next == count || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]), offset != 0 {
                    starts.append((offset, line))
                }
            }
            // Advance to the next line.
            if let base = bytes.baseAddress, let newline = memchr(base + offset, 0x0A, count - offset) {
                offset = base.distance(to: UnsafeRawPointer(newline)) + 1
            } else {
                offset = count
            }
            line += 1
        }
        var chunks: [Chunk] = []
        var pendingStart: (offset: Int, line: Int)?
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1].offset : count
            let begin = pendingStart ?? start
            // A chunk of only comments, blank lines and directives belongs to the next document.
            if index + 1 < starts.count, isTrivial(bytes, start.offset..<end) {
                pendingStart = begin
                continue
            }
            pendingStart = nil
            chunks.append(Chunk(range: begin.offset..<end, firstLine: begin.line))
        }
        return chunks
    }

    private static func isTrivial(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var atLineStart = true
        var inComment = false
        for index in range {
            let byte = bytes[index]
            if byte == 0x0A {
                atLineStart = true
                inComment = false
                continue
            }
            if inComment { continue }
            if byte == 0x20 || byte == 0x09 || byte == 0x0D { continue }
            if byte == UInt8(ascii: "#") || (atLineStart && byte == UInt8(ascii: "%")) {
                inComment = true
                continue
            }
            return false
        }
        return true
    }
}

extension ManifestLoader {
    /// Parses YAML that is not a manifest (a configuration file): every document's root node, and
    /// the problems found, with positions.
    public func parseDocuments(bytes: [UInt8], file: String) -> (documents: [Node], errors: [InputError]) {
        var documents: [Node] = []
        var errors: [InputError] = []
        bytes.withUnsafeBytes { buffer in
            for chunk in DocumentSplitter.chunks(buffer) {
                let composer = YAMLComposer(limits: parseLimits, lineOffset: chunk.firstLine)
                let outcome = composer.documents(in: UnsafeRawBufferPointer(rebasing: buffer[chunk.range]))
                documents.append(contentsOf: outcome.documents.compactMap { $0 })
                for problem in outcome.warnings + (outcome.failure.map { [$0] } ?? []) {
                    errors.append(InputError(file: file, position: problem.position, message: problem.message))
                }
            }
        }
        return (documents, errors)
    }
}
