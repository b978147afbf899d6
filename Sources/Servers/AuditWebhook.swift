import AuditLog
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeModel
import Logging
import NIOCore
import NIOSSL

/// What the audit webhook receiver needs: where to listen, the detection engine, and where alerts go.
public struct AuditWebhookConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Nil only in tests of the plain handler; the CLI always serves TLS.
    public var tls: TLSConfiguration?
    public var engine: AuditEngine
    /// The largest request body accepted; the API server's default batch (400 events) is far below it.
    public var maxBodyBytes = 32 << 20
    /// Batches read and evaluated at once; more are answered 429 (the API server retries), so
    /// memory stays under about `maxConcurrent × maxBodyBytes` however many clients connect.
    public var admission = InFlightLimit(8)
    /// One alert as one line of text (no newline).
    public var render: @Sendable (Alert) -> String
    /// Receives each batch's alert lines, newline-terminated, in one call (so concurrent batches
    /// never interleave within a line); the CLI writes them to standard output.
    public var emit: @Sendable (String) -> Void
    public var forwarder: AlertForwarder?
    /// A second, plain-HTTP listener for `/healthz` and `/metrics` (kubelet probes and Prometheus
    /// present no client certificate); nil serves them only on the TLS port.
    public var metricsAddress: (host: String, port: Int)?

    public init(
        host: String, port: Int, tls: TLSConfiguration?, engine: AuditEngine, render: @escaping @Sendable (Alert) -> String,
        emit: @escaping @Sendable (String) -> Void, forwarder: AlertForwarder? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.engine = engine
        self.render = render
        self.emit = emit
        self.forwarder = forwarder
    }
}

/// The audit webhook backend the kube-apiserver posts `EventList` batches to: `POST /` or
/// `POST /events`, plus `GET /healthz` and `GET /metrics`.
public enum AuditWebhookServer {
    /// Handles one request body: returns the HTTP status and a short message. Every event of a
    /// well-formed batch is evaluated; a malformed body is counted and answered with 400 as a
    /// whole (the API server logs the failure and does not retry it).
    public static func handle(body: [UInt8], configuration: AuditWebhookConfiguration, metrics: ServerMetrics) -> (Int, String) {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            metrics.observe("brightkeys_audit_request_duration_seconds", seconds: seconds, help: "Time to evaluate one posted batch.")
        }
        metrics.add("brightkeys_audit_requests_total", help: help["brightkeys_audit_requests_total"] ?? "")
        var reader = AuditReader()
        let events = reader.events(line: body, number: 1, file: "request")
        if let (_, message) = reader.malformed.first {
            metrics.add("brightkeys_audit_malformed_total", help: help["brightkeys_audit_malformed_total"] ?? "")
            return (400, "malformed audit batch: \(message)")
        }
        metrics.add("brightkeys_audit_events_received_total", [], Double(events.count), help: help["brightkeys_audit_events_received_total"] ?? "")
        var lines: [String] = []
        for event in events {
            for alert in configuration.engine.alerts(for: event) {
                metrics.add(
                    "brightkeys_audit_alerts_total", [("rule", alert.rule.name), ("priority", alert.rule.priority)],
                    help: "Alerts raised, by rule and priority.")
                lines.append(configuration.render(alert))
            }
        }
        if !lines.isEmpty { configuration.emit(lines.map { $0 + "\n" }.joined()) }
        for line in lines {
            if let forwarder = configuration.forwarder, !forwarder.enqueue(line) {
                metrics.add("brightkeys_forward_dropped_total", help: "Alerts not forwarded because the queue was full.")
            }
        }
        return (200, "\(events.count) events, \(lines.count) alerts")
    }

    /// Serves until SIGTERM or SIGINT; calls `onRunning` with the bound port.
    public static func run(
        _ configuration: AuditWebhookConfiguration, metrics: ServerMetrics = ServerMetrics(),
        onRunning: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        for name in [
            "brightkeys_audit_requests_total", "brightkeys_audit_events_received_total", "brightkeys_audit_malformed_total",
            "brightkeys_audit_oversized_total", "brightkeys_audit_throttled_total",
        ] {
            metrics.add(name, [], 0, help: help[name] ?? "")
        }
        let router = Router()
        let maxBody = configuration.maxBodyBytes
        let limit = configuration.admission
        let receive: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            try await Intake.receive(
                request, limit: limit, maxBody: maxBody,
                refuse: { refusal in
                    switch refusal {
                    case .busy:
                        metrics.add("brightkeys_audit_throttled_total", help: help["brightkeys_audit_throttled_total"] ?? "")
                        return text(429, "too many batches in flight; retry\n")
                    case .tooLarge:
                        metrics.add("brightkeys_audit_oversized_total", help: help["brightkeys_audit_oversized_total"] ?? "")
                        return text(413, "request body larger than \(maxBody) bytes\n")
                    }
                },
                handle: { body, _ in
                    let (status, message) = handle(body: Array(body.readableBytesView), configuration: configuration, metrics: metrics)
                    return text(status, message + "\n")
                })
        }
        router.post("/", use: receive)
        router.post("events", use: receive)
        addProbes(to: router, configuration: configuration, metrics: metrics)
        let server: HTTPServerBuilder = try configuration.tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "brightkeys"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? configuration.port) })
        let forwarding = configuration.forwarder.map { forwarder in Task { await forwarder.run(metrics: metrics) } }
        var failure: (any Error)?
        do {
            let probes = Router()
            addProbes(to: probes, configuration: configuration, metrics: metrics)
            try await Intake.run(app, probes: probes, at: configuration.metricsAddress, logger: Logger(label: "brightkeys.audit"))
        } catch {
            failure = error
        }
        if let forwarder = configuration.forwarder {
            let left = await forwarder.drain(waiting: failure == nil ? 5 : 0)
            forwarding?.cancel()
            await forwarding?.value
            await forwarder.close()
            if left > 0 { forwarder.log("\(left) alerts were not forwarded before shutdown (they are on standard output)") }
        }
        if let failure { throw failure }
    }

    static let help = [
        "brightkeys_audit_requests_total": "Batches received.",
        "brightkeys_audit_events_received_total": "Audit events received.",
        "brightkeys_audit_malformed_total": "Request bodies that were not an audit Event or EventList.",
        "brightkeys_audit_oversized_total": "Request bodies refused for their size.",
        "brightkeys_audit_throttled_total": "Batches answered 429 because too many were in flight.",
    ]

    static func addProbes(to router: Router<BasicRequestContext>, configuration: AuditWebhookConfiguration, metrics: ServerMetrics) {
        router.get("healthz") { _, _ in text(200, "ok\n") }
        router.get("metrics") { _, _ in
            if let forwarder = configuration.forwarder {
                metrics.set("brightkeys_forward_queue_depth", Double(forwarder.depth), help: "Alerts waiting to be forwarded.")
            }
            return text(200, metrics.render(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    static func text(_ status: Int, _ body: String, type: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A count of requests in flight with a ceiling; `acquire` never waits.
public final class InFlightLimit: @unchecked Sendable {
    public let ceiling: Int
    private let lock = NSLock()
    private var current = 0

    public init(_ ceiling: Int) { self.ceiling = max(1, ceiling) }

    /// Takes a slot; false when all are taken.
    public func acquire() -> Bool {
        lock.withLock {
            guard current < ceiling else { return false }
            current += 1
            return true
        }
    }

    public func release() { lock.withLock { current -= 1 } }

    public var inFlight: Int { lock.withLock { current } }
}
