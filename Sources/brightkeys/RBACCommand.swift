import ArgumentParser
import BrightKeysCore
import Checks
import Foundation
import KubeModel
import RBACAnalysis
import Reporters

enum RBACFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Reads every object under the paths and builds the RBAC policy from them.
func loadPolicy(_ paths: [String]) -> (policy: PolicySet, objects: [KubeObject], errors: [InputError]) {
    let loader = ManifestLoader()
    let (files, expandErrors) = loader.expand(paths)
    // Reading and extracting the RBAC objects runs per file on every core; combining is cheap.
    let loaded = ParallelMap.run(count: files.count, workers: ProcessInfo.processInfo.activeProcessorCount) { index in
        let file = loader.load(file: files[index])
        return (file, PolicySet.Fragment(objects: file.objects))
    }
    let objects = loaded.flatMap(\.0.objects)
    let errors = expandErrors + loaded.flatMap(\.0.errors)
    return (PolicySet(fragments: loaded.map(\.1)), objects, errors)
}

/// kubectl-shaped arguments: `VERB RESOURCE [NAME] PATH...`. Trailing arguments that exist on disk
/// (or are `-`) are the inputs; what comes before them is the question.
func splitQuestion(_ words: [String]) -> (question: [String], paths: [String]) {
    var paths: [String] = []
    var rest = words
    while let last = rest.last, last == "-" || FileManager.default.fileExists(atPath: last) {
        paths.insert(last, at: 0)
        rest.removeLast()
    }
    return (rest, paths)
}

func reportInputErrors(_ errors: [InputError]) {
    for error in errors { writeErr("\(error.description)\n") }
}

func ruleJSON(_ rule: PolicyRule) -> JSONValue {
    .object([
        ("verbs", .array(rule.verbs.map { .string($0) })),
        ("apiGroups", .array(rule.apiGroups.map { .string($0) })),
        ("resources", .array(rule.resources.map { .string($0) })),
        ("resourceNames", .array(rule.resourceNames.map { .string($0) })),
        ("nonResourceURLs", .array(rule.nonResourceURLs.map { .string($0) })),
        ("source", .string(rule.source.description)),
    ])
}

func grantJSON(_ grant: Grant) -> JSONValue {
    .object([
        ("binding", .string(grant.binding.displayName)),
        ("bindingSource", .string(grant.binding.source.description)),
        ("role", .string(grant.role?.displayName ?? "\(grant.binding.roleKind)/\(grant.binding.roleName)")),
        ("rule", ruleJSON(grant.rule)),
    ])
}

struct RBACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbac", abstract: "Exact RBAC answers from Role, ClusterRole and binding manifests or a cluster dump.",
        subcommands: [CanI.self, WhoCan.self, Risks.self, Paths.self])

    struct Identity: ParsableArguments {
        @Option(name: .customLong("as"), help: "The user to ask for: a name, or system:serviceaccount:NAMESPACE:NAME.")
        var user: String?

        @Option(name: .customLong("as-group"), help: "A group of that user (repeatable).")
        var groups: [String] = []

        var info: UserInfo? { user.map { UserInfo.impersonating($0, groups: groups) } }
    }

    struct CanI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "can-i", abstract: "Whether a user may do something: yes (exit 0) or no (exit 1), like kubectl auth can-i.")

        @Argument(help: "VERB RESOURCE[/SUBRESOURCE] [NAME] (or VERB /non-resource-url), then the files or directories to read.")
        var words: [String] = []

        @Option(name: [.short, .customLong("namespace")], help: "The namespace of the request.")
        var namespace: String = "default"

        @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Ask for all namespaces (a cluster-wide grant).")
        var allNamespaces = false

        @Flag(help: "List everything the user may do in the namespace.")
        var list = false

        @OptionGroup var identity: Identity

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: RBACFormat = .text

        func run() throws {
            guard let user = identity.info else { throw ValidationError("say whom to ask for with --as") }
            let (question, paths) = splitQuestion(words)
            guard !paths.isEmpty else { throw ValidationError("name the files or directories that hold the RBAC objects") }
            let (policy, _, errors) = loadPolicy(paths)
            reportInputErrors(errors)
            let authorizer = Authorizer(policy: policy)
            let scope = allNamespaces ? "" : namespace
            if list {
                guard question.isEmpty else { throw ValidationError("--list takes no verb or resource") }
                let grants = authorizer.rules(for: user, namespace: scope)
                writeOut(output == .json ? listJSON(grants) : RBACList.table(grants))
                if !errors.isEmpty { throw ExitCode(2) }
                return
            }
            guard question.count == 2 || question.count == 3 else {
                throw ValidationError("expected VERB RESOURCE [NAME] before the paths, got: \(question.joined(separator: " "))")
            }
            let request: RequestAttributes
            if question[1].hasPrefix("/") {
                request = RequestAttributes(verb: question[0], path: question[1])
            } else {
                let resolved = ResourceNames.resolve(question[1])
                request = RequestAttributes(
                    verb: question[0], apiGroup: resolved.group, resource: resolved.resource, subresource: resolved.subresource,
                    name: question.count == 3 ? question[2] : "", namespace: scope)
            }
            let decision = authorizer.authorize(user, request)
            if output == .json {
                let root: JSONValue = .object([
                    ("allowed", .bool(decision.allowed)),
                    ("user", .string(user.name)),
                    ("groups", .array(user.groups.map { .string($0) })),
                    ("request", requestJSON(request)),
                    ("grants", .array(decision.grants.map(grantJSON))),
                ])
                writeOut(root.rendered(pretty: true) + "\n")
            } else {
                writeOut(decision.allowed ? "yes\n" : "no\n")
            }
            if !errors.isEmpty { throw ExitCode(2) }
            if !decision.allowed { throw ExitCode(1) }
        }

        func listJSON(_ grants: [Grant]) -> String {
            JSONValue.object([("rules", .array(grants.map(grantJSON)))]).rendered(pretty: true) + "\n"
        }
    }

    struct WhoCan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "who-can", abstract: "Every subject that may do something, with the binding and role that allow it.")

        @Argument(help: "VERB RESOURCE[/SUBRESOURCE] [NAME] (or VERB /non-resource-url), then the files or directories to read.")
        var words: [String] = []

        @Option(name: [.short, .customLong("namespace")], help: "The namespace of the request (default: a cluster-wide request).")
        var namespace: String = ""

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: RBACFormat = .text

        func run() throws {
            let (question, paths) = splitQuestion(words)
            guard !paths.isEmpty else { throw ValidationError("name the files or directories that hold the RBAC objects") }
            guard question.count == 2 || question.count == 3 else {
                throw ValidationError("expected VERB RESOURCE [NAME] before the paths, got: \(question.joined(separator: " "))")
            }
            let (policy, _, errors) = loadPolicy(paths)
            reportInputErrors(errors)
            let request: RequestAttributes
            if question[1].hasPrefix("/") {
                request = RequestAttributes(verb: question[0], path: question[1])
            } else {
                let resolved = ResourceNames.resolve(question[1])
                request = RequestAttributes(
                    verb: question[0], apiGroup: resolved.group, resource: resolved.resource, subresource: resolved.subresource,
                    name: question.count == 3 ? question[2] : "", namespace: namespace)
            }
            let found = Authorizer(policy: policy).whoCan(request)
            if output == .json {
                let items: [JSONValue] = found.map { subject, grants in
                    .object([
                        ("kind", .string(subject.kind)), ("namespace", .string(subject.namespace)), ("name", .string(subject.name)),
                        ("grants", .array(grants.map(grantJSON))),
                    ])
                }
                writeOut(JSONValue.object([("request", requestJSON(request)), ("subjects", .array(items))]).rendered(pretty: true) + "\n")
            } else {
                var rows = [["KIND", "NAMESPACE", "NAME", "BINDING", "ROLE"]]
                for (subject, grants) in found {
                    var seen = Set<String>()
                    for grant in grants where seen.insert(grant.binding.displayName).inserted {
                        rows.append([
                            subject.kind, subject.namespace, subject.name, grant.binding.displayName,
                            grant.role?.displayName ?? "\(grant.binding.roleKind)/\(grant.binding.roleName)",
                        ])
                    }
                }
                writeOut(RBACList.columns(rows))
            }
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }

    struct Risks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "risks", abstract: "The RBAC checks: cluster-admin grants, wildcards, dangerous permissions, escalation paths.")

        @Argument(help: "Files, directories or - for standard input.")
        var paths: [String] = []

        @Option(name: [.short, .customLong("format")], help: "text, json, sarif or junit.")
        var output: ScanFormat = .text

        @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity.")
        var failOn: Severity = .low

        @OptionGroup var outputOptions: OutputOptions

        func run() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one file, directory, or - for standard input") }
            let registry = try BuiltinChecks.registry()
            var config = ScanConfig()
            config.enabled = registry.descriptors.map(\.id).filter { $0.hasPrefix("BK-RBAC-") }
            var scanner = Scanner(registry: registry, config: config)
            scanner.recordEvaluations = output == .junit
            let report = scanner.scan(paths: paths)
            let (policy, _, _) = loadPolicy(paths)
            for problem in policy.problems where !problem.message.contains("does not exist") {
                writeErr("note: \(problem)\n")
            }
            let code = emit(report, format: output, descriptors: registry.descriptors, color: outputOptions.useColor, failOn: failOn)
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Paths: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paths", abstract: "What a subject can become in steps: pods it can create, tokens it can mint, identities it can take.")

        @Argument(help: "Files, directories or - for standard input.")
        var paths: [String] = []

        @OptionGroup var identity: Identity

        @Option(name: .customLong("depth"), help: "The longest chain followed.")
        var depth: Int = 4

        @Option(name: [.short, .customLong("format")], help: "text or json.")
        var output: RBACFormat = .text

        func run() throws {
            guard let user = identity.info else { throw ValidationError("say whose paths to follow with --as") }
            guard !paths.isEmpty else { throw ValidationError("name the files or directories that hold the RBAC objects") }
            let (policy, _, errors) = loadPolicy(paths)
            reportInputErrors(errors)
            let analysis = EscalationAnalysis(authorizer: Authorizer(policy: policy))
            let direct = analysis.clusterAdminGrant(user)
            let found = analysis.paths(from: user, depth: max(1, depth))
            if output == .json {
                let items: [JSONValue] = found.map { path in
                    .object([
                        ("reachesClusterAdmin", .bool(path.reachesClusterAdmin)),
                        (
                            "steps",
                            .array(
                                path.steps.map { step in
                                    .object([
                                        ("action", .string(step.action)), ("becomes", .string(step.becomes)),
                                        ("grant", step.grant.map(grantJSON) ?? .null),
                                    ])
                                })
                        ),
                    ])
                }
                writeOut(
                    JSONValue.object([("user", .string(user.name)), ("clusterAdmin", .bool(direct != nil)), ("paths", .array(items))]).rendered(pretty: true)
                        + "\n")
            } else {
                if let direct { writeOut("\(user.name) holds cluster-admin directly through \(direct.binding.displayName)\n") }
                if found.isEmpty { writeOut("\(user.name) can become no other identity\n") }
                for path in found {
                    writeOut((path.reachesClusterAdmin ? "[cluster-admin] " : "") + path.text + "\n")
                }
            }
            if !errors.isEmpty { throw ExitCode(2) }
            if direct != nil || found.contains(where: \.reachesClusterAdmin) { throw ExitCode(1) }
        }
    }
}

func requestJSON(_ request: RequestAttributes) -> JSONValue {
    if let path = request.path {
        return .object([("verb", .string(request.verb)), ("nonResourceURL", .string(path))])
    }
    return .object([
        ("verb", .string(request.verb)), ("apiGroup", .string(request.apiGroup)), ("resource", .string(request.resource)),
        ("subresource", .string(request.subresource)), ("name", .string(request.name)), ("namespace", .string(request.namespace)),
    ])
}

/// `kubectl auth can-i --list` output, built the way kubectl builds it: every rule broken down to
/// one API group, one resource and at most one resource name (non-resource rules to one URL),
/// rules for the same single resource merged by appending their verbs (duplicates and all), the
/// rest kept as they are, then a stable sort by each rule's Go string form, printed through a tab
/// writer with kubectl's settings.
enum RBACList {
    struct Row {
        var groups: [String]
        var resources: [String]
        var names: [String]
        var urls: [String]
        var verbs: [String]

        /// Go's `PolicyRule.String()`, the sort key kubectl uses.
        var goString: String {
            func q(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: " ") + "]" }
            var parts: [String] = []
            if !groups.isEmpty { parts.append("APIGroups:\(q(groups))") }
            if !resources.isEmpty { parts.append("Resources:\(q(resources))") }
            if !urls.isEmpty { parts.append("NonResourceURLs:\(q(urls))") }
            if !names.isEmpty { parts.append("ResourceNames:\(q(names))") }
            if !verbs.isEmpty { parts.append("Verbs:\(q(verbs))") }
            return "PolicyRule{" + parts.joined(separator: ", ") + "}"
        }
    }

    static func rows(_ grants: [Grant]) -> [Row] {
        var broken: [Row] = []
        for rule in grants.map(\.rule) {
            if !rule.resources.isEmpty {
                for group in rule.apiGroups {
                    for resource in rule.resources {
                        if rule.resourceNames.isEmpty {
                            broken.append(Row(groups: [group], resources: [resource], names: [], urls: [], verbs: rule.verbs))
                        } else {
                            for name in rule.resourceNames {
                                broken.append(Row(groups: [group], resources: [resource], names: [name], urls: [], verbs: rule.verbs))
                            }
                        }
                    }
                }
            }
            for url in rule.nonResourceURLs {
                broken.append(Row(groups: [], resources: [], names: [], urls: [url], verbs: rule.verbs))
            }
        }
        var compacted: [Row] = []
        var simple: [String: Int] = [:]
        for row in broken {
            guard row.urls.isEmpty, row.groups.count == 1, row.resources.count == 1, row.names.count <= 1 else {
                compacted.append(row)
                continue
            }
            let key = "\(row.groups[0])\u{0}\(row.resources[0])\u{0}\(row.names.first.map { "1" + $0 } ?? "0")"
            if let index = simple[key] {
                compacted[index].verbs += row.verbs
            } else {
                simple[key] = compacted.count
                compacted.append(row)
            }
        }
        // Swift's sort is stable, as Go's sort.Stable.
        return compacted.sorted { $0.goString < $1.goString }
    }

    static func table(_ grants: [Grant]) -> String {
        var lines = [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]]
        for row in rows(grants) {
            lines.append([combine(row.resources, row.groups), bracket(row.urls), bracket(row.names), bracket(row.verbs)])
        }
        return columns(lines)
    }

    /// kubectl's `CombineResourceGroup`: `deployments.apps/scale`.
    static func combine(_ resources: [String], _ groups: [String]) -> String {
        guard let first = resources.first else { return "" }
        let parts = first.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var text = String(parts[0])
        if let group = groups.first, !group.isEmpty { text += "." + group }
        if parts.count == 2 { text += "/" + parts[1] }
        return text
    }

    /// Go's `%v` of a string slice.
    static func bracket(_ items: [String]) -> String { "[" + items.joined(separator: " ") + "]" }

    /// A tab writer with kubectl's settings (minimum width 6, padding 3, spaces); the last cell
    /// of a line is not padded.
    static func columns(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = Array(repeating: 6, count: width)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count + 3) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == width - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
