import BrightKeysCore
import Checks
import Foundation
import KubeModel

/// Turns a check's examples into manifests and runs them, so that one parameterized test can
/// verify every check's descriptor.
public enum ExampleRunner {
    /// A workload shape a pod-spec example is placed into.
    public struct Wrapper: Sendable {
        public let kind: String
        /// Lines before the pod spec; the spec is indented by `indent` spaces.
        public let header: String
        public let indent: Int
    }

    public static let wrappers: [Wrapper] = [
        Wrapper(kind: "Pod", header: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: example\n  namespace: demo\nspec:", indent: 2),
        Wrapper(
            kind: "Deployment",
            header: """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: example
                  namespace: demo
                spec:
                  selector: {matchLabels: {app: example}}
                  template:
                    metadata:
                      labels: {app: example}
                    spec:
                """, indent: 6),
        Wrapper(
            kind: "CronJob",
            header: """
                apiVersion: batch/v1
                kind: CronJob
                metadata:
                  name: example
                  namespace: demo
                spec:
                  schedule: "0 * * * *"
                  jobTemplate:
                    spec:
                      template:
                        spec:
                """, indent: 10),
    ]

    /// A manifest for an example and the 1-based lines of its markers in that manifest.
    public struct Manifest: Sendable {
        public let yaml: String
        public let markedLines: [Int]
    }

    public static func manifests(for example: Example, annotations: [String: String] = [:]) -> [Manifest] {
        switch example.form {
        case .object:
            guard !annotations.isEmpty else { return [Manifest(yaml: example.yaml, markedLines: example.markedLines)] }
            // Insert annotations right under metadata; markers below it shift accordingly.
            var lines = example.yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let index = lines.firstIndex(where: { $0.hasPrefix("metadata:") }) else {
                return [Manifest(yaml: example.yaml, markedLines: example.markedLines)]
            }
            var metadata = lines[index]
            if metadata.hasSuffix("}") {
                metadata.removeLast()
                metadata += ", annotations: {\(annotationList(annotations))}}"
                lines[index] = metadata
                return [Manifest(yaml: lines.joined(separator: "\n"), markedLines: example.markedLines)]
            }
            lines.insert("  annotations: {\(annotationList(annotations))}", at: index + 1)
            return [Manifest(yaml: lines.joined(separator: "\n"), markedLines: example.markedLines.map { $0 > index + 1 ? $0 + 1 : $0 })]
        case .podSpec:
            return wrappers.map { wrapper in
                var header = wrapper.header
                if !annotations.isEmpty {
                    header = header.replacingOccurrences(
                        of: "  namespace: demo\n", with: "  namespace: demo\n  annotations: {\(annotationList(annotations))}\n")
                }
                let headerLines = header.split(separator: "\n", omittingEmptySubsequences: false).count
                let pad = String(repeating: " ", count: wrapper.indent)
                let body = example.yaml.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }
                return Manifest(yaml: header + "\n" + body.joined(separator: "\n") + "\n", markedLines: example.markedLines.map { $0 + headerLines })
            }
        }
    }

    private static func annotationList(_ annotations: [String: String]) -> String {
        annotations.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
    }

    /// Loads a manifest from memory.
    public static func objects(_ yaml: String, file: String = "example.yaml") -> LoadedFile {
        ManifestLoader().load(bytes: Array(yaml.utf8), file: file)
    }

    /// Runs one check (through a scanner, so suppression applies) on a manifest.
    public static func findings(of check: any Check, in yaml: String, context: CheckContext = CheckContext()) throws -> (
        findings: [Finding], loaded: LoadedFile
    ) {
        let registry = try CheckRegistry([check])
        let scanner = Scanner(registry: registry, context: context)
        let loaded = objects(yaml)
        return (scanner.scan(loaded: loaded).findings, loaded)
    }
}
