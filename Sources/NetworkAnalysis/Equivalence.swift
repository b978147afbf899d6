/// Compares two sets of connections by meaning rather than by text: external ranges are cut at
/// every boundary either side uses, so `10.0.0.0-10.255.255.255` equals the two lines for
/// `10.0.0.0-10.127.255.255` and `10.128.0.0-10.255.255.255` when both carry the same
/// connections.
public enum ConnectionEquivalence {
    /// The differences, as readable lines; empty when the two mean the same.
    public static func differences(_ left: [Connection], _ right: [Connection]) -> [String] {
        var cuts: Set<UInt64> = [0, UInt64(UInt32.max) + 1]
        for connection in left + right {
            for peer in [connection.source, connection.destination] {
                if case .external(let range) = peer, case .v4(let bounds) = range.bounds {
                    cuts.insert(UInt64(bounds.lowerBound))
                    cuts.insert(UInt64(bounds.upperBound) + 1)
                }
            }
        }
        let sorted = cuts.sorted()
        let atoms = zip(sorted, sorted.dropFirst()).map { UInt32($0)...UInt32($1 - 1) }

        func expand(_ connections: [Connection]) -> [String: ConnectionSet] {
            var result: [String: ConnectionSet] = [:]
            func add(_ source: String, _ destination: String, _ conns: ConnectionSet) {
                let key = "\(source) => \(destination)"
                result[key] = (result[key] ?? .none).union(conns)
            }
            for connection in connections {
                switch (connection.source, connection.destination) {
                case (.external(let range), _):
                    for atom in pieces(range, atoms) { add(atom, connection.destination.description, connection.connections) }
                case (_, .external(let range)):
                    for atom in pieces(range, atoms) { add(connection.source.description, atom, connection.connections) }
                default:
                    add(connection.source.description, connection.destination.description, connection.connections)
                }
            }
            return result
        }
        let a = expand(left)
        let b = expand(right)
        var differences: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            differences.append("\(key) : \(a[key]?.description ?? "No Connections") vs \(b[key]?.description ?? "No Connections")")
        }
        return differences
    }

    static func pieces(_ range: ExternalRange, _ atoms: [ClosedRange<UInt32>]) -> [String] {
        guard case .v4(let bounds) = range.bounds else { return [range.description] }
        return atoms.filter { $0.lowerBound >= bounds.lowerBound && $0.upperBound <= bounds.upperBound }.map {
            ExternalRange(bounds: .v4($0)).description
        }
    }
}
