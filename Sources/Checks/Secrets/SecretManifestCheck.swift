import BrightKeysCore
import KubeModel

/// A Secret manifest with data means the secret value sits in Git.
public struct SecretManifestCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-SEC-003", slug: "secret-in-manifest", title: "Secret manifest with data", severity: .medium,
        rationale: "A Secret manifest holding data puts the secret in version control, merely base64-encoded, where every clone keeps it forever.",
        remediation: "Keep the value in an external secret store (External Secrets, Sealed Secrets, a CSI secrets driver) and commit only the reference.",
        passing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: tls}
                    type: kubernetes.io/service-account-token
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: db}
                    ↓stringData:
                      password: hunter2
                    """)
        ])

    public init() {}

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard object.kind == "Secret", object.group.isEmpty else { return [] }
        var findings: [Finding] = []
        for field in ["data", "stringData"] {
            guard let mapping = object.root[field]?.mapping, mapping.count > 0 else { continue }
            let keys = mapping.keys.map { "\"\($0)\"" }.joined(separator: ", ")
            findings.append(
                finding(
                    object, path: field, line: object.root.keyPosition(field)?.line ?? object.line,
                    "secret \(object.name) carries \(field) for keys \(keys) in the manifest (values not shown)"))
        }
        return findings
    }
}
