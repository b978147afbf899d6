import Testing

@testable import CEL

/// `CELOptions.kubernetesVersion`: the libraries of the Kubernetes base environment per version
/// (apiserver `pkg/cel/environment/base.go`).
struct KubernetesVersionTests {
    func boolean(_ v: CELValue) -> Bool? {
        if case .bool(let b) = v { return b }
        return nil
    }

    func eval(_ expression: String, _ version: (major: Int, minor: Int)?) throws -> CELValue {
        try CELProgram(expression, options: CELOptions(kubernetesVersion: version)).evaluate()
    }

    /// Each expression is refused one minor release before the version that introduced it and works from it on.
    @Test(arguments: [
        ("['a', 'b'].isSorted()", 1, 0), ("[1, 2].sum() == 3", 1, 0), ("'abc'.find('b') == 'b'", 1, 0),
        ("url('https://x.io').getHost() == 'x.io'", 1, 0), ("'abc'.charAt(1) == 'b'", 1, 0),
        ("['a', 'b'].join('-') == 'a-b'", 1, 0),
        ("optional.of(1).hasValue()", 1, 28), ("quantity('1Gi').isGreaterThan(quantity('1Mi'))", 1, 28),
        ("1 < 1.5", 1, 28), ("{'a': 1}.?a.orValue(0) == 1", 1, 28), ("[?optional.none(), 1] == [1]", 1, 28),
        ("optional.of(1).optMap(x, x + 1).value() == 2", 1, 28),
        ("sets.contains([1, 2], [1])", 1, 29), ("strings.quote('a') == '\"a\"'", 1, 29),
        ("'%d'.format([1]) == '1'", 1, 29),
        ("ip('10.0.0.1').family() == 4", 1, 30), ("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", 1, 30),
        ("isIP('::1')", 1, 30),
        ("!format.dns1123Label().validate('my-name').hasValue()", 1, 31), ("format.named('uuid').hasValue()", 1, 31),
        ("[1, 2].all(i, v, v > i)", 1, 32), ("{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}", 1, 32),
        ("semver('1.2.3').major() == 1", 1, 33), ("isSemver('1.0.0')", 1, 33),
    ])
    func availableFromItsVersion(_ expression: String, _ major: Int, _ minor: Int) throws {
        #expect(boolean(try eval(expression, (major, minor))) == true)
        #expect(boolean(try eval(expression, (major, 99))) == true)
        #expect(boolean(try eval(expression, nil)) == true)
        if minor > 0 {
            #expect(errorMessage(try eval(expression, (major, minor - 1))) != nil, "\(expression) at \(major).\(minor - 1)")
        }
    }

    @Test func setsArriveAt129() throws {
        #expect(boolean(try eval("sets.contains([1], [1])", (1, 29))) == true)
        #expect(errorMessage(try eval("sets.contains([1], [1])", (1, 28))) == "undeclared reference to 'sets.contains' (in container '')")
    }

    @Test func formatIsAbsentBefore131() throws {
        let expr = "format.dns1123Label().validate('x').hasValue()"
        #expect(errorMessage(try eval(expr, (1, 30))) == "undeclared reference to 'format.dns1123Label' (in container '')")
        #expect(boolean(try eval(expr, (1, 31))) == false)
    }

    @Test func membersReportTheirName() throws {
        #expect(errorMessage(try eval("ip('1.2.3.4').isLoopback()", (1, 29))) == "undeclared reference to 'ip' (in container '')")
        #expect(errorMessage(try eval("[1].transformList(i, v, v)", (1, 31))) == "undeclared reference to 'transformList' (in container '')")
        #expect(errorMessage(try eval("'%s'.format(['a'])", (1, 28))) == "undeclared reference to 'format' (in container '')")
    }

    /// A refused function fails the whole expression, as the expression fails to compile in
    /// Kubernetes, even where evaluation would never reach it.
    @Test func refusalIsNotShortCircuited() throws {
        #expect(errorMessage(try eval("true || sets.contains([1], [1])", (1, 28))) != nil)
        #expect(boolean(try eval("true || sets.contains([1], [1])", (1, 29))) == true)
    }

    @Test func optionalSyntaxBefore128() throws {
        #expect(errorMessage(try eval("{'a': 1}.?a", (1, 27))) == "unsupported syntax '.?'")
        #expect(errorMessage(try eval("[1][?0]", (1, 27))) == "unsupported syntax '[?'")
        #expect(errorMessage(try eval("{?'a': optional.none()}", (1, 27))) == "unsupported syntax '?'")
    }

    @Test func crossTypeNumericComparisonsFrom128() throws {
        #expect(errorMessage(try eval("1 < 2u", (1, 27))) == "found no matching overload for '_<_' applied to '(int, uint)'")
        #expect(boolean(try eval("1 < 2", (1, 27))) == true)
        #expect(boolean(try eval("1 < 2u", (1, 28))) == true)
    }

    /// cel-go libraries the base environment never enables.
    @Test(arguments: ["cel.bind(x, 1, x) == 1", "lists.range(2) == [0, 1]", "[2, 1].sort() == [1, 2]", "'ab'.reverse() == 'ba'"])
    func neverInTheBaseEnvironment(_ expression: String) throws {
        #expect(boolean(try eval(expression, nil)) == true)
        #expect(errorMessage(try eval(expression, (1, 99))) != nil)
    }

    @Test func standardFunctionsAtEveryVersion() throws {
        #expect(boolean(try eval("'abc'.contains('b') && size([1]) == 1 && [1, 2].exists(x, x == 2) && [1].existsOne(x, x == 1)", (1, 0))) == true)
        #expect(boolean(try eval("timestamp('2024-01-01T00:00:00Z').getFullYear() == 2024", (1, 0))) == true)
    }

    /// Every extension function is in the table, so none is enabled by accident.
    @Test func tableCoversEveryExtensionFunction() {
        let globals = Extensions.globals.keys.filter { KubernetesVersions.globals[$0] == nil }
        let members = Extensions.members.keys.filter { KubernetesVersions.members[$0] == nil && Builtins.coreMembers[$0] == nil }
        #expect(globals.isEmpty)
        #expect(members.isEmpty)
    }
}
