import ArgumentParser
import BrightKeysCore
import Checks
import Foundation
import KubeModel
import Policy
import Reporters

enum ScanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, junit
}

extension Severity: ExpressibleByArgument {}
extension PodSecurityLevel: ExpressibleByArgument {}

/// Loads the configuration named by `--config`, or `.brightkeys.yaml` in the working directory.
func loadConfig(_ path: String?) throws -> ScanConfig {
    let file = path ?? ".brightkeys.yaml"
    guard path != nil || FileManager.default.fileExists(atPath: file) else { return ScanConfig() }
    switch ScanConfig.load(file: file) {
    case .success(let config): return config
    case .failure(let error):
        writeErr(error.description + "\n")
        throw ExitCode(2)
    }
}

func parseVersion(_ text: String) throws -> KubeVersion {
    guard let version = KubeVersion(parsing: text) else {
        throw ValidationError("version must be v1.N (e.g. v1.31) or latest, not \"\(text)\"")
    }
    return version
}

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Run every check over manifests (files, directories, - for stdin).")

    @Argument(help: "Files, directories (searched recursively for .yaml, .yml, .json) or - for standard input.")
    var paths: [String] = []

    @Option(name: [.short, .customLong("format")], help: "text, json, sarif or junit.")
    var output: ScanFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity: info, low, medium, high, critical.")
    var failOn: Severity = .low

    @Option(name: .customLong("pss-level"), help: "The Pod Security Standards level whose controls count: baseline or restricted.")
    var pssLevel: PodSecurityLevel?

    @Option(name: .customLong("pss-version"), help: "The Pod Security Standards version: v1.N or latest.")
    var pssVersion: String?

    @Option(name: .customLong("config"), help: "Configuration file (default: .brightkeys.yaml in the working directory, if present).")
    var configPath: String?

    @Option(
        name: .customLong("policy"),
        help:
            "CEL policy files or directories: ValidatingAdmissionPolicies with bindings, Kyverno CEL policies, Gatekeeper K8sNativeValidation templates with constraints, and parameter objects; each object is evaluated as a CREATE request."
    )
    var policyPaths: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one file, directory, or - for standard input") }
        if let pssVersion { _ = try parseVersion(pssVersion) }
    }

    func run() throws {
        let config = try loadConfig(configPath)
        let version = try pssVersion.map(parseVersion) ?? config.pssVersion ?? .newest
        let context = CheckContext(
            pssLevel: pssLevel ?? config.pssLevel ?? .restricted, pssVersion: version,
            catalog: WorkloadCatalog(extra: config.podSpecPaths))
        let registry = try BuiltinChecks.registry()
        var scanner = Scanner(registry: registry, config: config, context: context)
        scanner.recordEvaluations = output == .junit
        var policyErrors: [InputError] = []
        var extraDescriptors: [CheckDescriptor] = []
        if !policyPaths.isEmpty {
            let (policies, errors) = loadPolicies(policyPaths)
            policyErrors = errors
            var checks = PolicyChecks(policies: policies)
            if checks.needsNamespaces {
                // Namespace selectors need the namespaces of the whole input first.
                let loader = ManifestLoader()
                let objects = loader.expand(paths).files.flatMap { loader.load(file: $0).objects }
                checks = PolicyChecks(policies: policies, namespaces: PolicyChecks.namespaces(in: objects))
            }
            let evaluate = checks
            scanner.additionalChecks = { evaluate.findings(for: $0) }
            extraDescriptors = policies.descriptorSeeds.map(PolicyChecks.descriptor(for:))
        }
        let showProgress = isatty(STDERR_FILENO) == 1
        if showProgress {
            scanner.progress = { done, total in
                guard total >= 200 else { return }
                writeErr("\rscanning: \(done)/\(total) files" + (done == total ? "\r\u{1B}[K" : ""))
            }
        }
        var report = scanner.scan(paths: paths)
        // A policy that cannot be loaded is an input error; the others were evaluated.
        report.inputErrors += policyErrors
        let start = DispatchTime.now().uptimeNanoseconds
        let code = emit(
            report, format: output, descriptors: registry.descriptors + extraDescriptors, color: outputOptions.useColor, failOn: failOn)
        if ProcessInfo.processInfo.environment["BRIGHTKEYS_TIMING"] != nil {
            for (phase, seconds) in report.timings { writeErr("timing: \(phase) \(String(format: "%.3f", seconds)) s\n") }
            writeErr("timing: report \(String(format: "%.3f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) s\n")
        }
        // Everything is written: leave without tearing down the report, which only costs time.
        Foundation.exit(code)
    }
}

/// Writes a scan report in the chosen format and exits as every scanning command promises.
/// Returns the exit code.
func emit(_ report: ScanReport, format output: ScanFormat, descriptors: [CheckDescriptor], color: Bool, failOn: Severity) -> Int32 {
    switch output {
    case .text:
        writeOut(TextReporter(color: color).render(report))
    case .json:
        writeOut(JSONReporter.render(report))
    case .sarif:
        writeOut(SARIFReporter.render(report, descriptors: descriptors, version: BrightKeys.version))
    case .junit:
        writeOut(JUnitReporter.render(report))
    }
    if output != .text {
        // Machine formats keep stdout clean; people still see problems and the tally.
        for error in report.sortedErrors { writeErr("\(error.description)\n") }
        writeErr(TextReporter(color: false).summary(report) + "\n")
    }
    if report.findings.contains(where: { $0.severity >= failOn }) { return 1 }
    if !report.inputErrors.isEmpty { return 2 }
    return 0
}

/// Loads CEL policy files: problems become input errors (file:line), the rest is used.
func loadPolicies(_ paths: [String]) -> (CELPolicies, [InputError]) {
    let loader = ManifestLoader()
    let (files, expandErrors) = loader.expand(paths)
    var errors = expandErrors
    var objects: [KubeObject] = []
    for file in files {
        let loaded = loader.load(file: file)
        errors += loaded.errors
        objects += loaded.objects
    }
    let (policies, problems) = CELPolicies.load(objects)
    errors += problems.map { InputError(file: $0.file, position: SourcePosition(line: $0.line, column: 1), message: $0.message) }
    return (policies, errors)
}
