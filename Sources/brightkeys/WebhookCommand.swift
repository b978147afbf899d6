import Admission
import ArgumentParser
import BrightKeysCore
import Checks
import Foundation
import Logging
import Servers
import WebhookDeploy

struct WebhookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "The validating admission webhook: the same checks as scan and pss, enforced at admission.",
        subcommands: [Serve.self, Certs.self, Manifests.self])

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve AdmissionReviews over TLS: POST /validate, /validate/pods, /validate/workloads.",
            discussion: """
                Pod Security levels come from the namespace's pod-security.kubernetes.io labels, read from \
                the API server (in a cluster) or from --namespaces FILE. brightkeys' own checks act as the \
                admission section of --config says. GET /healthz, /readyz and /metrics are served on the TLS \
                port and, with --metrics-listen, over plain HTTP. The certificate and key are reloaded when \
                the files change. Logs are JSON lines on standard error.
                """)

        @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
        var listen = "0.0.0.0:8443"

        @Option(name: .customLong("metrics-listen"), help: "Also serve /healthz, /readyz and /metrics over plain HTTP here, HOST:PORT.")
        var metricsListen: String?

        @Option(name: .customLong("tls-cert"), help: "The serving certificate chain (PEM); reloaded when it changes.")
        var tlsCert: String

        @Option(name: .customLong("tls-key"), help: "The serving private key (PEM); reloaded when it changes.")
        var tlsKey: String

        @Option(name: .customLong("client-ca"), help: "Require client certificates signed by this CA (PEM), e.g. the API server's.")
        var clientCA: String?

        @Option(name: .customLong("config"), help: "Configuration file (.brightkeys.yaml): its admission section, exemptions, checks.")
        var configPath: String?

        @Option(name: .customLong("namespaces"), help: "Read Namespace objects from this file instead of the API server (tests, offline).")
        var namespacesFile: String?

        @Option(
            name: .customLong("policy"),
            help: "ValidatingAdmissionPolicy files or directories (with bindings and parameter objects), evaluated as the API server would.")
        var policyPaths: [String] = []

        @Option(name: .customLong("log-level"), help: "debug (every decision), info (denials and warnings), warning or error.")
        var logLevel = "info"

        func validate() throws {
            guard split(listen) != nil else { throw ValidationError("--listen takes HOST:PORT, e.g. 0.0.0.0:8443") }
            if let metricsListen, split(metricsListen) == nil { throw ValidationError("--metrics-listen takes HOST:PORT, e.g. 0.0.0.0:8081") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be debug, info, warning or error") }
        }

        func run() throws {
            let level = Logger.Level(rawValue: logLevel) ?? .info
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
            let logger = Logger(label: "brightkeys.webhook")
            let config = try loadConfig(configPath)
            guard let (host, port) = split(listen) else { throw ValidationError("--listen takes HOST:PORT") }
            let namespaces: any NamespaceSource
            var cache: KubernetesNamespaces?
            do {
                if let namespacesFile {
                    namespaces = try StaticNamespaces.load(file: namespacesFile)
                } else {
                    let inCluster = try KubernetesNamespaces.inCluster(logger: logger)
                    cache = inCluster
                    namespaces = inCluster
                }
            } catch {
                writeErr("cannot read namespaces: \(error)\n")
                throw ExitCode(2)
            }
            let certificates: CertificateReloader
            do {
                certificates = try CertificateReloader(certificate: tlsCert, key: tlsKey) { level, message in
                    if level == "error" { logger.error("\(message)") } else { logger.info("\(message)") }
                }
            } catch {
                writeErr("cannot load the TLS certificate or key (\(tlsCert), \(tlsKey)): \(error)\n")
                throw ExitCode(2)
            }
            let (policies, policyErrors) = loadPolicies(policyPaths)
            if !policyErrors.isEmpty {
                // A webhook must not start with part of its policy silently missing.
                for error in policyErrors { writeErr(error.description + "\n") }
                throw ExitCode(2)
            }
            let admitter = try Admitter(registry: BuiltinChecks.registry(), config: config, namespaces: namespaces, policies: policies)
            var configuration = AdmissionWebhookConfiguration(
                host: host, port: port, certificates: certificates, clientCA: clientCA, admitter: admitter, logger: logger)
            configuration.metricsAddress = metricsListen.flatMap(split).map { (host: $0.0, port: $0.1) }
            if clientCA == nil { logger.info("no --client-ca: any client that reaches the port can ask for decisions (they reveal policy, not data)") }
            signal(SIGPIPE, SIG_IGN)
            ServerRuntime.runConcurrencyOnEventLoops()
            let outcome = Outcome()
            let done = DispatchSemaphore(value: 0)
            Task {
                let watching = cache.map { source in Task { await source.run() } }
                do {
                    try await AdmissionWebhookServer.run(configuration, ready: { namespaces.isReady }) { bound in
                        logger.info("listening", metadata: ["address": .string("https://\(host):\(bound)")])
                    }
                } catch {
                    outcome.set("\(error)")
                }
                watching?.cancel()
                await cache?.shutdown()
                logger.info("stopped")
                done.signal()
            }
            done.wait()
            if let error = outcome.get() {
                writeErr("admission webhook server stopped: \(error)\n")
                throw ExitCode(2)
            }
        }
    }

    struct Certs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a CA and a serving certificate for NAME.NAMESPACE.svc (no openssl needed).",
            discussion: "Writes ca.crt, tls.crt and tls.key (mode 0600) into --out; an existing file is not overwritten without --force.")

        @Option(help: "The Service's name.")
        var name = "brightkeys-webhook"

        @Option(help: "The Service's namespace.")
        var namespace = "brightkeys-system"

        @Option(help: "Directory to write ca.crt, tls.crt and tls.key into.")
        var out = "."

        @Option(help: "Days the certificates are valid.")
        var days = 365

        @Flag(help: "Overwrite existing files.")
        var force = false

        func validate() throws {
            if !(1...3650).contains(days) { throw ValidationError("--days must be between 1 and 3650") }
        }

        func run() throws {
            let generated = try WebhookCertificates.generate(service: name, namespace: namespace, days: days)
            let files = [("ca.crt", generated.caCertificate, 0o644), ("tls.crt", generated.certificate, 0o644), ("tls.key", generated.privateKey, 0o600)]
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (file, _, _) in files where !force && FileManager.default.fileExists(atPath: "\(out)/\(file)") {
                writeErr("\(out)/\(file) exists; pass --force to replace it\n")
                throw ExitCode(2)
            }
            for (file, text, mode) in files {
                let path = "\(out)/\(file)"
                guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                    writeErr("cannot write \(path)\n")
                    throw ExitCode(2)
                }
            }
            writeOut("wrote \(out)/ca.crt, \(out)/tls.crt and \(out)/tls.key for \(generated.dnsNames.joined(separator: ", "))\n")
        }
    }

    struct Manifests: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a ready-to-apply deployment of the webhook: Namespace, RBAC, Deployment, PDB, Service, Secret, webhook configuration.",
            discussion: "The output holds a new private key: pipe it to kubectl apply -f -, do not commit it. See the README on failure policies.")

        @Option(help: "Name of the Service, Deployment and webhook configuration.")
        var name = "brightkeys-webhook"

        @Option(help: "Namespace to run the webhook in (created).")
        var namespace = "brightkeys-system"

        @Option(help: "Replicas (at least 2).")
        var replicas = 2

        @Option(name: .customLong("failure-policy"), help: "Fail (deny when the webhook cannot answer) or Ignore (allow).")
        var failurePolicy: FailurePolicyOption = .fail

        @Option(help: "The brightkeys container image (pin it by digest in production).")
        var image = "ghcr.io/brightkeys/brightkeys:0.1.0"

        @Option(name: .customLong("timeout-seconds"), help: "How long the API server waits for an answer, 1 to 30.")
        var timeoutSeconds = 5

        func options() -> WebhookManifests {
            var manifests = WebhookManifests()
            manifests.name = name
            manifests.namespace = namespace
            manifests.replicas = replicas
            manifests.failurePolicy = failurePolicy == .fail ? .fail : .ignore
            manifests.image = image
            manifests.timeoutSeconds = timeoutSeconds
            return manifests
        }

        func validate() throws {
            if let problem = options().problems().first { throw ValidationError(problem) }
        }

        func run() throws {
            let manifests = options()
            let certificates = try WebhookCertificates.generate(service: name, namespace: namespace)
            writeOut(manifests.render(certificates: certificates))
        }
    }
}

enum FailurePolicyOption: String, ExpressibleByArgument, CaseIterable {
    case fail = "Fail"
    case ignore = "Ignore"
}

/// `HOST:PORT` (IPv6 hosts in brackets) as host and port.
func split(_ address: String) -> (String, Int)? {
    AuditLogCommand.Serve.split(address)
}
