import BrightKeysCore
import KubeModel

/// `-o text`: findings grouped by file, for people. Colour only when asked (a terminal without
/// NO_COLOR); the CLI decides.
public struct TextReporter {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func severityLabel(_ severity: Severity) -> String {
        let padded = severity.rawValue.padding(to: 8)
        switch severity {
        case .critical: return paint(padded, "1;31")
        case .high: return paint(padded, "31")
        case .medium: return paint(padded, "33")
        case .low: return paint(padded, "36")
        case .info: return paint(padded, "2")
        }
    }

    public func render(_ report: ScanReport) -> String {
        var output = ""
        var byFile: [String: [Finding]] = [:]
        for finding in report.sortedFindings { byFile[finding.file, default: []].append(finding) }
        var errorsByFile: [String: [InputError]] = [:]
        for error in report.sortedErrors { errorsByFile[error.file, default: []].append(error) }
        var notesByFile: [String: [LoadNote]] = [:]
        for note in report.notes { notesByFile[note.file, default: []].append(note) }
        let files = Set(byFile.keys).union(errorsByFile.keys).union(notesByFile.keys).sorted()
        for file in files {
            output += paint(file, "1") + "\n"
            for note in notesByFile[file] ?? [] {
                output += "  \(String(note.line).padding(to: 7)) \(paint("note".padding(to: 8), "2")) \(note.message)\n"
            }
            for error in errorsByFile[file] ?? [] {
                let position = error.position.map { "\($0.line):\($0.column)" } ?? "-"
                output += "  \(position.padding(to: 7)) \(paint("error".padding(to: 8), "1;35")) input error: \(error.message)\n"
            }
            for finding in byFile[file] ?? [] {
                output +=
                    "  \(String(finding.line).padding(to: 7)) \(severityLabel(finding.severity)) \(finding.checkID) \(finding.slug)  \(finding.objectName)\n"
                output += "          \(finding.message)\n"
            }
        }
        for note in report.configNotes { output += paint("note: ", "33") + note + "\n" }
        if !files.isEmpty { output += "\n" }
        output += summary(report) + "\n"
        return output
    }

    public func summary(_ report: ScanReport) -> String {
        let counts = report.severityCounts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }
        var text = "scanned \(report.objectsScanned) objects in \(report.filesRead) files: \(report.findings.count) findings"
        if !counts.isEmpty { text += " (\(counts.joined(separator: ", ")))" }
        text += ", \(report.suppressed.count) suppressed, \(report.inputErrors.count) input errors"
        if !report.notes.isEmpty { text += ", \(report.notes.count) documents skipped (not Kubernetes objects)" }
        return text
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
