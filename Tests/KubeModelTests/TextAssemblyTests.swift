import Testing

@testable import KubeModel

/// `String.assembled` and `AssembledText` copy pieces into one string of a size worked out
/// first: every case is checked against plain concatenation.
struct TextAssemblyTests {
    static let pieces: [String] = [
        "", "a", "container \"", "nginx-proxy-sidecar", "é", "😀 emoji", String(repeating: "x", count: 100), "\" must set securityContext",
    ]

    @Test func assembledEqualsConcatenation() {
        for count in 0...Self.pieces.count {
            for start in Self.pieces.indices {
                let chosen = (0..<count).map { Self.pieces[(start + $0) % Self.pieces.count] }
                let made = String.assembled { text in
                    for piece in chosen { text.append(piece) }
                }
                #expect(made == chosen.joined())
                #expect(made.utf8.count == chosen.reduce(0) { $0 + $1.utf8.count })
            }
        }
    }

    @Test func staticStringsSubstringsAndSeparators() {
        let name = "web-frontend"
        let made = String.assembled { text in
            text.append("containers ")
            text.append(name.dropFirst(4))
            text.append(" use: ")
            text.append(["a", "bé", "c"], separator: ", ")
        }
        #expect(made == "containers frontend use: a, bé, c")
        #expect(String.assembled { _ in } == "")
        #expect(String.assembled { $0.append([], separator: "; ") } == "")
    }

    @Test func interpolationEqualsTheStandardOne() {
        let name = "nginx-proxy-sidecar"
        let image = "registry.example.com/team/nginx:1.25.3"
        #expect(String(assembling: "container \"\(name)\" image \"\(image)\" is not pinned") == "container \"\(name)\" image \"\(image)\" is not pinned")
        #expect(String(assembling: "\(name)") == name)
        #expect(String(assembling: "no pieces") == "no pieces")
        #expect(String(assembling: "\(3) of \(name.count) characters, é") == "3 of 19 characters, é")
        // More pieces than are kept in place: the rest follow in order.
        let many = (0..<12).map { "p\($0)" }
        let made = String(
            assembling:
                "\(many[0])-\(many[1])-\(many[2])-\(many[3])-\(many[4])-\(many[5])-\(many[6])-\(many[7])-\(many[8])-\(many[9])-\(many[10])-\(many[11])")
        #expect(made == many.joined(separator: "-"))
        // Exactly as many pieces as are kept in place, one more, and empty values among them.
        let (a, b, c, d, empty) = ("a", "bb", "ccc", "dddd", "")
        #expect(String(assembling: "\(a)1\(b)2\(c)3\(d)4") == "a1bb2ccc3dddd4")
        #expect(String(assembling: "\(a)1\(b)2\(c)3\(d)4\(a)") == "a1bb2ccc3dddd4a")
        #expect(String(assembling: "\(empty)\(empty)x\(empty)") == "x")
        #expect(String(assembling: "\(empty)") == "")
    }

    @Test func firstEntryWhereReadsParsedAndHeldMappingsAlike() throws {
        let text = #"{"name": "data", "emptyDir": null, "persistentVolumeClaim": {"claimName": "c"}, "configMap": {}}"#
        let parsed = try JSONParser().parse(Array(text.utf8))
        let bytes = Array(text.utf8)
        let composed = bytes.withUnsafeBytes { YAMLComposer(limits: ParseLimits(), lineOffset: 0).documents(in: $0) }
        let held = try #require(composed.documents.first ?? nil)
        for node in [parsed, held] {
            let mapping = try #require(node.mapping)
            let found = mapping.first { $0.key != "name" && !$0.value.isNull }
            #expect(found?.key == "persistentVolumeClaim")
            #expect(found?.keyPosition.line == 1)
            #expect(mapping.first { $0.key == "absent" } == nil)
        }
    }
}
