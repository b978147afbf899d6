// Benchmark for the RBAC library: load a directory of RBAC manifests, then time who-can and
// can-i --list queries against it. Run through scripts/bench-rbac.sh, which prints the ratios.
import BrightKeysCore
import Foundation
import KubeModel
import RBACAnalysis

func seconds(_ work: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    work()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

let paths = Array(CommandLine.arguments.dropFirst())
guard !paths.isEmpty else {
    FileHandle.standardError.write(Data("usage: rbac-bench PATH...\n".utf8))
    exit(2)
}
let loader = ManifestLoader()
var policy: PolicySet?
var objectCount = 0
var parseTime = 0.0
let loadTime = seconds {
    var fragments: [PolicySet.Fragment] = []
    parseTime = seconds {
        let (files, _) = loader.expand(paths)
        let loaded = ParallelMap.run(count: files.count, workers: ProcessInfo.processInfo.activeProcessorCount) { index in
            let file = loader.load(file: files[index])
            return (file.objects.count, PolicySet.Fragment(objects: file.objects))
        }
        objectCount = loaded.reduce(0) { $0 + $1.0 }
        fragments = loaded.map(\.1)
    }
    policy = PolicySet(fragments: fragments)
}
guard let policy else { exit(2) }
let authorizer = Authorizer(policy: policy)
let namespaces = policy.namespacedBindings.keys.sorted()
var whoCanTimes: [Double] = []
var listTimes: [Double] = []
var answers = 0
// The widest question: who can read secrets in any namespace, every binding consulted.
let allNamespaces = seconds {
    for namespace in namespaces { answers += authorizer.whoCan(RequestAttributes(verb: "get", resource: "secrets", namespace: namespace)).count }
}
for round in 0..<21 {
    let namespace = namespaces.isEmpty ? "" : namespaces[round % namespaces.count]
    whoCanTimes.append(seconds { answers += authorizer.whoCan(RequestAttributes(verb: "get", resource: "secrets", namespace: namespace)).count })
    let user = UserInfo.impersonating("user-\(round * 37)", groups: ["group-\(round % 50)"])
    listTimes.append(seconds { answers += authorizer.rules(for: user, namespace: namespace).count })
}
print("objects:        \(objectCount) (roles \(policy.roles.count + policy.clusterRoles.count), bindings \(policy.allBindings.count))")
print("load seconds:   \(String(format: "%.3f", loadTime)) (read and extract \(String(format: "%.3f", parseTime)))")
print("who-can -A ms:  \(String(format: "%.2f", allNamespaces * 1000)) (every namespace, every binding)")
print("who-can ms:     \(String(format: "%.2f", median(whoCanTimes) * 1000)) (median of 21)")
print("can-i list ms:  \(String(format: "%.2f", median(listTimes) * 1000)) (median of 21)")
print("answers:        \(answers)")
