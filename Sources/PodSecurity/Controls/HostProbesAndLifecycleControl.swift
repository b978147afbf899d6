import BrightKeysCore
import KubeModel

/// Baseline (from v1.34): probes and lifecycle handlers may not name a `host`, which would let the
/// kubelet send requests from the node to any address on the pod's behalf.
/// Restricted fields: {liveness,readiness,startup}Probe.{httpGet,tcpSocket}.host and
/// lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host. Allowed: unset, "".
public struct HostProbesAndLifecycleControl: PodSecurityControl {
    public static let upstreamID = "hostProbesAndHostLifecycle"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-006", slug: "pss-host-probes-lifecycle", title: "Probe or lifecycle host", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 34))],
        rationale:
            "A host in a probe or lifecycle handler makes the kubelet connect from the node to any address, a server-side request forgery into the node's network.",
        remediation: "Remove the host field from probes and lifecycle handlers so they target the pod itself.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, livenessProbe: {httpGet: {path: /healthz, port: 8080}}}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      livenessProbe:
                        httpGet:
                          ↓host: 169.254.169.254
                          port: 80
                    """)
        ])

    static let actions = ["httpGet", "tcpSocket"]
    static let handlers: [[String]] = [
        ["livenessProbe"], ["readinessProbe"], ["startupProbe"], ["lifecycle", "postStart"], ["lifecycle", "preStop"],
    ]

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var offenders = Offenders()
        var hosts = Set<String>()
        for container in pod.containers {
            var bad = false
            for handler in handlers {
                var node: Node? = container.node
                for component in handler { node = node?[component] }
                guard let node else { continue }
                for action in actions {
                    guard let host = node[action]?["host"]?.scalarText, !host.isEmpty else { continue }
                    hosts.insert(host)
                    if !bad {
                        offenders.add(
                            container,
                            at: FieldLocation {
                                (container.path((handler + [action, "host"]).joined(separator: ".")), container.line(handler + [action, "host"]))
                            })
                        bad = true
                    }
                }
            }
        }
        guard !offenders.isEmpty else { return nil }
        return offenders.outcome(
            reason: "probe or lifecycle host",
            detail:
                "\(Detail.containers(offenders.names)) \(Detail.pluralize("uses", "use", offenders.names.count)) \(Detail.pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.count)) \(Detail.joinQuote(hosts.sorted()))",
            fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 34)) { evaluate($0) }
    ]

    public init() {}
}
