import CEL
import Foundation
import KubeModel
import Testing

@testable import Policy

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

func objects(_ yaml: String, file: String = "inline.yaml") -> [KubeObject] {
    let loaded = ManifestLoader().load(bytes: Array(yaml.utf8), file: file)
    #expect(loaded.errors.isEmpty, "\(loaded.errors)")
    return loaded.objects
}

func fixture(_ path: String) -> [KubeObject] {
    let loaded = ManifestLoader().load(file: "\(fixtures)/\(path)")
    #expect(loaded.errors.isEmpty, "\(loaded.errors)")
    return loaded.objects
}

func request(_ yaml: String, namespaceObject: Node? = nil) -> PolicyRequest {
    PolicyRequest.create(objects(yaml)[0], namespaceObject: namespaceObject)
}

struct SuiteTests {
    @Test func kyvernoSuiteWithAutogenResultsPasses() {
        let report = PolicyTestSuites.run(paths: ["\(fixtures)/kyverno"])
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.failed == 0, "\(report.outcomes.filter { $0.status == .fail })")
        #expect(report.passed == 16)
        let subjects = report.outcomes.map(\.subject)
        #expect(subjects.contains("policy image-rules rule autogen-cronjob-disallow-latest-tag CronJob backup"))
        #expect(subjects.contains("policy require-run-as-non-root rule autogen-require-run-as-non-root Deployment team-a/web"))
    }

    @Test func gatorSuitePasses() {
        let report = PolicyTestSuites.run(paths: ["\(fixtures)/gatekeeper"])
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.failed == 0, "\(report.outcomes.filter { $0.status == .fail })")
        #expect(report.passed == 6)
        #expect(report.skipped == 1)
    }

    @Test func wrongExpectationsFailWithTheReason() {
        let report = PolicyTestSuites.run(paths: ["\(fixtures)/failing"])
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.passed == 0)
        #expect(report.failed == 4)
        let details = report.outcomes.map(\.detail)
        #expect(details[0] == "want pass, got fail: the latest tag is not allowed")
        #expect(details[1].contains("not evaluated: a validate.pattern rule"))
        #expect(details[2].hasPrefix("policy image-rules has no rule no-such-rule"))
        #expect(details[3] == "no resource missing-pod of kind Pod among the test's resources")
    }

    @Test func aPolicyThatDoesNotCompileIsAnInputErrorAndTheOthersStillRun() {
        let report = PolicyTestSuites.run(paths: ["\(fixtures)/broken"])
        #expect(report.errors.count == 1)
        let error = report.errors.first
        #expect(error?.file.hasSuffix("broken/bad-expression.yaml") == true)
        #expect(error?.line == 15)
        #expect(error?.message.contains("validate.cel.expressions[0].expression does not compile (column 54 of the expression)") == true)
        #expect(report.outcomes.map(\.status) == [.fail, .pass])
        #expect(report.outcomes.first?.detail == "policy broken did not load (see the errors above)")
    }

    @Test func suitesAreFoundByNameAndKind() {
        let (suites, errors) = PolicyTestSuites.find([fixtures])
        #expect(errors.isEmpty, "\(errors)")
        #expect(suites.map(\.kind) == [.kyverno, .kyverno, .gator, .kyverno])
        #expect(suites.map { ($0.file as NSString).lastPathComponent } == ["kyverno-test.yaml", "kyverno-test.yaml", "suite.yaml", "kyverno-test.yaml"])
    }

    @Test func gatorAssertions() {
        let messages = ["container a is bad", "initContainer b is bad"]
        func check(_ yaml: String) -> String? { GatorSuiteRun.check(objects("apiVersion: v1\nkind: X\n" + yaml)[0].root, messages: messages) }
        #expect(check("violations: yes") == nil)
        #expect(check("violations: 2") == nil)
        #expect(check("message: ^init\nviolations: 1") == nil)
        #expect(check("violations: no") == "want no violations, got 2")
        #expect(check("message: nope") == "want violations matching \"nope\", got none")
        #expect(check("violations: 3") == "want 3 violations, got 2")
        #expect(check("violations: many")?.hasPrefix("violations must be yes, no or a count") == true)
    }
}

struct KyvernoTests {
    @Test func ruleNamesIncludeAutogenForTheAnnotatedControllers() {
        let (set, errors) = KyvernoPolicySet.load(fixture("kyverno/cluster-policy.yaml"))
        #expect(errors.isEmpty)
        #expect(
            set.policies.first?.rules.map(\.name) == [
                "disallow-latest-tag", "approved-registries", "pattern-rule", "autogen-disallow-latest-tag", "autogen-cronjob-disallow-latest-tag",
                "autogen-approved-registries", "autogen-cronjob-approved-registries", "autogen-pattern-rule", "autogen-cronjob-pattern-rule",
            ])
        let generated = set.policies.first?.rules.first { $0.name == "autogen-disallow-latest-tag" }
        #expect(generated?.generatedFrom == "disallow-latest-tag")
        #expect(generated?.body?.validations.first?.expression.source == "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))")
        // Only Deployment (of the template controllers) was asked for.
        if case .rule(let match, _) = generated?.selection {
            #expect(match.any.first?.kinds.map(\.kind) == ["Deployment"])
        } else {
            Issue.record("a generated ClusterPolicy rule keeps match/exclude")
        }
    }

    @Test func autogenIsOffForSelectorsMixedKindsAndNone() {
        func names(_ extra: String, annotation: String = "") -> [String] {
            let yaml = """
                apiVersion: kyverno.io/v1
                kind: ClusterPolicy
                metadata:
                  name: p
                \(annotation)
                spec:
                  rules:
                    - name: r
                      match:
                        any:
                          - resources:
                \(extra)
                      validate:
                        cel:
                          expressions: [{expression: "true"}]
                """
            return KyvernoPolicySet.load(objects(yaml)).0.policies.first?.rules.map(\.name) ?? []
        }
        #expect(names("              kinds: [Pod]") == ["r", "autogen-r", "autogen-cronjob-r"])
        #expect(names("              kinds: [Pod, Service]") == ["r"])
        #expect(names("              kinds: [Pod]\n              selector: {matchLabels: {a: b}}") == ["r"])
        #expect(names("              kinds: [Pod]\n              names: [web-*]") == ["r"])
        #expect(names("              kinds: [Service]") == ["r"])
        #expect(names("              kinds: [Pod]", annotation: "  annotations: {pod-policies.kyverno.io/autogen-controllers: none}") == ["r"])
        #expect(
            names("              kinds: [Pod]", annotation: "  annotations: {pod-policies.kyverno.io/autogen-controllers: CronJob}") == [
                "r", "autogen-cronjob-r",
            ])
    }

    @Test(arguments: [
        ("object.spec.containers", "object.spec.template.spec.containers", "object.spec.jobTemplate.spec.template.spec.containers"),
        ("object.metadata.labels", "object.spec.template.metadata.labels", "object.spec.jobTemplate.spec.template.metadata.labels"),
        (
            "oldObject.spec.x == object.spec.x", "oldObject.spec.template.spec.x == object.spec.template.spec.x",
            "oldObject.spec.jobTemplate.spec.template.spec.x == object.spec.jobTemplate.spec.template.spec.x"
        ),
        ("request.object.spec", "request.object.spec.template.spec", "request.object.spec.jobTemplate.spec.template.spec"),
        ("params.spec", "params.spec", "params.spec"),
    ])
    func clusterPolicyRewrite(source: String, template: String, cronJob: String) {
        #expect(KyvernoPolicySet.rewritePlain(source, to: "spec.template") == template)
        #expect(KyvernoPolicySet.rewritePlain(source, to: "spec.jobTemplate.spec.template") == cronJob)
    }

    @Test func validatingPolicyRewriteKeepsTheControllersNameAndNamespace() {
        let rewrite = { KyvernoPolicySet.rewriteProtected($0, to: "spec.template") }
        #expect(rewrite("object.metadata.name + object.metadata.namespace") == "object.metadata.name + object.metadata.namespace")
        #expect(rewrite("object.metadata.nameSuffix") == "object.spec.template.metadata.nameSuffix")
        #expect(rewrite("object.metadata.?labels") == "object.spec.template.metadata.?labels")
        #expect(rewrite("object.spec.containers") == "object.spec.template.spec.containers")
    }

    @Test func validatingPolicyAppliesToDeploymentsThroughAutogen() {
        let (set, errors) = KyvernoPolicySet.load(fixture("kyverno/validating-policy.yaml"))
        #expect(errors.isEmpty)
        #expect(
            set.policies.first?.rules.map(\.name) == ["require-run-as-non-root", "autogen-require-run-as-non-root", "autogen-cronjobs-require-run-as-non-root"])
        let deployment = request(
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop}
            spec:
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: web, image: nginx}]
            """)
        let evaluation = set.evaluate(deployment)
        #expect(evaluation.errors.isEmpty)
        #expect(
            evaluation.violations == [
                PolicyViolation(
                    engine: "Kyverno", policy: "require-run-as-non-root", binding: "autogen-require-run-as-non-root",
                    message: "pod web runs containers as root", actions: [.audit])
            ])
        let statefulSet = request(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {template: {spec: {containers: [{name: db, image: pg}]}}}")
        #expect(set.evaluate(statefulSet).violations.isEmpty)
    }

    @Test func actionsFollowFailureActions() {
        let (set, _) = KyvernoPolicySet.load(fixture("kyverno/cluster-policy.yaml"))
        let pod = request("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-a}\nspec: {containers: [{name: a, image: 'docker.io/a:latest'}]}")
        let evaluation = set.evaluate(pod, context: PolicyContext(objects: fixture("kyverno/params.yaml")))
        #expect(evaluation.errors.isEmpty, "\(evaluation.errors)")
        #expect(evaluation.violations.map(\.binding) == ["disallow-latest-tag", "approved-registries"])
        #expect(evaluation.violations.map(\.actions) == [[.deny], [.audit]])
        #expect(evaluation.violations.last?.message == "images must come from registry.example.com/,ghcr.io/acme/")
    }

    @Test func missingParamsAreAClearError() {
        let (set, _) = KyvernoPolicySet.load(fixture("kyverno/cluster-policy.yaml"))
        let pod = request(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-a}\nspec: {containers: [{name: a, image: 'registry.example.com/a:1'}]}")
        let evaluation = set.evaluate(pod)
        #expect(evaluation.violations.isEmpty)
        #expect(evaluation.errors.count == 1)
        #expect(
            evaluation.errors.first?.message
                == "ClusterPolicy image-rules rule approved-registries: params missing: no v1 ConfigMap named registries in namespace policy-config was given (paramKind/paramRef)"
        )
        #expect(evaluation.errors.first?.file.hasSuffix("kyverno/cluster-policy.yaml") == true)
    }

    @Test func matchAndExclude() {
        let (set, errors) = KyvernoPolicySet.load(
            objects(
                """
                apiVersion: kyverno.io/v1
                kind: ClusterPolicy
                metadata: {name: p}
                spec:
                  validationFailureAction: Enforce
                  rules:
                    - name: r
                      match:
                        all:
                          - resources: {kinds: [apps/v1/Deployment], namespaces: [prod-*]}
                          - resources: {selector: {matchLabels: {tier: web}}}
                      exclude:
                        any:
                          - resources: {names: [legacy-*]}
                          - clusterRoles: [cluster-admin]
                      validate:
                        cel:
                          expressions: [{expression: "false", message: "denied"}]
                """))
        #expect(errors.isEmpty)
        func denied(_ name: String, _ namespace: String, _ tier: String) -> Bool {
            let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: \(name), namespace: \(namespace), labels: {tier: \(tier)}}"
            return !set.evaluate(request(yaml)).violations.isEmpty
        }
        #expect(denied("web", "prod-eu", "web"))
        #expect(!denied("web", "dev", "web"))
        #expect(!denied("web", "prod-eu", "db"))
        #expect(!denied("legacy-web", "prod-eu", "web"))
    }

    @Test func namespacedPolicyAppliesInItsNamespaceOnly() {
        let (set, _) = KyvernoPolicySet.load(
            objects(
                """
                apiVersion: kyverno.io/v1
                kind: Policy
                metadata: {name: p, namespace: team-a}
                spec:
                  rules:
                    - name: r
                      match: {any: [{resources: {kinds: [ConfigMap]}}]}
                      validate: {cel: {expressions: [{expression: "false"}]}}
                """))
        let inTeam = request("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-a}")
        let elsewhere = request("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-b}")
        #expect(set.evaluate(inTeam).violations.map(\.policy) == ["team-a/p"])
        #expect(set.evaluate(inTeam).violations.first?.message == "failed expression: false")
        #expect(set.evaluate(elsewhere).violations.isEmpty)
    }

    @Test func runtimeErrorsAreErrorsNotViolations() {
        let (set, _) = KyvernoPolicySet.load(
            objects(
                """
                apiVersion: policies.kyverno.io/v1
                kind: ValidatingPolicy
                metadata: {name: p}
                spec:
                  matchConstraints:
                    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
                  validations:
                    - expression: "object.data.missing == 'x'"
                """))
        let evaluation = set.evaluate(request("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}"))
        #expect(evaluation.violations.isEmpty)
        #expect(evaluation.errors.map(\.message) == ["ValidatingPolicy p rule p: spec.validations[0].expression: no such key: 'missing'"])
    }
}

struct GatekeeperTests {
    static let template = fixture("gatekeeper/template.yaml")

    func set(_ constraint: String) -> (GatekeeperPolicySet, [PolicyEngineError]) {
        GatekeeperPolicySet.load(Self.template + objects(constraint))
    }

    @Test func paramsAndEnforcementAction() {
        let (set, errors) = GatekeeperPolicySet.load(Self.template + fixture("gatekeeper/constraint.yaml"))
        #expect(errors.isEmpty)
        let evaluation = set.evaluate(PolicyRequest.create(fixture("gatekeeper/deployment-9.yaml")[0], namespaceObject: nil))
        #expect(
            evaluation.violations == [
                PolicyViolation(
                    engine: "Gatekeeper", policy: "k8smaxreplicas", binding: "at-most-five", message: "replicas 9 above 5 (at-most-five)", actions: [.audit])
            ])
    }

    @Test func missingParamsAreAClearError() {
        let (set, errors) = set("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sMaxReplicas\nmetadata: {name: no-params}\nspec: {}")
        #expect(errors.isEmpty)
        let evaluation = set.evaluate(PolicyRequest.create(fixture("gatekeeper/deployment-9.yaml")[0], namespaceObject: nil))
        #expect(evaluation.violations.isEmpty)
        #expect(evaluation.errors.count == 1)
        #expect(
            evaluation.errors.first?.message.hasPrefix("constraint K8sMaxReplicas no-params: spec.targets[0].code[0].source.validations[0].expression:") == true
        )
        #expect(
            evaluation.errors.first?.message.hasSuffix(
                "(params missing: the constraint has no spec.parameters, which template k8smaxreplicas reads as variables.params)") == true)
    }

    @Test func constraintWithoutTemplateAndBadTemplatesAreReported() {
        let (_, errors) = GatekeeperPolicySet.load(
            objects(
                """
                apiVersion: templates.gatekeeper.sh/v1
                kind: ConstraintTemplate
                metadata: {name: bad}
                spec:
                  crd: {spec: {names: {kind: Bad}}}
                  targets:
                    - target: admission.k8s.gatekeeper.sh
                      code:
                        - engine: K8sNativeValidation
                          source:
                            validations:
                              - expression: "object.spec.replicas >"
                ---
                apiVersion: constraints.gatekeeper.sh/v1beta1
                kind: Orphan
                metadata: {name: o}
                spec: {}
                """, file: "gk.yaml"))
        #expect(errors.count == 2)
        #expect(
            errors.first?.description.hasPrefix(
                "gk.yaml:12: ConstraintTemplate bad: spec.targets[0].code[0].source.validations[0].expression does not compile (column") == true)
        #expect(errors.last?.description == "gk.yaml:14: constraint Orphan o: no ConstraintTemplate defines kind Orphan")
    }

    @Test func matchCriteria() {
        let (set, _) = set(
            """
            apiVersion: constraints.gatekeeper.sh/v1beta1
            kind: K8sMaxReplicas
            metadata: {name: c}
            spec:
              match:
                kinds: [{apiGroups: ["*"], kinds: [Deployment]}]
                excludedNamespaces: ["*-system"]
                namespaceSelector: {matchLabels: {env: prod}}
              parameters: {max: 1}
            """)
        let prod = objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}")[0].root
        let dev = objects("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: dev}}")[0].root
        func count(_ namespace: String, _ namespaceObject: Node?) -> Int {
            let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: \(namespace)}\nspec: {replicas: 3}"
            return set.evaluate(request(deployment, namespaceObject: namespaceObject)).violations.count
        }
        #expect(count("shop", prod) == 1)
        #expect(count("shop", dev) == 0)
        #expect(count("kube-system", prod) == 0)
    }
}

struct WildcardTests {
    @Test(arguments: [
        ("team-*", "team-a", true), ("team-*", "team", false), ("*-system", "kube-system", true), ("a?c", "abc", true), ("a?c", "ac", false),
        ("*", "", true), ("exact", "exact", true), ("exact", "exactly", false), ("*a*b*", "xxaxxbxx", true),
    ])
    func wildcard(pattern: String, text: String, matches: Bool) {
        #expect(wildcardMatch(pattern, text) == matches)
    }
}
