import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Permissions that hand over more than they seem to: each is a known escalation route.
public struct DangerousPermissionCheck: Check {
    public static let descriptor = CheckDescriptor(
        id: "BK-RBAC-003", slug: "rbac-dangerous-permission", title: "Role grants an escalation-prone permission", severity: .high,
        controls: [.cis("5.1.2"), .cis("5.1.4"), .cis("5.1.8")],
        rationale:
            "Some permissions are worth more than their names: creating pods runs code as any service account of the namespace, reading secrets reads their tokens, bind and escalate write new privileges, impersonation becomes anyone.",
        remediation: "Remove the permission, or grant it only to a dedicated identity with resourceNames limits and review its use.",
        passing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: reader, namespace: shop}
                    rules:
                    - {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list, watch]}
                    """)
        ],
        failing: [
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: Role
                    metadata: {name: deployer, namespace: shop}
                    rules:
                    - {apiGroups: [""], resources: [configmaps], verbs: [get]}
                    ↓- apiGroups: ["", apps]
                      resources: [secrets, deployments]
                      verbs: [get, create]
                    """),
            Example(
                object: """
                    apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: debugger}
                    rules:
                    ↓- {apiGroups: [""], resources: [pods/exec, nodes/proxy], verbs: [create, get]}
                    """),
        ])

    /// A permission worth reporting and the requests that reveal it.
    struct Danger {
        let text: String
        let probes: [RequestAttributes]
    }

    static func probes(_ verbs: [String], _ group: String, _ resources: [String], subresource: String = "") -> [RequestAttributes] {
        verbs.flatMap { verb in resources.map { RequestAttributes(verb: verb, apiGroup: group, resource: $0, subresource: subresource) } }
    }

    static let dangers: [Danger] = [
        Danger(text: "bind or escalate roles", probes: probes(["bind", "escalate"], PolicySet.group, ["roles", "clusterroles"])),
        Danger(text: "impersonate users, groups or service accounts", probes: probes(["impersonate"], "", ["users", "groups", "serviceaccounts"])),
        Danger(
            text: "create or change pods or pod controllers (runs as any service account of the namespace)",
            probes: probes(["create", "patch", "update"], "", ["pods", "replicationcontrollers"])
                + probes(["create", "patch", "update"], "apps", ["deployments", "daemonsets", "statefulsets", "replicasets"])
                + probes(["create", "patch", "update"], "batch", ["jobs", "cronjobs"])),
        Danger(text: "read secrets", probes: probes(["get", "list", "watch"], "", ["secrets"])),
        Danger(text: "create service account tokens", probes: probes(["create"], "", ["serviceaccounts"], subresource: "token")),
        Danger(
            text: "approve certificate signing requests",
            probes: probes(["update", "patch"], "certificates.k8s.io", ["certificatesigningrequests"], subresource: "approval")),
        Danger(text: "proxy to kubelets (nodes/proxy)", probes: probes(["get", "create"], "", ["nodes"], subresource: "proxy")),
        Danger(
            text: "exec or attach into pods, or add ephemeral containers",
            probes: probes(["create", "get"], "", ["pods"], subresource: "exec") + probes(["create", "get"], "", ["pods"], subresource: "attach")
                + probes(["patch", "update"], "", ["pods"], subresource: "ephemeralcontainers")),
        Danger(
            text: "write admission webhook configurations",
            probes: probes(
                ["create", "update", "patch", "delete"], "admissionregistration.k8s.io", ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"])),
        Danger(
            text: "write services/status (can point load balancers anywhere)", probes: probes(["update", "patch"], "", ["services"], subresource: "status")),
        Danger(text: "create persistent volumes (can mount host paths)", probes: probes(["create"], "", ["persistentvolumes"])),
    ]

    /// The dangers a rule grants; a resourceNames limit still counts, for the named objects.
    static func dangers(of rule: PolicyRule) -> [String] {
        var open = rule
        open.resourceNames = []
        return dangers.filter { danger in danger.probes.contains { Authorizer.ruleAllows(open, $0) } }.map(\.text)
    }

    public init() {}

    public func evaluate(_ object: KubeObject, in context: CheckContext) -> [Finding] {
        guard RBACObjects.isRole(object), !RBACObjects.isPlatformRole(object) else { return [] }
        return RBACObjects.rules(object).compactMap { index, rule in
            let found = Self.dangers(of: rule)
            guard !found.isEmpty else { return nil }
            return finding(
                object, path: "rules[\(index)]", line: rule.source.line,
                "\(object.kind.lowercased()) \(object.name) rules[\(index)] lets its holders \(found.joined(separator: "; "))")
        }
    }
}
