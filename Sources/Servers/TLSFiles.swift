import NIOSSL

/// TLS settings from PEM files: TLS 1.2 or newer, and, with a client CA, clients must present a
/// certificate it signed (the API server's, for webhooks).
public enum TLSFiles {
    public static func configuration(certificate: String, key: String, clientCA: String?) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        return configuration(chain: chain, key: .privateKey(privateKey), clientCA: clientCA)
    }

    /// The same from a loaded chain and key.
    static func configuration(chain: [NIOSSLCertificateSource], key: NIOSSLPrivateKeySource, clientCA: String?) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            configuration.trustRoots = .file(clientCA)
            configuration.certificateVerification = .noHostnameVerification
        }
        return configuration
    }
}
