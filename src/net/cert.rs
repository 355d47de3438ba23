//! Certificates a hub makes for itself and desks are asked to trust: a self-signed pair for
//! `serve --tls-cert/--tls-key` (rcgen), and the fingerprint people compare by eye.

use crate::error::{Error, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// A self-signed certificate for `names` (host names or addresses), valid until 2099: the
/// certificate and the private key, both PEM.
pub fn self_signed(names: &[String]) -> Result<(String, String)> {
    if names.is_empty() {
        return Err(Error::invalid(
            "name",
            "Name the hub as desks reach it (e.g. hub.shop.lan or 192.168.1.20).",
        ));
    }
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .map_err(|e| Error::invalid("name", format!("Not a host name or address: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, names[0].clone());
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 12, 31);
    let key = rcgen::KeyPair::generate().map_err(|e| Error::internal(e.to_string()))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The SHA-256 fingerprint of a PEM certificate's first certificate, as `AB:CD:…`, to compare by
/// eye on the desk that is asked to trust it.
pub fn fingerprint(pem: &str) -> Result<String> {
    use sha2::Digest;
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| Error::invalid("certificate", format!("Not a PEM certificate: {e}")))?;
    Ok(sha2::Sha256::digest(der.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}
