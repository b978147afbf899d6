import ArgumentParser
import Foundation

/// The brightkeys command line: thin commands over the libraries.
@main
struct BrightKeys: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "brightkeys",
        abstract: "Kubernetes security checks with one verdict in CI, at admission and on a live cluster.",
        version: version,
        subcommands: [
            ScanCommand.self, PSSCommand.self, ChecksCommand.self, RBACCommand.self, NetpolCommand.self, NodeCommand.self, AuditLogCommand.self,
            WebhookCommand.self, CELCommand.self, PolicyCommand.self,
        ]
    )

    /// Usage errors exit with 2, as every brightkeys command promises, not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options every command that reads manifests shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .customLong("no-color"), help: "Never colour text output (NO_COLOR is honoured too).")
    var noColor = false

    var useColor: Bool {
        !noColor && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true && isatty(STDOUT_FILENO) == 1
    }
}

func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

func writeErr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
