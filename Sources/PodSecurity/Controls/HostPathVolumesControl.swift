import BrightKeysCore
import KubeModel

/// Baseline: hostPath volumes are forbidden.
/// Restricted fields: spec.volumes[*].hostPath. Allowed: unset.
public struct HostPathVolumesControl: PodSecurityControl {
    public static let upstreamID = "hostPathVolumes"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-004", slug: "pss-host-path-volumes", title: "HostPath volumes", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "A hostPath volume exposes the node's filesystem to the pod.",
        remediation: "Replace hostPath volumes with emptyDir, configMap, secret or persistentVolumeClaim volumes.",
        passing: [Example(pod: "containers: [{name: app, image: a:1}]\nvolumes: [{name: data, emptyDir: {}}]")],
        failing: [
            Example(
                pod: """
                    containers: [{name: app, image: a:1}]
                    volumes:
                    - name: host
                      ↓hostPath: {path: /var/log}
                    """)
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var names: [String] = []
            var first: FieldLocation?
            for (index, volume) in pod.volumes.enumerated() where volume["hostPath"] != nil {
                names.append(volume["name"]?.scalarText ?? "")
                if first == nil {
                    first = FieldLocation { ("\(pod.volumePath(index)).hostPath", volume.keyPosition("hostPath")?.line ?? volume.line) }
                }
            }
            guard let first else { return nil }
            return ControlOutcome(
                reason: "hostPath volumes", detail: "\(Detail.pluralize("volume", "volumes", names.count)) \(Detail.joinQuote(names))",
                location: first)
        }
    ]

    public init() {}
}
