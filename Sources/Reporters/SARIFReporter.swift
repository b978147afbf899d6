import BrightKeysCore
import KubeModel

/// `-o sarif`: SARIF 2.1.0 as GitHub code scanning reads it.
public enum SARIFReporter {
    public static func render(_ report: ScanReport, descriptors: [CheckDescriptor], version: String) -> String {
        let index = Dictionary(uniqueKeysWithValues: descriptors.enumerated().map { ($0.element.id, $0.offset) })
        let rules: [JSONValue] = descriptors.map(rule)
        let results: [JSONValue] = report.sortedFindings.map { finding in
            var fields: [(String, JSONValue)] = [
                ("ruleId", .string(finding.checkID))
            ]
            if let ruleIndex = index[finding.checkID] { fields.append(("ruleIndex", .int(ruleIndex))) }
            fields += [
                ("level", .string(level(finding.severity))),
                ("message", .object([("text", .string("\(finding.objectName): \(finding.message)"))])),
                (
                    "locations",
                    .array([
                        .object([
                            (
                                "physicalLocation",
                                .object([
                                    ("artifactLocation", .object([("uri", .string(uri(finding.file)))])),
                                    ("region", .object([("startLine", .int(max(1, finding.line)))])),
                                ])
                            ),
                            ("logicalLocations", .array([.object([("fullyQualifiedName", .string("\(finding.objectName) \(finding.path)"))])])),
                        ])
                    ])
                ),
                ("properties", .object([("severity", .string(finding.severity.rawValue))])),
            ]
            return .object(fields)
        }
        let notifications: [JSONValue] = report.sortedErrors.map { error in
            .object([
                ("level", .string("error")),
                ("message", .object([("text", .string(error.message))])),
                (
                    "locations",
                    .array([
                        .object([
                            (
                                "physicalLocation",
                                .object([
                                    ("artifactLocation", .object([("uri", .string(uri(error.file)))])),
                                    ("region", .object([("startLine", .int(max(1, error.position?.line ?? 1)))])),
                                ])
                            )
                        ])
                    ])
                ),
            ])
        }
        let run: JSONValue = .object([
            (
                "tool",
                .object([
                    (
                        "driver",
                        .object([
                            ("name", .string("brightkeys")),
                            ("informationUri", .string("https://github.com/brightkeys/brightkeys")),
                            ("semanticVersion", .string(version)),
                            ("rules", .array(rules)),
                        ])
                    )
                ])
            ),
            (
                "invocations",
                .array([.object([("executionSuccessful", .bool(true)), ("toolExecutionNotifications", .array(notifications))])])
            ),
            ("results", .array(results)),
        ])
        let root: JSONValue = .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
        return root.rendered(pretty: true) + "\n"
    }

    static func rule(_ descriptor: CheckDescriptor) -> JSONValue {
        let tags = ["security", "kubernetes"] + descriptor.controls.map(\.description)
        return .object([
            ("id", .string(descriptor.id)),
            ("name", .string(descriptor.slug)),
            ("shortDescription", .object([("text", .string(descriptor.title))])),
            ("fullDescription", .object([("text", .string(descriptor.rationale))])),
            ("help", .object([("text", .string(descriptor.remediation)), ("markdown", .string("**Remediation:** \(descriptor.remediation)"))])),
            ("defaultConfiguration", .object([("level", .string(level(descriptor.severity)))])),
            (
                "properties",
                .object([
                    ("tags", .array(tags.map { .string($0) })),
                    ("security-severity", .string(securitySeverity(descriptor.severity))),
                ])
            ),
        ])
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    /// GitHub ranks alerts by this CVSS-like score.
    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "3.0"
        case .info: return "1.0"
        }
    }

    /// Relative paths stay relative (SARIF resolves them against the checkout); `./` is dropped.
    static func uri(_ file: String) -> String {
        var path = file
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path == "-" ? "stdin" : path
    }
}
