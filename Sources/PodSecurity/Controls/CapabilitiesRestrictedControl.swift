import BrightKeysCore
import KubeModel

/// Restricted (from v1.22): every container must drop ALL capabilities and may add back only
/// NET_BIND_SERVICE. Replaces the baseline capabilities control; from v1.25 Windows pods are exempt.
public struct CapabilitiesRestrictedControl: PodSecurityControl {
    public static let upstreamID = "capabilities_restricted"
    public static let level = PodSecurityLevel.restricted
    public static let descriptor = CheckDescriptor(
        id: "BK-PSS-014", slug: "pss-capabilities-restricted", title: "Capabilities not dropped", severity: .medium,
        controls: [.pss(id: upstreamID, level: level, since: KubeVersion(1, 22)), .cis("5.2.10")],
        rationale: "The runtime's default capabilities still include ones such as NET_RAW that an attacker can use; a container needs almost none of them.",
        remediation: "Set securityContext.capabilities.drop to [\"ALL\"] and add back only NET_BIND_SERVICE if needed.",
        passing: [Example(pod: "containers: [{name: app, image: a:1, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}]")],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      image: a:1
                      securityContext:
                        ↓capabilities:
                          drop: [NET_RAW]
                    """)
        ])

    static func evaluate(_ pod: PodView) -> ControlOutcome? {
        var missingDrop: [String] = []
        var adding: [String] = []
        var forbidden = Set<String>()
        var offenders = Offenders()
        for container in pod.containers {
            guard let capabilities = container.setting("capabilities"), !capabilities.isNull else {
                missingDrop.append(container.name)
                offenders.add(container, "securityContext.capabilities")
                continue
            }
            var bad = false
            if !(capabilities["drop"]?.items ?? []).contains(where: { $0.string == "ALL" }) {
                missingDrop.append(container.name)
                bad = true
            }
            let added = (capabilities["add"]?.items ?? []).compactMap(\.scalarText).filter { $0 != "NET_BIND_SERVICE" }
            // (`add` is rare: building the list costs nothing in the common case.)
            if !added.isEmpty {
                adding.append(container.name)
                forbidden.formUnion(added)
                bad = true
            }
            if bad { offenders.add(container, "securityContext.capabilities") }
        }
        var detail = missingDrop.isEmpty ? "" : Detail.containers(missingDrop, after: " must set securityContext.capabilities.drop=[\"ALL\"]")
        if !adding.isEmpty {
            if !detail.isEmpty { detail += "; " }
            detail += "\(Detail.containers(adding)) must not include \(Detail.joinQuote(forbidden.sorted())) in securityContext.capabilities.add"
        }
        guard !detail.isEmpty else { return nil }
        return offenders.outcome(reason: "unrestricted capabilities", detail: detail, fallback: pod)
    }

    public static let versions = [
        VersionedRule(KubeVersion(1, 22), overrides: ["capabilities_baseline"]) { evaluate($0) },
        VersionedRule(KubeVersion(1, 25), overrides: ["capabilities_baseline"]) { $0.isWindows ? nil : evaluate($0) },
    ]

    public init() {}
}
