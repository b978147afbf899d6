import Foundation
import KubeModel

/// An exemption from `.brightkeys.yaml`: which checks stop applying to which objects, until when.
public struct Exemption: Sendable {
    /// IDs, slugs or aliases; empty means every check.
    public var checks: [String] = []
    /// Glob patterns (`*` and `?`); empty means any.
    public var namespaces: [String] = []
    public var kinds: [String] = []
    public var names: [String] = []
    public var reason: String = ""
    /// `YYYY-MM-DD`; the exemption holds through that day (UTC).
    public var expires: String?
    /// Where it was written.
    public var file: String = ""
    public var line: Int = 0

    public init() {}

    public func isExpired(today: String) -> Bool {
        guard let expires else { return false }
        return today > expires
    }

    public func matches(_ finding: Finding, descriptor: CheckDescriptor) -> Bool {
        (checks.isEmpty || checks.contains { descriptor.answers(to: $0) })
            && Glob.matchesAny(namespaces, finding.namespace)
            && Glob.matchesAny(kinds, finding.kind)
            && Glob.matchesAny(names, finding.name)
    }
}

/// Everything wrong with a configuration file.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let errors: [InputError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// What `.brightkeys.yaml` (or `--config`) says.
public struct ScanConfig: Sendable {
    /// When set, only these checks run.
    public var enabled: [String]?
    public var disabled: [String] = []
    /// ID, slug or alias → severity.
    public var severityOverrides: [String: Severity] = [:]
    public var exemptions: [Exemption] = []
    /// `group/Kind` → path of the pod spec, for custom resources.
    public var podSpecPaths: [String: String] = [:]
    public var pssLevel: PodSecurityLevel?
    public var pssVersion: KubeVersion?
    /// How findings act at admission (`brightkeys webhook serve`).
    public var admission = AdmissionSettings()

    public init() {}

    /// Reads a configuration file; every problem names its line.
    public static func load(file: String) -> Result<ScanConfig, ConfigError> {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(ConfigError(errors: [InputError(file: file, message: "cannot read the configuration file")]))
        }
        return parse(bytes: [UInt8](data), file: file)
    }

    public static func parse(bytes: [UInt8], file: String) -> Result<ScanConfig, ConfigError> {
        let (documents, parseErrors) = ManifestLoader().parseDocuments(bytes: bytes, file: file)
        var errors = parseErrors
        var config = ScanConfig()
        guard errors.isEmpty else { return .failure(ConfigError(errors: errors)) }
        guard let root = documents.first else { return .success(config) }
        guard let mapping = root.mapping else {
            return .failure(ConfigError(errors: [InputError(file: file, position: root.position, message: "the configuration must be a mapping")]))
        }
        func fail(_ node: Node, _ message: String) {
            errors.append(InputError(file: file, position: node.position, message: message))
        }
        func strings(_ node: Node, _ field: String) -> [String] {
            if let text = node.scalarText { return [text] }
            guard let items = node.sequence else {
                fail(node, "\(field) must be a list of strings")
                return []
            }
            return items.compactMap { item in
                guard let text = item.scalarText else {
                    fail(item, "\(field) must be a list of strings")
                    return nil
                }
                return text
            }
        }
        for entry in mapping.entries {
            let value = entry.value
            switch entry.key {
            case "checks":
                for sub in value.mapping?.entries ?? [] {
                    switch sub.key {
                    case "enabled": config.enabled = strings(sub.value, "checks.enabled")
                    case "disabled": config.disabled = strings(sub.value, "checks.disabled")
                    default: fail(sub.value, "unknown field checks.\(sub.key) (expected enabled, disabled)")
                    }
                }
                if value.mapping == nil { fail(value, "checks must be a mapping with enabled and/or disabled") }
            case "severity":
                guard let overrides = value.mapping else {
                    fail(value, "severity must map check IDs or slugs to info, low, medium, high or critical")
                    continue
                }
                for sub in overrides.entries {
                    guard let text = sub.value.string, let severity = Severity(rawValue: text) else {
                        fail(sub.value, "severity of \(sub.key) must be info, low, medium, high or critical")
                        continue
                    }
                    config.severityOverrides[sub.key] = severity
                }
            case "exemptions":
                for item in value.items {
                    guard let fields = item.mapping else {
                        fail(item, "an exemption must be a mapping")
                        continue
                    }
                    var exemption = Exemption()
                    exemption.file = file
                    exemption.line = item.line
                    for field in fields.entries {
                        switch field.key {
                        case "checks": exemption.checks = strings(field.value, "exemptions.checks")
                        case "namespaces": exemption.namespaces = strings(field.value, "exemptions.namespaces")
                        case "kinds": exemption.kinds = strings(field.value, "exemptions.kinds")
                        case "names": exemption.names = strings(field.value, "exemptions.names")
                        case "reason": exemption.reason = field.value.scalarText ?? ""
                        case "expires":
                            guard let text = field.value.scalarText, Self.isDate(text) else {
                                fail(field.value, "expires must be a date written YYYY-MM-DD")
                                continue
                            }
                            exemption.expires = text
                        default: fail(field.value, "unknown exemption field \(field.key)")
                        }
                    }
                    config.exemptions.append(exemption)
                }
                if value.sequence == nil { fail(value, "exemptions must be a list") }
            case "podSpecs":
                for item in value.items {
                    guard let kind = item["kind"]?.string, let path = item["path"]?.string else {
                        fail(item, "a podSpecs entry needs kind and path (and group for a custom resource)")
                        continue
                    }
                    config.podSpecPaths[WorkloadCatalog.key(group: item["group"]?.string ?? "", kind: kind)] = path
                }
            case "pss":
                if let level = value["level"] {
                    guard let text = level.string, let parsed = PodSecurityLevel(rawValue: text) else {
                        fail(level, "pss.level must be privileged, baseline or restricted")
                        continue
                    }
                    config.pssLevel = parsed
                }
                if let version = value["version"] {
                    guard let text = version.scalarText, let parsed = KubeVersion(parsing: text) else {
                        fail(version, "pss.version must be v1.N or latest")
                        continue
                    }
                    config.pssVersion = parsed
                }
            case "admission":
                config.admission = AdmissionSettings.parse(value, fail: fail)
            default:
                fail(value, "unknown field \(entry.key) (expected checks, severity, exemptions, podSpecs, pss, admission)")
            }
        }
        return errors.isEmpty ? .success(config) : .failure(ConfigError(errors: errors))
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}

/// Shell-style patterns with `*` and `?`, for names in exemptions and policy matches.
public enum Glob {
    public static func matchesAny(_ patterns: [String], _ text: String) -> Bool {
        patterns.isEmpty || patterns.contains { matches($0, text) }
    }

    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern)
        let text = Array(text)
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
