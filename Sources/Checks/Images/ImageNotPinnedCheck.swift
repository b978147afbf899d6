import BrightKeysCore
import KubeModel

/// A tag can be moved to other content; a digest cannot.
public struct ImageNotPinnedCheck: PodCheck {
    public static let descriptor = CheckDescriptor(
        id: "BK-IMG-002", slug: "image-not-pinned", title: "Image not pinned by digest", severity: .low,
        rationale:
            "A tag can be pointed at different content at any time; only a digest guarantees that the image scanned and approved is the image that runs.",
        remediation: "Reference the image by digest, e.g. nginx:1.27.2@sha256:<digest>.",
        passing: [
            Example(pod: "containers: [{name: app, image: \"nginx:1.27.2@sha256:4f3c5e8a1b2d3c4e5f60718293a4b5c6d7e8f90112233445566778899aabbccd\"}]")
        ],
        failing: [
            Example(
                pod: """
                    containers:
                    - name: app
                      ↓image: nginx:1.27.2
                    """)
        ])

    public init() {}

    public func evaluate(pod: PodView, in context: CheckContext) -> [Finding] {
        pod.containers.compactMap { container in
            guard let image = container.image, !ImageReference(image).isPinned else { return nil }
            return finding(
                pod, at: .container(container, "image"),
                String(assembling: "container \"\(container.name)\" image \"\(image)\" is not pinned by digest"))
        }
    }
}
