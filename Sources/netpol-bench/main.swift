// Benchmark for the NetworkPolicy engine: load manifests, then time a full reach (every allowed
// connection). Run through scripts/bench-netpol.sh, which generates topologies of growing size.
import BrightKeysCore
import Foundation
import KubeModel
import NetworkAnalysis

func seconds(_ work: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    work()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let paths = Array(CommandLine.arguments.dropFirst())
guard !paths.isEmpty else {
    FileHandle.standardError.write(Data("usage: netpol-bench PATH...\n".utf8))
    exit(2)
}
let loader = ManifestLoader()
var topology: Topology?
let loadTime = seconds {
    let (files, _) = loader.expand(paths)
    let loaded = ParallelMap.run(count: files.count, workers: ProcessInfo.processInfo.activeProcessorCount) { loader.load(file: files[$0]) }
    topology = Topology(objects: loaded.flatMap(\.objects))
}
guard let topology else { exit(2) }
var connections = 0
var best = Double.infinity
for _ in 0..<3 {
    let time = seconds { connections = Reachability(topology: topology).allConnections().count }
    best = min(best, time)
}
print("workloads:     \(topology.endpoints.count) in \(Set(topology.endpoints.map(\.namespace)).count) namespaces, policies \(topology.policies.count)")
print("load seconds:  \(String(format: "%.3f", loadTime))")
print("reach seconds: \(String(format: "%.3f", best)) (best of 3, \(connections) connections)")
