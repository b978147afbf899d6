import CEL
import KubeModel

// Gatekeeper's CEL policies: a ConstraintTemplate (`templates.gatekeeper.sh`) whose target code has
// `engine: K8sNativeValidation` carries a ValidatingAdmissionPolicy-like body; each Constraint
// (`constraints.gatekeeper.sh`, kind = the template's `spec.crd.spec.names.kind`) applies it to
// what its `spec.match` selects, with its `spec.parameters` as `variables.params`. Rego code is
// not evaluated: a template with only Rego is reported as such.

/// A ConstraintTemplate's CEL code.
public struct GatekeeperTemplate: Sendable {
    public var name: String
    /// The constraint kind it defines (`spec.crd.spec.names.kind`).
    public var kind: String
    public var file: String
    public var line: Int
    /// Why it is not evaluated (no K8sNativeValidation code).
    public var unsupported: String?
    var body: CELPolicyBody?
    /// Whether any expression reads `variables.params` (for the "params missing" message).
    var readsParams: Bool
}

/// One Constraint: a template applied to what `spec.match` selects.
public struct GatekeeperConstraint: Sendable {
    public var kind: String
    public var name: String
    public var file: String
    public var line: Int
    public var actions: [ValidationAction]
    var match: GatekeeperMatch
    /// The constraint itself (`params` in CEL) and its `spec.parameters` (`variables.params`).
    var object: Node
    var parameters: Node?
}

/// A Constraint's `spec.match`.
struct GatekeeperMatch: Sendable {
    var kinds: [(groups: [String], kinds: [String])] = []
    var namespaces: [String] = []
    var excludedNamespaces: [String] = []
    var labelSelector: LabelSelector?
    var namespaceSelector: LabelSelector?
    var scope = "*"
    var name: String?

    static func parse(_ node: Node?) -> GatekeeperMatch {
        func list(_ node: Node?) -> [String] { (node?.items ?? []).compactMap(\.scalarText) }
        var match = GatekeeperMatch()
        match.kinds = (node?["kinds"]?.items ?? []).map { (list($0["apiGroups"]), list($0["kinds"])) }
        match.namespaces = list(node?["namespaces"])
        match.excludedNamespaces = list(node?["excludedNamespaces"])
        match.labelSelector = LabelSelector.parse(node?["labelSelector"])
        match.namespaceSelector = LabelSelector.parse(node?["namespaceSelector"])
        match.scope = node?["scope"]?.scalarText ?? "*"
        match.name = node?["name"]?.scalarText
        return match
    }

    func matches(_ request: PolicyRequest) -> Bool {
        if !kinds.isEmpty {
            let selected = kinds.contains { entry in
                (entry.groups.isEmpty || entry.groups.contains("*") || entry.groups.contains(request.group))
                    && (entry.kinds.contains("*") || entry.kinds.contains(request.kind))
            }
            if !selected { return false }
        }
        let clusterScoped = ResourceNames.isClusterScoped(request.kind) || (request.namespace.isEmpty && request.kind != "Namespace")
        switch scope {
        case "Cluster": if !clusterScoped { return false }
        case "Namespaced": if clusterScoped { return false }
        default: break
        }
        if let name, !wildcardMatch(name, request.name) { return false }
        // Namespace criteria do not apply to cluster-scoped objects; a Namespace is matched by its name.
        let isNamespace = request.kind == "Namespace" && request.group.isEmpty
        let namespace = isNamespace ? request.name : request.namespace
        if !namespace.isEmpty {
            if !namespaces.isEmpty && !namespaces.contains(where: { wildcardMatch($0, namespace) }) { return false }
            if excludedNamespaces.contains(where: { wildcardMatch($0, namespace) }) { return false }
            if let namespaceSelector, !namespaceSelector.matches(request.namespaceLabels) { return false }
        }
        if let labelSelector, !labelSelector.matches(request.objectLabels) { return false }
        return true
    }
}

/// What one constraint found for one request.
public struct GatekeeperResult: Sendable {
    public var template: String
    public var constraint: String
    public var constraintKind: String
    /// False when `spec.match` (or a match condition) left the request out.
    public var matched: Bool
    public var violations: [PolicyViolation]
    public var errors: [String]
}

/// Gatekeeper templates and constraints loaded from manifests.
public struct GatekeeperPolicySet: Sendable {
    /// By constraint kind.
    public private(set) var templates: [String: GatekeeperTemplate] = [:]
    public private(set) var constraints: [GatekeeperConstraint] = []

    public init() {}

    public static func isTemplate(_ object: KubeObject) -> Bool {
        object.group == "templates.gatekeeper.sh" && object.kind == "ConstraintTemplate"
    }

    public static func isConstraint(_ object: KubeObject) -> Bool {
        object.group == "constraints.gatekeeper.sh"
    }

    /// Reads the templates and constraints among `objects` (others are ignored). A template whose
    /// expressions do not compile is reported, and so is each constraint of a kind no template defines.
    public static func load(_ objects: [KubeObject]) -> (GatekeeperPolicySet, [PolicyEngineError]) {
        var set = GatekeeperPolicySet()
        var errors: [PolicyEngineError] = []
        var broken: Set<String> = []
        for object in objects where isTemplate(object) {
            switch loadTemplate(object, errors: &errors) {
            case .some(let template): set.templates[template.kind] = template
            case .none: broken.insert(object.root["spec"]?["crd"]?["spec"]?["names"]?["kind"]?.scalarText ?? "")
            }
        }
        for object in objects where isConstraint(object) {
            guard let constraint = loadConstraint(object, errors: &errors) else { continue }
            if set.templates[constraint.kind] == nil && !broken.contains(constraint.kind) {
                errors.append(
                    PolicyEngineError(
                        file: object.file, line: object.line,
                        message: "constraint \(object.kind) \(object.name): no ConstraintTemplate defines kind \(object.kind)"))
                continue
            }
            set.constraints.append(constraint)
        }
        return (set, errors)
    }

    static func loadTemplate(_ object: KubeObject, errors: inout [PolicyEngineError]) -> GatekeeperTemplate? {
        let spec = object.root["spec"]
        let what = "ConstraintTemplate \(object.name)"
        guard let kind = spec?["crd"]?["spec"]?["names"]?["kind"]?.scalarText, !kind.isEmpty else {
            errors.append(PolicyEngineError(file: object.file, line: object.line, message: "\(what): spec.crd.spec.names.kind is missing"))
            return nil
        }
        var template = GatekeeperTemplate(name: object.name, kind: kind, file: object.file, line: object.line, readsParams: false)
        let targets = spec?["targets"]?.items ?? []
        guard targets.count == 1, let target = targets.first else {
            errors.append(PolicyEngineError(file: object.file, line: object.line, message: "\(what): spec.targets must hold exactly one target"))
            return nil
        }
        let code = target["code"]?.items.first { $0["engine"]?.scalarText == "K8sNativeValidation" }
        guard let code, let source = code["source"] else {
            template.unsupported = "template \(object.name) has no K8sNativeValidation code (brightkeys does not evaluate Rego)"
            return template
        }
        let index = target["code"]?.items.firstIndex { $0["engine"]?.scalarText == "K8sNativeValidation" } ?? 0
        guard
            let body = CELPolicyBody.compile(
                matchConditions: source["matchConditions"], variables: source["variables"], validations: source["validations"], auditAnnotations: nil,
                prefix: "spec.targets[0].code[\(index)].source.", file: object.file, what: what, errors: &errors)
        else { return nil }
        template.body = body
        let expressions =
            body.matchConditions.map(\.expression) + body.variables.map(\.expression) + body.validations.map(\.expression)
            + body.validations.compactMap(\.messageExpression)
        template.readsParams = expressions.contains { $0.source.contains("variables.params") || $0.source.contains("params.spec") }
        return template
    }

    static func loadConstraint(_ object: KubeObject, errors: inout [PolicyEngineError]) -> GatekeeperConstraint? {
        let spec = object.root["spec"]
        let what = "constraint \(object.kind) \(object.name)"
        var actions: [ValidationAction]
        switch spec?["enforcementAction"]?.scalarText ?? "deny" {
        case "deny", "": actions = [.deny]
        case "dryrun": actions = [.audit]
        case "warn": actions = [.warn]
        case "scoped":
            // The actions whose enforcement points include admission.
            actions = []
            for entry in spec?["scopedEnforcementActions"]?.items ?? [] {
                let points = (entry["enforcementPoints"]?.items ?? []).compactMap { $0["name"]?.scalarText }
                guard points.contains("validation.gatekeeper.sh") || points.contains("*") else { continue }
                switch entry["action"]?.scalarText {
                case "deny": actions.append(.deny)
                case "warn": actions.append(.warn)
                case "dryrun": actions.append(.audit)
                default: break
                }
            }
        case let other:
            errors.append(
                PolicyEngineError(
                    file: object.file, line: spec?.keyPosition("enforcementAction")?.line ?? object.line,
                    message: "\(what): unknown enforcementAction \(quoted(other)) (use deny, dryrun, warn or scoped)"))
            return nil
        }
        return GatekeeperConstraint(
            kind: object.kind, name: object.name, file: object.file, line: object.line, actions: actions, match: GatekeeperMatch.parse(spec?["match"]),
            object: object.root, parameters: spec?["parameters"])
    }

    /// Every constraint's outcome for one request.
    public func results(for request: PolicyRequest) -> [GatekeeperResult] {
        let bindings = request.celBindings
        return constraints.compactMap { constraint in
            templates[constraint.kind].map { Self.evaluate(constraint, template: $0, request: request, bindings: bindings) }
        }
    }

    /// The violations of one request and the errors met.
    public func evaluate(_ request: PolicyRequest) -> PolicyEvaluation {
        var evaluation = PolicyEvaluation()
        for (result, constraint) in zip(results(for: request), constraints.filter { templates[$0.kind] != nil }) {
            evaluation.violations += result.violations
            evaluation.errors += result.errors.map {
                PolicyEngineError(file: constraint.file, line: constraint.line, message: "constraint \(constraint.kind) \(constraint.name): \($0)")
            }
        }
        return evaluation
    }

    static func evaluate(_ constraint: GatekeeperConstraint, template: GatekeeperTemplate, request: PolicyRequest, bindings: [String: CELValue])
        -> GatekeeperResult
    {
        var result = GatekeeperResult(
            template: template.name, constraint: constraint.name, constraintKind: constraint.kind, matched: false, violations: [], errors: [])
        guard constraint.match.matches(request) else { return result }
        if let unsupported = template.unsupported {
            result.matched = true
            result.errors.append("not evaluated: \(unsupported)")
            return result
        }
        guard let body = template.body else { return result }
        var bindings = bindings
        bindings["params"] = CELValue(node: constraint.object)
        let anyObject = request.object ?? request.oldObject
        let outcome = body.evaluate(
            bindings,
            presetVariables: [
                ("anyObject", anyObject.map(CELValue.init(node:)) ?? .null), ("params", constraint.parameters.map(CELValue.init(node:)) ?? .null),
            ])
        guard outcome.matched else { return result }
        result.matched = true
        result.violations = outcome.failures.map {
            PolicyViolation(
                engine: "Gatekeeper", policy: template.name, binding: constraint.name, message: $0.message, reason: $0.reason, actions: constraint.actions)
        }
        result.errors = outcome.errors.map { error in
            guard constraint.parameters == nil, template.readsParams else { return error }
            return "\(error) (params missing: the constraint has no spec.parameters, which template \(template.name) reads as variables.params)"
        }
        return result
    }
}
