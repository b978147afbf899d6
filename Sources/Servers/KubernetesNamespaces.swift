import Admission
import AsyncHTTPClient
import Foundation
import KubeModel
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Namespace labels from the API server, informer-style: one LIST, then a WATCH from its
/// resourceVersion that keeps the cache current (LIST again when the watch expires); a name the
/// cache does not know yet (a namespace created a moment ago) is fetched with a GET.
public final class KubernetesNamespaces: NamespaceSource, @unchecked Sendable {
    let server: String
    let tokenFile: String?
    let client: HTTPClient
    let logger: Logger
    let lookupTimeout: TimeAmount
    private let lock = NSLock()
    private var labels: [String: [String: String]] = [:]
    private var listed = false

    /// `server` is `https://host:port` (or `http://` in tests); `tokenFile` holds the bearer token,
    /// read again at each request since projected tokens rotate.
    public init(server: String, tokenFile: String?, caFile: String?, logger: Logger, lookupTimeout: TimeAmount = .seconds(2)) throws {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tokenFile = tokenFile
        self.logger = logger
        self.lookupTimeout = lookupTimeout
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(330))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The in-cluster API server and service account, as every pod sees them.
    public static func inCluster(logger: Logger) throws -> KubernetesNamespaces {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty, let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw NamespaceSourceError(
                message: "not running in a cluster (KUBERNETES_SERVICE_HOST is not set); pass --namespaces FILE to read namespaces from a file")
        }
        let directory = "/var/run/secrets/kubernetes.io/serviceaccount"
        let address = host.contains(":") ? "[\(host)]" : host
        return try KubernetesNamespaces(
            server: "https://\(address):\(port)", tokenFile: "\(directory)/token", caFile: "\(directory)/ca.crt", logger: logger)
    }

    public var isReady: Bool { lock.withLock { listed } }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func lookup(_ name: String) async -> NamespaceLookup {
        if let known = lock.withLock({ labels[name] }) { return .found(labels: known) }
        do {
            let (status, body) = try await get("/api/v1/namespaces/\(Self.escape(name))", timeout: lookupTimeout)
            switch status {
            case 200:
                let node = try JSONParser().parse(body)
                let found = node.metadataLabels
                lock.withLock { labels[name] = found }
                return .found(labels: found)
            case 404: return .notFound
            default: return .unavailable("the API server answered \(status)")
            }
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// Lists, then watches, until cancelled; errors are logged and retried with a back-off.
    public func run() async {
        var delay: UInt64 = 1
        while !Task.isCancelled {
            do {
                let version = try await list()
                delay = 1
                try await watch(from: version)
            } catch is CancellationError {
                return
            } catch {
                logger.error("namespace cache: \(error); retrying", metadata: ["retryInSeconds": .stringConvertible(delay)])
                try? await Task.sleep(nanoseconds: delay * 1_000_000_000)
                delay = min(delay * 2, 30)
            }
        }
    }

    /// Replaces the cache with a full list; returns its resourceVersion.
    public func list() async throws -> String {
        let (status, body) = try await get("/api/v1/namespaces", timeout: .seconds(30))
        guard status == 200 else { throw NamespaceSourceError(message: "listing namespaces: the API server answered \(status)") }
        let root = try JSONParser().parse(body)
        var fresh: [String: [String: String]] = [:]
        for item in root["items"]?.items ?? [] {
            if let name = item["metadata"]?["name"]?.string { fresh[name] = item.metadataLabels }
        }
        lock.withLock {
            labels = fresh
            listed = true
        }
        logger.info("namespace cache filled", metadata: ["namespaces": .stringConvertible(fresh.count)])
        return root["metadata"]?["resourceVersion"]?.string ?? ""
    }

    /// Applies watch events until the server ends the watch; a 410 Gone (or ERROR event) ends it
    /// so the caller lists again.
    public func watch(from version: String) async throws {
        var request = HTTPClientRequest(
            url: server + "/api/v1/namespaces?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=\(Self.escape(version))")
        try authorize(&request)
        let response = try await client.execute(request, timeout: .seconds(330))
        guard response.status == .ok else { throw NamespaceSourceError(message: "watching namespaces: the API server answered \(response.status.code)") }
        var pending: [UInt8] = []
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            // A single event stays far below this; a runaway stream must not grow memory.
            if pending.count > 16 << 20 { throw NamespaceSourceError(message: "watch event larger than 16 MiB") }
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if try !apply(line) { return }
            }
        }
    }

    /// Applies one watch event; false when the watch must restart from a new list.
    func apply(_ line: [UInt8]) throws -> Bool {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x0D }) else { return true }
        let event = try JSONParser().parse(line)
        let object = event["object"]
        switch event["type"]?.string {
        case "ADDED", "MODIFIED":
            if let name = object?["metadata"]?["name"]?.string, let object {
                let found = object.metadataLabels
                lock.withLock { labels[name] = found }
            }
        case "DELETED":
            if let name = object?["metadata"]?["name"]?.string { _ = lock.withLock { labels.removeValue(forKey: name) } }
        case "BOOKMARK": break
        default:
            logger.info("namespace watch ended by the API server; listing again", metadata: ["message": .string(object?["message"]?.string ?? "")])
            return false
        }
        return true
    }

    func authorize(_ request: inout HTTPClientRequest) throws {
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "brightkeys-webhook")
        if let tokenFile {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
    }

    func get(_ path: String, timeout: TimeAmount) async throws -> (UInt, [UInt8]) {
        var request = HTTPClientRequest(url: server + path)
        try authorize(&request)
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, Array(body.readableBytesView))
    }

    /// Percent-encodes everything but unreserved characters (a path segment or a query value).
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

public struct NamespaceSourceError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
