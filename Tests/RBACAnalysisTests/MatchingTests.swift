import KubeModel
import Testing

@testable import RBACAnalysis

/// The authorizer's matching rules one by one.
struct MatchingTests {
    func rule(_ verbs: [String], _ groups: [String] = [""], _ resources: [String] = [], names: [String] = [], urls: [String] = []) -> PolicyRule {
        PolicyRule(verbs: verbs, apiGroups: groups, resources: resources, resourceNames: names, nonResourceURLs: urls)
    }

    @Test func subresources() {
        #expect(Authorizer.resourceMatches(rule(["get"], [""], ["pods/log"]), "pods", "log"))
        #expect(!Authorizer.resourceMatches(rule(["get"], [""], ["pods"]), "pods", "log"))
        #expect(Authorizer.resourceMatches(rule(["get"], [""], ["*/scale"]), "deployments", "scale"))
        #expect(!Authorizer.resourceMatches(rule(["get"], [""], ["*/scale"]), "deployments", ""))
        #expect(!Authorizer.resourceMatches(rule(["get"], [""], ["pods/*"]), "pods", "log"))
        #expect(Authorizer.resourceMatches(rule(["get"], [""], ["*"]), "pods", "exec"))
    }

    @Test func resourceNames() {
        let named = rule(["get", "list"], [""], ["configmaps"], names: ["app"])
        #expect(Authorizer.ruleAllows(named, RequestAttributes(verb: "get", resource: "configmaps", name: "app", namespace: "a")))
        #expect(!Authorizer.ruleAllows(named, RequestAttributes(verb: "get", resource: "configmaps", name: "other", namespace: "a")))
        #expect(!Authorizer.ruleAllows(named, RequestAttributes(verb: "list", resource: "configmaps", namespace: "a")))
    }

    @Test func nonResourceURLs() {
        let urls = rule(["get"], [], [], urls: ["/healthz", "/metrics/*"])
        #expect(Authorizer.ruleAllows(urls, RequestAttributes(verb: "get", path: "/healthz")))
        #expect(!Authorizer.ruleAllows(urls, RequestAttributes(verb: "get", path: "/healthz/ready")))
        #expect(Authorizer.ruleAllows(urls, RequestAttributes(verb: "get", path: "/metrics/cluster")))
        #expect(!Authorizer.ruleAllows(urls, RequestAttributes(verb: "post", path: "/healthz")))
        #expect(Authorizer.ruleAllows(rule(["*"], [], [], urls: ["*"]), RequestAttributes(verb: "get", path: "/anything")))
        #expect(!Authorizer.ruleAllows(urls, RequestAttributes(verb: "get", resource: "pods")))
    }

    @Test func groupsAndVerbs() {
        #expect(!Authorizer.ruleAllows(rule(["get"], [""], ["deployments"]), RequestAttributes(verb: "get", apiGroup: "apps", resource: "deployments")))
        #expect(Authorizer.ruleAllows(rule(["*"], ["*"], ["*"]), RequestAttributes(verb: "delete", apiGroup: "apps", resource: "deployments")))
        #expect(!Authorizer.ruleAllows(rule(["GET"], [""], ["pods"]), RequestAttributes(verb: "get", resource: "pods")))
    }

    @Test func identities() {
        let account = UserInfo.impersonating("system:serviceaccount:shop:web")
        #expect(account.groups == ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"])
        #expect(UserInfo.impersonating("system:anonymous").groups == ["system:unauthenticated"])
        #expect(UserInfo.impersonating("alice", groups: ["dev"]).groups == ["dev", "system:authenticated"])
        #expect(Authorizer.applies(Subject(kind: "ServiceAccount", name: "web"), to: account, bindingNamespace: "shop"))
        #expect(!Authorizer.applies(Subject(kind: "ServiceAccount", name: "web"), to: account, bindingNamespace: ""))
        #expect(!Authorizer.applies(Subject(kind: "ServiceAccount", name: "web"), to: account, bindingNamespace: "dev"))
    }

    @Test func resourceArguments() {
        #expect(ResourceNames.resolve("deploy") == ("apps", "deployments", ""))
        #expect(ResourceNames.resolve("deployments.apps/scale") == ("apps", "deployments", "scale"))
        #expect(ResourceNames.resolve("pods/log") == ("", "pods", "log"))
        #expect(ResourceNames.resolve("widgets.example.com") == ("example.com", "widgets", ""))
    }
}
