import BrightKeysCore
import KubeModel

extension ScanReport {
    /// Findings in a stable order: file, line, check.
    public var sortedFindings: [Finding] {
        findings.sorted { ($0.file, $0.line, $0.checkID, $0.message) < ($1.file, $1.line, $1.checkID, $1.message) }
    }

    public var sortedErrors: [InputError] {
        inputErrors.sorted { ($0.file, $0.position?.line ?? 0) < ($1.file, $1.position?.line ?? 0) }
    }

    /// Findings per severity, worst first.
    public var severityCounts: [(Severity, Int)] {
        Severity.allCases.reversed().map { severity in (severity, findings.filter { $0.severity == severity }.count) }
    }
}

extension Finding {
    /// `Deployment shop/web`.
    public var objectName: String {
        let qualified = namespace.isEmpty ? name : "\(namespace)/\(name)"
        return "\(kind) \(qualified)"
    }

    /// Short tags for controls: `PSS restricted/runAsNonRoot`, `CIS 5.2.7`.
    public var controlTags: [String] {
        controls.map { control in
            switch control {
            case .pss(let id, let level, _): return "PSS \(level.rawValue)/\(id)"
            case .cis(let id): return "CIS \(id)"
            }
        }
    }
}
