import Foundation
import Synchronization

/// Counters, gauges and latency histograms, rendered in the Prometheus text format.
///
/// Series are kept by metric name and label values; the `name{label="value"}` text is built only
/// when `/metrics` is read. Hot paths hold a `Counter` or `Histogram` handle, which skips even
/// the look-up by name.
public final class ServerMetrics: @unchecked Sendable {
    /// Bucket upper bounds in seconds, from 100 µs.
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    /// One counter or gauge family: fixed label names, one value per combination of label values.
    public final class Counter: @unchecked Sendable {
        let name: String
        let labelNames: [String]
        let help: String
        let type: String
        private let lock = NSLock()
        private var series: [[String]: Double] = [:]

        init(name: String, labelNames: [String], help: String, type: String) {
            self.name = name
            self.labelNames = labelNames
            self.help = help
            self.type = type
        }

        /// Series a family keeps at most: label values can come from requests (the kind of an
        /// admitted object), and memory must stay bounded whatever clients send. Past the limit,
        /// new combinations are counted under `other`.
        public static let maxSeries = 1_000

        /// The series with these label values (in the family's label order) += amount.
        public func add(_ labelValues: [String] = [], _ amount: Double = 1) {
            lock.lock()
            // One hash of the label values when the series exists, as it nearly always does.
            if let index = series.index(forKey: labelValues) {
                series.values[index] += amount
            } else if series.count + single.count >= Self.maxSeries {
                series[labelValues.map { _ in "other" }, default: 0] += amount
            } else {
                series[labelValues] = amount
            }
            lock.unlock()
        }

        /// One more in each series named by `values`, one value per series (a family with one label).
        public func increment(each values: some Sequence<String>) {
            lock.lock()
            for value in values {
                // One hash when the series exists, as it nearly always does.
                if let index = single.index(forKey: value) {
                    single.values[index] += 1
                } else {
                    single[series.count + single.count < Self.maxSeries ? value : "other", default: 0] += 1
                }
            }
            lock.unlock()
        }

        /// Series of a one-label family counted by `increment(each:)`, kept by the bare value (no
        /// array to build per count); merged with `series` when read.
        private var single: [String: Double] = [:]

        private func merged() -> [[String]: Double] {
            var all = series
            for (value, count) in single { all[[value], default: 0] += count }
            return all
        }

        func set(_ labelValues: [String], _ value: Double) {
            lock.lock()
            series[labelValues] = value
            lock.unlock()
        }

        func value(_ labelValues: [String]) -> Double {
            lock.lock()
            defer { lock.unlock() }
            return (series[labelValues] ?? 0) + (labelValues.count == 1 ? single[labelValues[0]] ?? 0 : 0)
        }

        /// `name{labels} value` lines, ordered by their text.
        func lines() -> [String] {
            lock.lock()
            let snapshot = merged()
            lock.unlock()
            return snapshot.map { "\(ServerMetrics.key(name, Array(zip(labelNames, $0.key)))) \(ServerMetrics.number($0.value))" }.sorted()
        }
    }

    /// A latency histogram with the fixed buckets. Observing takes no lock: each bucket, the count
    /// and the sum (in nanoseconds) are atomic counters, and a bucket counts only the values that
    /// fall in it (they are summed into Prometheus' cumulative form when read). Sendable because
    /// the buffer is only ever reached through its atomics.
    public final class Histogram: @unchecked Sendable {
        let name: String
        let help: String
        /// One per bucket, then one past the last bound (`+Inf` only).
        private let counts: UnsafeMutablePointer<Atomic<Int>>
        private let sumNanoseconds = Atomic<Int>(0)

        init(name: String, help: String) {
            self.name = name
            self.help = help
            counts = .allocate(capacity: ServerMetrics.buckets.count + 1)
            for index in 0...ServerMetrics.buckets.count { (counts + index).initialize(to: Atomic(0)) }
        }

        deinit {
            counts.deinitialize(count: ServerMetrics.buckets.count + 1)
            counts.deallocate()
        }

        public func observe(seconds: Double) {
            let bucket = ServerMetrics.buckets.firstIndex { seconds <= $0 } ?? ServerMetrics.buckets.count
            counts[bucket].wrappingAdd(1, ordering: .relaxed)
            let nanoseconds = seconds * 1e9
            sumNanoseconds.wrappingAdd(nanoseconds.isFinite && nanoseconds < 9e18 ? Int(max(nanoseconds, 0)) : 0, ordering: .relaxed)
        }

        func render() -> String {
            var cumulative = 0
            var output = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            for (index, bound) in ServerMetrics.buckets.enumerated() {
                cumulative += counts[index].load(ordering: .relaxed)
                output += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
            }
            let count = cumulative + counts[ServerMetrics.buckets.count].load(ordering: .relaxed)
            let sum = Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9
            return output + "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        }
    }

    private let lock = NSLock()
    private var counters: [String: Counter] = [:]
    private var histograms: [String: Histogram] = [:]

    public init() {}

    /// The counter family `name` (made on first use; later calls get the same family).
    public func counter(_ name: String, labels: [String] = [], help: String = "") -> Counter {
        family(name, labels: labels, help: help, type: "counter")
    }

    /// The histogram `name` (made on first use).
    public func histogram(_ name: String, help: String = "") -> Histogram {
        lock.lock()
        defer { lock.unlock() }
        if let known = histograms[name] { return known }
        let made = Histogram(name: name, help: help)
        histograms[name] = made
        return made
    }

    private func family(_ name: String, labels: [String], help: String, type: String) -> Counter {
        lock.lock()
        defer { lock.unlock() }
        if let known = counters[name] { return known }
        let made = Counter(name: name, labelNames: labels, help: help, type: type)
        counters[name] = made
        return made
    }

    /// `name{labels}` += amount. A family keeps the label names it was first used with.
    public func add(_ name: String, _ labels: [(String, String)] = [], _ amount: Double = 1, help text: String = "") {
        counter(name, labels: labels.map(\.0), help: text).add(labels.map(\.1), amount)
    }

    public func set(_ name: String, _ value: Double, help text: String = "") {
        family(name, labels: [], help: text, type: "gauge").set([], value)
    }

    public func observe(_ name: String, seconds: Double, help text: String = "") {
        histogram(name, help: text).observe(seconds: seconds)
    }

    public func value(_ name: String, _ labels: [(String, String)] = []) -> Double {
        lock.lock()
        let family = counters[name]
        lock.unlock()
        return family?.value(labels.map(\.1)) ?? 0
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return name }
        let escaped = labels.map { label, value in
            // Scalar by scalar: a quote or a line feed inside a larger character (`\r\n`, a quote
            // with a combining mark) must be escaped too, or a label value could end the line.
            var text = label + "=\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\\": text += "\\\\"
                case "\"": text += "\\\""
                case "\n": text += "\\n"
                default: text.unicodeScalars.append(scalar)
                }
            }
            return text + "\""
        }
        return "\(name){\(escaped.joined(separator: ","))}"
    }

    public func render() -> String {
        lock.lock()
        let families = counters.values.sorted { $0.name < $1.name }
        let histograms = histograms.values.sorted { $0.name < $1.name }
        lock.unlock()
        var output = ""
        for family in families {
            let lines = family.lines()
            guard !lines.isEmpty else { continue }
            output += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
            for line in lines { output += line + "\n" }
        }
        for histogram in histograms { output += histogram.render() }
        return output
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
