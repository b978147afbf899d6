import KubeModel

/// Helpers that write details the way the upstream evaluator does.
enum Detail {
    /// `"a", "b"`.
    static func joinQuote(_ items: [String]) -> String {
        items.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    static func pluralize(_ singular: String, _ plural: String, _ count: Int) -> String {
        count == 1 ? singular : plural
    }

    /// `container "a"` / `containers "a", "b"`.
    static func containers(_ names: [String]) -> String {
        "\(pluralize("container", "containers", names.count)) \(joinQuote(names))"
    }
}

/// Collects offending containers (in evaluation order) and remembers the first offending field.
struct Offenders {
    private(set) var names: [String] = []
    private(set) var first: (path: String, line: Int)?

    var isEmpty: Bool { names.isEmpty && first == nil }

    mutating func add(_ container: ContainerView, _ field: String...) {
        names.append(container.name)
        // Only the first offender's place is reported: the others need no path.
        guard first == nil else { return }
        let components = field.flatMap { $0.split(separator: ".").map(String.init) }
        note(path: container.path(components.joined(separator: ".")), line: container.line(components))
    }

    mutating func note(path: String, line: Int) {
        if first == nil { first = (path, line) }
    }

    func outcome(reason: String, detail: String, fallback pod: PodView) -> ControlOutcome {
        let location = first ?? (pod.specPath, pod.spec.line)
        return ControlOutcome(reason: reason, detail: detail, path: location.path, line: location.line)
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
