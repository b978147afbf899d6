import ArgumentParser
import AuditLog
import Foundation
import KubeModel
import Reporters

enum AuditFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension AuditEngine.Matching: ExpressibleByArgument {}

struct AuditLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-log", abstract: "Kubernetes API audit events: Falco-compatible detection.",
        subcommands: [Detect.self, Serve.self, LeastPrivilegeCommand.self])

    /// Loads the rules files in order (the built-in set without any), reporting every message;
    /// the flag says whether any was an error.
    static func loadRules(_ files: [String]) -> ([AuditRule], Bool) {
        var loader = RulesLoader()
        if files.isEmpty {
            loader.load(bytes: Array(DefaultAuditRules.yaml.utf8), file: "(built-in rules)")
        }
        var failed = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                writeErr("\(file): cannot read the rules file\n")
                failed = true
                continue
            }
            loader.load(bytes: [UInt8](data), file: file)
        }
        let rules = loader.compile()
        for message in loader.messages {
            writeErr("\(message)\n")
            if message.isError { failed = true }
        }
        return (rules, failed)
    }

    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Alerts for audit events, with Falco k8s_audit rules (default: brightkeys' own rule set).")

        @Option(name: .customLong("rules"), help: "A Falco rules file; repeat to load several, in order.")
        var rulesFiles: [String] = []

        @Option(name: .customLong("rule-matching"), help: "first (Falco's default: one alert per event, the first matching rule) or all.")
        var ruleMatching: AuditEngine.Matching = .first

        @Option(name: [.short, .customLong("format")], help: "text, or json (one alert per line, shaped like Falco's JSON output).")
        var output: AuditFormat = .text

        @Argument(help: "Audit log files (one JSON event per line, or EventList bodies), or - for standard input.")
        var files: [String] = []

        @Flag(help: "Keep reading the (single) log as it grows, across rotation and truncation.")
        var follow = false

        @Option(help: "With --follow: where to keep the position, so a restart neither loses nor repeats events.")
        var state: String?

        @Option(name: .customLong("idle-exit"), help: "With --follow: stop after this many seconds without new lines (default: never).")
        var idleExit: Double?

        func run() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one audit log file, or - for standard input") }
            if follow && (files.count != 1 || files[0] == "-") { throw ValidationError("--follow takes exactly one log file") }
            let (rules, failed) = AuditLogCommand.loadRules(rulesFiles)
            let engine = AuditEngine(rules: rules, matching: ruleMatching)
            var reader = AuditReader()
            var alerts = 0
            var reported = 0
            if follow {
                let follower = LogFollower(path: files[0], statePath: state)
                var number = 0
                var idle = 0.0
                while idleExit.map({ idle < $0 }) ?? true {
                    let lines = follower.poll { line in
                        number += 1
                        for event in reader.events(line: line, number: number, file: files[0]) {
                            for alert in engine.alerts(for: event) {
                                alerts += 1
                                writeOut(output == .json ? AuditOutput.json(alert) + "\n" : AuditOutput.text(alert) + "\n")
                            }
                        }
                    }
                    if lines == 0 {
                        idle += 0.2
                        usleep(200_000)
                    } else {
                        idle = 0
                    }
                }
                writeErr("\(reader.events) events, \(alerts) alerts, \(reader.malformed.count) malformed lines, \(rules.count) rules\n")
                return
            }
            for file in files {
                try LineReader.forEachLine(file) { line, number in
                    let events = reader.events(line: line, number: number, file: file)
                    if reader.malformed.count > reported {
                        for (line, message) in reader.malformed[reported...] where reported < 20 {
                            writeErr("\(file):\(line): malformed event: \(message)\n")
                            reported += 1
                        }
                        reported = reader.malformed.count
                    }
                    for event in events {
                        for alert in engine.alerts(for: event) {
                            alerts += 1
                            writeOut(output == .json ? AuditOutput.json(alert) + "\n" : AuditOutput.text(alert) + "\n")
                        }
                    }
                }
            }
            writeErr("\(reader.events) events, \(alerts) alerts, \(reader.malformed.count) malformed lines, \(rules.count) rules\n")
            if failed || !reader.malformed.isEmpty { throw ExitCode(2) }
            if alerts > 0 { throw ExitCode(1) }
        }
    }
}

extension AuditLogCommand {
    struct LeastPrivilegeCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "least-privilege", abstract: "Roles and bindings that cover exactly what a subject did (like audit2rbac).")

        @Option(help: "The user whose requests to cover.")
        var user: String?

        @Option(name: .customLong("serviceaccount"), help: "The service account whose requests to cover, as NAMESPACE:NAME.")
        var serviceAccount: String?

        @Option(help: "Only requests in this namespace.")
        var namespace: String?

        @Option(help: "The subject's current RBAC objects: list the grants it never used.", transform: { $0 })
        var compare: [String] = []

        @Argument(help: "Audit log files (one JSON event per line), or - for standard input.")
        var files: [String] = []

        func run() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one audit log file") }
            let name: String
            switch (user, serviceAccount) {
            case (let user?, nil): name = user
            case (nil, let account?):
                let parts = account.split(separator: ":")
                guard parts.count == 2 else { throw ValidationError("--serviceaccount takes NAMESPACE:NAME") }
                name = "system:serviceaccount:\(parts[0]):\(parts[1])"
            default: throw ValidationError("give exactly one of --user and --serviceaccount")
            }
            var builder = LeastPrivilege(user: name)
            var reader = AuditReader()
            for file in files {
                try LineReader.forEachLine(file) { line, number in
                    for event in reader.events(line: line, number: number, file: file) {
                        if let namespace, event.node["objectRef"]?["namespace"]?.scalarText != namespace { continue }
                        builder.add(event)
                    }
                }
            }
            let output = builder.generate()
            writeOut(output.yaml)
            writeErr(
                "\(builder.requests.count) distinct requests by \(name) covered (\(builder.skipped) allowed by the discovery roles already), \(reader.malformed.count) malformed lines\n"
            )
            if !compare.isEmpty {
                let (policy, _, errors) = loadPolicy(compare)
                for error in errors { writeErr("\(error.description)\n") }
                let unused = builder.unusedGrants(policy)
                writeErr(unused.isEmpty ? "every current grant was used\n" : "grants never used:\n")
                for grant in unused {
                    let rule = grant.rule
                    let what =
                        rule.nonResourceURLs.isEmpty
                        ? "\(rule.verbs.joined(separator: ",")) \(rule.resources.joined(separator: ",")) in groups [\(rule.apiGroups.joined(separator: ","))]\(rule.resourceNames.isEmpty ? "" : " named \(rule.resourceNames.joined(separator: ","))")"
                        : "\(rule.verbs.joined(separator: ",")) \(rule.nonResourceURLs.joined(separator: ","))"
                    writeErr("  \(grant.binding.displayName) → \(grant.role?.displayName ?? grant.binding.roleName): \(what) (\(rule.source))\n")
                }
            }
        }
    }
}

/// Reads a file (or standard input) line by line in constant memory; a line longer than the limit
/// is passed as is (the event parser then reports it).
enum LineReader {
    static func forEachLine(_ path: String, _ body: ([UInt8], Int) throws -> Void) throws {
        guard let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path) else {
            throw ValidationError("cannot open \(path)")
        }
        var pending: [UInt8] = []
        var number = 0
        while true {
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            var start = pending.count
            pending.append(contentsOf: data)
            var lineStart = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                number += 1
                try body(Array(pending[lineStart..<newline]), number)
                lineStart = newline + 1
                start = lineStart
            }
            pending.removeFirst(lineStart)
        }
        if !pending.isEmpty {
            number += 1
            try body(pending, number)
        }
    }
}

enum AuditOutput {
    static func json(_ alert: Alert) -> String {
        JSONValue.object([
            ("time", .string(alert.time)),
            ("rule", .string(alert.rule.name)),
            ("priority", .string(alert.rule.priority)),
            ("output", .string(alert.output)),
            ("output_fields", .object(alert.outputFields.map { ($0.0, .string($0.1)) })),
            ("source", .string("k8s_audit")),
            ("tags", .array(alert.rule.tags.map { .string($0) })),
        ]).rendered()
    }

    static func text(_ alert: Alert) -> String {
        "\(alert.time) \(alert.rule.priority): \(alert.output)"
    }
}
