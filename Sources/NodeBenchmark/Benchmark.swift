/// A benchmark verdict, as kube-bench reports them.
public enum BenchStatus: String, Sendable, Comparable {
    case pass = "PASS", fail = "FAIL", warn = "WARN", info = "INFO"

    public static func < (lhs: BenchStatus, rhs: BenchStatus) -> Bool {
        let order: [BenchStatus] = [.pass, .info, .warn, .fail]
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}

/// The groups of checks `--targets` selects.
public enum BenchTarget: String, Sendable, CaseIterable {
    case master, etcd, node, policies
}

/// A flag condition, with kube-bench's meanings: comparisons need the flag to be set.
public enum FlagCondition: Sendable {
    case set, notSet
    case equals(String), notEquals(String)
    case has(String), lacks(String)
    case atLeast(Int)
    case validElements([String])
}

/// Which file a file check is about.
public enum FileRef: Sendable {
    /// The first of these that exists.
    case path([String])
    case manifest(Component)
    /// Every file below a directory, optionally only those ending in a suffix.
    case tree(String, suffix: String?)
    /// A path named by a component's flag, with its default.
    case flagPath(Component, String, fallback: String?)
    case kubeletConfigFile, kubeletServiceFile
    /// The client CA of the kubelet (flag or configuration file).
    case kubeletClientCA
}

/// What a check tests.
public indirect enum BenchTest: Sendable {
    case flag(Component, String, FlagCondition)
    /// A kubelet setting: its flag, or its field in the KubeletConfiguration.
    case kubelet(String, config: [String]?, FlagCondition)
    case permissions(FileRef, Int)
    case owner(FileRef, String)
    case encryptionProvider
    case auditPolicy
    case manual(String)
    case all([BenchTest]), any([BenchTest])
}

/// One benchmark recommendation.
public struct BenchCheck: Sendable {
    public let id: String
    public let text: String
    public let target: BenchTarget
    public let scored: Bool
    public let test: BenchTest
    public let remediation: String

    public init(_ id: String, _ target: BenchTarget, scored: Bool, _ text: String, _ test: BenchTest, fix remediation: String) {
        self.id = id
        self.text = text
        self.target = target
        self.scored = scored
        self.test = test
        self.remediation = remediation
    }

    /// `1.2` for `1.2.5`; `2` for `2.1`.
    public var section: String {
        let parts = id.split(separator: ".")
        return parts.count > 2 ? parts.dropLast().joined(separator: ".") : String(parts.first ?? "")
    }
}

/// One verdict with its evidence.
public struct BenchResult: Sendable {
    public let check: BenchCheck
    public let status: BenchStatus
    public let evidence: [String]

    public init(check: BenchCheck, status: BenchStatus, evidence: [String]) {
        self.check = check
        self.status = status
        self.evidence = evidence
    }
}
