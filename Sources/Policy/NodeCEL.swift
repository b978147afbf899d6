import CEL
import KubeModel

extension CELValue {
    /// A manifest value as CEL sees a Kubernetes object: mappings are maps with string keys,
    /// sequences lists, integers int, other numbers double.
    public init(node: Node) {
        switch node.value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .sequence(let items): self = .list(items.map(CELValue.init(node:)))
        case .mapping(let mapping):
            self = .map(CELMap(uniqueKeys: mapping.entries.map { .string($0.key) }, values: mapping.entries.map { CELValue(node: $0.value) }))
        }
    }

    /// A map of string keys, for building `request`, `userInfo` and the like.
    public static func object(_ fields: [(String, CELValue)]) -> CELValue {
        .map(CELMap(uniqueKeys: fields.map { .string($0.0) }, values: fields.map(\.1)))
    }
}
