import BrightKeysCore
import KubeModel

/// ConfigMaps are not secret: they are readable broadly and never encrypted at rest.
public struct ConfigMapSecretCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-SEC-002", slug: "configmap-plaintext-secret", title: "Credential in a ConfigMap", severity: .high,
        controls: [.cis("5.4.1")],
        rationale: "ConfigMaps are readable by many roles, shown in plain text by kubectl, and not covered by encryption at rest for Secrets.",
        remediation: "Move the credential into a Secret or an external secret store and mount it from there.",
        passing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: app}
                    data:
                      LOG_LEVEL: info
                      DB_PASSWORD_FILE: /run/secrets/db
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: app}
                    data:
                      ↓DB_PASSWORD: correct-horse-battery
                    """),
            Example(
                object: """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: app}
                    data:
                      ↓settings.ini: |
                        [db]
                        password = correct-horse-battery
                    """),
        ])

    public init() {}

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard object.kind == "ConfigMap", object.group.isEmpty, let data = object.root["data"]?.mapping else { return [] }
        var findings: [Finding] = []
        for entry in data.entries {
            guard let value = entry.value.scalarText else { continue }
            if let reason = CredentialDetector.assess(name: entry.key, value: value) {
                findings.append(
                    finding(
                        object, path: "data.\(entry.key)", line: entry.keyPosition.line,
                        "configmap key \(entry.key) holds a credential \(CredentialDetector.redacted(value)): \(reason.text)"))
            } else if let (lineOffset, key) = Self.embeddedCredential(in: value) {
                findings.append(
                    finding(
                        object, path: "data.\(entry.key)", line: entry.keyPosition.line,
                        "configmap key \(entry.key) sets \(key) to a literal credential on its line \(lineOffset + 1) <redacted>"))
            }
        }
        return findings
    }

    /// `passwd: files sss` in an nsswitch.conf names lookup sources, not a password.
    static func isNameServiceSource(_ value: String) -> Bool {
        let sources: Set<String> = ["files", "compat", "systemd", "sss", "dns", "nis", "ldap", "db", "myhostname", "winbind"]
        return value.split(separator: " ").allSatisfy { sources.contains(String($0)) }
    }

    /// A `key = value` / `key: value` line of an embedded configuration file whose key is a
    /// credential name and whose value is literal.
    static func embeddedCredential(in text: String) -> (Int, String)? {
        guard text.utf8.contains(0x0A), CredentialDetector.mayNameCredential(bytes: text.utf8) else { return nil }
        for (index, bytes) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard CredentialDetector.mayNameCredential(bytes: bytes) else { continue }
            let trimmed = Substring(bytes).trimmedASCII()
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix(";"),
                let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" })
            else { continue }
            let quotes: Set<UInt8> = [UInt8(ascii: "\""), UInt8(ascii: "'")]
            let key = String(trimmed[..<separator].trimmedASCII(quotes))
            let value = String(trimmed[trimmed.index(after: separator)...].trimmedASCII(quotes.union([UInt8(ascii: ",")])))
            guard !key.isEmpty, !key.contains(" "), !value.isEmpty, CredentialDetector.isCredentialName(key),
                !CredentialDetector.isPlaceholder(value), !isNameServiceSource(value)
            else { continue }
            return (index, key)
        }
        return nil
    }
}
