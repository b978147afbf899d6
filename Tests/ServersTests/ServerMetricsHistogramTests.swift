import Servers
import Testing

extension ServerMetricsTests {
    /// Buckets are counted one by one and shown cumulative, as Prometheus reads them; the sum is
    /// kept to the nanosecond.
    @Test func histogramRendersCumulativeBuckets() {
        let metrics = ServerMetrics()
        let histogram = metrics.histogram("latency_seconds", help: "Latency.")
        for seconds in [0.00005, 0.0003, 0.002, 5.0, 0.0001] { histogram.observe(seconds: seconds) }
        let lines = metrics.render().split(separator: "\n").map(String.init)
        #expect(lines.contains("latency_seconds_bucket{le=\"0.0001\"} 2"))
        #expect(lines.contains("latency_seconds_bucket{le=\"0.00025\"} 2"))
        #expect(lines.contains("latency_seconds_bucket{le=\"0.0005\"} 3"))
        #expect(lines.contains("latency_seconds_bucket{le=\"0.0025\"} 4"))
        #expect(lines.contains("latency_seconds_bucket{le=\"2.5\"} 4"))
        #expect(lines.contains("latency_seconds_bucket{le=\"+Inf\"} 5"))
        #expect(lines.contains("latency_seconds_count 5"))
        #expect(lines.contains("latency_seconds_sum 5.00245"))
    }

    @Test func histogramCountsEveryObservationFromManyThreads() async {
        let metrics = ServerMetrics()
        let histogram = metrics.histogram("h")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<10_000 { histogram.observe(seconds: 0.0002) } } }
        }
        #expect(metrics.render().contains("h_count 80000\n"))
        #expect(metrics.render().contains("h_bucket{le=\"0.00025\"} 80000\n"))
    }
}
