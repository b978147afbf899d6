import CEL
import Foundation
import KubeModel
import RBACAnalysis

/// A problem with a policy file: where, and what (an expression's column included).
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based; 0 when the problem has no place in a file.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Several problems at once (every expression of a policy that does not compile).
public struct PolicyLoadErrors: Error, Sendable {
    public let errors: [PolicyLoadError]
}

/// `resourceRules` entries of `matchConstraints` and `matchResources`.
public struct ResourceRule: Sendable {
    public var apiGroups: [String] = ["*"]
    public var apiVersions: [String] = ["*"]
    public var resources: [String] = []
    public var operations: [String] = ["*"]
    public var scope = "*"
    public var resourceNames: [String] = []

    static func parse(_ node: Node) -> ResourceRule {
        func strings(_ key: String) -> [String]? { node[key]?.sequence.map { $0.compactMap(\.scalarText) } }
        var rule = ResourceRule()
        rule.apiGroups = strings("apiGroups") ?? []
        rule.apiVersions = strings("apiVersions") ?? []
        rule.resources = strings("resources") ?? []
        rule.operations = strings("operations") ?? []
        rule.scope = node["scope"]?.string ?? "*"
        rule.resourceNames = strings("resourceNames") ?? []
        return rule
    }

    func matches(_ request: PolicyRequest) -> Bool {
        func has(_ list: [String], _ value: String) -> Bool { list.contains("*") || list.contains(value) }
        guard has(operations, request.operation), has(apiGroups, request.group), has(apiVersions, request.version) else { return false }
        guard resources.contains(where: { Self.resource($0, matches: request) }) else { return false }
        switch scope {
        case "Cluster": if !request.namespace.isEmpty { return false }
        case "Namespaced": if request.namespace.isEmpty { return false }
        default: break
        }
        return resourceNames.isEmpty || resourceNames.contains(request.name)
    }

    /// `pods` is the main resource only, `pods/status` one subresource, `pods/*` every
    /// subresource of pods, `*/status` the status of anything, `*` every main resource, `*/*` all.
    static func resource(_ pattern: String, matches request: PolicyRequest) -> Bool {
        let parts = pattern.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let resourceMatches = parts[0] == "*" || parts[0] == request.resource
        guard parts.count == 2 else { return resourceMatches && request.subResource.isEmpty }
        return resourceMatches && (parts[1] == "*" || parts[1] == request.subResource)
    }
}

/// Which requests a policy or binding is for.
public struct MatchResources: Sendable {
    public var namespaceSelector: LabelSelector?
    public var objectSelector: LabelSelector?
    public var resourceRules: [ResourceRule] = []
    public var excludeResourceRules: [ResourceRule] = []

    static func parse(_ node: Node?) -> MatchResources? {
        guard let node, node.mapping != nil else { return nil }
        return MatchResources(
            namespaceSelector: LabelSelector.parse(node["namespaceSelector"]), objectSelector: LabelSelector.parse(node["objectSelector"]),
            resourceRules: node["resourceRules"]?.items.map(ResourceRule.parse) ?? [],
            excludeResourceRules: node["excludeResourceRules"]?.items.map(ResourceRule.parse) ?? [])
    }

    /// `requireRules`: a policy's constraints must list resources; a binding's may leave them
    /// out (then it narrows only by selectors and exclusions).
    func matches(_ request: PolicyRequest, requireRules: Bool) -> Bool {
        if requireRules || !resourceRules.isEmpty {
            guard resourceRules.contains(where: { $0.matches(request) }) else { return false }
        }
        if excludeResourceRules.contains(where: { $0.matches(request) }) { return false }
        if let selector = namespaceSelector {
            if request.namespace.isEmpty {
                // Cluster-scoped: a Namespace is judged by its own labels, anything else matches.
                if request.kind == "Namespace" && request.group.isEmpty, let object = request.object {
                    guard selector.matches(object.metadataLabels) else { return false }
                }
            } else {
                guard selector.matches(request.namespaceObject?.metadataLabels ?? [:]) else { return false }
            }
        }
        if let selector = objectSelector {
            let matchesNew = request.object.map { selector.matches($0.metadataLabels) } ?? false
            let matchesOld = request.oldObject.map { selector.matches($0.metadataLabels) } ?? false
            guard matchesNew || matchesOld else { return false }
        }
        return true
    }
}

/// A compiled expression with its text (for messages).
public struct CompiledExpression: Sendable {
    public let text: String
    public let program: CELProgram
}

/// The variables every admission expression may use.
public enum AdmissionCEL {
    public static let variables: Set<String> = ["object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables"]

    /// Compiles, or says where the expression is wrong: `file:line: <what>: ERROR: <input>:1:5: ...`.
    public static func compile(_ node: Node?, what: String, file: String, variables: Set<String> = variables) -> Result<CompiledExpression, PolicyLoadError> {
        guard let node, let text = node.string else {
            return .failure(PolicyLoadError(file: file, line: node?.line ?? 0, message: "\(what) must be a string holding a CEL expression"))
        }
        do {
            return .success(CompiledExpression(text: text, program: try CELProgram(text, options: CELOptions(variables: variables))))
        } catch {
            return .failure(PolicyLoadError(file: file, line: node.line, message: "\(what) does not compile: \(error)"))
        }
    }
}

/// An `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy, compiled.
public struct ValidatingAdmissionPolicy: Sendable {
    public struct Validation: Sendable {
        public let expression: CompiledExpression
        public let message: String?
        public let messageExpression: CompiledExpression?
        public let reason: String
    }

    public let name: String
    public let file: String
    public let line: Int
    /// `Fail` (default) or `Ignore`: what an expression error or a misconfiguration does.
    public let failClosed: Bool
    public let paramKind: (apiVersion: String, kind: String)?
    public let matchConstraints: MatchResources
    public let matchConditions: [(name: String, expression: CompiledExpression)]
    public let variables: [(name: String, expression: CompiledExpression)]
    public let validations: [Validation]
    public let auditAnnotations: [(key: String, expression: CompiledExpression)]

    /// Compiles a policy; every expression that does not compile is reported.
    public static func load(_ object: KubeObject) -> Result<ValidatingAdmissionPolicy, PolicyLoadErrors> {
        var errors: [PolicyLoadError] = []
        let spec = object.root["spec"]
        func compiled(_ node: Node?, _ what: String) -> CompiledExpression? {
            switch AdmissionCEL.compile(node, what: what, file: object.file) {
            case .success(let expression): return expression
            case .failure(let error):
                errors.append(error)
                return nil
            }
        }
        let name = object.metadata?["name"]?.string ?? ""
        if name.isEmpty { errors.append(PolicyLoadError(file: object.file, line: object.line, message: "a ValidatingAdmissionPolicy needs metadata.name")) }
        guard let constraints = MatchResources.parse(spec?["matchConstraints"]), !constraints.resourceRules.isEmpty else {
            errors.append(
                PolicyLoadError(
                    file: object.file, line: spec?.line ?? object.line,
                    message: "ValidatingAdmissionPolicy \(name): spec.matchConstraints.resourceRules is required"))
            return .failure(PolicyLoadErrors(errors: errors))
        }
        let conditions = (spec?["matchConditions"]?.items ?? []).enumerated().compactMap { index, item in
            compiled(item["expression"], "matchConditions[\(index)].expression").map { (name: item["name"]?.string ?? "", expression: $0) }
        }
        let variables = (spec?["variables"]?.items ?? []).enumerated().compactMap { index, item in
            compiled(item["expression"], "variables[\(index)].expression").map { (name: item["name"]?.string ?? "", expression: $0) }
        }
        var validations: [Validation] = []
        for (index, item) in (spec?["validations"]?.items ?? []).enumerated() {
            guard let expression = compiled(item["expression"], "validations[\(index)].expression") else { continue }
            var messageExpression: CompiledExpression?
            if item["messageExpression"] != nil { messageExpression = compiled(item["messageExpression"], "validations[\(index)].messageExpression") }
            validations.append(
                Validation(
                    expression: expression, message: item["message"]?.string, messageExpression: messageExpression, reason: item["reason"]?.string ?? "Invalid")
            )
        }
        let annotations = (spec?["auditAnnotations"]?.items ?? []).enumerated().compactMap { index, item in
            compiled(item["valueExpression"], "auditAnnotations[\(index)].valueExpression").map { (key: item["key"]?.string ?? "", expression: $0) }
        }
        if validations.isEmpty && annotations.isEmpty && errors.isEmpty {
            errors.append(
                PolicyLoadError(file: object.file, line: object.line, message: "ValidatingAdmissionPolicy \(name) has no validations or auditAnnotations"))
        }
        guard errors.isEmpty else { return .failure(PolicyLoadErrors(errors: errors)) }
        let paramKind = spec?["paramKind"].flatMap { node -> (String, String)? in
            guard let apiVersion = node["apiVersion"]?.string, let kind = node["kind"]?.string else { return nil }
            return (apiVersion, kind)
        }
        return .success(
            ValidatingAdmissionPolicy(
                name: name, file: object.file, line: object.line, failClosed: spec?["failurePolicy"]?.string != "Ignore",
                paramKind: paramKind.map { (apiVersion: $0.0, kind: $0.1) }, matchConstraints: constraints, matchConditions: conditions,
                variables: variables, validations: validations, auditAnnotations: annotations))
    }
}

/// A ValidatingAdmissionPolicyBinding.
public struct PolicyBinding: Sendable {
    public struct ParamRef: Sendable {
        public var name: String?
        public var namespace: String?
        public var selector: LabelSelector?
        /// `Allow` or `Deny` when no parameter is found.
        public var denyWhenMissing: Bool
    }

    public let name: String
    public let policyName: String
    public let paramRef: ParamRef?
    public let matchResources: MatchResources?
    public let actions: [ValidationAction]
    public let file: String
    public let line: Int

    public static func load(_ object: KubeObject) -> Result<PolicyBinding, PolicyLoadError> {
        let spec = object.root["spec"]
        let name = object.metadata?["name"]?.string ?? ""
        guard let policyName = spec?["policyName"]?.string, !policyName.isEmpty else {
            return .failure(
                PolicyLoadError(file: object.file, line: object.line, message: "ValidatingAdmissionPolicyBinding \(name): spec.policyName is required"))
        }
        var actions: [ValidationAction] = []
        for item in spec?["validationActions"]?.items ?? [] {
            guard let text = item.string, let action = ValidationAction(rawValue: text) else {
                return .failure(
                    PolicyLoadError(
                        file: object.file, line: item.line, message: "validationActions holds Deny, Warn or Audit, got \(item.scalarText ?? "a non-string")"))
            }
            if !actions.contains(action) { actions.append(action) }
        }
        if actions.isEmpty {
            return .failure(
                PolicyLoadError(file: object.file, line: object.line, message: "ValidatingAdmissionPolicyBinding \(name): spec.validationActions is required"))
        }
        if actions.contains(.deny) && actions.contains(.warn) {
            return .failure(
                PolicyLoadError(
                    file: object.file, line: object.line, message: "ValidatingAdmissionPolicyBinding \(name): Deny and Warn may not be used together"))
        }
        let paramRef = spec?["paramRef"].map { node in
            ParamRef(
                name: node["name"]?.string, namespace: node["namespace"]?.string, selector: LabelSelector.parse(node["selector"]),
                denyWhenMissing: node["parameterNotFoundAction"]?.string != "Allow")
        }
        return .success(
            PolicyBinding(
                name: name, policyName: policyName, paramRef: paramRef, matchResources: MatchResources.parse(spec?["matchResources"]),
                actions: actions, file: object.file, line: object.line))
    }
}

/// What the policies say about one request.
public struct PolicyVerdict: Sendable {
    public var violations: [PolicyViolation] = []
    /// `policy/key` → value, from auditAnnotations.
    public var auditAnnotations: [String: String] = [:]
    /// Evaluation problems the failure policy let through (Ignore), for logs.
    public var ignoredErrors: [String] = []

    public init() {}

    public var denied: Bool { violations.contains { $0.actions.contains(.deny) } }
}

/// ValidatingAdmissionPolicies, their bindings and the parameter objects, as loaded from files.
public struct AdmissionPolicySet: Sendable {
    public private(set) var policies: [String: ValidatingAdmissionPolicy] = [:]
    public private(set) var bindings: [PolicyBinding] = []
    public private(set) var params: [KubeObject] = []
    /// Answers the `authorizer` variable: the RBAC objects among the policy files.
    public var rbac: Authorizer?

    public init() {}

    public var isEmpty: Bool { bindings.isEmpty }

    /// Takes every policy and binding among `objects`; any other object may be a parameter.
    public static func load(_ objects: [KubeObject]) -> (AdmissionPolicySet, [PolicyLoadError]) {
        var set = AdmissionPolicySet()
        var errors: [PolicyLoadError] = []
        for object in objects {
            let isAdmissionRegistration = object.group == "admissionregistration.k8s.io"
            switch (isAdmissionRegistration, object.kind) {
            case (true, "ValidatingAdmissionPolicy"):
                switch ValidatingAdmissionPolicy.load(object) {
                case .success(let policy):
                    if set.policies[policy.name] != nil {
                        errors.append(
                            PolicyLoadError(file: object.file, line: object.line, message: "ValidatingAdmissionPolicy \(policy.name) is defined twice"))
                    }
                    set.policies[policy.name] = policy
                case .failure(let problems): errors += problems.errors
                }
            case (true, "ValidatingAdmissionPolicyBinding"):
                switch PolicyBinding.load(object) {
                case .success(let binding): set.bindings.append(binding)
                case .failure(let problem): errors.append(problem)
                }
            default: set.params.append(object)
            }
        }
        for binding in set.bindings where set.policies[binding.policyName] == nil {
            errors.append(
                PolicyLoadError(
                    file: binding.file, line: binding.line,
                    message: "binding \(binding.name) refers to ValidatingAdmissionPolicy \(binding.policyName), which is not among the policy files"))
        }
        return (set, errors)
    }

    /// Evaluates every binding whose policy matches the request.
    public func evaluate(_ request: PolicyRequest) -> PolicyVerdict {
        var verdict = PolicyVerdict()
        guard !bindings.isEmpty else { return verdict }
        let base: [String: CELValue] = [
            "object": request.object.map(CELValue.init(node:)) ?? .null, "oldObject": request.oldObject.map(CELValue.init(node:)) ?? .null,
            "request": request.celRequest, "namespaceObject": request.namespaceObject.map(CELValue.init(node:)) ?? .null,
            "authorizer": rbac.map { .object(CELAuthorizer(rbac: $0, user: UserInfo(name: request.username, groups: request.userGroups))) }
                ?? .error(CELError("authorizer: no RBAC objects were given with the policies")),
        ]
        for binding in bindings {
            guard let policy = policies[binding.policyName], policy.matchConstraints.matches(request, requireRules: true),
                binding.matchResources?.matches(request, requireRules: false) ?? true
            else { continue }
            // Parameters: none, one by name, or every one a selector picks.
            var paramSets: [CELValue] = [.null]
            if let kind = policy.paramKind {
                guard let reference = binding.paramRef else {
                    Self.fail("policy \(policy.name) has paramKind \(kind.kind) but binding \(binding.name) has no paramRef", policy, binding, &verdict)
                    continue
                }
                let found = params(of: kind, for: reference, request: request)
                if found.isEmpty {
                    if reference.denyWhenMissing {
                        verdict.violations.append(
                            PolicyViolation(
                                engine: "ValidatingAdmissionPolicy", policy: policy.name, binding: binding.name,
                                message: "no params found for policy binding with `Deny` parameterNotFoundAction", reason: "Invalid", actions: binding.actions))
                    }
                    continue
                }
                paramSets = found.map { CELValue(node: $0.root) }
            }
            for params in paramSets {
                evaluate(policy, binding: binding, bindings: base.merging(["params": params]) { _, new in new }, into: &verdict)
            }
        }
        return verdict
    }

    func params(of kind: (apiVersion: String, kind: String), for reference: PolicyBinding.ParamRef, request: PolicyRequest) -> [KubeObject] {
        var candidates = params.filter { $0.apiVersion == kind.apiVersion && $0.kind == kind.kind }
        if let namespace = reference.namespace {
            candidates = candidates.filter { $0.namespace == namespace }
        } else if candidates.contains(where: { !$0.namespace.isEmpty }) {
            // Namespaced parameters without a namespace in the reference: the request's.
            candidates = candidates.filter { $0.namespace == request.namespace }
        }
        if let name = reference.name { return candidates.filter { $0.name == name } }
        if let selector = reference.selector { return candidates.filter { selector.matches($0.labels) } }
        return []
    }

    /// An evaluation problem: a violation when the policy fails closed, else only recorded.
    static func fail(_ message: String, _ policy: ValidatingAdmissionPolicy, _ binding: PolicyBinding, _ verdict: inout PolicyVerdict) {
        if policy.failClosed {
            verdict.violations.append(
                PolicyViolation(
                    engine: "ValidatingAdmissionPolicy", policy: policy.name, binding: binding.name, message: message, reason: "Invalid",
                    actions: binding.actions))
        } else {
            verdict.ignoredErrors.append("\(policy.name)/\(binding.name): \(message)")
        }
    }

    /// What one policy may spend on one request across all its expressions (Kubernetes'
    /// RuntimeCELCostBudget); each expression alone is held to CELOptions' per-call limit.
    public static let costBudget: Int64 = 10_000_000

    func evaluate(_ policy: ValidatingAdmissionPolicy, binding: PolicyBinding, bindings base: [String: CELValue], into verdict: inout PolicyVerdict) {
        func fail(_ message: String) { Self.fail(message, policy, binding, &verdict) }
        var spent: Int64 = 0
        var exhausted = false
        func run(_ expression: CompiledExpression, _ bindings: [String: CELValue]) -> CELValue {
            if exhausted { return .error(CELError("out of cost budget")) }
            let (value, cost) = expression.program.evaluateWithCost(bindings: bindings)
            spent += cost
            if spent > Self.costBudget {
                exhausted = true
                return .error(CELError("validation failed due to running out of cost budget, no further validation rules will be run"))
            }
            return value
        }
        var bindings = base
        // Variables in order, each seeing the ones before it.
        var variables: [(String, CELValue)] = []
        for (name, expression) in policy.variables {
            bindings["variables"] = .object(variables)
            variables.append((name, run(expression, bindings)))
        }
        bindings["variables"] = .object(variables)
        for (name, condition) in policy.matchConditions {
            switch run(condition, bindings) {
            case .bool(true): continue
            case .bool(false): return
            case .error(let error):
                fail("failed to evaluate matchCondition \(name): \(error.message)")
                return
            default:
                fail("matchCondition \(name) must evaluate to bool")
                return
            }
        }
        for validation in policy.validations {
            if exhausted { break }
            switch run(validation.expression, bindings) {
            case .bool(true): continue
            case .bool(false):
                verdict.violations.append(
                    PolicyViolation(
                        engine: "ValidatingAdmissionPolicy", policy: policy.name, binding: binding.name,
                        message: message(for: validation, bindings: bindings), reason: validation.reason, actions: binding.actions))
            case .error(let error): fail("expression '\(validation.expression.text)' resulted in error: \(error.message)")
            default: fail("expression '\(validation.expression.text)' must evaluate to bool")
            }
        }
        for (key, expression) in policy.auditAnnotations {
            if exhausted { break }
            switch run(expression, bindings) {
            case .string(let value): verdict.auditAnnotations["\(policy.name)/\(key)"] = value
            case .null: break
            case .error(let error): fail("valueExpression of auditAnnotation \(key) resulted in error: \(error.message)")
            default: fail("valueExpression of auditAnnotation \(key) must evaluate to a string or null")
            }
        }
    }

    /// messageExpression's string when it gives a non-empty one, else message, else the
    /// expression itself, as the API server words it.
    func message(for validation: ValidatingAdmissionPolicy.Validation, bindings: [String: CELValue]) -> String {
        if let expression = validation.messageExpression, case .string(let text) = expression.program.evaluate(bindings: bindings),
            !text.trimmingCharacters(in: .whitespaces).isEmpty, !text.contains("\n")
        {
            return text
        }
        if let message = validation.message, !message.isEmpty { return message }
        return "failed expression: \(validation.expression.text)"
    }
}

extension PolicyViolation {
    /// The API server's wording for a denial.
    public var denialMessage: String {
        "\(engine) '\(policy)' with binding '\(binding)' denied request: \(message)"
    }

    /// The API server's wording for a warning.
    public var warningMessage: String {
        "Validation failed for \(engine) '\(policy)' with binding '\(binding)': \(message)"
    }
}
