import BrightKeysCore
import KubeModel

/// A mounted token is a key to the API for anyone who compromises the container.
public struct AutomountTokenCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-SA-002", slug: "automount-service-account-token", title: "Service account token mounted into the pod", severity: .low,
        controls: [.cis("5.1.6")],
        rationale:
            "Unless told otherwise Kubernetes mounts an API token into every container; most applications never call the API, and the token only helps an attacker who gets in.",
        remediation: "Set automountServiceAccountToken: false on the pod unless the application calls the Kubernetes API.",
        passing: [Example(pod: "automountServiceAccountToken: false\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    ↓containers:
                    - name: app
                      image: a:1
                    """),
            Example(
                pod: """
                    ↓automountServiceAccountToken: true
                    containers: [{name: app, image: a:1}]
                    """),
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        let value = pod.spec["automountServiceAccountToken"]
        guard value?.bool != false else { return [] }
        let location = FieldLocation.pod(pod, "automountServiceAccountToken", orLineOf: "containers")
        return [
            finding(
                pod, at: location,
                "pod does not set automountServiceAccountToken=false, so an API token is mounted into its containers")
        ]
    }
}
