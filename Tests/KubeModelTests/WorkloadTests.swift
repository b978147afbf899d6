import Testing

@testable import KubeModel

struct WorkloadTests {
    func object(_ text: String) throws -> KubeObject {
        try #require(ManifestLoader().load(bytes: Array(text.utf8), file: "w.yaml").objects.first)
    }

    @Test func cronJobPodSpecPath() throws {
        let cron = try object(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a}]\n"
        )
        let pod = try #require(WorkloadCatalog().podView(for: cron))
        #expect(pod.specPath == "spec.jobTemplate.spec.template.spec")
        #expect(pod.containers.first?.path("securityContext", "privileged") == "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged")
    }

    @Test func customResourcesFromConfig() throws {
        let custom = try object("apiVersion: example.com/v1\nkind: Runner\nspec:\n  pod:\n    containers: [{name: a}]\n")
        #expect(WorkloadCatalog().podView(for: custom) == nil)
        #expect(WorkloadCatalog(extra: ["example.com/Runner": "spec.pod"]).podView(for: custom)?.containers.count == 1)
        let rollout = try object("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n")
        #expect(WorkloadCatalog().podView(for: rollout) != nil)
    }

    @Test func securityContextInheritance() throws {
        let pod = try #require(
            WorkloadCatalog().podView(
                for: try object(
                    """
                    apiVersion: v1
                    kind: Pod
                    spec:
                      securityContext: {runAsUser: 1000, runAsNonRoot: true, windowsOptions: {runAsUserName: pod}}
                      containers:
                      - name: a
                        securityContext: {runAsUser: 0, windowsOptions: {hostProcess: true}}
                      - name: b
                    """)))
        let a = pod.containers[0]
        let b = pod.containers[1]
        #expect(a.effective(.runAsUser)?.int == 0)
        #expect(b.effective(.runAsUser)?.int == 1000)
        #expect(a.effective(.runAsNonRoot)?.bool == true)
        #expect(a.effective(.windowsOption("runAsUserName"))?.string == "pod")
        #expect(a.effective(.windowsOption("hostProcess"))?.bool == true)
        #expect(b.effectiveSource(.runAsUser)?.path == "spec.securityContext.runAsUser")
    }

    @Test func containerOrderIsInitThenRegularThenEphemeral() throws {
        let pod = try #require(
            WorkloadCatalog().podView(
                for: try object(
                    "apiVersion: v1\nkind: Pod\nspec:\n  ephemeralContainers: [{name: e}]\n  containers: [{name: c}]\n  initContainers: [{name: i}]\n")))
        #expect(pod.containers.map(\.name) == ["i", "c", "e"])
    }
}
