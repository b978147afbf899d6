import BrightKeysCore
import KubeModel

/// One control of the Pod Security Standards violated by a pod, as the upstream evaluator reports
/// it: a short reason and a detail naming the containers and fields.
public struct PSSViolation: Sendable, Equatable {
    /// The upstream check ID, e.g. `privileged`.
    public let check: String
    public let reason: String
    public let detail: String
    let location: FieldLocation

    public init(check: String, reason: String, detail: String, location: FieldLocation) {
        self.check = check
        self.reason = reason
        self.detail = detail
        self.location = location
    }

    /// The first offending field, for `file:line`.
    public var path: String { location.resolved.path }
    public var line: Int { location.resolved.line }

    public static func == (lhs: PSSViolation, rhs: PSSViolation) -> Bool {
        lhs.check == rhs.check && lhs.reason == rhs.reason && lhs.detail == rhs.detail && lhs.location.resolved == rhs.location.resolved
    }
}

/// What one version of a control reports: nil when the pod is allowed.
public struct ControlOutcome: Sendable {
    public let reason: String
    public let detail: String
    public let location: FieldLocation

    public init(reason: String, detail: String, path: String, line: Int) {
        self.init(reason: reason, detail: detail, location: FieldLocation(path: path, line: line))
    }

    public init(reason: String, detail: String, location: FieldLocation) {
        self.reason = reason
        self.detail = detail
        self.location = location
    }

    public var path: String { location.resolved.path }
    public var line: Int { location.resolved.line }
}

/// The behaviour of a control from a Kubernetes version on. A new behaviour is a new entry; old
/// entries stay, so that any `-version` evaluates as that release did.
public struct VersionedRule: Sendable {
    public let minimum: KubeVersion
    /// Upstream checks this one replaces at this version (a restricted control superseding the
    /// baseline one).
    public let overrides: [String]
    public let evaluate: @Sendable (PodView) -> ControlOutcome?

    public init(_ minimum: KubeVersion, overrides: [String] = [], _ evaluate: @escaping @Sendable (PodView) -> ControlOutcome?) {
        self.minimum = minimum
        self.overrides = overrides
        self.evaluate = evaluate
    }
}

/// A Pod Security Standards control: a check in the registry and a versioned rule set.
public protocol PodSecurityControl: PodCheck {
    init()
    static var upstreamID: String { get }
    static var level: PodSecurityLevel { get }
    static var versions: [VersionedRule] { get }
}

extension PodSecurityControl {
    /// The rule in force at `version`: the newest whose minimum is not above it.
    public static func rule(at version: KubeVersion) -> VersionedRule? {
        versions.last { $0.minimum <= version }
    }

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        guard Self.level <= context.pssLevel,
            !PodSecurityEvaluator.isOverridden(Self.upstreamID, level: context.pssLevel, version: context.pssVersion),
            let outcome = Self.rule(at: context.pssVersion)?.evaluate(pod)
        else { return [] }
        return [finding(pod, at: outcome.location, "\(outcome.reason): \(outcome.detail)")]
    }
}

/// Evaluates pods like the upstream Pod Security Admission evaluator.
public enum PodSecurityEvaluator {
    /// Every control, baseline first, each level in the upstream order of check IDs.
    public static let controls: [any PodSecurityControl.Type] = [
        AppArmorProfileControl.self,
        CapabilitiesBaselineControl.self,
        HostNamespacesControl.self,
        HostPathVolumesControl.self,
        HostPortsControl.self,
        HostProbesAndLifecycleControl.self,
        PrivilegedControl.self,
        ProcMountControl.self,
        SeccompProfileBaselineControl.self,
        SELinuxOptionsControl.self,
        SysctlsControl.self,
        WindowsHostProcessControl.self,
        AllowPrivilegeEscalationControl.self,
        CapabilitiesRestrictedControl.self,
        RestrictedVolumesControl.self,
        ProcMountRestrictedControl.self,
        RunAsNonRootControl.self,
        RunAsUserControl.self,
        SeccompProfileRestrictedControl.self,
    ]

    /// The checks of the registry for every control.
    public static func checks() -> [any Check] {
        controls.map { makeCheck($0) }
    }

    private static func makeCheck<C: PodSecurityControl>(_ type: C.Type) -> any Check {
        type.init()
    }

    /// True when a control active at (`level`, `version`) replaces `id`.
    public static func isOverridden(_ id: String, level: PodSecurityLevel, version: KubeVersion) -> Bool {
        // Every version past the newest behaves as the newest.
        let minor = min(version.major == 1 ? version.minor : KubeVersion.newest.minor, KubeVersion.newest.minor)
        if let overridden = overriddenTable[level]?[minor] { return overridden.contains(id) }
        return computeOverridden(level: level, version: version).contains(id)
    }

    /// Which checks are overridden at each level and minor version, worked out once.
    private static let overriddenTable: [PodSecurityLevel: [Int: Set<String>]] = {
        var table: [PodSecurityLevel: [Int: Set<String>]] = [:]
        for level in PodSecurityLevel.allCases {
            for minor in 0...KubeVersion.newest.minor {
                table[level, default: [:]][minor] = computeOverridden(level: level, version: KubeVersion(1, minor))
            }
        }
        return table
    }()

    private static func computeOverridden(level: PodSecurityLevel, version: KubeVersion) -> Set<String> {
        var result = Set<String>()
        for control in controls where control.level <= level {
            result.formUnion(control.rule(at: version)?.overrides ?? [])
        }
        return result
    }

    /// The controls that apply at `level` and `version`, in the upstream evaluation order.
    /// Upstream reports baseline results first, then restricted ones, each sorted byte-wise by ID.
    public static func activeControls(level: PodSecurityLevel, version: KubeVersion) -> [any PodSecurityControl.Type] {
        // Every version past the newest behaves as the newest: those come from a table made once.
        if version.major == 1, version.minor >= 0, let known = activeTable[level]?[min(version.minor, KubeVersion.newest.minor)] {
            return known
        }
        return computeActive(level: level, version: version)
    }

    /// The active controls at each level and minor version, worked out once.
    private static let activeTable: [PodSecurityLevel: [Int: [any PodSecurityControl.Type]]] = {
        var table: [PodSecurityLevel: [Int: [any PodSecurityControl.Type]]] = [:]
        for level in PodSecurityLevel.allCases {
            for minor in 0...KubeVersion.newest.minor {
                table[level, default: [:]][minor] = computeActive(level: level, version: KubeVersion(1, minor))
            }
        }
        return table
    }()

    private static func computeActive(level: PodSecurityLevel, version: KubeVersion) -> [any PodSecurityControl.Type] {
        controls.filter { control in
            control.level <= level && control.rule(at: version) != nil
                && !isOverridden(control.upstreamID, level: level, version: version)
        }
        .sorted { lhs, rhs in
            // Check IDs are ASCII, so String ordering is Go's byte-wise ordering.
            lhs.level == rhs.level ? lhs.upstreamID < rhs.upstreamID : lhs.level < rhs.level
        }
    }

    /// A control's rule in force at some level and version, ready to run.
    struct ActiveRule {
        let id: String
        let evaluate: @Sendable (PodView) -> ControlOutcome?
    }

    /// The rules in force at each level and minor version, in evaluation order, worked out once:
    /// a pod request then runs closures, without finding each control's rule again.
    private static let ruleTable: [PodSecurityLevel: [[ActiveRule]]] = {
        var table: [PodSecurityLevel: [[ActiveRule]]] = [:]
        for level in PodSecurityLevel.allCases {
            table[level] = (0...KubeVersion.newest.minor).map { minor in activeRules(computing: level, KubeVersion(1, minor)) }
        }
        return table
    }()

    private static func activeRules(computing level: PodSecurityLevel, _ version: KubeVersion) -> [ActiveRule] {
        activeControls(level: level, version: version).compactMap { control in
            control.rule(at: version).map { ActiveRule(id: control.upstreamID, evaluate: $0.evaluate) }
        }
    }

    static func activeRules(level: PodSecurityLevel, version: KubeVersion) -> [ActiveRule] {
        if version.major == 1, version.minor >= 0, let known = ruleTable[level]?[min(version.minor, KubeVersion.newest.minor)] {
            return known
        }
        return activeRules(computing: level, version)
    }

    /// Every violation of `pod` against `level` at `version`.
    public static func evaluate(_ pod: PodView, level: PodSecurityLevel, version: KubeVersion) -> [PSSViolation] {
        var violations: [PSSViolation] = []
        let rules = activeRules(level: level, version: version)
        // By index: each rule is called in place, not copied out of the table first.
        for index in rules.indices {
            guard let outcome = rules[index].evaluate(pod) else { continue }
            // A pod that violates one control usually violates several: room for them at once.
            if violations.isEmpty { violations.reserveCapacity(6) }
            violations.append(PSSViolation(check: rules[index].id, reason: outcome.reason, detail: outcome.detail, location: outcome.location))
        }
        return violations
    }

    /// The message Pod Security Admission returns for a denied pod.
    public static func admissionMessage(_ violations: [PSSViolation], level: PodSecurityLevel, version: String) -> String {
        let parts = violations.map { "\($0.reason) (\($0.detail))" }
        return "violates PodSecurity \"\(level.rawValue):\(version)\": " + parts.joined(separator: ", ")
    }
}
