#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decides whether a literal value in a manifest is a credential, without ever returning it.
enum CredentialDetector {
    /// Why a value was judged a credential; printed instead of the value.
    enum Reason: Equatable {
        case credentialName
        case format(String)
        case highEntropy
        case urlWithPassword

        var text: String {
            switch self {
            case .credentialName: return "its name marks it as a credential"
            case .format(let name): return "it looks like \(name)"
            case .highEntropy: return "it is a long random-looking string"
            case .urlWithPassword: return "it is a URL with a password in it"
            }
        }
    }

    private static let credentialWords: Set<String> = [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials",
        "privatekey", "accesskey", "secretkey", "pass", "auth",
    ]
    /// Words that, at the end of a name, say the value is about a credential but is not one.
    private static let qualifierWords: Set<String> = [
        "file", "path", "dir", "name", "names", "ref", "user", "username", "host", "port", "enabled", "disabled",
        "length", "size", "ttl", "timeout", "expiry", "expiration", "type", "mode", "header", "endpoint", "count",
        "policy", "id", "url", "uri", "key_id", "field", "env", "var", "location", "provider", "method", "hash",
        "algorithm", "version", "format", "audience", "issuer", "scope", "scopes", "duration", "interval",
        "secretname", "configmap", "mount", "volume", "role", "pattern", "regex", "namespace", "ns", "rotation",
    ]
    /// Words that make the whole name a switch, not a credential (`MYSQL_ALLOW_EMPTY_PASSWORD`).
    private static let switchWords: Set<String> = ["allow", "enable", "disable", "require", "use", "skip", "generate", "random", "max", "min"]

    /// Splits `MYSQL_ROOT_PASSWORD`, `dbPassword`, `api-key` into lowercase words, joining
    /// `api key` → `apikey`, `private key` → `privatekey` and so on.
    static func words(_ name: String) -> [String] {
        let words = name.utf8.allSatisfy { $0 < 0x80 } ? asciiWords(name) : characterWords(name)
        var joined: [String] = []
        for word in words {
            if let last = joined.last, word == "key", ["api", "private", "access", "secret", "encryption", "signing", "master"].contains(last) {
                joined[joined.count - 1] = last == "encryption" || last == "signing" || last == "master" ? "secretkey" : last + "key"
            } else {
                joined.append(word)
            }
        }
        return joined
    }

    /// The split of an ASCII name (nearly every name), over its bytes: for ASCII, Character's
    /// upper case, lower case and number are exactly A-Z, a-z and 0-9.
    static func asciiWords(_ name: String) -> [String] {
        var words: [String] = []
        var name = name
        name.withUTF8 { bytes in
            var start = 0
            var previousLower = false
            func flush(_ end: Int) {
                guard end > start else { return }
                words.append(
                    String(unsafeUninitializedCapacity: end - start) { word in
                        for offset in 0..<(end - start) { word[offset] = lowercased(bytes[start + offset]) }
                        return end - start
                    })
            }
            for (index, byte) in bytes.enumerated() {
                if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: " ") {
                    flush(index)
                    start = index + 1
                    previousLower = false
                    continue
                }
                if isUpper(byte) && previousLower {
                    flush(index)
                    start = index
                }
                previousLower = (byte >= 0x61 && byte <= 0x7A) || isDigit(byte)
            }
            flush(bytes.count)
        }
        return words
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    /// The split of any other name, by characters.
    static func characterWords(_ name: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousLower = false
        for character in name {
            if character == "_" || character == "-" || character == "." || character == " " {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousLower = false
                continue
            }
            if character.isUppercase && previousLower {
                words.append(current)
                current = ""
            }
            current.append(Character(character.lowercased()))
            previousLower = character.isLowercase || character.isNumber
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// True when a variable or key name says it holds a credential.
    static func isCredentialName(_ name: String) -> Bool {
        guard mayNameCredential(name) else { return false }
        let parts = words(name)
        guard let last = parts.last else { return false }
        if parts.contains(where: switchWords.contains) { return false }
        if qualifierWords.contains(last) { return false }
        // `credentialsSecret`, `api-token-secret`: the name of a Secret object, not a secret.
        if last == "secret", parts.dropLast().contains(where: credentialWords.contains) { return false }
        return parts.contains(where: credentialWords.contains)
    }

    /// Every credential word contains one of these stems; text without any of them cannot name a
    /// credential, which lets the hot paths skip the word splitting.
    private static let stems: [[UInt8]] = ["pass", "pwd", "secret", "token", "key", "credential", "auth"].map { Array($0.utf8) }

    /// A cheap, case-insensitive test: does `text` contain a credential stem at all?
    static func mayNameCredential<S: StringProtocol>(_ text: S) -> Bool {
        mayNameCredential(bytes: text.utf8)
    }

    /// The same over raw bytes, without allocating.
    static func mayNameCredential<C: Collection>(bytes: C) -> Bool where C.Element == UInt8 {
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let first = bytes[index] | 0x20
            // Only the first letters of the stems can start a match: p, s, t, k, c, a.
            if first == 0x70 || first == 0x73 || first == 0x74 || first == 0x6B || first == 0x63 || first == 0x61 {
                for stem in stems where stem[0] == first {
                    var probe = index
                    var matched = 0
                    while matched < stem.count, probe != bytes.endIndex, bytes[probe] | 0x20 == stem[matched] {
                        matched += 1
                        probe = bytes.index(after: probe)
                    }
                    if matched == stem.count { return true }
                }
            }
            index = bytes.index(after: index)
        }
        return false
    }

    private static let placeholderPrefixes = ["INSERT_", "REPLACE", "YOUR_", "CHANGE_ME_TO"]
    private static let placeholderWords = ["true", "false", "yes", "no", "none", "null", "nil", "empty", "~", "-", "''", "\"\""]

    /// True for values that stand for something to fill in rather than a real value.
    static func isPlaceholder(_ value: String) -> Bool {
        let cut = value.trimmedASCII()
        // Most values have nothing to trim: then the value itself is read, not a copy.
        let trimmed = cut.utf8.count == value.utf8.count ? value : String(cut)
        if trimmed.isEmpty { return true }
        if trimmed.containsBytes("$(") || trimmed.containsBytes("${") || trimmed.containsBytes("{{") { return true }
        if trimmed.hasPrefix("<") && trimmed.hasSuffix(">") { return true }
        if placeholderPrefixes.contains(where: trimmed.hasPrefixIgnoringASCIICase) || trimmed.hasSuffixIgnoringASCIICase("_VAL") { return true }
        // An environment-variable-like name (`HF_TOKEN`) points at a value; it is not one.
        if isVariableName(trimmed) { return true }
        if placeholderWords.contains(where: trimmed.equalsIgnoringASCIICase) { return true }
        if trimmed.hasPrefix("/") && !trimmed.contains(" ") { return true }  // a path to a mounted file
        return false
    }

    /// `HF_TOKEN`: over two characters, all upper case letters, digits and `_`, with an `_` or
    /// over twelve characters.
    static func isVariableName(_ text: String) -> Bool {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            let bytes = text.utf8
            return bytes.count > 2 && bytes.allSatisfy { isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
                && (bytes.contains(UInt8(ascii: "_")) || bytes.count > 12)
        }
        return text.count > 2 && text.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) && (text.contains("_") || text.count > 12)
    }

    /// Known token formats, in the order they are tried.
    static func knownFormat(_ value: String) -> String? {
        if value.containsBytes("-----BEGIN") && value.containsBytes("PRIVATE KEY") { return "a private key" }
        if let offset = value.firstByteOffset(of: "AKIA") ?? value.firstByteOffset(of: "ASIA") {
            let rest = value.utf8.dropFirst(offset + 4).prefix(16)
            if rest.count == 16, rest.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) }) { return "an AWS access key ID" }
        }
        if value.hasPrefix("eyJ") {
            let parts = value.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 3, parts[1].hasPrefix("eyJ"), parts.allSatisfy({ $0.count >= 4 && $0.allSatisfy(isBase64URL) }) {
                return "a JSON Web Token"
            }
        }
        for (prefix, name, length) in tokenPrefixes where value.hasPrefix(prefix) {
            let body = value.dropFirst(prefix.count)
            if body.count >= length, body.allSatisfy({ isBase64URL($0) }) { return name }
        }
        return nil
    }

    /// Token prefixes, what they are, and the shortest body after them.
    private static let tokenPrefixes: [(String, String, Int)] = [
        ("ghp_", "a GitHub token", 36), ("gho_", "a GitHub token", 36), ("ghs_", "a GitHub token", 36),
        ("github_pat_", "a GitHub token", 40), ("glpat-", "a GitLab token", 20), ("xoxb-", "a Slack token", 20),
        ("xoxp-", "a Slack token", 20), ("sk_live_", "a Stripe secret key", 20), ("AIza", "a Google API key", 35),
        ("hf_", "a Hugging Face token", 30), ("sk-", "an API secret key", 32),
    ]

    private static func isBase64URL(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_" || character == "=")
    }

    /// `scheme://user:password@host`.
    static func hasURLPassword(_ value: String) -> Bool {
        guard let offset = value.firstByteOffset(of: "://") else { return false }
        let rest = Substring(value.utf8.dropFirst(offset + 3))
        guard let at = rest.firstIndex(of: "@") else { return false }
        let userInfo = rest[..<at]
        guard !userInfo.contains("/"), let colon = userInfo.firstIndex(of: ":") else { return false }
        let password = userInfo[userInfo.index(after: colon)...]
        return !password.isEmpty && !isPlaceholder(String(password))
    }

    /// Bits per character; random base64 is about 6, English about 4, hex at most 4.
    static func entropy(_ value: String) -> Double {
        var counts: [Character: Int] = [:]
        for character in value { counts[character, default: 0] += 1 }
        let total = Double(value.count)
        return counts.values.reduce(0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }

    static func looksRandom(_ value: String) -> Bool {
        guard value.utf8.count >= 24, value.utf8.count <= 512, !value.utf8.contains(0x20),
            !value.utf8.contains(UInt8(ascii: "/")) || !value.utf8.contains(UInt8(ascii: "."))
        else { return false }
        guard !value.containsBytes("://"), !value.hasPrefix("sha256:") else { return false }
        let hasUpper = value.contains(where: \.isUppercase)
        let hasLower = value.contains(where: \.isLowercase)
        let hasDigit = value.contains(where: \.isNumber)
        return hasUpper && hasLower && hasDigit && entropy(value) >= 4.3
    }

    /// Why `value`, stored under `name`, is a credential; nil when it is not.
    static func assess(name: String, value: String) -> Reason? {
        if let format = knownFormat(value) { return .format(format) }
        if hasURLPassword(value) { return .urlWithPassword }
        if isPlaceholder(value) { return nil }
        if isCredentialName(name) { return .credentialName }
        if looksRandom(value) { return .highEntropy }
        return nil
    }

    /// What to print instead of a secret: its length only.
    static func redacted(_ value: String) -> String {
        "<redacted, \(value.count) characters>"
    }
}
