/// Who is asking: a user name and groups, as the API server sees it after authentication.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    /// The identity kubectl's `--as`/`--as-group` produce, as the API server's impersonation
    /// filter builds it: a service account named without groups gets its implicit groups, every
    /// user but `system:anonymous` gets `system:authenticated`, and `system:anonymous`
    /// `system:unauthenticated`.
    public static func impersonating(_ name: String, groups: [String] = []) -> UserInfo {
        var all = groups
        if name == "system:anonymous" {
            all.append("system:unauthenticated")
        } else {
            if groups.isEmpty, let account = ServiceAccountName(user: name) {
                all += ["system:serviceaccounts", "system:serviceaccounts:\(account.namespace)"]
            }
            if !all.contains("system:unauthenticated") { all.append("system:authenticated") }
        }
        var seen = Set<String>()
        return UserInfo(name: name, groups: all.filter { seen.insert($0).inserted })
    }
}

/// `system:serviceaccount:NAMESPACE:NAME`.
public struct ServiceAccountName: Sendable, Hashable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init?(user: String) {
        let parts = user.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        namespace = String(parts[2])
        name = String(parts[3])
    }

    public var userName: String { "system:serviceaccount:\(namespace):\(name)" }
}

/// A request to authorize: a resource request or a non-resource URL.
public struct RequestAttributes: Sendable, Hashable {
    public var verb: String
    public var apiGroup: String
    public var resource: String
    public var subresource: String
    public var name: String
    /// Empty: cluster-scoped (or all namespaces).
    public var namespace: String
    /// For non-resource requests: the URL path.
    public var path: String?

    public init(verb: String, apiGroup: String = "", resource: String, subresource: String = "", name: String = "", namespace: String = "") {
        self.verb = verb
        self.apiGroup = apiGroup
        self.resource = resource
        self.subresource = subresource
        self.name = name
        self.namespace = namespace
        self.path = nil
    }

    public init(verb: String, path: String) {
        self.verb = verb
        self.apiGroup = ""
        self.resource = ""
        self.subresource = ""
        self.name = ""
        self.namespace = ""
        self.path = path
    }

    public var isResourceRequest: Bool { path == nil }
}

/// Why a request is allowed: the binding, its role, and the rule.
public struct Grant: Sendable, Hashable {
    public var binding: RBACBinding
    public var role: RBACRole?
    public var rule: PolicyRule

    public static func == (lhs: Grant, rhs: Grant) -> Bool {
        lhs.binding.displayName == rhs.binding.displayName && lhs.rule == rhs.rule
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(binding.displayName)
        hasher.combine(rule)
    }
}

/// Answers authorization questions exactly as the Kubernetes RBAC authorizer does.
public struct Authorizer: Sendable {
    public let policy: PolicySet

    public init(policy: PolicySet) {
        self.policy = policy
    }

    // MARK: matching, one function per upstream rule

    static func verbMatches(_ rule: PolicyRule, _ verb: String) -> Bool {
        rule.verbs.contains("*") || rule.verbs.contains(verb)
    }

    static func apiGroupMatches(_ rule: PolicyRule, _ group: String) -> Bool {
        rule.apiGroups.contains("*") || rule.apiGroups.contains(group)
    }

    /// `*` matches everything, `pods/log` matches that subresource, and `*/scale` matches the
    /// scale subresource of any resource; `pods` alone never matches a subresource.
    static func resourceMatches(_ rule: PolicyRule, _ resource: String, _ subresource: String) -> Bool {
        let combined = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        for candidate in rule.resources {
            if candidate == "*" || candidate == combined { return true }
            if !subresource.isEmpty, candidate == "*/\(subresource)" { return true }
        }
        return false
    }

    /// A rule without resourceNames matches any name; with them, only a request for one of those
    /// names (so never a list, watch or create without a name).
    static func resourceNameMatches(_ rule: PolicyRule, _ name: String) -> Bool {
        rule.resourceNames.isEmpty || (!name.isEmpty && rule.resourceNames.contains(name))
    }

    /// `*` matches every path; a trailing `*` (all trailing stars are trimmed, as upstream does)
    /// matches by prefix; anything else exactly.
    static func nonResourceURLMatches(_ rule: PolicyRule, _ path: String) -> Bool {
        for candidate in rule.nonResourceURLs {
            if candidate == "*" || candidate == path { return true }
            if candidate.hasSuffix("*") {
                var prefix = Substring(candidate)
                while prefix.hasSuffix("*") { prefix = prefix.dropLast() }
                if path.hasPrefix(prefix) { return true }
            }
        }
        return false
    }

    public static func ruleAllows(_ rule: PolicyRule, _ request: RequestAttributes) -> Bool {
        guard verbMatches(rule, request.verb) else { return false }
        if let path = request.path {
            return nonResourceURLMatches(rule, path)
        }
        return apiGroupMatches(rule, request.apiGroup) && resourceMatches(rule, request.resource, request.subresource)
            && resourceNameMatches(rule, request.name)
    }

    /// Whether `subject` of a binding in `namespace` ("" for a ClusterRoleBinding) is `user`.
    public static func applies(_ subject: Subject, to user: UserInfo, bindingNamespace namespace: String) -> Bool {
        switch subject.kind {
        case "User": return subject.name == user.name
        case "Group": return user.groups.contains(subject.name)
        case "ServiceAccount":
            let accountNamespace = subject.namespace.isEmpty ? namespace : subject.namespace
            guard !accountNamespace.isEmpty else { return false }
            return user.name == ServiceAccountName(namespace: accountNamespace, name: subject.name).userName
        default: return false
        }
    }

    /// The bindings the authorizer consults for a request in `namespace`: every
    /// ClusterRoleBinding, then the RoleBindings of that namespace.
    func bindings(in namespace: String) -> [RBACBinding] {
        namespace.isEmpty ? policy.clusterBindings : policy.clusterBindings + (policy.namespacedBindings[namespace] ?? [])
    }

    /// Allowed or not, and every binding/role/rule that allows it.
    public func authorize(_ user: UserInfo, _ request: RequestAttributes) -> (allowed: Bool, grants: [Grant]) {
        var grants: [Grant] = []
        // Non-resource URLs are cluster-wide: only ClusterRoleBindings can grant them.
        let candidates = request.isResourceRequest ? bindings(in: request.namespace) : policy.clusterBindings
        for binding in candidates where binding.subjects.contains(where: { Self.applies($0, to: user, bindingNamespace: binding.namespace) }) {
            for rule in policy.rules(of: binding) where Self.ruleAllows(rule, request) {
                grants.append(Grant(binding: binding, role: policy.role(of: binding), rule: rule))
            }
        }
        return (!grants.isEmpty, grants)
    }

    /// Every rule that applies to `user` in `namespace` (cluster-wide rules included), as
    /// `kubectl auth can-i --list` gathers them.
    public func rules(for user: UserInfo, namespace: String) -> [Grant] {
        var grants: [Grant] = []
        for binding in bindings(in: namespace) where binding.subjects.contains(where: { Self.applies($0, to: user, bindingNamespace: binding.namespace) }) {
            for rule in policy.rules(of: binding) {
                // Like SelfSubjectRulesReview, every rule is listed, even non-resource URLs that a
                // RoleBinding cannot actually grant.
                grants.append(Grant(binding: binding, role: policy.role(of: binding), rule: rule))
            }
        }
        return grants
    }

    /// Every subject that may make `request`, with what grants it. Groups and service accounts
    /// are reported as written in the bindings; `system:authenticated` and similar groups stand
    /// for everyone in them.
    public func whoCan(_ request: RequestAttributes) -> [(subject: Subject, grants: [Grant])] {
        var found: [Subject: [Grant]] = [:]
        let candidates = request.isResourceRequest ? bindings(in: request.namespace) : policy.clusterBindings
        for binding in candidates {
            let matching = policy.rules(of: binding).filter { Self.ruleAllows($0, request) }
            guard !matching.isEmpty else { continue }
            for var subject in binding.subjects {
                if subject.kind == "ServiceAccount", subject.namespace.isEmpty {
                    guard !binding.namespace.isEmpty else { continue }
                    subject.namespace = binding.namespace
                }
                for rule in matching {
                    found[subject, default: []].append(Grant(binding: binding, role: policy.role(of: binding), rule: rule))
                }
            }
        }
        return found.keys.sorted().map { ($0, found[$0] ?? []) }
    }
}
