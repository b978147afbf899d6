import KubeModel

/// Runs the benchmark over a node's files.
public struct NodeBenchmark: Sendable {
    public let config: NodeConfig

    public init(root: String) {
        config = NodeConfig(root: root)
    }

    /// The targets found on this node: master when an API server manifest exists, etcd when an
    /// etcd manifest does, node when kubelet files do.
    public var detectedTargets: [BenchTarget] {
        var targets: [BenchTarget] = []
        if config.manifests[.apiserver] != nil { targets.append(.master) }
        if config.manifests[.etcd] != nil { targets.append(.etcd) }
        if config.flags[.kubelet] != nil || config.kubeletConfig != nil { targets.append(.node) }
        return targets
    }

    public func run(targets: [BenchTarget]) -> [BenchResult] {
        CISChecks.all.filter { targets.contains($0.target) }.map(evaluate)
    }

    /// A test's answer: true, false, or nil when the files cannot decide it (with why).
    struct Outcome {
        var passed: Bool?
        var evidence: [String]
    }

    public func evaluate(_ check: BenchCheck) -> BenchResult {
        let outcome = evaluate(check.test)
        let status: BenchStatus
        switch outcome.passed {
        case .some(true): status = .pass
        // Like kube-bench: an unscored recommendation that fails is a warning.
        case .some(false): status = check.scored ? .fail : .warn
        case .none: status = .warn
        }
        return BenchResult(check: check, status: status, evidence: outcome.evidence)
    }

    func evaluate(_ test: BenchTest) -> Outcome {
        switch test {
        case .flag(let component, let name, let condition):
            guard let set = config.flags[component] else {
                return Outcome(passed: nil, evidence: ["\(component.rawValue) not found: no static pod manifest under \(NodeConfig.manifestDirectory)"])
            }
            let flag = set.last(name)
            return Self.judge(
                condition, value: flag.map { $0.value ?? "true" }, evidence: flag?.evidence ?? "\(name) is not set in \(set.sources.joined(separator: ", "))")
        case .kubelet(let name, let path, let condition):
            guard config.flags[.kubelet] != nil || config.kubeletConfig != nil else {
                return Outcome(passed: nil, evidence: ["kubelet not found: no systemd unit, kubeadm-flags.env or configuration file"])
            }
            let setting = config.kubeletSetting(flag: name, configPath: path)
            let where_ = ([config.kubeletServiceFile, config.kubeletConfigPath].compactMap { $0 }).joined(separator: ", ")
            return Self.judge(
                condition, value: setting?.value,
                evidence: setting?.evidence ?? "\(name)\(path.map { " / \($0.joined(separator: "."))" } ?? "") is not set in \(where_)")
        case .permissions(let file, let mode):
            return files(file, directories: false) { facts in
                let extra = facts.mode & ~UInt32(mode)
                return (extra == 0, "\(facts.path): permissions=\(String(facts.mode, radix: 8))")
            }
        case .owner(let file, let owner):
            return files(file) { facts in
                ("\(facts.owner):\(facts.group)" == owner, "\(facts.path): owner \(facts.owner):\(facts.group)")
            }
        case .encryptionProvider:
            return encryption()
        case .auditPolicy:
            return auditPolicy()
        case .manual(let guidance):
            return Outcome(passed: nil, evidence: ["manual: \(guidance)"])
        case .all(let tests):
            let outcomes = tests.map(evaluate)
            let evidence = outcomes.flatMap(\.evidence)
            if outcomes.contains(where: { $0.passed == false }) { return Outcome(passed: false, evidence: evidence) }
            if outcomes.contains(where: { $0.passed == nil }) { return Outcome(passed: nil, evidence: evidence) }
            return Outcome(passed: true, evidence: evidence)
        case .any(let tests):
            let outcomes = tests.map(evaluate)
            if let pass = outcomes.first(where: { $0.passed == true }) { return Outcome(passed: true, evidence: pass.evidence) }
            let evidence = Array(orderedUnique(outcomes.flatMap(\.evidence)))
            if outcomes.contains(where: { $0.passed == nil }) { return Outcome(passed: nil, evidence: evidence) }
            return Outcome(passed: false, evidence: evidence)
        }
    }

    /// kube-bench's comparisons: a comparison on a flag that is not set fails.
    static func judge(_ condition: FlagCondition, value: String?, evidence: String) -> Outcome {
        let passed: Bool
        switch condition {
        case .set: passed = value != nil
        case .notSet: passed = value == nil
        case .equals(let expected): passed = value.map { $0.lowercased() == expected.lowercased() } ?? false
        case .notEquals(let other): passed = value.map { $0.lowercased() != other.lowercased() } ?? false
        case .has(let item): passed = value.map { list($0).contains(item) } ?? false
        case .lacks(let item): passed = value.map { !list($0).contains(item) } ?? false
        case .atLeast(let minimum): passed = value.flatMap { Int($0) }.map { $0 >= minimum } ?? false
        case .validElements(let allowed): passed = value.map { list($0).allSatisfy(allowed.contains) } ?? false
        }
        return Outcome(passed: passed, evidence: [evidence])
    }

    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: " ") }
    }

    /// Runs a file test over the files a reference names; every file must pass.
    func files(_ reference: FileRef, directories: Bool = true, _ test: (FileFacts) -> (Bool, String)) -> Outcome {
        let fs = config.filesystem
        var paths: [String] = []
        switch reference {
        case .path(let candidates):
            paths = candidates.filter(fs.isPresent)
            if paths.isEmpty { return Outcome(passed: nil, evidence: ["not found: \(candidates.joined(separator: ", "))"]) }
            if case .path = reference, paths.count > 1, candidates.first == "/etc/kubernetes/admin.conf" {
                // admin.conf and super-admin.conf are both credentials with cluster-admin power.
            } else {
                paths = [paths[0]]
            }
        case .manifest(let component):
            guard let path = config.manifests[component] else {
                return Outcome(passed: nil, evidence: ["\(component.rawValue) static pod manifest not found under \(NodeConfig.manifestDirectory)"])
            }
            paths = [path]
        case .tree(let directory, let suffix):
            guard fs.exists(directory) else { return Outcome(passed: nil, evidence: ["not found: \(directory)"]) }
            paths = (suffix == nil ? [directory] : []) + fs.walk(directory).filter { path in suffix.map { path.hasSuffix($0) } ?? true }
        case .flagPath(let component, let flag, let fallback):
            guard let path = config.flags[component]?.last(flag)?.value ?? fallback else { return Outcome(passed: nil, evidence: ["\(flag) not set"]) }
            paths = [path]
        case .kubeletConfigFile:
            guard let path = config.kubeletConfigPath else { return Outcome(passed: nil, evidence: ["no kubelet configuration file"]) }
            paths = [path]
        case .kubeletServiceFile:
            guard let path = config.kubeletServiceFile else {
                return Outcome(passed: nil, evidence: ["no kubelet systemd unit found: \(NodeConfig.kubeletServiceFiles.joined(separator: ", "))"])
            }
            paths = [path]
        case .kubeletClientCA:
            guard let setting = config.kubeletSetting(flag: "--client-ca-file", configPath: ["authentication", "x509", "clientCAFile"]),
                let path = setting.value
            else {
                return Outcome(passed: nil, evidence: ["the kubelet names no client CA file"])
            }
            paths = [path]
        }
        var evidence: [String] = []
        var passed: Bool? = true
        for path in paths {
            switch fs.facts(path) {
            case .failure(let error):
                evidence.append(error.description)
                if passed == true { passed = nil }
            case .success(let facts):
                // Permission limits on a tree are about its files; a single named path (the etcd
                // data directory) is judged whatever it is.
                if !directories, facts.isDirectory, case .tree = reference { continue }
                let (ok, line) = test(facts)
                if !ok {
                    passed = false
                    evidence.append(line)
                } else if paths.count <= 3 {
                    evidence.append(line)
                }
            }
        }
        if passed == true && paths.count > 3 { evidence.append("\(paths.count) files checked under \(paths[0])") }
        return Outcome(passed: passed, evidence: evidence)
    }

    // MARK: configuration files named by API server flags

    struct Reason: Error {
        let text: String
    }

    func apiserverFile(_ flag: String) -> Result<(String, [Node]), Reason> {
        guard let apiserver = config.flags[.apiserver] else { return .failure(Reason(text: "kube-apiserver not found")) }
        guard let path = apiserver.last(flag)?.value else { return .failure(Reason(text: "\(flag) is not set on the API server")) }
        switch config.filesystem.read(path) {
        case .failure(let error): return .failure(Reason(text: error.description))
        case .success(let bytes):
            let (documents, errors) = ManifestLoader().parseDocuments(bytes: bytes, file: path)
            if let error = errors.first { return .failure(Reason(text: error.description)) }
            return .success((path, documents))
        }
    }

    /// The first provider listed for secrets decides how new Secrets are written.
    func encryption() -> Outcome {
        switch apiserverFile("--encryption-provider-config") {
        case .failure(let reason):
            return Outcome(passed: reason.text.contains("is not set") ? false : nil, evidence: [reason.text])
        case .success(let (path, documents)):
            for document in documents {
                for resource in document["resources"]?.items ?? [] {
                    let names: [String] = (resource["resources"]?.items ?? []).compactMap { $0.scalarText }
                    guard names.contains("secrets") || names.contains("*.*") || names.contains("*.") else { continue }
                    guard let first = resource["providers"]?[0], let provider = first.mapping?.keys.first else {
                        return Outcome(passed: false, evidence: ["\(path):\(resource.line): no providers for secrets"])
                    }
                    let strong = ["aescbc", "aesgcm", "secretbox", "kms"].contains(provider)
                    return Outcome(passed: strong, evidence: ["\(path):\(first.line): first provider for secrets is \(provider)"])
                }
            }
            return Outcome(passed: false, evidence: ["\(path): no entry covers secrets, so they are stored unencrypted"])
        }
    }

    static let levels = ["None", "Metadata", "Request", "RequestResponse"]

    /// The audit level the policy gives a request: the first rule that matches decides.
    static func auditLevel(_ rules: [Node], group: String, resource: String, verb: String) -> (String, Int?) {
        for rule in rules {
            let verbs: [String] = (rule["verbs"]?.items ?? []).compactMap { $0.scalarText }
            if !verbs.isEmpty, !verbs.contains(verb) { continue }
            if let users = rule["users"]?.items, !users.isEmpty { continue }
            let groups: [String] = (rule["userGroups"]?.items ?? []).compactMap { $0.scalarText }
            if !groups.isEmpty, !groups.contains("system:authenticated") { continue }
            if rule["nonResourceURLs"]?.items.isEmpty == false { continue }
            if let namespaces = rule["namespaces"]?.items, !namespaces.isEmpty { continue }
            if let resources = rule["resources"]?.items, !resources.isEmpty {
                let matches = resources.contains { entry in
                    let groupOK = entry["group"].map { ($0.scalarText ?? "") == group || $0.scalarText == "*" } ?? (group == "")
                    let names: [String] = (entry["resources"]?.items ?? []).compactMap { $0.scalarText }
                    let named = entry["resourceNames"]?.items.isEmpty == false
                    return groupOK && !named && (names.isEmpty || names.contains(resource) || names.contains("*"))
                }
                if !matches { continue }
            }
            return (rule["level"]?.scalarText ?? "None", rule.line)
        }
        return ("None", nil)
    }

    func auditPolicy() -> Outcome {
        switch apiserverFile("--audit-policy-file") {
        case .failure(let reason):
            return Outcome(passed: reason.text.contains("is not set") ? false : nil, evidence: [reason.text])
        case .success(let (path, documents)):
            guard let policy = documents.first(where: { $0["kind"]?.string == "Policy" }) else {
                return Outcome(passed: nil, evidence: ["\(path) holds no audit Policy"])
            }
            let rules = policy["rules"]?.items ?? []
            var evidence: [String] = []
            var passed = true
            for verb in ["get", "list", "watch"] {
                let (level, line) = Self.auditLevel(rules, group: "", resource: "secrets", verb: verb)
                if (Self.levels.firstIndex(of: level) ?? 0) < 1 {
                    passed = false
                    evidence.append("\(path):\(line ?? policy.line): \(verb) secrets is logged at \(level)")
                }
            }
            for resource in ["roles", "clusterroles", "rolebindings", "clusterrolebindings"] {
                for verb in ["create", "update", "patch", "delete"] {
                    let (level, line) = Self.auditLevel(rules, group: PolicyGroup.rbac, resource: resource, verb: verb)
                    if level != "RequestResponse" {
                        passed = false
                        evidence.append("\(path):\(line ?? policy.line): \(verb) \(resource) is logged at \(level)")
                    }
                }
            }
            if passed { evidence.append("\(path): secrets at Metadata or more, RBAC changes at RequestResponse") }
            return Outcome(passed: passed, evidence: Array(evidence.prefix(6)))
        }
    }
}

enum PolicyGroup {
    static let rbac = "rbac.authorization.k8s.io"
}

/// Removes repeated lines, keeping the first.
func orderedUnique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
