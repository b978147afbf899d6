import Admission
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeModel
import Logging
import NIOCore
import NIOSSL

/// What the admission webhook needs: where to listen, its TLS files, the decision logic.
public struct AdmissionWebhookConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Nil only in tests of the plain handler; the CLI always serves TLS.
    public var certificates: CertificateReloader?
    public var clientCA: String?
    public var admitter: Admitter
    /// The API server refuses objects over 3 MiB; an UPDATE review carries the object twice,
    /// plus the envelope.
    public var maxBodyBytes = 2 * (3 << 20) + (64 << 10)
    /// Connections idle this long are closed (slow or stalled clients).
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Requests evaluated at once; more are answered 429 so memory stays bounded.
    public var inFlight = InFlightLimit(64)
    /// A plain-HTTP listener for `/healthz`, `/readyz` and `/metrics` (kubelet probes and
    /// Prometheus present no client certificate).
    public var metricsAddress: (host: String, port: Int)?
    public var logger: Logger

    public init(host: String, port: Int, certificates: CertificateReloader?, clientCA: String? = nil, admitter: Admitter, logger: Logger) {
        self.host = host
        self.port = port
        self.certificates = certificates
        self.clientCA = clientCA
        self.admitter = admitter
        self.logger = logger
    }
}

/// An HTTP answer: status, content type, body.
public struct WebhookReply: Sendable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]

    static func text(_ status: Int, _ message: String) -> WebhookReply {
        WebhookReply(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
    }
}

/// The validating admission webhook: `POST /validate` (and `/validate/pods`,
/// `/validate/workloads`, the same handler under the paths the generated configuration uses),
/// `GET /healthz`, `GET /readyz`, `GET /metrics`.
public enum AdmissionWebhookServer {
    static let help = [
        "brightkeys_admission_requests_total": "Admission requests answered, by operation, kind and verdict.",
        "brightkeys_admission_denials_total": "Denials, by the check that denied.",
        "brightkeys_admission_malformed_total": "Request bodies that were not an AdmissionReview (answered 400).",
        "brightkeys_admission_oversized_total": "Request bodies refused for their size (413).",
        "brightkeys_admission_throttled_total": "Requests answered 429 because too many were in flight.",
        "brightkeys_admission_request_duration_seconds": "Time from the body read to the answer.",
    ]

    /// The webhook's metrics, looked up once.
    public struct Metrics: Sendable {
        public let requests: ServerMetrics.Counter
        public let denials: ServerMetrics.Counter
        public let malformed: ServerMetrics.Counter
        public let oversized: ServerMetrics.Counter
        public let throttled: ServerMetrics.Counter
        public let duration: ServerMetrics.Histogram

        public init(_ metrics: ServerMetrics) {
            func counter(_ name: String, _ labels: [String] = []) -> ServerMetrics.Counter {
                metrics.counter(name, labels: labels, help: help[name] ?? "")
            }
            requests = counter("brightkeys_admission_requests_total", ["operation", "kind", "verdict"])
            denials = counter("brightkeys_admission_denials_total", ["check"])
            malformed = counter("brightkeys_admission_malformed_total")
            oversized = counter("brightkeys_admission_oversized_total")
            throttled = counter("brightkeys_admission_throttled_total")
            let name = "brightkeys_admission_request_duration_seconds"
            duration = metrics.histogram(name, help: help[name] ?? "")
            // Shown at zero before the first refusal, so that alerts on them have a series.
            for unlabelled in [malformed, oversized, throttled] { unlabelled.add([], 0) }
        }
    }

    /// Answers one request body; never throws, never crashes on any input.
    public static func handle(body: ByteBuffer, contentType: String?, configuration: AdmissionWebhookConfiguration, metrics: Metrics) async
        -> WebhookReply
    {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { metrics.duration.observe(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        func malformed(_ message: String) -> WebhookReply {
            metrics.malformed.add()
            configuration.logger.info("malformed request", metadata: ["error": .string(message)])
            return .text(400, message)
        }
        if let contentType, !isJSON(contentType) {
            return malformed("unable to process a request with a non-json content type \(AdmissionReview.quoted(contentType)); send application/json")
        }
        if body.readableBytes == 0 { return malformed("request body is empty") }
        let review: AdmissionReview
        // Parsed from the request's own buffer: the document copies what it keeps.
        let decoded = body.withUnsafeReadableBytes { bytes in
            Result { () throws(AdmissionDecodeError) in try AdmissionReview.decode(bytes) }
        }
        switch decoded {
        case .success(let found): review = found
        case .failure(let error): return malformed(error.message)
        }
        let request = review.request
        // Deciding is CPU only, except a namespace lookup the cache cannot answer, which has its
        // own timeout (a pod is then refused as Pod Security Admission does): no timer per request.
        let outcome = await configuration.admitter.review(request)
        let kind = request.kind.group.isEmpty ? request.kind.kind : "\(request.kind.kind).\(request.kind.group)"
        metrics.requests.add([request.operation.rawValue, kind, outcome.verdict])
        if !outcome.deniedBy.isEmpty {
            // A check that denied for several fields counts once.
            var checks: [String] = []
            for check in outcome.deniedBy where !checks.contains(check) { checks.append(check) }
            metrics.denials.increment(each: checks)
        }
        let level: Logger.Level = outcome.verdict == "allowed" ? .debug : .info
        if configuration.logger.logLevel <= level {
            var metadata: Logger.Metadata = [
                "uid": .string(request.uid), "operation": .string(request.operation.rawValue), "kind": .string(kind),
                "namespace": .string(request.namespace), "name": .string(request.name), "user": .string(request.userInfo.username),
                "verdict": .string(outcome.verdict), "dryRun": .stringConvertible(request.dryRun),
            ]
            if let status = outcome.response.status { metadata["reason"] = .string(status.message) }
            if !outcome.response.warnings.isEmpty { metadata["warnings"] = .array(outcome.response.warnings.map { .string($0) }) }
            configuration.logger.log(level: level, "admission decision", metadata: metadata)
        }
        return WebhookReply(status: 200, contentType: "application/json", body: outcome.response.encode(apiVersion: review.apiVersion))
    }

    /// Whether a Content-Type names JSON: `application/json`, in any case, parameters allowed.
    static func isJSON(_ contentType: String) -> Bool {
        contentType.hasPrefixIgnoringASCIICase("application/json")
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting and lets requests in flight finish.
    public static func run(
        _ configuration: AdmissionWebhookConfiguration, metrics: ServerMetrics = ServerMetrics(), ready: @escaping @Sendable () -> Bool,
        onRunning: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let handles = Metrics(metrics)
        let router = Router()
        let maxBody = configuration.maxBodyBytes
        let limit = configuration.inFlight
        let validate: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            try await Intake.receive(
                request, limit: limit, maxBody: maxBody,
                refuse: { refusal in
                    switch refusal {
                    case .busy:
                        handles.throttled.add()
                        return reply(.text(429, "too many requests in flight; retry"))
                    case .tooLarge:
                        handles.oversized.add()
                        return reply(.text(413, "request entity is too large; limit is \(maxBody) bytes"))
                    }
                },
                handle: { body, request in
                    // The first Content-Type field decides (the joined value that
                    // `headers[.contentType]` builds starts with it); the joined value, which a
                    // refusal quotes, is made only when the first is not JSON.
                    var contentType = request.headers.first { $0.name == .contentType }?.value
                    if let first = contentType, !isJSON(first) { contentType = request.headers[.contentType] }
                    return reply(await handle(body: body, contentType: contentType, configuration: configuration, metrics: handles))
                })
        }
        for path in ["validate", "validate/pods", "validate/workloads"] { router.post(RouterPath(path), use: validate) }
        addProbes(to: router, metrics: metrics, ready: ready)
        let http1 = HTTP1Channel.Configuration(idleTimeout: configuration.idleTimeout)
        var server: HTTPServerBuilder = .http1(configuration: http1)
        if let certificates = configuration.certificates {
            server = try .tls(.http1(configuration: http1), tlsConfiguration: certificates.configuration(clientCA: configuration.clientCA))
        }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "brightkeys"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? configuration.port) }, logger: configuration.logger)
        let probes = Router()
        addProbes(to: probes, metrics: metrics, ready: ready)
        try await Intake.run(app, probes: probes, at: configuration.metricsAddress, logger: configuration.logger)
    }

    static func addProbes(to router: Router<BasicRequestContext>, metrics: ServerMetrics, ready: @escaping @Sendable () -> Bool) {
        router.get("healthz") { _, _ in reply(.text(200, "ok")) }
        router.get("readyz") { _, _ in ready() ? reply(.text(200, "ok")) : reply(.text(503, "not ready: namespaces not loaded yet")) }
        router.get("metrics") { _, _ in
            reply(WebhookReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(metrics.render().utf8)))
        }
    }

    static func reply(_ answer: WebhookReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
