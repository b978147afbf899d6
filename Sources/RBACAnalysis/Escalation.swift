/// One step of an escalation path: what the identity can do, and whom it becomes.
public struct EscalationStep: Sendable, Hashable {
    /// e.g. `can create pods in namespace shop`.
    public var action: String
    /// The identity reached, e.g. `system:serviceaccount:shop:web`; `cluster-admin` for a step
    /// that grants everything at once.
    public var becomes: String
    /// The grant that allows the action.
    public var grant: Grant?
}

/// A chain of steps from a subject to more power.
public struct EscalationPath: Sendable, Hashable {
    public var start: String
    public var steps: [EscalationStep]
    /// True when the last identity holds `*` on `*` cluster-wide (cluster-admin or its equal).
    public var reachesClusterAdmin: Bool

    public var text: String {
        ([start] + steps.map { "\($0.action) → \($0.becomes)" }).joined(separator: " → ")
    }
}

/// Follows what an identity can become: creating pods or workloads, exec into pods, minting or
/// reading service-account tokens in a namespace means acting as that namespace's service
/// accounts; impersonation, bind/escalate with binding creation, and the kubelet's node proxy
/// mean acting as anyone.
///
/// One analysis answers many questions: what applies to each identity and each identity's next
/// steps are worked out once and remembered, so following every subject of a large policy stays
/// linear in the number of bindings per identity.
public final class EscalationAnalysis {
    public let authorizer: Authorizer
    /// Service accounts that some binding grants something, by namespace.
    let accounts: [String: [String]]
    /// Identity → the bindings (anywhere) whose subjects include it, with their rules.
    private var applicable: [UserInfo: [(binding: RBACBinding, rules: [PolicyRule])]] = [:]
    private var stepsMemo: [UserInfo: [EscalationStep]] = [:]
    private var adminMemo: [UserInfo: Grant?] = [:]
    private let sortedNamespaces: [String]

    public init(authorizer: Authorizer) {
        self.authorizer = authorizer
        var accounts: [String: Set<String>] = [:]
        for binding in authorizer.policy.allBindings {
            for subject in binding.subjects where subject.kind == "ServiceAccount" {
                let namespace = subject.namespace.isEmpty ? binding.namespace : subject.namespace
                guard !namespace.isEmpty else { continue }
                accounts[namespace, default: []].insert(subject.name)
            }
        }
        self.accounts = accounts.mapValues { $0.sorted() }
        self.sortedNamespaces = accounts.keys.sorted()
    }

    /// The grant of `*` on `*` in every API group cluster-wide, if the identity has one.
    public func clusterAdminGrant(_ user: UserInfo) -> Grant? {
        if let known = adminMemo[user] { return known }
        let grant = allows(user, RequestAttributes(verb: "*", apiGroup: "*", resource: "*"))
        adminMemo[user] = grant
        return grant
    }

    /// The bindings that apply to `user`, anywhere, with their rules (found once per identity).
    func bindings(of user: UserInfo) -> [(binding: RBACBinding, rules: [PolicyRule])] {
        if let known = applicable[user] { return known }
        let found = authorizer.policy.allBindings.filter { binding in
            binding.subjects.contains { Authorizer.applies($0, to: user, bindingNamespace: binding.namespace) }
        }.map { ($0, authorizer.policy.rules(of: $0)) }
        applicable[user] = found
        return found
    }

    /// The authorizer's answer, from the bindings that apply to `user`.
    func allows(_ user: UserInfo, _ request: RequestAttributes) -> Grant? {
        for (binding, rules) in bindings(of: user) {
            // The same scoping as the authorizer: cluster bindings everywhere, namespaced ones in
            // their namespace, and URLs only from cluster bindings.
            guard binding.isClusterBinding || (request.isResourceRequest && binding.namespace == request.namespace && !request.namespace.isEmpty) else {
                continue
            }
            if let rule = rules.first(where: { Authorizer.ruleAllows($0, request) }) {
                return Grant(binding: binding, role: authorizer.policy.role(of: binding), rule: rule)
            }
        }
        return nil
    }

    static let workloadCreators: [(group: String, resource: String, subresource: String, text: String)] = [
        ("", "pods", "", "can create pods"), ("apps", "deployments", "", "can create deployments"),
        ("apps", "daemonsets", "", "can create daemonsets"), ("apps", "statefulsets", "", "can create statefulsets"),
        ("apps", "replicasets", "", "can create replicasets"), ("batch", "jobs", "", "can create jobs"),
        ("batch", "cronjobs", "", "can create cronjobs"), ("", "replicationcontrollers", "", "can create replicationcontrollers"),
        ("", "serviceaccounts", "token", "can create service account tokens"),
        ("", "pods", "exec", "can exec into pods"),
    ]

    /// The identities one step away from `user`.
    public func nextSteps(_ user: UserInfo) -> [EscalationStep] {
        if let known = stepsMemo[user] { return known }
        let steps = computeSteps(user)
        stepsMemo[user] = steps
        return steps
    }

    private func computeSteps(_ user: UserInfo) -> [EscalationStep] {
        var steps: [EscalationStep] = []
        // Acting as anyone at once.
        for kind in ["users", "groups", "serviceaccounts"] {
            let request = RequestAttributes(verb: "impersonate", resource: kind)
            if let grant = allows(user, request) {
                steps.append(EscalationStep(action: "can impersonate \(kind)", becomes: "cluster-admin", grant: grant))
                break
            }
        }
        let escalate = allows(user, RequestAttributes(verb: "escalate", apiGroup: PolicySet.group, resource: "clusterroles"))
        let bind = allows(user, RequestAttributes(verb: "bind", apiGroup: PolicySet.group, resource: "clusterroles", name: "cluster-admin"))
        let createBinding = allows(user, RequestAttributes(verb: "create", apiGroup: PolicySet.group, resource: "clusterrolebindings"))
        if createBinding != nil, let grant = bind ?? escalate {
            steps.append(EscalationStep(action: "can bind ClusterRole cluster-admin in a new ClusterRoleBinding", becomes: "cluster-admin", grant: grant))
        }
        if let grant = allows(user, RequestAttributes(verb: "create", resource: "nodes", subresource: "proxy"))
            ?? allows(user, RequestAttributes(verb: "get", resource: "nodes", subresource: "proxy"))
        {
            steps.append(
                EscalationStep(action: "can reach every kubelet through nodes/proxy and run commands in any pod", becomes: "cluster-admin", grant: grant))
        }
        // Acting as a namespace's service accounts: only namespaces where the identity holds
        // something can matter, unless it holds something cluster-wide.
        let held = bindings(of: user)
        let namespaces =
            held.contains(where: { $0.binding.isClusterBinding })
            ? sortedNamespaces : sortedNamespaces.filter { namespace in held.contains { $0.binding.namespace == namespace } }
        for namespace in namespaces {
            var how: (String, Grant)?
            for creator in Self.workloadCreators {
                let request = RequestAttributes(
                    verb: "create", apiGroup: creator.group, resource: creator.resource, subresource: creator.subresource, namespace: namespace)
                if let grant = allows(user, request) {
                    how = (creator.text, grant)
                    break
                }
            }
            if how == nil, let grant = allows(user, RequestAttributes(verb: "list", resource: "secrets", namespace: namespace)) {
                how = ("can read secrets (service account tokens among them)", grant)
            }
            guard let (text, grant) = how else { continue }
            for account in accounts[namespace] ?? [] {
                let name = ServiceAccountName(namespace: namespace, name: account).userName
                guard name != user.name else { continue }
                steps.append(EscalationStep(action: "\(text) in namespace \(namespace)", becomes: name, grant: grant))
            }
        }
        return steps
    }

    /// The shortest chain from `user` to cluster-admin power, if there is one within `depth`
    /// steps: a breadth-first search that keeps only parent links and stops at the first hit.
    public func shortestPathToClusterAdmin(from user: UserInfo, depth: Int = 4) -> EscalationPath? {
        var parent: [String: (from: String, step: EscalationStep)] = [:]
        var seen: Set<String> = [user.name]
        var frontier: [UserInfo] = [user]
        func chain(to name: String) -> [EscalationStep] {
            var steps: [EscalationStep] = []
            var current = name
            while let link = parent[current] {
                steps.insert(link.step, at: 0)
                current = link.from
            }
            return steps
        }
        for _ in 0..<depth {
            var next: [UserInfo] = []
            for identity in frontier {
                for step in nextSteps(identity) where !seen.contains(step.becomes) {
                    seen.insert(step.becomes)
                    parent[step.becomes] = (identity.name, step)
                    if step.becomes == "cluster-admin" {
                        return EscalationPath(start: user.name, steps: chain(to: step.becomes), reachesClusterAdmin: true)
                    }
                    let reached = UserInfo.impersonating(step.becomes)
                    if clusterAdminGrant(reached) != nil {
                        return EscalationPath(start: user.name, steps: chain(to: step.becomes), reachesClusterAdmin: true)
                    }
                    next.append(reached)
                }
            }
            if next.isEmpty { break }
            frontier = next
        }
        return nil
    }

    /// Every chain from `user` to another identity, breadth first, at most `depth` steps long,
    /// each identity reached once by its shortest chain.
    public func paths(from user: UserInfo, depth: Int = 4) -> [EscalationPath] {
        var paths: [EscalationPath] = []
        var seen: Set<String> = [user.name]
        var frontier: [(UserInfo, [EscalationStep])] = [(user, [])]
        for _ in 0..<depth {
            var next: [(UserInfo, [EscalationStep])] = []
            for (identity, chain) in frontier {
                for step in nextSteps(identity) where !seen.contains(step.becomes) {
                    seen.insert(step.becomes)
                    let steps = chain + [step]
                    if step.becomes == "cluster-admin" {
                        paths.append(EscalationPath(start: user.name, steps: steps, reachesClusterAdmin: true))
                        continue
                    }
                    let reached = UserInfo.impersonating(step.becomes)
                    let admin = clusterAdminGrant(reached) != nil
                    paths.append(EscalationPath(start: user.name, steps: steps, reachesClusterAdmin: admin))
                    if !admin { next.append((reached, steps)) }
                }
            }
            frontier = next
            if frontier.isEmpty { break }
        }
        return paths
    }
}
