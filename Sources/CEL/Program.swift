// CEL — the Common Expression Language (cel-spec langdef) in pure Swift, with the extension
// libraries the Kubernetes base environment enables (strings, optionals, two-variable
// comprehensions, cel.bind, lists, sets, regex, network ip/cidr, url, quantity, semver).
//
//     let program = try CELProgram("object.spec.replicas <= 5", options: CELOptions(variables: ["object"]))
//     let pod = CELValue.fromJSON(try JSONSerialization.jsonObject(with: data))
//     switch program.evaluate(bindings: ["object": pod]) {
//     case .bool(let ok): ...
//     case .error(let e): ...   // evaluation errors are values, never thrown
//     default: ...
//     }
//
// Parsing throws `CELParseError` ("ERROR: <input>:1:5: ..."). A program is an immutable,
// Sendable tree of closures with variables resolved to slots; each evaluation gets its own
// slot array and cost counter, so one program can be evaluated from many threads at once.
// There is no type checker: type errors surface at runtime as "found no matching overload".

/// Options for compiling a CEL expression.
public struct CELOptions: Sendable {
    /// Namespace for name resolution: with container `a.b`, the name `x` is looked up as `a.b.x`,
    /// `a.x`, then `x`.
    public var container: String
    /// When true, `has`, `all`, `exists`, `map`, ... are plain function calls.
    public var disableMacros: Bool
    /// Maximum runtime cost of one evaluation (Kubernetes uses 1,000,000 per expression); nil for no limit.
    public var costLimit: Int64?
    /// Variables the expression may reference. When given, qualified names are resolved against
    /// them once at compile time; when nil, against the bindings of each evaluation.
    public var variables: Set<String>?
    /// The Kubernetes version whose CEL base environment to compile for: functions, macros and
    /// syntax that environment does not enable at this version (sets before 1.29, `ip()` before
    /// 1.30, `format.*` before 1.31, ...) evaluate to "undeclared reference" errors. This is the
    /// environment's (compatibility) version; an API server accepts new expressions for its
    /// version minus one. nil enables every library.
    public var kubernetesVersion: (major: Int, minor: Int)?

    public init(
        container: String = "", disableMacros: Bool = false, costLimit: Int64? = 1_000_000, variables: Set<String>? = nil,
        kubernetesVersion: (major: Int, minor: Int)? = nil
    ) {
        self.container = container
        self.disableMacros = disableMacros
        self.costLimit = costLimit
        self.variables = variables
        self.kubernetesVersion = kubernetesVersion
    }
}

/// A compiled CEL expression: parse once, evaluate many times, from any thread.
///
/// Evaluation never throws: failures are returned as `CELValue.error`.
public struct CELProgram: Sendable {
    /// The source text.
    public let expression: String
    let root: Eval
    let slotCount: Int
    let refs: [GlobalRef]
    let costLimit: Int64

    /// Parses and compiles `expression`; throws `CELParseError` for syntax errors.
    public init(_ expression: String, options: CELOptions = CELOptions()) throws(CELParseError) {
        self.expression = expression
        var parser = try Parser(expression, macros: !options.disableMacros)
        let ast = try parser.parse()
        var compiler = Compiler(options: options)
        let compiled = compiler.compile(ast)
        if let err = compiler.syntaxError ?? compiler.checkError {
            let value = CELValue.error(err)
            root = { _ in value }
        } else {
            root = compiled
        }
        slotCount = compiler.maxSlots
        refs = compiler.refs
        costLimit = options.costLimit ?? Int64.max
    }

    /// Evaluates with the given variables. Names may be qualified (`a.b.c`).
    public func evaluate(bindings: [String: CELValue] = [:]) -> CELValue {
        evaluateWithCost(bindings: bindings).value
    }

    /// Evaluates and also returns the runtime cost spent.
    public func evaluateWithCost(bindings: [String: CELValue] = [:]) -> (value: CELValue, cost: Int64) {
        let act = Activation(slots: slotCount, costLimit: costLimit)
        for ref in refs { act.slots[ref.slot] = ref.resolve(bindings) }
        let v = root(act)
        if act.cancelled { return (.error(CELError(CELError.costExceeded)), act.cost) }
        return (v, act.cost)
    }
}

typealias Eval = @Sendable (Activation) -> CELValue

/// Per-evaluation state: variable slots and the cost counter.
final class Activation {
    var slots: [CELValue]
    var cost: Int64 = 0
    let costLimit: Int64
    var cancelled = false

    init(slots: Int, costLimit: Int64) {
        self.slots = [CELValue](repeating: .null, count: slots)
        self.costLimit = costLimit
    }

    /// Adds cost; returns false (and marks the evaluation cancelled) once the limit is passed.
    @inline(__always)
    func charge(_ n: Int64) -> Bool {
        cost &+= n
        if cost > costLimit {
            cancelled = true
            return false
        }
        return true
    }
}

/// A free variable reference and the names it may resolve to, most specific first.
struct GlobalRef: Sendable {
    struct Candidate: Sendable {
        var name: String
        var fields: [String]
    }
    var slot: Int
    var candidates: [Candidate]
    var display: String
    var container: String
    /// Value when no binding matches (type names such as `int` or `net.IP`).
    var fallback: CELValue?

    func resolve(_ bindings: [String: CELValue]) -> CELValue {
        for c in candidates {
            if let v = bindings[c.name] {
                var r = v
                for f in c.fields { r = selectField(r, f) }
                return r
            }
        }
        if let fallback { return fallback }
        return .error(CELError("undeclared reference to '\(display)' (in container '\(container)')"))
    }
}
