import Admission
import BrightKeysCore
import Checks
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeModel
import NIOCore
import PodSecurity
import Servers

// Tools for scripts/bench-webhook.sh and scripts/webhook-agreement.py:
//   webhook-bench reviews [--namespace NS] [--uuid] PATH...   one AdmissionReview per line, for
//       every pod-bearing object (uid = file:line, or with --uuid one in the API server's UUID
//       form, as long as real ones), built from manifests with brightkeys' own loader
//   webhook-bench bare --listen HOST:PORT --tls-cert FILE --tls-key FILE [--work none|decode | --work decide|answer --namespaces FILE]
//       the floor: a bare Hummingbird TLS server that reads the body and answers a fixed
//       allowed AdmissionReview; with --work it first decodes (and decides) the review, to show
//       what each step costs under load

let resources: [String: (String, String)] = [
    "Pod": ("", "pods"), "Deployment": ("apps", "deployments"), "StatefulSet": ("apps", "statefulsets"), "DaemonSet": ("apps", "daemonsets"),
    "ReplicaSet": ("apps", "replicasets"), "Job": ("batch", "jobs"), "CronJob": ("batch", "cronjobs"),
    "ReplicationController": ("", "replicationcontrollers"), "PodTemplate": ("", "podtemplates"),
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func reviews(_ arguments: [String]) {
    var namespace = "bench"
    var uuids = false
    var paths: [String] = []
    var index = 0
    while index < arguments.count {
        if arguments[index] == "--namespace", index + 1 < arguments.count {
            namespace = arguments[index + 1]
            index += 2
        } else if arguments[index] == "--uuid" {
            uuids = true
            index += 1
        } else {
            paths.append(arguments[index])
            index += 1
        }
    }
    let loader = ManifestLoader()
    let catalog = WorkloadCatalog()
    let (files, _) = loader.expand(paths)
    var output = ""
    var count = 0
    for file in files {
        let loaded = loader.load(file: file)
        // A file with input errors is not what `pss` judged in full: leave it out.
        guard loaded.errors.isEmpty else { continue }
        for object in loaded.objects where object.pathInDocument.isEmpty {
            guard let (group, resource) = resources[object.kind], object.apiVersion == (group.isEmpty ? "v1" : "\(group)/v1"),
                catalog.podView(for: object) != nil
            else { continue }
            var uid = ""
            JSONString.append(uuids ? uuid(count) : "\(file):\(object.line)", to: &uid)
            var name = ""
            JSONString.append(object.name, to: &name)
            output += """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":\(uid),\
                "kind":{"group":"\(group)","version":"v1","kind":"\(object.kind)"},\
                "resource":{"group":"\(group)","version":"v1","resource":"\(resource)"},"name":\(name),\
                "namespace":"\(namespace)","operation":"CREATE","userInfo":{"username":"bench"},"object":\(object.root.jsonText)}}

                """
            count += 1
        }
    }
    FileHandle.standardOutput.write(Data(output.utf8))
    FileHandle.standardError.write(Data("\(count) reviews from \(files.count) files\n".utf8))
}

/// A UUID-shaped uid, distinct for each review.
func uuid(_ number: Int) -> String {
    let hex = String(number, radix: 16)
    let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    return "6f1c2a4e-8b3d-4c5e-9a7f-" + tail
}

/// How much of the webhook's work a floor server does before its fixed answer: `none` (the bar's
/// floor), `decode` (parse the AdmissionReview), `decide` (and decide it, as the webhook does,
/// then still answer the fixed review), `answer` (and answer with the real response instead).
/// Each step's cost shows as the drop in its rate; what `webhook serve` costs past `answer` is
/// the server's own (intake, metrics, logging).
enum FloorWork: String {
    case none, decode, decide, answer
}

func bare(_ arguments: [String]) async throws {
    var options: [String: String] = [:]
    var index = 0
    while index + 1 < arguments.count {
        options[arguments[index]] = arguments[index + 1]
        index += 2
    }
    guard let listen = options["--listen"], let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
        let certificate = options["--tls-cert"], let key = options["--tls-key"], let work = FloorWork(rawValue: options["--work"] ?? "none")
    else { fail("usage: webhook-bench bare --listen HOST:PORT --tls-cert FILE --tls-key FILE [--work none|decode | --work decide|answer --namespaces FILE]") }
    let host = String(listen[..<colon])
    let fixed = ByteBuffer(
        string: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"bench","allowed":true}}"#)
    var admitter: Admitter?
    if work == .decide || work == .answer {
        // Without the namespace every pod takes the short lookup-failure path: not the decision.
        guard let file = options["--namespaces"] else { fail("webhook-bench bare --work \(work.rawValue) needs --namespaces FILE") }
        admitter = try Admitter(registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: StaticNamespaces.load(file: file))
    }
    let router = Router()
    router.post("validate/pods") { [admitter] request, _ -> Response in
        var request = request
        let body = try await request.collectBody(upTo: 8 << 20)
        var status = HTTPResponse.Status.ok
        var answer = fixed
        if work != .none {
            // A body that is not a review is answered 400, so that wrk counts it as an error.
            if let review = try? AdmissionReview.decode(Array(body.readableBytesView)) {
                if let admitter {
                    let response = await admitter.review(review.request).response
                    if response.uid != review.request.uid { status = .internalServerError }
                    if work == .answer { answer = ByteBuffer(bytes: response.encode(apiVersion: review.apiVersion)) }
                }
            } else {
                status = .badRequest
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: answer))
    }
    let tls = try CertificateReloader(certificate: certificate, key: key).configuration(clientCA: nil)
    let app = Application(
        router: router, server: try .tls(.http1(), tlsConfiguration: tls),
        configuration: .init(address: .hostname(host, port: port), serverName: "bare"))
    try await app.runService()
}

/// Where the time of one decision goes, single-threaded: decode, decide, encode.
func phases(_ arguments: [String]) async throws {
    guard let file = arguments.first, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        fail("usage: webhook-bench phases REVIEWS.jsonl [ROUNDS]")
    }
    let bodies = text.split(separator: "\n").map { Array($0.utf8) }
    let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200
    let namespaces = StaticNamespaces(labels: [
        "bench": ["pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted"]
    ])
    let admitter = try Admitter(registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: namespaces)
    var decode: UInt64 = 0
    var decide: UInt64 = 0
    var encode: UInt64 = 0
    var bytes = 0
    for _ in 0..<rounds {
        for body in bodies {
            let start = DispatchTime.now().uptimeNanoseconds
            let review = try AdmissionReview.decode(body)
            let decoded = DispatchTime.now().uptimeNanoseconds
            let outcome = await admitter.review(review.request)
            let decided = DispatchTime.now().uptimeNanoseconds
            bytes += outcome.response.encode().count
            let encoded = DispatchTime.now().uptimeNanoseconds
            decode += decoded - start
            decide += decided - decoded
            encode += encoded - decided
        }
    }
    let count = Double(rounds * bodies.count)
    print(
        String(
            format: "per request: decode %.1f µs, decide %.1f µs, encode %.1f µs (%d bytes on average)", Double(decode) / count / 1000,
            Double(decide) / count / 1000, Double(encode) / count / 1000, bytes / Int(count)))
}

/// Single-threaded cost of each part of a decision over the bodies: every Pod Security control
/// and every brightkeys check, in µs per request, most costly first.
func parts(_ arguments: [String]) throws {
    guard let file = arguments.first, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        fail("usage: webhook-bench parts REVIEWS.jsonl [ROUNDS]")
    }
    let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 100 : 100
    let catalog = WorkloadCatalog()
    let pods: [PodView] = try text.split(separator: "\n").compactMap { line in
        guard let object = try AdmissionReview.decode(Array(line.utf8)).request.object else { return nil }
        return catalog.podView(for: KubeObject(file: "admission", root: object))
    }
    var costs: [(String, Double)] = []
    let bodies = text.split(separator: "\n").map { Array($0.utf8) }
    var parsed = 0
    let parseStart = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { for body in bodies { if (try? JSONParser().parse(body)) != nil { parsed += 1 } } }
    let parseTime = Double(DispatchTime.now().uptimeNanoseconds - parseStart)
    let metrics = ServerMetrics()
    let metricsStart = DispatchTime.now().uptimeNanoseconds
    let handles = AdmissionWebhookServer.Metrics(metrics)
    for round in 0..<rounds * bodies.count {
        handles.requests.add(["CREATE", "Pod", round % 3 == 0 ? "denied" : "warned"])
        handles.denials.increment(each: Set(["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"]))
        handles.duration.observe(seconds: 0.0001)
    }
    print(
        String(format: "%7.2f µs  metrics of one request", Double(DispatchTime.now().uptimeNanoseconds - metricsStart) / Double(rounds * bodies.count) / 1000))
    print(
        String(
            format: "%7.2f µs  JSON parse of the whole review (and freeing it)", parseTime / Double(parsed) / 1000))
    // The envelope's fields read from parsed reviews (the rest of `AdmissionReview.decode`).
    let roots = bodies.compactMap { try? JSONParser().parse($0) }
    var fieldsRead = 0
    let fieldsStart = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { for root in roots where (try? AdmissionReview.decode(root)) != nil { fieldsRead += 1 } }
    print(
        String(
            format: "%7.2f µs  AdmissionReview fields read from the parsed review",
            Double(DispatchTime.now().uptimeNanoseconds - fieldsStart) / Double(max(fieldsRead, 1)) / 1000))
    func time(_ name: String, _ body: (PodView) -> Int) {
        var sink = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { for pod in pods { sink &+= body(pod) } }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        costs.append((name, elapsed / Double(rounds * pods.count) / 1000))
        if sink == -1 { print(sink) }
    }
    for control in PodSecurityEvaluator.controls {
        guard let rule = control.rule(at: .newest) else { continue }
        time("pss " + control.upstreamID) { rule.evaluate($0) == nil ? 0 : 1 }
    }
    time("pss all (restricted)") { PodSecurityEvaluator.evaluate($0, level: .restricted, version: .newest).count }
    let context = CheckContext(catalog: catalog)
    for check in try BuiltinChecks.registry().checks where check.descriptor.pssControl == nil {
        time("check " + check.descriptor.id + " " + check.descriptor.slug) { check.evaluate($0.object, pod: $0, in: context).count }
    }
    time("podView") { catalog.podView(for: $0.object)?.containers.count ?? 0 }
    let total = costs.filter { !$0.0.hasPrefix("pss all") }.reduce(0) { $0 + $1.1 }
    for (name, cost) in costs.sorted(by: { $0.1 > $1.1 }) { print(String(format: "%7.2f µs  %@", cost, name)) }
    print(String(format: "%7.2f µs  sum of parts", total))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "reviews": reviews(Array(arguments.dropFirst()))
case "bare":
    // The same runtime as `brightkeys webhook serve`: a like-for-like floor.
    ServerRuntime.runConcurrencyOnEventLoops()
    try await bare(Array(arguments.dropFirst()))
case "phases": try await phases(Array(arguments.dropFirst()))
case "parts": try parts(Array(arguments.dropFirst()))
default:
    fail(
        "usage: webhook-bench reviews [--namespace NS] [--uuid] PATH... | bare --listen HOST:PORT --tls-cert FILE --tls-key FILE [--work none|decode | --work decide|answer --namespaces FILE] | phases|parts REVIEWS.jsonl [ROUNDS]"
    )
}
