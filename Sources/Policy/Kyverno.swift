import CEL
import Foundation
import KubeModel

// Kyverno's CEL policies, read from the manifests users already have:
//
// - `policies.kyverno.io` ValidatingPolicy (v1alpha1, v1beta1, v1): a ValidatingAdmissionPolicy
//   with its binding built in (`matchConstraints`, `validationActions`);
// - `kyverno.io/v1` ClusterPolicy and Policy rules whose `validate.cel` holds the expressions,
//   selected by the rule's `match`/`exclude`. Other rule types (patterns, deny, mutate, generate)
//   are kept so tests can name them, and reported as not evaluated.
//
// Both get Kyverno's pod-controller rules ("autogen"): a policy written for Pods also applies to
// the pod templates of Deployments, Jobs, CronJobs and the rest, with `object.spec` read as
// `object.spec.template.spec` (`object.spec.jobTemplate.spec.template.spec` for CronJobs).

/// One Kyverno policy with its rules, generated pod-controller rules included.
public struct KyvernoPolicy: Sendable {
    public enum Kind: String, Sendable {
        case clusterPolicy = "ClusterPolicy"
        case policy = "Policy"
        case validatingPolicy = "ValidatingPolicy"
    }

    public var kind: Kind
    public var name: String
    /// The namespace of a `Policy` (it applies there only); empty otherwise.
    public var namespace: String
    public var file: String
    public var line: Int
    public var rules: [KyvernoRule]
    /// `policies.kyverno.io/scored: "false"`: failures are reported as warnings.
    public var scored: Bool

    /// `namespace/name` for a namespaced Policy, else the name: how kyverno-test.yaml names it.
    public var qualifiedName: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
}

/// One rule: as written, or generated for pod controllers (`autogen-…`).
public struct KyvernoRule: Sendable {
    /// The rule's name; a ValidatingPolicy's own rule carries the policy's name.
    public var name: String
    /// The rule this one was generated from, for pod-controller rules.
    public var generatedFrom: String?
    public var actions: [ValidationAction]
    /// Why brightkeys does not evaluate this rule (not a CEL validation, JMESPath preconditions...).
    public var unsupported: String?
    public var line: Int
    var selection: KyvernoSelection
    var body: CELPolicyBody?
    var params: KyvernoParams?
}

/// `paramKind` and `paramRef` of a CEL rule.
struct KyvernoParams: Sendable {
    var apiVersion: String
    var kind: String
    var name: String?
    var namespace: String?
    var selector: LabelSelector?
    var allowWhenMissing: Bool
}

/// Which requests a rule applies to.
enum KyvernoSelection: Sendable {
    /// A ClusterPolicy rule's `match` and `exclude`.
    case rule(match: KyvernoMatch, exclude: KyvernoMatch?)
    /// A ValidatingPolicy's `matchConstraints`.
    case constraints(KyvernoMatchConstraints)

    func selects(_ request: PolicyRequest) -> Bool {
        switch self {
        case .rule(let match, let exclude):
            return match.matches(request) && !(exclude?.matches(request) ?? false)
        case .constraints(let constraints):
            return constraints.matches(request)
        }
    }
}

/// A kind as Kyverno rules write it: `Pod`, `v1/Pod`, `apps/v1/Deployment`, `Pod/exec`, wildcards.
struct KyvernoKind: Sendable, Equatable {
    var group = "*"
    var version = "*"
    var kind: String
    var subresource = ""

    init(group: String = "*", version: String = "*", kind: String, subresource: String = "") {
        self.group = group
        self.version = version
        self.kind = kind
        self.subresource = subresource
    }

    init(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: kind = parts[0]
        case 2:
            // `Pod/exec` names a subresource; `v1/Pod` a version.
            if let first = parts[1].first, first.isLowercase {
                kind = parts[0]
                subresource = parts[1]
            } else {
                version = parts[0]
                kind = parts[1]
            }
        case 3:
            group = parts[0]
            version = parts[1]
            kind = parts[2]
        default:
            group = parts[0]
            version = parts[1]
            kind = parts[2]
            subresource = parts[3...].joined(separator: "/")
        }
    }

    func matches(_ request: PolicyRequest) -> Bool {
        wildcardMatch(kind, request.kind) && wildcardMatch(group, request.group) && wildcardMatch(version, request.version)
            && (subresource.isEmpty ? request.subResource.isEmpty : wildcardMatch(subresource, request.subResource))
    }

    var text: String { group == "*" && version == "*" ? kind : "\(group)/\(version)/\(kind)" }
}

/// One entry of `match.any`/`match.all` (or the legacy `match.resources`).
struct KyvernoFilter: Sendable {
    var kinds: [KyvernoKind] = []
    var names: [String] = []
    var namespaces: [String] = []
    var operations: [String] = []
    var annotations: [String: String] = [:]
    var selector: LabelSelector?
    var namespaceSelector: LabelSelector?
    /// `subjects`, `roles` or `clusterRoles`: who makes the request is not known offline, so such
    /// a filter never matches (a rule matching only some users does not fire; one excluding them
    /// still applies).
    var needsUserInfo = false

    static func parse(_ node: Node) -> KyvernoFilter {
        let resources = node["resources"]
        var filter = KyvernoFilter()
        filter.kinds = (resources?["kinds"]?.items ?? []).compactMap(\.scalarText).map(KyvernoKind.init)
        filter.names = (resources?["names"]?.items ?? []).compactMap(\.scalarText) + [resources?["name"]?.scalarText].compactMap { $0 }
        filter.namespaces = (resources?["namespaces"]?.items ?? []).compactMap(\.scalarText)
        filter.operations = (resources?["operations"]?.items ?? []).compactMap(\.scalarText)
        filter.annotations = KubeObject.stringMap(resources?["annotations"])
        filter.selector = LabelSelector.parse(resources?["selector"])
        filter.namespaceSelector = LabelSelector.parse(resources?["namespaceSelector"])
        filter.needsUserInfo = ["subjects", "roles", "clusterRoles"].contains { !(node[$0]?.items.isEmpty ?? true) }
        return filter
    }

    func matches(_ request: PolicyRequest) -> Bool {
        if needsUserInfo { return false }
        if !kinds.isEmpty && !kinds.contains(where: { $0.matches(request) }) { return false }
        if !names.isEmpty && !names.contains(where: { wildcardMatch($0, request.name) }) { return false }
        if !namespaces.isEmpty {
            // A Namespace is matched by its own name.
            let namespace = request.kind == "Namespace" && request.group.isEmpty ? request.name : request.namespace
            if namespace.isEmpty || !namespaces.contains(where: { wildcardMatch($0, namespace) }) { return false }
        }
        if !operations.isEmpty && !operations.contains(request.operation) { return false }
        if !annotations.isEmpty {
            let actual = KubeObject.stringMap((request.object ?? request.oldObject)?["metadata"]?["annotations"])
            for (key, pattern) in annotations {
                guard let value = actual.first(where: { wildcardMatch(key, $0.key) })?.value, wildcardMatch(pattern, value) else { return false }
            }
        }
        if let selector, !selector.matches(request.objectLabels) { return false }
        if let namespaceSelector {
            if request.namespace.isEmpty && request.kind != "Namespace" { return false }
            if !namespaceSelector.matches(request.namespaceLabels) { return false }
        }
        return true
    }

    /// Whether any kind is Pod (whatever group and version it names).
    var hasPod: Bool { kinds.contains { $0.kind == "Pod" && $0.subresource.isEmpty } }
}

/// A rule's `match` or `exclude`: `any` (one filter suffices), `all` (every filter), or the legacy
/// single `resources`.
struct KyvernoMatch: Sendable {
    var any: [KyvernoFilter] = []
    var all: [KyvernoFilter] = []

    static func parse(_ node: Node?) -> KyvernoMatch? {
        guard let node, node.mapping != nil else { return nil }
        var match = KyvernoMatch()
        match.any = (node["any"]?.items ?? []).map(KyvernoFilter.parse)
        match.all = (node["all"]?.items ?? []).map(KyvernoFilter.parse)
        if match.any.isEmpty && match.all.isEmpty
            && (node["resources"] != nil || node["subjects"] != nil || node["roles"] != nil || node["clusterRoles"] != nil)
        {
            match.all = [KyvernoFilter.parse(node)]
        }
        return match
    }

    var isEmpty: Bool { any.isEmpty && all.isEmpty }

    func matches(_ request: PolicyRequest) -> Bool {
        if !any.isEmpty { return any.contains { $0.matches(request) } }
        if !all.isEmpty { return all.allSatisfy { $0.matches(request) } }
        return false
    }

    var filters: [KyvernoFilter] { any + all }

    /// Every kind named, by kind name.
    var kindNames: [String] { filters.flatMap { $0.kinds.map(\.kind) } }

    /// A copy whose filters have their kinds replaced: those for which `select` holds.
    func replacingKinds(with kinds: [KyvernoKind], where select: (KyvernoFilter) -> Bool) -> KyvernoMatch {
        var copy = self
        for index in copy.any.indices where select(copy.any[index]) { copy.any[index].kinds = kinds }
        for index in copy.all.indices where select(copy.all[index]) { copy.all[index].kinds = kinds }
        return copy
    }
}

/// A resource rule of `matchConstraints`, as in ValidatingAdmissionPolicy.
struct KyvernoResourceRule: Sendable {
    var apiGroups: [String]
    var apiVersions: [String]
    var operations: [String]
    var resources: [String]
    var resourceNames: [String]
    var scope: String

    static func parse(_ node: Node) -> KyvernoResourceRule {
        func list(_ key: String) -> [String] { (node[key]?.items ?? []).compactMap(\.scalarText) }
        return KyvernoResourceRule(
            apiGroups: list("apiGroups"), apiVersions: list("apiVersions"), operations: list("operations"), resources: list("resources"),
            resourceNames: list("resourceNames"), scope: node["scope"]?.scalarText ?? "*")
    }

    func matches(_ request: PolicyRequest) -> Bool {
        guard apiGroups.contains(where: { $0 == "*" || $0 == request.group }), apiVersions.contains(where: { $0 == "*" || $0 == request.version }),
            operations.contains(where: { $0 == "*" || $0 == request.operation })
        else { return false }
        let wanted = request.subResource.isEmpty ? request.resource : "\(request.resource)/\(request.subResource)"
        let resourceMatches = resources.contains { pattern in
            if pattern == wanted || pattern == "*/*" { return true }
            if pattern == "*" { return request.subResource.isEmpty }
            if pattern.hasPrefix("*/") { return !request.subResource.isEmpty && pattern.dropFirst(2) == request.subResource }
            if pattern.hasSuffix("/*") { return !request.subResource.isEmpty && pattern.dropLast(2) == request.resource }
            return false
        }
        guard resourceMatches else { return false }
        if !resourceNames.isEmpty && !resourceNames.contains(request.name) { return false }
        switch scope {
        case "Cluster": return ResourceNames.isClusterScoped(request.kind)
        case "Namespaced": return !ResourceNames.isClusterScoped(request.kind)
        default: return true
        }
    }
}

/// A ValidatingPolicy's `matchConstraints`.
struct KyvernoMatchConstraints: Sendable {
    var resourceRules: [KyvernoResourceRule] = []
    var excludeResourceRules: [KyvernoResourceRule] = []
    var namespaceSelector: LabelSelector?
    var objectSelector: LabelSelector?

    static func parse(_ node: Node?) -> KyvernoMatchConstraints {
        KyvernoMatchConstraints(
            resourceRules: (node?["resourceRules"]?.items ?? []).map(KyvernoResourceRule.parse),
            excludeResourceRules: (node?["excludeResourceRules"]?.items ?? []).map(KyvernoResourceRule.parse),
            namespaceSelector: LabelSelector.parse(node?["namespaceSelector"]), objectSelector: LabelSelector.parse(node?["objectSelector"]))
    }

    func matches(_ request: PolicyRequest) -> Bool {
        guard resourceRules.contains(where: { $0.matches(request) }), !excludeResourceRules.contains(where: { $0.matches(request) }) else { return false }
        if let objectSelector, !objectSelector.matches(request.objectLabels) { return false }
        // As in Kubernetes, the namespace selector does not apply to cluster-scoped objects.
        if let namespaceSelector, !request.namespace.isEmpty || request.kind == "Namespace", !namespaceSelector.matches(request.namespaceLabels) {
            return false
        }
        return true
    }

    /// Empty or absent selectors select everything.
    var hasSelectors: Bool {
        [namespaceSelector, objectSelector].contains { selector in
            selector.map { !$0.matchLabels.isEmpty || !$0.matchExpressions.isEmpty } ?? false
        }
    }
}

/// The outcome of one rule for one request.
public struct KyvernoRuleResult: Sendable {
    public enum Status: String, Sendable {
        case pass, fail, warn, skip, error
    }

    /// The policy's `qualifiedName`.
    public var policy: String
    public var policyKind: KyvernoPolicy.Kind
    public var rule: String
    public var status: Status
    /// Failure messages (fail, warn) or what went wrong (error).
    public var messages: [String]
}

/// Kyverno policies loaded from manifests, ready to evaluate requests.
public struct KyvernoPolicySet: Sendable {
    public private(set) var policies: [KyvernoPolicy] = []

    public init(policies: [KyvernoPolicy] = []) {
        self.policies = policies
    }

    static let autogenAnnotation = "pod-policies.kyverno.io/autogen-controllers"
    static let podControllers = ["DaemonSet", "Deployment", "Job", "StatefulSet", "ReplicaSet", "ReplicationController"]

    /// Whether an object is a policy this engine reads.
    public static func isPolicy(_ object: KubeObject) -> Bool {
        (object.group == "kyverno.io" && (object.kind == "ClusterPolicy" || object.kind == "Policy"))
            || (object.group == "policies.kyverno.io" && object.kind == "ValidatingPolicy")
    }

    /// Reads the Kyverno policies among `objects` (others are ignored). A policy with an expression
    /// that does not compile is reported and left out; the rest load.
    public static func load(_ objects: [KubeObject]) -> (KyvernoPolicySet, [PolicyEngineError]) {
        var set = KyvernoPolicySet()
        var errors: [PolicyEngineError] = []
        for object in objects where isPolicy(object) {
            let policy = object.kind == "ValidatingPolicy" ? loadValidatingPolicy(object, errors: &errors) : loadRulePolicy(object, errors: &errors)
            if let policy { set.policies.append(policy) }
        }
        return (set, errors)
    }

    static func scored(_ object: KubeObject) -> Bool {
        object.annotations["policies.kyverno.io/scored"] != "false"
    }

    static func actions(_ text: String?) -> [ValidationAction]? {
        switch text?.lowercased() {
        case "enforce": return [.deny]
        case "audit": return [.audit]
        default: return nil
        }
    }

    // MARK: ClusterPolicy and Policy

    static func loadRulePolicy(_ object: KubeObject, errors: inout [PolicyEngineError]) -> KyvernoPolicy? {
        let spec = object.root["spec"]
        var policy = KyvernoPolicy(
            kind: object.kind == "Policy" ? .policy : .clusterPolicy, name: object.name, namespace: object.kind == "Policy" ? object.namespace : "",
            file: object.file, line: object.line, rules: [], scored: scored(object))
        if object.kind == "Policy" && policy.namespace.isEmpty { policy.namespace = "default" }
        let defaultActions = actions(spec?["validationFailureAction"]?.scalarText) ?? [.audit]
        let ruleNodes = spec?["rules"]?.items ?? []
        if ruleNodes.isEmpty {
            errors.append(PolicyEngineError(file: object.file, line: object.line, message: "\(object.kind) \(object.name) has no spec.rules"))
            return nil
        }
        var failed = false
        for (index, node) in ruleNodes.enumerated() {
            let name = node["name"]?.scalarText ?? "rule-\(index)"
            let what = "\(object.kind) \(object.name) rule \(name)"
            guard let match = KyvernoMatch.parse(node["match"]), !match.isEmpty else {
                errors.append(PolicyEngineError(file: object.file, line: node.line, message: "\(what): match must have any, all or resources"))
                failed = true
                continue
            }
            let exclude = KyvernoMatch.parse(node["exclude"])
            var rule = KyvernoRule(
                name: name, actions: actions(node["validate"]?["failureAction"]?.scalarText) ?? defaultActions, line: node.line,
                selection: .rule(match: match, exclude: exclude))
            var problems: [PolicyEngineError] = []
            (rule.body, rule.params, rule.unsupported) = compileRuleBody(node, what: what, file: object.file, rewrite: { $0 }, errors: &problems)
            if !problems.isEmpty {
                errors += problems
                failed = true
                continue
            }
            policy.rules.append(rule)
        }
        if failed { return nil }
        policy.rules += autogenRules(for: object, nodes: ruleNodes, rules: policy.rules)
        return policy
    }

    /// The CEL body of a rule (nil with the reason when the rule is not a CEL validation).
    static func compileRuleBody(
        _ node: Node, what: String, file: String, rewrite: @escaping (String) -> String, errors: inout [PolicyEngineError]
    ) -> (CELPolicyBody?, KyvernoParams?, String?) {
        guard let validate = node["validate"] else {
            let type = ["mutate", "generate", "verifyImages"].first { node[$0] != nil } ?? "unknown"
            return (nil, nil, "a \(type) rule (brightkeys evaluates validate.cel rules)")
        }
        guard let cel = validate["cel"] else {
            let type = ["pattern", "anyPattern", "deny", "podSecurity", "foreach", "manifests", "assert"].first { validate[$0] != nil } ?? "non-CEL"
            return (nil, nil, "a validate.\(type) rule (brightkeys evaluates validate.cel rules)")
        }
        if node["preconditions"] != nil || node["context"] != nil {
            return (nil, nil, "uses JMESPath preconditions or context, which brightkeys does not evaluate")
        }
        guard
            let body = CELPolicyBody.compile(
                matchConditions: node["celPreconditions"], variables: cel["variables"], validations: cel["expressions"],
                auditAnnotations: cel["auditAnnotations"], prefix: "validate.cel.", validationsName: "expressions", file: file, what: what, rewrite: rewrite,
                errors: &errors)
        else { return (nil, nil, nil) }
        var params: KyvernoParams?
        if let kind = cel["paramKind"] {
            let reference = cel["paramRef"]
            params = KyvernoParams(
                apiVersion: kind["apiVersion"]?.scalarText ?? "", kind: kind["kind"]?.scalarText ?? "", name: reference?["name"]?.scalarText,
                namespace: reference?["namespace"]?.scalarText, selector: LabelSelector.parse(reference?["selector"]),
                allowWhenMissing: reference?["parameterNotFoundAction"]?.scalarText == "Allow")
        }
        return (body, params, nil)
    }

    /// Kyverno's pod-controller rules for a ClusterPolicy or Policy.
    ///
    /// Generation is off for the whole policy when a rule selects by name, label selector or
    /// annotations, mixes Pod with other kinds, or generates/patches; when no rule names Pod (or a
    /// controller); and when the `pod-policies.kyverno.io/autogen-controllers` annotation is
    /// `none`. The annotation otherwise lists the controllers (default: all of them).
    static func autogenRules(for object: KubeObject, nodes: [Node], rules: [KyvernoRule]) -> [KyvernoRule] {
        var needed = false
        for node in nodes {
            if node["generate"] != nil || node["mutate"]?["patchesJson6902"] != nil { return [] }
            for key in ["match", "exclude"] {
                for filter in KyvernoMatch.parse(node[key])?.filters ?? [] {
                    let kindNames = filter.kinds.map(\.kind)
                    if !filter.names.isEmpty || filter.selector != nil || !filter.annotations.isEmpty || (kindNames.count > 1 && kindNames.contains("Pod")) {
                        return []
                    }
                    if kindNames.contains(where: { $0 == "Pod" || podControllers.contains($0) || $0 == "CronJob" }) { needed = true }
                }
            }
        }
        guard needed else { return [] }
        var controllers = podControllers + ["CronJob"]
        if let requested = object.annotations[autogenAnnotation], !requested.isEmpty {
            if requested == "none" { return [] }
            controllers = requested == "all" ? controllers : requested.split(separator: ",").map { String($0).trimmingSpaces }
        }
        let templateControllers = podControllers.filter(controllers.contains)
        var generated: [KyvernoRule] = []
        for (rule, node) in zip(rules, nodes) where !rule.name.hasPrefix("autogen-") {
            guard case .rule(let match, let exclude) = rule.selection, match.kindNames.contains("Pod") else { continue }
            if let exclude, !exclude.kindNames.isEmpty && !exclude.kindNames.contains("Pod") { continue }
            let what = "\(object.kind) \(object.name) rule \(rule.name)"
            if !templateControllers.isEmpty {
                let kinds = templateControllers.sorted().map { KyvernoKind(kind: $0) }
                generated.append(
                    derive(
                        rule, node: node, name: autogenName("autogen", rule.name), what: what, file: object.file,
                        match: match.replacingKinds(with: kinds, where: \.hasPod),
                        exclude: exclude?.replacingKinds(with: kinds) { $0.hasPod }, rewrite: { rewritePlain($0, to: "spec.template") }))
            }
            if controllers.contains("CronJob") {
                let kinds = [KyvernoKind(kind: "CronJob")]
                generated.append(
                    derive(
                        rule, node: node, name: autogenName("autogen-cronjob", rule.name), what: what, file: object.file,
                        match: match.replacingKinds(with: kinds) { _ in true },
                        exclude: exclude?.replacingKinds(with: kinds) { !$0.kinds.isEmpty },
                        rewrite: { rewritePlain($0, to: "spec.jobTemplate.spec.template") }))
            }
        }
        return generated
    }

    /// A generated rule: the original's body recompiled with its object paths moved into the pod template.
    static func derive(
        _ rule: KyvernoRule, node: Node, name: String, what: String, file: String, match: KyvernoMatch, exclude: KyvernoMatch?,
        rewrite: @escaping (String) -> String
    ) -> KyvernoRule {
        var derived = rule
        derived.name = name
        derived.generatedFrom = rule.name
        derived.selection = .rule(match: match, exclude: exclude)
        if rule.unsupported == nil {
            var ignored: [PolicyEngineError] = []
            (derived.body, derived.params, derived.unsupported) = compileRuleBody(node, what: what, file: file, rewrite: rewrite, errors: &ignored)
            if !ignored.isEmpty { derived.unsupported = "its rewritten expressions do not compile: \(ignored[0].message)" }
        }
        return derived
    }

    /// Kyverno truncates generated names to 63 characters.
    static func autogenName(_ prefix: String, _ name: String) -> String {
        String("\(prefix)-\(name)".prefix(63))
    }

    /// ClusterPolicy autogen: every `object.spec`/`object.metadata` (and `oldObject.…`) is moved
    /// under `template`, textually, as Kyverno rewrites the rule.
    static func rewritePlain(_ text: String, to template: String) -> String {
        var text = text
        for (from, to) in [
            ("object.spec", "object.\(template).spec"), ("oldObject.spec", "oldObject.\(template).spec"),
            ("object.metadata", "object.\(template).metadata"), ("oldObject.metadata", "oldObject.\(template).metadata"),
        ] {
            text = text.replacingAll(from, with: to)
        }
        return text
    }

    /// ValidatingPolicy autogen: the same rewrite, except that `object.metadata.name` and
    /// `.namespace` stay on the controller (pod templates carry neither).
    static func rewriteProtected(_ text: String, to template: String) -> String {
        var text = text
        for (field, target) in [("spec", "\(template).spec"), ("metadata", "\(template).metadata")] {
            for root in ["object.", "oldObject."] {
                text = text.replacingAll(root + field, with: root + target) { rest in
                    for suffix in [".namespace", ".name"] where rest.hasPrefix(suffix) {
                        let next = rest.dropFirst(suffix.count).first
                        if next.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return false }
                    }
                    return true
                }
            }
        }
        return text
    }

    // MARK: ValidatingPolicy

    static let validatingPolicyControllers: [(resource: String, group: String, kind: String)] = [
        ("daemonsets", "apps", "DaemonSet"), ("deployments", "apps", "Deployment"), ("replicasets", "apps", "ReplicaSet"),
        ("statefulsets", "apps", "StatefulSet"), ("jobs", "batch", "Job"), ("cronjobs", "batch", "CronJob"),
    ]

    static func loadValidatingPolicy(_ object: KubeObject, errors: inout [PolicyEngineError]) -> KyvernoPolicy? {
        let spec = object.root["spec"]
        let what = "ValidatingPolicy \(object.name)"
        let constraints = KyvernoMatchConstraints.parse(spec?["matchConstraints"])
        if constraints.resourceRules.isEmpty {
            errors.append(PolicyEngineError(file: object.file, line: object.line, message: "\(what): spec.matchConstraints.resourceRules is empty"))
            return nil
        }
        var actions: [ValidationAction] = []
        for item in spec?["validationActions"]?.items ?? [] {
            guard let action = item.scalarText.flatMap(ValidationAction.init(rawValue:)) else {
                errors.append(PolicyEngineError(file: object.file, line: item.line, message: "\(what): unknown validation action (use Deny, Warn or Audit)"))
                return nil
            }
            actions.append(action)
        }
        func compile(rewrite: @escaping (String) -> String, errors: inout [PolicyEngineError]) -> CELPolicyBody? {
            CELPolicyBody.compile(
                matchConditions: spec?["matchConditions"], variables: spec?["variables"], validations: spec?["validations"],
                auditAnnotations: spec?["auditAnnotations"], prefix: "spec.", file: object.file, what: what, rewrite: rewrite, errors: &errors)
        }
        guard let body = compile(rewrite: { $0 }, errors: &errors) else { return nil }
        var params: KyvernoParams?
        if let kind = spec?["paramKind"] {
            let reference = spec?["paramRef"]
            params = KyvernoParams(
                apiVersion: kind["apiVersion"]?.scalarText ?? "", kind: kind["kind"]?.scalarText ?? "", name: reference?["name"]?.scalarText,
                namespace: reference?["namespace"]?.scalarText, selector: LabelSelector.parse(reference?["selector"]),
                allowWhenMissing: reference?["parameterNotFoundAction"]?.scalarText == "Allow")
        }
        let rule = KyvernoRule(
            name: object.name, actions: actions.isEmpty ? [.deny] : actions, line: object.line, selection: .constraints(constraints), body: body,
            params: params)
        var policy = KyvernoPolicy(
            kind: .validatingPolicy, name: object.name, namespace: "", file: object.file, line: object.line, rules: [rule], scored: scored(object))

        // Pod-controller policies, when the policy matches exactly core/v1 pods with no selectors,
        // names or exclusions.
        let only = constraints.resourceRules.first
        let autogen =
            constraints.resourceRules.count == 1 && constraints.excludeResourceRules.isEmpty && !constraints.hasSelectors && only?.resourceNames.isEmpty == true
            && only?.apiGroups == [""] && only?.apiVersions == ["v1"] && only?.resources == ["pods"]
        guard autogen, let operations = only?.operations else { return policy }
        var wanted = Set(validatingPolicyControllers.map(\.resource))
        if let configured = spec?["autogen"]?["podControllers"]?["controllers"] {
            wanted = Set(configured.items.compactMap(\.scalarText))
        }
        let groups: [(prefix: String, template: String, targets: [(resource: String, group: String, kind: String)])] = [
            ("autogen", "spec.template", validatingPolicyControllers.filter { $0.resource != "cronjobs" && wanted.contains($0.resource) }),
            (
                "autogen-cronjobs", "spec.jobTemplate.spec.template",
                validatingPolicyControllers.filter { $0.resource == "cronjobs" && wanted.contains($0.resource) }
            ),
        ]
        for group in groups where !group.targets.isEmpty {
            var rules: [KyvernoResourceRule] = []
            for apiGroup in ["apps", "batch"] {
                let resources = group.targets.filter { $0.group == apiGroup }.map(\.resource)
                if !resources.isEmpty {
                    rules.append(
                        KyvernoResourceRule(
                            apiGroups: [apiGroup], apiVersions: ["v1"], operations: operations, resources: resources, resourceNames: [], scope: "*"))
                }
            }
            var ignored: [PolicyEngineError] = []
            let template = group.template
            var derived = rule
            derived.name = "\(group.prefix)-\(object.name)"
            derived.generatedFrom = object.name
            derived.selection = .constraints(KyvernoMatchConstraints(resourceRules: rules))
            derived.body = compile(rewrite: { rewriteProtected($0, to: template) }, errors: &ignored)
            if derived.body == nil { derived.unsupported = "its rewritten expressions do not compile: \(ignored.first?.message ?? "")" }
            policy.rules.append(derived)
        }
        return policy
    }

    // MARK: Evaluation

    /// Every rule of every policy for one request: `skip` where a rule does not apply.
    public func results(for request: PolicyRequest, context: PolicyContext = PolicyContext()) -> [KyvernoRuleResult] {
        let bindings = request.celBindings
        var results: [KyvernoRuleResult] = []
        for policy in policies {
            for rule in policy.rules {
                results.append(Self.evaluate(rule, of: policy, request: request, bindings: bindings, context: context))
            }
        }
        return results
    }

    /// The violations of one request (failed rules with their actions) and the errors met.
    public func evaluate(_ request: PolicyRequest, context: PolicyContext = PolicyContext()) -> PolicyEvaluation {
        var evaluation = PolicyEvaluation()
        let bindings = request.celBindings
        for policy in policies {
            for rule in policy.rules where rule.unsupported == nil {
                let result = Self.evaluate(rule, of: policy, request: request, bindings: bindings, context: context)
                switch result.status {
                case .fail, .warn:
                    for message in result.messages {
                        evaluation.violations.append(
                            PolicyViolation(engine: "Kyverno", policy: policy.qualifiedName, binding: rule.name, message: message, actions: rule.actions))
                    }
                case .error:
                    for message in result.messages {
                        evaluation.errors.append(
                            PolicyEngineError(
                                file: policy.file, line: rule.line, message: "\(policy.kind.rawValue) \(policy.qualifiedName) rule \(rule.name): \(message)"))
                    }
                case .pass, .skip: break
                }
            }
        }
        return evaluation
    }

    static func evaluate(_ rule: KyvernoRule, of policy: KyvernoPolicy, request: PolicyRequest, bindings: [String: CELValue], context: PolicyContext)
        -> KyvernoRuleResult
    {
        func result(_ status: KyvernoRuleResult.Status, _ messages: [String] = []) -> KyvernoRuleResult {
            KyvernoRuleResult(policy: policy.qualifiedName, policyKind: policy.kind, rule: rule.name, status: status, messages: messages)
        }
        if policy.kind == .policy && request.namespace != policy.namespace { return result(.skip) }
        guard rule.selection.selects(request) else { return result(.skip) }
        if let unsupported = rule.unsupported { return result(.error, ["not evaluated: \(unsupported)"]) }
        guard let body = rule.body else { return result(.error, ["not evaluated"]) }
        var paramValues: [CELValue] = [.null]
        if let params = rule.params {
            var namespace = params.namespace
            if namespace == nil && !ResourceNames.isClusterScoped(params.kind) && !request.namespace.isEmpty { namespace = request.namespace }
            let found = context.params(apiVersion: params.apiVersion, kind: params.kind, name: params.name, namespace: namespace, selector: params.selector)
            if found.isEmpty {
                if params.allowWhenMissing { return result(.pass) }
                let which = [params.name.map { "named \($0)" }, namespace.map { "in namespace \($0)" }].compactMap { $0 }.joined(separator: " ")
                return result(.error, ["params missing: no \(params.apiVersion) \(params.kind) \(which) was given (paramKind/paramRef)"])
            }
            paramValues = found.map { CELValue(node: $0.root) }
        }
        var failures: [String] = []
        var errors: [String] = []
        var matched = false
        for param in paramValues {
            var bindings = bindings
            bindings["params"] = param
            let outcome = body.evaluate(bindings)
            if !outcome.matched { continue }
            matched = true
            failures += outcome.failures.map(\.message)
            errors += outcome.errors
        }
        if !errors.isEmpty { return result(.error, errors) }
        if !matched { return result(.skip) }
        if !failures.isEmpty { return result(policy.scored ? .fail : .warn, failures) }
        return result(.pass)
    }
}

extension String {
    /// Replaces every occurrence of `target`, left to right; `accept` sees the text after each
    /// occurrence and may keep it unreplaced.
    func replacingAll(_ target: String, with replacement: String, accept: (Substring) -> Bool = { _ in true }) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += accept(rest[range.upperBound...]) ? replacement : target
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }

    var trimmingSpaces: String {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
