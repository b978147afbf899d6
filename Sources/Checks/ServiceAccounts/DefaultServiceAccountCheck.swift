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
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        // serviceAccount is the deprecated alias the API server still honours.
        let field = pod.spec["serviceAccountName"] != nil ? "serviceAccountName" : "serviceAccount"
        let name = pod.spec[field]?.scalarText ?? ""
        guard name.isEmpty || name == "default" else { return [] }
        let location = FieldLocation {
            (pod.path("serviceAccountName"), pod.spec[field] != nil ? pod.line([field]) : (pod.spec.keyPosition("containers")?.line ?? pod.spec.line))
        }
        let how = name.isEmpty ? "sets no serviceAccountName, so it runs as \"default\"" : "runs as the \"default\" service account"
        return [finding(pod, at: location, "pod \(how)")]
    }
}
