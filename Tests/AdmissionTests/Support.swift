import Admission
import BrightKeysCore
import Checks
import Foundation
import KubeModel

/// Builds requests and admitters for the tests.
enum Fixture {
    static func node(_ yaml: String) -> Node {
        let loaded = ManifestLoader().load(bytes: Array(yaml.utf8), file: "fixture.yaml")
        precondition(loaded.errors.isEmpty, "fixture does not parse: \(loaded.errors)")
        return loaded.objects[0].root
    }

    static func pod(_ name: String = "web", namespace: String = "team", spec: String) -> Node {
        node(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
            \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """)
    }

    /// A pod that passes restricted and every brightkeys check.
    static let compliantSpec = """
        serviceAccountName: web
        automountServiceAccountToken: false
        securityContext:
          runAsNonRoot: true
          seccompProfile: {type: RuntimeDefault}
        containers:
          - name: app
            image: registry.example/app@sha256:0000000000000000000000000000000000000000000000000000000000000000
            resources:
              requests: {cpu: 10m, memory: 16Mi}
              limits: {cpu: 100m, memory: 64Mi}
            securityContext:
              allowPrivilegeEscalation: false
              capabilities: {drop: [ALL]}
        """

    /// Privileged: fails baseline and restricted.
    static let privilegedSpec = compliantSpec.replacingOccurrences(of: "allowPrivilegeEscalation: false", with: "privileged: true")

    static func request(
        _ object: Node?, old: Node? = nil, operation: AdmissionOperation = .create, namespace: String = "team", resource: String = "pods",
        group: String = "", kind: String = "Pod", subResource: String = "", user: String = "alice", dryRun: Bool = false
    ) -> AdmissionRequest {
        AdmissionRequest(
            uid: "7f0b2a8e-0000-4000-8000-000000000001", kind: GroupVersionKind(group: group, version: "v1", kind: kind),
            resource: GroupVersionResource(group: group, version: "v1", resource: resource), subResource: subResource,
            name: object?["metadata"]?["name"]?.string ?? "", namespace: namespace, operation: operation, userInfo: UserInfo(username: user),
            object: object, oldObject: old, dryRun: dryRun)
    }

    static func admitter(namespaces: [String: [String: String]], config: String = "") throws -> Admitter {
        let parsed = ScanConfig.parse(bytes: Array(config.utf8), file: "config.yaml")
        guard case .success(let scanConfig) = parsed else { throw ConfigFailure() }
        return try Admitter(registry: BuiltinChecks.registry(), config: scanConfig, namespaces: StaticNamespaces(labels: namespaces))
    }

    struct ConfigFailure: Error {}

    static func labels(enforce: String? = nil, warn: String? = nil, audit: String? = nil) -> [String: String] {
        var labels: [String: String] = [:]
        if let enforce { labels["pod-security.kubernetes.io/enforce"] = enforce }
        if let warn { labels["pod-security.kubernetes.io/warn"] = warn }
        if let audit { labels["pod-security.kubernetes.io/audit"] = audit }
        return labels
    }

    /// The repository's root, for `examples/`.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
