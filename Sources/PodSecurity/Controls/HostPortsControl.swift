import BrightKeysCore
import KubeModel

/// Baseline: host ports should be disallowed.
/// Restricted fields: ports[*].hostPort of every container. Allowed: unset, 0.
public struct HostPortsControl: PodSecurityControl {
    public static let upstreamID = "hostPorts"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-005", slug: "pss-host-ports", title: "Host ports", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "A host port binds the node's own network interface, bypassing network policy and exposing the pod directly.",
        remediation: "Remove hostPort from container ports and expose the pod through a Service.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}]}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      ports:
                      - containerPort: 80
                        ↓hostPort: 8080
                    """)
        ])

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { pod in
            var offenders = Offenders()
            var ports = Set<String>()
            for container in pod.containers {
                var bad = false
                for (index, port) in (container.node["ports"]?.items ?? []).enumerated() {
                    guard let hostPort = port["hostPort"]?.int, hostPort != 0 else { continue }
                    bad = true
                    ports.insert(String(hostPort))
                    offenders.note(FieldLocation { (container.path("ports[\(index)]", "hostPort"), port.keyPosition("hostPort")?.line ?? port.line) })
                }
                if bad { offenders.add(container, "ports") }
            }
            guard !offenders.isEmpty else { return nil }
            let count = offenders.names.count
            return offenders.outcome(
                reason: "hostPort",
                detail:
                    "\(Detail.containers(offenders.names)) \(Detail.pluralize("uses", "use", count)) \(Detail.pluralize("hostPort", "hostPorts", ports.count)) \(ports.sorted().joined(separator: ", "))",
                fallback: pod)
        }
    ]

    public init() {}
}
