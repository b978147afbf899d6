/// Which functions, macros and language features the Kubernetes CEL base environment enables at
/// each Kubernetes version, so that `CELOptions.kubernetesVersion` can refuse what a given API
/// server's environment does not declare.
///
/// Source: kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/cel/environment/base.go`
/// (`baseOptsWithoutStrictCost`, each entry's `IntroducedVersion` / `RemovedVersion`), with the
/// function names of each library from `staging/src/k8s.io/apiserver/pkg/cel/library/` and
/// cel-go `ext/strings.go` (which strings functions each `StringsVersion` has).
///
/// The versions are the base environment's, i.e. the *compatibility version* an API server builds
/// its environment for. An API server checks newly written expressions against its minimum
/// compatibility version (n-1), which is why the "CEL in Kubernetes" page
/// (https://kubernetes.io/docs/reference/using-api/cel/) lists each library one minor release
/// later (quantity 1.29+, IP/CIDR 1.31+, format 1.32+, two-variable comprehensions 1.33+,
/// semver 1.34+). To ask "would an API server at 1.N accept this new expression", pass 1.(N-1).
enum KubernetesVersions {
    struct Version: Comparable, Sendable, CustomStringConvertible {
        var major: Int
        var minor: Int

        init(_ major: Int, _ minor: Int) {
            self.major = major
            self.minor = minor
        }

        static func < (a: Version, b: Version) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

        var description: String { self == KubernetesVersions.never ? "never" : "\(major).\(minor)" }
    }

    /// Present in this engine but not in the Kubernetes base environment at any version
    /// (cel-go `ext.Lists`, `ext.Bindings`, strings ext v3).
    static let never = Version(Int.max, Int.max)

    // base.go's IntroducedVersion of each entry.
    /// URLs, Regex, Lists, strings ext v0: "CEL epoch was actually 1.23, but we artificially set it to 1.0".
    static let epoch = Version(1, 0)
    /// Authz.
    static let authz = Version(1, 27)
    /// CrossTypeNumericComparisons, OptionalTypes, Quantity.
    static let optionalsAndQuantity = Version(1, 28)
    /// strings ext v2 (replacing v0, which base.go removes at 1.29) and ext.Sets.
    static let stringsV2AndSets = Version(1, 29)
    /// IP and CIDR.
    static let network = Version(1, 30)
    /// Format; also AuthzSelectors (behind the AuthorizeWithSelectors feature gate).
    static let format = Version(1, 31)
    /// ext.TwoVarComprehensions.
    static let twoVarComprehensions = Version(1, 32)
    /// Semver (SemverVersion 1) and Image.
    static let semver = Version(1, 33)

    /// Global (including namespaced) functions of the extension libraries.
    static let globals: [String: Version] = {
        var g: [String: Version] = [
            // URLs
            "url": epoch, "isURL": epoch,
            // cel.OptionalTypes()
            "optional.of": optionalsAndQuantity, "optional.none": optionalsAndQuantity,
            "optional.ofNonZeroValue": optionalsAndQuantity, "optional.unwrap": optionalsAndQuantity,
            // Quantity
            "quantity": optionalsAndQuantity, "isQuantity": optionalsAndQuantity,
            // strings ext: strings.quote is StringsVersion 1; Kubernetes goes from v0 to v2 at 1.29
            "strings.quote": stringsV2AndSets,
            // ext.Sets
            "sets.contains": stringsV2AndSets, "sets.equivalent": stringsV2AndSets, "sets.intersects": stringsV2AndSets,
            // IP and CIDR
            "ip": network, "isIP": network, "ip.isCanonical": network, "cidr": network, "isCIDR": network,
            // Format
            "format.named": format,
            // Semver
            "semver": semver, "isSemver": semver,
            // cel-go ext.Lists
            "lists.range": never,
        ]
        for name in CELFormat.validators.keys { g["format.\(name)"] = format }
        return g
    }()

    /// Member functions of the extension libraries. Names shared by several libraries
    /// (`indexOf` on strings and lists, `isGreaterThan` on quantities and semvers) carry the
    /// earliest version: the receiver types of the later library can only be made by its own
    /// constructors (`semver()`), which are refused until then.
    static let members: [String: Version] = [
        // strings ext v0
        "charAt": epoch, "indexOf": epoch, "lastIndexOf": epoch, "lowerAscii": epoch, "upperAscii": epoch,
        "replace": epoch, "split": epoch, "substring": epoch, "trim": epoch, "join": epoch,
        // Lists (indexOf and lastIndexOf above)
        "isSorted": epoch, "sum": epoch, "min": epoch, "max": epoch,
        // Regex
        "find": epoch, "findAll": epoch,
        // URLs
        "getScheme": epoch, "getHost": epoch, "getHostname": epoch, "getPort": epoch, "getEscapedPath": epoch,
        "getQuery": epoch,
        // Authz (the receivers are host objects such as the `authorizer` variable)
        "group": authz, "path": authz, "serviceAccount": authz, "resource": authz, "subresource": authz,
        "namespace": authz, "name": authz, "check": authz, "allowed": authz, "reason": authz, "errored": authz,
        "error": authz,
        // cel.OptionalTypes()
        "hasValue": optionalsAndQuantity, "value": optionalsAndQuantity, "or": optionalsAndQuantity,
        "orValue": optionalsAndQuantity,
        // Quantity (isGreaterThan, isLessThan and compareTo also serve Semver)
        "isInteger": optionalsAndQuantity, "asInteger": optionalsAndQuantity, "asApproximateFloat": optionalsAndQuantity,
        "sign": optionalsAndQuantity, "add": optionalsAndQuantity, "sub": optionalsAndQuantity,
        "isGreaterThan": optionalsAndQuantity, "isLessThan": optionalsAndQuantity, "compareTo": optionalsAndQuantity,
        // strings ext: format is StringsVersion 1; Kubernetes goes from v0 to v2 at 1.29
        "format": stringsV2AndSets,
        // IP
        "family": network, "isUnspecified": network, "isLoopback": network, "isGlobalUnicast": network,
        "isLinkLocalMulticast": network, "isLinkLocalUnicast": network,
        // CIDR (`ip` on a CIDR)
        "ip": network, "masked": network, "prefixLength": network, "containsIP": network, "containsCIDR": network,
        // Format
        "validate": format,
        // AuthzSelectors
        "fieldSelector": format, "labelSelector": format,
        // Semver
        "major": semver, "minor": semver, "patch": semver,
        // strings ext v3 (reverse) and cel-go ext.Lists
        "reverse": never, "slice": never, "flatten": never, "distinct": never, "sort": never, "first": never,
        "last": never,
    ]

    /// Macros outside the standard set, by the name cel-go declares them under.
    static func macro(_ c: Comprehension) -> (name: String, version: Version)? {
        switch c.kind {
        case .bind: return ("cel.bind", never)
        case .optMap: return ("optMap", optionalsAndQuantity)
        case .optFlatMap: return ("optFlatMap", optionalsAndQuantity)
        case .transformList: return ("transformList", twoVarComprehensions)
        case .transformMap: return ("transformMap", twoVarComprehensions)
        case .transformMapEntry: return ("transformMapEntry", twoVarComprehensions)
        case .all where c.var2 != nil: return ("all", twoVarComprehensions)
        case .exists where c.var2 != nil: return ("exists", twoVarComprehensions)
        case .existsOne where c.var2 != nil: return ("existsOne", twoVarComprehensions)
        default: return nil
        }
    }

    /// The version that introduced a global function; nil for the standard functions, which every
    /// version has. An extension function missing from the table counts as never enabled.
    static func introduced(global name: String) -> Version? {
        if let v = globals[name] { return v }
        return Extensions.globals[name] != nil ? never : nil
    }

    /// As `introduced(global:)`, for member functions. Names no library declares (methods of host
    /// objects) are left to the object.
    static func introduced(member name: String) -> Version? {
        if let v = members[name] { return v }
        return Extensions.members[name] != nil && Builtins.coreMembers[name] == nil ? never : nil
    }
}

extension CELOptions {
    /// The Kubernetes version as the table's type; nil when every library is enabled.
    var kubernetes: KubernetesVersions.Version? {
        kubernetesVersion.map { KubernetesVersions.Version($0.major, $0.minor) }
    }

    /// Whether something introduced at `version` is available under these options.
    func enables(_ version: KubernetesVersions.Version?) -> Bool {
        guard let version, let k = kubernetes else { return true }
        return version <= k
    }
}
