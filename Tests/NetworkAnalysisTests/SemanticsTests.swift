import Foundation
import KubeModel
import Testing

@testable import NetworkAnalysis

/// Cases written from the Kubernetes NetworkPolicy specification: each Fixtures/<case> folder
/// holds input.yaml and the expected connlist.
struct SemanticsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: fixtures.appendingPathComponent($0).appendingPathComponent("expected.txt").path)
        }.sorted()
    }

    static func topology(_ text: String) -> Topology {
        Topology(objects: ManifestLoader().load(bytes: Array(text.utf8), file: "input.yaml").objects)
    }

    @Test func thereAreSpecCases() {
        #expect(Self.cases.count >= 20)
    }

    @Test("connlist equals the expected one", arguments: cases)
    func connlist(name: String) throws {
        let folder = Self.fixtures.appendingPathComponent(name)
        let input = try String(contentsOf: folder.appendingPathComponent("input.yaml"), encoding: .utf8)
        let expected = try String(contentsOf: folder.appendingPathComponent("expected.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let topology = Self.topology(input)
        #expect(topology.problems.isEmpty, "\(topology.problems)")
        let got = Reachability(topology: topology).allConnections().map(\.line)
        #expect(Set(got) == Set(expected), "missing: \(Set(expected).subtracting(got).sorted())\nextra: \(Set(got).subtracting(expected).sorted())")
    }

    @Test("generated policies reproduce the connections", arguments: cases)
    func generateRoundTrip(name: String) throws {
        let input = try String(contentsOf: Self.fixtures.appendingPathComponent(name).appendingPathComponent("input.yaml"), encoding: .utf8)
        let topology = Self.topology(input)
        let wanted = Reachability(topology: topology).allConnections()
        let requests = wanted.map { RequestedConnection(source: $0.source, destination: $0.destination, connections: $0.connections) }
        let generated = PolicyGenerator.generate(topology, requests: requests, allowDNS: false)
        guard generated.warnings.isEmpty else { return }  // workloads policies cannot tell apart
        let policies = Self.topology(generated.yaml).policies
        let achieved = Reachability(topology: topology.replacingPolicies(policies)).allConnections()
        #expect(
            ConnectionEquivalence.differences(wanted, achieved).isEmpty, "\(ConnectionEquivalence.differences(wanted, achieved).prefix(5))\n\(generated.yaml)")
    }
}
