import Hummingbird
import Logging
import NIOCore

/// What the webhook servers share: a bounded intake of request bodies, and a main listener run
/// together with an optional plain listener for probes and metrics.
enum Intake {
    /// Why a body was not taken.
    enum Refusal {
        /// Every in-flight slot is taken (answer 429 with Retry-After).
        case busy
        /// Larger than the limit (answer 413).
        case tooLarge
    }

    /// Takes an in-flight slot, reads the body up to `maxBody` bytes and answers with `handle`,
    /// releasing the slot after; a refusal is answered by `refuse`.
    static func receive(
        _ request: Request, limit: InFlightLimit, maxBody: Int, refuse: (Refusal) -> Response, handle: (ByteBuffer, Request) async -> Response
    ) async throws -> Response {
        guard limit.acquire() else {
            var response = refuse(.busy)
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { limit.release() }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBody)
        } catch is NIOTooManyBytesError {
            return refuse(.tooLarge)
        }
        return await handle(buffer, request)
    }

    /// Runs `main` and, with an address, a plain-HTTP `probes` listener beside it, until either
    /// stops (a signal, or a bind failure); then both stop.
    static func run(_ main: some ApplicationProtocol, probes: Router<BasicRequestContext>, at address: (host: String, port: Int)?, logger: Logger)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await main.runService() }
            if let address {
                let plain = Application(
                    router: probes, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "brightkeys"),
                    logger: logger)
                group.addTask { try await plain.runService() }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
