/// brightkeys' own k8s_audit rules, in Falco's rule language: the guide's step 7 (watch the
/// audit log for suspicious activity). Written for brightkeys; load with `--rules` to replace.
/// Order matters under Falco's default first-match: a more specific rule comes before the broader
/// one it refines (a shell via exec before any exec).
public enum DefaultAuditRules {
    public static let yaml = """
        - required_engine_version: 2

        - list: bk_system_users
          items: [system:kube-controller-manager, system:kube-scheduler, system:apiserver, system:kube-proxy]

        - list: bk_shells
          items: [sh, bash, ash, dash, zsh, ksh, csh, fish, /bin/sh, /bin/bash, /bin/ash, /bin/dash, /bin/zsh, /usr/bin/bash, /usr/bin/zsh]

        - list: bk_protected_namespaces
          items: [kube-system, kube-public]

        - macro: bk_complete
          condition: (ka.stage = ResponseComplete)

        - macro: bk_allowed
          condition: (ka.response.code startswith 2 or ka.response.code = 101)

        - macro: bk_person
          condition: (not ka.user.name startswith "system:")

        - rule: Secret read by a person
          desc: A user who is not a system component read or listed Secrets.
          condition: bk_complete and bk_allowed and ka.target.resource = secrets and ka.verb in (get, list, watch) and bk_person
          output: Secret read (user=%ka.user.name verb=%ka.verb secret=%ka.target.namespace/%ka.target.name)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, secrets]

        - rule: Shell in a container
          desc: An exec request runs a shell, the usual first step of hands-on intrusion.
          condition: bk_complete and ka.target.subresource = exec and ka.uri.param[command] intersects (bk_shells)
          output: Shell started in a container (user=%ka.user.name pod=%ka.target.namespace/%ka.target.name command=%ka.uri.param[command])
          priority: WARNING
          source: k8s_audit
          tags: [k8s, exec, shell]

        - rule: Exec or attach into a pod
          desc: Someone opened a command, an attached session or a port forward in a running pod.
          condition: bk_complete and bk_allowed and ka.target.resource = pods and ka.target.subresource in (exec, attach, portforward)
          output: Pod session opened (user=%ka.user.name pod=%ka.target.namespace/%ka.target.name kind=%ka.target.subresource command=%ka.uri.param[command])
          priority: NOTICE
          source: k8s_audit
          tags: [k8s, exec]

        - rule: Privileged pod created
          desc: A pod with a privileged container was created.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource = pods and not ka.target.subresource exists and ka.req.pod.containers.privileged intersects (true)
          output: Privileged pod created (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace images=%ka.req.pod.containers.image)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, pss]

        - rule: Host namespace pod created
          desc: A pod sharing the node's network, PID or IPC namespace was created.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource = pods and not ka.target.subresource exists and (ka.req.pod.host_network = true or ka.req.pod.host_pid = true or ka.req.pod.host_ipc = true)
          output: Pod with host namespaces created (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace hostNetwork=%ka.req.pod.host_network hostPID=%ka.req.pod.host_pid)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, pss]

        - rule: HostPath pod created
          desc: A pod mounting a path of the node was created.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource = pods and not ka.target.subresource exists and ka.req.pod.volumes.hostpath exists
          output: Pod with hostPath volumes created (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace paths=%ka.req.pod.volumes.hostpath)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, pss]

        - rule: Cluster-admin binding created
          desc: A binding to cluster-admin was created.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource in (clusterrolebindings, rolebindings) and ka.req.binding.role = cluster-admin
          output: Binding to cluster-admin created (user=%ka.user.name binding=%ka.target.name subjects=%ka.req.binding.subjects)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, rbac]

        - rule: Wildcard ClusterRole created
          desc: A ClusterRole granting every verb or every resource was created.
          condition: bk_complete and bk_allowed and ka.verb in (create, update, patch) and ka.target.resource = clusterroles and (ka.req.role.rules.verbs intersects ("*") or ka.req.role.rules.resources intersects ("*"))
          output: ClusterRole with wildcards written (user=%ka.user.name role=%ka.target.name rules=%ka.req.role.rules)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, rbac]

        - rule: Anonymous request allowed
          desc: The API server allowed a request from system:anonymous.
          condition: bk_complete and ka.user.name = "system:anonymous" and ka.auth.decision = allow and not ka.target.name in (version, healthz, livez, readyz)
          output: Anonymous request allowed (verb=%ka.verb uri=%ka.uri reason=%ka.auth.reason)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, authn]

        - rule: ConfigMap with credentials
          desc: A ConfigMap was written with keys or values that look like credentials.
          condition: bk_complete and bk_allowed and ka.verb in (create, update, patch) and ka.target.resource = configmaps and (ka.req.configmap.obj icontains password or ka.req.configmap.obj icontains passwd or ka.req.configmap.obj icontains token or ka.req.configmap.obj icontains secret or ka.req.configmap.obj contains "aws_access_key_id" or ka.req.configmap.obj contains "BEGIN RSA PRIVATE KEY")
          output: ConfigMap may hold credentials (user=%ka.user.name configmap=%ka.target.namespace/%ka.req.configmap.name)
          priority: NOTICE
          source: k8s_audit
          tags: [k8s, secrets]

        - rule: Service exposed outside the cluster
          desc: A NodePort or LoadBalancer Service was created.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource = services and ka.req.service.type in (NodePort, LoadBalancer)
          output: Service exposed (user=%ka.user.name service=%ka.target.namespace/%ka.target.name type=%ka.req.service.type ports=%ka.req.service.ports)
          priority: NOTICE
          source: k8s_audit
          tags: [k8s, network]

        - rule: Workload in a protected namespace
          desc: A pod or service account was created in kube-system or kube-public by someone other than a system component.
          condition: bk_complete and bk_allowed and ka.verb = create and ka.target.resource in (pods, serviceaccounts) and not ka.target.subresource exists and ka.target.namespace in (bk_protected_namespaces) and not ka.user.name in (bk_system_users) and not ka.user.name startswith "system:serviceaccount:kube-system:" and not ka.user.name startswith "system:node:"
          output: Object created in a protected namespace (user=%ka.user.name resource=%ka.target.resource name=%ka.target.name ns=%ka.target.namespace)
          priority: WARNING
          source: k8s_audit
          tags: [k8s, namespaces]
        """
}
