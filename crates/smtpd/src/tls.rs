//! STARTTLS: the server's rustls configuration from `ServerCertFile` and
//! `ServerKeyFile` (PEM).
//!
//! rustls offers TLS 1.2 and 1.3 with ECDHE key exchange only: there is no finite
//! field Diffie-Hellman at all, so Logjam-style weak groups cannot happen here and
//! `confDH_PARAMETERS` has nothing to configure. The details sendmail records in
//! `Received:` (`version=... cipher=... bits=... verify=...`) come from
//! [`describe`].
//!
//! # Errors
//! An unreadable certificate or key file, or a key that does not match.

use anyhow::{anyhow, Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::Path;
use std::sync::Arc;

/// The acceptor for `cert` and `key`.
///
/// # Errors
/// See the module documentation.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| anyhow!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(anyhow!("{}: no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| anyhow!("{}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("ServerCertFile and ServerKeyFile do not match")?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// `version=TLSv1.3 cipher=TLS13_AES_256_GCM_SHA384 bits=256 verify=NOT`, as
/// sendmail's `${tls_version}`, `${cipher}`, `${cipher_bits}` and `${verify}` give it.
pub fn describe(conn: &rustls::ServerConnection) -> String {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
        _ => "unknown",
    };
    let (cipher, bits) = match conn.negotiated_cipher_suite() {
        Some(suite) => {
            let name = format!("{:?}", suite.suite());
            let bits = if name.contains("256") || name.contains("CHACHA20") { 256 } else { 128 };
            (name, bits)
        }
        None => ("unknown".to_string(), 0),
    };
    format!("version={version} cipher={cipher} bits={bits} verify=NOT")
}
