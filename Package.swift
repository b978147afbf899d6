// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "brightkeys",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "brightkeys", targets: ["brightkeys"]),
        .library(name: "KubeModel", targets: ["KubeModel"]),
        .library(name: "BrightKeysCore", targets: ["BrightKeysCore"]),
        .library(name: "PodSecurity", targets: ["PodSecurity"]),
        .library(name: "Checks", targets: ["Checks"]),
        .library(name: "Reporters", targets: ["Reporters"]),
        .library(name: "RBACAnalysis", targets: ["RBACAnalysis"]),
        .library(name: "NetworkAnalysis", targets: ["NetworkAnalysis"]),
        .library(name: "NodeBenchmark", targets: ["NodeBenchmark"]),
        .library(name: "AuditLog", targets: ["AuditLog"]),
        .library(name: "Admission", targets: ["Admission"]),
        .library(name: "CEL", targets: ["CEL"]),
        .library(name: "Policy", targets: ["Policy"]),
    ],
    dependencies: [
        // Yams is used for its bundled libyaml (module CYaml): KubeModel drives libyaml's event
        // parser directly so that composing is iterative, bounded and keeps every field's line.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
    ],
    targets: [
        .target(name: "KubeModel", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "PodSecurity", dependencies: ["KubeModel", "BrightKeysCore"]),
        .target(name: "BrightKeysCore", dependencies: ["KubeModel"]),
        .target(name: "RBACAnalysis", dependencies: ["KubeModel"]),
        .target(name: "NetworkAnalysis", dependencies: ["KubeModel"]),
        .target(name: "NodeBenchmark", dependencies: ["KubeModel"]),
        .target(name: "AuditLog", dependencies: ["KubeModel", "RBACAnalysis"]),
        // AdmissionReview in, AdmissionReview out: pure, no I/O but the namespace lookup.
        .target(name: "Admission", dependencies: ["KubeModel", "BrightKeysCore", "PodSecurity", "Policy"]),
        // Common Expression Language: parser, evaluator and the Kubernetes libraries; no dependencies.
        .target(name: "CEL"),
        // Policies in CEL: ValidatingAdmissionPolicy, Kyverno and Gatekeeper CEL policies.
        .target(name: "Policy", dependencies: ["CEL", "KubeModel", "BrightKeysCore", "RBACAnalysis"]),
        .executableTarget(name: "cel-conformance", dependencies: ["CEL"]),
        .executableTarget(name: "cel-bench", dependencies: ["CEL"]),
        .testTarget(name: "CELTests", dependencies: ["CEL"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "CEL", "KubeModel"], exclude: ["Fixtures"]),
        // The only target that imports Hummingbird: TLS servers' wiring, nothing else.
        .target(
            name: "Servers",
            dependencies: [
                "AuditLog", "KubeModel", "Admission",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // `webhook certs` and `webhook manifests`: a CA and serving certificate, and the deployment.
        .target(
            name: "WebhookDeploy",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .target(name: "Checks", dependencies: ["KubeModel", "BrightKeysCore", "PodSecurity", "RBACAnalysis", "NetworkAnalysis"]),
        .target(name: "Reporters", dependencies: ["KubeModel", "BrightKeysCore", "PodSecurity"]),
        .target(name: "CheckTesting", dependencies: ["KubeModel", "BrightKeysCore", "Checks"]),
        .executableTarget(
            name: "brightkeys",
            dependencies: [
                "KubeModel", "BrightKeysCore", "PodSecurity", "Checks", "Reporters", "RBACAnalysis", "NetworkAnalysis", "NodeBenchmark", "AuditLog", "Servers",
                "Admission", "WebhookDeploy", "Policy", "CEL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "rbac-bench", dependencies: ["KubeModel", "BrightKeysCore", "RBACAnalysis"]),
        .executableTarget(name: "netpol-bench", dependencies: ["KubeModel", "BrightKeysCore", "NetworkAnalysis"]),
        .executableTarget(name: "audit-bench", dependencies: ["KubeModel", "AuditLog"]),
        .executableTarget(
            name: "audit-webhook-bench",
            dependencies: [
                "Servers", "AuditLog",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .executableTarget(
            name: "webhook-bench",
            dependencies: [
                "Servers", "KubeModel", "Admission", "BrightKeysCore", "Checks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ]),
        .testTarget(name: "KubeModelTests", dependencies: ["KubeModel"]),
        .testTarget(name: "AuditLogTests", dependencies: ["AuditLog", "KubeModel"]),
        .testTarget(name: "NodeBenchmarkTests", dependencies: ["NodeBenchmark", "KubeModel"]),
        .testTarget(name: "NetworkAnalysisTests", dependencies: ["NetworkAnalysis", "KubeModel"], exclude: ["Fixtures"]),
        .testTarget(name: "RBACAnalysisTests", dependencies: ["RBACAnalysis", "KubeModel"], exclude: ["Fixtures"]),
        .testTarget(name: "PodSecurityTests", dependencies: ["PodSecurity", "BrightKeysCore", "KubeModel"]),
        .testTarget(name: "ChecksTests", dependencies: ["Checks", "CheckTesting", "BrightKeysCore", "KubeModel"]),
        .testTarget(
            name: "ReportersTests", dependencies: ["Reporters", "Checks", "BrightKeysCore", "KubeModel"],
            exclude: ["Golden"]),
        .testTarget(name: "CLITests", dependencies: ["brightkeys"]),
        .testTarget(name: "AdmissionTests", dependencies: ["Admission", "BrightKeysCore", "Checks", "KubeModel", "PodSecurity", "Policy"]),
        .testTarget(
            name: "ServersTests",
            dependencies: [
                "Servers", "AuditLog", "Admission", "BrightKeysCore", "Checks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
    ]
)
