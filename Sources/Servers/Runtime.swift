import NIOCore
import NIOPosix

/// How the servers use their threads.
public enum ServerRuntime {
    /// Runs Swift Concurrency's jobs on NIO's event loop threads instead of a second pool of
    /// threads: a request's handler then runs where its bytes were read, without the two thread
    /// hops per request that the separate pools cost. Call once, from the main thread, before any
    /// task is started; false when the runtime does not allow it (the servers work either way).
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
