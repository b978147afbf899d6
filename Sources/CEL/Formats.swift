import Foundation

/// Kubernetes' `format` library: `format.dns1123Label().validate("my-name")` is `optional.none()`
/// when the string is valid, else `optional.of([...errors])` in apimachinery's words;
/// `format.named("dns1123Label")` looks a format up by name (`optional.none()` when unknown).
struct CELFormat: CELCallable, Hashable {
    let name: String

    var typeName: String { "kubernetes.NamedFormat" }
    var description: String { "format.\(name)()" }
    func isEqual(to other: any CELObject) -> Bool { (other as? CELFormat)?.name == name }

    func call(_ member: String, _ args: [CELValue]) -> CELValue? {
        guard member == "validate", args.count == 1, case .string(let text) = args[0] else { return nil }
        let errors = Self.validators[name]?(text) ?? []
        return errors.isEmpty ? .optional(nil) : .optional(.list(errors.map { .string($0) }))
    }

    static let dns1123LabelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
    static let dns1035LabelPattern = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let qualifiedNamePattern = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValuePattern = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"

    static func whole(_ pattern: String, _ text: String) -> Bool {
        text.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil
    }

    /// A length limit and a whole-string pattern, each failing with its own message.
    static func checked(_ text: String, maxLength: Int, pattern: String, message: String) -> [String] {
        var errors: [String] = []
        if text.count > maxLength { errors.append("must be no more than \(maxLength) characters") }
        if !whole(pattern, text) { errors.append(message + " regex used for validation is '\(pattern)')") }
        return errors
    }

    static func dns1123Label(_ text: String) -> [String] {
        checked(
            text, maxLength: 63, pattern: dns1123LabelPattern,
            message:
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc',"
        )
    }

    static func dns1123Subdomain(_ text: String) -> [String] {
        checked(
            text, maxLength: 253, pattern: dns1123SubdomainPattern,
            message:
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
        )
    }

    static func dns1035Label(_ text: String) -> [String] {
        checked(
            text, maxLength: 63, pattern: dns1035LabelPattern,
            message:
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123',"
        )
    }

    /// generateName prefixes: a trailing '-' is allowed (the generated suffix follows it).
    static func prefix(_ validate: @escaping @Sendable (String) -> [String]) -> @Sendable (String) -> [String] {
        { text in validate(text.hasSuffix("-") ? String(text.dropLast()) : text) }
    }

    static func qualifiedName(_ text: String) -> [String] {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let name: String
        var errors: [String] = []
        let nameMessage =
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '\(qualifiedNamePattern)')"
        switch parts.count {
        case 1: name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors += dns1123Subdomain(parts[0]).map { "prefix part " + $0 }
            }
        default:
            return ["a qualified name " + nameMessage + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        if !whole(qualifiedNamePattern, name) { errors.append("name part " + nameMessage) }
        return errors
    }

    static func labelValue(_ text: String) -> [String] {
        checked(
            text, maxLength: 63, pattern: labelValuePattern,
            message:
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345',"
        )
    }

    static func date(_ text: String, pattern: String, what: String) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.date(from: text) == nil ? ["invalid \(what)"] : []
    }

    static let validators: [String: @Sendable (String) -> [String]] = [
        "dns1123Label": dns1123Label, "dns1123Subdomain": dns1123Subdomain, "dns1035Label": dns1035Label,
        "dns1123LabelPrefix": prefix(dns1123Label), "dns1123SubdomainPrefix": prefix(dns1123Subdomain),
        "dns1035LabelPrefix": prefix(dns1035Label), "qualifiedName": qualifiedName, "labelValue": labelValue,
        "uri": { text in
            guard let url = URL(string: text), url.scheme != nil || text.hasPrefix("/") else { return ["invalid URI"] }
            return []
        },
        "uuid": { text in UUID(uuidString: text) == nil || text.count != 36 ? ["does not match the UUID format"] : [] },
        "byte": { text in Data(base64Encoded: text) == nil ? ["invalid base64"] : [] },
        "date": { text in date(text, pattern: "yyyy-MM-dd", what: "date") },
        "datetime": { text in ISO8601DateFormatter().date(from: text) == nil ? ["invalid datetime"] : [] },
    ]

    static let globals: [String: BuiltinFn] = {
        var functions: [String: BuiltinFn] = [:]
        for name in validators.keys {
            functions["format.\(name)"] = { args in args.isEmpty ? .object(CELFormat(name: name)) : CELError.noOverload("format.\(name)", args) }
        }
        functions["format.named"] = { args in
            guard args.count == 1, case .string(let name) = args[0] else { return CELError.noOverload("format.named", args) }
            return validators[name] == nil ? .optional(nil) : .optional(.object(CELFormat(name: name)))
        }
        return functions
    }()
}
