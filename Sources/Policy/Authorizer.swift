import CEL
import RBACAnalysis

/// Kubernetes' `authorizer` CEL variable, answered from RBAC objects (Roles, ClusterRoles and
/// their bindings given with the policies): `authorizer.group('apps').resource('deployments')
/// .namespace('shop').name('web').check('update').allowed()`, `authorizer.path('/healthz')
/// .check('get')`, `authorizer.serviceAccount('ns', 'sa')...` — for the request's user.
public struct CELAuthorizer: CELCallable {
    let rbac: Authorizer
    let user: RBACAnalysis.UserInfo

    public init(rbac: Authorizer, user: RBACAnalysis.UserInfo) {
        self.rbac = rbac
        self.user = user
    }

    public var typeName: String { "kubernetes.authorization.Authorizer" }
    public var description: String { "authorizer(\(user.name))" }
    public func isEqual(to other: any CELObject) -> Bool { false }

    public func call(_ member: String, _ args: [CELValue]) -> CELValue? {
        switch (member, args.count) {
        case ("group", 1):
            guard case .string(let group) = args[0] else { return nil }
            return .object(ResourceCheck(authorizer: self, group: group))
        case ("path", 1):
            guard case .string(let path) = args[0] else { return nil }
            return .object(PathCheck(authorizer: self, path: path))
        case ("serviceAccount", 2):
            guard case .string(let namespace) = args[0], case .string(let name) = args[1] else { return nil }
            return .object(CELAuthorizer(rbac: rbac, user: .impersonating("system:serviceaccount:\(namespace):\(name)")))
        default: return nil
        }
    }

    func decide(_ request: RequestAttributes) -> CELValue {
        let (allowed, grants) = rbac.authorize(user, request)
        let reason = grants.first.map { "allowed by \($0)" } ?? ""
        return .object(Decision(allowed: allowed, reason: allowed ? reason : "no RBAC rule allows it"))
    }

    struct ResourceCheck: CELCallable {
        let authorizer: CELAuthorizer
        var group: String
        var resource = ""
        var subresource = ""
        var namespace = ""
        var name = ""

        var typeName: String { "kubernetes.authorization.ResourceCheck" }
        var description: String { "resourceCheck(\(group)/\(resource))" }
        func isEqual(to other: any CELObject) -> Bool { false }

        func call(_ member: String, _ args: [CELValue]) -> CELValue? {
            guard args.count == 1, case .string(let text) = args[0] else { return nil }
            var next = self
            switch member {
            case "resource": next.resource = text
            case "subresource": next.subresource = text
            case "namespace": next.namespace = text
            case "name": next.name = text
            case "check":
                return authorizer.decide(
                    RequestAttributes(verb: text, apiGroup: group, resource: resource, subresource: subresource, name: name, namespace: namespace))
            default: return nil
            }
            return .object(next)
        }
    }

    struct PathCheck: CELCallable {
        let authorizer: CELAuthorizer
        let path: String

        var typeName: String { "kubernetes.authorization.PathCheck" }
        var description: String { "pathCheck(\(path))" }
        func isEqual(to other: any CELObject) -> Bool { false }

        func call(_ member: String, _ args: [CELValue]) -> CELValue? {
            guard member == "check", args.count == 1, case .string(let verb) = args[0] else { return nil }
            return authorizer.decide(RequestAttributes(verb: verb, path: path))
        }
    }

    struct Decision: CELCallable {
        let allowed: Bool
        let reason: String

        var typeName: String { "kubernetes.authorization.Decision" }
        var description: String { allowed ? "allowed" : "denied" }
        func isEqual(to other: any CELObject) -> Bool { false }

        func call(_ member: String, _ args: [CELValue]) -> CELValue? {
            guard args.isEmpty else { return nil }
            switch member {
            case "allowed": return .bool(allowed)
            case "denied": return .bool(!allowed)
            case "reason": return .string(reason)
            // RBAC answers are never errors offline.
            case "errored": return .bool(false)
            case "error": return .string("")
            default: return nil
            }
        }
    }
}
