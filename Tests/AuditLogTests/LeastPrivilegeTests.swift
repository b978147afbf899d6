import KubeModel
import RBACAnalysis
import Testing

@testable import AuditLog

struct LeastPrivilegeTests {
    static func event(
        _ user: String, _ verb: String, _ resource: String?, namespace: String? = nil, name: String? = nil, group: String = "", uri: String = "/x",
        impersonated: String? = nil
    ) -> String {
        var ref = ""
        if let resource {
            ref =
                ",\"objectRef\":{\"resource\":\"\(resource)\",\"apiGroup\":\"\(group)\"" + (namespace.map { ",\"namespace\":\"\($0)\"" } ?? "")
                + (name.map { ",\"name\":\"\($0)\"" } ?? "") + "}"
        }
        let imp = impersonated.map { ",\"impersonatedUser\":{\"username\":\"\($0)\"}" } ?? ""
        return
            "{\"kind\":\"Event\",\"stage\":\"ResponseComplete\",\"verb\":\"\(verb)\",\"requestURI\":\"\(uri)\",\"user\":{\"username\":\"\(user)\"}\(imp)\(ref)}"
    }

    func build(_ user: String, _ lines: [String]) -> LeastPrivilege {
        var builder = LeastPrivilege(user: user)
        var reader = AuditReader()
        for (index, line) in lines.enumerated() {
            for event in reader.events(line: Array(line.utf8), number: index + 1, file: "t") { builder.add(event) }
        }
        return builder
    }

    @Test func coversExactlyWhatWasDone() {
        let builder = build(
            "dana",
            [
                Self.event("dana", "get", "configmaps", namespace: "shop", name: "web-config"),
                Self.event("dana", "watch", "pods", namespace: "shop"),
                Self.event("dana", "get", "deployments", namespace: "shop", name: "a", group: "apps"),
                Self.event("dana", "get", "deployments", namespace: "shop", name: "b", group: "apps"),
                Self.event("dana", "list", "nodes"),
                Self.event("dana", "get", nil, uri: "/version"),
                Self.event("dana", "get", nil, uri: "/metrics"),
                Self.event("other", "delete", "pods", namespace: "shop", name: "x"),
                Self.event("admin", "create", "pods", namespace: "shop", impersonated: "dana"),
            ])
        #expect(builder.skipped == 1)
        let output = builder.generate()
        let shop = output.rules["shop"] ?? []
        #expect(shop.contains { $0.resources == ["configmaps"] && $0.resourceNames == ["web-config"] && $0.verbs == ["get"] })
        // Two deployment names: the names collapse.
        #expect(shop.contains { $0.apiGroups == ["apps"] && $0.resources == ["deployments"] && $0.resourceNames.isEmpty && $0.verbs == ["get"] })
        // watch needs list; operations on the same objects share a rule.
        #expect(shop.contains { $0.resources == ["pods"] && $0.verbs == ["create", "list", "watch"] })
        let cluster = output.rules[""] ?? []
        #expect(cluster.contains { $0.resources == ["nodes"] && $0.verbs == ["list", "watch"] })
        #expect(cluster.contains { $0.nonResourceURLs == ["/metrics"] })
        #expect(!output.yaml.contains("/version"))
        // The generated objects grant every observed request and nothing else of note.
        let objects = ManifestLoader().load(bytes: Array(output.yaml.utf8), file: "generated").objects
        let authorizer = Authorizer(policy: PolicySet(objects: objects))
        let dana = UserInfo.impersonating("dana")
        for request in builder.requests { #expect(authorizer.authorize(dana, request.attributes).allowed, "\(request)") }
        #expect(!authorizer.authorize(dana, RequestAttributes(verb: "delete", resource: "pods", name: "x", namespace: "shop")).allowed)
    }

    @Test func namespacesCollapseIntoAClusterRole() {
        let builder = build("erin", [Self.event("erin", "list", "secrets", namespace: "a"), Self.event("erin", "list", "secrets", namespace: "b")])
        let output = builder.generate()
        #expect(output.rules["a"] == nil)
        #expect(output.rules[""]?.first?.resources == ["secrets"])
    }

    @Test func unusedGrantsAreListed() {
        let builder = build("fred", [Self.event("fred", "get", "pods", namespace: "shop", name: "p")])
        let current = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: shop}
            rules:
            - {apiGroups: [""], resources: [pods], verbs: [get]}
            - {apiGroups: [""], resources: [secrets], verbs: [list]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: r, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
            subjects: [{kind: User, name: fred}]
            """
        let policy = PolicySet(objects: ManifestLoader().load(bytes: Array(current.utf8), file: "rbac").objects)
        let unused = builder.unusedGrants(policy)
        #expect(unused.map(\.rule.resources) == [["secrets"]])
    }
}
