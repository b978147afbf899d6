import Foundation
import KubeModel
import Testing

@testable import RBACAnalysis

/// Every case of Fixtures/can-i-cases.yaml against Fixtures/cluster.yaml: a realistic cluster
/// (default roles and bindings modelled on what a cluster bootstraps, plus applications) and the
/// answers the Kubernetes RBAC authorizer gives.
struct CanICasesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Case: Sendable, CustomStringConvertible {
        let user: UserInfo
        let request: RequestAttributes
        let allowed: Bool
        let why: String
        let line: Int

        var description: String { "line \(line): \(user.name) \(request.verb) \(request.path ?? request.resource) → \(allowed) (\(why))" }
    }

    static func load() throws -> (PolicySet, [Case]) {
        let loader = ManifestLoader()
        let cluster = loader.load(file: fixtures.appendingPathComponent("cluster.yaml").path)
        let text = try Data(contentsOf: fixtures.appendingPathComponent("can-i-cases.yaml"))
        let (documents, errors) = loader.parseDocuments(bytes: [UInt8](text), file: "can-i-cases.yaml")
        #expect(cluster.errors.isEmpty, "\(cluster.errors)")
        #expect(errors.isEmpty, "\(errors)")
        var cases: [Case] = []
        for node in documents.flatMap(\.items) {
            let name = node["user"]?.scalarText ?? ""
            let groups = (node["groups"]?.items ?? []).compactMap(\.scalarText)
            let verb = node["verb"]?.scalarText ?? ""
            let request: RequestAttributes
            if let path = node["path"]?.scalarText, (node["resource"]?.scalarText ?? "").isEmpty {
                request = RequestAttributes(verb: verb, path: path)
            } else {
                request = RequestAttributes(
                    verb: verb, apiGroup: node["group"]?.scalarText ?? "", resource: node["resource"]?.scalarText ?? "",
                    subresource: node["subresource"]?.scalarText ?? "", name: node["name"]?.scalarText ?? "",
                    namespace: node["namespace"]?.scalarText ?? "")
            }
            cases.append(
                Case(
                    user: UserInfo.impersonating(name, groups: groups), request: request, allowed: node["allowed"]?.bool ?? false,
                    why: node["why"]?.scalarText ?? "", line: node.line))
        }
        return (PolicySet(objects: cluster.objects), cases)
    }

    @Test func everyCaseAgreesWithTheAuthorizer() throws {
        let (policy, cases) = try Self.load()
        #expect(cases.count >= 200)
        let authorizer = Authorizer(policy: policy)
        var wrong: [String] = []
        for testCase in cases where authorizer.authorize(testCase.user, testCase.request).allowed != testCase.allowed {
            wrong.append(testCase.description)
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(cases.count) cases disagree:\n\(wrong.joined(separator: "\n"))")
    }
}
