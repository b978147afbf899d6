import Foundation
import Testing

@testable import AuditLog

struct FollowerTests {
    @Test func rotationAndTruncationLoseAndRepeatNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-follow-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/audit.log"
        let state = directory + "/state"
        var seen: [String] = []
        func append(_ lines: [String], to path: String = log) throws {
            let handle = FileManager.default.fileExists(atPath: path) ? try FileHandle(forWritingTo: URL(fileURLWithPath: path)) : nil
            if let handle {
                handle.seekToEndOfFile()
                handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
                try handle.close()
            } else {
                try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: false, encoding: .utf8)
            }
        }
        var follower = LogFollower(path: log, statePath: state)
        try append(["e1", "e2"])
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        // A partial line waits for its end.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data("e3".utf8))
        try handle.close()
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        try append(["", "e4"].enumerated().map { $0.offset == 0 ? "" : $0.element })  // completes e3, then e4
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        // Rotation: the old file gets one more line before it is renamed, then a new file starts.
        try append(["e5"])
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try append(["e6"])
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        // Restart from the state file: nothing repeats.
        follower = LogFollower(path: log, statePath: state)
        try append(["e7"])
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        // copytruncate.
        try "".write(toFile: log, atomically: false, encoding: .utf8)
        try append(["e8"])
        follower.poll { seen.append(String(decoding: $0, as: UTF8.self)) }
        #expect(seen == ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"])
    }
}
