import Admission
import AsyncHTTPClient
import BrightKeysCore
import Checks
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import Servers
import Testing

/// Starts the admission webhook on a free port.
func startWebhook(_ configuration: AdmissionWebhookConfiguration, metrics: ServerMetrics, ready: @escaping @Sendable () -> Bool = { true })
    async throws -> (Int, Task<Void, Error>)
{
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let task = Task { try await AdmissionWebhookServer.run(configuration, metrics: metrics, ready: ready) { continuation.yield($0) } }
    for await port in stream { return (port, task) }
    throw CancellationError()
}

func postJSON(_ client: HTTPClient, _ url: String, _ body: [UInt8], contentType: String = "application/json") async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: contentType)
    request.body = .bytes(ByteBuffer(bytes: body))
    let response = try await client.execute(request, timeout: .seconds(10))
    let buffer = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: buffer))
}

func podReview(uid: String, namespace: String, privileged: Bool) -> [UInt8] {
    let securityContext =
        privileged
        ? #"{"privileged":true}"#
        : #"{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}"#
    return Array(
        """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\(uid)",\
        "kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},\
        "name":"web","namespace":"\(namespace)","operation":"CREATE","userInfo":{"username":"alice"},\
        "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"\(namespace)"},\
        "spec":{"containers":[{"name":"app","image":"nginx:1.27","securityContext":\(securityContext)}]}}}}
        """.utf8)
}

func webhookConfiguration(pki: TestPKI, clientCA: Bool = false) throws -> AdmissionWebhookConfiguration {
    let namespaces = StaticNamespaces(labels: ["team": ["pod-security.kubernetes.io/enforce": "restricted"], "dev": [:]])
    let admitter = try Admitter(registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: namespaces)
    let certificates = try CertificateReloader(certificate: pki.path("server.crt"), key: pki.path("server.key"))
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return AdmissionWebhookConfiguration(
        host: "127.0.0.1", port: 0, certificates: certificates, clientCA: clientCA ? pki.path("ca.crt") : nil, admitter: admitter, logger: logger)
}

@Suite("Admission webhook over TLS")
struct AdmissionWebhookTests {
    @Test func decidesReviewsAndAnswersBadInputWith4xx() async throws {
        let pki = try TestPKI()
        let metrics = ServerMetrics()
        var configuration = try webhookConfiguration(pki: pki)
        configuration.maxBodyBytes = 1 << 20
        let (port, server) = try await startWebhook(configuration, metrics: metrics)
        defer { server.cancel() }
        let client = try pki.client(withCertificate: false)
        defer { _ = client.shutdown() }
        let base = "https://127.0.0.1:\(port)"

        let (status, body) = try await postJSON(client, base + "/validate/pods", podReview(uid: "u-1", namespace: "team", privileged: true))
        #expect(status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let response = try #require(json["response"] as? [String: Any])
        #expect(response["uid"] as? String == "u-1")
        #expect(response["allowed"] as? Bool == false)
        #expect(((response["status"] as? [String: Any])?["message"] as? String)?.contains("violates PodSecurity \"restricted:latest\": privileged") == true)

        let (allowedStatus, allowedBody) = try await postJSON(client, base + "/validate", podReview(uid: "u-2", namespace: "dev", privileged: true))
        #expect(allowedStatus == 200 && allowedBody.contains("\"allowed\":true"))

        // Bad input: a precise 4xx, and the next valid request is still answered.
        let (truncated, message) = try await postJSON(client, base + "/validate", Array(podReview(uid: "u", namespace: "team", privileged: false).prefix(100)))
        #expect(truncated == 400)
        #expect(message.hasPrefix("malformed JSON at line 1, column 101"))
        let (wrongType, _) = try await postJSON(client, base + "/validate", podReview(uid: "u", namespace: "team", privileged: false), contentType: "text/yaml")
        #expect(wrongType == 400)
        let (shortType, _) = try await postJSON(
            client, base + "/validate", podReview(uid: "u", namespace: "team", privileged: false), contentType: "application/js")
        #expect(shortType == 400)
        // Two Content-Type fields: the refusal quotes them joined, as the header reads.
        var twoTypes = HTTPClientRequest(url: base + "/validate")
        twoTypes.method = .POST
        twoTypes.headers.add(name: "Content-Type", value: "text/plain")
        twoTypes.headers.add(name: "Content-Type", value: "application/json")
        twoTypes.body = .bytes(ByteBuffer(bytes: podReview(uid: "u", namespace: "team", privileged: false)))
        let twoTypesResponse = try await client.execute(twoTypes, timeout: .seconds(10))
        let twoTypesBody = String(buffer: try await twoTypesResponse.body.collect(upTo: 1 << 20))
        #expect(twoTypesResponse.status.code == 400)
        #expect(twoTypesBody.contains(#"content type "text/plain, application/json"; send application/json"#))
        let (emptyBody, emptyMessage) = try await postJSON(client, base + "/validate", [])
        #expect(emptyBody == 400 && emptyMessage.contains("request body is empty"))
        // Media types are case-insensitive and may carry parameters.
        let (upperType, upperBody) = try await postJSON(
            client, base + "/validate", podReview(uid: "u-4", namespace: "team", privileged: false), contentType: "Application/JSON; charset=utf-8")
        #expect(upperType == 200 && upperBody.contains("\"uid\":\"u-4\""))
        let (tooBig, _) = try await postJSON(client, base + "/validate", Array(repeating: 0x20, count: 2 << 20))
        #expect(tooBig == 413)
        let (badUTF8, _) = try await postJSON(client, base + "/validate", [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])
        #expect(badUTF8 == 400)
        let (again, againBody) = try await postJSON(client, base + "/validate", podReview(uid: "u-3", namespace: "team", privileged: false))
        #expect(again == 200 && againBody.contains("\"uid\":\"u-3\"") && againBody.contains("\"allowed\":true"))

        let text = try await get(client, base + "/metrics")
        #expect(text.contains("brightkeys_admission_requests_total{operation=\"CREATE\",kind=\"Pod\",verdict=\"denied\"} 1"))
        #expect(text.contains("brightkeys_admission_denials_total{check=\"privileged\"} 1"))
        // Truncated, two wrong types, two Content-Type fields, an empty body, invalid UTF-8.
        #expect(text.contains("brightkeys_admission_malformed_total 6"))
        #expect(text.contains("brightkeys_admission_oversized_total 1"))
        #expect(text.contains("brightkeys_admission_request_duration_seconds_bucket{le=\"0.0001\"}"))
        #expect(try await get(client, base + "/healthz") == "ok\n")
    }

    @Test func readyOnlyOnceNamespacesAreLoaded() async throws {
        let pki = try TestPKI()
        let flag = ReadyFlag()
        let (port, server) = try await startWebhook(try webhookConfiguration(pki: pki), metrics: ServerMetrics(), ready: { flag.value })
        defer { server.cancel() }
        let client = try pki.client(withCertificate: false)
        defer { _ = client.shutdown() }
        let notReady = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        #expect(notReady.status.code == 503)
        flag.value = true
        let ready = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/readyz"), timeout: .seconds(5))
        #expect(ready.status.code == 200)
    }

    @Test func requiresTheClientCertificateWhenGivenACA() async throws {
        let pki = try TestPKI()
        let (port, server) = try await startWebhook(try webhookConfiguration(pki: pki, clientCA: true), metrics: ServerMetrics())
        defer { server.cancel() }
        let anonymous = try pki.client(withCertificate: false)
        defer { _ = anonymous.shutdown() }
        await #expect(throws: (any Error).self) {
            _ = try await postJSON(anonymous, "https://127.0.0.1:\(port)/validate", podReview(uid: "u", namespace: "team", privileged: false))
        }
        let apiServer = try pki.client(withCertificate: true)
        defer { _ = apiServer.shutdown() }
        let (status, _) = try await postJSON(apiServer, "https://127.0.0.1:\(port)/validate", podReview(uid: "u", namespace: "team", privileged: false))
        #expect(status == 200)
    }

    @Test func servesARotatedCertificateWithoutARestart() async throws {
        let first = try TestPKI()
        let second = try TestPKI()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("tls.crt").path
        let key = directory.appendingPathComponent("tls.key").path
        try FileManager.default.copyItem(atPath: first.path("server.crt"), toPath: certificate)
        try FileManager.default.copyItem(atPath: first.path("server.key"), toPath: key)
        var configuration = try webhookConfiguration(pki: first)
        configuration.certificates = try CertificateReloader(certificate: certificate, key: key)
        let (port, server) = try await startWebhook(configuration, metrics: ServerMetrics())
        defer { server.cancel() }
        let url = "https://127.0.0.1:\(port)/healthz"
        let trustsFirst = try first.client(withCertificate: false)
        defer { _ = trustsFirst.shutdown() }
        #expect(try await get(trustsFirst, url) == "ok\n")

        // cert-manager style: the new pair is written in place.
        for (source, target) in [(second.path("server.crt"), certificate), (second.path("server.key"), key)] {
            try FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: source, toPath: target)
        }
        try await Task.sleep(for: .milliseconds(1100))
        let trustsSecond = try second.client(withCertificate: false)
        defer { _ = trustsSecond.shutdown() }
        #expect(try await get(trustsSecond, url) == "ok\n")
        #expect(configuration.certificates?.reloads == 1)
    }
}

final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var state = false
    var value: Bool {
        get { lock.withLock { state } }
        set { lock.withLock { state = newValue } }
    }
}
