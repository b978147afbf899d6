import Admission
import Foundation
import Hummingbird
import Logging
import NIOCore
import Servers
import Testing

/// The namespace cache against API server answers in the shapes a real kube-apiserver gives
/// (there is no API server on these machines): a NamespaceList, a watch stream, a GET.
@Suite("Namespace cache against recorded API responses")
struct KubernetesNamespacesTests {
    static let list = """
        {"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"1042"},"items":[\
        {"metadata":{"name":"default","uid":"5b3a4d7e-2f2c-4b51-9a0e-1c2d3e4f5a6b","resourceVersion":"20",\
        "creationTimestamp":"2026-11-01T10:00:00Z","labels":{"kubernetes.io/metadata.name":"default"}},\
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}},\
        {"metadata":{"name":"team-a","uid":"6c4b5e8f-3a3d-4c62-8b1f-2d3e4f5a6b7c","resourceVersion":"1001",\
        "creationTimestamp":"2026-11-02T10:00:00Z","labels":{"kubernetes.io/metadata.name":"team-a",\
        "pod-security.kubernetes.io/enforce":"baseline"}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}]}
        """
    static let watch = [
        #"{"type":"MODIFIED","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","resourceVersion":"1050","labels":{"kubernetes.io/metadata.name":"team-a","pod-security.kubernetes.io/enforce":"restricted"}}}}"#,
        #"{"type":"BOOKMARK","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"resourceVersion":"1051"}}}"#,
        #"{"type":"ADDED","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-b","resourceVersion":"1052","labels":{"kubernetes.io/metadata.name":"team-b"}}}}"#,
        #"{"type":"DELETED","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"default","resourceVersion":"1053"}}}"#,
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1042 (1060)","reason":"Expired","code":410}}"#,
    ]
    static let single = """
        {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"fresh","resourceVersion":"1070",\
        "labels":{"kubernetes.io/metadata.name":"fresh","pod-security.kubernetes.io/warn":"restricted"}},"spec":{},"status":{"phase":"Active"}}
        """

    @Test func listsWatchesAndFetchesWhatItDoesNotKnow() async throws {
        let router = Router()
        let seen = Collected()
        router.get("api/v1/namespaces") { request, _ -> Response in
            seen.append((request.uri.query ?? "list") + " " + (request.headers[.authorization] ?? ""))
            let body = request.uri.queryParameters["watch"] == "1" ? Self.watch.joined(separator: "\n") + "\n" : Self.list
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("api/v1/namespaces/{name}") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            guard name == "fresh" else {
                return Response(
                    status: .notFound,
                    body: .init(byteBuffer: ByteBuffer(string: #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: Self.single)))
        }
        let (port, server) = try await startPlain(router)
        defer { server.cancel() }
        let token = FileManager.default.temporaryDirectory.appendingPathComponent("bk-token-\(UUID().uuidString)").path
        try "secret-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let cache = try KubernetesNamespaces(server: "http://127.0.0.1:\(port)", tokenFile: token, caFile: nil, logger: logger)
        #expect(!cache.isReady)
        let version = try await cache.list()
        #expect(version == "1042")
        #expect(cache.isReady)
        #expect(await cache.lookup("team-a") == .found(labels: ["kubernetes.io/metadata.name": "team-a", "pod-security.kubernetes.io/enforce": "baseline"]))
        try await cache.watch(from: version)
        #expect(await cache.lookup("team-a") == .found(labels: ["kubernetes.io/metadata.name": "team-a", "pod-security.kubernetes.io/enforce": "restricted"]))
        #expect(await cache.lookup("team-b") == .found(labels: ["kubernetes.io/metadata.name": "team-b"]))
        // Deleted from the cache; the GET fallback then finds it gone.
        #expect(await cache.lookup("default") == .notFound)
        #expect(await cache.lookup("fresh") == .found(labels: ["kubernetes.io/metadata.name": "fresh", "pod-security.kubernetes.io/warn": "restricted"]))
        #expect(seen.lines.first == "list Bearer secret-token")
        #expect(seen.lines.contains { $0.hasPrefix("watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=1042 ") })
        await cache.shutdown()
    }
}
