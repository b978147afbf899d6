import Admission
import BrightKeysCore
import Testing

struct NamespacePolicyTests {
    let prefix = "pod-security.kubernetes.io/"

    func policy(_ labels: [String: String], defaults: NamespacePolicy = .privileged) -> (NamespacePolicy, [String]) {
        let (policy, errors) = NamespacePolicy.from(labels: labels, defaults: defaults)
        return (policy, errors.map(\.description))
    }

    @Test func noLabelsGiveTheDefaults() {
        let (found, errors) = policy([:], defaults: NamespacePolicy.defaults(["enforce": "baseline", "warn-version": "v1.29"]))
        #expect(errors.isEmpty)
        #expect(found.enforce.description == "baseline:latest")
        #expect(found.warn.description == "privileged:v1.29")
    }

    @Test func enforceRaisesWarnUnlessWarnIsSet() {
        let (raised, _) = policy([prefix + "enforce": "restricted", prefix + "enforce-version": "v1.25"])
        #expect(raised.warn.description == "restricted:v1.25")
        #expect(raised.audit.description == "privileged:latest")
        let (kept, _) = policy([prefix + "enforce": "restricted", prefix + "warn": "baseline"])
        #expect(kept.warn.description == "baseline:latest")
        let (ownVersion, _) = policy([prefix + "enforce": "baseline", prefix + "warn-version": "v1.20"])
        #expect(ownVersion.warn.description == "baseline:v1.20")
    }

    @Test func invalidEnforceLevelFailsClosedAndOthersOpen() {
        let (found, errors) = policy([prefix + "enforce": "strict", prefix + "audit": "Restricted", prefix + "warn": ""])
        #expect(found.enforce.level == .restricted)
        #expect(found.audit.level == .privileged)
        // An unreadable enforce level does not raise warn (it was not set validly).
        #expect(found.warn.level == .privileged)
        #expect(
            errors == [
                "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
                "metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"Restricted\": must be one of privileged, baseline, restricted",
                "metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"\": must be one of privileged, baseline, restricted",
            ])
    }

    @Test(arguments: ["v1.025", "1.25", "v2.0", "V1.25", "v1.", " v1.25", "latest "])
    func invalidVersionsReadAsLatest(_ text: String) {
        let (found, errors) = policy([prefix + "enforce": "baseline", prefix + "enforce-version": text])
        #expect(found.enforce.description == "baseline:latest")
        #expect(errors.count == 1)
        #expect(errors.first?.hasSuffix("must be \"latest\" or \"v1.x\"") == true)
    }

    @Test func futureVersionsPrintAsWrittenAndEvaluateAsNewest() {
        let (found, errors) = policy([prefix + "enforce": "restricted", prefix + "enforce-version": "v1.99"])
        #expect(errors.isEmpty)
        #expect(found.enforce.description == "restricted:v1.99")
        #expect(found.enforce.effectiveVersion == KubeVersion(1, 99))
    }
}
