import BrightKeysCore
import KubeModel

extension ScanReport {
    /// Findings in a stable order: file, line, check.
    public var sortedFindings: [Finding] {
        // Rank the distinct files once, so that the sort compares integers, not paths.
        var rank: [String: Int] = [:]
        for file in Set(findings.map(\.file)).sorted() { rank[file] = rank.count }
        let keyed = findings.map { (rank[$0.file] ?? 0, $0) }
        return keyed.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return lhs.0 < rhs.0 }
            return (lhs.1.line, lhs.1.checkID, lhs.1.message) < (rhs.1.line, rhs.1.checkID, rhs.1.message)
        }.map(\.1)
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
