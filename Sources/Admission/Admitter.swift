import BrightKeysCore
import KubeModel
import PodSecurity
import Policy

/// A decision and what the server counts about it.
public struct AdmissionOutcome: Sendable {
    public var response: AdmissionResponse
    /// `denied`, `warned` or `allowed`.
    public var verdict: String {
        if !response.allowed { return "denied" }
        return response.warnings.isEmpty ? "allowed" : "warned"
    }
    /// The checks that denied the request: Pod Security control IDs (`privileged`) and brightkeys
    /// check IDs.
    public var deniedBy: [String] = []
}

/// Decides AdmissionReview requests: Pod Security Admission's semantics for the
/// `pod-security.kubernetes.io/*` namespace labels, and brightkeys' own checks (the same registry
/// `scan` runs) acting as the `admission:` configuration says.
///
/// Pure apart from the namespace lookup; one instance serves every request concurrently.
public struct Admitter: Sendable {
    public let settings: AdmissionSettings
    public let namespaces: any NamespaceSource
    let scanner: Scanner
    let defaults: NamespacePolicy
    let catalog: WorkloadCatalog

    /// Resources Pod Security Admission treats as pod controllers (warn and audit only).
    static let podControllers: Set<String> = [
        "/replicationcontrollers", "/podtemplates", "apps/replicasets", "apps/deployments", "apps/statefulsets", "apps/daemonsets",
        "batch/jobs", "batch/cronjobs",
    ]
    /// Pod subresources Pod Security Admission lets through without evaluating; any other (the
    /// main resource, `ephemeralcontainers`, `resize`, a future one) is evaluated.
    static let ignoredPodSubresources: Set<String> = ["exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"]

    /// CEL policies from `--policy` files (ValidatingAdmissionPolicy as the API server evaluates
    /// it, Kyverno, Gatekeeper).
    public let policies: CELPolicies

    public init(registry: CheckRegistry, config: ScanConfig, namespaces: any NamespaceSource, policies: CELPolicies = CELPolicies()) throws {
        // The Pod Security controls act through the namespace labels, not the thresholds.
        let own = try CheckRegistry(registry.checks.filter { $0.descriptor.pssControl == nil })
        let catalog = WorkloadCatalog(extra: config.podSpecPaths)
        var scanner = Scanner(registry: own, config: config, context: CheckContext(catalog: catalog))
        scanner.honorIgnoreAnnotations = config.admission.honorIgnoreAnnotations
        // Nothing at admission prints a finding's place: it is never worked out.
        scanner.resolvesLocations = false
        self.scanner = scanner
        self.catalog = catalog
        self.settings = config.admission
        self.namespaces = namespaces
        self.defaults = NamespacePolicy.defaults(config.admission.podSecurityDefaults)
        self.policies = policies
    }

    public func review(_ request: AdmissionRequest) async -> AdmissionOutcome {
        // Pod Security and the policies both read the namespace: it is looked up once, when first needed.
        let namespace = NamespaceMemo(name: request.namespace, source: namespaces)
        let policyVerdict = await evaluatePolicies(request, namespace: namespace)
        guard request.operation == .create || request.operation == .update, let objectNode = request.object else {
            return combine(request, object: nil, podSecurity: PodSecurityPart(), own: OwnPart(), policies: policyVerdict)
        }
        let groupResource = "\(request.resource.group)/\(request.resource.resource)"
        let object = KubeObject(file: "admission", root: objectNode)
        // Found once, for Pod Security and for the checks.
        let pod = catalog.podView(for: object)
        var podSecurity = PodSecurityPart()
        var evaluateOwnChecks = request.subResource.isEmpty
        switch groupResource {
        case "/namespaces":
            podSecurity = validateNamespace(request, object: object)
        case "/pods":
            // Metadata-only updates (labels, finalizers, owner references) are not checked again,
            // by Pod Security Admission or by brightkeys' checks.
            let significant = request.operation == .create || request.oldObject.map { PodUpdates.isSignificant(objectNode, old: $0) } ?? true
            evaluateOwnChecks = significant && (request.subResource.isEmpty || request.subResource == "ephemeralcontainers")
            podSecurity = await validatePod(request, object: object, pod: pod, significant: significant, namespace: namespace)
        default:
            if Self.podControllers.contains(groupResource) {
                podSecurity = await validatePodController(request, object: object, pod: pod, namespace: namespace)
            }
        }
        var own = OwnPart()
        if evaluateOwnChecks {
            own = evaluateChecks(object, pod: pod, old: request.oldObject)
        }
        return combine(request, object: object, podSecurity: podSecurity, own: own, policies: policyVerdict)
    }

    /// One request's namespace lookup, made at most once.
    final class NamespaceMemo {
        let name: String
        let source: any NamespaceSource
        private var found: NamespaceLookup?

        init(name: String, source: any NamespaceSource) {
            self.name = name
            self.source = source
        }

        func lookup() async -> NamespaceLookup {
            if let found { return found }
            let result = await source.lookup(name)
            found = result
            return result
        }
    }

    /// The ValidatingAdmissionPolicies' verdict; `namespaceObject` is built from the namespace
    /// source (name and labels: what it keeps).
    func evaluatePolicies(_ request: AdmissionRequest, namespace: NamespaceMemo) async -> PolicyVerdict {
        guard !policies.isEmpty else { return PolicyVerdict() }
        var namespaceObject: Node?
        if !request.namespace.isEmpty, case .found(let labels) = await namespace.lookup() {
            let labelNodes = Mapping(pairs: labels.keys.sorted().map { ($0, Node(.string(labels[$0] ?? ""))) })
            let metadata = Mapping(pairs: [("name", Node(.string(request.namespace))), ("labels", Node(.mapping(labelNodes)))])
            namespaceObject = Node(
                .mapping(Mapping(pairs: [("apiVersion", Node(.string("v1"))), ("kind", Node(.string("Namespace"))), ("metadata", Node(.mapping(metadata)))])))
        }
        let policyRequest = PolicyRequest(
            operation: request.operation.rawValue, object: request.object, oldObject: request.oldObject, group: request.kind.group,
            version: request.kind.version, kind: request.kind.kind, resource: request.resource.resource, subResource: request.subResource,
            name: request.name, namespace: request.namespace, username: request.userInfo.username, userGroups: request.userInfo.groups,
            dryRun: request.dryRun, namespaceObject: namespaceObject)
        return policies.evaluate(policyRequest)
    }

    // MARK: Pod Security Admission

    struct PodSecurityPart {
        /// A denial that is not a policy violation (a malformed pod, invalid namespace labels, a
        /// namespace that cannot be read): answered as it is.
        var denial: AdmissionStatus?
        /// The reason of a Forbidden denial, without the `pods "x" is forbidden: ` prefix; the
        /// status is made once every reason is known.
        var forbiddenReason: String?
        var isDenied: Bool { denial != nil || forbiddenReason != nil }
        var deniedBy: [String] = []
        var warnings: [String] = []
        var auditAnnotations: [String: String] = [:]
    }

    func isExemptNamespace(_ name: String) -> Bool { settings.exemptNamespaces.contains(name) }
    func isExemptUser(_ name: String) -> Bool { settings.exemptUsernames.contains(name) }

    func validateNamespace(_ request: AdmissionRequest, object: KubeObject) -> PodSecurityPart {
        guard request.subResource.isEmpty else { return PodSecurityPart() }
        let labels = object.labels
        let (_, errors) = NamespacePolicy.from(labels: labels, defaults: defaults)
        guard !errors.isEmpty else { return PodSecurityPart() }
        if request.operation == .update, let old = request.oldObject {
            let (_, oldErrors) = NamespacePolicy.from(labels: old.metadataLabels, defaults: defaults)
            // Unchanged invalid labels do not block other updates to the namespace.
            if !oldErrors.isEmpty && oldErrors == errors { return PodSecurityPart() }
        }
        let name = request.name.isEmpty ? object.name : request.name
        let details = errors.map(\.description)
        let body = details.count == 1 ? details[0] : "[" + details.joined(separator: ", ") + "]"
        var part = PodSecurityPart()
        part.denial = AdmissionStatus(code: 422, reason: "Invalid", message: "Namespace \(goQuote(name)) is invalid: \(body)")
        part.deniedBy = ["pod-security-labels"]
        return part
    }

    /// The namespace's policy, or the response Pod Security Admission gives when it cannot be
    /// looked up (allowed, with an `error` audit annotation).
    func policy(for memo: NamespaceMemo) async -> Result<(NamespacePolicy, [NamespacePolicy.LabelError]), PodSecurityPartError> {
        let namespace = memo.name
        switch await memo.lookup() {
        case .found(let labels): return .success(NamespacePolicy.from(labels: labels, defaults: defaults))
        case .notFound: return .failure(PodSecurityPartError(message: "failed to lookup namespace \(namespace): namespaces \(goQuote(namespace)) not found"))
        case .unavailable(let reason): return .failure(PodSecurityPartError(message: "failed to lookup namespace \(namespace): \(reason)"))
        }
    }

    struct PodSecurityPartError: Error {
        let message: String
    }

    func validatePod(_ request: AdmissionRequest, object: KubeObject, pod: PodView?, significant: Bool, namespace: NamespaceMemo) async
        -> PodSecurityPart
    {
        if Self.ignoredPodSubresources.contains(request.subResource) { return PodSecurityPart() }
        if isExemptNamespace(request.namespace) { return PodSecurityPart(auditAnnotations: ["exempt": "namespace"]) }
        if isExemptUser(request.userInfo.username) { return PodSecurityPart(auditAnnotations: ["exempt": "user"]) }
        let policy: NamespacePolicy
        let errors: [NamespacePolicy.LabelError]
        switch await self.policy(for: namespace) {
        case .failure:
            // Pods fail closed when their namespace cannot be read, as upstream.
            let message = "Internal error occurred: failed to lookup namespace \(request.namespace)"
            var part = PodSecurityPart(auditAnnotations: ["error": message])
            part.denial = AdmissionStatus(code: 500, reason: "InternalError", message: message)
            part.deniedBy = ["namespace-lookup"]
            return part
        case .success(let found): (policy, errors) = found
        }
        if errors.isEmpty && policy.fullyPrivileged {
            return PodSecurityPart(auditAnnotations: ["enforce-policy": LevelVersion(.privileged).description])
        }
        guard object.kind == "Pod", let pod else {
            var part = PodSecurityPart(auditAnnotations: ["error": "failed to decode pod"])
            part.denial = AdmissionStatus(code: 400, reason: "BadRequest", message: "failed to decode pod")
            return part
        }
        if !significant { return PodSecurityPart() }
        return evaluate(pod, policy: policy, errors: errors, request: request, enforce: true)
    }

    func validatePodController(_ request: AdmissionRequest, object: KubeObject, pod: PodView?, namespace: NamespaceMemo) async -> PodSecurityPart {
        guard request.subResource.isEmpty else { return PodSecurityPart() }
        if isExemptNamespace(request.namespace) { return PodSecurityPart(auditAnnotations: ["exempt": "namespace"]) }
        if isExemptUser(request.userInfo.username) { return PodSecurityPart(auditAnnotations: ["exempt": "user"]) }
        let policy: NamespacePolicy
        let errors: [NamespacePolicy.LabelError]
        switch await self.policy(for: namespace) {
        case .failure(let failure):
            // Controllers are never denied: a lookup failure is only recorded.
            return PodSecurityPart(auditAnnotations: ["error": failure.message])
        case .success(let found): (policy, errors) = found
        }
        let enforceOnWorkloads = settings.enforceOnWorkloads
        if errors.isEmpty && policy.warn.level == .privileged && policy.audit.level == .privileged
            && !(enforceOnWorkloads && policy.enforce.level != .privileged)
        {
            return PodSecurityPart()
        }
        // A controller whose (optional) pod template is absent has nothing to evaluate.
        guard let pod else { return PodSecurityPart() }
        return evaluate(pod, policy: policy, errors: errors, request: request, enforce: enforceOnWorkloads)
    }

    /// Evaluates the enforce, audit and warn levels, each once per distinct level and version.
    func evaluate(
        _ pod: PodView, policy: NamespacePolicy, errors: [NamespacePolicy.LabelError], request: AdmissionRequest, enforce: Bool
    ) -> PodSecurityPart {
        var part = PodSecurityPart()
        // `enforce-policy`, `audit-violations`, `error` or `exempt`, and `brightkeys-findings`
        // added later: room for them at once.
        part.auditAnnotations.reserveCapacity(4)
        if let runtimeClass = pod.spec["runtimeClassName"]?.string, settings.exemptRuntimeClasses.contains(runtimeClass) {
            part.auditAnnotations["exempt"] = "runtimeClass"
            return part
        }
        if !errors.isEmpty {
            part.auditAnnotations["error"] = "Failed to parse policy: " + Self.aggregate(errors.map(\.description))
        }
        // The modes usually share a level and version: each distinct one is evaluated once (three
        // slots at most, kept without allocating).
        var evaluated: (LevelFindings?, LevelFindings?, LevelFindings?)
        func violations(_ levelVersion: LevelVersion) -> [PSSViolation] {
            func known(_ slot: LevelFindings?) -> [PSSViolation]? { slot?.levelVersion == levelVersion ? slot?.violations : nil }
            if let found = known(evaluated.0) ?? known(evaluated.1) ?? known(evaluated.2) { return found }
            let found =
                levelVersion.level == .privileged
                ? [] : PodSecurityEvaluator.evaluate(pod, level: levelVersion.level, version: levelVersion.effectiveVersion)
            let made = LevelFindings(levelVersion: levelVersion, violations: found)
            if evaluated.0 == nil { evaluated.0 = made } else if evaluated.1 == nil { evaluated.1 = made } else { evaluated.2 = made }
            return found
        }
        // `violates PodSecurity "restricted:latest": reason (detail), reason (detail)`.
        func message(_ prefix: StaticString, _ levelVersion: LevelVersion, _ found: [PSSViolation]) -> String {
            let label = levelVersion.description
            return String.assembled { text in
                text.append(prefix)
                text.append(" PodSecurity \"")
                text.append(label)
                text.append("\": ")
                // By index: the fields are read in place, without copying each violation.
                for index in found.indices {
                    if index > 0 { text.append(", ") }
                    text.append(found[index].reason)
                    text.append(" (")
                    text.append(found[index].detail)
                    text.append(")")
                }
            }
        }
        if enforce {
            part.auditAnnotations["enforce-policy"] = policy.enforce.description
            let found = violations(policy.enforce)
            if !found.isEmpty {
                part.forbiddenReason = message("violates", policy.enforce, found)
                part.deniedBy = found.map(\.check)
            }
        }
        let audited = violations(policy.audit)
        if !audited.isEmpty {
            part.auditAnnotations["audit-violations"] = message("would violate", policy.audit, audited)
        }
        // No warnings on a request that is denied anyway.
        if !part.isDenied {
            let warned = violations(policy.warn)
            if !warned.isEmpty { part.warnings.append(message("would violate", policy.warn, warned)) }
        }
        return part
    }

    /// One level's violations, found once per request.
    struct LevelFindings {
        let levelVersion: LevelVersion
        let violations: [PSSViolation]
    }

    /// Go's aggregate error text: one error as it is, several in brackets.
    static func aggregate(_ messages: [String]) -> String {
        messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
    }

    /// The API server's Forbidden status: `pods "name" is forbidden: reason; reason`.
    static func forbiddenStatus(_ request: AdmissionRequest, _ object: KubeObject, _ reasons: [String]) -> AdmissionStatus {
        let resource = request.resource.resource
        let group = request.resource.group
        let name = request.name.isEmpty ? object.metadata?["name"]?.string ?? "" : request.name
        let message = String.assembled { text in
            text.append(resource)
            if !group.isEmpty {
                text.append(".")
                text.append(group)
            }
            if !name.isEmpty {
                text.append(" ")
                appendGoQuoted(name, to: &text)
            }
            text.append(" is forbidden: ")
            text.append(reasons, separator: "; ")
        }
        return AdmissionStatus(code: 403, reason: "Forbidden", message: message, name: name, group: group, kind: resource)
    }

    // MARK: brightkeys checks

    struct OwnPart {
        var enforced: [Finding] = []
        var warned: [Finding] = []
        var audited: [Finding] = []

        mutating func assign(_ findings: [Finding], to mode: AdmissionMode) {
            // An empty list takes the other's storage instead of copying its elements.
            func add(_ list: inout [Finding]) { if list.isEmpty { list = findings } else { list += findings } }
            switch mode {
            case .enforce: add(&enforced)
            case .warn: add(&warned)
            case .audit: add(&audited)
            case .off: break
            }
        }
    }

    func evaluateChecks(_ object: KubeObject, pod: PodView?, old: Node?) -> OwnPart {
        var report = ScanReport()
        scanner.evaluate(object, pod: pod, into: &report)
        var part = OwnPart()
        guard !report.findings.isEmpty else { return part }
        // On UPDATE, what the old object already had is not denied again (a workload created
        // before a policy must stay manageable); it is warned about instead.
        var existing = Set<String>()
        if let old {
            var oldReport = ScanReport()
            scanner.evaluate(KubeObject(file: "admission", root: old), into: &oldReport)
            existing = Set(oldReport.findings.map { "\($0.checkID) \($0.path) \($0.message)" })
        }
        func mode(_ finding: Finding) -> AdmissionMode {
            let mode = settings.mode(of: finding.descriptor, severity: finding.severity)
            if mode == .enforce && !existing.isEmpty && existing.contains("\(finding.checkID) \(finding.path) \(finding.message)") {
                return .warn
            }
            return mode
        }
        // Usually every finding acts alike: the scanner's list is then passed on, not copied.
        let first = mode(report.findings[0])
        if report.findings.dropFirst().allSatisfy({ mode($0) == first }) {
            part.assign(report.findings, to: first)
            return part
        }
        for finding in report.findings {
            part.assign([finding], to: mode(finding))
        }
        return part
    }

    /// HTTP codes of the Status reasons a validation may give.
    static func code(forReason reason: String) -> Int {
        switch reason {
        case "Unauthorized": return 401
        case "Forbidden": return 403
        case "RequestEntityTooLarge": return 413
        default: return 422
        }
    }

    /// `BK-IMG-001 image-latest-tag (medium): message`, appended.
    static func describe(_ finding: Finding, into text: inout TextAssembly) {
        text.append(finding.descriptor.summaryPrefix(finding.severity))
        text.append(finding.message)
    }

    /// Every finding described, with `prefix` before the first and `; ` between them.
    static func describe(_ findings: some Collection<Finding>, prefix: StaticString = "") -> String {
        String.assembled { text in
            text.append(prefix)
            // By index: each finding is read in place, not copied.
            for index in findings.indices {
                if index != findings.startIndex { text.append("; ") }
                describe(findings[index], into: &text)
            }
        }
    }

    /// Warnings the API server passes on keep short: at most this many for brightkeys' findings.
    static let maxOwnWarnings = 10

    func combine(_ request: AdmissionRequest, object: KubeObject?, podSecurity: PodSecurityPart, own: OwnPart, policies: PolicyVerdict)
        -> AdmissionOutcome
    {
        var response = AdmissionResponse(uid: request.uid, allowed: true)
        // Pod Security's annotations are taken whole (they were made with room for one more);
        // the policies' are added to them.
        response.auditAnnotations = podSecurity.auditAnnotations
        if !policies.auditAnnotations.isEmpty {
            response.auditAnnotations.reserveCapacity(response.auditAnnotations.count + policies.auditAnnotations.count + 2)
            for (key, value) in policies.auditAnnotations { response.auditAnnotations[key] = value }
        }
        let policyAudits = policies.violations.filter { $0.actions.contains(.audit) }
        if !policyAudits.isEmpty {
            // The API server's own annotation for Audit actions: a JSON list of failures.
            var text = "["
            for (index, violation) in policyAudits.enumerated() {
                if index > 0 { text += "," }
                text += "{\"message\":"
                JSONString.append(violation.message, to: &text)
                text += ",\"policy\":"
                JSONString.append(violation.policy, to: &text)
                text += ",\"binding\":"
                JSONString.append(violation.binding, to: &text)
                text += ",\"validationActions\":[" + violation.actions.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]}"
            }
            response.auditAnnotations["validation.policy.admission.k8s.io/validation_failure"] = text + "]"
        }
        let policyDenials = policies.violations.filter { $0.actions.contains(.deny) }
        // Built here and put into the outcome once, at the end: the response is not copied.
        var deniedBy = policyDenials.map { "\($0.policy)/\($0.binding)" }
        if !policyDenials.isEmpty && !podSecurity.isDenied && own.enforced.isEmpty {
            // Only policies deny: the API server's own status for a ValidatingAdmissionPolicy.
            let first = policyDenials[0]
            response.allowed = false
            response.status = AdmissionStatus(
                code: Self.code(forReason: first.reason), reason: first.reason, message: policyDenials.map(\.denialMessage).joined(separator: "; "))
            return AdmissionOutcome(response: response, deniedBy: deniedBy)
        }
        var reasons: [String] = policyDenials.map(\.denialMessage)
        if let denial = podSecurity.denial {
            // A malformed object or invalid namespace labels: answered as Pod Security Admission does.
            response.allowed = false
            response.status = denial
            return AdmissionOutcome(response: response, deniedBy: podSecurity.deniedBy)
        }
        if let reason = podSecurity.forbiddenReason {
            reasons.append(reason)
            deniedBy = deniedBy.isEmpty ? podSecurity.deniedBy : deniedBy + podSecurity.deniedBy
        }
        if !own.enforced.isEmpty {
            reasons.append(Self.describe(own.enforced, prefix: "violates brightkeys policy: "))
            deniedBy += own.enforced.map(\.checkID)
        }
        let object = object ?? KubeObject(file: "admission", root: request.object ?? Node(.null))
        if !reasons.isEmpty {
            response.allowed = false
            response.status = Self.forbiddenStatus(request, object, reasons)
        } else {
            response.warnings = podSecurity.warnings + policies.violations.filter { $0.actions.contains(.warn) }.map(\.warningMessage)
            let warned = own.warned
            response.warnings += warned.prefix(Self.maxOwnWarnings).map { Self.describe(CollectionOfOne($0), prefix: "brightkeys ") }
            if warned.count > Self.maxOwnWarnings {
                response.warnings.append("brightkeys: \(warned.count - Self.maxOwnWarnings) more findings (run brightkeys scan on the object)")
            }
        }
        // Warnings are not shown for a denied request: its warned findings are recorded instead.
        let audited = response.allowed || own.warned.isEmpty ? own.audited : own.audited.isEmpty ? own.warned : own.warned + own.audited
        if !audited.isEmpty {
            response.auditAnnotations["brightkeys-findings"] = Self.describe(audited)
        }
        return AdmissionOutcome(response: response, deniedBy: deniedBy)
    }
}
