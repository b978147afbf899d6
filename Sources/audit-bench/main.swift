// Benchmark for audit-log detection: parse every line of a log with the event parser, then parse
// and run the rules, in one run; prints both times and their ratio. Run through
// scripts/bench-audit.sh, which makes the log.
import AuditLog
import Foundation
import KubeModel

func seconds(_ work: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    work()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Calls `body` with each line of the file, reading 1 MiB at a time.
func eachLine(_ path: String, _ body: ([UInt8]) -> Void) {
    guard let handle = FileHandle(forReadingAtPath: path) else { exit(2) }
    var pending: [UInt8] = []
    while true {
        let data = handle.readData(ofLength: 1 << 20)
        if data.isEmpty { break }
        pending.append(contentsOf: data)
        var start = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            body(Array(pending[start..<newline]))
            start = newline + 1
        }
        pending.removeFirst(start)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: audit-bench LOG RULES...\n".utf8))
    exit(2)
}
var loader = RulesLoader()
for file in arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: file) else { exit(2) }
    loader.load(bytes: [UInt8](data), file: file)
}
let engine = AuditEngine(rules: loader.compile())
var parsed = 0
let parseTime = seconds {
    var reader = AuditReader()
    eachLine(arguments[0]) { parsed += reader.events(line: $0, number: 0, file: "log").count }
}
var alerts = 0
let detectTime = seconds {
    var reader = AuditReader()
    eachLine(arguments[0]) { line in
        for event in reader.events(line: line, number: 0, file: "log") { alerts += engine.alerts(for: event).count }
    }
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("events:          \(parsed), rules \(engine.rules.count), alerts \(alerts)")
print("parse seconds:   \(String(format: "%.2f", parseTime))")
print("detect seconds:  \(String(format: "%.2f", detectTime))")
print("ratio:           \(String(format: "%.2f", detectTime / parseTime))")
print("peak RSS MB:     \(usage.ru_maxrss / 1024)")
