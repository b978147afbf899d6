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

    @Test func redactionNeverShowsTheValue() {
        #expect(!CredentialDetector.redacted("hunter2").contains("hunter2"))
    }
}
