import Testing

@testable import Checks

struct CredentialDetectorTests {
    @Test(arguments: [
        ("MYSQL_ROOT_PASSWORD", true), ("dbPassword", true), ("API_KEY", true), ("client-secret", true), ("GITHUB_TOKEN", true),
        ("MYSQL_PASSWORD_FILE", false), ("MAX_TOTAL_TOKENS", false), ("METALLB_ML_SECRET_NAME", false),
        ("MYSQL_ALLOW_EMPTY_PASSWORD", false), ("LOG_LEVEL", false), ("credentialsSecret", false), ("AWS_ACCESS_KEY_ID", false),
    ])
    func names(name: String, credential: Bool) {
        #expect(CredentialDetector.isCredentialName(name) == credential, "\(name)")
    }

    @Test(arguments: ["$(DB_PASS)", "${TOKEN}", "<your-token>", "HF_TOKEN", "INSERT_TOKEN_HERE", "true", "/run/secrets/db", ""])
    func placeholders(value: String) {
        #expect(CredentialDetector.isPlaceholder(value), "\(value)")
        #expect(CredentialDetector.assess(name: "DB_PASSWORD", value: value) == nil)
    }

    @Test func formats() {
        #expect(CredentialDetector.knownFormat("-----BEGIN RSA PRIVATE KEY-----\nMIIE") == "a private key")
        #expect(CredentialDetector.knownFormat("AKIAIOSFODNN7EXAMPLE") == "an AWS access key ID")
        #expect(
            CredentialDetector.knownFormat("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
                == "a JSON Web Token")
        #expect(CredentialDetector.hasURLPassword("postgres://app:s3cret@db:5432/app"))
        #expect(!CredentialDetector.hasURLPassword("https://example.com/a@b"))
        #expect(CredentialDetector.looksRandom("q8Zr2LxP0vWm3Ns7Kt5Yb1Hc9Jd4Fg6A"))
        #expect(!CredentialDetector.looksRandom("this is a sentence with words"))
    }

    /// ASCII names are split over their bytes; the split must be the one made by characters.
    @Test func byteSplitMatchesCharacterSplit() {
        var names = [
            "MYSQL_ROOT_PASSWORD", "dbPassword", "api-key", "X", "", "__", "aB", "AB", "a1B", "HTTPServerKey", "my.secret key", "--x--",
            "a/b+c", "ÄÖ_TOKEN",
        ]
        // A fixed generator: the same names on every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("aZ9_-. /Kp".utf8)
        for _ in 0..<2_000 {
            var name: [UInt8] = []
            for _ in 0..<Int(state % 14) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                name.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            names.append(String(decoding: name, as: UTF8.self))
        }
        for name in names where name.utf8.allSatisfy({ $0 < 0x80 }) {
            #expect(CredentialDetector.asciiWords(name) == CredentialDetector.characterWords(name), "\(name)")
            let byCharacters =
                name.count > 2 && name.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) && (name.contains("_") || name.count > 12)
            #expect(CredentialDetector.isVariableName(name) == byCharacters, "\(name)")
        }
        #expect(CredentialDetector.words("ÄÖ_TOKEN") == ["äö", "token"])
        #expect(CredentialDetector.isVariableName("ÄÖ_TOKEN"))
    }

    @Test func redactionNeverShowsTheValue() {
        #expect(!CredentialDetector.redacted("hunter2").contains("hunter2"))
    }
}
