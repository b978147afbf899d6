import KubeModel

/// An audit event and the fields Falco's k8s_audit rules read from it.
public struct AuditEvent: Sendable {
    public let node: Node
    /// 1-based line of the event in its log.
    public let line: Int

    public init(node: Node, line: Int) {
        self.node = node
        self.line = line
    }

    /// The value at a JSON pointer (`/objectRef/resource`), with `~1` and `~0` escapes.
    public func pointer(_ path: String) -> Node? {
        var current: Node? = node
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            let key = String(raw).replacingOccurrences("~1", "/").replacingOccurrences("~0", "~")
            if let index = Int(key), current?.sequence != nil {
                current = current?[index]
            } else {
                current = current?[key]
            }
        }
        return current
    }

    static func text(_ node: Node?) -> String? {
        guard let node else { return nil }
        switch node.value {
        case .null: return nil
        case .sequence, .mapping: return node.jsonText
        default: return node.scalarText
        }
    }

    var requestObject: Node? { node["requestObject"] }
    var containers: [Node] { requestObject?["spec"]?["containers"]?.items ?? [] }
    var podSpec: Node? { requestObject?["spec"] }

    /// The values of a field: nil when it has none (missing), otherwise one or more strings.
    public func values(_ field: FieldRef) -> [String]? {
        let one = { (node: Node?) -> [String]? in Self.text(node).map { [$0] } }
        switch field.name {
        case "jevt.value": return one(pointer(field.argument ?? ""))
        case "jevt.obj": return [node.jsonText]
        case "jevt.time", "jevt.time.iso8601", "ka.time": return one(node["stageTimestamp"] ?? node["timestamp"])
        case "jevt.rawtime": return one(node["stageTimestamp"] ?? node["timestamp"]).map { [String(Timestamps.nanoseconds($0[0]) ?? 0)] }
        case "ka.auditid": return one(node["auditID"])
        case "ka.stage": return one(node["stage"])
        case "ka.auth.decision": return one(node["annotations"]?["authorization.k8s.io/decision"])
        case "ka.auth.reason": return one(node["annotations"]?["authorization.k8s.io/reason"])
        case "ka.user.name": return one(node["user"]?["username"])
        case "ka.user.groups": return list(node["user"]?["groups"])
        case "ka.impuser.name": return one(node["impersonatedUser"]?["username"])
        case "ka.verb": return one(node["verb"])
        case "ka.uri": return one(node["requestURI"])
        case "ka.uri.param": return uriParameter(field.argument ?? "")
        case "ka.target.name": return one(node["objectRef"]?["name"])
        case "ka.target.namespace": return one(node["objectRef"]?["namespace"])
        case "ka.target.resource": return one(node["objectRef"]?["resource"])
        case "ka.target.subresource": return one(node["objectRef"]?["subresource"])
        case "ka.req.binding.subjects": return requestObject?["subjects"].map { [$0.jsonText] }
        case "ka.req.binding.subject.has_name":
            guard let subjects = requestObject?["subjects"]?.items else { return nil }
            return [subjects.contains { $0["name"]?.scalarText == field.argument } ? "true" : "false"]
        case "ka.req.binding.role": return one(requestObject?["roleRef"]?["name"])
        case "ka.req.configmap.name": return one(requestObject?["metadata"]?["name"])
        case "ka.req.configmap.obj": return requestObject?["data"].map { [$0.jsonText] }
        case "ka.req.pod.containers.image", "ka.req.container.image":
            return nonEmpty(containers.compactMap { $0["image"]?.scalarText })
        case "ka.req.pod.containers.image.repository", "ka.req.container.image.repository":
            return nonEmpty(containers.compactMap { $0["image"]?.scalarText.map(Self.repository) })
        case "ka.req.pod.host_ipc": return one(podSpec?["hostIPC"])
        case "ka.req.pod.host_network", "ka.req.container.host_network": return one(podSpec?["hostNetwork"])
        case "ka.req.pod.host_pid": return one(podSpec?["hostPID"])
        case "ka.req.pod.containers.host_port":
            return nonEmpty(containers.flatMap { ($0["ports"]?.items ?? []).compactMap { $0["hostPort"]?.scalarText } })
        case "ka.req.pod.containers.privileged", "ka.req.container.privileged":
            guard podSpec != nil else { return nil }
            return nonEmpty(containers.map { $0["securityContext"]?["privileged"]?.scalarText ?? "false" })
        case "ka.req.pod.containers.allow_privilege_escalation":
            return nonEmpty(containers.map { $0["securityContext"]?["allowPrivilegeEscalation"]?.scalarText ?? "false" })
        case "ka.req.pod.containers.read_only_fs":
            return nonEmpty(containers.map { $0["securityContext"]?["readOnlyRootFilesystem"]?.scalarText ?? "false" })
        case "ka.req.pod.run_as_user": return one(podSpec?["securityContext"]?["runAsUser"])
        case "ka.req.pod.containers.run_as_user": return nonEmpty(containers.compactMap { $0["securityContext"]?["runAsUser"]?.scalarText })
        case "ka.req.pod.containers.eff_run_as_user":
            let podLevel = podSpec?["securityContext"]?["runAsUser"]?.scalarText ?? "0"
            return nonEmpty(containers.map { $0["securityContext"]?["runAsUser"]?.scalarText ?? podLevel })
        case "ka.req.pod.run_as_group": return one(podSpec?["securityContext"]?["runAsGroup"])
        case "ka.req.pod.containers.run_as_group": return nonEmpty(containers.compactMap { $0["securityContext"]?["runAsGroup"]?.scalarText })
        case "ka.req.pod.containers.eff_run_as_group":
            let podLevel = podSpec?["securityContext"]?["runAsGroup"]?.scalarText ?? "0"
            return nonEmpty(containers.map { $0["securityContext"]?["runAsGroup"]?.scalarText ?? podLevel })
        case "ka.req.pod.containers.proc_mount":
            return nonEmpty(containers.map { $0["securityContext"]?["procMount"]?.scalarText ?? "Default" })
        case "ka.req.pod.containers.add_capabilities":
            return nonEmpty(containers.flatMap { ($0["securityContext"]?["capabilities"]?["add"]?.items ?? []).compactMap(\.scalarText) })
        case "ka.req.pod.fs_group": return one(podSpec?["securityContext"]?["fsGroup"])
        case "ka.req.pod.supplemental_groups": return list(podSpec?["securityContext"]?["supplementalGroups"])
        case "ka.req.pod.volumes.hostpath":
            return nonEmpty((podSpec?["volumes"]?.items ?? []).compactMap { $0["hostPath"]?["path"]?.scalarText })
        case "ka.req.volume.hostpath":
            // Whether some hostPath volume's path matches the argument (a glob).
            guard podSpec != nil else { return nil }
            let paths = (podSpec?["volumes"]?.items ?? []).compactMap { $0["hostPath"]?["path"]?.scalarText }
            return [paths.contains { Glob.match(field.argument ?? "", $0) } ? "true" : "false"]
        case "ka.req.pod.volumes.flexvolume_driver":
            return nonEmpty((podSpec?["volumes"]?.items ?? []).compactMap { $0["flexVolume"]?["driver"]?.scalarText })
        case "ka.req.pod.volumes.volume_type":
            return nonEmpty((podSpec?["volumes"]?.items ?? []).compactMap { volume in volume.mapping?.keys.first { $0 != "name" } })
        case "ka.req.role.rules": return requestObject?["rules"].map { [$0.jsonText] }
        case "ka.req.role.rules.apiGroups": return ruleParts("apiGroups")
        case "ka.req.role.rules.nonResourceURLs": return ruleParts("nonResourceURLs")
        case "ka.req.role.rules.resources": return ruleParts("resources")
        case "ka.req.role.rules.verbs": return ruleParts("verbs")
        case "ka.req.service.type": return one(requestObject?["spec"]?["type"])
        case "ka.req.service.ports": return requestObject?["spec"]?["ports"].map { [$0.jsonText] }
        case "ka.resp.name": return one(node["responseObject"]?["metadata"]?["name"])
        case "ka.response.code": return one(node["responseStatus"]?["code"])
        case "ka.response.reason": return one(node["responseStatus"]?["reason"])
        case "ka.useragent": return one(node["userAgent"])
        case "ka.sourceips": return list(node["sourceIPs"])
        case "ka.cluster.name": return nil
        default: return nil
        }
    }

    private func list(_ node: Node?) -> [String]? {
        guard let items = node?.sequence else { return nil }
        return nonEmpty(items.compactMap(\.scalarText))
    }

    private func nonEmpty(_ values: [String]) -> [String]? {
        values.isEmpty ? nil : values
    }

    private func ruleParts(_ key: String) -> [String]? {
        guard let rules = requestObject?["rules"]?.items else { return nil }
        return nonEmpty(rules.flatMap { ($0[key]?.items ?? []).compactMap(\.scalarText) })
    }

    private func uriParameter(_ name: String) -> [String]? {
        guard let uri = node["requestURI"]?.scalarText, let question = uri.firstIndex(of: "?") else { return nil }
        let values = uri[uri.index(after: question)...].split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.first.map(String.init) == name else { return nil }
            return parts.count > 1 ? URLDecoding.decode(String(parts[1])) : ""
        }
        return nonEmpty(values)
    }

    /// `registry:5000/team/app:1.2@sha256:…` → `registry:5000/team/app`.
    static func repository(_ image: String) -> String {
        var text = Substring(image)
        if let at = text.firstIndex(of: "@") { text = text[..<at] }
        let slash = text.lastIndex(of: "/")
        if let colon = text.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true { text = text[..<colon] }
        return String(text)
    }

    /// Every field the engine knows (an unknown one in a rule is a load error).
    public static let knownFields: Set<String> = [
        "jevt.value", "jevt.obj", "jevt.time", "jevt.time.iso8601", "jevt.rawtime", "ka.time", "ka.auditid", "ka.stage", "ka.auth.decision", "ka.auth.reason",
        "ka.user.name", "ka.user.groups", "ka.impuser.name", "ka.verb", "ka.uri", "ka.uri.param", "ka.target.name", "ka.target.namespace",
        "ka.target.resource", "ka.target.subresource", "ka.req.binding.subjects", "ka.req.binding.subject.has_name", "ka.req.binding.role",
        "ka.req.configmap.name", "ka.req.configmap.obj", "ka.req.pod.containers.image", "ka.req.container.image", "ka.req.pod.containers.image.repository",
        "ka.req.container.image.repository", "ka.req.pod.host_ipc", "ka.req.pod.host_network", "ka.req.container.host_network", "ka.req.pod.host_pid",
        "ka.req.pod.containers.host_port", "ka.req.pod.containers.privileged", "ka.req.container.privileged",
        "ka.req.pod.containers.allow_privilege_escalation", "ka.req.pod.containers.read_only_fs", "ka.req.pod.run_as_user",
        "ka.req.pod.containers.run_as_user", "ka.req.pod.containers.eff_run_as_user", "ka.req.pod.run_as_group", "ka.req.pod.containers.run_as_group",
        "ka.req.pod.containers.eff_run_as_group", "ka.req.pod.containers.proc_mount", "ka.req.pod.containers.add_capabilities", "ka.req.pod.fs_group",
        "ka.req.pod.supplemental_groups", "ka.req.pod.volumes.hostpath", "ka.req.volume.hostpath", "ka.req.pod.volumes.flexvolume_driver",
        "ka.req.pod.volumes.volume_type", "ka.req.role.rules", "ka.req.role.rules.apiGroups", "ka.req.role.rules.nonResourceURLs",
        "ka.req.role.rules.resources", "ka.req.role.rules.verbs", "ka.req.service.type", "ka.req.service.ports", "ka.resp.name", "ka.response.code",
        "ka.response.reason", "ka.useragent", "ka.sourceips", "ka.cluster.name",
    ]
}

/// Shell-style globbing (`*`, `?`, `[abc]`) for `glob` and hostpath arguments.
enum Glob {
    static func match(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "[", let close = p[pi...].firstIndex(of: "]") {
                let set = p[(pi + 1)..<close]
                if set.contains(t[ti]) {
                    pi = close + 1
                    ti += 1
                    continue
                }
            } else if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
                continue
            }
            if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// Percent-decoding for URI parameters.
enum URLDecoding {
    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// RFC 3339 timestamps to nanoseconds since the epoch.
enum Timestamps {
    static func nanoseconds(_ text: String) -> Int64? {
        // 2018-10-25T14:09:12.123456Z
        let parts = text.split(whereSeparator: { "-T:Z.".contains($0) }).map(String.init)
        guard parts.count >= 6, let y = Int64(parts[0]), let mo = Int64(parts[1]), let d = Int64(parts[2]), let h = Int64(parts[3]),
            let mi = Int64(parts[4]), let s = Int64(parts[5])
        else { return nil }
        let fraction = parts.count > 6 ? Int64((parts[6] + "000000000").prefix(9)) ?? 0 : 0
        // Days from civil (Howard Hinnant's algorithm).
        let year = mo <= 2 ? y - 1 : y
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days * 24 + h) * 60 + mi) * 60 * 1_000_000_000 + s * 1_000_000_000 + fraction
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
