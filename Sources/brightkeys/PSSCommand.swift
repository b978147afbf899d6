import ArgumentParser
import BrightKeysCore
import Foundation
import KubeModel
import PodSecurity
import Reporters

enum PSSFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct PSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pss", abstract: "Evaluate pod-bearing objects against a Pod Security Standards level and version, like Pod Security Admission.")

    @Option(help: "baseline or restricted.")
    var level: PodSecurityLevel = .restricted

    @Option(help: "v1.N (v1.0 to v\(KubeVersion.newest.major).\(KubeVersion.newest.minor)) or latest.")
    var version: String = "latest"

    @Option(name: [.short, .customLong("format")], help: "text or json.")
    var output: PSSFormat = .text

    @Option(name: .customLong("config"), help: "Configuration file, for podSpecs of custom resources.")
    var configPath: String?

    @Argument(help: "Files, directories or - for standard input.")
    var paths: [String] = []

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one file, directory, or - for standard input") }
        _ = try parseVersion(version)
    }

    func run() throws {
        let config = try loadConfig(configPath)
        let resolved = try parseVersion(version)
        let catalog = WorkloadCatalog(extra: config.podSpecPaths)
        let loader = ManifestLoader()
        let (files, expandErrors) = loader.expand(paths)
        let loadedFiles = ParallelMap.run(count: files.count, workers: ProcessInfo.processInfo.activeProcessorCount) { index in
            loader.load(file: files[index])
        }
        var errors = expandErrors
        var results: [PSSResult] = []
        for loaded in loadedFiles {
            errors += loaded.errors
            for object in loaded.objects {
                guard let pod = catalog.podView(for: object) else { continue }
                let violations = PodSecurityEvaluator.evaluate(pod, level: level, version: resolved)
                results.append(PSSResult(object: object, level: level, version: resolved.description, violations: violations))
            }
        }
        switch output {
        case .json: writeOut(PSSReporter.json(results, errors: errors))
        case .text: writeOut(PSSReporter.text(results, errors: errors, color: outputOptions.useColor))
        }
        if results.contains(where: { !$0.allowed }) { throw ExitCode(1) }
        if !errors.isEmpty { throw ExitCode(2) }
    }
}
