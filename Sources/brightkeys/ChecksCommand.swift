import ArgumentParser
import BrightKeysCore
import Checks
import Reporters

enum CatalogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown
}

struct ChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks", abstract: "The check catalogue.", subcommands: [List.self, Explain.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every check.")

        @Option(name: [.short, .customLong("format")], help: "text, json or markdown.")
        var output: CatalogFormat = .text

        func run() throws {
            let descriptors = try BuiltinChecks.registry().descriptors
            switch output {
            case .text: writeOut(CatalogReporter.text(descriptors))
            case .json: writeOut(CatalogReporter.json(descriptors))
            case .markdown: writeOut(CatalogReporter.markdown(descriptors))
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Explain one check: why, how to fix, examples.")

        @Argument(help: "A check ID, slug or alias.")
        var name: String

        func run() throws {
            guard let check = try BuiltinChecks.registry().check(named: name) else {
                throw ValidationError("no check is called \"\(name)\"; see brightkeys checks list")
            }
            writeOut(CatalogReporter.explain(check.descriptor))
        }
    }
}
