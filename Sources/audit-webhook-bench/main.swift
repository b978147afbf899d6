import AsyncHTTPClient
import AuditLog
import Foundation
import NIOCore
import NIOSSL
import Servers

// Load for the audit webhook receiver: EventList batches of 100 over loopback TLS (with client
// certificates), several connections at once; prints events/s and checks that every event was
// counted by the server. Usage: audit-webhook-bench DIR [EVENTS] [CONNECTIONS], where DIR holds ca.crt,
// server.crt/.key and client.crt/.key (scripts/bench-audit-webhook.sh makes them).

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: audit-webhook-bench PKI-DIR [EVENTS] [CONNECTIONS]\n".utf8))
    exit(2)
}
let directory = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2]) ?? 200_000 : 200_000
let connections = arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8
let batchSize = 100

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ text: String) { lock.withLock { count += text.utf8.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } } }
    var value: Int { lock.withLock { count } }
}

/// Audit events with varied users, namespaces, verbs and resources; some raise alerts.
func batch(_ number: Int) -> String {
    let verbs = ["get", "list", "create", "update", "delete", "watch"]
    let resources = ["pods", "secrets", "configmaps", "deployments", "services"]
    var items: [String] = []
    for index in 0..<batchSize {
        let n = number * batchSize + index
        let verb = verbs[n % verbs.count]
        let resource = resources[(n / 7) % resources.count]
        let namespace = "team-\(n % 37)"
        let user = n % 5 == 0 ? "system:serviceaccount:\(namespace):builder" : "user-\(n % 101)@example.com"
        let exec = n % 50 == 0
        let uri = exec ? "/api/v1/namespaces/\(namespace)/pods/web-\(n)/exec?command=sh&container=app" : "/api/v1/namespaces/\(namespace)/\(resource)/obj-\(n)"
        let objectRef =
            exec
            ? #"{"resource":"pods","subresource":"exec","namespace":"\#(namespace)","name":"web-\#(n)","apiVersion":"v1"}"#
            : #"{"resource":"\#(resource)","namespace":"\#(namespace)","name":"obj-\#(n)","apiVersion":"v1"}"#
        items.append(
            #"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"\#(UUID().uuidString)","stage":"ResponseComplete","requestURI":"\#(uri)","verb":"\#(exec ? "create" : verb)","user":{"username":"\#(user)","groups":["system:authenticated"]},"sourceIPs":["10.0.\#(n % 250).\#(n % 200)"],"userAgent":"kubectl/v1.31.0","objectRef":\#(objectRef),"responseStatus":{"metadata":{},"code":\#(exec ? 101 : 200)},"requestReceivedTimestamp":"2026-11-28T01:00:00.000000Z","stageTimestamp":"2026-11-28T01:00:00.010000Z"}"#
        )
    }
    return #"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":["# + items.joined(separator: ",") + "]}"
}

func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

var loader = RulesLoader()
loader.load(bytes: Array(DefaultAuditRules.yaml.utf8), file: "built-in")
let engine = AuditEngine(rules: loader.compile())
let alerts = Counter()
let metrics = ServerMetrics()
let configuration = AuditWebhookConfiguration(
    host: "127.0.0.1", port: 0,
    tls: try TLSFiles.configuration(certificate: path("server.crt"), key: path("server.key"), clientCA: path("ca.crt")),
    engine: engine, render: { _ in "" }, emit: { alerts.add($0) })

let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
let server = Task { try await AuditWebhookServer.run(configuration, metrics: metrics) { continuation.yield($0) } }
var port = 0
for await bound in stream {
    port = bound
    break
}

var tls = TLSConfiguration.makeClientConfiguration()
tls.trustRoots = .file(path("ca.crt"))
tls.certificateChain = try NIOSSLCertificate.fromPEMFile(path("client.crt")).map { .certificate($0) }
tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: path("client.key"), format: .pem))
var clientConfiguration = HTTPClient.Configuration(tlsConfiguration: tls)
clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)

// Bodies are made before the clock starts, so only sending and receiving are timed.
let distinct = 64
let bodies = (0..<distinct).map { ByteBuffer(string: batch($0)) }
let batches = (total + batchSize - 1) / batchSize
let url = "https://127.0.0.1:\(port)/events"

/// Posts every batch over `connections` concurrent workers; returns the number of non-200 answers.
func load(_ client: HTTPClient) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<connections {
            group.addTask {
                var failed = 0
                var number = worker
                while number < batches {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.body = .bytes(bodies[number % distinct])
                    let response = try await client.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    if response.status.code != 200 { failed += 1 }
                    number += connections
                }
                return failed
            }
        }
        return try await group.reduce(0, +)
    }
}

func close(_ client: HTTPClient) async throws {
    try await client.shutdown()
}

let start = Date()
let failures = try await load(client)
let seconds = Date().timeIntervalSince(start)
let received = Int(metrics.value("brightkeys_audit_events_received_total"))
let sent = batches * batchSize
let rate = Double(received) / seconds
print(
    String(
        format:
            "webhook: %d events in %d batches of %d over %d TLS connections: %.2f s, %.0f events/s (target >= 20000, ratio %.2f); received %d, lost %d, failed batches %d, alerts %d",
        sent, batches, batchSize, connections, seconds, rate, rate / 20000, received, sent - received, failures, alerts.value))
try await close(client)
server.cancel()
exit(received == sent && failures == 0 ? 0 : 1)
