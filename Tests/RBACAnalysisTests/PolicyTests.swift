import KubeModel
import Testing

@testable import RBACAnalysis

/// Scoping, aggregation, identities and hostile RBAC input.
struct PolicyTests {
    func policy(_ yaml: String) -> PolicySet {
        PolicySet(objects: ManifestLoader().load(bytes: Array(yaml.utf8), file: "rbac.yaml").objects)
    }

    static let scoped = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: pod-reader}
        rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: read, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
        subjects: [{kind: User, name: alice}, {kind: ServiceAccount, name: web}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: cm, namespace: other}
        rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: cm, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm}
        subjects: [{kind: User, name: alice}]
        """

    @Test func roleBindingToClusterRoleIsNamespaced() {
        let authorizer = Authorizer(policy: policy(Self.scoped))
        let alice = UserInfo.impersonating("alice")
        #expect(authorizer.authorize(alice, RequestAttributes(verb: "get", resource: "pods", namespace: "shop")).allowed)
        #expect(!authorizer.authorize(alice, RequestAttributes(verb: "get", resource: "pods", namespace: "dev")).allowed)
        #expect(!authorizer.authorize(alice, RequestAttributes(verb: "list", resource: "pods")).allowed)
        let web = UserInfo.impersonating("system:serviceaccount:shop:web")
        #expect(authorizer.authorize(web, RequestAttributes(verb: "list", resource: "pods", namespace: "shop")).allowed)
        // A RoleBinding only finds Roles of its own namespace.
        #expect(!authorizer.authorize(alice, RequestAttributes(verb: "get", resource: "configmaps", namespace: "shop")).allowed)
        #expect(!authorizer.authorize(alice, RequestAttributes(verb: "get", resource: "configmaps", namespace: "other")).allowed)
        #expect(policy(Self.scoped).problems.contains { $0.message.contains("Role cm in namespace shop, which does not exist") })
    }

    @Test func whoCanListsSubjectsWithBindings() {
        let found = Authorizer(policy: policy(Self.scoped)).whoCan(RequestAttributes(verb: "get", resource: "pods", namespace: "shop"))
        #expect(found.map(\.subject.description) == ["ServiceAccount shop/web", "User alice"])
        #expect(found.first?.grants.first?.binding.displayName == "RoleBinding/shop/read")
    }

    static let aggregated = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: monitoring}
        aggregationRule:
          clusterRoleSelectors:
          - matchLabels: {team: monitoring}
          - matchExpressions: [{key: tier, operator: In, values: [metrics, logs]}]
        rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: metrics, labels: {tier: metrics}}
        rules: [{apiGroups: [""], resources: [pods], verbs: [list]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: chained, labels: {team: monitoring}}
        aggregationRule:
          clusterRoleSelectors: [{matchLabels: {extra: "yes"}}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: nodes, labels: {extra: "yes"}}
        rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: mon}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
        subjects: [{kind: Group, name: sre}]
        """

    @Test func aggregationUnionsSelectedRolesAndReplacesOwnRules() {
        let authorizer = Authorizer(policy: policy(Self.aggregated))
        let sre = UserInfo.impersonating("bob", groups: ["sre"])
        #expect(authorizer.authorize(sre, RequestAttributes(verb: "list", resource: "pods", namespace: "x")).allowed)
        // Through the chain monitoring ← chained ← nodes.
        #expect(authorizer.authorize(sre, RequestAttributes(verb: "get", resource: "nodes")).allowed)
        // The aggregating role's own rules are replaced by the aggregation controller.
        #expect(!authorizer.authorize(sre, RequestAttributes(verb: "get", resource: "secrets", namespace: "x")).allowed)
    }

    @Test func hostileRBACIsReportedNotFatal() {
        var yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: odd}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Robot, name: x}
            subjects: [{kind: User, name: alice}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: noverbs}
            rules: [{apiGroups: [""], resources: [pods], verbs: []}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: self, labels: {agg: "true"}}
            aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: "true"}}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: huge}
            rules:

            """
        for index in 0..<10_000 {
            yaml += "- {apiGroups: [\"\"], resources: [r\(index)], verbs: [get]}\n"
        }
        let set = policy(yaml)
        #expect(set.problems.contains { $0.message.contains("roleRef kind \"Robot\"") })
        #expect(set.problems.contains { $0.message.contains("has no verbs") })
        #expect(set.problems.contains { $0.message.contains("selects itself") })
        #expect(set.clusterRoleRules["huge"]?.count == 10_000)
        let alice = UserInfo.impersonating("alice")
        #expect(!Authorizer(policy: set).authorize(alice, RequestAttributes(verb: "get", resource: "pods")).allowed)
    }

    @Test func aggregationCyclesSettle() {
        let yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: a, labels: {in: b}}
            aggregationRule: {clusterRoleSelectors: [{matchLabels: {in: a}}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: b, labels: {in: a}}
            aggregationRule: {clusterRoleSelectors: [{matchLabels: {in: b}}]}
            """
        let set = policy(yaml)
        #expect(set.clusterRoleRules["a"]?.isEmpty == true)
    }

    @Test func escalationThroughPodCreation() {
        let yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: dev, namespace: shop}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: creator}
            subjects: [{kind: User, name: dave}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: creator}
            rules: [{apiGroups: [apps], resources: [deployments], verbs: [create]}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: ops}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: ops, namespace: shop}]
            """
        let analysis = EscalationAnalysis(authorizer: Authorizer(policy: policy(yaml)))
        let dave = UserInfo.impersonating("dave")
        #expect(analysis.clusterAdminGrant(dave) == nil)
        let paths = analysis.paths(from: dave)
        #expect(paths.count == 1)
        #expect(paths.first?.reachesClusterAdmin == true)
        #expect(paths.first?.text == "dave → can create deployments in namespace shop → system:serviceaccount:shop:ops")
    }
}
