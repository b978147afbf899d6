import BrightKeysCore
import KubeModel
import RBACAnalysis

/// Shared helpers of the RBAC checks.
enum RBACObjects {
    /// The policy set of every RBAC object of the input, built once per scan. Every RBAC check
    /// wants exactly the RBAC objects, so they all pass the same list.
    static func policy(_ objects: [KubeObject], _ shared: SharedAnalyses) -> PolicySet {
        shared.value("rbac.policy") { PolicySet(objects: objects) }
    }

    static func isRBAC(_ object: KubeObject) -> Bool {
        object.group == PolicySet.group && ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"].contains(object.kind)
    }

    static func isRole(_ object: KubeObject) -> Bool {
        object.group == PolicySet.group && (object.kind == "Role" || object.kind == "ClusterRole")
    }

    static func isBinding(_ object: KubeObject) -> Bool {
        object.group == PolicySet.group && (object.kind == "RoleBinding" || object.kind == "ClusterRoleBinding")
    }

    /// Roles Kubernetes itself defines: reviewing them is not the user's job.
    static func isPlatformRole(_ object: KubeObject) -> Bool {
        object.name.hasPrefix("system:") || object.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
    }

    /// ClusterRoles every cluster has, so a binding to one of them is not dangling.
    static func isBuiltInClusterRole(_ name: String) -> Bool {
        name.hasPrefix("system:") || ["cluster-admin", "admin", "edit", "view"].contains(name)
    }

    /// A subject that belongs to the platform rather than to people or applications.
    static func isPlatformSubject(_ subject: Subject) -> Bool {
        switch subject.kind {
        case "ServiceAccount": return subject.namespace == "kube-system"
        default: return subject.name.hasPrefix("system:")
        }
    }

    /// The identity a subject stands for when asking what it can do.
    static func identity(of subject: Subject, bindingNamespace: String) -> UserInfo {
        switch subject.kind {
        case "ServiceAccount":
            let namespace = subject.namespace.isEmpty ? bindingNamespace : subject.namespace
            return UserInfo.impersonating(ServiceAccountName(namespace: namespace, name: subject.name).userName)
        case "Group": return UserInfo(name: "member of \(subject.name)", groups: [subject.name, "system:authenticated"])
        default: return UserInfo.impersonating(subject.name)
        }
    }

    /// The line of `subjects[index]` in a binding, or of the binding.
    static func subjectLine(_ object: KubeObject, _ index: Int) -> Int {
        object.root["subjects"]?[index]?.line ?? object.line
    }

    static func subjects(_ object: KubeObject) -> [(index: Int, subject: Subject)] {
        (object.root["subjects"]?.items ?? []).enumerated().map { index, node in
            var namespace = node["namespace"]?.scalarText ?? ""
            if namespace.isEmpty, node["kind"]?.scalarText == "ServiceAccount" { namespace = object.namespace }
            return (index, Subject(kind: node["kind"]?.scalarText ?? "", name: node["name"]?.scalarText ?? "", namespace: namespace))
        }
    }

    static func rules(_ object: KubeObject) -> [(index: Int, rule: PolicyRule)] {
        (object.root["rules"]?.items ?? []).enumerated().map { index, node in
            func strings(_ key: String) -> [String] {
                guard let value = node[key] else { return [] }
                return value.scalarText.map { [$0] } ?? value.items.compactMap(\.scalarText)
            }
            return (
                index,
                PolicyRule(
                    verbs: strings("verbs"), apiGroups: strings("apiGroups"), resources: strings("resources"), resourceNames: strings("resourceNames"),
                    nonResourceURLs: strings("nonResourceURLs"), source: SourceRef(file: object.file, line: node.line))
            )
        }
    }
}
