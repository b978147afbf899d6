import Foundation
import KubeModel
import Logging

/// swift-log handler writing one JSON object per line: `time`, `level`, `msg`, then the metadata.
/// Lines are written whole, under a lock, so concurrent requests never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    /// The name and the sink, behind one reference: the handler then fits in the inline storage
    /// of `any LogHandler`, so that the per-request copy of a logger that Hummingbird makes (to
    /// add the request ID) allocates no box.
    private let output: Output

    final class Output: Sendable {
        let label: String
        let sink: @Sendable (String) -> Void

        init(label: String, sink: @escaping @Sendable (String) -> Void) {
            self.label = label
            self.sink = sink
        }
    }

    var label: String { output.label }

    public init(label: String, level: Logger.Level = .info, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.logLevel = level
        self.output = Output(label: label, sink: sink)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "{\"time\":\""
        line += Self.timestamp()
        line += "\",\"level\":\"\(event.level.rawValue)\",\"logger\":"
        JSONString.append(label, to: &line)
        line += ",\"msg\":"
        JSONString.append(event.message.description, to: &line)
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += ","
            JSONString.append(key, to: &line)
            line += ":"
            Self.append(merged[key] ?? "", to: &line)
        }
        line += "}\n"
        output.sink(line)
    }

    static func append(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): JSONString.append(text, to: &line)
        case .stringConvertible(let convertible): JSONString.append(convertible.description, to: &line)
        case .array(let items):
            line += "["
            for (index, item) in items.enumerated() {
                if index > 0 { line += "," }
                append(item, to: &line)
            }
            line += "]"
        case .dictionary(let fields):
            line += "{"
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                JSONString.append(key, to: &line)
                line += ":"
                append(fields[key] ?? "", to: &line)
            }
            line += "}"
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec) / 1_000_000
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = String(millis + 1000).dropFirst()
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }

    private static let lock = NSLock()

    public static let standardError: @Sendable (String) -> Void = { line in
        lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        lock.unlock()
    }
}
