import BrightKeysCore
import CheckTesting
import Checks
import Testing

/// Places that fall back to another field's line when theirs is not written (`orLineOf:`), in
/// the shapes the descriptor examples do not show.
struct FindingPlacesTests {
    func places(_ check: any Check, _ yaml: String) throws -> [String] {
        try ExampleRunner.findings(of: check, in: yaml, context: CheckContext()).findings.map { "\($0.line) \($0.path)" }
    }

    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:

        """

    @Test func resourceFieldsPointAtTheFieldOrTheContainerName() throws {
        let limits = ResourceLimitsCheck()
        // `resources` written but not `limits`: the container's name.
        #expect(try places(limits, Self.pod + "  containers:\n  - name: app\n    image: a:1\n    resources: {}\n") == ["6 spec.containers[0].resources.limits"])
        #expect(
            try places(limits, Self.pod + "  containers:\n  - name: app\n    image: a:1\n    resources:\n      requests: {cpu: 1}\n")
                == ["6 spec.containers[0].resources.limits"])
        // `limits: null` is written: its own line.
        #expect(
            try places(limits, Self.pod + "  containers:\n  - image: a:1\n    name: app\n    resources:\n      limits: null\n")
                == ["9 spec.containers[0].resources.limits"])
        // No name at all: the nearest written parent, the container.
        #expect(try places(limits, Self.pod + "  containers:\n  - image: a:1\n") == ["6 spec.containers[0].resources.limits"])
    }

    @Test func serviceAccountFieldsPointAtTheFieldOrTheContainersKey() throws {
        let automount = AutomountTokenCheck()
        #expect(
            try places(automount, Self.pod + "  automountServiceAccountToken: null\n  containers: [{name: app, image: a:1}]\n")
                == ["5 spec.automountServiceAccountToken"])
        // Neither written: the spec itself (its first key's line).
        let unset = try places(automount, Self.pod + "  hostNetwork: false\n")
        #expect(unset == ["5 spec.automountServiceAccountToken"], "\(unset)")
        let account = DefaultServiceAccountCheck()
        #expect(
            try places(account, Self.pod + "  containers: [{name: app, image: a:1}]\n  serviceAccount: default\n")
                == ["6 spec.serviceAccountName"])
    }
}
