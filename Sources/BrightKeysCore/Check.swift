import Foundation
import KubeModel

/// What a check may read besides the object: the chosen Pod Security level and version, and where
/// pod specs live.
public struct CheckContext: Sendable {
    public var pssLevel: PodSecurityLevel
    public var pssVersion: KubeVersion
    public var catalog: WorkloadCatalog

    public init(pssLevel: PodSecurityLevel = .restricted, pssVersion: KubeVersion = .newest, catalog: WorkloadCatalog = WorkloadCatalog()) {
        self.pssLevel = pssLevel
        self.pssVersion = pssVersion
        self.catalog = catalog
    }
}

/// A check: pure, never throws, returns its findings for one object.
public protocol Check: Sendable {
    static var descriptor: CheckDescriptor { get }
    func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding]
    /// The same, with the object's pod spec already found (the scanner finds it once per object).
    func evaluate(_ object: KubeObject, pod: PodView?, in context: CheckContext) -> [Finding]
}

extension Check {
    public func evaluate(_ object: KubeObject, pod: PodView?, in context: CheckContext) -> [Finding] {
        evaluate(object, in: context)
    }

    public var descriptor: CheckDescriptor { Self.descriptor }

    /// A finding of this check on `object`.
    public func finding(_ object: KubeObject, path: String, line: Int, _ message: String) -> Finding {
        Finding(check: Self.descriptor, object: object, path: path, line: line, message: message)
    }
}

/// A check over pod specs: runs on every object that has one (Pods, workload templates, known
/// custom resources).
public protocol PodCheck: Check {
    func evaluate(pod: PodView, in context: CheckContext) -> [Finding]
}

extension PodCheck {
    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        evaluate(object, pod: context.catalog.podView(for: object), in: context)
    }

    public func evaluate(_ object: KubeObject, pod: PodView?, in context: CheckContext) -> [Finding] {
        guard let pod else { return [] }
        return evaluate(pod: pod, in: context)
    }

    /// A finding about a field of `pod`.
    public func finding(_ pod: PodView, path: String, line: Int, _ message: String) -> Finding {
        Finding(check: Self.descriptor, object: pod.object, path: path, line: line, message: message)
    }

    /// A finding about a field of `pod` whose place is worked out only if a report asks.
    public func finding(_ pod: PodView, at location: FieldLocation, _ message: String) -> Finding {
        Finding(check: Self.descriptor, object: pod.object, location: location, message: message)
    }
}

/// A check over the whole input rather than one object (RBAC bindings against roles, say). The
/// scanner keeps the objects it `wants` while files stream past, then calls it once; its findings
/// name the object they are about and are suppressed through that object's annotations.
public protocol ClusterCheck: Check {
    func wants(_ object: KubeObject) -> Bool
    /// The paths of a wanted object the check reads (nil: all of it); the scanner keeps only
    /// those in memory until the whole input is read.
    var retainedPaths: [[String]]? { get }
    /// True for a check that builds a costly shared analysis: such checks are started first, so
    /// that the others find the analysis ready instead of waiting for it.
    var startsEarly: Bool { get }
    /// `shared` lets checks over the same objects build a costly analysis once.
    func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding]
}

/// Analyses the whole-input checks of one scan share (an RBAC policy set, say), built by the
/// first check that asks and reused by the others, from any thread.
public final class SharedAnalyses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Any] = [:]
    private var building: [String: NSCondition] = [:]

    public init() {}

    /// The value stored under `key`, built with `make` the first time it is asked for.
    public func value<T>(_ key: String, _ make: () -> T) -> T {
        lock.lock()
        if let value = values[key] as? T {
            lock.unlock()
            return value
        }
        if let condition = building[key] {
            lock.unlock()
            condition.lock()
            while true {
                lock.lock()
                if let value = values[key] as? T {
                    lock.unlock()
                    condition.unlock()
                    return value
                }
                lock.unlock()
                condition.wait()
            }
        }
        let condition = NSCondition()
        building[key] = condition
        lock.unlock()
        let value = make()
        condition.lock()
        lock.lock()
        values[key] = value
        building[key] = nil
        lock.unlock()
        condition.broadcast()
        condition.unlock()
        return value
    }
}

extension ClusterCheck {
    public var retainedPaths: [[String]]? { nil }
    public var startsEarly: Bool { false }
    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] { [] }
    public func evaluate(_ object: KubeObject, pod: PodView?, in context: CheckContext) -> [Finding] { [] }
}
