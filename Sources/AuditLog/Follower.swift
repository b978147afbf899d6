import Foundation

/// Follows a growing log across rotation (rename and a new file) and copytruncate, remembering
/// where it was in a state file so that a restart neither loses nor repeats lines.
public final class LogFollower {
    public let path: String
    let statePath: String?
    private var descriptor: Int32 = -1
    private var inode: UInt64 = 0
    private var offset: Int64 = 0
    private var partial: [UInt8] = []

    public init(path: String, statePath: String?) {
        self.path = path
        self.statePath = statePath
        if let statePath, let text = try? String(contentsOfFile: statePath, encoding: .utf8) {
            // "inode offset"
            let parts = text.split(separator: " ").compactMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if parts.count == 2 {
                inode = UInt64(parts[0])
                offset = parts[1]
            }
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    private func currentInode() -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    private func saveState() {
        guard let statePath else { return }
        let temporary = statePath + ".tmp"
        if let handle = fopen(temporary, "w") {
            fputs("\(inode) \(offset)\n", handle)
            fclose(handle)
            rename(temporary, statePath)
        }
    }

    /// Reads every complete new line (calling `body` with each), following rotation; returns the
    /// number of lines read.
    @discardableResult
    public func poll(_ body: ([UInt8]) -> Void) -> Int {
        var count = 0
        if descriptor < 0 { openCurrent() }
        guard descriptor >= 0 else { return 0 }
        // copytruncate: the file got shorter than where we are.
        var info = stat()
        if fstat(descriptor, &info) == 0, Int64(info.st_size) < offset {
            offset = 0
            partial = []
            lseek(descriptor, 0, SEEK_SET)
        }
        count += drain(body)
        // Rotation: the path now names another file; finish the old one first (done above).
        if let current = currentInode(), current != inode {
            close(descriptor)
            descriptor = -1
            partial = []
            inode = current
            offset = 0
            openCurrent()
            count += drain(body)
        }
        saveState()
        return count
    }

    private func openCurrent() {
        let handle = open(path, O_RDONLY)
        guard handle >= 0 else { return }
        var info = stat()
        fstat(handle, &info)
        if UInt64(info.st_ino) != inode || Int64(info.st_size) < offset {
            inode = UInt64(info.st_ino)
            offset = 0
        }
        lseek(handle, off_t(offset), SEEK_SET)
        descriptor = handle
    }

    private func drain(_ body: ([UInt8]) -> Void) -> Int {
        var count = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got <= 0 { break }
            partial.append(contentsOf: buffer[0..<got])
            var start = 0
            while let newline = partial[start...].firstIndex(of: 0x0A) {
                body(Array(partial[start..<newline]))
                count += 1
                start = newline + 1
            }
            offset += Int64(start)
            partial.removeFirst(start)
        }
        return count
    }
}
