import KubeModel

/// The components whose settings the benchmark reads.
public enum Component: String, Sendable, CaseIterable {
    case apiserver = "kube-apiserver"
    case controllerManager = "kube-controller-manager"
    case scheduler = "kube-scheduler"
    case etcd
    case kubelet
    case proxy = "kube-proxy"
}

/// Everything read from a node's files, and what could not be read.
public struct NodeConfig: Sendable {
    public let filesystem: NodeFilesystem
    public var flags: [Component: FlagSet] = [:]
    /// Where each control-plane component's static pod manifest is (node path).
    public var manifests: [Component: String] = [:]
    /// The kubelet's configuration file (node path) and its contents.
    public var kubeletConfigPath: String?
    public var kubeletConfig: Node?
    public var kubeletServiceFile: String?
    public var warnings: [String] = []

    public static let manifestDirectory = "/etc/kubernetes/manifests"
    static let manifestNames: [Component: [String]] = [
        .apiserver: ["kube-apiserver.yaml", "kube-apiserver.yml", "kube-apiserver.manifest"],
        .controllerManager: ["kube-controller-manager.yaml", "kube-controller-manager.yml", "kube-controller-manager.manifest"],
        .scheduler: ["kube-scheduler.yaml", "kube-scheduler.yml", "kube-scheduler.manifest"],
        .etcd: ["etcd.yaml", "etcd.yml", "etcd.manifest"],
    ]
    public static let kubeletServiceFiles = [
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf", "/etc/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service",
    ]
    public static let kubeadmFlagsFile = "/var/lib/kubelet/kubeadm-flags.env"
    public static let defaultKubeletConfig = "/var/lib/kubelet/config.yaml"

    public init(root: String) {
        filesystem = NodeFilesystem(root: root)
        for component in [Component.apiserver, .controllerManager, .scheduler, .etcd] {
            for name in Self.manifestNames[component] ?? [] {
                let path = "\(Self.manifestDirectory)/\(name)"
                guard filesystem.exists(path) else { continue }
                manifests[component] = path
                readManifest(component, path)
                break
            }
        }
        readKubelet()
    }

    /// A static pod manifest: the flags of its first container's command and args.
    private mutating func readManifest(_ component: Component, _ path: String) {
        switch filesystem.read(path) {
        case .failure(let error):
            warnings.append("\(component.rawValue): \(error)")
        case .success(let bytes):
            let loaded = ManifestLoader().load(bytes: bytes, file: path)
            for error in loaded.errors { warnings.append("\(component.rawValue): \(error.description)") }
            guard let pod = loaded.objects.first(where: { $0.kind == "Pod" }), let container = pod.root["spec"]?["containers"]?[0] else {
                if loaded.errors.isEmpty { warnings.append("\(component.rawValue): \(path) holds no Pod with a container") }
                return
            }
            var arguments: [(String, Int)] = []
            for key in ["command", "args"] {
                for item in container[key]?.items ?? [] { arguments.append((item.scalarText ?? "", item.line)) }
            }
            var set = FlagSet()
            set.flags = FlagSet.parse(arguments, file: path)
            set.sources = [path]
            flags[component] = set
            reportDuplicates(component, set)
        }
    }

    private mutating func reportDuplicates(_ component: Component, _ set: FlagSet) {
        var seen: [String: Flag] = [:]
        for flag in set.flags {
            if let first = seen[flag.name], first.value != flag.value {
                warnings.append(
                    "\(component.rawValue): \(flag.name) is given twice (\(first.file):\(first.line) and \(flag.file):\(flag.line)); the last one counts")
            }
            seen[flag.name] = flag
        }
    }

    /// The kubelet: flags from its systemd unit (with the Environment variables kubeadm uses) and
    /// kubeadm-flags.env, and the KubeletConfiguration named by --config.
    private mutating func readKubelet() {
        var set = FlagSet()
        var environment: [String: (String, Int, String)] = [:]
        var execArguments: [(String, Int, String)] = []
        for path in Self.kubeletServiceFiles where filesystem.exists(path) {
            kubeletServiceFile = kubeletServiceFile ?? path
            guard case .success(let bytes) = filesystem.read(path) else { continue }
            set.sources.append(path)
            for (index, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: " \t\r")
                if line.hasPrefix("Environment=") {
                    for assignment in Self.tokens(String(line.dropFirst("Environment=".count))) {
                        guard let equals = assignment.firstIndex(of: "=") else { continue }
                        environment[String(assignment[..<equals])] = (String(assignment[assignment.index(after: equals)...]), index + 1, path)
                    }
                } else if line.hasPrefix("ExecStart="), line.count > "ExecStart=".count {
                    execArguments = Self.tokens(String(line.dropFirst("ExecStart=".count))).dropFirst().map { ($0, index + 1, path) }
                }
            }
        }
        if case .success(let bytes) = filesystem.read(Self.kubeadmFlagsFile) {
            set.sources.append(Self.kubeadmFlagsFile)
            for (index, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
                let line = raw.trimmingCharacters(in: " \t\r")
                guard let equals = line.firstIndex(of: "=") else { continue }
                environment[String(line[..<equals])] = (Self.unquote(String(line[line.index(after: equals)...])), index + 1, Self.kubeadmFlagsFile)
            }
        }
        var arguments: [(String, Int, String)] = []
        for (token, line, file) in execArguments {
            if token.hasPrefix("$") {
                let name = token.dropFirst().trimmingCharacters(in: "{}")
                if let (value, valueLine, valueFile) = environment[name] {
                    arguments += Self.tokens(value).map { ($0, valueLine, valueFile) }
                }
            } else {
                arguments.append((token, line, file))
            }
        }
        if execArguments.isEmpty {
            // Without an ExecStart line, take the variables kubeadm's drop-in would expand.
            for name in ["KUBELET_KUBECONFIG_ARGS", "KUBELET_CONFIG_ARGS", "KUBELET_KUBEADM_ARGS", "KUBELET_EXTRA_ARGS"] {
                if let (value, line, file) = environment[name] { arguments += Self.tokens(value).map { ($0, line, file) } }
            }
        }
        set.flags = FlagSet.parse(arguments)
        if !set.sources.isEmpty { flags[.kubelet] = set }
        reportDuplicates(.kubelet, set)
        let configPath = set.last("--config")?.value ?? (set.sources.isEmpty && !filesystem.exists(Self.defaultKubeletConfig) ? nil : Self.defaultKubeletConfig)
        guard let configPath else { return }
        kubeletConfigPath = configPath
        switch filesystem.read(configPath) {
        case .failure(let error):
            warnings.append("kubelet: \(error)")
        case .success(let bytes):
            let (documents, errors) = ManifestLoader().parseDocuments(bytes: bytes, file: configPath)
            for error in errors { warnings.append("kubelet: \(error.description)") }
            guard let document = documents.first else { return }
            let version = document["apiVersion"]?.string ?? ""
            if document["kind"]?.string != "KubeletConfiguration" || !["kubelet.config.k8s.io/v1beta1", "kubelet.config.k8s.io/v1"].contains(version) {
                warnings.append(
                    "kubelet: \(configPath) is \(document["kind"]?.string ?? "no kind") \(version.isEmpty ? "without apiVersion" : version), not a KubeletConfiguration of a known version; its settings are not read"
                )
                return
            }
            kubeletConfig = document
        }
    }

    /// Splits a command line, honouring double and single quotes.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                started = true
            } else if character == " " || character == "\t" {
                if started || !current.isEmpty { tokens.append(current) }
                current = ""
                started = false
            } else if character == "\\" {
                continue
            } else {
                current.append(character)
            }
        }
        if started || !current.isEmpty { tokens.append(current) }
        return tokens
    }

    static func unquote(_ text: String) -> String {
        var value = text
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }

    /// A kubelet setting: the flag if given (flags override the file, as the kubelet does), else
    /// the configuration file's field.
    public func kubeletSetting(flag: String, configPath: [String]?) -> (value: String?, evidence: String)? {
        if let set = flags[.kubelet], let found = set.last(flag) {
            return (found.value ?? "true", found.evidence)
        }
        guard let configPath, var node = kubeletConfig else { return nil }
        var line = node.line
        for key in configPath {
            guard let position = node.keyPosition(key), let child = node[key] else { return nil }
            line = position.line
            node = child
        }
        let value: String
        if let items = node.sequence {
            value = items.compactMap(\.scalarText).joined(separator: ",")
        } else {
            value = node.scalarText ?? ""
        }
        return (value, "\(kubeletConfigPath ?? ""):\(line): \(configPath.joined(separator: "."))=\(value)")
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
