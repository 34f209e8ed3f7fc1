//! # Name
//! tls - STARTTLS for the client: rustls (ring), any certificate, verification recorded
//!
//! # Description
//! sendmail's client TLS is opportunistic: it accepts whatever certificate the server
//! shows and records in `${verify}` whether the chain verified against its CAs
//! (`CACertFile`, `CACertPath`); the log line says `verify=OK` or `verify=FAIL`,
//! and the delivery goes on either way. [`Tls`] does the same with rustls: the
//! handshake's signatures are checked as always (the server must hold the key of the
//! certificate it shows), the certificate itself is accepted, and
//! [`Tls::describe`] verifies the chain afterwards against the roots given
//! ([`roots_from_pem`]). Whether the certificate names the host is recorded too
//! ([`TlsInfo::name_matches`]) but, as in sendmail, not required. No SNI is sent,
//! as sendmail sends none without DANE.
//!
//! TLS 1.2 and 1.3 with ECDHE only (rustls has no finite-field Diffie-Hellman).
//!
//! # Errors
//! Reading a CA file ([`roots_from_pem`]); building the configuration.

use super::settings::Target;
use super::transcript::{TlsInfo, Verify};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::Path;
use std::sync::Arc;

/// Accepts every certificate; checks the handshake signatures.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client's TLS configuration and the roots it verifies against.
#[derive(Debug, Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl Tls {
    /// A configuration verifying against `roots` (empty: every chain is `FAIL`, as
    /// with sendmail without `CACertFile`).
    ///
    /// # Errors
    /// rustls refusing the protocol versions (cannot happen with ring).
    pub fn new(roots: RootCertStore) -> Result<Tls, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider.clone())))
            .with_no_client_auth();
        config.enable_sni = false;
        Ok(Tls { config: Arc::new(config), roots: Arc::new(roots), provider })
    }

    /// The connector for tokio streams.
    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config.clone())
    }

    /// The name rustls gets for `target` (its DNS name, else its address).
    pub fn server_name(target: &Target) -> ServerName<'static> {
        match ServerName::try_from(target.tls_name()) {
            Ok(name) => name,
            Err(_) => ServerName::IpAddress(target.ip.into()),
        }
    }

    /// What the finished handshake with `target` negotiated, and whether its
    /// certificate verified.
    pub fn describe(&self, conn: &ClientConnection, target: &Target) -> TlsInfo {
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
            _ => "unknown",
        };
        let (cipher, bits) = conn
            .negotiated_cipher_suite()
            .map_or(("unknown".to_string(), 0), |s| openssl_name(s.suite()));
        let (verify, name_matches) = match conn.peer_certificates() {
            Some([leaf, rest @ ..]) => self.verify(leaf, rest, target),
            _ => (Verify::Fail("no certificate".to_string()), false),
        };
        TlsInfo { version: version.to_string(), cipher, bits, verify, name_matches }
    }

    fn verify(
        &self,
        leaf: &CertificateDer<'_>,
        rest: &[CertificateDer<'_>],
        target: &Target,
    ) -> (Verify, bool) {
        let parsed = match ParsedCertificate::try_from(leaf) {
            Ok(p) => p,
            Err(e) => return (Verify::Fail(e.to_string()), false),
        };
        let algs = self.provider.signature_verification_algorithms.all;
        let chain = rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.roots,
            rest,
            UnixTime::now(),
            algs,
        );
        let name = rustls::client::verify_server_name(&parsed, &Tls::server_name(target)).is_ok();
        match chain {
            Ok(()) => (Verify::Ok, name),
            Err(e) => (Verify::Fail(e.to_string()), name),
        }
    }
}

/// OpenSSL's name for a rustls cipher suite (what sendmail logs), and its key bits.
fn openssl_name(suite: rustls::CipherSuite) -> (String, u16) {
    use rustls::CipherSuite as C;
    let (name, bits) = match suite {
        C::TLS13_AES_256_GCM_SHA384 => ("TLS_AES_256_GCM_SHA384", 256),
        C::TLS13_AES_128_GCM_SHA256 => ("TLS_AES_128_GCM_SHA256", 128),
        C::TLS13_CHACHA20_POLY1305_SHA256 => ("TLS_CHACHA20_POLY1305_SHA256", 256),
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-ECDSA-AES256-GCM-SHA384", 256),
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-ECDSA-AES128-GCM-SHA256", 128),
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-ECDSA-CHACHA20-POLY1305", 256),
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-RSA-AES256-GCM-SHA384", 256),
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-RSA-AES128-GCM-SHA256", 128),
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-RSA-CHACHA20-POLY1305", 256),
        other => return (format!("{other:?}"), 0),
    };
    (name.to_string(), bits)
}

/// The certificates of PEM files (sendmail's `CACertFile`, and the files of
/// `CACertPath`) as a root store.
///
/// # Errors
/// A file that cannot be read or holds a malformed PEM block; a certificate rustls
/// cannot use as a trust anchor.
pub fn roots_from_pem(files: &[&Path]) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for file in files {
        let certs = CertificateDer::pem_file_iter(file)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", file.display()))?;
        for cert in certs {
            roots.add(cert).map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_are_openssls() {
        assert_eq!(
            openssl_name(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384),
            ("TLS_AES_256_GCM_SHA384".into(), 256)
        );
        assert_eq!(
            openssl_name(rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            ("ECDHE-RSA-AES128-GCM-SHA256".into(), 128)
        );
    }

    #[test]
    fn server_names_fall_back_to_the_address() {
        let t = Target::ip("127.0.0.1".parse().unwrap(), 25);
        assert!(matches!(Tls::server_name(&t), ServerName::IpAddress(_)));
        let t = Target { host: "mx.example.org.".into(), ..t };
        assert_eq!(Tls::server_name(&t), ServerName::try_from("mx.example.org").unwrap());
    }

    #[test]
    fn a_missing_ca_file_is_an_error() {
        let err = roots_from_pem(&[Path::new("/nonexistent/ca.pem")]).unwrap_err();
        assert!(err.starts_with("/nonexistent/ca.pem: "), "{err}");
    }
}
