import BrightKeysCore
import CEL
import Foundation
import KubeModel

// The part Kyverno's CEL policies and Gatekeeper's K8sNativeValidation templates share with
// ValidatingAdmissionPolicy: match conditions, variables, validations and audit annotations,
// compiled once and evaluated per request. Engine files only decide what applies and what the
// bindings are.

/// A Kyverno or Gatekeeper policy that cannot be loaded or evaluated: where, and what (the
/// same shape as a ValidatingAdmissionPolicy's problems).
public typealias PolicyEngineError = PolicyLoadError

/// What evaluating Kyverno or Gatekeeper policies against one request found.
public struct PolicyEvaluation: Sendable {
    public var violations: [PolicyViolation] = []
    /// Expressions that failed at runtime, missing params and the like: the request was not
    /// judged by these policies (a webhook's failurePolicy decides what that means).
    public var errors: [PolicyEngineError] = []

    public init(violations: [PolicyViolation] = [], errors: [PolicyEngineError] = []) {
        self.violations = violations
        self.errors = errors
    }
}

/// Objects policies may read besides the request: the params of Kyverno rules (`paramKind`).
public struct PolicyContext: Sendable {
    public var objects: [KubeObject]

    public init(objects: [KubeObject] = []) {
        self.objects = objects
    }

    /// Objects of `apiVersion`/`kind` named `name` (any name when nil) in `namespace` (any when nil),
    /// selected by `selector` when given.
    func params(apiVersion: String, kind: String, name: String?, namespace: String?, selector: LabelSelector?) -> [KubeObject] {
        objects.filter { object in
            object.kind == kind && (apiVersion.isEmpty || object.apiVersion == apiVersion) && (name.map { $0 == object.name } ?? true)
                && (namespace.map { $0 == object.namespace } ?? true) && (selector.map { $0.matches(object.labels) } ?? true)
        }
    }
}

/// One compiled expression and where it was written.
struct CELPolicyExpression: Sendable {
    /// `validations[0].expression`, for messages.
    var path: String
    var source: String
    var line: Int
    var program: CELProgram

    /// Every name the policy engines bind; `authorizer` is not offered offline, so using it is an
    /// evaluation error naming it.
    static let names: Set<String> = ["object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables"]

    /// Compiles the string at `node`; nil (and an error naming file, line and column) when it is
    /// missing or does not parse. `rewrite` is applied first (Kyverno's pod-controller autogen).
    static func compile(
        _ node: Node?, path: String, file: String, what: String, rewrite: (String) -> String, errors: inout [PolicyEngineError]
    ) -> CELPolicyExpression? {
        guard let node, let text = node.string else {
            errors.append(PolicyEngineError(file: file, line: node?.line ?? 0, message: "\(what): \(path) must be a string with a CEL expression"))
            return nil
        }
        let source = rewrite(text)
        do {
            let program = try CELProgram(source, options: CELOptions(variables: names))
            return CELPolicyExpression(path: path, source: source, line: node.line, program: program)
        } catch {
            let at = error.line > 1 ? "line \(error.line) column \(error.column)" : "column \(error.column)"
            errors.append(
                PolicyEngineError(
                    file: file, line: node.line + max(0, error.line - 1),
                    message: "\(what): \(path) does not compile (\(at) of the expression): \(error.message): \(quoted(source))"))
            return nil
        }
    }

    func evaluate(_ bindings: [String: CELValue]) -> CELValue {
        program.evaluate(bindings: bindings)
    }
}

/// Match conditions, variables, validations and audit annotations of one policy or rule.
struct CELPolicyBody: Sendable {
    struct Named: Sendable {
        var name: String
        var expression: CELPolicyExpression
    }

    struct Validation: Sendable {
        var expression: CELPolicyExpression
        var message: String?
        var messageExpression: CELPolicyExpression?
        var reason: String
    }

    var matchConditions: [Named] = []
    var variables: [Named] = []
    var validations: [Validation] = []
    var auditAnnotations: [Named] = []

    /// Compiles each section; a body with any expression that does not compile is nil, so the
    /// policy is reported once and not evaluated half-way.
    static func compile(
        matchConditions: Node?, variables: Node?, validations: Node?, auditAnnotations: Node?, prefix: String = "", validationsName: String = "validations",
        file: String,
        what: String,
        rewrite: @escaping (String) -> String = { $0 }, errors: inout [PolicyEngineError]
    ) -> CELPolicyBody? {
        var body = CELPolicyBody()
        var problems: [PolicyEngineError] = []
        for (index, item) in (matchConditions?.items ?? []).enumerated() {
            let path = "\(prefix)matchConditions[\(index)].expression"
            if let expression = CELPolicyExpression.compile(item["expression"], path: path, file: file, what: what, rewrite: rewrite, errors: &problems) {
                body.matchConditions.append(Named(name: item["name"]?.scalarText ?? "matchConditions[\(index)]", expression: expression))
            }
        }
        for (index, item) in (variables?.items ?? []).enumerated() {
            let path = "\(prefix)variables[\(index)].expression"
            guard let name = item["name"]?.scalarText, !name.isEmpty else {
                problems.append(PolicyEngineError(file: file, line: item.line, message: "\(what): \(prefix)variables[\(index)] has no name"))
                continue
            }
            if let expression = CELPolicyExpression.compile(item["expression"], path: path, file: file, what: what, rewrite: rewrite, errors: &problems) {
                body.variables.append(Named(name: name, expression: expression))
            }
        }
        for (index, item) in (validations?.items ?? []).enumerated() {
            let path = "\(prefix)\(validationsName)[\(index)]"
            guard
                let expression = CELPolicyExpression.compile(
                    item["expression"], path: path + ".expression", file: file, what: what, rewrite: rewrite, errors: &problems)
            else { continue }
            var messageExpression: CELPolicyExpression?
            if let node = item["messageExpression"] {
                messageExpression = CELPolicyExpression.compile(
                    node, path: path + ".messageExpression", file: file, what: what, rewrite: rewrite, errors: &problems)
                if messageExpression == nil { continue }
            }
            body.validations.append(
                Validation(
                    expression: expression, message: item["message"]?.scalarText.map(rewrite), messageExpression: messageExpression,
                    reason: item["reason"]?.scalarText ?? "Invalid"))
        }
        for (index, item) in (auditAnnotations?.items ?? []).enumerated() {
            let path = "\(prefix)auditAnnotations[\(index)].valueExpression"
            if let expression = CELPolicyExpression.compile(item["valueExpression"], path: path, file: file, what: what, rewrite: rewrite, errors: &problems) {
                body.auditAnnotations.append(Named(name: item["key"]?.scalarText ?? "", expression: expression))
            }
        }
        errors += problems
        return problems.isEmpty ? body : nil
    }

    /// What one evaluation found.
    struct Outcome: Sendable {
        /// False when a match condition was false: the policy does not apply.
        var matched = true
        var failures: [(message: String, reason: String)] = []
        var errors: [String] = []
        var annotations: [(key: String, value: String)] = []
    }

    /// Evaluates with `bindings` (object, oldObject, request, params, namespaceObject); `presetVariables`
    /// come before the body's own (Gatekeeper's `anyObject` and `params`).
    func evaluate(_ bindings: [String: CELValue], presetVariables: [(String, CELValue)] = []) -> Outcome {
        var outcome = Outcome()
        var bindings = bindings
        var names = presetVariables.map(\.0)
        var values = presetVariables.map(\.1)
        bindings["variables"] = .object(presetVariables)
        for condition in matchConditions {
            switch condition.expression.evaluate(bindings) {
            case .bool(true): continue
            case .bool(false):
                outcome.matched = false
                return outcome
            case .error(let error):
                outcome.errors.append("matchCondition \(condition.name): \(error.message)")
            default:
                outcome.errors.append("matchCondition \(condition.name) must evaluate to bool")
            }
        }
        if !outcome.errors.isEmpty { return outcome }
        // Variables are computed in order; one that fails is kept as its error, which surfaces only
        // where it is used (as Kubernetes evaluates them lazily).
        for variable in variables {
            let value = variable.expression.evaluate(bindings)
            if let index = names.firstIndex(of: variable.name) {
                values[index] = value
            } else {
                names.append(variable.name)
                values.append(value)
            }
            bindings["variables"] = .object(Array(zip(names, values)))
        }
        for validation in validations {
            switch validation.expression.evaluate(bindings) {
            case .bool(true): continue
            case .bool(false):
                outcome.failures.append((message(for: validation, bindings), validation.reason))
            case .error(let error):
                outcome.errors.append("\(validation.expression.path): \(error.message)")
            default:
                outcome.errors.append("\(validation.expression.path) must evaluate to bool")
            }
        }
        for annotation in auditAnnotations {
            switch annotation.expression.evaluate(bindings) {
            case .string(let value): outcome.annotations.append((annotation.name, value))
            case .null: continue
            case .error(let error): outcome.errors.append("\(annotation.expression.path): \(error.message)")
            default: outcome.errors.append("\(annotation.expression.path) must evaluate to a string or null")
            }
        }
        return outcome
    }

    /// A failed validation's message: `messageExpression` when it yields a non-empty string, else
    /// `message`, else the expression itself, as Kubernetes words it.
    func message(for validation: Validation, _ bindings: [String: CELValue]) -> String {
        if let messageExpression = validation.messageExpression, case .string(let text) = messageExpression.evaluate(bindings),
            !text.trimmingCharacters(in: .whitespaces).isEmpty
        {
            return text
        }
        if let message = validation.message, !message.isEmpty { return message }
        return "failed expression: \(validation.expression.source)"
    }
}

/// Text in double quotes, with newlines and quotes escaped (not Swift's `\'`).
func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
}

/// Shell-style matching with `*` (any run) and `?` (one character), as Kyverno and Gatekeeper
/// match names and namespaces.
func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
    Glob.matches(pattern, text)
}

extension PolicyRequest {
    /// The request's CEL bindings besides `params` and `variables`.
    var celBindings: [String: CELValue] {
        [
            "object": object.map(CELValue.init(node:)) ?? .null, "oldObject": oldObject.map(CELValue.init(node:)) ?? .null,
            "request": celRequest, "namespaceObject": namespaceObject.map(CELValue.init(node:)) ?? .null,
        ]
    }

    /// The labels of the object (of the old object on DELETE).
    var objectLabels: [String: String] { KubeObject.stringMap((object ?? oldObject)?["metadata"]?["labels"]) }

    /// The labels of the request's namespace: of the Namespace itself when that is the object.
    var namespaceLabels: [String: String] {
        if kind == "Namespace" && group.isEmpty { return objectLabels }
        return KubeObject.stringMap(namespaceObject?["metadata"]?["labels"])
    }
}
