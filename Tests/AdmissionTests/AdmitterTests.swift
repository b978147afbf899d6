import Admission
import BrightKeysCore
import Foundation
import KubeModel
import Testing

struct AdmitterTests {
    let restricted = ["team": Fixture.labels(enforce: "restricted")]

    @Test func restrictedNamespaceDeniesAPrivilegedPodWithPodSecurityAdmissionsMessage() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let outcome = await admitter.review(Fixture.request(Fixture.pod(spec: Fixture.privilegedSpec)))
        let response = outcome.response
        #expect(!response.allowed)
        #expect(response.status?.code == 403)
        #expect(response.status?.reason == "Forbidden")
        #expect(
            response.status?.message
                == "pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)"
        )
        #expect(response.warnings.isEmpty)
        #expect(response.auditAnnotations["enforce-policy"] == "restricted:latest")
        #expect(outcome.deniedBy == ["privileged", "allowPrivilegeEscalation"])
        #expect(response.uid == "7f0b2a8e-0000-4000-8000-000000000001")
    }

    /// The Forbidden status names the resource (with its group) and the object, Go-quoted; with
    /// no name anywhere it names the resource alone.
    @Test func forbiddenStatusNamesTheResourceAndQuotesTheName() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        var quoted = Fixture.request(Fixture.pod(spec: Fixture.privilegedSpec))
        quoted.name = "we\"b\\1"
        let quotedStatus = await admitter.review(quoted).response.status
        #expect(quotedStatus?.message.hasPrefix(#"pods "we\"b\\1" is forbidden: violates PodSecurity"#) == true)
        #expect(quotedStatus?.name == "we\"b\\1")
        let nameless = """
            apiVersion: v1
            kind: Pod
            metadata: {namespace: team}
            spec:
              containers: [{name: app, image: a:1, securityContext: {privileged: true}}]
            """
        var unnamed = Fixture.request(Fixture.node(nameless))
        unnamed.name = ""
        let unnamedStatus = await admitter.review(unnamed).response.status
        #expect(unnamedStatus?.message.hasPrefix("pods is forbidden: violates PodSecurity \"restricted:latest\": privileged") == true)
        #expect(unnamedStatus?.name == "")
    }

    /// Enforce, audit and warn at three different levels: each is evaluated and reported with its
    /// own level (the request is allowed, so the warning is given).
    @Test func threeLevelsAreEachEvaluated() async throws {
        let admitter = try Fixture.admitter(namespaces: ["team": Fixture.labels(enforce: "privileged", warn: "restricted", audit: "baseline")])
        let outcome = await admitter.review(Fixture.request(Fixture.pod(spec: Fixture.privilegedSpec)))
        let response = outcome.response
        #expect(response.allowed)
        #expect(response.auditAnnotations["enforce-policy"] == "privileged:latest")
        #expect(
            response.auditAnnotations["audit-violations"]
                == "would violate PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)")
        #expect(
            response.warnings.first
                == "would violate PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)"
        )
    }

    @Test func compliantPodIsAllowedWithoutWarnings() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let outcome = await admitter.review(Fixture.request(Fixture.pod(spec: Fixture.compliantSpec)))
        #expect(outcome.response.allowed)
        #expect(outcome.response.warnings.isEmpty)
        #expect(outcome.verdict == "allowed")
    }

    @Test func warnAndAuditModesNeverDeny() async throws {
        let admitter = try Fixture.admitter(namespaces: ["team": Fixture.labels(enforce: "baseline", warn: "restricted", audit: "restricted")])
        let spec = Fixture.compliantSpec.replacingOccurrences(of: "capabilities: {drop: [ALL]}", with: "capabilities: {drop: [NET_RAW]}")
        let response = await admitter.review(Fixture.request(Fixture.pod(spec: spec))).response
        #expect(response.allowed)
        let expected =
            "would violate PodSecurity \"restricted:latest\": unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"])"
        #expect(response.warnings == [expected])
        #expect(response.auditAnnotations["audit-violations"] == expected)
        #expect(response.auditAnnotations["enforce-policy"] == "baseline:latest")
    }

    @Test func privilegedNamespaceIsShortCircuited() async throws {
        let admitter = try Fixture.admitter(namespaces: ["team": [:]])
        let response = await admitter.review(Fixture.request(Fixture.pod(spec: Fixture.privilegedSpec))).response
        #expect(response.allowed)
        #expect(response.auditAnnotations == ["enforce-policy": "privileged:latest"])
    }

    @Test func exemptionsAreCheckedInUpstreamOrder() async throws {
        let config = """
            admission:
              podSecurity:
                exemptions:
                  namespaces: [ops]
                  usernames: ["system:serviceaccount:ci:deployer"]
                  runtimeClasses: [kata]
            """
        let admitter = try Fixture.admitter(
            namespaces: ["team": Fixture.labels(enforce: "restricted"), "ops": Fixture.labels(enforce: "restricted")], config: config)
        let pod = Fixture.pod(spec: Fixture.privilegedSpec)
        let byNamespace = await admitter.review(Fixture.request(pod, namespace: "ops", user: "system:serviceaccount:ci:deployer")).response
        #expect(byNamespace.allowed && byNamespace.auditAnnotations["exempt"] == "namespace")
        let byUser = await admitter.review(Fixture.request(pod, user: "system:serviceaccount:ci:deployer")).response
        #expect(byUser.allowed && byUser.auditAnnotations["exempt"] == "user")
        // Exact matches only.
        let notUser = await admitter.review(Fixture.request(pod, user: "system:serviceaccount:ci:deployer2")).response
        #expect(!notUser.allowed)
        let kata = Fixture.pod(spec: "runtimeClassName: kata\n" + Fixture.privilegedSpec)
        let byRuntimeClass = await admitter.review(Fixture.request(kata)).response
        #expect(byRuntimeClass.allowed && byRuntimeClass.auditAnnotations["exempt"] == "runtimeClass")
    }

    @Test func metadataOnlyPodUpdatesAreNotReevaluated() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let old = Fixture.pod(spec: Fixture.privilegedSpec)
        let relabelled = Fixture.node(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: team, labels: {tier: web}}
            spec:
              serviceAccountName: web
              containers: [{name: app, image: "registry.example/app@sha256:0000000000000000000000000000000000000000000000000000000000000000", securityContext: {privileged: true}}]
            """)
        let update = await admitter.review(Fixture.request(relabelled, old: old, operation: .update)).response
        #expect(update.allowed)
        #expect(update.auditAnnotations.isEmpty)
        // A new image is significant: the whole pod is evaluated again.
        let newImage = Fixture.pod(spec: Fixture.privilegedSpec.replacingOccurrences(of: "registry.example/app@", with: "registry.example/app2@"))
        let changed = await admitter.review(Fixture.request(newImage, old: old, operation: .update)).response
        #expect(!changed.allowed)
    }

    @Test func ephemeralContainersAreEvaluatedAndStatusIsNot() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let old = Fixture.pod(spec: Fixture.compliantSpec)
        let debug = Fixture.pod(
            spec: Fixture.compliantSpec + "\nephemeralContainers:\n  - name: debug\n    image: busybox\n    securityContext: {privileged: true}")
        let added = await admitter.review(Fixture.request(debug, old: old, operation: .update, subResource: "ephemeralcontainers")).response
        #expect(!added.allowed)
        #expect(added.status?.message.contains("container \"debug\" must not set securityContext.privileged=true") == true)
        let status = await admitter.review(Fixture.request(debug, old: old, operation: .update, subResource: "status")).response
        #expect(status.allowed && status.auditAnnotations.isEmpty)
    }

    @Test func controllersAreWarnedNotDeniedUnlessConfigured() async throws {
        let deployment = Fixture.node(
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: team}
            spec:
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: app, image: nginx, securityContext: {privileged: true}}]
            """)
        let request = Fixture.request(deployment, resource: "deployments", group: "apps", kind: "Deployment")
        let plain = try Fixture.admitter(namespaces: restricted)
        let warned = await plain.review(request).response
        #expect(warned.allowed)
        #expect(warned.warnings.first?.hasPrefix("would violate PodSecurity \"restricted:latest\": privileged (container \"app\"") == true)
        #expect(warned.auditAnnotations["enforce-policy"] == nil)
        let strict = try Fixture.admitter(namespaces: restricted, config: "admission:\n  podSecurity:\n    enforceOnWorkloads: true\n")
        let denied = await strict.review(request).response
        #expect(!denied.allowed)
        #expect(denied.status?.message.hasPrefix("deployments.apps \"web\" is forbidden: violates PodSecurity \"restricted:latest\": privileged") == true)
        #expect(denied.status?.group == "apps" && denied.status?.kind == "deployments")
    }

    @Test func invalidNamespaceLabelsAreRejectedOnlyWhenTheyChange() async throws {
        let admitter = try Fixture.admitter(namespaces: [:])
        let bad = Fixture.node("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: {pod-security.kubernetes.io/enforce: strict}}")
        let request = Fixture.request(bad, namespace: "", resource: "namespaces", kind: "Namespace")
        let created = await admitter.review(request).response
        #expect(!created.allowed)
        #expect(created.status?.code == 422)
        #expect(
            created.status?.message
                == "Namespace \"team\" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
        )
        let unchanged = await admitter.review(Fixture.request(bad, old: bad, operation: .update, namespace: "team", resource: "namespaces", kind: "Namespace"))
        #expect(unchanged.response.allowed)
    }

    @Test func unknownNamespaceFailsClosedForPodsAndOpenForControllers() async throws {
        let admitter = try Fixture.admitter(namespaces: [:])
        let pod = await admitter.review(Fixture.request(Fixture.pod(spec: Fixture.compliantSpec), namespace: "ghost")).response
        #expect(!pod.allowed)
        #expect(pod.status?.code == 500)
        #expect(pod.status?.message == "Internal error occurred: failed to lookup namespace ghost")
        let job = Fixture.node("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: [{name: a, image: x}]}}}")
        let controller = await admitter.review(Fixture.request(job, namespace: "ghost", resource: "jobs", group: "batch", kind: "Job")).response
        #expect(controller.allowed)
        #expect(controller.auditAnnotations["error"]?.hasPrefix("failed to lookup namespace ghost") == true)
    }

    @Test func dryRunGetsTheSameVerdict() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let pod = Fixture.pod(spec: Fixture.privilegedSpec)
        let real = await admitter.review(Fixture.request(pod)).response
        let dry = await admitter.review(Fixture.request(pod, dryRun: true)).response
        #expect(real == dry)
    }

    @Test func ownChecksFollowTheThresholdsAndSparePreexistingViolations() async throws {
        let config = "admission:\n  enforce: medium\n  warn: low\n  checks:\n    image-not-pinned: off\n"
        let admitter = try Fixture.admitter(namespaces: ["team": [:]], config: config)
        // No limits: BK-RES-001 (medium) denies.
        let spec = Fixture.compliantSpec.replacingOccurrences(of: "\n      limits: {cpu: 100m, memory: 64Mi}", with: "")
        let created = await admitter.review(Fixture.request(Fixture.pod(spec: spec))).response
        #expect(!created.allowed)
        #expect(created.status?.message.hasPrefix("pods \"web\" is forbidden: violates brightkeys policy: BK-RES-001 missing-resource-limits (medium)") == true)
        // The same violation already on the old object: warned, not denied, so it can still be managed.
        let deployment = { (image: String) in
            Fixture.node(
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: team}
                spec:
                  template:
                    spec:
                      serviceAccountName: web
                      automountServiceAccountToken: false
                      containers: [{name: app, image: \(image), resources: {requests: {cpu: 1m, memory: 1Mi}}}]
                """)
        }
        let update = await admitter.review(
            Fixture.request(
                deployment("app:2"), old: deployment("app:1"), operation: .update, resource: "deployments", group: "apps", kind: "Deployment")
        ).response
        #expect(update.allowed)
        #expect(update.warnings.contains { $0.hasPrefix("brightkeys BK-RES-001") })
        #expect(!update.warnings.contains { $0.contains("BK-IMG-002") })
    }

    @Test func ignoreAnnotationsOnTheObjectDoNotCountByDefault() async throws {
        let spec = Fixture.compliantSpec.replacingOccurrences(of: "\n      limits: {cpu: 100m, memory: 64Mi}", with: "")
        var pod = Fixture.node(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, annotations: {brightkeys.io/ignore: missing-resource-limits}}
            spec:
            \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """)
        let strict = try Fixture.admitter(namespaces: ["team": [:]], config: "admission:\n  enforce: medium\n")
        #expect(await !strict.review(Fixture.request(pod)).response.allowed)
        let trusting = try Fixture.admitter(namespaces: ["team": [:]], config: "admission:\n  enforce: medium\n  honorIgnoreAnnotations: true\n")
        #expect(await trusting.review(Fixture.request(pod)).response.allowed)
        pod = Fixture.pod(spec: spec)
        #expect(await !trusting.review(Fixture.request(pod)).response.allowed)
    }

    @Test func deleteAndConnectAreAllowedUntouched() async throws {
        let admitter = try Fixture.admitter(namespaces: restricted)
        let response = await admitter.review(Fixture.request(nil, old: Fixture.pod(spec: Fixture.privilegedSpec), operation: .delete)).response
        #expect(response == AdmissionResponse(uid: "7f0b2a8e-0000-4000-8000-000000000001", allowed: true))
    }
}
