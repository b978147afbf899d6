import Foundation
import Testing

@testable import KubeModel

struct LoaderTests {
    func load(_ text: String, loader: ManifestLoader = ManifestLoader()) -> LoadedFile {
        loader.load(bytes: Array(text.utf8), file: "test.yaml")
    }

    @Test func multiDocumentYAMLKeepsLines() throws {
        let loaded = load(
            """
            # leading comment
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
            ---
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: b}
            data:
              key: dmFsdWU=
            """)
        #expect(loaded.errors.isEmpty)
        #expect(loaded.objects.map(\.name) == ["a", "b"])
        #expect(loaded.objects[0].line == 2)
        #expect(loaded.objects[1].root.keyPosition("data")?.line == 11)
        #expect(loaded.objects[1].root["data"]?.keyPosition("key")?.line == 12)
        #expect(loaded.objects[1].root["data"]?.keyPosition("key")?.column == 3)
    }

    @Test func listsAreExpanded() {
        let loaded = load(
            """
            apiVersion: v1
            kind: PodList
            items:
            - kind: Pod
              metadata: {name: one}
            - apiVersion: v1
              kind: Pod
              metadata: {name: two}
            """)
        #expect(loaded.objects.map(\.name) == ["one", "two"])
        #expect(loaded.objects[0].apiVersion == "v1")
        #expect(loaded.objects[1].pathInDocument == "items[1]")
    }

    @Test func jsonIsRead() {
        let loaded = load(#"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}]}"#)
        #expect(loaded.errors.isEmpty)
        #expect(loaded.objects.first?.kind == "Namespace")
    }

    @Test func nonKubernetesDocumentsAreNotedNotFailed() {
        let loaded = load("name: not-an-object\nvalue: 3\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}\n")
        #expect(loaded.errors.isEmpty)
        #expect(loaded.notes.count == 1)
        #expect(loaded.notes.first?.message.contains("apiVersion and kind") == true)
        #expect(loaded.objects.count == 1)
    }

    @Test func malformedDocumentIsAnErrorAndTheRestStillLoads() throws {
        let loaded = load(
            """
            apiVersion: v1
            kind: Namespace
            metadata: {name: first}
            ---
            apiVersion: v1
            kind: ConfigMap
            data: [unclosed
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: third}
            """)
        #expect(loaded.objects.map(\.name) == ["first", "third"])
        let error = try #require(loaded.errors.first)
        #expect(error.position?.line ?? 0 >= 7)
        #expect(error.description.hasPrefix("test.yaml:"))
    }

    @Test func duplicateKeysAreReportedAndTheLastWins() throws {
        let loaded = load(#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}"#)
        let error = try #require(loaded.errors.first)
        #expect(error.message.contains("duplicate key \"name\""))
        #expect(loaded.objects.first?.name == "b")
    }

    @Test func yaml11ScalarsResolveAsKubernetesReadsThem() {
        let loaded = load("apiVersion: v1\nkind: X\nspec: {a: yes, b: off, c: 0755, d: '0755', e: 1e3, f: ~, g: 0x1F, h: \"true\", i: 1_000}\n")
        let spec = loaded.objects.first?.root["spec"]
        #expect(spec?["a"]?.bool == true)
        #expect(spec?["b"]?.bool == false)
        #expect(spec?["c"]?.int == 493)
        #expect(spec?["d"]?.string == "0755")
        #expect(spec?["e"]?.int == 1000)
        #expect(spec?["f"]?.isNull == true)
        #expect(spec?["g"]?.int == 31)
        #expect(spec?["h"]?.string == "true")
        #expect(spec?["i"]?.int == 1000)
    }

    @Test func mergeKeysApply() {
        let loaded = load("apiVersion: v1\nkind: X\nbase: &b {a: 1, b: 2}\nspec:\n  <<: *b\n  b: 3\n")
        let spec = loaded.objects.first?.root["spec"]
        #expect(spec?["a"]?.int == 1)
        #expect(spec?["b"]?.int == 3)
    }

    @Test func aliasBombIsRefused() throws {
        var text = "apiVersion: v1\nkind: ConfigMap\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let loaded = load(text)
        let error = try #require(loaded.errors.first)
        #expect(error.message.contains("alias"))
        #expect(loaded.objects.isEmpty)
    }

    @Test func deepNestingIsRefused() throws {
        let depth = 10_000
        let loaded = load(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        let error = try #require(loaded.errors.first)
        #expect(error.message.contains("nest") || error.message.contains("depth"))
        let block = (0..<2000).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n")
        #expect(!load(block).errors.isEmpty)
    }

    @Test func oversizedDocumentIsRefusedWithoutParsing() throws {
        var loader = ManifestLoader()
        loader.maxDocumentBytes = 1024
        let loaded = load("apiVersion: v1\nkind: ConfigMap\ndata:\n  big: \"" + String(repeating: "x", count: 4096) + "\"\n", loader: loader)
        #expect(loaded.errors.first?.message.contains("limit") == true)
    }

    @Test func badBytesAreInputErrors() {
        #expect(ManifestLoader().load(bytes: [], file: "empty.yaml").errors.first?.message.contains("empty") == true)
        #expect(ManifestLoader().load(bytes: [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01], file: "bin.yaml").errors.first?.message.contains("binary") == true)
        let invalid: [UInt8] = Array("apiVersion: v1\nkind: ConfigMap\ndata: {a: \"".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        let loaded = ManifestLoader().load(bytes: invalid, file: "bad.yaml")
        #expect(loaded.errors.count == 1)
        #expect(loaded.errors.first?.position?.line == 3)
    }

    @Test func directoriesAreWalkedAndUnreadableEntriesReported() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bk-walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("nested"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n".write(
            to: directory.appendingPathComponent("nested/a.yaml"), atomically: true, encoding: .utf8)
        try "not yaml".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("dangling.yaml").path, withDestinationPath: "/nonexistent/target")
        let fifo = directory.appendingPathComponent("fifo.yaml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let loader = ManifestLoader()
        let (files, errors) = loader.expand([directory.path])
        #expect(files.map { ($0 as NSString).lastPathComponent }.sorted() == ["a.yaml", "fifo.yaml"])
        #expect(errors.count == 1)
        #expect(errors.first?.file.hasSuffix("dangling.yaml") == true)
        // A FIFO must be refused, not read: reading it would block forever.
        #expect(loader.load(file: fifo).errors.first?.message == "not a regular file")
        #expect(loader.load(file: files.first { $0.hasSuffix("a.yaml") } ?? "").objects.count == 1)
    }

    @Test func yaml11BooleansWhereStringsBelongAreErrors() throws {
        let loaded = load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: y\n  labels: {enabled: true, tier: web}\n")
        #expect(loaded.errors.count == 2)
        #expect(loaded.errors.first?.message.contains("metadata.name must be a string") == true)
        #expect(loaded.errors.first?.position?.line == 4)
        #expect(loaded.errors.last?.message.contains("metadata.labels.enabled") == true)
        // Still scanned, as the last-resort reading.
        #expect(loaded.objects.count == 1)
    }
}
