import BrightKeysCore
import CheckTesting
import Checks
import KubeModel
import Testing

/// Every check's descriptor examples are its tests: passing ones raise nothing, failing ones raise
/// a finding on each marked line, in every workload shape, and nothing under the ignore annotation.
struct ExamplesTests {
    static let checks: [any Check] = BuiltinChecks.all

    static func context(for check: any Check) -> CheckContext {
        // A Pod Security control is tested at its own level, where a stricter control cannot
        // override it.
        CheckContext(pssLevel: check.descriptor.pssControl?.level ?? .restricted)
    }

    @Test("passing examples raise nothing", arguments: checks.map { $0.descriptor.id })
    func passing(id: String) throws {
        let check = try #require(Self.checks.first { $0.descriptor.id == id })
        for example in check.descriptor.passing {
            for manifest in ExampleRunner.manifests(for: example) {
                let (findings, loaded) = try ExampleRunner.findings(of: check, in: manifest.yaml, context: Self.context(for: check))
                #expect(loaded.errors.isEmpty, "example does not parse: \(loaded.errors)\n\(manifest.yaml)")
                #expect(findings.isEmpty, "\(id) fired on a passing example:\n\(manifest.yaml)\n\(findings.map(\.message))")
            }
        }
    }

    @Test("failing examples raise a finding on each marked line", arguments: checks.map { $0.descriptor.id })
    func failing(id: String) throws {
        let check = try #require(Self.checks.first { $0.descriptor.id == id })
        for example in check.descriptor.failing {
            for manifest in ExampleRunner.manifests(for: example) {
                let (findings, loaded) = try ExampleRunner.findings(of: check, in: manifest.yaml, context: Self.context(for: check))
                #expect(loaded.errors.isEmpty, "example does not parse: \(loaded.errors)\n\(manifest.yaml)")
                #expect(!findings.isEmpty, "\(id) missed a failing example:\n\(manifest.yaml)")
                let lines = Set(findings.map(\.line))
                #expect(
                    lines == Set(manifest.markedLines),
                    "\(id) reported lines \(lines.sorted()), expected \(manifest.markedLines):\n\(manifest.yaml)")
                for finding in findings {
                    #expect(!finding.message.hasSuffix("."), "messages carry no trailing period: \(finding.message)")
                    #expect(finding.message == finding.message.lowercased() || finding.message.first?.isLowercase == true)
                }
            }
        }
    }

    @Test("the ignore annotation silences failing examples", arguments: checks.map { $0.descriptor.id })
    func ignored(id: String) throws {
        let check = try #require(Self.checks.first { $0.descriptor.id == id })
        for name in [check.descriptor.id, check.descriptor.slug] {
            for example in check.descriptor.failing {
                for manifest in ExampleRunner.manifests(for: example, annotations: [Annotations.ignore: "other-check, \(name)"]) {
                    let registry = try CheckRegistry([check])
                    let scanner = Scanner(registry: registry, context: Self.context(for: check))
                    let report = scanner.scan(loaded: ExampleRunner.objects(manifest.yaml))
                    #expect(report.findings.isEmpty, "\(name) not silenced:\n\(manifest.yaml)")
                    #expect(!report.suppressed.isEmpty)
                }
            }
        }
    }
}
