import Foundation
import Testing

@testable import KubeModel

struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> Node { try JSONParser().parse(Array(text.utf8)) }

    @Test func buildsNodesWithPositions() throws {
        let node = try parse("{\n  \"a\": [1, -2.5e1, true, null, \"x\\n\\u00e9\\ud83d\\ude00\"],\n  \"b\": {}\n}")
        #expect(node["a"]?[0]?.int == 1)
        if case .double(let value) = node["a"]?[1]?.value { #expect(value == -25) } else { Issue.record("not a double") }
        #expect(node["a"]?[2]?.bool == true)
        #expect(node["a"]?[3]?.isNull == true)
        #expect(node["a"]?[4]?.string == "x\né😀")
        #expect(node["b"]?.mapping?.count == 0)
        #expect(node.keyPosition("b") == SourcePosition(line: 3, column: 3))
        #expect(node["a"]?.position == SourcePosition(line: 2, column: 8))
    }

    /// Keys are compared byte for byte, as Go compares them: canonically equivalent spellings are
    /// different keys, in small objects and in large ones (which a hash set checks first).
    @Test func keysMatchByteForByte() throws {
        let kelvin = "\u{212A}"
        let decomposed = "e\u{301}"
        let small = try parse("{\"K\": 1, \"\(kelvin)\": 2, \"\u{e9}\": 3, \"\(decomposed)\": 4}")
        #expect(small["K"]?.int == 1)
        #expect(small[kelvin]?.int == 2)
        #expect(small["\u{e9}"]?.int == 3)
        #expect(small[decomposed]?.int == 4)
        let filler = (0..<20).map { "\"k\($0)\": 0" }.joined(separator: ", ")
        let large = try parse("{\(filler), \"K\": 1, \"\(kelvin)\": 2}")
        #expect(large[kelvin]?.int == 2)
        #expect(throws: JSONParser.Failure.self) { try parse("{\(filler), \"K\": 1, \"K\": 2}") }
    }

    @Test func agreesWithTheYAMLPathOnRealManifests() throws {
        let text = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]}}
            """
        let viaJSON = try parse(text)
        let viaYAML = ManifestLoader().load(bytes: Array(text.utf8), file: "x").objects[0].root
        #expect(
            viaJSON["spec"]?["containers"]?[0]?["ports"]?[0]?["containerPort"]?.int == viaYAML["spec"]?["containers"]?[0]?["ports"]?[0]?["containerPort"]?.int)
        #expect(viaJSON["metadata"]?["labels"]?["a"]?.string == "b")
    }

    /// The parser's document answers every accessor as the tree the YAML composer builds for the
    /// same text: escaped keys and strings, text in place with non-ASCII bytes, empty containers,
    /// nesting; and a node copied out of its document (`detached`) is the same value again.
    @Test func documentNodesReadAsTheYAMLTree() throws {
        let text = #"""
            {"k\"ey": "a\tb", "é": ["ü", {}, [], [[]], {"x": null}], "n": -7, "f": false, "s": "\u00e9t\u00e9",
             "m": {"deep": {"er": [true, "long enough to leave the small-string form"]}}}
            """#
        let parsed = try parse(text)
        let bytes = Array(text.utf8)
        let composed = bytes.withUnsafeBytes { YAMLComposer(limits: ParseLimits(), lineOffset: 0).documents(in: $0) }
        let yaml = try #require(composed.documents.first ?? nil)
        #expect(parsed.jsonText == yaml.jsonText)
        #expect(parsed.detached().jsonText == parsed.jsonText)
        #expect(parsed["k\"ey"]?.string == "a\tb")
        #expect(parsed["é"]?[0]?.string == "ü")
        #expect(parsed["é"]?[3]?[0]?.items.isEmpty == true)
        #expect(parsed["é"]?[4]?.keyPosition("x") == SourcePosition(line: 1, column: 47))
        #expect(parsed["s"]?.scalarText == "été")
        #expect(parsed["n"]?.int == -7 && parsed["f"]?.bool == false)
        #expect(parsed.mapping?.keys == ["k\"ey", "é", "n", "f", "s", "m"])
        #expect(parsed.mapping?.entries.map(\.keyPosition.line) == [1, 1, 1, 1, 1, 2])
        #expect(parsed.mapping?.index(of: "s") == 4)
        #expect(parsed["m"]?["deep"]?["er"]?[1]?.string == "long enough to leave the small-string form")
        #expect(parsed["missing"] == nil && parsed["é"]?[5] == nil && parsed["n"]?["x"] == nil)
        // A position or value set on a parsed node holds from then on.
        var moved = try #require(parsed["m"])
        moved.position = SourcePosition(line: 9, column: 9)
        #expect(moved.position == SourcePosition(line: 9, column: 9) && moved["deep"]?["er"]?[0]?.bool == true)
    }

    /// What is kept or detached from a parsed document points into it no more, wherever the
    /// parsed nodes sit: under a node whose position was set, or where a kept path ends on a scalar.
    @Test func detachedNodesHoldNothingOfTheDocument() throws {
        let parsed = try parse(#"{"spec": {"containers": "x", "list": [{"a": 1}], "m": {"k": "long enough to be a heap string"}}}"#)
        #expect(parsed.pointsIntoDocument)
        var moved = try #require(parsed["spec"])
        moved.position = SourcePosition(line: 5, column: 1)
        #expect(moved.pointsIntoDocument)
        let detached = moved.detached()
        #expect(!detached.pointsIntoDocument && detached.jsonText == moved.jsonText && detached.position.line == 5)
        let kept = parsed.keeping(PathTrie([["spec", "containers", "*", "image"], ["spec", "m"]]))
        #expect(!kept.pointsIntoDocument)
        #expect(kept.jsonText == #"{"spec":{"containers":"x","m":{"k":"long enough to be a heap string"}}}"#)
    }

    /// Objects of 16 keys or more check duplicates through a set of key hashes, one per open
    /// object, innermost last: nested large objects must neither miss a duplicate nor see one
    /// where keys only repeat across levels.
    @Test func duplicateKeysInLargeAndNestedObjects() throws {
        func object(_ keys: [String], inner: String? = nil, at position: Int = -1) -> String {
            var fields = keys.map { "\"\($0)\":1" }
            if let inner { fields.insert("\"inner\":\(inner)", at: position) }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let keys = (0..<20).map { "k\($0)" }
        // The same twenty keys inside and outside, with the inner object among the outer's keys.
        let nested = object(keys, inner: object(keys, inner: object(keys), at: 17), at: 18)
        #expect(try parse(nested)["inner"]?["inner"]?["k19"]?.int == 1)
        #expect(throws: JSONParser.Failure.self) { try parse(object(keys + ["k3"])) }
        #expect(throws: JSONParser.Failure.self) { try parse(object(keys + ["k19"], inner: object(keys), at: 17)) }
        #expect(throws: JSONParser.Failure.self) { try parse(object(keys, inner: object(keys + ["k0"]), at: 17)) }
        // A duplicate after a closed inner large object is still found against the outer keys.
        #expect(throws: JSONParser.Failure.self) { try parse(String(object(keys, inner: object(keys), at: 2).dropLast()) + ",\"k2\":3}") }
    }

    @Test func parsesFromBytesHeldElsewhere() throws {
        let text = Array(#"{"a":[1,"x"]}"#.utf8)
        let parsed = try text.withUnsafeBytes { bytes in try JSONParser().parse(bytes) }
        #expect(parsed["a"]?[1]?.string == "x")
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse(UnsafeRawBufferPointer(start: nil, count: 0)) }
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "1:8: duplicate key \"a\""),
        ("{\"a\\u0062\":1,\"ab\":2}", "1:14: duplicate key \"ab\""),
        ("{\"a\":01}", "1:6: invalid number: leading zero"),
        ("[1,]", "1:4: unexpected ']' where a value belongs"),
        ("{\"a\" 1}", "1:6: expected : after the key \"a\""),
        ("\"abc", "1:1: unterminated string"),
        ("[1] x", "1:5: unexpected 'x' after the top-level value"),
        ("{\"a\":\"\\q\"}", "1:7: invalid escape \\'q'"),
        ("[1e999]", "1:2: number out of range"),
        ("nul", "1:1: invalid literal (expected null)"),
        ("\"a\u{01}\"", "1:3: control character byte 0x1 inside a string"),
    ])
    func rejectsWithPosition(_ text: String, _ message: String) {
        #expect(throws: (any Error).self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.description == message)
        }
    }

    /// A quote, an escape, a control character or a multi-byte character is found wherever it
    /// falls in a string, with the column of a bad byte.
    @Test func specialBytesAreFoundAtEveryOffset() throws {
        for position in 0..<20 {
            let before = String(repeating: "a", count: position)
            let after = String(repeating: "b", count: 20 - position)
            #expect(try parse("[\"\(before)\"]")[0]?.string == before)
            #expect(try parse("[\"\(before)\\n\(after)\"]")[0]?.string == before + "\n" + after)
            #expect(try parse("[\"\(before)é\(after)\"]")[0]?.string == before + "é" + after)
            let control = JSONParser.Failure(position: SourcePosition(line: 1, column: 3 + position), message: "control character byte 0x9 inside a string")
            #expect(throws: control) { try parse("[\"\(before)\t\(after)\"]") }
            #expect(throws: JSONParser.Failure(position: SourcePosition(line: 1, column: 1), message: "unterminated string")) {
                try parse("\"\(before)")
            }
        }
    }

    @Test func invalidUTF8AndOverlongFormsAreErrors() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82]] {
            #expect(throws: JSONParser.Failure.self) { try JSONParser().parse(bytes) }
        }
    }

    @Test func deepNestingStopsAtTheLimitWithoutRecursion() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure(position: SourcePosition(line: 1, column: 513), message: "nesting deeper than 512 levels")) {
            try parse(deep)
        }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try parse(fine) }
    }
}
