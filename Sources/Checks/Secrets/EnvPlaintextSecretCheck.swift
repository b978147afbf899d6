import BrightKeysCore
import KubeModel

/// Credentials written into env `value:` fields live in Git, in every rendered manifest, and in
/// `kubectl describe` output.
public struct EnvPlaintextSecretCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-SEC-001", slug: "env-plaintext-secret", title: "Credential in a plain environment variable", severity: .high,
        controls: [.cis("5.4.1")],
        rationale:
            "A credential written as an env value is stored in Git and in the object itself, readable by anyone who can read the workload, and never rotated with the secret store.",
        remediation: "Move the value into a Secret (ideally synced from an external secret store) and reference it with valueFrom.secretKeyRef.",
        passing: [
            Example(
                pod: """
                    containers:
                    - name: db
                      image: mysql:8.4
                      env:
                      - name: MYSQL_ROOT_PASSWORD
                        valueFrom: {secretKeyRef: {name: db, key: root-password}}
                      - name: MYSQL_PASSWORD_FILE
                        value: /run/secrets/db-password
                      - name: MAX_TOTAL_TOKENS
                        value: "2048"
                    """)
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: db
                      image: mysql:8.4
                      env:
                      - name: MYSQL_ROOT_PASSWORD
                        ↓value: hunter2
                    """),
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      env:
                      - name: UPSTREAM
                        ↓value: "postgres://app:s3cr3t@db:5432/app"
                    """),
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      env:
                      - name: AWS_ID
                        ↓value: AKIAIOSFODNN7EXAMPLE
                    """),
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        var findings: [Finding] = []
        for container in pod.containers {
            for (index, variable) in (container.node["env"]?.items ?? []).enumerated() {
                guard let name = variable["name"]?.scalarText, let value = variable["value"]?.scalarText,
                    let reason = CredentialDetector.assess(name: name, value: value)
                else { continue }
                findings.append(
                    finding(
                        pod, path: container.path("env[\(index)]", "value"),
                        line: variable.keyPosition("value")?.line ?? variable.line,
                        "container \"\(container.name)\" env \(name) holds a literal credential \(CredentialDetector.redacted(value)): \(reason.text)"
                    ))
            }
        }
        return findings
    }
}
