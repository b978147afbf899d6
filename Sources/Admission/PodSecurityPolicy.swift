import BrightKeysCore
import PodSecurity

/// A level at a version, as Pod Security Admission writes it: `restricted:latest`, `baseline:v1.29`.
public struct LevelVersion: Sendable, Hashable, CustomStringConvertible {
    public var level: PodSecurityLevel
    /// Nil means `latest`.
    public var version: KubeVersion?

    public init(_ level: PodSecurityLevel, _ version: KubeVersion? = nil) {
        self.level = level
        self.version = version
    }

    public var description: String {
        guard let version else {
            // The usual case, spelt once.
            switch level {
            case .privileged: return "privileged:latest"
            case .baseline: return "baseline:latest"
            case .restricted: return "restricted:latest"
            }
        }
        return "\(level.rawValue):\(version)"
    }
    /// The version the controls are evaluated at.
    public var effectiveVersion: KubeVersion { version ?? .newest }
}

/// The three modes of a namespace, worked out from its `pod-security.kubernetes.io/*` labels and
/// the configured defaults exactly as Pod Security Admission does.
public struct NamespacePolicy: Sendable, Equatable {
    public var enforce: LevelVersion
    public var audit: LevelVersion
    public var warn: LevelVersion

    public static let labelPrefix = "pod-security.kubernetes.io/"

    /// The six labels, spelled once (read on every pod request).
    enum Label {
        static let enforce = labelPrefix + "enforce"
        static let enforceVersion = labelPrefix + "enforce-version"
        static let audit = labelPrefix + "audit"
        static let auditVersion = labelPrefix + "audit-version"
        static let warn = labelPrefix + "warn"
        static let warnVersion = labelPrefix + "warn-version"
    }

    public init(enforce: LevelVersion, audit: LevelVersion, warn: LevelVersion) {
        self.enforce = enforce
        self.audit = audit
        self.warn = warn
    }

    /// Everything allowed, nothing reported: evaluation is skipped.
    public var fullyPrivileged: Bool { enforce.level == .privileged && audit.level == .privileged && warn.level == .privileged }

    /// Pod Security Admission's built-in defaults: privileged at latest for every mode.
    public static let privileged = NamespacePolicy(enforce: LevelVersion(.privileged), audit: LevelVersion(.privileged), warn: LevelVersion(.privileged))

    /// Defaults from configuration (`enforce: baseline`, `enforce-version: v1.30`, ...), already validated.
    public static func defaults(_ settings: [String: String]) -> NamespacePolicy {
        var policy = privileged
        func apply(_ mode: String, _ value: inout LevelVersion) {
            if let text = settings[mode], let level = PodSecurityLevel(rawValue: text) { value.level = level }
            if let text = settings["\(mode)-version"], text != "latest", let version = KubeVersion(parsing: text) { value.version = version }
        }
        apply("enforce", &policy.enforce)
        apply("audit", &policy.audit)
        apply("warn", &policy.warn)
        return policy
    }

    /// One label that could not be read: the field error Pod Security Admission reports.
    public struct LabelError: Sendable, Equatable, CustomStringConvertible {
        public let label: String
        public let value: String
        public let detail: String
        public var description: String {
            "metadata.labels[\(label)]: Invalid value: \(goQuote(value)): \(detail)"
        }
    }

    /// `labelPrefix` and more, compared byte for byte in place (the generic `starts(with:)` over
    /// the UTF-8 view cost more than the rest of reading the labels).
    static func hasLabelPrefix(_ key: String) -> Bool {
        let matches = key.utf8.withContiguousStorageIfAvailable { bytes in
            labelPrefix.utf8.withContiguousStorageIfAvailable { prefix in
                bytes.count > prefix.count && prefix.indices.allSatisfy { bytes[$0] == prefix[$0] }
            }
        }
        return (matches ?? nil) ?? (key.utf8.count > labelPrefix.utf8.count && key.utf8.starts(with: labelPrefix.utf8))
    }

    /// The policy the labels give over `defaults`. As upstream: an unreadable enforce level counts
    /// as restricted (fails closed), an unreadable audit or warn level as privileged, an unreadable
    /// version as latest; each is also returned as an error.
    public static func from(labels: [String: String], defaults: NamespacePolicy) -> (NamespacePolicy, [LabelError]) {
        var policy = defaults
        var errors: [LabelError] = []
        guard !labels.isEmpty else { return (policy, errors) }
        // One pass over the labels (a handful) finds the six, instead of six hashed look-ups of
        // long keys on every pod request.
        var found: (enforce: String?, enforceVersion: String?, audit: String?, auditVersion: String?, warn: String?, warnVersion: String?)
        for (key, value) in labels where hasLabelPrefix(key) {
            switch key {
            case Label.enforce: found.enforce = value
            case Label.enforceVersion: found.enforceVersion = value
            case Label.audit: found.audit = value
            case Label.auditVersion: found.auditVersion = value
            case Label.warn: found.warn = value
            case Label.warnVersion: found.warnVersion = value
            default: break
            }
        }
        func level(_ text: String?, _ label: String) -> PodSecurityLevel?? {
            guard let text else { return .none }
            if let parsed = PodSecurityLevel(rawValue: text) { return .some(parsed) }
            errors.append(LabelError(label: label, value: text, detail: "must be one of privileged, baseline, restricted"))
            return .some(nil)
        }
        func version(_ text: String?, _ label: String) -> KubeVersion?? {
            guard let text else { return .none }
            if text == "latest" { return .some(nil) }
            if let parsed = parseVersion(text) { return .some(parsed) }
            errors.append(LabelError(label: label, value: text, detail: "must be \"latest\" or \"v1.x\""))
            return .some(nil)
        }
        var enforceLevelSet = false
        if let parsed = level(found.enforce, Label.enforce) {
            policy.enforce.level = parsed ?? .restricted
            enforceLevelSet = parsed != nil
        }
        if let parsed = version(found.enforceVersion, Label.enforceVersion) { policy.enforce.version = parsed }
        if let parsed = level(found.audit, Label.audit) { policy.audit.level = parsed ?? .privileged }
        if let parsed = version(found.auditVersion, Label.auditVersion) { policy.audit.version = parsed }
        var warnLevelSet = false
        var warnVersionSet = false
        if let parsed = level(found.warn, Label.warn) {
            policy.warn.level = parsed ?? .privileged
            warnLevelSet = parsed != nil
        }
        let errorsBefore = errors.count
        if let parsed = version(found.warnVersion, Label.warnVersion) {
            policy.warn.version = parsed
            // Set means set validly: an invalid warn-version (an error) follows enforce's.
            warnVersionSet = errors.count == errorsBefore
        }
        // An explicit enforce level stricter than warn raises warn to it, so that users are
        // warned about what would be denied; its version follows unless warn-version is set.
        if !warnLevelSet && enforceLevelSet && policy.enforce.level > policy.warn.level {
            policy.warn.level = policy.enforce.level
            if !warnVersionSet && policy.warn.level != .privileged { policy.warn.version = policy.enforce.version }
        }
        return (policy, errors)
    }

    /// `v1.N` exactly (Pod Security Admission accepts no other spelling); versions past the newest
    /// known behave as the newest.
    static func parseVersion(_ text: String) -> KubeVersion? {
        guard text.hasPrefix("v1.") else { return nil }
        let digits = text.dropFirst(3)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let minor = Int(digits) else { return nil }
        if digits.count > 1 && digits.hasPrefix("0") { return nil }
        return KubeVersion(1, minor)
    }
}
