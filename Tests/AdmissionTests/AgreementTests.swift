import Admission
import BrightKeysCore
import Checks
import Foundation
import KubeModel
import PodSecurity
import Testing

/// A manifest denied at admission is exactly what `scan` and `pss` report for it: over every
/// pod-bearing object of `examples/` and the fixtures here, with the namespace enforcing
/// restricted and brightkeys enforcing from `low` (so any finding denies).
struct AgreementTests {
    static func objects() -> [KubeObject] {
        let loader = ManifestLoader()
        let (files, _) = loader.expand([
            Fixture.root.appendingPathComponent("examples/startup-cluster").path, Fixture.root.appendingPathComponent("examples/hardened").path,
        ])
        let fixtures = [
            Fixture.pod(spec: Fixture.compliantSpec), Fixture.pod(spec: Fixture.privilegedSpec),
            Fixture.pod(spec: Fixture.compliantSpec.replacingOccurrences(of: "runAsNonRoot: true", with: "runAsNonRoot: false")),
            Fixture.pod(spec: "hostNetwork: true\n" + Fixture.compliantSpec),
            Fixture.pod(spec: Fixture.compliantSpec.replacingOccurrences(of: "\n      limits: {cpu: 100m, memory: 64Mi}", with: "")),
            Fixture.pod(spec: Fixture.compliantSpec.replacingOccurrences(of: "drop: [ALL]", with: "drop: [ALL], add: [NET_BIND_SERVICE]")),
            Fixture.pod(spec: Fixture.compliantSpec.replacingOccurrences(of: "drop: [ALL]", with: "drop: [ALL], add: [SYS_ADMIN]")),
            Fixture.pod(spec: Fixture.compliantSpec + "\nvolumes: [{name: h, hostPath: {path: /var/run}}]"),
            Fixture.pod(
                spec: Fixture.compliantSpec.replacingOccurrences(
                    of: "registry.example/app@sha256:0000000000000000000000000000000000000000000000000000000000000000", with: "nginx:latest")),
        ]
        return files.flatMap { loader.load(file: $0).objects } + fixtures.map { KubeObject(file: "fixture", root: $0) }
    }

    static let resources: [String: (String, String)] = [
        "Pod": ("", "pods"), "Deployment": ("apps", "deployments"), "StatefulSet": ("apps", "statefulsets"), "DaemonSet": ("apps", "daemonsets"),
        "ReplicaSet": ("apps", "replicasets"), "Job": ("batch", "jobs"), "CronJob": ("batch", "cronjobs"),
        "ReplicationController": ("", "replicationcontrollers"), "PodTemplate": ("", "podtemplates"),
    ]

    @Test func admissionVerdictsEqualScanAndPSS() async throws {
        let registry = try BuiltinChecks.registry()
        let config = "admission:\n  enforce: low\n  podSecurity:\n    enforceOnWorkloads: true\n"
        var scanConfig = ScanConfig()
        if case .success(let parsed) = ScanConfig.parse(bytes: Array(config.utf8), file: "c") { scanConfig = parsed }
        let admitter = try Admitter(
            registry: registry, config: scanConfig, namespaces: StaticNamespaces(labels: ["team": ["pod-security.kubernetes.io/enforce": "restricted"]]))
        // `scan` of the same object: every per-object check at restricted, annotations honoured
        // the way admission does (not at all).
        var scanner = Scanner(registry: registry, config: ScanConfig(), context: CheckContext(pssLevel: .restricted))
        scanner.honorIgnoreAnnotations = false
        let catalog = WorkloadCatalog()
        var compared = 0
        for object in Self.objects() {
            guard let (group, resource) = Self.resources[object.kind], let pod = catalog.podView(for: object) else { continue }
            compared += 1
            var report = ScanReport()
            scanner.evaluate(object, into: &report)
            let psaViolations = PodSecurityEvaluator.evaluate(pod, level: .restricted, version: .newest)
            let request = Fixture.request(object.root, resource: resource, group: group, kind: object.kind)
            let outcome = await admitter.review(request)
            #expect(outcome.response.allowed == report.findings.isEmpty, "\(object.file): \(object.displayName)")
            // The Pod Security part agrees check by check with `pss`.
            let deniedControls = Set(outcome.deniedBy).intersection(PodSecurityEvaluator.controls.map { $0.upstreamID })
            #expect(deniedControls == Set(psaViolations.map(\.check)), "\(object.file): \(object.displayName)")
        }
        #expect(compared >= 10)
    }
}
