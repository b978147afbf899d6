import BrightKeysCore
import KubeModel

/// One service account per application, never the namespace's default.
public struct DefaultServiceAccountCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-SA-001", slug: "default-service-account", title: "Pod runs as the default service account", severity: .medium,
        controls: [.cis("5.1.5")],
        rationale: "Every pod in a namespace shares the default service account, so a permission granted to one application is granted to all of them.",
        remediation: "Create a service account for the application and set serviceAccountName to it.",
        passing: [Example(pod: "serviceAccountName: web\ncontainers: [{name: app, image: a:1}]")],
        failing: [
            Example(
                pod: """
                    ↓containers:
                    - name: app
                      image: a:1
                    """),
            Example(
                pod: """
                    ↓serviceAccountName: default
                    containers: [{name: app, image: a:1}]
                    """),
            // The deprecated alias, still honoured by the API server.
            Example(
                pod: """
                    ↓serviceAccount: default
                    containers: [{name: app, image: a:1}]
                    """),
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        // serviceAccount is the deprecated alias the API server still honours.
        let field = pod.spec["serviceAccountName"] != nil ? "serviceAccountName" : "serviceAccount"
        let name = pod.spec[field]?.scalarText ?? ""
        guard name.isEmpty || name == "default" else { return [] }
        // Only the deprecated alias written: its line, under the field's name.
        let location =
            field == "serviceAccount" && pod.spec[field] != nil
            ? FieldLocation { (pod.path("serviceAccountName"), pod.line([field])) } : .pod(pod, "serviceAccountName", orLineOf: "containers")
        let message = name.isEmpty ? "pod sets no serviceAccountName, so it runs as \"default\"" : "pod runs as the \"default\" service account"
        return [finding(pod, at: location, message)]
    }
}
