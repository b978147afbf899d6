import BrightKeysCore
import Checks
import KubeModel
import PodSecurity
import Testing

struct RegistryTests {
    @Test func shippedRegistryIsValid() throws {
        let registry = try BuiltinChecks.registry()
        #expect(registry.checks.count == BuiltinChecks.all.count)
        #expect(CheckRegistry.problems(in: registry.descriptors).isEmpty)
    }

    @Test func duplicateNamesAreRefused() {
        #expect(throws: RegistryError.self) {
            try CheckRegistry([ImageLatestTagCheck(), ImageLatestTagCheck()])
        }
    }

    @Test func everyCheckHasProse() throws {
        for descriptor in try BuiltinChecks.registry().descriptors {
            #expect(descriptor.remediation.hasSuffix("."), "\(descriptor.id)")
            #expect(descriptor.rationale.count > 20, "\(descriptor.id)")
            #expect(!descriptor.title.isEmpty)
        }
    }

    @Test func podSecurityVersionsStrictlyIncrease() {
        for control in PodSecurityEvaluator.controls {
            let minimums = control.versions.map(\.minimum)
            #expect(!minimums.isEmpty, "\(control.upstreamID)")
            #expect(zip(minimums, minimums.dropFirst()).allSatisfy { $0 < $1 }, "\(control.upstreamID): \(minimums)")
            #expect(control.descriptor.pssControl?.id == control.upstreamID)
            #expect(control.descriptor.pssControl?.since == minimums.first)
        }
        let ids = PodSecurityEvaluator.controls.map { $0.upstreamID }
        #expect(Set(ids).count == ids.count)
    }
}
