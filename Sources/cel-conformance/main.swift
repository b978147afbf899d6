// Runs the cel-spec simple tests (protobuf JSON of SimpleTestFile) against the CEL library and
// prints a score per file and overall.
//   cel-conformance [-v] DIR
import CEL
import Foundation

var verbose = false
var dir: String?
for arg in CommandLine.arguments.dropFirst() {
    if arg == "-v" { verbose = true } else { dir = arg }
}
guard let dir else {
    FileHandle.standardError.write(Data("usage: cel-conformance [-v] DIR\n".utf8))
    exit(2)
}

func same(_ a: CELValue, _ b: CELValue) -> Bool { a.isIdentical(to: b) }

func render(_ v: CELValue) -> String {
    if case .error(let e) = v { return "error(\(e.message))" }
    let j = v.toProtoJSON()
    guard let d = try? JSONSerialization.data(withJSONObject: j, options: [.sortedKeys, .fragmentsAllowed]) else { return "\(v)" }
    return String(decoding: d, as: UTF8.self)
}

let fm = FileManager.default
let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
if files.isEmpty {
    print("no *.json files in \(dir)")
    exit(1)
}
var totalPassed = 0
var total = 0
for file in files {
    let path = (dir as NSString).appendingPathComponent(file)
    guard let data = fm.contents(atPath: path), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        print("\(file): unreadable")
        continue
    }
    let name = root["name"] as? String ?? file
    var passed = 0
    var count = 0
    for section in root["section"] as? [[String: Any]] ?? [] {
        for test in section["test"] as? [[String: Any]] ?? [] {
            count += 1
            let testName = "\(name)/\(section["name"] as? String ?? "")/\(test["name"] as? String ?? "")"
            let expr = test["expr"] as? String ?? ""
            var options = CELOptions(costLimit: nil)
            options.disableMacros = test["disableMacros"] as? Bool ?? false
            options.container = test["container"] as? String ?? ""
            var bindings: [String: CELValue] = [:]
            var setupError: String?
            for (k, v) in test["bindings"] as? [String: Any] ?? [:] {
                guard let value = (v as? [String: Any])?["value"] else {
                    setupError = "binding \(k) has no value"
                    continue
                }
                do { bindings[k] = try CELValue.fromProtoJSON(value) } catch { setupError = "binding \(k): \(error)" }
            }
            let got: CELValue
            do {
                let program = try CELProgram(expr, options: options)
                got = program.evaluate(bindings: bindings)
            } catch {
                got = .error(CELError("\(error)"))
            }
            var ok: Bool
            var expected: String
            if let ev = test["value"] {
                do {
                    let want = try CELValue.fromProtoJSON(ev)
                    ok = same(got, want)
                    expected = render(want)
                } catch {
                    ok = false
                    expected = "unsupported expectation: \(error)"
                }
            } else if test["evalError"] != nil || test["anyEvalErrors"] != nil {
                if case .error = got { ok = true } else { ok = false }
                expected = "an evaluation error"
            } else {
                ok = same(got, .bool(true))
                expected = "true"
            }
            if let setupError {
                ok = false
                expected += " (\(setupError))"
            }
            if ok {
                passed += 1
            } else if verbose {
                print("FAIL \(testName)\n  expr: \(expr)\n  want: \(expected)\n  got:  \(render(got))")
            }
        }
    }
    print("\(name): \(passed)/\(count)")
    totalPassed += passed
    total += count
}
let pct = total == 0 ? 0 : Double(totalPassed) * 100 / Double(total)
print("TOTAL: \(totalPassed)/\(total) (\(String(format: "%.2f", pct))%)")
