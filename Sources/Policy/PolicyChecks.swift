import BrightKeysCore
import KubeModel

/// CEL policies as checks of `scan --policy`: each object is evaluated as a CREATE request and
/// each violation becomes a finding at the object's `file:line`, its severity from the binding's
/// actions (Deny: high, Warn: medium, Audit: low).
public struct PolicyChecks: Sendable {
    public let policies: CELPolicies
    /// Namespace objects by name, for `namespaceObject` and namespace selectors.
    public let namespaces: [String: Node]

    public init(policies: CELPolicies, namespaces: [String: Node] = [:]) {
        self.policies = policies
        self.namespaces = namespaces
    }

    /// Whether any policy or binding selects by namespace labels (then the namespaces of the
    /// whole input are worth collecting first).
    public var needsNamespaces: Bool { policies.selectsNamespaces }

    public func findings(for object: KubeObject) -> [(descriptor: CheckDescriptor, findings: [Finding])] {
        // Parameter objects and the policies themselves are not admitted objects.
        guard object.group != "admissionregistration.k8s.io", !KyvernoPolicySet.isPolicy(object), !GatekeeperPolicySet.isTemplate(object),
            !GatekeeperPolicySet.isConstraint(object), !object.kind.isEmpty
        else { return [] }
        let request = PolicyRequest.create(object, namespaceObject: object.namespace.isEmpty ? nil : namespaces[object.namespace])
        let verdict = policies.evaluate(request)
        var grouped: [(descriptor: CheckDescriptor, findings: [Finding])] = []
        for violation in verdict.violations {
            let descriptor = Self.descriptor(for: violation)
            let finding = Finding(check: descriptor, object: object, path: "", line: object.line, message: violation.message)
            if let index = grouped.firstIndex(where: { $0.descriptor.id == descriptor.id }) {
                grouped[index].findings.append(finding)
            } else {
                grouped.append((descriptor, [finding]))
            }
        }
        return grouped
    }

    /// One descriptor per policy and binding: `VAP/<policy>/<binding>`; the policy's name alone
    /// also selects it (in ignore annotations, exemptions and severity overrides).
    public static func descriptor(for violation: PolicyViolation) -> CheckDescriptor {
        let severity: Severity =
            violation.actions.contains(.deny) ? .high : violation.actions.contains(.warn) ? .medium : .low
        let prefix = violation.engine == "ValidatingAdmissionPolicy" ? "VAP" : violation.engine
        return CheckDescriptor(
            id: "\(prefix)/\(violation.policy)/\(violation.binding)", slug: "\(violation.policy)-\(violation.binding)",
            title: "\(violation.engine) \(violation.policy) (binding \(violation.binding))", severity: severity,
            rationale: "A policy given with --policy.", remediation: "Change the object so that the policy's validations hold.",
            aliases: [violation.policy], passing: [], failing: [])
    }

    /// Namespaces among loaded objects.
    public static func namespaces(in objects: [KubeObject]) -> [String: Node] {
        var found: [String: Node] = [:]
        for object in objects where object.kind == "Namespace" && object.group.isEmpty && !object.name.isEmpty {
            found[object.name] = object.root
        }
        return found
    }
}
