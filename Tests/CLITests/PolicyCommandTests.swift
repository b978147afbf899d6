import Foundation
import Testing

extension CLITests {
    @Test func policyTestPassesTheExamples() throws {
        let result = try run(["policy", "test", "examples/policies"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("kyverno examples/policies/kyverno/kyverno-test.yaml\n"))
        #expect(result.stdout.contains("  PASS  policy image-policies rule autogen-cronjob-require-image-tag CronJob report: want fail, got fail\n"))
        #expect(result.stdout.contains("gator examples/policies/gatekeeper/suite.yaml\n"))
        #expect(result.stdout.hasSuffix("\n25 passed, 0 failed\n"))
        #expect(result.stderr.isEmpty)
    }

    @Test func policyTestExitsOneOnAFailedExpectation() throws {
        let result = try run(["policy", "test", "Tests/PolicyTests/Fixtures/failing"])
        #expect(result.status == 1)
        #expect(
            result.stdout.contains("  FAIL  policy image-rules rule disallow-latest-tag Pod root-latest: want pass, got fail: the latest tag is not allowed\n"))
        #expect(result.stdout.hasSuffix("0 passed, 4 failed\n"))
    }

    @Test func policyTestExitsTwoOnInputErrors() throws {
        let broken = try run(["policy", "test", "Tests/PolicyTests/Fixtures/broken"])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("error: Tests/PolicyTests/Fixtures/broken/bad-expression.yaml:15: ClusterPolicy broken rule unbalanced:"))
        let nothing = try run(["policy", "test", "examples/hardened"])
        #expect(nothing.status == 2)
        #expect(nothing.stderr == "error: no kyverno-test.yaml or gator Suite files in examples/hardened\n")
        let usage = try run(["policy", "test"])
        #expect(usage.status == 2)
    }
}
