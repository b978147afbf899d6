import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends alert lines to an HTTP endpoint in batches (newline-delimited JSON), from a bounded
/// queue. A failed batch is kept and retried with backoff until it is delivered; when the queue
/// is full, new alerts are refused and counted (the caller reports them), never dropped silently.
public final class AlertForwarder: @unchecked Sendable {
    public let url: String
    public let capacity: Int
    let batchSize: Int
    private let lock = NSLock()
    private var queue: [String] = []
    private var head = 0
    private(set) var refused = 0
    private let client: HTTPClient
    /// Reports failures and overflow (the CLI writes them to standard error).
    let log: @Sendable (String) -> Void

    public init(url: String, capacity: Int = 10_000, batchSize: Int = 500, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.capacity = max(1, capacity)
        self.batchSize = max(1, batchSize)
        self.log = log
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Adds one alert line; false when the queue is full.
    public func enqueue(_ line: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard queue.count - head < capacity else {
            refused += 1
            if refused == 1 || refused % 1000 == 0 {
                log("forwarding queue full (\(capacity) alerts): \(refused) alerts not forwarded so far (they are on standard output)")
            }
            return false
        }
        queue.append(line)
        return true
    }

    public var depth: Int {
        lock.lock()
        defer { lock.unlock() }
        return queue.count - head
    }

    private func peek() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return Array(queue[head..<min(queue.count, head + batchSize)])
    }

    private func remove(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        head += count
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// Delivers batches until cancelled; each batch is retried (backoff 0.1 s doubling to 10 s)
    /// until the endpoint answers 2xx.
    public func run(metrics: ServerMetrics) async {
        var backoff = 0.1
        while !Task.isCancelled {
            let batch = peek()
            if batch.isEmpty {
                try? await Task.sleep(nanoseconds: 20_000_000)
                continue
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-ndjson")
            request.body = .bytes(ByteBuffer(string: batch.joined(separator: "\n") + "\n"))
            var failure: String?
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                let code = Int(response.status.code)
                if (400..<500).contains(code) && code != 408 && code != 429 {
                    // The endpoint refuses this batch for good: retrying would block every later
                    // alert, so it is counted and reported instead.
                    remove(batch.count)
                    metrics.add(
                        "brightkeys_forward_rejected_total", [], Double(batch.count), help: "Alerts the forward URL refused for good (HTTP 4xx).")
                    log("\(url) refused \(batch.count) alerts with HTTP \(code); not retried (they are on standard output)")
                    continue
                }
                if !(200..<300).contains(code) { failure = "HTTP \(code)" }
            } catch {
                if Task.isCancelled { break }
                failure = "\(error)"
            }
            if let failure {
                metrics.add("brightkeys_forward_failures_total", help: "Forwarding attempts that failed (the batch is retried).")
                log("forwarding \(batch.count) alerts to \(url) failed (\(failure)); retrying in \(backoff) s")
                try? await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
                backoff = min(backoff * 2, 10)
                continue
            }
            backoff = 0.1
            remove(batch.count)
            metrics.add("brightkeys_forward_sent_total", [], Double(batch.count), help: "Alerts delivered to the forward URL.")
        }
    }

    /// Waits (up to `seconds`, less if the task is cancelled) for the queue to drain; returns
    /// what is left.
    public func drain(waiting seconds: Double) async -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while depth > 0 && Date() < deadline && !Task.isCancelled { try? await Task.sleep(nanoseconds: 50_000_000) }
        return depth
    }

    /// Closes the HTTP client; call once, after `run` has returned.
    public func close() async {
        try? await client.shutdown()
    }
}
