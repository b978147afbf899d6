import BrightKeysCore
import CheckTesting
import Checks
import Foundation
import KubeModel
import Testing

struct SuppressionTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          template:
            metadata:
              annotations: {brightkeys.io/ignore: "image-latest-tag", brightkeys.io/ignore-reason: "pinned by the release job"}
            spec:
              containers: [{name: web, image: "web:latest"}]
        """

    /// A scan keeps its findings until the report: they hold a path and a line, not the pod (and
    /// so the parsed object) they were found in. Admission leaves them unresolved.
    @Test func scansKeepResolvedPlacesOnly() throws {
        let yaml = Self.deployment.replacingOccurrences(of: "brightkeys.io/ignore", with: "x")
        var scanner = Scanner(registry: try CheckRegistry([ImageLatestTagCheck()]))
        let report = scanner.scan(loaded: ExampleRunner.objects(yaml))
        #expect(report.findings.count == 1)
        #expect(report.findings.allSatisfy { $0.location.isKnown })
        #expect(report.findings.first?.path == "spec.template.spec.containers[0].image")
        #expect(report.findings.first?.line == 9)
        scanner.resolvesLocations = false
        let lazy = scanner.scan(loaded: ExampleRunner.objects(yaml))
        #expect(lazy.findings.allSatisfy { !$0.location.isKnown })
        #expect(lazy.findings.first?.path == "spec.template.spec.containers[0].image")
        #expect(lazy.findings.first?.line == 9)
    }

    @Test func templateAnnotationSilencesToo() throws {
        let scanner = Scanner(registry: try CheckRegistry([ImageLatestTagCheck()]))
        let report = scanner.scan(loaded: ExampleRunner.objects(Self.deployment))
        #expect(report.findings.isEmpty)
        #expect(report.suppressed.first?.reason == "pinned by the release job")
    }

    @Test func configExemptionsMatchAndExpire() throws {
        var exemption = Exemption()
        exemption.checks = ["BK-IMG-001"]
        exemption.namespaces = ["sh*"]
        exemption.expires = "2026-06-30"
        var config = ScanConfig()
        config.exemptions = [exemption]
        let yaml = Self.deployment.replacingOccurrences(of: "brightkeys.io/ignore", with: "x")
        let registry = try CheckRegistry([ImageLatestTagCheck()])
        let before = Scanner(registry: registry, config: config, today: "2026-06-30")
        #expect(before.scan(loaded: ExampleRunner.objects(yaml)).findings.isEmpty)
        let after = Scanner(registry: registry, config: config, today: "2026-07-01")
        #expect(after.scan(loaded: ExampleRunner.objects(yaml)).findings.count == 1)
        #expect(after.expiredExemptionNotes().first?.contains("expired on 2026-06-30") == true)
    }

    @Test func disabledAndEnabledChecks() throws {
        var config = ScanConfig()
        config.disabled = ["image-latest-tag"]
        let registry = try BuiltinChecks.registry()
        #expect(!Scanner(registry: registry, config: config).activeChecks.contains { $0.descriptor.id == "BK-IMG-001" })
        config.enabled = ["BK-SEC-001", "pss-privileged"]
        #expect(Scanner(registry: registry, config: config).activeChecks.map { $0.descriptor.id }.sorted() == ["BK-PSS-007", "BK-SEC-001"])
    }

    @Test func pssLevelSelectsControls() throws {
        let registry = try BuiltinChecks.registry()
        let baseline = Scanner(registry: registry, context: CheckContext(pssLevel: .baseline)).activeChecks
        #expect(!baseline.contains { $0.descriptor.pssControl?.level == .restricted })
        #expect(baseline.contains { $0.descriptor.id == "BK-PSS-007" })
    }
}
