/// A set of integers kept as sorted, disjoint, non-adjacent closed ranges.
public struct IntervalSet<Bound: FixedWidthInteger & Sendable>: Sendable, Hashable {
    public private(set) var ranges: [ClosedRange<Bound>] = []

    public init() {}

    public init(_ ranges: [ClosedRange<Bound>]) {
        for range in ranges { insert(range) }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public mutating func insert(_ range: ClosedRange<Bound>) {
        var merged = range
        var result: [ClosedRange<Bound>] = []
        var placed = false
        for existing in ranges {
            if existing.upperBound < merged.lowerBound && merged.lowerBound - existing.upperBound > 1 {
                result.append(existing)
            } else if merged.upperBound < existing.lowerBound && existing.lowerBound - merged.upperBound > 1 {
                if !placed {
                    result.append(merged)
                    placed = true
                }
                result.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)...max(existing.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        ranges = result
    }

    public func union(_ other: IntervalSet) -> IntervalSet {
        var result = self
        for range in other.ranges { result.insert(range) }
        return result
    }

    public func intersection(_ other: IntervalSet) -> IntervalSet {
        var result: [ClosedRange<Bound>] = []
        var i = 0
        var j = 0
        while i < ranges.count && j < other.ranges.count {
            let low = max(ranges[i].lowerBound, other.ranges[j].lowerBound)
            let high = min(ranges[i].upperBound, other.ranges[j].upperBound)
            if low <= high { result.append(low...high) }
            if ranges[i].upperBound < other.ranges[j].upperBound { i += 1 } else { j += 1 }
        }
        var set = IntervalSet()
        set.ranges = result
        return set
    }

    /// This set without the values of `other`.
    public func subtracting(_ other: IntervalSet) -> IntervalSet {
        var result: [ClosedRange<Bound>] = []
        for range in ranges {
            var pieces = [range]
            for cut in other.ranges {
                pieces = pieces.flatMap { piece -> [ClosedRange<Bound>] in
                    guard cut.upperBound >= piece.lowerBound, cut.lowerBound <= piece.upperBound else { return [piece] }
                    var parts: [ClosedRange<Bound>] = []
                    if cut.lowerBound > piece.lowerBound { parts.append(piece.lowerBound...(cut.lowerBound - 1)) }
                    if cut.upperBound < piece.upperBound { parts.append((cut.upperBound + 1)...piece.upperBound) }
                    return parts
                }
            }
            result += pieces
        }
        return IntervalSet(result)
    }

    public func contains(_ value: Bound) -> Bool {
        ranges.contains { $0.contains(value) }
    }

    /// True when `range` lies wholly inside the set.
    public func contains(_ range: ClosedRange<Bound>) -> Bool {
        ranges.contains { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound }
    }
}
