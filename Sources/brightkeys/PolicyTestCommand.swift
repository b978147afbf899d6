import ArgumentParser
import Foundation
import Policy

/// `brightkeys policy`: the Kyverno and Gatekeeper CEL policies users already have.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Kyverno and Gatekeeper CEL policies, evaluated by brightkeys.", subcommands: [Test.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the Kyverno (kyverno-test.yaml) and gator (Suite) test suites kept next to policies.",
            discussion: """
                Directories are searched recursively. Kyverno ValidatingPolicy and validate.cel rules \
                (with their autogen rules) and K8sNativeValidation ConstraintTemplates are evaluated; \
                other rule types are reported as not evaluated. Exits 1 when an expectation fails, \
                2 on input errors (unreadable files, malformed suites, policies that do not compile).
                """)

        @Argument(help: "Files or directories holding test suites.")
        var paths: [String] = []

        func validate() throws {
            if paths.isEmpty { throw ValidationError("give the files or directories holding kyverno-test.yaml or gator Suite files") }
        }

        func run() throws {
            let (suites, findErrors) = PolicyTestSuites.find(paths)
            var errors = findErrors
            if suites.isEmpty {
                for error in errors { writeErr("error: \(error)\n") }
                writeErr("error: no kyverno-test.yaml or gator Suite files in \(paths.joined(separator: ", "))\n")
                throw ExitCode(2)
            }
            var passed = 0
            var failed = 0
            var skipped = 0
            for suite in suites {
                let report = PolicyTestSuites.run(suite)
                writeOut("\(suite.kind.rawValue) \(suite.file)\n")
                for outcome in report.outcomes {
                    writeOut("  \(outcome.status.rawValue)  \(outcome.subject): \(outcome.detail)\n")
                }
                passed += report.passed
                failed += report.failed
                skipped += report.skipped
                errors += report.errors
            }
            for error in errors { writeErr("error: \(error)\n") }
            writeOut("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : "") + "\n")
            if !errors.isEmpty { throw ExitCode(2) }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
