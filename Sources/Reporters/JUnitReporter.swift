import BrightKeysCore
import KubeModel

/// `-o junit`: one test suite per file, one test case per object × check.
public enum JUnitReporter {
    public static func render(_ report: ScanReport) -> String {
        var failures: [String: [Finding]] = [:]
        for finding in report.findings {
            failures["\(finding.file)\u{0}\(finding.objectName)\u{0}\(finding.checkID)", default: []].append(finding)
        }
        var suites: [String: [ScanReport.Evaluation]] = [:]
        // Stable order whatever order the scanner ran checks in: by object, then check.
        let ordered = report.evaluations.enumerated().sorted { lhs, rhs in
            (lhs.element.file, lhs.element.object, lhs.element.checkID, lhs.offset) < (rhs.element.file, rhs.element.object, rhs.element.checkID, rhs.offset)
        }.map(\.element)
        for evaluation in ordered { suites[evaluation.file, default: []].append(evaluation) }
        var errorsByFile: [String: [InputError]] = [:]
        for error in report.inputErrors { errorsByFile[error.file, default: []].append(error) }
        let files = Set(suites.keys).union(errorsByFile.keys).sorted()
        let totalFailures = failures.count
        let totalTests = report.evaluations.count + report.inputErrors.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"brightkeys\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" errors=\"\(report.inputErrors.count)\">\n"
        for file in files {
            let cases = suites[file] ?? []
            let errors = errorsByFile[file] ?? []
            let failed = cases.filter { failures["\($0.file)\u{0}\($0.object)\u{0}\($0.checkID)"] != nil }.count
            xml += "  <testsuite name=\"\(escape(file))\" tests=\"\(cases.count + errors.count)\" failures=\"\(failed)\" errors=\"\(errors.count)\">\n"
            for error in errors {
                xml += "    <testcase classname=\"\(escape(file))\" name=\"parse\">\n"
                xml += "      <error message=\"\(escape(error.description))\"/>\n"
                xml += "    </testcase>\n"
            }
            for evaluation in cases {
                let name = "\(evaluation.checkID) \(evaluation.slug)"
                let found = failures["\(evaluation.file)\u{0}\(evaluation.object)\u{0}\(evaluation.checkID)"] ?? []
                if found.isEmpty {
                    // A suppressed finding counts as a pass here; the JSON report lists it.
                    xml += "    <testcase classname=\"\(escape(evaluation.object))\" name=\"\(escape(name))\"/>\n"
                } else {
                    xml += "    <testcase classname=\"\(escape(evaluation.object))\" name=\"\(escape(name))\">\n"
                    let message = found.map { "\($0.file):\($0.line): \($0.message)" }.joined(separator: "\n")
                    xml += "      <failure message=\"\(escape(found[0].message))\" type=\"\(found[0].severity.rawValue)\">\(escape(message))</failure>\n"
                    xml += "    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            default:
                if let ascii = character.asciiValue, ascii < 0x20, ascii != 0x0A, ascii != 0x09 { continue }
                output.append(character)
            }
        }
        return output
    }
}
