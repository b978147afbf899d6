import KubeModel

/// A benchmark or standard a check implements.
public enum Control: Sendable, Hashable, CustomStringConvertible {
    /// A Pod Security Standards control: the upstream control ID, its level, and the first version.
    case pss(id: String, level: PodSecurityLevel, since: KubeVersion)
    /// A CIS Kubernetes Benchmark recommendation.
    case cis(String)

    public var description: String {
        switch self {
        case .pss(let id, let level, let since): return "PSS \(level.rawValue) \(id) (since \(since))"
        case .cis(let id): return "CIS \(id)"
        }
    }
}

/// A manifest used as documentation and as a test: a passing example must raise nothing, a
/// failing one must raise a finding on the line marked with `↓`.
public struct Example: Sendable {
    public enum Form: Sendable {
        /// A pod spec (the content of a Pod's `spec`), re-run inside every workload kind.
        case podSpec
        /// A whole manifest.
        case object
    }

    public static let marker: Character = "↓"

    public let form: Form
    /// The YAML with any `↓` marker removed.
    public let yaml: String
    /// The 1-based lines marked with `↓` (within `yaml`).
    public let markedLines: [Int]

    public init(pod: String) {
        self.init(form: .podSpec, text: pod)
    }

    public init(object: String) {
        self.init(form: .object, text: object)
    }

    private init(form: Form, text: String) {
        self.form = form
        var lines: [String] = []
        var marked: [Int] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.contains(Self.marker) {
                marked.append(index + 1)
                lines.append(line.replacingMarker())
            } else {
                lines.append(String(line))
            }
        }
        self.yaml = lines.joined(separator: "\n")
        self.markedLines = marked
    }
}

extension Substring {
    fileprivate func replacingMarker() -> String {
        String(self.filter { $0 != Example.marker })
    }
}

/// Everything known about a check: the single source for its tests, docs, and SARIF metadata.
/// Immutable and shared: every finding refers to its check's descriptor.
public final class CheckDescriptor: Sendable {
    /// Opaque and stable, e.g. `BK-POD-004`.
    public let id: String
    /// Kebab-case; used in ignore annotations and config.
    public let slug: String
    public let title: String
    public let severity: Severity
    public let controls: [Control]
    public let rationale: String
    public let remediation: String
    /// Former IDs or slugs that still select this check.
    public let aliases: [String]
    public let passing: [Example]
    public let failing: [Example]
    /// `ID slug (severity): ` for each severity, made once: findings are described with it at
    /// admission, on every request.
    private let summaryPrefixes: [String]

    public init(
        id: String, slug: String, title: String, severity: Severity, controls: [Control] = [],
        rationale: String, remediation: String, aliases: [String] = [], passing: [Example], failing: [Example]
    ) {
        self.id = id
        self.slug = slug
        self.title = title
        self.severity = severity
        self.controls = controls
        self.rationale = rationale
        self.remediation = remediation
        self.aliases = aliases
        self.passing = passing
        self.failing = failing
        summaryPrefixes = Severity.allCases.map { "\(id) \(slug) (\($0.rawValue)): " }
    }

    /// `BK-IMG-001 image-latest-tag (medium): ` for a finding of this check at `severity`.
    public func summaryPrefix(_ severity: Severity) -> String { summaryPrefixes[severity.rank] }

    /// True when `name` is this check's ID, slug or one of its aliases.
    public func answers(to name: String) -> Bool {
        name == id || name == slug || aliases.contains(name)
    }

    /// The Pod Security Standards control this check implements, if any.
    public var pssControl: (id: String, level: PodSecurityLevel, since: KubeVersion)? {
        for control in controls {
            if case .pss(let id, let level, let since) = control { return (id, level, since) }
        }
        return nil
    }
}
