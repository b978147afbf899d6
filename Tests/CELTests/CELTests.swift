import Foundation
import Testing

@testable import CEL

/// Compiles and evaluates; parse errors fail the test.
func run(_ expr: String, _ bindings: [String: CELValue] = [:], options: CELOptions = CELOptions()) throws -> CELValue {
    try CELProgram(expr, options: options).evaluate(bindings: bindings)
}

func errorMessage(_ v: CELValue) -> String? {
    if case .error(let e) = v { return e.message }
    return nil
}

@Suite struct ParsingTests {
    @Test(arguments: [
        ("1 + ", 1, 5),
        ("a.b.", 1, 5),
        ("x == = 2", 1, 6),
        ("'unterminated", 1, 1),
        ("[1, 2", 1, 6),
        ("foo(1,\n  )", 2, 3),
        ("if", 1, 1),
    ])
    func errorsCarryLineAndColumn(expr: String, line: Int, column: Int) {
        do {
            _ = try CELProgram(expr)
            Issue.record("expected a parse error for \(expr)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.description.hasPrefix("ERROR: <input>:\(line):\(column): "))
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 400) + "1" + String(repeating: ")", count: 400)
        #expect(throws: CELParseError.self) { try CELProgram(deep) }
        let lists = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: CELParseError.self) { try CELProgram(lists) }
        let selects = "a" + String(repeating: ".b", count: 1000)
        #expect(throws: CELParseError.self) { try CELProgram(selects) }
    }

    @Test func longLogicalChainsStayShallow() throws {
        let chain = Array(repeating: "false", count: 2000).joined(separator: " || ") + " || true"
        #expect(try run(chain).isIdentical(to: .bool(true)))
    }

    @Test func literals() throws {
        #expect(try run("0x1F").isIdentical(to: .int(31)))
        #expect(try run("7u").isIdentical(to: .uint(7)))
        #expect(try run("-9223372036854775808").isIdentical(to: .int(Int64.min)))
        #expect(try run("2.5e2").isIdentical(to: .double(250)))
        #expect(try run(#"'\x41\101\u0042\U00000043'"#).isIdentical(to: .string("AABC")))
        #expect(try run(#"b'\xff\001'"#).isIdentical(to: .bytes([0xFF, 1])))
        #expect(try run(#"r'\n'"#).isIdentical(to: .string("\\n")))
        #expect(try run("'''a\nb'''").isIdentical(to: .string("a\nb")))
        #expect(throws: CELParseError.self) { try CELProgram("9223372036854775808") }
    }

    @Test func reservedWordsAreNotIdentifiers() {
        #expect(throws: CELParseError.self) { try CELProgram("while + 1") }
        #expect(throws: CELParseError.self) { try CELProgram("package") }
    }

    @Test func precedence() throws {
        #expect(try run("1 + 2 * 3 - 4 / 2").isIdentical(to: .int(5)))
        #expect(try run("true || false && false").isIdentical(to: .bool(true)))
        #expect(try run("1 < 2 == true").isIdentical(to: .bool(true)))
        #expect(try run("false ? 1 : true ? 2 : 3").isIdentical(to: .int(2)))
        #expect(try run("!true || true").isIdentical(to: .bool(true)))
        #expect(try run("-2 * -3").isIdentical(to: .int(6)))
    }
}

@Suite struct SemanticsTests {
    @Test func errorsAreAbsorbedCommutatively() throws {
        #expect(try run("false && 1/0 == 1").isIdentical(to: .bool(false)))
        #expect(try run("1/0 == 1 && false").isIdentical(to: .bool(false)))
        #expect(try run("true || 1/0 == 1").isIdentical(to: .bool(true)))
        #expect(try run("1/0 == 1 || true").isIdentical(to: .bool(true)))
        #expect(errorMessage(try run("1/0 == 1 && true")) == "division by zero")
        #expect(errorMessage(try run("true ? 1/0 : 2")) == "division by zero")
        #expect(try run("false ? 1/0 : 2").isIdentical(to: .int(2)))
        #expect(try run("[1, 0].exists(x, 1 / x == 1)").isIdentical(to: .bool(true)))
        #expect(try run("[0, 1].all(x, 1 / x == 2)").isIdentical(to: .bool(false)))
    }

    @Test func integerOverflowAndDivisionByZeroAreErrors() throws {
        for expr in [
            "9223372036854775807 + 1", "-9223372036854775808 - 1", "-(-9223372036854775808)", "5000000000 * 5000000000",
            "-9223372036854775808 / -1", "-9223372036854775808 % -1", "0u - 1u", "18446744073709551615u + 1u", "1 / 0", "1 % 0", "1u / 0u",
        ] {
            #expect(errorMessage(try run(expr)) != nil, "\(expr)")
        }
        #expect(try run("-7 % 3").isIdentical(to: .int(-1)))
    }

    @Test func heterogeneousNumbers() throws {
        #expect(try run("1 == 1u && 1u == 1.0 && 1.0 == 1").isIdentical(to: .bool(true)))
        #expect(try run("1 < 2u && 2u < 2.5 && -1 < 0u").isIdentical(to: .bool(true)))
        #expect(try run("[1, 2.0] == [1u, 2]").isIdentical(to: .bool(true)))
        #expect(try run("{1: 'a'}[1u] == 'a' && {2u: 'b'}[2.0] == 'b'").isIdentical(to: .bool(true)))
        #expect(try run("0.0/0.0 == 0.0/0.0").isIdentical(to: .bool(false)))
        #expect(try run("1 == 'a'").isIdentical(to: .bool(false)))
        #expect(errorMessage(try run("1 < 'a'")) != nil)
        #expect(errorMessage(try run("{1: 1, 1u: 2}")) != nil)
    }

    @Test func typesAndConversions() throws {
        #expect(try run("type(1) == int && type(1u) == uint && type('') == string && type(type) == type").isIdentical(to: .bool(true)))
        #expect(try run("int('42') + int(2.9) + int(-2.9)").isIdentical(to: .int(42)))
        #expect(errorMessage(try run("int(1e20)")) != nil)
        #expect(errorMessage(try run("uint(-1)")) != nil)
        #expect(try run("string(1.5) + string(2u) + string(b'hi')").isIdentical(to: .string("1.52hi")))
        #expect(errorMessage(try run(#"string(b'\xff')"#)) != nil)
        #expect(try run("bool('true') && !bool('f')").isIdentical(to: .bool(true)))
        // Doubles render like Go's %g: exponent form from 1e6 and below 1e-4.
        #expect(
            try run("[string(1.0), string(123456.0), string(1e6), string(0.0001), string(0.00001)]").isIdentical(
                to: .list([.string("1"), .string("123456"), .string("1e+06"), .string("0.0001"), .string("1e-05")])))
        #expect(try run("dyn([1]) + [2]").isIdentical(to: .list([.int(1), .int(2)])))
        #expect(try run("size('héllo') == 5 && size(b'abc') == 3 && size({'a': 1}) == 1").isIdentical(to: .bool(true)))
    }

    @Test func qualifiedNamesAndContainers() throws {
        #expect(try run("a.b.c", ["a.b.c": .int(1), "a": .int(2)]).isIdentical(to: .int(1)))
        #expect(try run("a.b.c", ["a.b": .map(CELMap(uniqueKeys: [.string("c")], values: [.int(3)]))]).isIdentical(to: .int(3)))
        let inContainer = CELOptions(container: "k8s.io")
        #expect(try run("x", ["k8s.io.x": .int(1), "x": .int(2)], options: inContainer).isIdentical(to: .int(1)))
        #expect(try run(".x", ["k8s.io.x": .int(1), "x": .int(2)], options: inContainer).isIdentical(to: .int(2)))
        #expect(errorMessage(try run("missing")) == "undeclared reference to 'missing' (in container '')")
        #expect(try run("[1].all(x, x == 1)", ["x": .int(5)]).isIdentical(to: .bool(true)))
    }

    @Test func declaredVariablesResolveAtCompileTime() throws {
        let program = try CELProgram("object.spec.replicas > 1", options: CELOptions(variables: ["object"]))
        let spec = CELValue.map(CELMap(uniqueKeys: [.string("replicas")], values: [.int(3)]))
        let object = CELValue.map(CELMap(uniqueKeys: [.string("spec")], values: [spec]))
        #expect(program.evaluate(bindings: ["object": object]).isIdentical(to: .bool(true)))
    }
}

@Suite struct MacroTests {
    @Test func standardMacros() throws {
        #expect(try run("[1, 2, 3].all(x, x > 0)").isIdentical(to: .bool(true)))
        #expect(try run("[1, 2, 3].exists(x, x > 2)").isIdentical(to: .bool(true)))
        #expect(try run("[1, 2, 3].exists_one(x, x > 1)").isIdentical(to: .bool(false)))
        #expect(try run("[1, 2, 3].map(x, x * 2)").isIdentical(to: .list([.int(2), .int(4), .int(6)])))
        #expect(try run("[1, 2, 3].map(x, x > 1, x * 10)").isIdentical(to: .list([.int(20), .int(30)])))
        #expect(try run("[1, 2, 3].filter(x, x != 2)").isIdentical(to: .list([.int(1), .int(3)])))
        #expect(try run("{'a': 1, 'b': 2}.filter(k, k == 'b')").isIdentical(to: .list([.string("b")])))
        #expect(try run("has({'a': 1}.a) && !has({'a': 1}.b)").isIdentical(to: .bool(true)))
        #expect(try run("cel.bind(x, 2, x * x)").isIdentical(to: .int(4)))
    }

    @Test func twoVariableComprehensions() throws {
        #expect(try run("[10, 20].all(i, v, v == (i + 1) * 10)").isIdentical(to: .bool(true)))
        #expect(try run("{'a': 1, 'b': 2}.exists(k, v, k == 'b' && v == 2)").isIdentical(to: .bool(true)))
        #expect(try run("[5, 6].existsOne(i, v, i == 1)").isIdentical(to: .bool(true)))
        #expect(try run("[5, 6].transformList(i, v, i + v)").isIdentical(to: .list([.int(5), .int(7)])))
        let m = try run("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v * 100)")
        #expect(m.isIdentical(to: .map(CELMap(uniqueKeys: [.string("b")], values: [.int(200)]))))
    }

    @Test func macrosCanBeDisabled() throws {
        // Without macros `all` is an ordinary (here unknown) function and `x` an ordinary variable.
        let v = try run("[1].all(x, true)", ["x": .int(1)], options: CELOptions(disableMacros: true))
        #expect(errorMessage(v) == "unbound function: all")
        #expect(throws: Never.self) { try CELProgram("has(1)", options: CELOptions(disableMacros: true)) }
        #expect(throws: CELParseError.self) { try CELProgram("has(1)") }
    }
}

@Suite struct OptionalTests {
    @Test func optionalValues() throws {
        #expect(try run("optional.of(1).hasValue() && !optional.none().hasValue()").isIdentical(to: .bool(true)))
        #expect(try run("optional.ofNonZeroValue('').orValue('dflt')").isIdentical(to: .string("dflt")))
        #expect(try run("{'a': {'b': 1}}.?a.?b.value()").isIdentical(to: .int(1)))
        #expect(try run("{'a': {}}.?a.?b.orValue(7)").isIdentical(to: .int(7)))
        #expect(try run("[1, 2][?5].or(optional.of(3)).value()").isIdentical(to: .int(3)))
        #expect(try run("[?optional.none(), ?optional.of(1), 2]").isIdentical(to: .list([.int(1), .int(2)])))
        #expect(try run("{?'a': optional.none(), 'b': 1}").isIdentical(to: .map(CELMap(uniqueKeys: [.string("b")], values: [.int(1)]))))
        #expect(try run("optional.of(2).optMap(x, x * 3).value()").isIdentical(to: .int(6)))
        #expect(errorMessage(try run("optional.none().value()")) != nil)
    }
}

@Suite struct TimeTests {
    @Test func timestampsDurationsAndZones() throws {
        let ts = "timestamp('2009-02-13T23:31:30Z')"
        #expect(try run("\(ts).getHours()").isIdentical(to: .int(23)))
        #expect(try run("\(ts).getHours('+05:30')").isIdentical(to: .int(5)))
        #expect(try run("\(ts).getMinutes('+05:30')").isIdentical(to: .int(1)))
        #expect(try run("\(ts).getDate('Australia/Sydney')").isIdentical(to: .int(14)))
        #expect(try run("\(ts).getDayOfWeek()").isIdentical(to: .int(5)))
        #expect(try run("\(ts).getMonth()").isIdentical(to: .int(1)))
        #expect(try run("\(ts).getDayOfYear()").isIdentical(to: .int(43)))
        #expect(try run("\(ts) + duration('1h30m') == timestamp('2009-02-14T01:01:30Z')").isIdentical(to: .bool(true)))
        #expect(try run("string(timestamp('2009-02-13T23:31:30.5+01:00'))").isIdentical(to: .string("2009-02-13T22:31:30.5Z")))
        #expect(try run("string(duration('1m30.25s'))").isIdentical(to: .string("90.25s")))
        #expect(try run("duration('2h').getMinutes()").isIdentical(to: .int(120)))
        #expect(errorMessage(try run("timestamp('9999-12-31T23:59:59Z') + duration('1s')")) != nil)
        #expect(errorMessage(try run("timestamp('2009-02-13T23:31:30Z').getHours('Mars/Olympus')")) != nil)
    }
}

@Suite struct ExtensionTests {
    @Test func stringsExtension() throws {
        #expect(try run("'héllo'.charAt(1)").isIdentical(to: .string("é")))
        #expect(try run("'hello'.indexOf('l') == 2 && 'hello'.lastIndexOf('l') == 3").isIdentical(to: .bool(true)))
        #expect(try run("'a,b,c'.split(',')").isIdentical(to: .list([.string("a"), .string("b"), .string("c")])))
        #expect(try run("'  x '.trim() + 'AbC'.lowerAscii() + 'abc'.upperAscii()").isIdentical(to: .string("xabcABC")))
        #expect(try run("'aaa'.replace('a', 'b', 2)").isIdentical(to: .string("bba")))
        #expect(try run("'hello'.substring(1, 3)").isIdentical(to: .string("el")))
        #expect(try run("['a', 'b'].join('-')").isIdentical(to: .string("a-b")))
        #expect(try run("'abc'.reverse()").isIdentical(to: .string("cba")))
        #expect(try run("strings.quote('a\"b')").isIdentical(to: .string(#""a\"b""#)))
        #expect(try run("'%s=%d (%.2f)'.format(['x', 3, 1.234])").isIdentical(to: .string("x=3 (1.23)")))
        #expect(errorMessage(try run("'abc'.substring(2, 1)")) != nil)
    }

    @Test func regexAcceptsRE2AndRejectsTheRest() throws {
        #expect(try run("'abc123'.matches('^[a-z]+[0-9]+$')").isIdentical(to: .bool(true)))
        #expect(try run("'a1b22'.find('[0-9]+')").isIdentical(to: .string("1")))
        #expect(try run("'a1b22'.findAll('[0-9]+')").isIdentical(to: .list([.string("1"), .string("22")])))
        #expect(try run("'x'.matches('(?P<name>x)')").isIdentical(to: .bool(true)))
        for pattern in [#"(a)\\1"#, "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b", "a*+", "a++", "(?>a)"] {
            let v = try run("'aab'.matches('\(pattern)')")
            #expect(errorMessage(v)?.contains("RE2") == true, "\(pattern)")
        }
    }

    @Test func network() throws {
        #expect(try run("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))").isIdentical(to: .bool(true)))
        #expect(try run("string(ip('2001:DB8:0:0:0:0:0:1'))").isIdentical(to: .string("2001:db8::1")))
        #expect(try run("ip('127.0.0.1').isLoopback() && ip('::1').family() == 6").isIdentical(to: .bool(true)))
        #expect(try run("cidr('192.168.1.7/24').masked() == cidr('192.168.1.0/24')").isIdentical(to: .bool(true)))
        #expect(try run("isIP('1.2.3') || isCIDR('1.2.3.4')").isIdentical(to: .bool(false)))
    }

    @Test func listsAndSets() throws {
        #expect(try run("[3, 1, 2].sort()").isIdentical(to: .list([.int(1), .int(2), .int(3)])))
        #expect(try run("[1, 2, 3].sum() == 6 && [4, 2].min() == 2 && [4, 2].max() == 4").isIdentical(to: .bool(true)))
        #expect(try run("[1, 2, 2].isSorted() && ![2, 1].isSorted()").isIdentical(to: .bool(true)))
        #expect(try run("[1, 2, 3, 4].slice(1, 3)").isIdentical(to: .list([.int(2), .int(3)])))
        #expect(try run("[[1], [2, [3]]].flatten()").isIdentical(to: .list([.int(1), .int(2), .list([.int(3)])])))
        #expect(try run("[1, 1, 2].distinct()").isIdentical(to: .list([.int(1), .int(2)])))
        #expect(try run("sets.contains([1, 2, 3], [2, 3]) && sets.equivalent([1, 2], [2, 1, 1])").isIdentical(to: .bool(true)))
        #expect(try run("sets.intersects([1], [2])").isIdentical(to: .bool(false)))
    }
}

@Suite struct RuntimeTests {
    @Test func costLimitStopsRunawayComprehensions() throws {
        let hundred = "[" + (0..<100).map(String.init).joined(separator: ",") + "]"
        let expr = "\(hundred).all(a, \(hundred).all(b, \(hundred).all(c, a + b + c >= 0)))"
        let program = try CELProgram(expr, options: CELOptions(costLimit: 100_000))
        let (value, cost) = program.evaluateWithCost()
        #expect(errorMessage(value) == "operation cancelled: actual cost limit exceeded")
        #expect(cost <= 100_100)
        // The limit cannot be hidden by error absorption in an enclosing || or exists().
        let absorbed = try CELProgram("[1, 2].exists(z, \(expr)) || true", options: CELOptions(costLimit: 100_000))
        #expect(errorMessage(absorbed.evaluate()) == "operation cancelled: actual cost limit exceeded")
        // Without a limit the same expression completes.
        let unlimited = try CELProgram("\(hundred).all(a, \(hundred).all(b, a + b >= 0))", options: CELOptions(costLimit: nil))
        #expect(unlimited.evaluate().isIdentical(to: .bool(true)))
    }

    @Test func oneProgramEvaluatesConcurrently() async throws {
        let program = try CELProgram("items.map(x, x * factor).sum()", options: CELOptions(variables: ["items", "factor"]))
        let results = await withTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var ok = true
                    for i in 0..<500 {
                        let factor = Int64(t * 1000 + i)
                        let v = program.evaluate(bindings: ["items": .list([.int(1), .int(2), .int(3)]), "factor": .int(factor)])
                        ok = ok && v.isIdentical(to: .int(6 * factor))
                    }
                    return ok
                }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 8 && results.allSatisfy { $0 })
    }

    @Test func jsonConversion() throws {
        let json = try JSONSerialization.jsonObject(with: Data(#"{"a": [1, 2.5, true, null, "s"], "b": {"c": 3}}"#.utf8))
        let v = CELValue.fromJSON(json)
        #expect(
            try run("o.a[0] == 1 && o.a[1] == 2.5 && o.a[2] && o.a[3] == null && o.b.c == 3 && type(o.a[0]) == int", ["o": v])
                .isIdentical(to: .bool(true)))
        let proto = try CELValue.fromProtoJSON(["listValue": ["values": [["uint64Value": "7"], ["doubleValue": "NaN"]]]])
        #expect(proto.isIdentical(to: .list([.uint(7), .double(.nan)])))
        let back = try CELValue.fromProtoJSON(CELValue.duration(1_500_000_000).toProtoJSON())
        #expect(back.isIdentical(to: .duration(1_500_000_000)))
    }
}

@Suite struct KubernetesLibraryTests {
    @Test func urls() throws {
        let u = "url('https://user@example.com:8443/a%20b/c?x=1&x=2&y=z')"
        #expect(try run("\(u).getScheme()").isIdentical(to: .string("https")))
        #expect(try run("\(u).getHost()").isIdentical(to: .string("example.com:8443")))
        #expect(try run("\(u).getHostname() + ':' + \(u).getPort()").isIdentical(to: .string("example.com:8443")))
        #expect(try run("\(u).getEscapedPath()").isIdentical(to: .string("/a%20b/c")))
        #expect(try run("\(u).getQuery()['x']").isIdentical(to: .list([.string("1"), .string("2")])))
        #expect(try run("url('https://[::1]:80/').getHostname()").isIdentical(to: .string("::1")))
        #expect(try run("isURL('/absolute/path') && !isURL('relative/path')").isIdentical(to: .bool(true)))
    }

    @Test func quantities() throws {
        #expect(try run("quantity('1Gi').asInteger()").isIdentical(to: .int(1_073_741_824)))
        #expect(try run("quantity('500m').isLessThan(quantity('1'))").isIdentical(to: .bool(true)))
        #expect(try run("quantity('1.5k') == quantity('1500')").isIdentical(to: .bool(true)))
        #expect(try run("quantity('100m').isInteger()").isIdentical(to: .bool(false)))
        #expect(try run("quantity('1').add(quantity('500m')).asApproximateFloat()").isIdentical(to: .double(1.5)))
        #expect(try run("quantity('2').sub(3).sign()").isIdentical(to: .int(-1)))
        #expect(try run("quantity('1M').compareTo(quantity('1Mi'))").isIdentical(to: .int(-1)))
        #expect(try run("isQuantity('1.2.3') || isQuantity('5Zi')").isIdentical(to: .bool(false)))
    }

    @Test func semanticVersions() throws {
        #expect(try run("semver('1.2.3').isLessThan(semver('1.10.0'))").isIdentical(to: .bool(true)))
        #expect(try run("semver('1.0.0-alpha').isLessThan(semver('1.0.0'))").isIdentical(to: .bool(true)))
        #expect(try run("semver('1.0.0-alpha.2').compareTo(semver('1.0.0-alpha.10'))").isIdentical(to: .int(-1)))
        #expect(try run("semver('v1.2', true).minor() == 2 && semver('3.4.5').major() == 3").isIdentical(to: .bool(true)))
        #expect(try run("isSemver('01.2.3') || isSemver('1.2')").isIdentical(to: .bool(false)))
    }
}

@Suite struct HostileInputTests {
    /// Random token soup must produce a parse error or a value, never a crash or a hang.
    @Test func randomExpressionsNeverCrash() {
        let pieces = [
            "1", "0u", "-", "+", "*", "/", "%", "(", ")", "[", "]", "{", "}", ":", ",", ".", "?", "!", "&&", "||", "==", "<", "in",
            "'s'", "b'\\xff'", "2.5", "x", "y", "size", "has", "all", "map", "exists", "int", "string", "timestamp", "duration",
            "'1s'", "optional", "of", ".?", "[?", "null", "true", "9223372036854775807", "'%.3f'", "format", "substring", "matches",
            "'(a*)*b'", "cidr", "'10.0.0.0/8'", "quantity", "'1Gi'", "e", "v", "charAt", "-1",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var parsed = 0
        for _ in 0..<3000 {
            let expr = (0..<(1 + next(12))).map { _ in pieces[next(pieces.count)] }.joined(separator: " ")
            guard let program = try? CELProgram(expr, options: CELOptions(costLimit: 10_000)) else { continue }
            parsed += 1
            _ = program.evaluate(bindings: ["x": .int(3), "y": .list([.int(1), .string("a")])])
        }
        #expect(parsed > 100)
    }
}
