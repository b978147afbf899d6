import Foundation

/// Counters and a latency histogram, rendered in the Prometheus text format.
public final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: Double] = [:]
    private var help: [String: (String, String)] = [:]
    /// Bucket upper bounds in seconds, from 100 µs.
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private var histogram: [String: [Int]] = [:]
    private var sums: [String: (Double, Int)] = [:]

    public init() {}

    /// `name{labels}` += amount.
    public func add(_ name: String, _ labels: [(String, String)] = [], _ amount: Double = 1, help text: String = "") {
        let key = Self.key(name, labels)
        lock.lock()
        counters[key, default: 0] += amount
        if help[name] == nil { help[name] = (text, "counter") }
        lock.unlock()
    }

    public func set(_ name: String, _ value: Double, help text: String = "") {
        lock.lock()
        counters[name] = value
        if help[name] == nil { help[name] = (text, "gauge") }
        lock.unlock()
    }

    public func observe(_ name: String, seconds: Double, help text: String = "") {
        lock.lock()
        var counts = histogram[name] ?? Array(repeating: 0, count: Self.buckets.count)
        for (index, bound) in Self.buckets.enumerated() where seconds <= bound { counts[index] += 1 }
        histogram[name] = counts
        let (sum, count) = sums[name] ?? (0, 0)
        sums[name] = (sum + seconds, count + 1)
        if help[name] == nil { help[name] = (text, "histogram") }
        lock.unlock()
    }

    public func value(_ name: String, _ labels: [(String, String)] = []) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return counters[Self.key(name, labels)] ?? 0
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return name }
        // Label values rarely need escaping: build the key in one pass when they do not.
        if labels.allSatisfy({ !$0.1.utf8.contains { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A } }) {
            var key = name + "{"
            for (index, (label, value)) in labels.enumerated() {
                if index > 0 { key += "," }
                key += label + "=\"" + value + "\""
            }
            return key + "}"
        }
        let escaped = labels.map {
            "\($0.0)=\"\($0.1.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n"))\""
        }
        return "\(name){\(escaped.joined(separator: ","))}"
    }

    public func render() -> String {
        lock.lock()
        defer { lock.unlock() }
        var output = ""
        var described = Set<String>()
        for key in counters.keys.sorted() {
            let name = String(key.prefix { $0 != "{" })
            if described.insert(name).inserted, let (text, type) = help[name] {
                output += "# HELP \(name) \(text)\n# TYPE \(name) \(type)\n"
            }
            output += "\(key) \(Self.number(counters[key] ?? 0))\n"
        }
        for name in histogram.keys.sorted() {
            let (text, _) = help[name] ?? ("", "histogram")
            output += "# HELP \(name) \(text)\n# TYPE \(name) histogram\n"
            for (index, bound) in Self.buckets.enumerated() {
                output += "\(name)_bucket{le=\"\(bound)\"} \(histogram[name]?[index] ?? 0)\n"
            }
            let (sum, count) = sums[name] ?? (0, 0)
            output += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        }
        return output
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
