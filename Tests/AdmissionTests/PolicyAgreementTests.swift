import Admission
import BrightKeysCore
import Checks
import Foundation
import KubeModel
import Policy
import Testing

/// ValidatingAdmissionPolicies give the same verdict through `scan --policy` (PolicyChecks) and
/// through the webhook (Admitter), and bad policies are clear errors that spare the others.
struct PolicyAgreementTests {
    static func load(_ path: String) -> [KubeObject] {
        let loader = ManifestLoader()
        return loader.expand([Fixture.root.appendingPathComponent(path).path]).files.flatMap { loader.load(file: $0).objects }
    }

    static func request(for object: KubeObject) -> AdmissionRequest {
        let resource = ResourceNames.plural(of: object.kind)
        let group = object.apiVersion.contains("/") ? String(object.apiVersion.split(separator: "/")[0]) : ""
        return Fixture.request(object.root, namespace: object.namespace, resource: resource, group: group, kind: object.kind)
    }

    @Test func scanAndWebhookAgreeOnTheExamplePolicies() async throws {
        let (policies, errors) = CELPolicies.load(Self.load("examples/policies/vap/policies.yaml"))
        #expect(errors.isEmpty)
        let objects = Self.load("examples/policies/vap/workloads.yaml")
        let checks = PolicyChecks(policies: policies, namespaces: PolicyChecks.namespaces(in: objects))
        // Brightkeys' own checks off, Pod Security privileged: only the policies decide.
        let admitter = try Admitter(
            registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: StaticNamespaces(objects: objects), policies: policies)
        var verdicts: [String: String] = [:]
        for object in objects where object.kind != "Namespace" {
            let found = checks.findings(for: object).flatMap(\.findings)
            let scanDenied = found.contains { $0.severity == .high }
            let scanWarned = found.filter { $0.severity == .medium }.map(\.message).sorted()
            let response = await admitter.review(Self.request(for: object)).response
            #expect(response.allowed == !scanDenied, "\(object.displayName)")
            let policyWarnings = response.warnings.filter { $0.hasPrefix("Validation failed for ValidatingAdmissionPolicy") }
            #expect(policyWarnings.count == (response.allowed ? scanWarned.count : 0), "\(object.displayName)")
            verdicts[object.name] = response.allowed ? (policyWarnings.isEmpty ? "allowed" : "warned") : "denied"
        }
        #expect(verdicts == ["good": "allowed", "from-docker-hub": "denied", "root-in-sandbox": "warned", "api": "denied"])
    }

    @Test(arguments: [
        ("examples/policies/kyverno", "examples/policies/kyverno/resources.yaml"),
        ("examples/policies/gatekeeper", "examples/policies/gatekeeper/samples"),
    ])
    func kyvernoAndGatekeeperPoliciesAgreeToo(_ policyPath: String, _ resourcePath: String) async throws {
        let (policies, errors) = CELPolicies.load(Self.load(policyPath))
        #expect(errors.isEmpty)
        #expect(!policies.isEmpty)
        let objects = Self.load(resourcePath)
        let checks = PolicyChecks(policies: policies, namespaces: PolicyChecks.namespaces(in: objects))
        // Every namespace the objects use exists (unlabelled unless defined among them), as in a cluster.
        var labels = StaticNamespaces(objects: objects).labels
        for object in objects where !object.namespace.isEmpty && labels[object.namespace] == nil { labels[object.namespace] = [:] }
        let admitter = try Admitter(
            registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: StaticNamespaces(labels: labels), policies: policies)
        var denied = 0
        for object in objects where object.kind != "Namespace" || object.name != "" {
            let found = checks.findings(for: object).flatMap(\.findings)
            let response = await admitter.review(Self.request(for: object)).response
            #expect(response.allowed == !found.contains { $0.severity == .high }, "\(object.displayName): \(response.status?.message ?? "")")
            if !response.allowed { denied += 1 }
        }
        #expect(denied > 0)
    }

    @Test func theAPIServersWordingForDenialsWarningsAndAudit() async throws {
        let (policies, _) = CELPolicies.load(Self.load("examples/policies/vap/policies.yaml"))
        let objects = Self.load("examples/policies/vap/workloads.yaml")
        let admitter = try Admitter(
            registry: BuiltinChecks.registry(), config: ScanConfig(), namespaces: StaticNamespaces(objects: objects), policies: policies)
        let hub = try #require(objects.first { $0.name == "from-docker-hub" })
        let denied = await admitter.review(Self.request(for: hub)).response
        #expect(denied.status?.code == 403)
        #expect(
            denied.status?.message
                == "ValidatingAdmissionPolicy 'approved-registries' with binding 'approved-registries-everywhere' denied request: images must come from registry.example.com, ghcr.io/example: nginx:1.27; ValidatingAdmissionPolicy 'run-as-non-root' with binding 'non-root-in-production' denied request: pods must run as non-root (securityContext.runAsNonRoot: true)"
        )
        let sandbox = try #require(objects.first { $0.name == "root-in-sandbox" })
        let warned = await admitter.review(Self.request(for: sandbox)).response
        #expect(warned.allowed)
        #expect(
            warned.warnings.contains(
                "Validation failed for ValidatingAdmissionPolicy 'run-as-non-root' with binding 'non-root-elsewhere': pods must run as non-root (securityContext.runAsNonRoot: true)"
            ))
        #expect(
            warned.auditAnnotations["validation.policy.admission.k8s.io/validation_failure"]?.contains("\"validationActions\":[\"Warn\",\"Audit\"]") == true)
        #expect(warned.auditAnnotations["run-as-non-root/image-count"] == "1")
    }

    static func policySet(_ yaml: String) -> (AdmissionPolicySet, [PolicyLoadError]) {
        AdmissionPolicySet.load(ManifestLoader().load(bytes: Array(yaml.utf8), file: "policies.yaml").objects)
    }

    static func policy(_ name: String, _ expression: String, failurePolicy: String = "Fail", paramKind: String = "") -> String {
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: \(name)}
        spec:
          failurePolicy: \(failurePolicy)
        \(paramKind)
          matchConstraints:
            resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
          validations:
            - expression: \(expression)
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: \(name)-binding}
        spec:
          policyName: \(name)
          validationActions: [Deny]
        \(paramKind.isEmpty ? "" : "  paramRef: {name: missing, namespace: x, parameterNotFoundAction: Deny}")
        ---

        """
    }

    @Test func badPoliciesAreClearErrorsAndTheOthersStillDecide() throws {
        let yaml =
            Self.policy("broken", "\"object.spec.containers.all(c, c.image ==)\"")
            + Self.policy(
                "runaway",
                "\"[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, true))))))\""
            )
            + Self.policy("ignored-error", "\"object.spec.nothing.here == 1\"", failurePolicy: "Ignore")
            + Self.policy("needs-params", "\"params.data.x == 'y'\"", paramKind: "  paramKind: {apiVersion: v1, kind: ConfigMap}")
            + Self.policy("no-host-network", "\"!object.spec.?hostNetwork.orValue(false)\"")
            + Self.policy("bad-regex", "\"object.metadata.name.matches('(a)\\\\\\\\1')\"")
        let (policies, errors) = Self.policySet(yaml)
        let messages = errors.map(\.description)
        #expect(messages.count == 2)
        #expect(messages.contains { $0.hasPrefix("policies.yaml:") && $0.contains("validations[0].expression does not compile: ERROR: <input>:1:") })
        #expect(messages.contains { $0.contains("binding broken-binding refers to ValidatingAdmissionPolicy broken, which is not among the policy files") })
        let pod = Fixture.pod(spec: "hostNetwork: true\ncontainers: [{name: a, image: b}]")
        let verdict = policies.evaluate(PolicyRequest.create(KubeObject(file: "pod.yaml", root: pod), namespaceObject: nil))
        let byPolicy = Dictionary(verdict.violations.map { ($0.policy, $0.message) }, uniquingKeysWith: { first, _ in first })
        #expect(byPolicy["runaway"]?.contains("actual cost limit exceeded") == true)
        #expect(byPolicy["ignored-error"] == nil)
        #expect(verdict.ignoredErrors.count == 1)
        #expect(byPolicy["needs-params"] == "no params found for policy binding with `Deny` parameterNotFoundAction")
        #expect(byPolicy["no-host-network"] == "failed expression: !object.spec.?hostNetwork.orValue(false)")
        #expect(byPolicy["bad-regex"]?.contains("resulted in error") == true)
    }

    @Test func theAuthorizerIsAnsweredFromTheRBACObjectsGivenWithThePolicies() throws {
        let yaml = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: big-deployments}
            spec:
              matchConstraints:
                resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
              validations:
                - expression: >-
                    object.spec.replicas <= 3 || authorizer.group('apps').resource('deployments').subresource('scale')
                    .namespace(object.metadata.namespace).check('update').allowed()
                  messageExpression: "'only who may scale deployments sets more than 3 replicas, not ' + request.userInfo.username"
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: big-deployments}
            spec: {policyName: big-deployments, validationActions: [Deny]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: scaler, namespace: shop}
            rules: [{apiGroups: [apps], resources: [deployments/scale], verbs: [update]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: scaler, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: scaler}
            subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
            """
        let (policies, errors) = CELPolicies.load(ManifestLoader().load(bytes: Array(yaml.utf8), file: "p.yaml").objects)
        #expect(errors.isEmpty)
        let deployment = Fixture.node("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 10}")
        func verdict(_ user: String) -> PolicyVerdict {
            policies.evaluate(
                PolicyRequest(
                    operation: "CREATE", object: deployment, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "web",
                    namespace: "shop", username: user))
        }
        #expect(verdict("alice").violations.isEmpty)
        #expect(verdict("bob").violations.map(\.message) == ["only who may scale deployments sets more than 3 replicas, not bob"])
    }

    @Test func onePolicySpendsAtMostTheCostBudgetOnARequest() throws {
        // Each validation stays under the per-expression limit; together they exceed the
        // policy's budget, and evaluation stops with the API server's message.
        let expensive = "lists.range(650).all(a, lists.range(650).all(b, true))"
        let validations = Array(repeating: "    - expression: \"\(expensive)\"", count: 14).joined(separator: "\n")
        let yaml = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: costly}
            spec:
              matchConstraints:
                resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
              validations:
            \(validations)
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: costly}
            spec: {policyName: costly, validationActions: [Deny]}
            """
        let (policies, errors) = Self.policySet(yaml)
        #expect(errors.isEmpty)
        let pod = Fixture.pod(spec: "containers: [{name: a, image: b}]")
        let verdict = policies.evaluate(PolicyRequest.create(KubeObject(file: "pod.yaml", root: pod), namespaceObject: nil))
        #expect(
            verdict.violations.map(\.message) == [
                "expression '\(expensive)' resulted in error: validation failed due to running out of cost budget, no further validation rules will be run"
            ])
    }
}
