import Foundation
import NIOCore
import NIOSSL

/// Serves the certificate and key currently on disk: every TLS handshake checks (at most once a
/// second) whether either file changed and loads them again, so a cert-manager rotation needs no
/// restart. A pair that fails to load keeps the previous one in use and is reported once.
public final class CertificateReloader: @unchecked Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let lock = NSLock()
    private var chain: [NIOSSLCertificateSource]
    private var key: NIOSSLPrivateKeySource
    private var stamp: String
    private var lastCheck: UInt64 = 0
    private var reportedStamp = ""
    private let log: @Sendable (String, String) -> Void
    /// How many times new files were loaded.
    public private(set) var reloads = 0

    /// Loads the pair once; throws when it cannot be read, so a server never starts without one.
    /// `log` receives a level (`info`, `error`) and a message.
    public init(certificate: String, key: String, log: @escaping @Sendable (String, String) -> Void = { _, _ in }) throws {
        certificatePath = certificate
        keyPath = key
        self.log = log
        (chain, self.key) = try Self.load(certificate: certificate, key: key)
        stamp = Self.stamp(certificate, key)
    }

    static func load(certificate: String, key: String) throws -> ([NIOSSLCertificateSource], NIOSSLPrivateKeySource) {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
        return (chain, .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    }

    /// Modification time, size and inode of both files: a rotation by rename changes the inode.
    static func stamp(_ paths: String...) -> String {
        paths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return "missing" }
            return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size):\(info.st_ino)"
        }
        .joined(separator: "|")
    }

    /// The pair to use now, loading new files when they changed.
    public func current() -> ([NIOSSLCertificateSource], NIOSSLPrivateKeySource) {
        lock.lock()
        defer { lock.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastCheck >= 1_000_000_000 || lastCheck == 0 else { return (chain, key) }
        lastCheck = now
        let latest = Self.stamp(certificatePath, keyPath)
        guard latest != stamp else { return (chain, key) }
        do {
            (chain, key) = try Self.load(certificate: certificatePath, key: keyPath)
            stamp = latest
            reloads += 1
            log("info", "loaded the rotated TLS certificate and key")
        } catch {
            // A half-written pair (certificate renewed, key not yet) is retried on the next check.
            if reportedStamp != latest {
                reportedStamp = latest
                log("error", "cannot load the changed TLS certificate or key, still serving the previous pair: \(error)")
            }
        }
        return (chain, key)
    }

    /// A server configuration whose certificate follows the files; TLS 1.2 or newer, and with a
    /// client CA, clients must present a certificate it signed.
    public func configuration(clientCA: String?) -> TLSConfiguration {
        let (chain, key) = current()
        var configuration = TLSFiles.configuration(chain: chain, key: key, clientCA: clientCA)
        configuration.sslContextCallback = { [self] _, promise in
            let (chain, key) = current()
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = chain
            override.privateKey = key
            promise.succeed(override)
        }
        return configuration
    }
}
