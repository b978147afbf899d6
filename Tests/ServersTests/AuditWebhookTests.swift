import AsyncHTTPClient
import AuditLog
import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import Servers
import Testing

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
struct TestPKI {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout client.key -out client.csr 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func client(withCertificate: Bool) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(path("ca.crt"))
        if withCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(path("client.crt")).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: path("client.key"), format: .pem))
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }
}

/// Lines handed to `emit`, collected for assertions.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ text: String) { lock.withLock { storage.append(contentsOf: text.split(separator: "\n").map(String.init)) } }
    var lines: [String] { lock.withLock { storage } }
}

/// Starts a server on a free port and returns it with the task running it.
func start(_ configuration: AuditWebhookConfiguration, metrics: ServerMetrics) async throws -> (Int, Task<Void, Error>) {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let task = Task { try await AuditWebhookServer.run(configuration, metrics: metrics) { continuation.yield($0) } }
    for await port in stream { return (port, task) }
    throw CancellationError()
}

/// Starts a plain-HTTP Hummingbird server for `router` on a free port.
func startPlain(_ router: Router<BasicRequestContext>) async throws -> (Int, Task<Void, Error>) {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
    let task = Task { try await application.runService() }
    for await port in stream { return (port, task) }
    throw CancellationError()
}

func post(_ client: HTTPClient, _ url: String, _ body: String) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await client.execute(request, timeout: .seconds(10))
    let buffer = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: buffer))
}

func get(_ client: HTTPClient, _ url: String) async throws -> String {
    let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
    return String(buffer: try await response.body.collect(upTo: 1 << 20))
}

func builtInEngine() -> AuditEngine {
    var loader = RulesLoader()
    loader.load(bytes: Array(DefaultAuditRules.yaml.utf8), file: "built-in")
    return AuditEngine(rules: loader.compile())
}

let execEvent = """
    {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","auditID":"a1",\
    "requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=bash&container=web","user":{"username":"bob"},\
    "objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web"},"responseStatus":{"code":101},\
    "stageTimestamp":"2026-11-28T01:02:03.000000Z"}
    """
let quietEvent = """
    {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"get","auditID":"a2",\
    "requestURI":"/api/v1/namespaces/shop/pods/web","user":{"username":"bob"},\
    "objectRef":{"resource":"pods","namespace":"shop","name":"web"},"responseStatus":{"code":200}}
    """

func eventList(_ events: [String]) -> String {
    #"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["# + events.joined(separator: ",") + "]}"
}

@Suite("Audit webhook receiver over TLS")
struct AuditWebhookTests {
    @Test func detectsAlertsInPostedBatchesAndCountsThem() async throws {
        let pki = try TestPKI()
        let collected = Collected()
        let metrics = ServerMetrics()
        let tls = try TLSFiles.configuration(certificate: pki.path("server.crt"), key: pki.path("server.key"), clientCA: pki.path("ca.crt"))
        let configuration = AuditWebhookConfiguration(
            host: "127.0.0.1", port: 0, tls: tls, engine: builtInEngine(), render: { "\($0.rule.name)|\($0.output)" },
            emit: { collected.append($0) })
        let (port, server) = try await start(configuration, metrics: metrics)
        defer { server.cancel() }
        let client = try pki.client(withCertificate: true)
        defer { _ = client.shutdown() }
        let base = "https://127.0.0.1:\(port)"

        let (status, message) = try await post(client, base + "/events", eventList([execEvent, quietEvent, execEvent]))
        #expect(status == 200)
        #expect(message.hasPrefix("3 events"))
        let shells = collected.lines.filter { $0.hasPrefix("Shell in a container|") }
        #expect(shells.count == 2)
        // Falco's first-match: the shell rule, defined first, hides the broader exec rule.
        #expect(collected.lines.filter { $0.hasPrefix("Exec or attach into a pod|") }.isEmpty)

        let (badStatus, badMessage) = try await post(client, base + "/", "{\"kind\":\"EventList\",\"items\":[")
        #expect(badStatus == 400)
        #expect(badMessage.contains("malformed"))
        let (wrongStatus, _) = try await post(client, base + "/", #"{"kind":"ConfigMap"}"#)
        #expect(wrongStatus == 400)

        // With every slot taken, a batch is refused with 429 (which the API server retries), not
        // buffered; the slot given back, the next one is accepted.
        for _ in 0..<configuration.admission.ceiling { #expect(configuration.admission.acquire()) }
        let (busy, _) = try await post(client, base + "/events", eventList([quietEvent]))
        #expect(busy == 429)
        for _ in 0..<configuration.admission.ceiling { configuration.admission.release() }
        #expect(configuration.admission.inFlight == 0)

        #expect(try await get(client, base + "/healthz") == "ok\n")
        let exposition = try await get(client, base + "/metrics")
        #expect(exposition.contains("brightkeys_audit_events_received_total 3\n"))
        #expect(exposition.contains("brightkeys_audit_malformed_total 2\n"))
        #expect(exposition.contains("brightkeys_audit_throttled_total 1\n"))
        #expect(exposition.contains(#"brightkeys_audit_alerts_total{rule="Shell in a container",priority="Warning"} 2"#))
        #expect(!exposition.contains(#"rule="Exec or attach into a pod""#))
        #expect(exposition.contains("brightkeys_audit_request_duration_seconds_count 3\n"))
    }

    @Test func refusesClientsWithoutACertificateWhenAClientCAIsSet() async throws {
        let pki = try TestPKI()
        let tls = try TLSFiles.configuration(certificate: pki.path("server.crt"), key: pki.path("server.key"), clientCA: pki.path("ca.crt"))
        let configuration = AuditWebhookConfiguration(
            host: "127.0.0.1", port: 0, tls: tls, engine: builtInEngine(), render: { $0.rule.name }, emit: { _ in })
        let (port, server) = try await start(configuration, metrics: ServerMetrics())
        defer { server.cancel() }
        let client = try pki.client(withCertificate: false)
        defer { _ = client.shutdown() }
        await #expect(throws: (any Error).self) {
            _ = try await post(client, "https://127.0.0.1:\(port)/events", eventList([execEvent]))
        }
        // The same server accepts the same request from a client with a certificate.
        let trusted = try pki.client(withCertificate: true)
        defer { _ = trusted.shutdown() }
        let (status, _) = try await post(trusted, "https://127.0.0.1:\(port)/events", eventList([execEvent]))
        #expect(status == 200)
    }

    @Test func servesProbesAndMetricsOnAPlainListenerToo() async throws {
        let pki = try TestPKI()
        let tls = try TLSFiles.configuration(certificate: pki.path("server.crt"), key: pki.path("server.key"), clientCA: pki.path("ca.crt"))
        var configuration = AuditWebhookConfiguration(
            host: "127.0.0.1", port: 0, tls: tls, engine: builtInEngine(), render: { $0.rule.name }, emit: { _ in })
        // A free port for the plain listener: bind, read, release.
        let (metricsPort, finderTask) = try await startPlain(Router())
        finderTask.cancel()
        _ = await finderTask.result
        configuration.metricsAddress = (host: "127.0.0.1", port: metricsPort)
        let metrics = ServerMetrics()
        let (_, server) = try await start(configuration, metrics: metrics)
        defer { server.cancel() }
        let plain = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = plain.shutdown() }
        var health = ""
        for _ in 0..<50 where health.isEmpty {
            health = (try? await get(plain, "http://127.0.0.1:\(metricsPort)/healthz")) ?? ""
            if health.isEmpty { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(health == "ok\n")
        let exposition = try await get(plain, "http://127.0.0.1:\(metricsPort)/metrics")
        // Counters exist from the start, at zero, so rate() and absent() work before traffic.
        #expect(exposition.contains("# TYPE brightkeys_audit_events_received_total counter\nbrightkeys_audit_events_received_total 0\n"))
        #expect(exposition.contains("brightkeys_audit_malformed_total 0\n"))
        // Events are accepted only on the TLS port.
        let (status, _) = try await post(plain, "http://127.0.0.1:\(metricsPort)/events", eventList([execEvent]))
        #expect(status == 404)
    }

    @Test func forwardsAlertsRetryingUntilTheEndpointAccepts() async throws {
        // A plain HTTP receiver that fails its first two requests.
        let received = Collected()
        let attempts = Collected()
        let router = Router()
        router.post("alerts") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            attempts.append("x")
            if attempts.lines.count <= 2 { return Response(status: .serviceUnavailable) }
            received.append(String(buffer: body))
            return Response(status: .ok)
        }
        let (receiverPort, receiverTask) = try await startPlain(router)
        defer { receiverTask.cancel() }

        let forwarder = AlertForwarder(url: "http://127.0.0.1:\(receiverPort)/alerts", log: { _ in })
        let metrics = ServerMetrics()
        let configuration = AuditWebhookConfiguration(
            host: "127.0.0.1", port: 0, tls: nil, engine: builtInEngine(), render: { "{\"rule\":\"\($0.rule.name)\"}" }, emit: { _ in },
            forwarder: forwarder)
        let body = Array(eventList([execEvent, execEvent, quietEvent]).utf8)
        let (status, _) = AuditWebhookServer.handle(body: body, configuration: configuration, metrics: metrics)
        #expect(status == 200)
        let delivery = Task { await forwarder.run(metrics: metrics) }
        let deadline = Date().addingTimeInterval(10)
        while (metrics.value("brightkeys_forward_sent_total") < 2 || forwarder.depth > 0) && Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        delivery.cancel()
        #expect(received.lines == [#"{"rule":"Shell in a container"}"#, #"{"rule":"Shell in a container"}"#])
        #expect(metrics.value("brightkeys_forward_failures_total") == 2)
        #expect(metrics.value("brightkeys_forward_sent_total") == 2)
        _ = await delivery.value
        await forwarder.close()
    }

    @Test func aForwardURLThatRefusesABatchForGoodDoesNotBlockTheQueue() async throws {
        let router = Router()
        let received = Collected()
        router.post("alerts") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            if body.contains("reject") { return Response(status: .badRequest) }
            received.append(body)
            return Response(status: .ok)
        }
        let (receiverPort, receiverTask) = try await startPlain(router)
        defer { receiverTask.cancel() }
        let forwarder = AlertForwarder(url: "http://127.0.0.1:\(receiverPort)/alerts", batchSize: 1, log: { _ in })
        #expect(forwarder.enqueue("reject me"))
        #expect(forwarder.enqueue("deliver me"))
        let metrics = ServerMetrics()
        let delivery = Task { await forwarder.run(metrics: metrics) }
        let deadline = Date().addingTimeInterval(10)
        while forwarder.depth > 0 && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        delivery.cancel()
        _ = await delivery.value
        await forwarder.close()
        #expect(received.lines == ["deliver me"])
        #expect(metrics.value("brightkeys_forward_rejected_total") == 1)
        #expect(metrics.value("brightkeys_forward_sent_total") == 1)
    }

    @Test func aFullForwardingQueueRefusesAndCountsInsteadOfDropping() async throws {
        let forwarder = AlertForwarder(url: "http://127.0.0.1:9/unreachable", capacity: 3, log: { _ in })
        // Five exec events, one alert each (first match); room for three.
        let metrics = ServerMetrics()
        let configuration = AuditWebhookConfiguration(
            host: "127.0.0.1", port: 0, tls: nil, engine: builtInEngine(), render: { $0.rule.name }, emit: { _ in }, forwarder: forwarder)
        let body = Array(eventList(Array(repeating: execEvent, count: 5)).utf8)
        _ = AuditWebhookServer.handle(body: body, configuration: configuration, metrics: metrics)
        #expect(forwarder.depth == 3)
        #expect(metrics.value("brightkeys_forward_dropped_total") == 2)
        #expect(metrics.render().contains("brightkeys_forward_dropped_total 2\n"))
        await forwarder.close()
    }
}

struct ServerMetricsTests {
    /// A label value is escaped scalar by scalar: a line feed inside `\r\n` (one Character) or a
    /// quote with a combining mark cannot end the sample line.
    @Test func labelValuesCannotBreakTheExposition() {
        let metrics = ServerMetrics()
        metrics.add("requests_total", [("kind", "Pod\r\nfake_metric 1")])
        metrics.add("requests_total", [("kind", "a\"\u{301}b\\")])
        let text = metrics.render()
        #expect(!text.contains("\nfake_metric"))
        #expect(text.contains(#"requests_total{kind="Pod\#r\nfake_metric 1"} 1"#))
        #expect(text.contains("requests_total{kind=\"a\\\"\u{301}b\\\\\"} 1"))
    }

    /// Label values from requests cannot grow memory without bound.
    @Test func seriesPerFamilyAreBounded() {
        let metrics = ServerMetrics()
        let counter = metrics.counter("kinds_total", labels: ["kind"])
        for index in 0..<(ServerMetrics.Counter.maxSeries + 50) { counter.add(["Kind\(index)"]) }
        counter.increment(each: ["one-more"])
        let lines = metrics.render().split(separator: "\n").filter { $0.hasPrefix("kinds_total{") }
        #expect(lines.count == ServerMetrics.Counter.maxSeries + 1)
        #expect(metrics.value("kinds_total", [("kind", "other")]) == 51)
    }
}
