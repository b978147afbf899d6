/// A registry that refuses to be built when its checks contradict each other.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    public let problems: [String]
    public var description: String { "invalid check registry:\n" + problems.joined(separator: "\n") }
}

/// The set of checks a scan runs, validated when built.
public struct CheckRegistry: Sendable {
    public let checks: [any Check]

    public init(_ checks: [any Check]) throws {
        let problems = Self.problems(in: checks.map { $0.descriptor })
        guard problems.isEmpty else { throw RegistryError(problems: problems) }
        self.checks = checks.sorted { $0.descriptor.id < $1.descriptor.id }
    }

    public var descriptors: [CheckDescriptor] { checks.map { $0.descriptor } }

    /// The check answering to an ID, slug or alias.
    public func check(named name: String) -> (any Check)? {
        checks.first { $0.descriptor.answers(to: name) }
    }

    /// Everything wrong with a set of descriptors: duplicate names, missing examples, prose that
    /// breaks the house style.
    public static func problems(in descriptors: [CheckDescriptor]) -> [String] {
        var problems: [String] = []
        var owners: [String: String] = [:]
        for descriptor in descriptors {
            for name in [descriptor.id, descriptor.slug] + descriptor.aliases {
                if let owner = owners[name] {
                    problems.append("\(descriptor.id): name \"\(name)\" is already used by \(owner)")
                }
                owners[name] = descriptor.id
            }
            if descriptor.failing.isEmpty { problems.append("\(descriptor.id): needs at least one failing example") }
            if descriptor.passing.isEmpty { problems.append("\(descriptor.id): needs at least one passing example") }
            if !descriptor.remediation.hasSuffix(".") { problems.append("\(descriptor.id): remediation must end with a period") }
            if !descriptor.rationale.hasSuffix(".") { problems.append("\(descriptor.id): rationale must end with a period") }
            if descriptor.slug != descriptor.slug.lowercased() || descriptor.slug.contains(" ") || descriptor.slug.contains("_") {
                problems.append("\(descriptor.id): slug \"\(descriptor.slug)\" must be kebab-case")
            }
            if !descriptor.id.hasPrefix("BK-") { problems.append("\(descriptor.id): IDs start with BK-") }
            for example in descriptor.failing where example.markedLines.isEmpty {
                problems.append("\(descriptor.id): failing example without a ↓ marker:\n\(example.yaml)")
            }
        }
        return problems
    }
}
