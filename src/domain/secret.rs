//! A person's secret: a PIN (4–8 digits, for quick switching at a shared desk) or a password
//! (10–128 characters), kept only as an Argon2id hash (RustCrypto's `argon2` with its recommended
//! parameters, a random salt per hash). Hashing takes tens of milliseconds by design; callers run
//! it off the async threads (`services::users::hashed`).

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// A PIN's digits and a password's characters.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 10..=128;

/// What a secret is: all digits is a PIN, anything else a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pin,
    Password,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pin => "pin",
            Kind::Password => "password",
        }
    }
    /// The kind as `users.secret_kind` stores it (a password for anything but "pin").
    pub fn stored(kind: &str) -> Kind {
        if kind == Kind::Pin.as_str() {
            Kind::Pin
        } else {
            Kind::Password
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            Kind::Pin => "PIN",
            Kind::Password => "password",
        }
    }
}

/// Check a new secret (field `field`): a PIN of 4–8 digits or a password of 10–128 characters.
pub fn kind_of(field: &str, secret: &str) -> Result<Kind> {
    let n = secret.chars().count();
    if !secret.is_empty() && secret.chars().all(|c| c.is_ascii_digit()) && PIN_DIGITS.contains(&n) {
        return Ok(Kind::Pin);
    }
    if secret.chars().any(|c| !c.is_ascii_digit()) && PASSWORD_CHARS.contains(&n) {
        if secret.trim() != secret {
            return Err(Error::invalid(
                field,
                "A password cannot start or end with a space.",
            ));
        }
        return Ok(Kind::Password);
    }
    Err(Error::invalid(
        field,
        format!(
            "Use a PIN of {} to {} digits, or a password of at least {} characters.",
            PIN_DIGITS.start(),
            PIN_DIGITS.end(),
            PASSWORD_CHARS.start()
        ),
    ))
}

pub fn hash(secret: &str) -> Result<String> {
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| Error::internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing a secret: {e}")))
}

pub fn matches(stored: &str, secret: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_and_passwords_are_told_apart() {
        assert_eq!(kind_of("s", "1234").unwrap(), Kind::Pin);
        assert_eq!(kind_of("s", "12345678").unwrap(), Kind::Pin);
        assert_eq!(kind_of("s", "correct horse").unwrap(), Kind::Password);
        for bad in [
            "",
            "123",
            "123456789",
            "short1",
            " padded pass ",
            "0123456789",
        ] {
            assert!(kind_of("s", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_hash_is_argon2id_and_matches_only_its_secret() {
        let h = hash("2468").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(matches(&h, "2468"));
        assert!(!matches(&h, "2469"));
        assert!(!matches("not a hash", "2468"));
        assert_ne!(h, hash("2468").unwrap(), "a fresh salt each time");
    }
}
