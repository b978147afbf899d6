// Evaluation speed of one admission-style expression over a three-container pod.
//   cel-bench [ITERATIONS]   (default 100000); prints evaluations per second.
import CEL
import Foundation

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100_000 : 100_000
let expression = "object.spec.containers.all(c, has(c.securityContext) && c.securityContext.runAsNonRoot == true)"
let podJSON = """
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
     "spec": {"containers": [
       {"name": "c0", "image": "nginx", "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}},
       {"name": "c1", "image": "nginx", "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}},
       {"name": "c2", "image": "nginx", "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false}}]}}
    """

do {
    let program = try CELProgram(expression, options: CELOptions(variables: ["object"]))
    let pod = CELValue.fromJSON(try JSONSerialization.jsonObject(with: Data(podJSON.utf8)))
    let bindings = ["object": pod]
    guard case .bool(true) = program.evaluate(bindings: bindings) else {
        print("cel-bench: unexpected result \(program.evaluate(bindings: bindings))")
        exit(1)
    }
    var trues = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<iterations {
        if case .bool(true) = program.evaluate(bindings: bindings) { trues += 1 }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    precondition(trues == iterations)
    let rate = String(format: "%.0f", Double(iterations) / seconds)
    print("brightkeys: \(iterations) evaluations in \(String(format: "%.3f", seconds)) s, \(rate) evaluations/s")
} catch {
    print("cel-bench: \(error)")
    exit(1)
}
