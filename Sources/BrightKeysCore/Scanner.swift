import Foundation
import KubeModel

/// A finding that a suppression silenced, and why.
public struct SuppressedFinding: Sendable {
    public let finding: Finding
    /// `annotation` or `config`.
    public let source: String
    public let reason: String
}

/// Everything a scan produced.
public struct ScanReport: Sendable {
    public var findings: [Finding] = []
    public var suppressed: [SuppressedFinding] = []
    public var inputErrors: [InputError] = []
    public var notes: [LoadNote] = []
    /// Said about the configuration: e.g. an exemption that expired.
    public var configNotes: [String] = []
    public var filesRead = 0
    public var objectsScanned = 0
    /// Seconds spent in each phase of the scan (reading and checking, whole-input checks).
    public var timings: [(phase: String, seconds: Double)] = []
    /// Objects kept for the checks over the whole input.
    var retained: [KubeObject] = []
    /// Every file, including those without findings (for per-file reports).
    public var files: [String] = []
    /// Object × check evaluations, for JUnit.
    public var evaluations: [Evaluation] = []

    public init() {}

    /// One check run against one object.
    public struct Evaluation: Sendable {
        public let file: String
        public let object: String
        public let checkID: String
        public let slug: String
        public let failed: Bool
    }
}

/// The name every finding can be silenced with, on the object itself.
public enum Annotations {
    public static let ignore = "brightkeys.io/ignore"
    public static let ignoreReason = "brightkeys.io/ignore-reason"
}

/// Runs a registry over inputs. The registry, configuration and context are fixed per scan; files
/// are read and checked in parallel, one at a time per worker, so memory stays bounded by the
/// largest file rather than the whole input.
public struct Scanner: Sendable {
    public let registry: CheckRegistry
    public let config: ScanConfig
    public let context: CheckContext
    public var loader = ManifestLoader()
    /// Whether to record every object × check evaluation (JUnit needs them).
    public var recordEvaluations = false
    /// Called after each file with (files done, files in all); the CLI shows progress with it.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// `YYYY-MM-DD` used to decide whether exemptions expired.
    public var today: String
    /// Whether `brightkeys.io/ignore` annotations on objects silence findings (admission turns
    /// this off: whoever writes an object must not exempt it).
    public var honorIgnoreAnnotations = true
    /// Whether findings are kept with their place worked out (a path and a line) rather than the
    /// pod they were found in. On for scans, which keep findings until the report; admission,
    /// which never prints a place and drops the findings after each request, turns it off.
    public var resolvesLocations = true
    /// Checks outside the registry (CEL policies given with `--policy`): per object, findings
    /// with the descriptor each belongs to. Suppressions and overrides apply to them as to any.
    public var additionalChecks: (@Sendable (KubeObject) -> [(descriptor: CheckDescriptor, findings: [Finding])])?

    private let active: [any Check]
    /// The active checks over the whole input, and the others (split once: the casts are not free).
    private let clusterChecks: [any ClusterCheck]
    private let objectChecks: [any Check]
    /// Their descriptors, copied once (they are read for every object).
    private let objectDescriptors: [CheckDescriptor]
    /// Per whole-input check, the paths it keeps (nil: the whole object); checks that share one
    /// list of paths share one trie.
    private let retention: [PathTrie?]

    public init(registry: CheckRegistry, config: ScanConfig = ScanConfig(), context: CheckContext = CheckContext(), today: String? = nil) {
        self.registry = registry
        self.config = config
        self.context = context
        self.today = today ?? Self.todayUTC()
        self.active = registry.checks.filter { check in
            let descriptor = check.descriptor
            if let enabled = config.enabled, !enabled.contains(where: descriptor.answers(to:)) { return false }
            if config.disabled.contains(where: descriptor.answers(to:)) { return false }
            // Pod Security controls above the chosen level do not count.
            if let control = descriptor.pssControl, control.level > context.pssLevel { return false }
            return true
        }
        self.clusterChecks = active.compactMap { $0 as? any ClusterCheck }
        self.objectChecks = active.filter { !($0 is any ClusterCheck) }
        self.objectDescriptors = objectChecks.map(\.descriptor)
        var tries: [[[String]]: PathTrie] = [:]
        self.retention = clusterChecks.map { check in
            guard let paths = check.retainedPaths else { return nil }
            if let known = tries[paths] { return known }
            let trie = PathTrie(paths)
            tries[paths] = trie
            return trie
        }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        guard path != "-", stat(path, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    public static func todayUTC() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    /// The checks this scan runs.
    public var activeChecks: [any Check] { active }

    /// Scans files, directories and `-` (standard input).
    public func scan(paths: [String], workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> ScanReport {
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap(_ phase: String, _ report: inout ScanReport) {
            let now = DispatchTime.now().uptimeNanoseconds
            report.timings.append((phase, Double(now - clock) / 1e9))
            clock = now
        }
        let (files, expandErrors) = loader.expand(paths)
        var report = ScanReport()
        lap("expand", &report)
        report.inputErrors = expandErrors
        // Largest files first, so that no worker is left with a big file at the end; results are
        // merged back in input order.
        let sizes = files.map(Self.fileSize)
        let order = files.indices.sorted { sizes[$0] > sizes[$1] }
        let counter = ProgressCounter(total: files.count, report: progress)
        let results = ParallelMap.run(count: files.count, workers: workers) { position in
            let result = (order[position], perFile(loader.load(file: files[order[position]])))
            counter.tick()
            return result
        }
        lap("read and check files", &report)
        for (_, partial) in results.sorted(by: { $0.0 < $1.0 }) {
            report.merge(partial)
        }
        lap("merge", &report)
        runClusterChecks(into: &report)
        lap("whole-input checks", &report)
        report.files = files
        report.configNotes = expiredExemptionNotes()
        return report
    }

    /// Scans one file that is already read, checks over the whole input included.
    public func scan(loaded: LoadedFile) -> ScanReport {
        var report = perFile(loaded)
        runClusterChecks(into: &report)
        return report
    }

    /// The per-object part of a scan of one file, keeping what the whole-input checks want.
    func perFile(_ loaded: LoadedFile) -> ScanReport {
        var report = ScanReport()
        report.filesRead = 1
        report.inputErrors = loaded.errors
        report.notes = loaded.notes
        for object in loaded.objects {
            report.objectsScanned += 1
            evaluate(object, into: &report)
            let wanting = clusterChecks.indices.filter { clusterChecks[$0].wants(object) }
            guard let first = wanting.first else { continue }
            // Keep the whole object if one check needs all of it; else the paths they read.
            var trie = retention[first]
            for index in wanting.dropFirst() where trie != nil && retention[index] !== trie {
                trie = retention[index] == nil ? nil : PathTrie(wanting.flatMap { clusterChecks[$0].retainedPaths ?? [] })
            }
            if let trie {
                report.retained.append(KubeObject(file: object.file, root: object.root.keeping(trie), pathInDocument: object.pathInDocument))
            } else {
                report.retained.append(object)
            }
        }
        return report
    }

    /// Runs the checks over the whole input on the objects kept for them.
    func runClusterChecks(into report: inout ScanReport) {
        let objects = report.retained
        report.retained = []
        guard !objects.isEmpty else { return }
        let checks = clusterChecks.filter(\.startsEarly) + clusterChecks.filter { !$0.startsEarly }
        let context = context
        let shared = SharedAnalyses()
        // The whole-input checks are independent: run them side by side.
        let results = ParallelMap.run(count: checks.count, workers: ProcessInfo.processInfo.activeProcessorCount) { index in
            let wanted = objects.filter(checks[index].wants)
            return (wanted, checks[index].evaluate(all: wanted, shared: shared, in: context))
        }
        for (check, (wanted, found)) in zip(checks, results) {
            for object in wanted {
                let mine = found.filter { $0.file == object.file && $0.kind == object.kind && $0.namespace == object.namespace && $0.name == object.name }
                record(mine, of: check.descriptor, for: object, suppression: Suppression(object: object, templateAnnotations: [:]), into: &report)
            }
        }
    }

    /// Runs the active checks on one object, applying suppressions and severity overrides.
    public func evaluate(_ object: KubeObject, into report: inout ScanReport) {
        evaluate(object, pod: context.catalog.podView(for: object), into: &report)
    }

    /// The same, with the object's pod spec already found by the caller.
    public func evaluate(_ object: KubeObject, pod: PodView?, into report: inout ScanReport) {
        // Read when a check first finds something, and only if the annotations count.
        var suppression: Suppression?
        func suppressionOnce() -> Suppression {
            if let suppression { return suppression }
            // The annotation counts on the object and, for workloads, on its pod template too.
            let made =
                honorIgnoreAnnotations
                ? Suppression(object: object, templateAnnotations: pod.map { $0.specPath == "spec" ? [:] : $0.annotations } ?? [:])
                : Suppression.none
            suppression = made
            return made
        }
        for (check, descriptor) in zip(objectChecks, objectDescriptors) {
            let found = check.evaluate(object, pod: pod, in: context)
            // Most checks find nothing: skip the bookkeeping then, unless JUnit wants every run.
            if found.isEmpty && !recordEvaluations { continue }
            record(found, of: descriptor, for: object, suppression: suppressionOnce(), into: &report)
        }
        for (descriptor, found) in additionalChecks?(object) ?? [] {
            record(found, of: descriptor, for: object, suppression: suppressionOnce(), into: &report)
        }
    }

    /// Records one check's findings on one object: evaluations for JUnit, suppressions, severity
    /// overrides.
    func record(
        _ found: [Finding], of descriptor: CheckDescriptor, for object: KubeObject, suppression: Suppression, into report: inout ScanReport
    ) {
        let ignored = suppression.ignored
        let ignoreReason = suppression.reason
        if recordEvaluations {
            report.evaluations.append(
                ScanReport.Evaluation(
                    file: object.file, object: object.displayName, checkID: descriptor.id, slug: descriptor.slug,
                    failed: !found.isEmpty))
        }
        for var finding in found {
            if honorIgnoreAnnotations && ignored.contains(where: descriptor.answers(to:)) {
                report.suppressed.append(SuppressedFinding(finding: finding.resolvingLocation(), source: "annotation", reason: ignoreReason))
                continue
            }
            if let exemption = config.exemptions.first(where: { !$0.isExpired(today: today) && $0.matches(finding, descriptor: descriptor) }) {
                report.suppressed.append(SuppressedFinding(finding: finding.resolvingLocation(), source: "config", reason: exemption.reason))
                continue
            }
            if let override = config.severityOverrides.first(where: { descriptor.answers(to: $0.key) }) {
                finding.severity = override.value
            }
            if report.findings.isEmpty { report.findings.reserveCapacity(8) }
            report.findings.append(resolvesLocations ? finding.resolvingLocation() : finding)
        }
    }

    /// What an object's annotations (and its pod template's) silence, read once per object.
    struct Suppression {
        let ignored: [String]
        let reason: String

        /// Nothing suppressed: the annotations do not count.
        static let none = Suppression(ignored: [], reason: "")

        init(ignored: [String], reason: String) {
            self.ignored = ignored
            self.reason = reason
        }

        init(object: KubeObject, templateAnnotations: [String: String]) {
            let annotations = object.annotations
            ignored = Scanner.ignoredChecks(annotations) + Scanner.ignoredChecks(templateAnnotations)
            reason = annotations[Annotations.ignoreReason] ?? templateAnnotations[Annotations.ignoreReason] ?? ""
        }
    }

    static func ignoredChecks(_ annotations: [String: String]) -> [String] {
        guard let value = annotations[Annotations.ignore] else { return [] }
        return value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// What to say about exemptions that no longer apply.
    public func expiredExemptionNotes() -> [String] {
        config.exemptions.filter { $0.isExpired(today: today) }.map {
            "\($0.file):\($0.line): exemption expired on \($0.expires ?? ""); it no longer applies"
        }
    }
}

extension ScanReport {
    /// Adds another partial report (of one file) to this one.
    public mutating func merge(_ other: ScanReport) {
        findings += other.findings
        suppressed += other.suppressed
        inputErrors += other.inputErrors
        notes += other.notes
        filesRead += other.filesRead
        objectsScanned += other.objectsScanned
        evaluations += other.evaluations
        retained += other.retained
    }

    /// The highest severity among the findings.
    public var worstSeverity: Severity? { findings.map(\.severity).max() }
}

/// Counts finished files and passes the count on, at most every 1% of the work.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let step: Int
    private let report: (@Sendable (Int, Int) -> Void)?

    init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.step = max(1, total / 100)
        self.report = report
    }

    func tick() {
        guard let report else { return }
        lock.lock()
        done += 1
        let current = done
        lock.unlock()
        if current % step == 0 || current == total { report(current, total) }
    }
}

/// Runs a job per index on worker threads with large stacks, keeping results in index order.
public enum ParallelMap {
    public static func run<T: Sendable>(count: Int, workers: Int, _ job: @escaping @Sendable (Int) -> T) -> [T] {
        let box = ResultBox<T>(count: count)
        let threads = max(1, min(workers, count))
        if threads == 1 {
            for index in 0..<count { box.store(job(index), at: index) }
            return box.results()
        }
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            let thread = Thread {
                while let index = box.nextIndex() {
                    box.store(job(index), at: index)
                }
                group.leave()
            }
            thread.stackSize = 64 << 20
            thread.start()
        }
        group.wait()
        return box.results()
    }

    private final class ResultBox<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [T?]
        private var next = 0

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func nextIndex() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < slots.count else { return nil }
            next += 1
            return next - 1
        }

        func store(_ value: T, at index: Int) {
            lock.lock()
            slots[index] = value
            lock.unlock()
        }

        func results() -> [T] {
            lock.lock()
            defer { lock.unlock() }
            return slots.compactMap { $0 }
        }
    }
}
