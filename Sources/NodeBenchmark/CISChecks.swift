/// The CIS Kubernetes Benchmark v1.12 recommendations of sections 1, 2 and 4, with the pass
/// conditions kube-bench applies, and one check of our own on the audit policy's contents.
/// Texts and remediations are ours.
public enum CISChecks {
    static let manifests = "/etc/kubernetes/manifests"
    static let pki = "/etc/kubernetes/pki"

    static func perms(_ id: String, _ target: BenchTarget, _ what: String, _ file: FileRef, _ mode: Int, scored: Bool = true) -> BenchCheck {
        BenchCheck(
            id, target, scored: scored, "\(what) has permissions \(String(mode, radix: 8)) or stricter", .permissions(file, mode),
            fix: "Run chmod \(String(mode, radix: 8)) on \(what).")
    }

    static func owner(_ id: String, _ target: BenchTarget, _ what: String, _ file: FileRef, _ owner: String = "root:root", scored: Bool = true) -> BenchCheck {
        BenchCheck(id, target, scored: scored, "\(what) is owned by \(owner)", .owner(file, owner), fix: "Run chown \(owner) on \(what).")
    }

    static func api(_ id: String, scored: Bool = true, _ text: String, _ test: BenchTest, fix: String) -> BenchCheck {
        BenchCheck(id, .master, scored: scored, text, test, fix: fix)
    }

    static let apiserver = Component.apiserver
    static let controllerManager = Component.controllerManager
    static let scheduler = Component.scheduler

    public static let all: [BenchCheck] = section1 + section2 + section4 + extras

    static let section1: [BenchCheck] = [
        perms("1.1.1", .master, "the API server static pod manifest", .manifest(.apiserver), 0o600),
        owner("1.1.2", .master, "the API server static pod manifest", .manifest(.apiserver)),
        perms("1.1.3", .master, "the controller manager static pod manifest", .manifest(.controllerManager), 0o600),
        owner("1.1.4", .master, "the controller manager static pod manifest", .manifest(.controllerManager)),
        perms("1.1.5", .master, "the scheduler static pod manifest", .manifest(.scheduler), 0o600),
        owner("1.1.6", .master, "the scheduler static pod manifest", .manifest(.scheduler)),
        perms("1.1.7", .master, "the etcd static pod manifest", .manifest(.etcd), 0o600),
        owner("1.1.8", .master, "the etcd static pod manifest", .manifest(.etcd)),
        perms("1.1.9", .master, "every CNI configuration file", .tree("/etc/cni/net.d", suffix: nil), 0o600, scored: false),
        owner("1.1.10", .master, "every CNI configuration file", .tree("/etc/cni/net.d", suffix: nil), scored: false),
        perms("1.1.11", .master, "the etcd data directory", .flagPath(.etcd, "--data-dir", fallback: "/var/lib/etcd"), 0o700),
        owner("1.1.12", .master, "the etcd data directory", .flagPath(.etcd, "--data-dir", fallback: "/var/lib/etcd"), "etcd:etcd"),
        perms("1.1.13", .master, "admin.conf", .path(["/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"]), 0o600),
        owner("1.1.14", .master, "admin.conf", .path(["/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"])),
        perms("1.1.15", .master, "the scheduler kubeconfig (scheduler.conf)", .path(["/etc/kubernetes/scheduler.conf"]), 0o600),
        owner("1.1.16", .master, "the scheduler kubeconfig (scheduler.conf)", .path(["/etc/kubernetes/scheduler.conf"])),
        perms("1.1.17", .master, "the controller manager kubeconfig (controller-manager.conf)", .path(["/etc/kubernetes/controller-manager.conf"]), 0o600),
        owner("1.1.18", .master, "the controller manager kubeconfig (controller-manager.conf)", .path(["/etc/kubernetes/controller-manager.conf"])),
        owner("1.1.19", .master, "the PKI directory and every file in it", .tree(pki, suffix: nil)),
        perms("1.1.20", .master, "every PKI certificate (*.crt)", .tree(pki, suffix: ".crt"), 0o644, scored: false),
        perms("1.1.21", .master, "every PKI private key (*.key)", .tree(pki, suffix: ".key"), 0o600, scored: false),

        api(
            "1.2.1", scored: false, "API server refuses anonymous requests (--anonymous-auth=false)", .flag(apiserver, "--anonymous-auth", .equals("false")),
            fix: "Set --anonymous-auth=false on the API server, after checking that health probes do not rely on anonymous access."),
        api(
            "1.2.2", "API server does not use a static token file (--token-auth-file)", .flag(apiserver, "--token-auth-file", .notSet),
            fix: "Remove --token-auth-file and use a real authenticator."),
        api(
            "1.2.3", scored: false, "DenyServiceExternalIPs admission plugin is enabled",
            .flag(apiserver, "--enable-admission-plugins", .has("DenyServiceExternalIPs")),
            fix: "Add DenyServiceExternalIPs to --enable-admission-plugins unless services need external IPs."),
        api(
            "1.2.4", "API server authenticates to kubelets with a client certificate",
            .all([.flag(apiserver, "--kubelet-client-certificate", .set), .flag(apiserver, "--kubelet-client-key", .set)]),
            fix: "Set --kubelet-client-certificate and --kubelet-client-key on the API server."),
        api(
            "1.2.5", "API server verifies kubelet serving certificates (--kubelet-certificate-authority)",
            .flag(apiserver, "--kubelet-certificate-authority", .set),
            fix: "Set --kubelet-certificate-authority to the CA that signs kubelet serving certificates."),
        api(
            "1.2.6", "authorization mode does not include AlwaysAllow", .flag(apiserver, "--authorization-mode", .lacks("AlwaysAllow")),
            fix: "Remove AlwaysAllow from --authorization-mode."),
        api("1.2.7", "authorization mode includes Node", .flag(apiserver, "--authorization-mode", .has("Node")), fix: "Add Node to --authorization-mode."),
        api("1.2.8", "authorization mode includes RBAC", .flag(apiserver, "--authorization-mode", .has("RBAC")), fix: "Add RBAC to --authorization-mode."),
        api(
            "1.2.9", scored: false, "EventRateLimit admission plugin is enabled", .flag(apiserver, "--enable-admission-plugins", .has("EventRateLimit")),
            fix: "Enable EventRateLimit with an admission configuration that sets limits."),
        api(
            "1.2.10", "AlwaysAdmit admission plugin is not enabled",
            .any([.flag(apiserver, "--enable-admission-plugins", .lacks("AlwaysAdmit")), .flag(apiserver, "--enable-admission-plugins", .notSet)]),
            fix: "Remove AlwaysAdmit from --enable-admission-plugins."),
        api(
            "1.2.11", scored: false, "AlwaysPullImages admission plugin is enabled", .flag(apiserver, "--enable-admission-plugins", .has("AlwaysPullImages")),
            fix: "Add AlwaysPullImages to --enable-admission-plugins on multi-tenant clusters."),
        api(
            "1.2.12", "ServiceAccount admission plugin is not disabled",
            .any([.flag(apiserver, "--disable-admission-plugins", .lacks("ServiceAccount")), .flag(apiserver, "--disable-admission-plugins", .notSet)]),
            fix: "Remove ServiceAccount from --disable-admission-plugins."),
        api(
            "1.2.13", "NamespaceLifecycle admission plugin is not disabled",
            .any([.flag(apiserver, "--disable-admission-plugins", .lacks("NamespaceLifecycle")), .flag(apiserver, "--disable-admission-plugins", .notSet)]),
            fix: "Remove NamespaceLifecycle from --disable-admission-plugins."),
        api(
            "1.2.14", "NodeRestriction admission plugin is enabled", .flag(apiserver, "--enable-admission-plugins", .has("NodeRestriction")),
            fix: "Add NodeRestriction to --enable-admission-plugins."),
        api(
            "1.2.15", "API server profiling is off (--profiling=false)", .flag(apiserver, "--profiling", .equals("false")),
            fix: "Set --profiling=false on the API server."),
        api(
            "1.2.16", "API server writes an audit log (--audit-log-path)", .flag(apiserver, "--audit-log-path", .set),
            fix: "Set --audit-log-path and an audit policy file."),
        api(
            "1.2.17", "audit logs are kept at least 30 days", .flag(apiserver, "--audit-log-maxage", .atLeast(30)), fix: "Set --audit-log-maxage to 30 or more."
        ),
        api(
            "1.2.18", "at least 10 audit log files are kept", .flag(apiserver, "--audit-log-maxbackup", .atLeast(10)),
            fix: "Set --audit-log-maxbackup to 10 or more."),
        api(
            "1.2.19", "audit log files rotate at 100 MB or more", .flag(apiserver, "--audit-log-maxsize", .atLeast(100)),
            fix: "Set --audit-log-maxsize to 100 or more."),
        api(
            "1.2.20", scored: false, "API server request timeout is appropriate",
            .manual("Check that --request-timeout, if set, is long enough for the cluster's large requests and no longer."),
            fix: "Set --request-timeout only when the default of 60s does not fit."),
        api(
            "1.2.21", "service account tokens are looked up in etcd (--service-account-lookup)",
            .any([.flag(apiserver, "--service-account-lookup", .notSet), .flag(apiserver, "--service-account-lookup", .equals("true"))]),
            fix: "Remove --service-account-lookup=false."),
        api(
            "1.2.22", "a service account public key file is set (--service-account-key-file)", .flag(apiserver, "--service-account-key-file", .set),
            fix: "Set --service-account-key-file to the public key of the service account signing key."),
        api(
            "1.2.23", "API server talks to etcd with a client certificate",
            .all([.flag(apiserver, "--etcd-certfile", .set), .flag(apiserver, "--etcd-keyfile", .set)]), fix: "Set --etcd-certfile and --etcd-keyfile."),
        api(
            "1.2.24", "API server serves TLS with its own certificate",
            .all([.flag(apiserver, "--tls-cert-file", .set), .flag(apiserver, "--tls-private-key-file", .set)]),
            fix: "Set --tls-cert-file and --tls-private-key-file."),
        api("1.2.25", "API server verifies client certificates (--client-ca-file)", .flag(apiserver, "--client-ca-file", .set), fix: "Set --client-ca-file."),
        api("1.2.26", "API server verifies etcd's certificate (--etcd-cafile)", .flag(apiserver, "--etcd-cafile", .set), fix: "Set --etcd-cafile."),
        api(
            "1.2.27", scored: false, "Secrets are encrypted at rest (--encryption-provider-config)", .flag(apiserver, "--encryption-provider-config", .set),
            fix: "Write an EncryptionConfiguration and pass it with --encryption-provider-config."),
        api(
            "1.2.28", scored: false, "the first encryption provider for secrets is a real one (aescbc, aesgcm, secretbox or kms), not identity",
            .encryptionProvider,
            fix: "List aescbc, aesgcm, secretbox or kms before identity for the secrets resource."),
        api(
            "1.2.29", scored: false, "API server accepts only strong TLS cipher suites",
            .flag(
                apiserver, "--tls-cipher-suites",
                .validElements([
                    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
                    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                ])), fix: "Set --tls-cipher-suites to AEAD suites only."),
        api(
            "1.2.30", "service account token lifetimes are not extended (--service-account-extend-token-expiration=false)",
            .flag(apiserver, "--service-account-extend-token-expiration", .equals("false")), fix: "Set --service-account-extend-token-expiration=false."),

        BenchCheck(
            "1.3.1", .master, scored: false, "the controller manager garbage-collects terminated pods (--terminated-pod-gc-threshold)",
            .flag(controllerManager, "--terminated-pod-gc-threshold", .set), fix: "Set --terminated-pod-gc-threshold, e.g. 10."),
        BenchCheck(
            "1.3.2", .master, scored: true, "controller manager profiling is off (--profiling=false)",
            .flag(controllerManager, "--profiling", .equals("false")),
            fix: "Set --profiling=false on the controller manager."),
        BenchCheck(
            "1.3.3", .master, scored: true, "controllers use their own service account credentials",
            .flag(controllerManager, "--use-service-account-credentials", .notEquals("false")),
            fix: "Set --use-service-account-credentials=true."),
        BenchCheck(
            "1.3.4", .master, scored: true, "the controller manager signs service account tokens with a key file",
            .flag(controllerManager, "--service-account-private-key-file", .set), fix: "Set --service-account-private-key-file."),
        BenchCheck(
            "1.3.5", .master, scored: true, "the controller manager gives pods the cluster CA (--root-ca-file)",
            .flag(controllerManager, "--root-ca-file", .set),
            fix: "Set --root-ca-file."),
        BenchCheck(
            "1.3.6", .master, scored: true, "kubelet server certificate rotation is not disabled",
            .any([
                .flag(controllerManager, "--feature-gates", .lacks("RotateKubeletServerCertificate=false")),
                .flag(controllerManager, "--feature-gates", .notSet),
            ]),
            fix: "Remove RotateKubeletServerCertificate=false from --feature-gates."),
        BenchCheck(
            "1.3.7", .master, scored: true, "the controller manager binds to localhost only",
            .any([.flag(controllerManager, "--bind-address", .equals("127.0.0.1")), .flag(controllerManager, "--bind-address", .notSet)]),
            fix: "Set --bind-address=127.0.0.1 on the controller manager."),
        BenchCheck(
            "1.4.1", .master, scored: true, "scheduler profiling is off (--profiling=false)", .flag(scheduler, "--profiling", .equals("false")),
            fix: "Set --profiling=false on the scheduler."),
        BenchCheck(
            "1.4.2", .master, scored: true, "the scheduler binds to localhost only",
            .any([.flag(scheduler, "--bind-address", .equals("127.0.0.1")), .flag(scheduler, "--bind-address", .notSet)]),
            fix: "Set --bind-address=127.0.0.1 on the scheduler."),
    ]

    static let section2: [BenchCheck] = [
        BenchCheck(
            "2.1", .etcd, scored: true, "etcd serves clients over TLS", .all([.flag(.etcd, "--cert-file", .set), .flag(.etcd, "--key-file", .set)]),
            fix: "Set --cert-file and --key-file on etcd."),
        BenchCheck(
            "2.2", .etcd, scored: true, "etcd requires client certificates (--client-cert-auth=true)", .flag(.etcd, "--client-cert-auth", .equals("true")),
            fix: "Set --client-cert-auth=true on etcd."),
        BenchCheck(
            "2.3", .etcd, scored: true, "etcd does not use self-signed auto TLS",
            .any([.flag(.etcd, "--auto-tls", .notSet), .flag(.etcd, "--auto-tls", .equals("false"))]),
            fix: "Remove --auto-tls=true from etcd."),
        BenchCheck(
            "2.4", .etcd, scored: true, "etcd peers talk over TLS", .all([.flag(.etcd, "--peer-cert-file", .set), .flag(.etcd, "--peer-key-file", .set)]),
            fix: "Set --peer-cert-file and --peer-key-file on etcd."),
        BenchCheck(
            "2.5", .etcd, scored: true, "etcd peers require client certificates (--peer-client-cert-auth=true)",
            .flag(.etcd, "--peer-client-cert-auth", .equals("true")),
            fix: "Set --peer-client-cert-auth=true on etcd."),
        BenchCheck(
            "2.6", .etcd, scored: true, "etcd peers do not use self-signed auto TLS",
            .any([.flag(.etcd, "--peer-auto-tls", .notSet), .flag(.etcd, "--peer-auto-tls", .equals("false"))]), fix: "Remove --peer-auto-tls=true from etcd."),
        BenchCheck(
            "2.7", .etcd, scored: false, "etcd trusts a CA of its own (--trusted-ca-file)", .flag(.etcd, "--trusted-ca-file", .set),
            fix: "Give etcd a CA separate from the cluster CA and set --trusted-ca-file."),
    ]

    static func kubelet(
        _ id: String, scored: Bool, _ text: String, _ flag: String, _ config: [String]?, _ condition: FlagCondition, orUnset: Bool = false, fix: String
    )
        -> BenchCheck
    {
        let test: BenchTest = .kubelet(flag, config: config, condition)
        return BenchCheck(id, .node, scored: scored, text, orUnset ? .any([test, .kubelet(flag, config: config, .notSet)]) : test, fix: fix)
    }

    static let section4: [BenchCheck] = [
        perms("4.1.1", .node, "the kubelet service file", .kubeletServiceFile, 0o600),
        owner("4.1.2", .node, "the kubelet service file", .kubeletServiceFile),
        perms("4.1.3", .node, "the kube-proxy kubeconfig", .path(["/etc/kubernetes/proxy.conf", "/var/lib/kube-proxy/kubeconfig.conf"]), 0o600, scored: false),
        owner("4.1.4", .node, "the kube-proxy kubeconfig", .path(["/etc/kubernetes/proxy.conf", "/var/lib/kube-proxy/kubeconfig.conf"]), scored: false),
        perms("4.1.5", .node, "the kubelet kubeconfig (kubelet.conf)", .path(["/etc/kubernetes/kubelet.conf"]), 0o600),
        owner("4.1.6", .node, "the kubelet kubeconfig (kubelet.conf)", .path(["/etc/kubernetes/kubelet.conf"])),
        perms("4.1.7", .node, "the kubelet's client CA file", .kubeletClientCA, 0o644, scored: false),
        owner("4.1.8", .node, "the kubelet's client CA file", .kubeletClientCA, scored: false),
        perms("4.1.9", .node, "the kubelet configuration file", .kubeletConfigFile, 0o600),
        owner("4.1.10", .node, "the kubelet configuration file", .kubeletConfigFile),
        kubelet(
            "4.2.1", scored: true, "the kubelet refuses anonymous requests", "--anonymous-auth", ["authentication", "anonymous", "enabled"], .equals("false"),
            fix: "Set authentication.anonymous.enabled: false in the kubelet configuration."),
        kubelet(
            "4.2.2", scored: true, "the kubelet's authorization mode is not AlwaysAllow", "--authorization-mode", ["authorization", "mode"],
            .lacks("AlwaysAllow"),
            fix: "Set authorization.mode: Webhook in the kubelet configuration."),
        kubelet(
            "4.2.3", scored: true, "the kubelet verifies client certificates", "--client-ca-file", ["authentication", "x509", "clientCAFile"], .set,
            fix: "Set authentication.x509.clientCAFile in the kubelet configuration."),
        kubelet(
            "4.2.4", scored: false, "the kubelet's read-only port is off", "--read-only-port", ["readOnlyPort"], .equals("0"), orUnset: true,
            fix: "Set readOnlyPort: 0 in the kubelet configuration."),
        kubelet(
            "4.2.5", scored: false, "streaming connections do not stay open forever", "--streaming-connection-idle-timeout", ["streamingConnectionIdleTimeout"],
            .notEquals("0"), orUnset: true, fix: "Set streamingConnectionIdleTimeout to a duration such as 5m."),
        kubelet(
            "4.2.6", scored: true, "the kubelet manages iptables utility chains", "--make-iptables-util-chains", ["makeIPTablesUtilChains"], .equals("true"),
            orUnset: true, fix: "Remove makeIPTablesUtilChains: false from the kubelet configuration."),
        BenchCheck(
            "4.2.7", .node, scored: false, "the kubelet does not override its hostname", .kubelet("--hostname-override", config: nil, .notSet),
            fix: "Remove --hostname-override unless the cloud provider needs it."),
        kubelet(
            "4.2.8", scored: false, "the kubelet records events at a rate that keeps them", "--event-qps", ["eventRecordQPS"], .atLeast(0), orUnset: true,
            fix: "Set eventRecordQPS to a level that captures events."),
        BenchCheck(
            "4.2.9", .node, scored: false, "the kubelet serves TLS with its own certificate",
            .all([.kubelet("--tls-cert-file", config: ["tlsCertFile"], .set), .kubelet("--tls-private-key-file", config: ["tlsPrivateKeyFile"], .set)]),
            fix: "Set tlsCertFile and tlsPrivateKeyFile, or rely on serverTLSBootstrap with certificate rotation."),
        kubelet(
            "4.2.10", scored: true, "the kubelet rotates its client certificate", "--rotate-certificates", ["rotateCertificates"], .equals("true"),
            orUnset: true,
            fix: "Remove rotateCertificates: false from the kubelet configuration."),
        kubelet(
            "4.2.11", scored: false, "kubelet serving certificate rotation is not disabled", "RotateKubeletServerCertificate",
            ["featureGates", "RotateKubeletServerCertificate"], .notEquals("false"), orUnset: true,
            fix: "Remove RotateKubeletServerCertificate: false from the kubelet's feature gates."),
        kubelet(
            "4.2.12", scored: false, "the kubelet accepts only strong TLS cipher suites", "--tls-cipher-suites", ["tlsCipherSuites"],
            .validElements([
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256",
            ]), fix: "Set tlsCipherSuites to strong suites only."),
        kubelet(
            "4.2.13", scored: false, "pods have a process ID limit", "--pod-max-pids", ["podPidsLimit"], .set,
            fix: "Set podPidsLimit in the kubelet configuration."),
        kubelet(
            "4.2.14", scored: false, "the kubelet applies the runtime's default seccomp profile", "--seccomp-default", ["seccompDefault"], .set,
            fix: "Set seccompDefault: true in the kubelet configuration."),
        BenchCheck(
            "4.3.1", .node, scored: true, "kube-proxy serves metrics on localhost only",
            .manual("Check kube-proxy's configuration (on kubeadm, the kube-proxy ConfigMap in kube-system): metricsBindAddress must be 127.0.0.1."),
            fix: "Set metricsBindAddress: 127.0.0.1:10249 in kube-proxy's configuration."),
    ]

    static let extras: [BenchCheck] = [
        BenchCheck(
            "BK-1.2.16", .master, scored: true,
            "the audit policy records Secret access at Metadata or more and RBAC changes at RequestResponse", .auditPolicy,
            fix: "Add audit policy rules: level Metadata for secrets (all verbs), level RequestResponse for create/update/patch/delete of RBAC objects.")
    ]
}
