import BrightKeysCore
import KubeModel
import NetworkAnalysis

/// Shared by the NetworkPolicy checks: they all want the same objects, so one topology serves all.
enum NetworkObjects {
    static let workloadKeys: Set<String> = [
        "Pod", "ReplicationController", "apps/Deployment", "apps/StatefulSet", "apps/DaemonSet", "apps/ReplicaSet", "batch/Job", "batch/CronJob",
    ]

    static func wants(_ object: KubeObject) -> Bool {
        let key = WorkloadCatalog.key(group: object.group, kind: object.kind)
        return key == "Namespace" || key == "networking.k8s.io/NetworkPolicy" || key == "Service" || workloadKeys.contains(key)
    }

    /// What the topology reads: identity, labels and owners, pod templates' labels and ports,
    /// and the specs of policies and services.
    static let retainedPaths: [[String]] = {
        var paths: [[String]] = [
            ["apiVersion"], ["kind"], ["metadata", "name"], ["metadata", "generateName"], ["metadata", "namespace"], ["metadata", "labels"],
            ["metadata", "ownerReferences"], ["spec", "podSelector"], ["spec", "policyTypes"], ["spec", "ingress"], ["spec", "egress"],
            ["spec", "selector"], ["spec", "ports"], ["spec", "replicas"],
        ]
        // Suppression reads these two annotations; the rest (last-applied configurations) can be large.
        paths += [["metadata", "annotations", "brightkeys.io/ignore"], ["metadata", "annotations", "brightkeys.io/ignore-reason"]]
        for prefix in [["spec"], ["spec", "template", "spec"], ["spec", "jobTemplate", "spec", "template", "spec"]] {
            for containers in ["containers", "initContainers"] {
                paths.append(prefix + [containers, "*", "name"])
                paths.append(prefix + [containers, "*", "ports"])
            }
        }
        paths += [["spec", "template", "metadata", "labels"], ["spec", "jobTemplate", "spec", "template", "metadata", "labels"]]
        return paths
    }()

    static func topology(_ objects: [KubeObject], _ shared: SharedAnalyses) -> Topology {
        shared.value("network.topology") { Topology(objects: objects) }
    }

    static func gaps(_ objects: [KubeObject], _ shared: SharedAnalyses) -> [NetworkGap] {
        shared.value("network.gaps") { GapAnalysis.gaps(in: topology(objects, shared)) }
    }

    /// The object a gap is about: the one written at its file and line, or for a namespace the
    /// Namespace object, else the first workload of that namespace.
    static func object(for gap: NetworkGap, in objects: [KubeObject]) -> KubeObject? {
        if !gap.file.isEmpty, let exact = objects.first(where: { $0.file == gap.file && $0.line == gap.line }) { return exact }
        if !gap.file.isEmpty, let within = objects.last(where: { $0.file == gap.file && $0.line <= gap.line }) { return within }
        let namespace = { (object: KubeObject) in object.namespace.isEmpty ? "default" : object.namespace }
        return objects.first { $0.kind == "Namespace" && $0.group.isEmpty && $0.name == gap.namespace }
            ?? objects.first { workloadKeys.contains(WorkloadCatalog.key(group: $0.group, kind: $0.kind)) && namespace($0) == gap.namespace }
    }
}

/// The common shape of the gap checks: findings for the gaps of some kinds.
protocol NetworkGapCheck: ClusterCheck {
    static var kinds: [NetworkGap.Kind] { get }
}

extension NetworkGapCheck {
    public func wants(_ object: KubeObject) -> Bool { NetworkObjects.wants(object) }
    public var retainedPaths: [[String]]? { NetworkObjects.retainedPaths }

    public func evaluate(all objects: [KubeObject], shared: SharedAnalyses, in context: CheckContext) -> [Finding] {
        let gaps = NetworkObjects.gaps(objects, shared).filter { Self.kinds.contains($0.kind) }
        guard !gaps.isEmpty else { return [] }
        var byPlace: [String: KubeObject] = [:]
        for object in objects { byPlace["\(object.file):\(object.line)"] = byPlace["\(object.file):\(object.line)"] ?? object }
        return gaps.compactMap { gap in
            guard let object = byPlace["\(gap.file):\(gap.line)"] ?? NetworkObjects.object(for: gap, in: objects) else { return nil }
            return finding(object, path: "", line: gap.line > 0 ? gap.line : object.line, gap.message)
        }
    }
}
