/// Resolves a resource as kubectl accepts it (`pods`, `po`, `deployments.apps`,
/// `deploy/scale`) into group, resource and subresource, from a table of built-in resources.
public enum ResourceNames {
    /// plural → (group, names it also answers to).
    static let builtIn: [(plural: String, group: String, aliases: [String])] = [
        ("pods", "", ["pod", "po"]), ("services", "", ["service", "svc"]), ("secrets", "", ["secret"]),
        ("configmaps", "", ["configmap", "cm"]), ("serviceaccounts", "", ["serviceaccount", "sa"]),
        ("namespaces", "", ["namespace", "ns"]), ("nodes", "", ["node", "no"]), ("persistentvolumes", "", ["persistentvolume", "pv"]),
        ("persistentvolumeclaims", "", ["persistentvolumeclaim", "pvc"]), ("endpoints", "", ["ep"]), ("events", "", ["event", "ev"]),
        ("replicationcontrollers", "", ["replicationcontroller", "rc"]), ("resourcequotas", "", ["resourcequota", "quota"]),
        ("limitranges", "", ["limitrange", "limits"]), ("podtemplates", "", ["podtemplate"]), ("bindings", "", ["binding"]),
        ("componentstatuses", "", ["componentstatus", "cs"]),
        ("deployments", "apps", ["deployment", "deploy"]), ("statefulsets", "apps", ["statefulset", "sts"]),
        ("daemonsets", "apps", ["daemonset", "ds"]), ("replicasets", "apps", ["replicaset", "rs"]),
        ("controllerrevisions", "apps", ["controllerrevision"]),
        ("jobs", "batch", ["job"]), ("cronjobs", "batch", ["cronjob", "cj"]),
        ("roles", "rbac.authorization.k8s.io", ["role"]), ("clusterroles", "rbac.authorization.k8s.io", ["clusterrole"]),
        ("rolebindings", "rbac.authorization.k8s.io", ["rolebinding"]),
        ("clusterrolebindings", "rbac.authorization.k8s.io", ["clusterrolebinding"]),
        ("networkpolicies", "networking.k8s.io", ["networkpolicy", "netpol"]), ("ingresses", "networking.k8s.io", ["ingress", "ing"]),
        ("ingressclasses", "networking.k8s.io", ["ingressclass"]),
        ("horizontalpodautoscalers", "autoscaling", ["horizontalpodautoscaler", "hpa"]),
        ("poddisruptionbudgets", "policy", ["poddisruptionbudget", "pdb"]),
        ("certificatesigningrequests", "certificates.k8s.io", ["certificatesigningrequest", "csr"]),
        ("validatingwebhookconfigurations", "admissionregistration.k8s.io", ["validatingwebhookconfiguration"]),
        ("mutatingwebhookconfigurations", "admissionregistration.k8s.io", ["mutatingwebhookconfiguration"]),
        ("validatingadmissionpolicies", "admissionregistration.k8s.io", ["validatingadmissionpolicy"]),
        ("validatingadmissionpolicybindings", "admissionregistration.k8s.io", ["validatingadmissionpolicybinding"]),
        ("customresourcedefinitions", "apiextensions.k8s.io", ["customresourcedefinition", "crd", "crds"]),
        ("storageclasses", "storage.k8s.io", ["storageclass", "sc"]), ("csidrivers", "storage.k8s.io", ["csidriver"]),
        ("volumeattachments", "storage.k8s.io", ["volumeattachment"]),
        ("priorityclasses", "scheduling.k8s.io", ["priorityclass", "pc"]), ("leases", "coordination.k8s.io", ["lease"]),
        ("endpointslices", "discovery.k8s.io", ["endpointslice"]), ("runtimeclasses", "node.k8s.io", ["runtimeclass"]),
        ("tokenreviews", "authentication.k8s.io", ["tokenreview"]),
        ("subjectaccessreviews", "authorization.k8s.io", ["subjectaccessreview"]),
        ("selfsubjectaccessreviews", "authorization.k8s.io", ["selfsubjectaccessreview"]),
    ]

    /// `(group, resource, subresource)` for a kubectl-style resource argument; an unknown plain
    /// name is taken as a core-group resource, as written.
    public static func resolve(_ text: String) -> (group: String, resource: String, subresource: String) {
        var base = Substring(text)
        var subresource = ""
        if let slash = base.firstIndex(of: "/") {
            subresource = String(base[base.index(after: slash)...])
            base = base[..<slash]
        }
        var name = String(base).lowercased()
        var group: String?
        if let dot = name.firstIndex(of: ".") {
            group = String(name[name.index(after: dot)...])
            name = String(name[..<dot])
        }
        if let entry = builtIn.first(where: { ($0.plural == name || $0.aliases.contains(name)) && (group == nil || group == $0.group) }) {
            return (group ?? entry.group, entry.plural, subresource)
        }
        return (group ?? "", name, subresource)
    }
}
