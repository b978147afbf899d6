import BrightKeysCore
import KubeModel

/// Restricted: only volume types that cannot reach the node are allowed: configMap, csi,
/// downwardAPI, emptyDir, ephemeral, image (allowed in place upstream, so at every version),
/// persistentVolumeClaim, projected, secret. Replaces the
/// baseline hostPath control.
public struct RestrictedVolumesControl: PodSecurityControl {
    public static let upstreamID = "restrictedVolumes"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-015", slug: "pss-restricted-volumes", title: "Restricted volume types", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "Volume types such as hostPath, nfs or iscsi give the pod storage access outside what its namespace controls.",
        remediation: "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes.",
        passing: [
            Example(pod: "containers: [{name: app, image: a:1}]\nvolumes: [{name: a, emptyDir: {}}, {name: b, persistentVolumeClaim: {claimName: data}}]")
        ],
        failing: [
            Example(
                pod: """
                    containers: [{name: app, image: a:1}]
                    volumes:
                    - ↓name: share
                      nfs: {server: nfs.local, path: /exports}
                    """)
        ])

    static let allowed: Set<String> = [
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret",
    ]
    /// Every volume source the core API knows, so an unknown one is reported as "unknown".
    static let known: Set<String> = allowed.union([
        "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd", "flexVolume",
        "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
        "portworxVolume", "scaleIO", "storageos",
    ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var names: [String] = []
        var types = Set<String>()
        var first: FieldLocation?
        for (index, volume) in pod.volumes.enumerated() {
            // The first known volume source that is set (not null), in the order written.
            let type = volume.mapping?.first { $0.key != "name" && !$0.value.isNull && known.contains($0.key) }?.key ?? "unknown"
            guard !allowed.contains(type) else { continue }
            names.append(volume["name"]?.scalarText ?? "")
            types.insert(type)
            if first == nil { first = FieldLocation { (pod.volumePath(index), volume.keyPosition("name")?.line ?? volume.line) } }
        }
        guard let first else { return nil }
        return ControlOutcome(
            reason: "restricted volume types",
            detail:
                "\(Detail.pluralize("volume", "volumes", names.count)) \(Detail.joinQuote(names)) \(Detail.pluralize("uses", "use", names.count)) \(Detail.pluralize("restricted volume type", "restricted volume types", types.count)) \(Detail.joinQuote(types.sorted()))",
            location: first)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0), overrides: ["hostPathVolumes"]) { evaluate($0) }
    ]

    public init() {}
}
