import KubeModel
import RBACAnalysis

/// Every CEL policy given with `--policy`: ValidatingAdmissionPolicies with their bindings,
/// Kyverno CEL policies and Gatekeeper K8sNativeValidation templates with their constraints, and
/// the objects they may take parameters from. `scan --policy` and `webhook serve --policy`
/// evaluate the same set the same way.
public struct CELPolicies: Sendable {
    public private(set) var admission = AdmissionPolicySet()
    public private(set) var kyverno = KyvernoPolicySet()
    public private(set) var gatekeeper = GatekeeperPolicySet()
    public private(set) var context = PolicyContext()

    public init() {}

    public var isEmpty: Bool { admission.isEmpty && kyverno.policies.isEmpty && gatekeeper.constraints.isEmpty }

    /// Loads everything among `objects`; each problem names its file and line.
    public static func load(_ objects: [KubeObject]) -> (CELPolicies, [PolicyLoadError]) {
        var set = CELPolicies()
        let (admission, admissionErrors) = AdmissionPolicySet.load(objects)
        let (kyverno, kyvernoErrors) = KyvernoPolicySet.load(objects)
        let (gatekeeper, gatekeeperErrors) = GatekeeperPolicySet.load(objects)
        set.admission = admission
        let rbacKinds: Set<String> = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]
        let rbacObjects = objects.filter { $0.group == "rbac.authorization.k8s.io" && rbacKinds.contains($0.kind) }
        if !rbacObjects.isEmpty { set.admission.rbac = Authorizer(policy: PolicySet(objects: rbacObjects)) }
        set.kyverno = kyverno
        set.gatekeeper = gatekeeper
        set.context = PolicyContext(objects: objects)
        return (set, admissionErrors + kyvernoErrors + gatekeeperErrors)
    }

    /// Whether any engine selects by namespace labels.
    public var selectsNamespaces: Bool {
        admission.policies.values.contains { $0.matchConstraints.namespaceSelector != nil }
            || admission.bindings.contains { $0.matchResources?.namespaceSelector != nil } || !kyverno.policies.isEmpty
            || !gatekeeper.constraints.isEmpty
    }

    public func evaluate(_ request: PolicyRequest) -> PolicyVerdict {
        var verdict = admission.evaluate(request)
        for evaluation in [kyverno.evaluate(request, context: context), gatekeeper.evaluate(request)] {
            verdict.violations += evaluation.violations
            verdict.ignoredErrors += evaluation.errors.map(\.description)
        }
        return verdict
    }

    /// Descriptors for every binding, rule and constraint that can raise a finding (SARIF lists them).
    public var descriptorSeeds: [PolicyViolation] {
        admission.bindings.map {
            PolicyViolation(engine: "ValidatingAdmissionPolicy", policy: $0.policyName, binding: $0.name, message: "", actions: $0.actions)
        }
    }
}
