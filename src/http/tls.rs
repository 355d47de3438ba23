//! HTTPS for `serve` (a hub on a LAN): rustls on ring with the certificate chain and private key
//! of PEM files, served by axum-server (which does each handshake in its own task, with a
//! timeout, so a slow client holds up nobody). `flexdesk tls-cert` makes a self-signed pair for a
//! hub without a certificate authority (`net::cert`); desks then trust that certificate
//! (`remote set --ca-cert`).

use crate::error::{Error, ErrorCode, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The certificate chain and key `serve` speaks TLS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn refused(what: &str, path: &Path, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::ValidationError,
        format!("The TLS {what} {} cannot be used: {why}", path.display()),
    )
}

/// The server's rustls configuration, read from the files now (a wrong file stops `serve` before
/// it listens).
pub(super) fn config(files: &TlsFiles) -> Result<axum_server::tls_rustls::RustlsConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| refused("certificate", &files.cert, e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| refused("certificate", &files.cert, e))?;
    if certs.is_empty() {
        return Err(refused(
            "certificate",
            &files.cert,
            "it holds no PEM certificate",
        ));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(|e| refused("key", &files.key, e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::internal(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| {
        refused(
            "key",
            &files.key,
            format!("it does not fit the certificate ({e})"),
        )
    })?;
    let mut config = config;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(config),
    ))
}
