import Foundation
import Testing

@testable import KubeModel

/// The escaper reads eight bytes at a time; these cases put every kind of byte that needs an
/// escape at every offset of a word, and check the result against Foundation's decoder.
struct JSONStringTests {
    static let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", "]", "!", " "]

    func decoded(_ bytes: [UInt8]) throws -> String {
        try JSONDecoder().decode(String.self, from: Data(bytes))
    }

    @Test func everySpecialByteAtEveryOffsetRoundTrips() throws {
        for special in Self.specials {
            for offset in 0..<20 {
                let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 19 - offset)
                var bytes: [UInt8] = []
                JSONString.append(text, to: &bytes)
                #expect(try decoded(bytes) == text, "\(special.debugDescription) at \(offset)")
                var string = ""
                JSONString.append(text, to: &string)
                #expect(Array(string.utf8) == bytes)
            }
        }
    }

    @Test func escapesExactlyWhatJSONRequires() {
        var bytes: [UInt8] = []
        JSONString.append("a\"b\\c\nd\u{1}e\u{7F}f]", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #""a\"b\\c\nd\u0001e"# + "\u{7F}f]\"")
    }

    @Test func wordTestHasNoFalseNegatives() {
        // Every byte value in every lane: the word test must flag each one that needs an escape.
        for lane in 0..<8 {
            for value in 0...255 {
                let word = UInt64(0x6161_6161_6161_6161) & ~(UInt64(0xFF) << (lane * 8)) | UInt64(value) << (lane * 8)
                let needs = value < 0x20 || value == 0x22 || value == 0x5C
                if needs { #expect(JSONString.mayNeedEscape(word), "byte \(value) in lane \(lane)") }
            }
        }
    }
}
