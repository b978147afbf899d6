import Foundation
import Testing

@testable import NodeBenchmark

/// Builds node trees from the examples in temporary directories with exact modes and owners,
/// then checks every recommendation both ways: passing on the hardened node, failing (or
/// warning, for unscored ones) once one thing is broken.
@Suite(.serialized)
struct NodeBenchTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")

    /// Copies an example tree and applies its PERMISSIONS table (owners other than root become
    /// root when no such user exists here).
    static func tree(_ name: String) throws -> String {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("bk-node-\(name)-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: examples.appendingPathComponent(name).path, toPath: destination)
        let table = try String(contentsOfFile: destination + "/PERMISSIONS", encoding: .utf8)
        try FileManager.default.removeItem(atPath: destination + "/PERMISSIONS")
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, let mode = Int(parts[0], radix: 8) else { continue }
            let owner = parts[1].split(separator: ":").map(String.init)
            let uid = getpwnam(owner[0])?.pointee.pw_uid ?? 0
            let gid = getgrnam(owner[1])?.pointee.gr_gid ?? 0
            for path in expand(destination, parts[2]) {
                chmod(path, mode_t(mode))
                chown(path, uid, gid)
            }
        }
        return destination
    }

    /// Paths matching `dir/*.ext` or a plain relative path.
    static func expand(_ root: String, _ glob: String) -> [String] {
        guard let star = glob.firstIndex(of: "*") else { return [root + "/" + glob] }
        let directory = root + "/" + glob[..<star].split(separator: "/").joined(separator: "/")
        let suffix = String(glob[glob.index(after: star)...])
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.map { directory + "/" + $0 }
    }

    static func results(_ root: String) -> [String: BenchResult] {
        let benchmark = NodeBenchmark(root: root)
        var byID: [String: BenchResult] = [:]
        for result in benchmark.run(targets: [.master, .etcd, .node]) { byID[result.check.id] = result }
        return byID
    }

    static let etcdUserExists = getpwnam("etcd") != nil
    /// Owners can only be set as root (CI runs as root); elsewhere ownership verdicts are skipped.
    static let canChown = geteuid() == 0

    static func isOwnerCheck(_ id: String) -> Bool {
        if case .owner = CISChecks.all.first(where: { $0.id == id })?.test { return true }
        return false
    }

    @Test func hardenedNodePassesEveryDecidableCheck() throws {
        let root = try Self.tree("node-hardened")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let results = Self.results(root)
        #expect(results.count == CISChecks.all.count)
        let manual: Set<String> = ["1.2.20", "4.1.3", "4.1.4", "4.3.1"]
        for (id, result) in results where !manual.contains(id) {
            if id == "1.1.12" && !Self.etcdUserExists { continue }  // no etcd user on this machine
            if !Self.canChown && Self.isOwnerCheck(id) { continue }
            #expect(result.status == .pass, "\(id): \(result.status) \(result.evidence)")
        }
        for id in manual { #expect(results[id]?.status == .warn, "\(id)") }
    }

    /// The verdicts kube-bench gives a default kubeadm control-plane node (see README).
    @Test func defaultKubeadmNodeMatchesKubeBench() throws {
        let root = try Self.tree("node-default-kubeadm")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let results = Self.results(root)
        let failing: Set<String> = [
            "1.1.12", "1.2.5", "1.2.15", "1.2.16", "1.2.17", "1.2.18", "1.2.19", "1.2.30", "1.3.2", "1.4.1", "4.1.1", "4.1.9", "BK-1.2.16",
        ]
        let warning: Set<String> = [
            "1.1.9", "1.2.1", "1.2.3", "1.2.9", "1.2.11", "1.2.20", "1.2.27", "1.2.28", "1.2.29", "1.3.1", "4.1.3", "4.1.4", "4.2.9", "4.2.12", "4.2.13",
            "4.2.14",
            "4.3.1",
        ]
        for (id, result) in results where Self.canChown || !Self.isOwnerCheck(id) {
            let expected: BenchStatus = failing.contains(id) ? .fail : warning.contains(id) ? .warn : .pass
            #expect(result.status == expected, "\(id): \(result.status) \(result.evidence)")
        }
    }

    /// One change each that must turn a passing check into a failing (or, unscored, warning) one.
    static let breakages: [(id: String, file: String, from: String, to: String)] = [
        ("1.2.1", "etc/kubernetes/manifests/kube-apiserver.yaml", "--anonymous-auth=false", "--anonymous-auth=true"),
        ("1.2.2", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --secure-port=6443", "- --secure-port=6443\n    - --token-auth-file=/etc/tokens.csv"),
        ("1.2.3", "etc/kubernetes/manifests/kube-apiserver.yaml", ",DenyServiceExternalIPs", ""),
        ("1.2.4", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --kubelet-client-key=", "- --not-kubelet-client-key="),
        ("1.2.5", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --kubelet-certificate-authority=", "- --unused="),
        ("1.2.6", "etc/kubernetes/manifests/kube-apiserver.yaml", "--authorization-mode=Node,RBAC", "--authorization-mode=Node,RBAC,AlwaysAllow"),
        ("1.2.7", "etc/kubernetes/manifests/kube-apiserver.yaml", "--authorization-mode=Node,RBAC", "--authorization-mode=RBAC"),
        ("1.2.8", "etc/kubernetes/manifests/kube-apiserver.yaml", "--authorization-mode=Node,RBAC", "--authorization-mode=Node"),
        ("1.2.9", "etc/kubernetes/manifests/kube-apiserver.yaml", ",EventRateLimit", ""),
        ("1.2.10", "etc/kubernetes/manifests/kube-apiserver.yaml", "NodeRestriction,", "AlwaysAdmit,NodeRestriction,"),
        ("1.2.11", "etc/kubernetes/manifests/kube-apiserver.yaml", ",AlwaysPullImages", ""),
        (
            "1.2.12", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --secure-port=6443",
            "- --secure-port=6443\n    - --disable-admission-plugins=ServiceAccount"
        ),
        (
            "1.2.13", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --secure-port=6443",
            "- --secure-port=6443\n    - --disable-admission-plugins=NamespaceLifecycle"
        ),
        ("1.2.14", "etc/kubernetes/manifests/kube-apiserver.yaml", "NodeRestriction,", ""),
        ("1.2.15", "etc/kubernetes/manifests/kube-apiserver.yaml", "--profiling=false", "--profiling=true"),
        ("1.2.16", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --audit-log-path=", "- --unused="),
        ("1.2.17", "etc/kubernetes/manifests/kube-apiserver.yaml", "--audit-log-maxage=30", "--audit-log-maxage=7"),
        ("1.2.18", "etc/kubernetes/manifests/kube-apiserver.yaml", "--audit-log-maxbackup=10", "--audit-log-maxbackup=3"),
        ("1.2.19", "etc/kubernetes/manifests/kube-apiserver.yaml", "--audit-log-maxsize=100", "--audit-log-maxsize=10"),
        ("1.2.21", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --secure-port=6443", "- --secure-port=6443\n    - --service-account-lookup=false"),
        ("1.2.22", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --service-account-key-file=", "- --unused="),
        ("1.2.23", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --etcd-keyfile=", "- --unused="),
        ("1.2.24", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --tls-private-key-file=", "- --unused="),
        ("1.2.25", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --client-ca-file=", "- --unused="),
        ("1.2.26", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --etcd-cafile=", "- --unused="),
        ("1.2.27", "etc/kubernetes/manifests/kube-apiserver.yaml", "- --encryption-provider-config=", "- --unused="),
        ("1.2.28", "etc/kubernetes/encryption.yaml", "  - aescbc:", "  - identity: {}\n  - aescbc:"),
        ("1.2.29", "etc/kubernetes/manifests/kube-apiserver.yaml", "--tls-cipher-suites=", "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA,"),
        (
            "1.2.30", "etc/kubernetes/manifests/kube-apiserver.yaml", "--service-account-extend-token-expiration=false",
            "--service-account-extend-token-expiration=true"
        ),
        ("1.3.1", "etc/kubernetes/manifests/kube-controller-manager.yaml", "- --terminated-pod-gc-threshold=10", "- --unused=10"),
        ("1.3.2", "etc/kubernetes/manifests/kube-controller-manager.yaml", "--profiling=false", "--profiling=true"),
        ("1.3.3", "etc/kubernetes/manifests/kube-controller-manager.yaml", "--use-service-account-credentials=true", "--use-service-account-credentials=false"),
        ("1.3.4", "etc/kubernetes/manifests/kube-controller-manager.yaml", "- --service-account-private-key-file=", "- --unused="),
        ("1.3.5", "etc/kubernetes/manifests/kube-controller-manager.yaml", "- --root-ca-file=", "- --unused="),
        (
            "1.3.6", "etc/kubernetes/manifests/kube-controller-manager.yaml", "- --leader-elect=true",
            "- --leader-elect=true\n    - --feature-gates=RotateKubeletServerCertificate=false"
        ),
        ("1.3.7", "etc/kubernetes/manifests/kube-controller-manager.yaml", "--bind-address=127.0.0.1", "--bind-address=0.0.0.0"),
        ("1.4.1", "etc/kubernetes/manifests/kube-scheduler.yaml", "--profiling=false", "--profiling=true"),
        ("1.4.2", "etc/kubernetes/manifests/kube-scheduler.yaml", "--bind-address=127.0.0.1", "--bind-address=0.0.0.0"),
        ("2.1", "etc/kubernetes/manifests/etcd.yaml", "- --key-file=", "- --unused="),
        ("2.2", "etc/kubernetes/manifests/etcd.yaml", "--client-cert-auth=true", "--client-cert-auth=false"),
        ("2.3", "etc/kubernetes/manifests/etcd.yaml", "- --snapshot-count=10000", "- --snapshot-count=10000\n    - --auto-tls=true"),
        ("2.4", "etc/kubernetes/manifests/etcd.yaml", "- --peer-key-file=", "- --unused="),
        ("2.5", "etc/kubernetes/manifests/etcd.yaml", "--peer-client-cert-auth=true", "--peer-client-cert-auth=false"),
        ("2.6", "etc/kubernetes/manifests/etcd.yaml", "- --snapshot-count=10000", "- --snapshot-count=10000\n    - --peer-auto-tls=true"),
        ("2.7", "etc/kubernetes/manifests/etcd.yaml", "- --trusted-ca-file=", "- --unused="),
        ("4.2.1", "var/lib/kubelet/config.yaml", "    enabled: false", "    enabled: true"),
        ("4.2.2", "var/lib/kubelet/config.yaml", "  mode: Webhook", "  mode: AlwaysAllow"),
        ("4.2.3", "var/lib/kubelet/config.yaml", "    clientCAFile:", "    unusedCAFile:"),
        ("4.2.4", "var/lib/kubelet/config.yaml", "readOnlyPort: 0", "readOnlyPort: 10255"),
        ("4.2.5", "var/lib/kubelet/config.yaml", "streamingConnectionIdleTimeout: 5m0s", "streamingConnectionIdleTimeout: 0"),
        ("4.2.6", "var/lib/kubelet/config.yaml", "rotateCertificates: true", "rotateCertificates: true\nmakeIPTablesUtilChains: false"),
        ("4.2.7", "var/lib/kubelet/kubeadm-flags.env", "--pod-infra-container-image", "--hostname-override=node-1 --pod-infra-container-image"),
        ("4.2.8", "var/lib/kubelet/config.yaml", "rotateCertificates: true", "rotateCertificates: true\neventRecordQPS: -1"),
        ("4.2.9", "var/lib/kubelet/config.yaml", "tlsPrivateKeyFile:", "unusedKeyFile:"),
        ("4.2.10", "var/lib/kubelet/config.yaml", "rotateCertificates: true", "rotateCertificates: false"),
        (
            "4.2.11", "var/lib/kubelet/config.yaml", "rotateCertificates: true",
            "rotateCertificates: true\nfeatureGates:\n  RotateKubeletServerCertificate: false"
        ),
        ("4.2.12", "var/lib/kubelet/config.yaml", "tlsCipherSuites:", "tlsCipherSuites:\n- TLS_RSA_WITH_RC4_128_SHA"),
        ("4.2.13", "var/lib/kubelet/config.yaml", "podPidsLimit: 4096", "unusedLimit: 4096"),
        ("4.2.14", "var/lib/kubelet/config.yaml", "seccompDefault: true", "unusedDefault: true"),
        ("BK-1.2.16", "etc/kubernetes/audit-policy.yaml", "- level: RequestResponse", "- level: Metadata"),
    ]

    @Test(arguments: breakages.map(\.id))
    func flagAndSettingChecksFail(id: String) throws {
        let breakage = try #require(Self.breakages.first { $0.id == id })
        let root = try Self.tree("node-hardened")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/" + breakage.file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(breakage.from), "\(id): \(breakage.from) not in \(breakage.file)")
        try text.replacingOccurrences(of: breakage.from, with: breakage.to).write(toFile: path, atomically: false, encoding: .utf8)
        let result = try #require(Self.results(root)[id])
        #expect(result.status == (result.check.scored ? .fail : .warn), "\(id): \(result.status) \(result.evidence)")
    }

    @Test func fileChecksFailWhenLoosened() throws {
        let root = try Self.tree("node-hardened")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checks = CISChecks.all.filter {
            switch $0.test {
            case .permissions, .owner: return true
            default: return false
            }
        }
        let benchmark = NodeBenchmark(root: root)
        for check in checks where !["4.1.3", "4.1.4"].contains(check.id) && (Self.canChown || !Self.isOwnerCheck(check.id)) {
            // Loosen every file the check reads, then put it back.
            let paths: [String] = pathsOf(check, benchmark.config)
            #expect(!paths.isEmpty, "\(check.id) reads no file")
            var saved: [(String, stat)] = []
            for path in paths {
                var info = stat()
                stat(root + path, &info)
                saved.append((path, info))
                chmod(root + path, 0o777)
                chown(root + path, 65534, 65534)
            }
            let result = NodeBenchmark(root: root).evaluate(check)
            #expect(result.status == (check.scored ? .fail : .warn), "\(check.id): \(result.status) \(result.evidence)")
            for (path, info) in saved {
                chmod(root + path, info.st_mode & 0o7777)
                chown(root + path, info.st_uid, info.st_gid)
            }
        }
    }

    func pathsOf(_ check: BenchCheck, _ config: NodeConfig) -> [String] {
        let reference: FileRef
        switch check.test {
        case .permissions(let file, _), .owner(let file, _): reference = file
        default: return []
        }
        switch reference {
        case .path(let candidates): return candidates.filter(config.filesystem.exists)
        case .manifest(let component): return config.manifests[component].map { [$0] } ?? []
        case .tree(let directory, let suffix): return config.filesystem.walk(directory).filter { path in suffix.map { path.hasSuffix($0) } ?? true }
        case .flagPath(let component, let flag, let fallback): return [config.flags[component]?.last(flag)?.value ?? fallback ?? ""]
        case .kubeletConfigFile: return config.kubeletConfigPath.map { [$0] } ?? []
        case .kubeletServiceFile: return config.kubeletServiceFile.map { [$0] } ?? []
        case .kubeletClientCA: return ["/etc/kubernetes/pki/ca.crt"]
        }
    }

    @Test func badInputIsWarnedNotFatal() throws {
        let root = try Self.tree("node-hardened")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A manifest that is not YAML, a kubelet config of an unknown version, a flag given twice,
        // an unreadable file and a link out of the root.
        try "::: not yaml [".write(toFile: root + "/etc/kubernetes/manifests/kube-scheduler.yaml", atomically: false, encoding: .utf8)
        let kubelet = root + "/var/lib/kubelet/config.yaml"
        try (try String(contentsOfFile: kubelet, encoding: .utf8)).replacingOccurrences(of: "kubelet.config.k8s.io/v1beta1", with: "kubelet.config.k8s.io/v9")
            .write(toFile: kubelet, atomically: false, encoding: .utf8)
        let apiserver = root + "/etc/kubernetes/manifests/kube-apiserver.yaml"
        try (try String(contentsOfFile: apiserver, encoding: .utf8)).replacingOccurrences(
            of: "- --profiling=false", with: "- --profiling=false\n    - --profiling=true"
        )
        .write(toFile: apiserver, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: root + "/etc/kubernetes/admin.conf")
        try FileManager.default.createSymbolicLink(atPath: root + "/etc/kubernetes/admin.conf", withDestinationPath: "/etc/passwd")
        let benchmark = NodeBenchmark(root: root)
        let warnings = benchmark.config.warnings.joined(separator: "\n")
        #expect(warnings.contains("kube-scheduler"))
        #expect(warnings.contains("not a KubeletConfiguration of a known version"))
        #expect(warnings.contains("--profiling is given twice"))
        let results = Dictionary(uniqueKeysWithValues: benchmark.run(targets: [.master, .etcd, .node]).map { ($0.check.id, $0) })
        #expect(results["1.2.15"]?.status == .fail)  // the last --profiling wins
        #expect(results["1.1.13"]?.status == .warn)
        #expect(results["1.1.13"]?.evidence.first?.contains("outside the root") == true)
        #expect(results["1.4.1"]?.status == .warn)  // scheduler unreadable, not a crash
        #expect(results["1.2.7"]?.status == .pass)  // the rest is still evaluated
    }

    @Test func flagsParse() {
        let flags = FlagSet.parse([("--a=1", 1), ("--b", 2), ("two", 2), ("--c", 3), ("-d=x,y", 4)], file: "f")
        #expect(flags.map(\.name) == ["--a", "--b", "--c", "--d"])
        #expect(flags.map(\.value) == ["1", "two", nil, "x,y"])
        #expect(NodeConfig.tokens("a \"b c\" 'd' e\\ ") == ["a", "b c", "d", "e"])
    }
}
