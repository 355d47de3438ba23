//! Where a desk keeps what it must not write in its database (a sync remote's API key, the
//! backups' passphrase): the operating system's keyring (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) when it answers, otherwise sealed with
//! ChaCha20-Poly1305 under a random key in a file of the user's config folder, so the database
//! alone (a copy, a backup, a log) never reveals it.

use crate::error::{Error, Result};
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::PathBuf;

const SERVICE: &str = "FlexDesk";

/// How a key was stored: in the keyring, or sealed (the text to keep in the database).
pub enum Stored {
    Keyring,
    Sealed(String),
}

fn account(desk_id: &str, bu_id: &str) -> String {
    format!("{desk_id}/{bu_id}")
}

fn keyring_wanted() -> bool {
    std::env::var("FLEXDESK_KEYRING")
        .map(|v| v != "off")
        .unwrap_or(true)
}

/// Keep `secret` for this desk and business unit.
pub fn store(desk_id: &str, bu_id: &str, secret: &str) -> Result<Stored> {
    if keyring_wanted() {
        if let Ok(entry) = keyring::Entry::new(SERVICE, &account(desk_id, bu_id)) {
            // Read back: some keyrings accept a write they cannot keep.
            if entry.set_password(secret).is_ok()
                && entry.get_password().ok().as_deref() == Some(secret)
            {
                return Ok(Stored::Keyring);
            }
        }
    }
    Ok(Stored::Sealed(seal(secret)?))
}

/// The secret kept by `store`.
pub fn load(desk_id: &str, bu_id: &str, key_store: &str, sealed: Option<&str>) -> Result<String> {
    match key_store {
        "keyring" => keyring::Entry::new(SERVICE, &account(desk_id, bu_id))
            .and_then(|e| e.get_password())
            .map_err(|e| {
                Error::new(
                    crate::ErrorCode::AuthRequired,
                    format!("The remote's API key could not be read from the keyring: {e}"),
                )
            }),
        _ => open(sealed.unwrap_or_default()),
    }
}

/// Forget the keyring entry (a sealed key goes with its database row).
pub fn forget(desk_id: &str, bu_id: &str) {
    if let Ok(e) = keyring::Entry::new(SERVICE, &account(desk_id, bu_id)) {
        let _ = e.delete_credential();
    }
}

fn key_file() -> PathBuf {
    std::env::var_os("FLEXDESK_SECRET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::config_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("flexdesk")
        })
        .join("desk-secret.key")
}

/// The sealing key, made on first use (readable by this user only).
fn sealing_key() -> Result<Key> {
    let path = key_file();
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == 32 {
            return Ok(*Key::from_slice(&bytes));
        }
    }
    let key = ChaCha20Poly1305::generate_key(&mut chacha20poly1305::aead::OsRng);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::internal(format!("Cannot create {}: {e}", dir.display())))?;
    }
    // Another process may have made it meanwhile: create_new, and read theirs if it exists.
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(&path) {
        Ok(mut f) => {
            std::io::Write::write_all(&mut f, key.as_slice())
                .map_err(|e| Error::internal(format!("Cannot write {}: {e}", path.display())))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::internal(format!("Cannot read {}: {e}", path.display())))?;
            (bytes.len() == 32)
                .then(|| *Key::from_slice(&bytes))
                .ok_or_else(|| Error::internal(format!("{} is damaged.", path.display())))
        }
        Err(e) => Err(Error::internal(format!(
            "Cannot create {}: {e}",
            path.display()
        ))),
    }
}

fn seal(secret: &str) -> Result<String> {
    let cipher = ChaCha20Poly1305::new(&sealing_key()?);
    let nonce = ChaCha20Poly1305::generate_nonce(&mut chacha20poly1305::aead::OsRng);
    let sealed = cipher
        .encrypt(&nonce, secret.as_bytes())
        .map_err(|_| Error::internal("The key could not be sealed."))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(format!(
        "v1:{}",
        base64::engine::general_purpose::STANDARD.encode(out)
    ))
}

fn open(sealed: &str) -> Result<String> {
    let unreadable = || {
        Error::new(
            crate::ErrorCode::AuthRequired,
            "The remote's API key cannot be unsealed on this machine; enter it again in Settings → Sync.",
        )
    };
    let raw = sealed
        .strip_prefix("v1:")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .filter(|b| b.len() > 12)
        .ok_or_else(unreadable)?;
    let (nonce, body) = raw.split_at(12);
    let plain = ChaCha20Poly1305::new(&sealing_key()?)
        .decrypt(Nonce::from_slice(nonce), body)
        .map_err(|_| unreadable())?;
    String::from_utf8(plain).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_again_and_its_text_does_not_contain_it() {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var("FLEXDESK_SECRET_DIR", dir.path());
        let sealed = seal("fd_live_secret_value").unwrap();
        assert!(!sealed.contains("fd_live_secret_value"));
        assert_eq!(open(&sealed).unwrap(), "fd_live_secret_value");
        // Another sealing key cannot open it.
        std::fs::write(dir.path().join("desk-secret.key"), [7u8; 32]).unwrap();
        assert!(open(&sealed).is_err());
    }
}
