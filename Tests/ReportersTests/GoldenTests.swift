import BrightKeysCore
import Checks
import Foundation
import KubeModel
import Testing

@testable import Reporters

/// Reporter output over the bundled example, compared with committed golden files. Set
/// BRIGHTKEYS_RECORD=1 to write them anew after an intended change.
@Suite(.serialized)
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func report(junit: Bool = false) throws -> (ScanReport, CheckRegistry) {
        let registry = try BuiltinChecks.registry()
        var scanner = Scanner(registry: registry, today: "2026-01-01")
        scanner.recordEvaluations = junit
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        return (scanner.scan(paths: ["examples/startup-cluster"], workers: 1), registry)
    }

    func compare(_ text: String, _ name: String) throws {
        let url = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["BRIGHTKEYS_RECORD"] != nil {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(text == expected, "\(name) drifted; run with BRIGHTKEYS_RECORD=1 if the change is intended")
    }

    @Test func text() throws {
        try compare(TextReporter(color: false).render(try Self.report().0), "startup-cluster.txt")
    }

    @Test func json() throws {
        let rendered = JSONReporter.render(try Self.report().0)
        try compare(rendered, "startup-cluster.json")
        let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any]
        #expect((parsed?["summary"] as? [String: Any])?["objects"] as? Int == 11)
        #expect(!rendered.contains("Sup3rS3cret"), "secret values are never printed")
        #expect(!rendered.contains("admin123"))
    }

    @Test func sarif() throws {
        let (report, registry) = try Self.report()
        let rendered = SARIFReporter.render(report, descriptors: registry.descriptors, version: "0.0.0-test")
        try compare(rendered, "startup-cluster.sarif")
        let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: Any]
        #expect(parsed?["version"] as? String == "2.1.0")
        let run = (parsed?["runs"] as? [[String: Any]])?.first
        let results = run?["results"] as? [[String: Any]] ?? []
        #expect(results.count == report.findings.count)
        let rules = ((run?["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        #expect(rules.count == registry.checks.count)
        for result in results {
            let index = result["ruleIndex"] as? Int ?? -1
            #expect(rules.indices.contains(index) && rules[index]["id"] as? String == result["ruleId"] as? String)
        }
    }

    @Test func junit() throws {
        let rendered = JUnitReporter.render(try Self.report(junit: true).0)
        try compare(rendered, "startup-cluster.junit.xml")
        #expect(rendered.contains("<testsuites name=\"brightkeys\""))
        #expect(!rendered.contains("Sup3rS3cret"))
    }

    @Test func docsAreUpToDate() throws {
        let generated = CatalogReporter.markdown(try BuiltinChecks.registry().descriptors)
        let url = Self.root.appendingPathComponent("docs/checks.md")
        if ProcessInfo.processInfo.environment["BRIGHTKEYS_RECORD"] != nil {
            try generated.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == generated, "docs/checks.md is stale: run `swift run brightkeys checks list -o markdown > docs/checks.md`")
    }
}
