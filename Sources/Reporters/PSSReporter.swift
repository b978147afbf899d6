import BrightKeysCore
import KubeModel
import PodSecurity

/// The verdict for one pod-bearing object under `brightkeys pss`.
public struct PSSResult: Sendable {
    public let object: KubeObject
    public let level: PodSecurityLevel
    public let version: String
    public let violations: [PSSViolation]

    public init(object: KubeObject, level: PodSecurityLevel, version: String, violations: [PSSViolation]) {
        self.object = object
        self.level = level
        self.version = version
        self.violations = violations
    }

    public var allowed: Bool { violations.isEmpty }
}

/// Renders `brightkeys pss` results.
public enum PSSReporter {
    public static func json(_ results: [PSSResult], errors: [InputError]) -> String {
        let items: [JSONValue] = results.map { result in
            .object([
                ("file", .string(result.object.file)),
                ("line", .int(result.object.line)),
                ("kind", .string(result.object.kind)),
                ("namespace", .string(result.object.namespace)),
                ("name", .string(result.object.name)),
                ("level", .string(result.level.rawValue)),
                ("version", .string(result.version)),
                ("allowed", .bool(result.allowed)),
                (
                    "violations",
                    .array(
                        result.violations.map {
                            .object([
                                ("check", .string($0.check)), ("reason", .string($0.reason)), ("detail", .string($0.detail)),
                                ("path", .string($0.path)), ("line", .int($0.line)),
                            ])
                        })
                ),
            ])
        }
        let root: JSONValue = .object([
            ("results", .array(items)),
            ("inputErrors", .array(errors.map(JSONReporter.json))),
        ])
        return root.rendered(pretty: true) + "\n"
    }

    public static func text(_ results: [PSSResult], errors: [InputError], color: Bool) -> String {
        let painter = TextReporter(color: color)
        var output = ""
        for error in errors { output += "\(error.description)\n" }
        for result in results {
            let verdict = result.allowed ? painter.paint("allowed", "32") : painter.paint("denied", "31")
            output += "\(result.object.file):\(result.object.line) \(result.object.displayName): \(verdict) at \(result.level.rawValue):\(result.version)\n"
            for violation in result.violations {
                output += "  \(violation.line): \(violation.reason) (\(violation.detail))\n"
            }
        }
        let denied = results.filter { !$0.allowed }.count
        output += "\(results.count) pod-bearing objects: \(results.count - denied) allowed, \(denied) denied, \(errors.count) input errors\n"
        return output
    }
}
