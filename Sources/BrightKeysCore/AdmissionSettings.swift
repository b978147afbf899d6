import KubeModel

/// What a finding does at admission.
public enum AdmissionMode: String, Sendable, CaseIterable {
    /// Deny the request.
    case enforce
    /// Allow it, with a warning the client shows.
    case warn
    /// Allow it, with an audit annotation.
    case audit
    /// Nothing.
    case off
}

/// The `admission:` section of `.brightkeys.yaml`: how brightkeys' own checks act at admission
/// (the Pod Security controls follow the namespace's `pod-security.kubernetes.io/*` labels, as Pod
/// Security Admission does), and Pod Security Admission's defaults and exemptions.
public struct AdmissionSettings: Sendable {
    /// Findings at or above this severity deny the request; nil: none do.
    public var enforce: Severity?
    /// Findings at or above this severity become warnings; nil: none do.
    public var warn: Severity? = .low
    /// Findings at or above this severity become audit annotations; nil: none do.
    public var audit: Severity? = .info
    /// Per check (ID, slug or alias): its mode, whatever its severity.
    public var checkModes: [String: AdmissionMode] = [:]
    /// Whether `brightkeys.io/ignore` annotations on the admitted object count. Off by default:
    /// whoever writes the object must not be able to exempt it; exemptions in this file still apply.
    public var honorIgnoreAnnotations = false
    /// Pod Security Admission's defaults for namespaces without labels: mode → `level` and
    /// `mode-version` → `v1.N`/`latest`, e.g. `enforce: baseline`.
    public var podSecurityDefaults: [String: String] = [:]
    /// Pod Security Admission's exemptions: exact usernames, namespaces and runtime class names.
    public var exemptUsernames: [String] = []
    public var exemptNamespaces: [String] = []
    public var exemptRuntimeClasses: [String] = []
    /// Whether the namespace's enforce level also denies workloads (Deployments, Jobs, ...) whose
    /// pod template violates it. Pod Security Admission only warns about those, and the pods they
    /// create are then refused one by one; off by default to match it.
    public var enforceOnWorkloads = false

    public init() {}

    /// The mode of one finding of a check: the per-check setting, else the severity thresholds.
    public func mode(of descriptor: CheckDescriptor, severity: Severity) -> AdmissionMode {
        if let explicit = checkModes.first(where: { descriptor.answers(to: $0.key) }) { return explicit.value }
        if let enforce, severity >= enforce { return .enforce }
        if let warn, severity >= warn { return .warn }
        if let audit, severity >= audit { return .audit }
        return .off
    }

    static let podSecurityKeys: Set<String> = ["enforce", "enforce-version", "audit", "audit-version", "warn", "warn-version"]

    /// Reads the section; problems are reported through `fail`.
    static func parse(_ node: Node, fail: (Node, String) -> Void) -> AdmissionSettings {
        var settings = AdmissionSettings()
        guard let mapping = node.mapping else {
            fail(node, "admission must be a mapping")
            return settings
        }
        func threshold(_ value: Node, _ field: String) -> Severity? {
            guard let text = value.scalarText, text == "none" || Severity(rawValue: text) != nil else {
                fail(value, "admission.\(field) must be info, low, medium, high, critical or none")
                return nil
            }
            return Severity(rawValue: text)
        }
        func names(_ value: Node, _ field: String) -> [String] {
            guard let items = value.sequence, items.allSatisfy({ $0.string != nil }) else {
                fail(value, "admission.podSecurity.exemptions.\(field) must be a list of strings")
                return []
            }
            return items.compactMap(\.string)
        }
        for entry in mapping.entries {
            let value = entry.value
            switch entry.key {
            case "enforce": settings.enforce = threshold(value, "enforce")
            case "warn": settings.warn = threshold(value, "warn")
            case "audit": settings.audit = threshold(value, "audit")
            case "honorIgnoreAnnotations":
                guard let flag = value.bool else {
                    fail(value, "admission.honorIgnoreAnnotations must be true or false")
                    continue
                }
                settings.honorIgnoreAnnotations = flag
            case "checks":
                guard let checks = value.mapping else {
                    fail(value, "admission.checks must map check IDs or slugs to enforce, warn, audit or off")
                    continue
                }
                for check in checks.entries {
                    // `off` unquoted reads as a YAML 1.1 boolean.
                    let text = check.value.bool == false ? "off" : check.value.string
                    guard let text, let mode = AdmissionMode(rawValue: text) else {
                        fail(check.value, "admission.checks.\(check.key) must be enforce, warn, audit or off")
                        continue
                    }
                    settings.checkModes[check.key] = mode
                }
            case "podSecurity":
                guard let fields = value.mapping else {
                    fail(value, "admission.podSecurity must be a mapping with defaults and/or exemptions")
                    continue
                }
                for field in fields.entries {
                    switch field.key {
                    case "defaults":
                        for item in field.value.mapping?.entries ?? [] {
                            guard podSecurityKeys.contains(item.key), let text = item.value.scalarText else {
                                fail(
                                    item.value,
                                    "admission.podSecurity.defaults.\(item.key) is not one of enforce, enforce-version, audit, audit-version, warn, warn-version"
                                )
                                continue
                            }
                            let valid = item.key.hasSuffix("-version") ? KubeVersion(parsing: text) != nil : PodSecurityLevel(rawValue: text) != nil
                            guard valid else {
                                fail(
                                    item.value,
                                    "admission.podSecurity.defaults.\(item.key): \(item.key.hasSuffix("-version") ? "must be v1.N or latest" : "must be privileged, baseline or restricted")"
                                )
                                continue
                            }
                            settings.podSecurityDefaults[item.key] = text
                        }
                        if field.value.mapping == nil { fail(field.value, "admission.podSecurity.defaults must be a mapping") }
                    case "enforceOnWorkloads":
                        guard let flag = field.value.bool else {
                            fail(field.value, "admission.podSecurity.enforceOnWorkloads must be true or false")
                            continue
                        }
                        settings.enforceOnWorkloads = flag
                    case "exemptions":
                        for item in field.value.mapping?.entries ?? [] {
                            switch item.key {
                            case "usernames": settings.exemptUsernames = names(item.value, "usernames")
                            case "namespaces": settings.exemptNamespaces = names(item.value, "namespaces")
                            case "runtimeClasses": settings.exemptRuntimeClasses = names(item.value, "runtimeClasses")
                            default:
                                fail(item.value, "unknown field admission.podSecurity.exemptions.\(item.key) (expected usernames, namespaces, runtimeClasses)")
                            }
                        }
                        if field.value.mapping == nil { fail(field.value, "admission.podSecurity.exemptions must be a mapping") }
                    default: fail(field.value, "unknown field admission.podSecurity.\(field.key) (expected defaults, exemptions, enforceOnWorkloads)")
                    }
                }
            default:
                fail(value, "unknown field admission.\(entry.key) (expected enforce, warn, audit, checks, honorIgnoreAnnotations, podSecurity)")
            }
        }
        return settings
    }
}
