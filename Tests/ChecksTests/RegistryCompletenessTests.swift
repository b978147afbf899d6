import BrightKeysCore
import Checks
import Foundation
import Testing

/// The registry is a list in code; this test keeps it complete: every check type declared under
/// Sources/Checks and Sources/PodSecurity/Controls must be registered, and nothing else.
struct RegistryCompletenessTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    static func declaredCheckTypes() throws -> Set<String> {
        var names = Set<String>()
        for folder in ["Checks", "PodSecurity/Controls"] {
            let root = sources.appendingPathComponent(folder)
            let enumerator = FileManager.default.enumerator(atPath: root.path)
            while let path = enumerator?.nextObject() as? String {
                guard path.hasSuffix(".swift") else { continue }
                let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
                for line in text.split(separator: "\n") where line.hasPrefix("public struct ") {
                    let declaration = line.dropFirst("public struct ".count)
                    guard let colon = declaration.firstIndex(of: ":") else { continue }
                    let conformances = declaration[declaration.index(after: colon)...]
                    if conformances.contains("Check") || conformances.contains("PodSecurityControl") {
                        names.insert(String(declaration[..<colon]))
                    }
                }
            }
        }
        return names
    }

    @Test func everyDeclaredCheckIsRegistered() throws {
        let registered = Set(BuiltinChecks.all.map { String(describing: type(of: $0)) })
        let declared = try Self.declaredCheckTypes()
        #expect(declared.count >= 30)
        #expect(
            declared == registered,
            "declared but not registered: \(declared.subtracting(registered)); registered but not declared: \(registered.subtracting(declared))")
    }
}
