import BrightKeysCore
import KubeModel

/// Baseline: the SELinux type may only be a container type; user and role may not be set.
/// Applies to the pod's and every container's securityContext.seLinuxOptions.
public struct SELinuxOptionsControl: PodSecurityControl {
    public static let upstreamID = "seLinuxOptions"
    public static let level = PodSecurityLevel.baseline
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-010", slug: "pss-selinux-options", title: "SELinux options", severity: .high,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 0))],
        rationale: "A custom SELinux user, role or type can lift the confinement that keeps a container away from the node.",
        remediation: "Remove seLinuxOptions.user and seLinuxOptions.role and use a container SELinux type or none.",
        passing: [Example(pod: "securityContext: {seLinuxOptions: {type: container_t, level: \"s0:c1,c2\"}}\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓seLinuxOptions: {type: spc_t}
                    """)
        ])

    static let typesV1_0: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t"]
    static let typesV1_31: Set<String> = typesV1_0.union(["container_engine_t"])

    static func evaluate(_ pod: PodView, allowed: Set<String>) -> ControlOutcome? {
        var setters: [String] = []
        var badTypes = Set<String>()
        var setUser = false
        var setRole = false
        var offenders = Offenders()
        func valid(_ options: Node) -> Bool {
            var ok = true
            let type = options["type"]?.scalarText ?? ""
            if !allowed.contains(type) {
                ok = false
                badTypes.insert(type)
            }
            if !(options["user"]?.scalarText ?? "").isEmpty {
                ok = false
                setUser = true
            }
            if !(options["role"]?.scalarText ?? "").isEmpty {
                ok = false
                setRole = true
            }
            return ok
        }
        if let options = pod.podSetting("seLinuxOptions"), !valid(options) {
            setters.append("pod")
            offenders.note(pod, "securityContext.seLinuxOptions")
        }
        var containers: [String] = []
        for container in pod.containers {
            if let options = container.setting("seLinuxOptions"), !valid(options) {
                containers.append(container.name)
                offenders.add(container, "securityContext.seLinuxOptions")
            }
        }
        if !containers.isEmpty { setters.append(Detail.containers(containers)) }
        guard !setters.isEmpty else { return nil }
        // Upstream reports user and role only alongside a forbidden type; kept for exactness.
        var data: [String] = []
        if !badTypes.isEmpty {
            data.append("\(Detail.pluralize("type", "types", badTypes.count)) \(Detail.joinQuote(badTypes.sorted()))")
            if setUser { data.append("user may not be set") }
            if setRole { data.append("role may not be set") }
        }
        return offenders.outcome(
            reason: "seLinuxOptions",
            detail: "\(setters.joined(separator: " and ")) set forbidden securityContext.seLinuxOptions: \(data.joined(separator: "; "))",
            fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 0)) { evaluate($0, allowed: typesV1_0) },
        VersionedRule(KubeVersion(1, 31)) { evaluate($0, allowed: typesV1_31) },
    ]

    public init() {}
}
