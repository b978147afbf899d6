import CEL
import KubeModel

/// What a failed validation does, as ValidatingAdmissionPolicyBinding's `validationActions` says.
public enum ValidationAction: String, Sendable, CaseIterable {
    case deny = "Deny"
    case warn = "Warn"
    case audit = "Audit"
}

/// One admission request as policies see it (offline, `scan` makes CREATE requests of manifests).
public struct PolicyRequest: Sendable {
    public var operation: String
    public var object: Node?
    public var oldObject: Node?
    /// `group`, `version`, `kind` of the object; `resource` is the plural (`deployments`).
    public var group: String
    public var version: String
    public var kind: String
    public var resource: String
    public var subResource: String
    public var name: String
    public var namespace: String
    public var username: String
    public var userGroups: [String]
    public var dryRun: Bool
    /// The request's namespace object, when known (nil: cluster-scoped, or not known).
    public var namespaceObject: Node?

    public init(
        operation: String, object: Node?, oldObject: Node? = nil, group: String, version: String, kind: String, resource: String,
        subResource: String = "", name: String, namespace: String, username: String = "", userGroups: [String] = [], dryRun: Bool = false,
        namespaceObject: Node? = nil
    ) {
        self.operation = operation
        self.object = object
        self.oldObject = oldObject
        self.group = group
        self.version = version
        self.kind = kind
        self.resource = resource
        self.subResource = subResource
        self.name = name
        self.namespace = namespace
        self.username = username
        self.userGroups = userGroups
        self.dryRun = dryRun
        self.namespaceObject = namespaceObject
    }

    /// A CREATE request for a manifest (what `scan --policy` evaluates).
    public static func create(_ object: KubeObject, namespaceObject: Node?) -> PolicyRequest {
        let parts = object.apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts.first ?? "")
        return PolicyRequest(
            operation: "CREATE", object: object.root, group: group, version: version, kind: object.kind,
            resource: ResourceNames.plural(of: object.kind), name: object.metadata?["name"]?.string ?? "", namespace: object.namespace,
            namespaceObject: namespaceObject)
    }

    /// The `request` variable: admission.k8s.io AdmissionRequest fields.
    public var celRequest: CELValue {
        let gvk = CELValue.object([("group", .string(group)), ("version", .string(version)), ("kind", .string(kind))])
        let gvr = CELValue.object([("group", .string(group)), ("version", .string(version)), ("resource", .string(resource))])
        return .object([
            ("kind", gvk), ("resource", gvr), ("subResource", .string(subResource)), ("requestKind", gvk), ("requestResource", gvr),
            ("requestSubResource", .string(subResource)), ("name", .string(name)), ("namespace", .string(namespace)),
            ("operation", .string(operation)),
            ("userInfo", .object([("username", .string(username)), ("groups", .list(userGroups.map { .string($0) }))])),
            ("dryRun", .bool(dryRun)),
        ])
    }
}

/// A validation that failed, from any engine.
public struct PolicyViolation: Sendable, Equatable {
    /// `ValidatingAdmissionPolicy`, `Kyverno` or `Gatekeeper`.
    public var engine: String
    /// The policy (or ConstraintTemplate) name.
    public var policy: String
    /// The binding, rule or constraint that applied it.
    public var binding: String
    public var message: String
    /// `Invalid`, `Forbidden`, ... (a validation's `reason`).
    public var reason: String
    public var actions: [ValidationAction]

    public init(engine: String, policy: String, binding: String, message: String, reason: String = "Invalid", actions: [ValidationAction]) {
        self.engine = engine
        self.policy = policy
        self.binding = binding
        self.message = message
        self.reason = reason
        self.actions = actions
    }
}

/// The plural resource names of kinds, as the API serves them (offline there is no discovery).
public enum ResourceNames {
    static let known: [String: String] = [
        "Pod": "pods", "Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets", "ReplicaSet": "replicasets",
        "Job": "jobs", "CronJob": "cronjobs", "ReplicationController": "replicationcontrollers", "PodTemplate": "podtemplates",
        "Service": "services", "ConfigMap": "configmaps", "Secret": "secrets", "Namespace": "namespaces", "ServiceAccount": "serviceaccounts",
        "Ingress": "ingresses", "IngressClass": "ingressclasses", "NetworkPolicy": "networkpolicies", "Role": "roles",
        "ClusterRole": "clusterroles", "RoleBinding": "rolebindings", "ClusterRoleBinding": "clusterrolebindings",
        "PersistentVolume": "persistentvolumes", "PersistentVolumeClaim": "persistentvolumeclaims", "StorageClass": "storageclasses",
        "HorizontalPodAutoscaler": "horizontalpodautoscalers", "PodDisruptionBudget": "poddisruptionbudgets", "Endpoints": "endpoints",
        "LimitRange": "limitranges", "ResourceQuota": "resourcequotas", "Node": "nodes", "PriorityClass": "priorityclasses",
        "CustomResourceDefinition": "customresourcedefinitions", "ValidatingWebhookConfiguration": "validatingwebhookconfigurations",
        "MutatingWebhookConfiguration": "mutatingwebhookconfigurations", "Event": "events", "Lease": "leases",
    ]

    /// The plural of a kind: the table, else the API machinery's guess (lowercase, `y` → `ies`,
    /// `s`/`x`/`ch`/`sh` → `es`, else `s`).
    public static func plural(of kind: String) -> String {
        if let known = known[kind] { return known }
        let lower = kind.lowercased()
        if lower.hasSuffix("y"), let last = lower.dropLast().last, !"aeiou".contains(last) { return lower.dropLast() + "ies" }
        if lower.hasSuffix("s") || lower.hasSuffix("x") || lower.hasSuffix("ch") || lower.hasSuffix("sh") { return lower + "es" }
        return lower + "s"
    }

    /// Whether objects of the kind live in namespaces (for `scope` in resource rules).
    public static func isClusterScoped(_ kind: String) -> Bool {
        [
            "Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
            "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
        ].contains(kind)
    }
}
