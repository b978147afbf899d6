import KubeModel

/// `group/version, Kind=kind` of the object in a request.
public struct GroupVersionKind: Sendable, Equatable {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }
}

/// The resource a request is about (`apps/v1 deployments`).
public struct GroupVersionResource: Sendable, Equatable {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }
}

/// Who sent the request, as the API server authenticated them.
public struct UserInfo: Sendable, Equatable {
    public var username: String
    public var uid: String
    public var groups: [String]

    public init(username: String, uid: String = "", groups: [String] = []) {
        self.username = username
        self.uid = uid
        self.groups = groups
    }
}

public enum AdmissionOperation: String, Sendable {
    case create = "CREATE"
    case update = "UPDATE"
    case delete = "DELETE"
    case connect = "CONNECT"
}

/// The `request` of an `admission.k8s.io/v1` (or `v1beta1`) AdmissionReview.
public struct AdmissionRequest: Sendable {
    public var uid: String
    public var kind: GroupVersionKind
    public var resource: GroupVersionResource
    public var subResource: String
    public var name: String
    public var namespace: String
    public var operation: AdmissionOperation
    public var userInfo: UserInfo
    public var object: Node?
    public var oldObject: Node?
    public var dryRun: Bool

    public init(
        uid: String, kind: GroupVersionKind, resource: GroupVersionResource, subResource: String = "", name: String = "", namespace: String = "",
        operation: AdmissionOperation, userInfo: UserInfo = UserInfo(username: ""), object: Node? = nil, oldObject: Node? = nil, dryRun: Bool = false
    ) {
        self.uid = uid
        self.kind = kind
        self.resource = resource
        self.subResource = subResource
        self.name = name
        self.namespace = namespace
        self.operation = operation
        self.userInfo = userInfo
        self.object = object
        self.oldObject = oldObject
        self.dryRun = dryRun
    }
}

/// A request body that is not an AdmissionReview the webhook can answer: the reason is precise,
/// with a position when the JSON itself is broken.
public struct AdmissionDecodeError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}

/// An AdmissionReview as received: its API version (answered in kind) and its request.
public struct AdmissionReview: Sendable {
    public static let versions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"]

    public var apiVersion: String
    public var request: AdmissionRequest

    public init(apiVersion: String = "admission.k8s.io/v1", request: AdmissionRequest) {
        self.apiVersion = apiVersion
        self.request = request
    }

    /// Decodes a request body.
    public static func decode(_ body: [UInt8], parser: JSONParser = JSONParser()) throws(AdmissionDecodeError) -> AdmissionReview {
        try body.withUnsafeBytes { bytes in Result { () throws(AdmissionDecodeError) in try decode(bytes, parser: parser) } }.get()
    }

    /// The same, from bytes held elsewhere (the server's request buffer), read without a copy.
    public static func decode(_ body: UnsafeRawBufferPointer, parser: JSONParser = JSONParser()) throws(AdmissionDecodeError) -> AdmissionReview {
        let root: Node
        do {
            root = try parser.parse(body)
        } catch {
            throw AdmissionDecodeError(message: "malformed JSON at line \(error.position.line), column \(error.position.column): \(error.message)")
        }
        return try decode(root)
    }

    public static func decode(_ root: Node) throws(AdmissionDecodeError) -> AdmissionReview {
        guard root.mapping != nil else { throw AdmissionDecodeError(message: "the body must be a JSON object (an AdmissionReview)") }
        let apiVersion = try field(root, "apiVersion", in: "")
        guard versions.contains(apiVersion) else {
            throw AdmissionDecodeError(message: "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got \(quoted(apiVersion))")
        }
        let kind = try field(root, "kind", in: "")
        guard kind == "AdmissionReview" else { throw AdmissionDecodeError(message: "kind must be AdmissionReview, got \(quoted(kind))") }
        guard let request = root["request"], !request.isNull else { throw AdmissionDecodeError(message: "request is missing") }
        guard request.mapping != nil else { throw AdmissionDecodeError(message: "request must be an object") }
        let uid = try field(request, "uid", in: "request.")
        guard !uid.isEmpty else { throw AdmissionDecodeError(message: "request.uid is empty") }
        let operationText = try field(request, "operation", in: "request.")
        guard let operation = AdmissionOperation(rawValue: operationText) else {
            throw AdmissionDecodeError(message: "request.operation must be CREATE, UPDATE, DELETE or CONNECT, got \(quoted(operationText))")
        }
        guard let kindNode = request["kind"], kindNode.mapping != nil else { throw AdmissionDecodeError(message: "request.kind is missing") }
        guard let resourceNode = request["resource"], resourceNode.mapping != nil else {
            throw AdmissionDecodeError(message: "request.resource is missing")
        }
        let gvk = GroupVersionKind(
            group: try optionalField(kindNode, "group", in: "request.kind."), version: try field(kindNode, "version", in: "request.kind."),
            kind: try field(kindNode, "kind", in: "request.kind."))
        let gvr = GroupVersionResource(
            group: try optionalField(resourceNode, "group", in: "request.resource."),
            version: try field(resourceNode, "version", in: "request.resource."),
            resource: try field(resourceNode, "resource", in: "request.resource."))
        var user = UserInfo(username: "")
        if let info = request["userInfo"], !info.isNull {
            guard info.mapping != nil else { throw AdmissionDecodeError(message: "request.userInfo must be an object") }
            user.username = try optionalField(info, "username", in: "request.userInfo.")
            user.uid = try optionalField(info, "uid", in: "request.userInfo.")
            if let groups = info["groups"], !groups.isNull {
                guard let items = groups.sequence, items.allSatisfy({ $0.string != nil }) else {
                    throw AdmissionDecodeError(message: "request.userInfo.groups must be a list of strings")
                }
                user.groups = items.compactMap(\.string)
            }
        }
        let object = try objectField(request, "object")
        let oldObject = try objectField(request, "oldObject")
        switch operation {
        case .create, .connect:
            guard object != nil else { throw AdmissionDecodeError(message: "request.object is missing (a \(operation.rawValue) request carries the object)") }
        case .update:
            guard object != nil else { throw AdmissionDecodeError(message: "request.object is missing (an UPDATE request carries the object)") }
            guard oldObject != nil else { throw AdmissionDecodeError(message: "request.oldObject is missing (an UPDATE request carries the old object)") }
        case .delete: break
        }
        var dryRun = false
        if let flag = request["dryRun"], !flag.isNull {
            guard let value = flag.bool else { throw AdmissionDecodeError(message: "request.dryRun must be true or false") }
            dryRun = value
        }
        let parsed = AdmissionRequest(
            uid: uid, kind: gvk, resource: gvr, subResource: try optionalField(request, "subResource", in: "request."),
            name: try optionalField(request, "name", in: "request."), namespace: try optionalField(request, "namespace", in: "request."),
            operation: operation, userInfo: user, object: object, oldObject: oldObject, dryRun: dryRun)
        return AdmissionReview(apiVersion: apiVersion, request: parsed)
    }

    public static func quoted(_ text: String) -> String {
        var output = ""
        JSONString.append(String(text.prefix(100)), to: &output)
        return output
    }

    static func field(_ node: Node, _ key: String, in prefix: String) throws(AdmissionDecodeError) -> String {
        guard let value = node[key], !value.isNull else { throw AdmissionDecodeError(message: "\(prefix)\(key) is missing") }
        guard let text = value.string else { throw AdmissionDecodeError(message: "\(prefix)\(key) must be a string") }
        return text
    }

    static func optionalField(_ node: Node, _ key: String, in prefix: String) throws(AdmissionDecodeError) -> String {
        guard let value = node[key], !value.isNull else { return "" }
        guard let text = value.string else { throw AdmissionDecodeError(message: "\(prefix)\(key) must be a string") }
        return text
    }

    static func objectField(_ node: Node, _ key: String) throws(AdmissionDecodeError) -> Node? {
        guard let value = node[key], !value.isNull else { return nil }
        guard value.mapping != nil else { throw AdmissionDecodeError(message: "request.\(key) must be a JSON object") }
        return value
    }
}

/// `status` of a response that denies.
public struct AdmissionStatus: Sendable, Equatable {
    public var code: Int
    public var reason: String
    public var message: String
    /// `details` of the Status: the object's name, and the resource's group and plural.
    public var name = ""
    public var group = ""
    public var kind = ""

    public init(code: Int, reason: String, message: String, name: String = "", group: String = "", kind: String = "") {
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
    }
}

/// The answer to one request.
public struct AdmissionResponse: Sendable, Equatable {
    public var uid: String
    public var allowed: Bool
    public var status: AdmissionStatus?
    public var warnings: [String] = []
    /// Keys without the webhook's name: the API server prefixes them with it.
    public var auditAnnotations: [String: String] = [:]

    public init(uid: String, allowed: Bool, status: AdmissionStatus? = nil, warnings: [String] = [], auditAnnotations: [String: String] = [:]) {
        self.uid = uid
        self.allowed = allowed
        self.status = status
        self.warnings = warnings
        self.auditAnnotations = auditAnnotations
    }

    /// The whole AdmissionReview body answering a request sent as `apiVersion`.
    public func encode(apiVersion: String = "admission.k8s.io/v1") -> [UInt8] {
        var output: [UInt8] = []
        // Room for everything, with some for escapes: the answer is written without growing.
        var size = 320 + uid.utf8.count + (status.map { $0.message.utf8.count + $0.name.utf8.count } ?? 0)
        for warning in warnings { size += warning.utf8.count + 8 }
        for (key, value) in auditAnnotations { size += key.utf8.count + value.utf8.count + 8 }
        output.reserveCapacity(size + size / 8)
        func raw(_ text: StaticString) {
            text.withUTF8Buffer { output.append(contentsOf: $0) }
        }
        raw("{\"apiVersion\":")
        JSONString.append(apiVersion, to: &output)
        raw(",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":")
        JSONString.append(uid, to: &output)
        raw(allowed ? ",\"allowed\":true" : ",\"allowed\":false")
        // The field order and the Status shape of the API server's own encoding.
        if let status {
            raw(",\"status\":{\"metadata\":{},\"status\":\"Failure\",\"message\":")
            JSONString.append(status.message, to: &output)
            if !status.reason.isEmpty {
                raw(",\"reason\":")
                JSONString.append(status.reason, to: &output)
            }
            if !status.name.isEmpty || !status.group.isEmpty || !status.kind.isEmpty {
                raw(",\"details\":{")
                var first = true
                func detail(_ key: StaticString, _ value: String) {
                    guard !value.isEmpty else { return }
                    if !first { output.append(UInt8(ascii: ",")) }
                    first = false
                    raw(key)
                    JSONString.append(value, to: &output)
                }
                detail("\"name\":", status.name)
                detail("\"group\":", status.group)
                detail("\"kind\":", status.kind)
                output.append(UInt8(ascii: "}"))
            }
            raw(",\"code\":")
            output.append(contentsOf: String(status.code).utf8)
            output.append(UInt8(ascii: "}"))
        }
        if !auditAnnotations.isEmpty {
            raw(",\"auditAnnotations\":{")
            let keys = auditAnnotations.count == 1 ? Array(auditAnnotations.keys) : auditAnnotations.keys.sorted()
            for (index, key) in keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONString.append(key, to: &output)
                output.append(UInt8(ascii: ":"))
                JSONString.append(auditAnnotations[key] ?? "", to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        if !warnings.isEmpty {
            raw(",\"warnings\":[")
            for (index, warning) in warnings.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONString.append(warning, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        raw("}}")
        return output
    }
}
