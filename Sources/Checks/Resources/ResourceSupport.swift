import BrightKeysCore
import KubeModel

/// What the two resource checks share: which of cpu and memory is missing, and where to point.
enum ResourceFields {
    /// `cpu or memory`, `cpu`, `memory`, or nil when both are there.
    static func missing(cpu: Bool, memory: Bool) -> String? {
        switch (cpu, memory) {
        case (true, true): "cpu or memory"
        case (true, false): "cpu"
        case (false, true): "memory"
        case (false, false): nil
        }
    }

    /// `resources.<field>` of the container; its line if it is written, else the container's name.
    static func location(_ container: ContainerView, _ field: StaticString) -> FieldLocation {
        .container(container, field, orLineOf: "name")
    }
}
