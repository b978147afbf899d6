import CEL
import Testing

/// Kubernetes' `format` library, with apimachinery's messages.
struct FormatLibraryTests {
    func eval(_ expression: String) throws -> CELValue {
        try CELProgram(expression).evaluate()
    }

    @Test(arguments: [
        ("format.dns1123Label().validate('my-name')", true), ("format.dns1123Label().validate('My_Name')", false),
        ("format.dns1123Label().validate('\(String(repeating: "a", count: 64))')", false),
        ("format.dns1123Subdomain().validate('example.com')", true), ("format.dns1123Subdomain().validate('-example.com')", false),
        ("format.dns1035Label().validate('abc-123')", true), ("format.dns1035Label().validate('123-abc')", false),
        ("format.dns1123LabelPrefix().validate('web-')", true), ("format.qualifiedName().validate('example.com/MyName')", true),
        ("format.qualifiedName().validate('a/b/c')", false), ("format.labelValue().validate('')", true),
        ("format.labelValue().validate('a b')", false), ("format.uuid().validate('123e4567-e89b-12d3-a456-426614174000')", true),
        ("format.date().validate('2024-02-30')", false), ("format.datetime().validate('2024-02-03T04:05:06Z')", true),
    ])
    func validatesLikeApimachinery(_ expression: String, _ valid: Bool) throws {
        guard case .optional(let errors) = try eval(expression) else {
            Issue.record("not an optional")
            return
        }
        #expect((errors == nil) == valid)
    }

    @Test func messagesAndLookupByName() throws {
        let result = try eval("format.named('dns1123Label').value().validate('Web').value()[0]")
        #expect(
            result.isIdentical(
                to: .string(
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                )))
        #expect(try eval("format.named('no-such-format').hasValue()").isIdentical(to: .bool(false)))
    }
}
