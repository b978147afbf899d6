import BrightKeysCore
import KubeModel
import Testing

@testable import PodSecurity

/// Version transitions and exact messages of the Pod Security evaluator, from the upstream rules.
struct EvaluatorTests {
    func pod(_ spec: String, annotations: String = "{}") throws -> PodView {
        let indented = spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: \(annotations)\nspec:\n\(indented)\n"
        let object = try #require(ManifestLoader().load(bytes: Array(text.utf8), file: "p.yaml").objects.first)
        return try #require(WorkloadCatalog().podView(for: object))
    }

    func violations(_ pod: PodView, _ level: PodSecurityLevel, _ version: String) -> [String: String] {
        let resolved = KubeVersion(parsing: version) ?? .newest
        var result: [String: String] = [:]
        for violation in PodSecurityEvaluator.evaluate(pod, level: level, version: resolved) {
            result[violation.check] = "\(violation.reason): \(violation.detail)"
        }
        return result
    }

    static let restrictedOK = """
        securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
        containers:
        - name: a
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        """

    @Test func compliantPodPassesEveryVersion() throws {
        let pod = try pod(Self.restrictedOK)
        for minor in 0...KubeVersion.newest.minor {
            #expect(violations(pod, .restricted, "v1.\(minor)").isEmpty, "v1.\(minor)")
        }
    }

    @Test func defaultPodFailsRestrictedWithUpstreamMessages() throws {
        let found = violations(try pod("containers: [{name: a}, {name: b}]"), .restricted, "latest")
        #expect(
            found["allowPrivilegeEscalation"]
                == "allowPrivilegeEscalation != false: containers \"a\", \"b\" must set securityContext.allowPrivilegeEscalation=false")
        #expect(found["capabilities_restricted"] == "unrestricted capabilities: containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"]")
        #expect(found["runAsNonRoot"] == "runAsNonRoot != true: pod or containers \"a\", \"b\" must set securityContext.runAsNonRoot=true")
        #expect(
            found["seccompProfile_restricted"]
                == "seccompProfile: pod or containers \"a\", \"b\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
        #expect(found.count == 4)
        #expect(violations(try pod("containers: [{name: a}]"), .baseline, "latest").isEmpty)
    }

    @Test func checksAppearAtTheirVersions() throws {
        let pod = try pod("containers: [{name: a}]")
        #expect(violations(pod, .restricted, "v1.7").keys.sorted() == ["runAsNonRoot"])
        #expect(violations(pod, .restricted, "v1.8").keys.sorted() == ["allowPrivilegeEscalation", "runAsNonRoot"])
        #expect(violations(pod, .restricted, "v1.19").keys.sorted() == ["allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"])
        #expect(violations(pod, .restricted, "v1.22").count == 4)
        let root = try self.pod("securityContext: {runAsUser: 0}\ncontainers: [{name: a}]")
        #expect(violations(root, .restricted, "v1.22")["runAsUser"] == nil)
        #expect(violations(root, .restricted, "v1.23")["runAsUser"] == "runAsUser=0: pod must not set runAsUser=0")
    }

    @Test func capabilitiesBaselineGivesWayToRestricted() throws {
        let pod = try pod("containers: [{name: a, securityContext: {capabilities: {add: [SYS_ADMIN, NET_ADMIN]}}}]")
        #expect(
            violations(pod, .baseline, "latest")["capabilities_baseline"]
                == "non-default capabilities: container \"a\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add")
        let restricted = violations(pod, .restricted, "latest")
        #expect(restricted["capabilities_baseline"] == nil)
        #expect(
            restricted["capabilities_restricted"]
                == "unrestricted capabilities: container \"a\" must set securityContext.capabilities.drop=[\"ALL\"]; container \"a\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add"
        )
        #expect(violations(pod, .restricted, "v1.21")["capabilities_baseline"] != nil)
    }

    @Test func seccompAnnotationsBefore119FieldsAfter() throws {
        let annotated = try pod("containers: [{name: a}]", annotations: "{seccomp.security.alpha.kubernetes.io/pod: unconfined}")
        #expect(
            violations(annotated, .baseline, "v1.18")["seccompProfile_baseline"]
                == "seccompProfile: forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\"")
        #expect(violations(annotated, .baseline, "v1.19").isEmpty)
        let field = try pod("securityContext: {seccompProfile: {type: Unconfined}}\ncontainers: [{name: a}]")
        #expect(violations(field, .baseline, "v1.18").isEmpty)
        #expect(
            violations(field, .baseline, "v1.19")["seccompProfile_baseline"]
                == "seccompProfile: pod must not set securityContext.seccompProfile.type to \"Unconfined\"")
    }

    @Test func sysctlsGrowWithVersions() throws {
        let pod = try pod(
            "securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '60'}, {name: net.ipv4.tcp_rmem, value: '4096'}, {name: net.ipv4.tcp_notsent_lowat, value: '1'}]}\ncontainers: [{name: a}]"
        )
        #expect(
            violations(pod, .baseline, "v1.28")["sysctls"] == "forbidden sysctls: net.ipv4.tcp_keepalive_time, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat")
        #expect(violations(pod, .baseline, "v1.29")["sysctls"] == "forbidden sysctls: net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat")
        #expect(violations(pod, .baseline, "v1.36")["sysctls"] == "forbidden sysctls: net.ipv4.tcp_notsent_lowat")
        #expect(violations(pod, .baseline, "v1.37")["sysctls"] == nil)
    }

    @Test func seLinuxTypesAndTheUserQuirk() throws {
        let engine = try pod("securityContext: {seLinuxOptions: {type: container_engine_t}}\ncontainers: [{name: a}]")
        #expect(
            violations(engine, .baseline, "v1.30")["seLinuxOptions"]
                == "seLinuxOptions: pod set forbidden securityContext.seLinuxOptions: type \"container_engine_t\"")
        #expect(violations(engine, .baseline, "v1.31")["seLinuxOptions"] == nil)
        // Upstream only lists user and role next to a forbidden type.
        let user = try pod("containers: [{name: a, securityContext: {seLinuxOptions: {user: system_u}}}]")
        #expect(violations(user, .baseline, "latest")["seLinuxOptions"] == "seLinuxOptions: container \"a\" set forbidden securityContext.seLinuxOptions: ")
    }

    @Test func windowsPodsAreExemptFrom125() throws {
        let pod = try pod("os: {name: windows}\nsecurityContext: {runAsNonRoot: true}\ncontainers: [{name: a}]")
        #expect(violations(pod, .restricted, "v1.24").keys.sorted() == ["allowPrivilegeEscalation", "capabilities_restricted", "seccompProfile_restricted"])
        #expect(violations(pod, .restricted, "v1.25").isEmpty)
    }

    @Test func userNamespacesRelaxFrom135() throws {
        let pod = try pod(
            "hostUsers: false\nsecurityContext: {seccompProfile: {type: RuntimeDefault}, runAsUser: 0}\ncontainers: [{name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, procMount: Unmasked}}]"
        )
        #expect(violations(pod, .restricted, "v1.34").keys.sorted() == ["procMount", "runAsNonRoot", "runAsUser"])
        #expect(violations(pod, .baseline, "v1.35").isEmpty)
        // Restricted keeps forbidding an unmasked /proc even in a user namespace.
        #expect(violations(pod, .restricted, "v1.35").keys.sorted() == ["procMount_restricted"])
        #expect(
            violations(pod, .restricted, "v1.35")["procMount_restricted"]
                == "procMount: container \"a\" must not set securityContext.procMount to \"Unmasked\"")
    }

    @Test func hostPortsAndVolumes() throws {
        let pod = try pod(
            "containers: [{name: a, ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 9, hostPort: 443}]}, {name: b, ports: [{hostPort: 8080}]}]\nvolumes: [{name: h, hostPath: {path: /}}, {name: nf, nfs: {server: s, path: /}}]"
        )
        let baseline = violations(pod, .baseline, "latest")
        #expect(baseline["hostPorts"] == "hostPort: containers \"a\", \"b\" use hostPorts 443, 8080")
        #expect(baseline["hostPathVolumes"] == "hostPath volumes: volume \"h\"")
        let restricted = violations(pod, .restricted, "latest")
        #expect(restricted["hostPathVolumes"] == nil)
        #expect(restricted["restrictedVolumes"] == "restricted volume types: volumes \"h\", \"nf\" use restricted volume types \"hostPath\", \"nfs\"")
    }

    @Test func hostProbesFrom134() throws {
        let pod = try pod("containers: [{name: a, readinessProbe: {tcpSocket: {host: 10.0.0.1, port: 80}}}]")
        #expect(violations(pod, .baseline, "v1.33").isEmpty)
        #expect(violations(pod, .baseline, "v1.34")["hostProbesAndHostLifecycle"] != nil)
    }

    @Test func runAsNonRootInheritance() throws {
        let inherited = try pod("securityContext: {runAsNonRoot: true}\ncontainers: [{name: a}, {name: b, securityContext: {runAsNonRoot: false}}]")
        #expect(
            violations(inherited, .restricted, "latest")["runAsNonRoot"]
                == "runAsNonRoot != true: container \"b\" must not set securityContext.runAsNonRoot=false")
        let containerLevel = try pod("containers: [{name: a, securityContext: {runAsNonRoot: true}}, {name: b}]")
        #expect(
            violations(containerLevel, .restricted, "latest")["runAsNonRoot"]
                == "runAsNonRoot != true: pod or container \"b\" must set securityContext.runAsNonRoot=true")
    }

    @Test func admissionMessage() throws {
        let found = PodSecurityEvaluator.evaluate(
            try pod("hostNetwork: true\ncontainers: [{name: a, securityContext: {privileged: true}}]"), level: .baseline, version: .newest)
        #expect(
            PodSecurityEvaluator.admissionMessage(found, level: .baseline, version: "latest")
                == "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), privileged (container \"a\" must not set securityContext.privileged=true)"
        )
    }

    @Test func appArmorFieldsAndAnnotations() throws {
        let pod = try pod(
            "securityContext: {appArmorProfile: {type: Unconfined}}\ncontainers: [{name: a}]",
            annotations: "{container.apparmor.security.beta.kubernetes.io/a: unconfined}")
        #expect(
            violations(pod, .baseline, "v1.0")["appArmorProfile"]
                == "forbidden AppArmor profiles: pod and annotation must not set AppArmor profile type to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\""
        )
    }

    @Test func imageVolumesAreAllowedAtEveryVersion() throws {
        let pod = try pod(Self.restrictedOK + "\nvolumes: [{name: v, image: {reference: 'a:1'}}]")
        #expect(violations(pod, .restricted, "v1.0").isEmpty)
    }

    @Test func resultsAreOrderedBaselineThenRestrictedByID() throws {
        let pod = try pod("hostPID: true\nsecurityContext: {runAsUser: 0}\ncontainers: [{name: a, securityContext: {privileged: true}}]")
        let ids = PodSecurityEvaluator.evaluate(pod, level: .restricted, version: .newest).map(\.check)
        #expect(
            ids == [
                "hostNamespaces", "privileged", "allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "runAsUser",
                "seccompProfile_restricted",
            ])
    }

    @Test func versionParsing() {
        #expect(KubeVersion(parsing: "v1.31") == KubeVersion(1, 31))
        #expect(KubeVersion(parsing: "latest") == .newest)
        #expect(KubeVersion(parsing: "v2.0") == nil)
        #expect(KubeVersion(parsing: "v1.031") == nil)
        #expect(KubeVersion(parsing: "1.x") == nil)
    }
}
