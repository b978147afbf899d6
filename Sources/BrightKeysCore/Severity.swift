/// How bad a finding is. Ordered: `info` < `low` < `medium` < `high` < `critical`.
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    case info, low, medium, high, critical

    var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The two Pod Security Standards levels that restrict anything (privileged allows everything).
public enum PodSecurityLevel: String, Sendable, CaseIterable, Comparable, Codable {
    case privileged, baseline, restricted

    var rank: Int {
        switch self {
        case .privileged: 0
        case .baseline: 1
        case .restricted: 2
        }
    }

    public static func < (lhs: PodSecurityLevel, rhs: PodSecurityLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A Kubernetes minor version such as v1.31, as Pod Security Admission reads `-version` labels.
public struct KubeVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// The newest version whose behaviour brightkeys knows; `latest` means this.
    public static let newest = KubeVersion(1, 37)

    /// Parses `v1.31`, `1.31` or `latest`; returns nil for anything else.
    public init?(parsing text: String) {
        if text == "latest" {
            self = Self.newest
            return
        }
        var body = Substring(text)
        if body.hasPrefix("v") { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major == 1, minor >= 0,
            String(minor) == parts[1], String(major) == parts[0]
        else { return nil }
        self.init(major, minor)
    }

    public var description: String { "v\(major).\(minor)" }

    public static func < (lhs: KubeVersion, rhs: KubeVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
