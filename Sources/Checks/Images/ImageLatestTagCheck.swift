import BrightKeysCore
import KubeModel

/// Images without a tag, or tagged `latest`, change under a running workload.
public struct ImageLatestTagCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-IMG-001", slug: "image-latest-tag", title: "Image without a tag or tagged latest", severity: .medium,
        controls: [],
        rationale:
            "An untagged or :latest image can change under a running workload, so what was scanned is not what runs and a rollback has nothing to return to.",
        remediation: "Give every image an explicit version tag, or better a digest.",
        passing: [
            Example(pod: "containers: [{name: app, image: nginx:1.27.2}]"),
            Example(
                pod:
                    "containers: [{name: app, image: \"registry.local:5000/team/app@sha256:4f3c5e8a1b2d3c4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd\"}]"
            ),
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      ↓image: nginx
                    """),
            Example(
                pod: """
                    initContainers:
                    - name: setup
                      ↓image: registry.local:5000/tools:latest
                    containers:
                    - name: app
                      image: nginx:1.27.2
                    """),
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        pod.containers.compactMap { container in
            guard let image = container.image else { return nil }
            let reference = ImageReference(image)
            guard reference.digest == nil, reference.tag == nil || reference.tag == "latest" else { return nil }
            let what = reference.tag == nil ? "has no tag" : "is tagged latest"
            return finding(
                pod, at: .container(container, "image"),
                String(assembling: "container \"\(container.name)\" image \"\(image)\" \(what)"))
        }
    }
}
