import KubeModel
import Testing

@testable import NetworkAnalysis

struct ProblemsTests {
    static let header = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: shop, labels: {app: web}}
        spec: {containers: [{name: web, image: "w:1", ports: [{name: http, containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: db, namespace: shop, labels: {app: db}}
        spec: {containers: [{name: db, image: "d:1"}]}
        """

    func topology(_ policy: String) -> Topology {
        let text = Self.header + "\n---\n" + policy
        return Topology(objects: ManifestLoader().load(bytes: Array(text.utf8), file: "t.yaml").objects)
    }

    @Test(arguments: [
        ("ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]", "spec.ingress[0].from[0].ipBlock.cidr"),
        ("ingress: [{ports: [{port: 90, endPort: 80}]}]", "spec.ingress[0].ports[0].endPort"),
        ("ingress: [{ports: [{port: http, endPort: 9000}]}]", "spec.ingress[0].ports[0].endPort"),
        ("ingress: [{ports: [{port: 80, protocol: ICMP}]}]", "spec.ingress[0].ports[0].protocol"),
        ("ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: Like, values: [web]}]}}]}]", "spec.ingress[0].from[0].podSelector"),
        ("ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}]}]", "spec.ingress[0].from[0].ipBlock.except[0]"),
    ])
    func invalidPolicyIsReportedAndDropped(spec: String, field: String) {
        let topology = topology(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\nspec:\n  podSelector: {}\n  \(spec)\n")
        #expect(topology.problems.count == 1)
        #expect(topology.problems.first?.message.contains("networkpolicy shop/bad \(field)") == true, "\(topology.problems)")
        #expect(topology.policies.isEmpty)
        // The rest is still analysed: without the rejected policy, everything is open.
        #expect(Reachability(topology: topology).allConnections().count == 6)
    }

    @Test func connectionStrings() {
        var set = ConnectionSet.ports(.tcp, 8080...8090).union(.ports(.tcp, 80...80)).union(.ports(.udp, 53...53)).union(.ports(.sctp, 9...9))
        #expect(set.description == "SCTP 9,TCP 80,8080-8090,UDP 53")
        set = ConnectionSet.protocolAll(.tcp)
        #expect(set.description == "TCP 1-65535")
        #expect(ConnectionSet.all.description == "All Connections")
        #expect(
            PolicyGenerator.parseConnections("TCP 80,8080-8090,UDP 53")
                == ConnectionSet.ports(.tcp, 80...80).union(.ports(.tcp, 8080...8090)).union(.ports(.udp, 53...53)))
    }

    @Test func ipRanges() {
        #expect(IPAddress.parseV4CIDR("10.1.2.3/8") == IPAddress.parseV4("10.0.0.0")!...IPAddress.parseV4("10.255.255.255")!)
        #expect(IPAddress.parseV4CIDR("256.0.0.0/8") == nil)
        #expect(IPAddress.parseV6CIDR("2001:db8::/32")?.lowerBound == IPAddress.parseV6("2001:db8::"))
        #expect(IPAddress.parseV6("::1") == 1)
        #expect(
            PolicyGenerator.cidrs(ExternalRange(bounds: .v4(IPAddress.parseV4("0.0.0.0")!...IPAddress.parseV4("9.255.255.255")!))) == [
                "0.0.0.0/5", "8.0.0.0/7",
            ])
    }

    @Test func gapsAreFound() {
        let topology = topology(
            """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress:
              - ports: [{port: https}]
              - ports: [{port: 8080}, {port: 9090}]
              - ports: [{port: 8080}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: ghost, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: ghost}}
            """)
        let gaps = GapAnalysis.gaps(in: topology)
        let kinds = gaps.map(\.kind)
        #expect(kinds.contains(.missingDefaultDenyIngress))
        #expect(kinds.contains(.missingDefaultDenyEgress))
        #expect(gaps.contains { $0.kind == .unselectedWorkload && $0.subject == "shop/db[Pod]" })
        #expect(gaps.contains { $0.kind == .policySelectsNothing && $0.subject == "shop/ghost" })
        #expect(gaps.contains { $0.kind == .unresolvedNamedPort && $0.message.contains("\"https\"") })
        #expect(gaps.contains { $0.kind == .redundantRule && $0.message.contains("ingress[2] adds nothing to ingress[1]") })
    }
}
