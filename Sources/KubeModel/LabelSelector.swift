/// A label selector as Kubernetes evaluates it (matchLabels AND matchExpressions).
public struct LabelSelector: Sendable, Hashable {
    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var op: String
        public var values: [String]

        public init(key: String, op: String, values: [String]) {
            self.key = key
            self.op = op
            self.values = values
        }
    }

    /// What the API server would reject in this selector.
    public var problems: [String] {
        matchExpressions.compactMap { requirement in
            switch requirement.op {
            case "In", "NotIn":
                return requirement.values.isEmpty ? "operator \(requirement.op) on key \(requirement.key) needs values" : nil
            case "Exists", "DoesNotExist":
                return requirement.values.isEmpty ? nil : "operator \(requirement.op) on key \(requirement.key) takes no values"
            default:
                return "unknown operator \"\(requirement.op)\" on key \(requirement.key) (expected In, NotIn, Exists, DoesNotExist)"
            }
        }
    }

    public var matchLabels: [String: String]
    public var matchExpressions: [Requirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [Requirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// An empty selector selects everything, as in Kubernetes' `LabelSelectorAsSelector`.
    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in matchExpressions {
            switch requirement.op {
            case "In": if !(labels[requirement.key].map(requirement.values.contains) ?? false) { return false }
            case "NotIn": if let value = labels[requirement.key], requirement.values.contains(value) { return false }
            case "Exists": if labels[requirement.key] == nil { return false }
            case "DoesNotExist": if labels[requirement.key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// Reads a selector; nil when the node is not a mapping. Unknown operators are kept (and
    /// match nothing); `problems(_:)` lists them.
    public static func parse(_ node: Node?) -> LabelSelector? {
        guard let node, node.mapping != nil else { return nil }
        var selector = LabelSelector()
        for entry in node["matchLabels"]?.mapping?.entries ?? [] {
            selector.matchLabels[entry.key] = entry.value.scalarText ?? ""
        }
        for expression in node["matchExpressions"]?.items ?? [] {
            selector.matchExpressions.append(
                Requirement(
                    key: expression["key"]?.scalarText ?? "", op: expression["operator"]?.scalarText ?? "",
                    values: (expression["values"]?.items ?? []).compactMap(\.scalarText)))
        }
        return selector
    }
}
