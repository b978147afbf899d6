import BrightKeysCore
import Foundation
import KubeModel

/// `-o json`: the stable, camelCase machine format of a scan.
public enum JSONReporter {
    public static func render(_ report: ScanReport) -> String {
        let summary: JSONValue = .object([
            ("files", .int(report.filesRead)),
            ("objects", .int(report.objectsScanned)),
            ("findings", .int(report.findings.count)),
            ("suppressed", .int(report.suppressed.count)),
            ("inputErrors", .int(report.inputErrors.count)),
            ("bySeverity", .object(report.severityCounts.map { ($0.0.rawValue, .int($0.1)) })),
        ])
        let root: JSONValue = .object([
            ("summary", summary),
            ("findings", .array(renderedInParallel(report.sortedFindings))),
            ("inputErrors", .array(report.sortedErrors.map(json))),
            ("notes", .array(report.notes.map { .object([("file", .string($0.file)), ("line", .int($0.line)), ("message", .string($0.message))]) })),
            (
                "suppressed",
                .array(
                    report.suppressed.map {
                        .object([
                            ("checkId", .string($0.finding.checkID)), ("file", .string($0.finding.file)), ("line", .int($0.finding.line)),
                            ("object", .string($0.finding.objectName)), ("source", .string($0.source)), ("reason", .string($0.reason)),
                        ])
                    })
            ),
            ("configNotes", .array(report.configNotes.map { .string($0) })),
        ])
        return root.rendered(pretty: true) + "\n"
    }

    /// Findings are most of the output; both cores render them, each finding at the depth it
    /// takes in the document (inside `findings`, inside the root object).
    static func renderedInParallel(_ findings: [Finding]) -> [JSONValue] {
        let chunk = 512
        let chunks = (findings.count + chunk - 1) / chunk
        let parts = ParallelMap.run(count: chunks, workers: ProcessInfo.processInfo.activeProcessorCount) { index in
            findings[index * chunk..<min(findings.count, (index + 1) * chunk)].map { rendered($0) }
        }
        return parts.flatMap { $0 }.map { .raw($0) }
    }

    /// One finding as `json(_:)` would render it at depth 2, written straight into a string: most
    /// of a report is findings, and skipping the intermediate tree halves the cost.
    static func rendered(_ finding: Finding) -> String {
        var out = "{"
        out.reserveCapacity(512)
        func field(_ key: String, _ value: String, last: Bool = false) {
            out += "\n      \"\(key)\": "
            JSONString.append(value, to: &out)
            if !last { out += "," }
        }
        field("checkId", finding.checkID)
        field("slug", finding.slug)
        field("title", finding.title)
        field("severity", finding.severity.rawValue)
        field("message", finding.message)
        field("file", finding.file)
        out += "\n      \"line\": \(finding.line),"
        field("path", finding.path)
        field("apiVersion", finding.apiVersion)
        field("kind", finding.kind)
        field("namespace", finding.namespace)
        field("name", finding.name)
        let tags = finding.controlTags
        if tags.isEmpty {
            out += "\n      \"controls\": []"
        } else {
            out += "\n      \"controls\": ["
            for (index, tag) in tags.enumerated() {
                out += index == 0 ? "\n        " : ",\n        "
                JSONString.append(tag, to: &out)
            }
            out += "\n      ]"
        }
        out += "\n    }"
        return out
    }

    static func json(_ finding: Finding) -> JSONValue {
        .object([
            ("checkId", .string(finding.checkID)),
            ("slug", .string(finding.slug)),
            ("title", .string(finding.title)),
            ("severity", .string(finding.severity.rawValue)),
            ("message", .string(finding.message)),
            ("file", .string(finding.file)),
            ("line", .int(finding.line)),
            ("path", .string(finding.path)),
            ("apiVersion", .string(finding.apiVersion)),
            ("kind", .string(finding.kind)),
            ("namespace", .string(finding.namespace)),
            ("name", .string(finding.name)),
            ("controls", .array(finding.controlTags.map { .string($0) })),
        ])
    }

    static func json(_ error: InputError) -> JSONValue {
        .object([
            ("file", .string(error.file)),
            ("line", error.position.map { .int($0.line) } ?? .null),
            ("column", error.position.map { .int($0.column) } ?? .null),
            ("message", .string(error.message)),
        ])
    }
}
