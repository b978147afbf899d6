import ArgumentParser
import AuditLog
import Foundation
import Servers

extension AuditLogCommand {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit webhook backend: receives the API server's EventList batches over TLS and raises alerts.",
            discussion: """
                Alerts go to standard output as JSON lines (and to --forward-url when given). \
                GET /healthz answers ok; GET /metrics serves Prometheus counters. See the README for \
                the --audit-webhook-config-file kubeconfig the API server needs.
                """)

        @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
        var listen = "0.0.0.0:8443"

        @Option(
            name: .customLong("metrics-listen"),
            help: "Also serve /healthz and /metrics over plain HTTP here, HOST:PORT (probes and Prometheus have no client certificate).")
        var metricsListen: String?

        @Option(name: .customLong("tls-cert"), help: "The server certificate chain (PEM).")
        var tlsCert: String

        @Option(name: .customLong("tls-key"), help: "The server private key (PEM).")
        var tlsKey: String

        @Option(name: .customLong("client-ca"), help: "Require client certificates signed by this CA (PEM), e.g. the API server's.")
        var clientCA: String?

        @Option(name: .customLong("rules"), help: "A Falco rules file; repeat to load several, in order.")
        var rulesFiles: [String] = []

        @Option(name: .customLong("rule-matching"), help: "first (Falco's default: one alert per event, the first matching rule) or all.")
        var ruleMatching: AuditEngine.Matching = .first

        @Option(name: .customLong("forward-url"), help: "Also POST alerts (newline-delimited JSON) to this URL, retrying failures.")
        var forwardURL: String?

        @Option(name: .customLong("forward-queue"), help: "Alerts held for --forward-url before new ones are refused (and counted).")
        var forwardQueue = 10_000

        func validate() throws {
            guard Self.split(listen) != nil else { throw ValidationError("--listen takes HOST:PORT, e.g. 0.0.0.0:8443") }
            if let metricsListen, Self.split(metricsListen) == nil { throw ValidationError("--metrics-listen takes HOST:PORT, e.g. 0.0.0.0:9090") }
            if let forwardURL, !(forwardURL.hasPrefix("http://") || forwardURL.hasPrefix("https://")) {
                throw ValidationError("--forward-url must be an http:// or https:// URL")
            }
        }

        static func split(_ address: String) -> (String, Int)? {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port)
            else { return nil }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host.isEmpty ? "0.0.0.0" : host, port)
        }

        func run() throws {
            let (rules, failed) = AuditLogCommand.loadRules(rulesFiles)
            if failed { throw ExitCode(2) }
            guard let (host, port) = Self.split(listen) else { throw ValidationError("--listen takes HOST:PORT") }
            let log: @Sendable (String) -> Void = { writeErr($0 + "\n") }
            let forwarder = forwardURL.map { AlertForwarder(url: $0, capacity: forwardQueue, log: log) }
            let output = NSLock()
            let configuration: AuditWebhookConfiguration
            do {
                configuration = AuditWebhookConfiguration(
                    host: host, port: port, tls: try TLSFiles.configuration(certificate: tlsCert, key: tlsKey, clientCA: clientCA),
                    engine: AuditEngine(rules: rules, matching: ruleMatching), render: { AuditOutput.json($0) },
                    emit: { lines in output.withLock { writeOut(lines) } }, forwarder: forwarder)
            } catch {
                writeErr("cannot load the TLS certificate or key (\(tlsCert), \(tlsKey)): \(error)\n")
                throw ExitCode(2)
            }
            var served = configuration
            served.metricsAddress = metricsListen.flatMap(Self.split).map { (host: $0.0, port: $0.1) }
            if clientCA == nil {
                log("warning: no --client-ca: any client that reaches \(listen) can post events")
            }
            // A closed standard output must not kill the receiver mid-batch.
            signal(SIGPIPE, SIG_IGN)
            let ruleCount = rules.count
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            Task {
                do {
                    try await AuditWebhookServer.run(served) { bound in
                        log("listening on https://\(host):\(bound) with \(ruleCount) rules")
                    }
                } catch {
                    outcome.set("\(error)")
                }
                done.signal()
            }
            done.wait()
            if let error = outcome.get() {
                writeErr("audit webhook server stopped: \(error)\n")
                throw ExitCode(2)
            }
        }
    }
}

/// The server task's error, handed back to the blocking command.
final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var error: String?
    func set(_ value: String) {
        lock.lock()
        error = value
        lock.unlock()
    }
    func get() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
