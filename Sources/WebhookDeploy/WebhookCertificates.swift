import Crypto
import Foundation
import SwiftASN1
import X509

/// A CA and a serving certificate for the webhook's Service, made without openssl.
public struct WebhookCertificates: Sendable {
    /// PEM: the CA certificate (the `caBundle` of the webhook configuration).
    public let caCertificate: String
    /// PEM: the serving certificate, for `NAME.NAMESPACE.svc` and its longer and shorter forms.
    public let certificate: String
    /// PEM (PKCS#8): the serving certificate's private key.
    public let privateKey: String
    /// The DNS names the serving certificate is valid for.
    public let dnsNames: [String]

    /// The names the API server may use for the Service: it calls `NAME.NAMESPACE.svc`.
    public static func dnsNames(service: String, namespace: String) -> [String] {
        ["\(service).\(namespace).svc", "\(service).\(namespace).svc.cluster.local", "\(service).\(namespace)", service]
    }

    /// ECDSA P-256 keys; the CA is valid for `days` (at least the serving certificate's lifetime),
    /// the serving certificate for `days` too, both from one hour ago (clock skew).
    public static func generate(service: String, namespace: String, days: Int = 365, now: Date = Date()) throws -> WebhookCertificates {
        let names = dnsNames(service: service, namespace: namespace)
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(Double(days) * 86400)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("brightkeys")
            CommonName("brightkeys webhook CA for \(service).\(namespace)")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("brightkeys")
            CommonName(names[0])
        }
        let serving = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey)).keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))
        return WebhookCertificates(
            caCertificate: try ca.serializeAsPEM().pemString, certificate: try serving.serializeAsPEM().pemString,
            privateKey: key.pemRepresentation, dnsNames: names)
    }
}
