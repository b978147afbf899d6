import KubeModel
import RBACAnalysis

/// One request a subject made, as RBAC sees it.
public struct ObservedRequest: Sendable, Hashable {
    public var verb: String
    public var apiGroup: String
    /// `pods` or `pods/log`; empty for a non-resource request.
    public var resource: String
    public var name: String
    public var namespace: String
    public var path: String

    var isResourceRequest: Bool { !resource.isEmpty }

    var attributes: RequestAttributes {
        guard isResourceRequest else { return RequestAttributes(verb: verb, path: path) }
        let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
        return RequestAttributes(
            verb: verb, apiGroup: apiGroup, resource: parts[0], subresource: parts.count > 1 ? parts[1] : "", name: name, namespace: namespace)
    }
}

/// Roles and bindings that cover exactly what a subject did, in the manner of audit2rbac.
public struct LeastPrivilege {
    public let subject: Subject
    public let userName: String
    public private(set) var requests: Set<ObservedRequest> = []
    /// Requests the discovery roles every authenticated user has already allow, skipped.
    public private(set) var skipped = 0

    public init(user: String) {
        userName = user
        if let account = ServiceAccountName(user: user) {
            subject = Subject(kind: "ServiceAccount", name: account.name, namespace: account.namespace)
        } else {
            subject = Subject(kind: "User", name: user)
        }
    }

    /// Discovery, health and self-review requests need no grant.
    static let discovery: [PolicyRule] = [
        PolicyRule(
            verbs: ["get"],
            nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"]),
        PolicyRule(verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
        PolicyRule(verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"]),
    ]

    /// Adds an event if the subject made it: the impersonated user when there is one.
    public mutating func add(_ event: AuditEvent) {
        let node = event.node
        let user = node["impersonatedUser"]?["username"]?.scalarText ?? node["user"]?["username"]?.scalarText
        guard user == userName, let verb = node["verb"]?.scalarText else { return }
        if let stage = node["stage"]?.scalarText, stage != "ResponseComplete" && stage != "Panic" { return }
        var request: ObservedRequest
        if let ref = node["objectRef"], let resource = ref["resource"]?.scalarText {
            let sub = ref["subresource"]?.scalarText.map { "/" + $0 } ?? ""
            request = ObservedRequest(
                verb: verb, apiGroup: ref["apiGroup"]?.scalarText ?? "", resource: resource + sub, name: ref["name"]?.scalarText ?? "",
                namespace: ref["namespace"]?.scalarText ?? "", path: "")
        } else {
            let uri = node["requestURI"]?.scalarText ?? ""
            request = ObservedRequest(verb: verb, apiGroup: "", resource: "", name: "", namespace: "", path: String(uri.split(separator: "?").first ?? ""))
        }
        if Self.discovery.contains(where: { Authorizer.ruleAllows($0, request.attributes) }) {
            skipped += 1
            return
        }
        requests.insert(request)
    }

    /// The verbs a request really needs: kubectl's get -w and list go together with watch.
    static func verbs(_ verb: String) -> [String] {
        switch verb {
        case "watch", "list": return ["list", "watch"]
        default: return [verb]
        }
    }

    public struct Output: Sendable {
        /// namespace → rules of that namespace's Role; "" → the ClusterRole.
        public var rules: [String: [PolicyRule]]
        public var yaml: String
    }

    /// Rules per namespace (and cluster-wide), names collapsed when an operation touches several
    /// objects, namespaces collapsed into the ClusterRole when it spans several namespaces.
    public func generate() -> Output {
        struct Operation: Hashable {
            var apiGroup: String
            var resource: String
            var verb: String
        }
        var byOperation: [Operation: [ObservedRequest]] = [:]
        var urls: [String: Set<String>] = [:]
        for request in requests {
            if request.isResourceRequest {
                for verb in Self.verbs(request.verb) {
                    byOperation[Operation(apiGroup: request.apiGroup, resource: request.resource, verb: verb), default: []].append(request)
                }
            } else {
                urls[request.path, default: []].insert(request.verb)
            }
        }
        // (namespace, group, resource, names) → verbs.
        var grants: [String: [String: Set<String>]] = [:]
        func key(_ group: String, _ resource: String, _ names: [String]) -> String { "\(group)|\(resource)|\(names.joined(separator: ","))" }
        for (operation, seen) in byOperation {
            let namespaces = Set(seen.map(\.namespace))
            let names = Set(seen.map(\.name))
            let keepNames = names.count == 1 && !names.contains("") && !["list", "watch", "create", "deletecollection"].contains(operation.verb)
            let scope = namespaces.count == 1 ? (namespaces.first ?? "") : ""
            grants[scope, default: [:]][key(operation.apiGroup, operation.resource, keepNames ? names.sorted() : []), default: []].insert(operation.verb)
        }
        var rules: [String: [PolicyRule]] = [:]
        for (scope, entries) in grants {
            // Rules with the same verbs and names merge their resources, per group.
            var merged: [String: (group: String, resources: [String], names: [String], verbs: [String])] = [:]
            for (entry, verbs) in entries {
                let parts = entry.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                let names = parts[2].isEmpty ? [] : parts[2].split(separator: ",").map(String.init)
                let sortedVerbs = verbs.sorted()
                let mergeKey = "\(parts[0])|\(parts[2])|\(sortedVerbs.joined(separator: ","))"
                merged[mergeKey, default: (parts[0], [], names, sortedVerbs)].resources.append(parts[1])
            }
            rules[scope] = merged.values.sorted { ($0.group, $0.resources.sorted().first ?? "") < ($1.group, $1.resources.sorted().first ?? "") }.map {
                PolicyRule(verbs: $0.verbs, apiGroups: [$0.group], resources: $0.resources.sorted(), resourceNames: $0.names)
            }
        }
        if !urls.isEmpty {
            for (path, verbs) in urls.sorted(by: { $0.key < $1.key }) {
                rules["", default: []].append(PolicyRule(verbs: verbs.sorted(), nonResourceURLs: [path]))
            }
        }
        return Output(rules: rules, yaml: yaml(rules))
    }

    func yaml(_ rules: [String: [PolicyRule]]) -> String {
        let name = "audit2rbac:\(subject.kind == "ServiceAccount" ? "\(subject.namespace):\(subject.name)" : subject.name)"
        var subjectLines = "- kind: \(subject.kind)\n  name: \"\(subject.name)\"\n"
        if subject.kind == "ServiceAccount" {
            subjectLines += "  namespace: \(subject.namespace)\n"
        } else {
            subjectLines += "  apiGroup: rbac.authorization.k8s.io\n"
        }
        var documents: [String] = []
        for scope in rules.keys.sorted() {
            let isCluster = scope.isEmpty
            var text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: \(isCluster ? "ClusterRole" : "Role")\nmetadata:\n  name: \"\(name)\"\n"
            if !isCluster { text += "  namespace: \(scope)\n" }
            text += "rules:\n"
            for rule in rules[scope] ?? [] {
                if rule.nonResourceURLs.isEmpty {
                    text += "- apiGroups: [\(rule.apiGroups.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
                    text += "  resources: [\(rule.resources.joined(separator: ", "))]\n"
                    if !rule.resourceNames.isEmpty { text += "  resourceNames: [\(rule.resourceNames.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
                } else {
                    text += "- nonResourceURLs: [\(rule.nonResourceURLs.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
                }
                text += "  verbs: [\(rule.verbs.joined(separator: ", "))]\n"
            }
            documents.append(text)
            var binding =
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: \(isCluster ? "ClusterRoleBinding" : "RoleBinding")\nmetadata:\n  name: \"\(name)\"\n"
            if !isCluster { binding += "  namespace: \(scope)\n" }
            binding +=
                "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: \(isCluster ? "ClusterRole" : "Role")\n  name: \"\(name)\"\nsubjects:\n"
                + subjectLines
            documents.append(binding)
        }
        return documents.map { "---\n" + $0 }.joined()
    }

    /// Grants the subject has (from RBAC objects) that none of its requests used.
    public func unusedGrants(_ policy: PolicySet, groups: [String] = []) -> [Grant] {
        let user = UserInfo.impersonating(userName, groups: groups)
        let authorizer = Authorizer(policy: policy)
        let namespaces = Set(policy.namespacedBindings.keys).union([""])
        var unused: [Grant] = []
        var seen = Set<Grant>()
        for namespace in namespaces.sorted() {
            for grant in authorizer.rules(for: user, namespace: namespace) where seen.insert(grant).inserted {
                let used = requests.contains { request in
                    (grant.binding.isClusterBinding || grant.binding.namespace == request.namespace) && Authorizer.ruleAllows(grant.rule, request.attributes)
                }
                if !used { unused.append(grant) }
            }
        }
        return unused
    }
}
