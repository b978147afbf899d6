import BrightKeysCore
import KubeModel

/// hostPath volumes reach into the node's filesystem.
public struct HostPathVolumeCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-VOL-001", slug: "hostpath-volume", title: "hostPath volume", severity: .high,
        controls: [.cis("5.2.12")],
        rationale: "A hostPath volume exposes the node's filesystem to the container; the container runtime socket, /etc or / let it take over the node.",
        remediation: "Replace the hostPath volume with an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim.",
        passing: [Example(pod: "containers: [{name: app, image: a:1}]\nvolumes: [{name: cache, emptyDir: {}}]")],
        failing: [
            Example(
                pod: """
                    containers: [{name: app, image: a:1}]
                    volumes:
                    - name: docker
                      ↓hostPath:
                        path: /var/run/docker.sock
                    """)
        ])

    /// Paths whose exposure hands over the node.
    static let sensitive = [
        "/", "/etc", "/root", "/proc", "/sys", "/boot", "/dev", "/var/run", "/run", "/var/lib/kubelet",
        "/var/lib/docker", "/var/lib/containerd", "/var/run/docker.sock", "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock", "/etc/kubernetes",
    ]

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        pod.volumes.enumerated().compactMap { index, volume -> Finding? in
            guard let hostPath = volume["hostPath"] else { return nil }
            let name = volume["name"]?.scalarText ?? ""
            let target = hostPath["path"]?.scalarText ?? ""
            let normalized = target.count > 1 && target.hasSuffix("/") ? String(target.dropLast()) : target
            let note = Self.sensitive.contains(normalized) ? " (a sensitive host path)" : ""
            return finding(
                pod, at: FieldLocation { ("\(pod.volumePath(index)).hostPath", volume.keyPosition("hostPath")?.line ?? volume.line) },
                "volume \"\(name)\" mounts host path \"\(target)\"\(note)")
        }
    }
}
