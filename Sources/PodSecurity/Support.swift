import BrightKeysCore
import KubeModel

/// Helpers that write details the way the upstream evaluator does.
enum Detail {
    /// `"a", "b"`.
    static func joinQuote(_ items: [String]) -> String {
        String.assembled { appendQuoted(items, to: &$0) }
    }

    static func appendQuoted(_ items: [String], to text: inout TextAssembly) {
        for index in items.indices {
            text.append(index == 0 ? "\"" : ", \"")
            text.append(items[index])
            text.append("\"")
        }
    }

    static func pluralize(_ singular: String, _ plural: String, _ count: Int) -> String {
        count == 1 ? singular : plural
    }

    /// `container "a"` / `containers "a", "b"`, with `before` and `after` it, made in one piece:
    /// the commonest details.
    static func containers(_ names: [String], before: StaticString = "", after: StaticString = "") -> String {
        String.assembled { text in
            text.append(before)
            text.append(names.count == 1 ? "container " : "containers ")
            appendQuoted(names, to: &text)
            text.append(after)
        }
    }
}

/// Collects offending containers (in evaluation order) and remembers the first offending field.
struct Offenders {
    private(set) var names: [String] = []
    private var first: FieldLocation?

    var isEmpty: Bool { names.isEmpty && first == nil }

    /// `field` is dotted: `securityContext.capabilities`.
    mutating func add(_ container: ContainerView, _ field: StaticString) {
        names.append(container.name)
        // Only the first offender's place is reported: the others need no path.
        if first == nil { first = .container(container, field) }
    }

    /// The same, with a place worked out when asked.
    mutating func add(_ container: ContainerView, at location: @autoclosure () -> FieldLocation) {
        names.append(container.name)
        if first == nil { first = location() }
    }

    /// A pod-level field offends: it is the place reported if no container came first.
    mutating func note(_ pod: PodView, _ field: StaticString) {
        if first == nil { first = .pod(pod, field) }
    }

    mutating func note(_ location: @autoclosure () -> FieldLocation) {
        if first == nil { first = location() }
    }

    func outcome(reason: String, detail: String, fallback pod: PodView) -> ControlOutcome {
        ControlOutcome(reason: reason, detail: detail, location: first ?? FieldLocation(path: pod.specPath, line: pod.spec.line))
    }
}

extension ContainerView {
    /// The container's securityContext field, e.g. `setting("privileged")`.
    func setting(_ components: String...) -> Node? {
        var node = securityContext
        for component in components { node = node?[component] }
        return node
    }
}

extension PodView {
    /// The pod-level securityContext field.
    func podSetting(_ components: String...) -> Node? {
        var node = securityContext
        for component in components { node = node?[component] }
        return node
    }

    /// `spec.hostUsers == false`: the pod runs in a user namespace.
    var usesUserNamespace: Bool { spec["hostUsers"]?.bool == false }
}
