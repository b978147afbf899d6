import KubeModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A command-line flag as written in a manifest or unit file.
public struct Flag: Sendable, Hashable {
    public var name: String
    /// nil for a bare `--flag`.
    public var value: String?
    public var file: String
    public var line: Int

    public var evidence: String { "\(file):\(line): \(name)\(value.map { "=\($0)" } ?? "")" }
}

/// The flags of one component, with where each was written.
public struct FlagSet: Sendable {
    public var flags: [Flag] = []
    /// Where the flags came from (for "not set" evidence).
    public var sources: [String] = []

    public init() {}

    /// The value in force: the last occurrence, as Go's flag package keeps it.
    public func last(_ name: String) -> Flag? { flags.last { $0.name == name } }

    public func all(_ name: String) -> [Flag] { flags.filter { $0.name == name } }

    /// Parses `--a=b`, `--a b` and bare `--a` from a list of arguments with their lines.
    static func parse(_ arguments: [(text: String, line: Int)], file: String) -> [Flag] {
        parse(arguments.map { ($0.text, $0.line, file) })
    }

    /// The same, each argument with its own file.
    static func parse(_ arguments: [(text: String, line: Int, file: String)]) -> [Flag] {
        var flags: [Flag] = []
        var index = 0
        while index < arguments.count {
            let (text, line, file) = arguments[index]
            index += 1
            guard text.hasPrefix("-") else { continue }
            var body = Substring(text)
            while body.hasPrefix("-") { body = body.dropFirst() }
            if let equals = body.firstIndex(of: "=") {
                flags.append(Flag(name: "--" + body[..<equals], value: String(body[body.index(after: equals)...]), file: file, line: line))
            } else if index < arguments.count, !arguments[index].text.hasPrefix("-") {
                flags.append(Flag(name: "--" + body, value: arguments[index].text, file: file, line: line))
                index += 1
            } else {
                flags.append(Flag(name: "--" + body, value: nil, file: file, line: line))
            }
        }
        return flags
    }
}

/// File facts the benchmark needs: mode and owner, from stat.
public struct FileFacts: Sendable {
    public var path: String
    public var mode: UInt32
    public var owner: String
    public var group: String
    public var isDirectory: Bool
}

/// Reading files under a root directory, refusing to follow links out of it.
public struct NodeFilesystem: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    /// The path on this machine for a node path such as `/etc/kubernetes/admin.conf`.
    public func local(_ path: String) -> String {
        root == "/" ? path : root + path
    }

    public enum ReadError: Error, CustomStringConvertible, Sendable {
        case missing(String), unreadable(String, String), outside(String, String)

        public var description: String {
            switch self {
            case .missing(let path): return "\(path) does not exist"
            case .unreadable(let path, let reason): return "\(path) cannot be read: \(reason)"
            case .outside(let path, let target): return "\(path) is a link to \(target), outside the root; not followed"
            }
        }
    }

    /// Resolves links step by step and refuses any that leave the root (a copied node tree may
    /// hold absolute links that would point at this machine's files).
    func resolve(_ path: String) -> Result<String, ReadError> {
        var current = local(path)
        for _ in 0..<16 {
            var info = stat()
            guard lstat(current, &info) == 0 else { return .failure(.missing(path)) }
            guard (info.st_mode & S_IFMT) == S_IFLNK else { return .success(current) }
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return .failure(.unreadable(path, "unreadable link")) }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if target.hasPrefix("/") {
                guard root == "/" else { return .failure(.outside(path, target)) }
                current = target
            } else {
                let directory = current.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
                current = directory + "/" + target
                if root != "/", !normalized(current).hasPrefix(root + "/") { return .failure(.outside(path, target)) }
            }
        }
        return .failure(.unreadable(path, "too many links"))
    }

    private func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    public func facts(_ path: String) -> Result<FileFacts, ReadError> {
        switch resolve(path) {
        case .failure(let error): return .failure(error)
        case .success(let real):
            var info = stat()
            guard stat(real, &info) == 0 else { return .failure(.missing(path)) }
            return .success(
                FileFacts(
                    path: path, mode: UInt32(info.st_mode) & 0o7777, owner: Self.userName(info.st_uid), group: Self.groupName(info.st_gid),
                    isDirectory: (info.st_mode & S_IFMT) == S_IFDIR))
        }
    }

    public func read(_ path: String) -> Result<[UInt8], ReadError> {
        switch resolve(path) {
        case .failure(let error): return .failure(error)
        case .success(let real):
            var info = stat()
            guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.unreadable(path, "not a regular file")) }
            guard let handle = fopen(real, "rb") else { return .failure(.unreadable(path, String(cString: strerror(errno)))) }
            defer { fclose(handle) }
            var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
            let count = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            return .success(Array(bytes[0..<count]))
        }
    }

    /// Every file below a directory (not following links), for the PKI checks.
    public func walk(_ directory: String) -> [String] {
        let base = local(directory)
        guard let handle = opendir(base) else { return [] }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(handle)
        var result: [String] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(local(path), &info) == 0 else { continue }
            result.append(path)
            if (info.st_mode & S_IFMT) == S_IFDIR { result += walk(path) }
        }
        return result
    }

    /// True when something is at the path, even a link that cannot be followed.
    public func isPresent(_ path: String) -> Bool {
        var info = stat()
        return lstat(local(path), &info) == 0
    }

    public func exists(_ path: String) -> Bool {
        if case .success = facts(path) { return true }
        return false
    }

    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }
}
