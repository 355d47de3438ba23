//! A backup encrypted with a passphrase: XChaCha20-Poly1305 in the STREAM construction (64 KiB
//! chunks, each authenticated, the last one marked, so a cut or reordered file is refused) under a
//! key derived from the passphrase with Argon2id. The header holds what decryption needs
//! besides the passphrase.
//!
//! `MAGIC` (16) · version (1) · Argon2 memory KiB, passes, lanes (3 × u32 LE) · salt (16) ·
//! nonce prefix (19) · chunks of 64 KiB + 16-byte tag.

use crate::error::{Error, ErrorCode, Result};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use std::io::{Read, Write};

pub const MAGIC: &[u8; 16] = b"FLEXDESK-BKP-ENC";
const VERSION: u8 = 1;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
/// Argon2id as OWASP recommends it: 19 MiB, 2 passes, 1 lane.
const PARAMS: (u32, u32, u32) = (19_456, 2, 1);

/// The passphrase's refusal: none given, or one that does not open the file.
pub fn passphrase_needed() -> Error {
    Error::invalid(
        "passphrase",
        "This backup is encrypted: give its passphrase.",
    )
}

fn wrong_passphrase() -> Error {
    Error::invalid(
        "passphrase",
        "The passphrase does not open this backup (or the backup is damaged); nothing was changed.",
    )
}

fn key_of(pass: &str, salt: &[u8], (m, t, p): (u32, u32, u32)) -> Result<chacha20poly1305::Key> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| Error::new(ErrorCode::ValidationError, format!("backup header: {e}")))?;
    let mut key = chacha20poly1305::Key::default();
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(pass.as_bytes(), salt, &mut key)
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(key)
}

/// A passphrase worth the name: 10 characters at least.
pub fn check_passphrase(pass: &str) -> Result<()> {
    if pass.chars().count() < 10 {
        return Err(Error::invalid(
            "passphrase",
            "A backup passphrase has 10 characters at least.",
        ));
    }
    Ok(())
}

/// Writes what it is given encrypted to `inner`; `finish` writes the last chunk.
pub struct EncryptWriter<W: Write> {
    inner: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
}

impl<W: Write> EncryptWriter<W> {
    pub fn new(mut inner: W, pass: &str) -> Result<Self> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 19];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let key = key_of(pass, &salt, PARAMS)?;
        let io = |e: std::io::Error| Error::internal(e.to_string());
        inner.write_all(MAGIC).map_err(io)?;
        inner.write_all(&[VERSION]).map_err(io)?;
        for v in [PARAMS.0, PARAMS.1, PARAMS.2] {
            inner.write_all(&v.to_le_bytes()).map_err(io)?;
        }
        inner.write_all(&salt).map_err(io)?;
        inner.write_all(&nonce).map_err(io)?;
        let aead = XChaCha20Poly1305::new(&key);
        Ok(EncryptWriter {
            inner,
            enc: Some(EncryptorBE32::from_aead(aead, nonce.as_ref().into())),
            buf: Vec::with_capacity(CHUNK),
        })
    }

    /// Write the last chunk and hand back the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        let enc = self.enc.take().expect("finished once");
        let last = enc
            .encrypt_last(self.buf.as_slice())
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        self.inner.write_all(&last)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut rest = data;
        while !rest.is_empty() {
            let take = (CHUNK - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            // A full chunk is written only once more follows, so the last one is always `last`.
            if self.buf.len() == CHUNK && !rest.is_empty() {
                let out = self
                    .enc
                    .as_mut()
                    .expect("not finished")
                    .encrypt_next(self.buf.as_slice())
                    .map_err(|_| std::io::Error::other("encryption failed"))?;
                self.inner.write_all(&out)?;
                self.buf.clear();
            }
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Reads an encrypted backup as its plain bytes; a wrong passphrase or any damaged, cut or
/// reordered chunk is an error.
pub struct DecryptReader<R: Read> {
    inner: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    out: Vec<u8>,
    pos: usize,
    /// The next chunk read ahead, to know whether the current one is the last.
    ahead: Vec<u8>,
}

fn read_full(r: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

impl<R: Read> DecryptReader<R> {
    /// Open after `MAGIC` has been read from `inner`.
    pub fn new(mut inner: R, pass: Option<&str>) -> Result<Self> {
        let damaged = |_| Error::invalid("backup", "The backup's header is cut short.");
        let head = read_full(&mut inner, 1 + 12 + 16 + 19).map_err(damaged)?;
        if head.len() < 48 {
            return Err(Error::invalid(
                "backup",
                "The backup's header is cut short.",
            ));
        }
        if head[0] > VERSION {
            return Err(super::archive::newer("encryption version"));
        }
        let u = |i: usize| u32::from_le_bytes(head[i..i + 4].try_into().expect("4 bytes"));
        let params = (u(1), u(5), u(9));
        let (salt, nonce) = (&head[13..29], &head[29..48]);
        let pass = pass.ok_or_else(passphrase_needed)?;
        let key = key_of(pass, salt, params)?;
        let dec = DecryptorBE32::from_aead(XChaCha20Poly1305::new(&key), nonce.into());
        let mut r = DecryptReader {
            ahead: read_full(&mut inner, CHUNK + TAG)
                .map_err(|e| Error::internal(e.to_string()))?,
            inner,
            dec: Some(dec),
            out: vec![],
            pos: 0,
        };
        // The first chunk decides whether the passphrase is right.
        r.next_chunk().map_err(|_| wrong_passphrase())?;
        Ok(r)
    }

    fn next_chunk(&mut self) -> std::io::Result<()> {
        let Some(dec) = self.dec.as_mut() else {
            self.out.clear();
            self.pos = 0;
            return Ok(());
        };
        let current = std::mem::take(&mut self.ahead);
        self.ahead = read_full(&mut self.inner, CHUNK + TAG)?;
        let bad =
            |_| std::io::Error::new(std::io::ErrorKind::InvalidData, "a chunk does not decrypt");
        self.out = if self.ahead.is_empty() {
            self.dec
                .take()
                .expect("open")
                .decrypt_last(current.as_slice())
                .map_err(bad)?
        } else {
            dec.decrypt_next(current.as_slice()).map_err(bad)?
        };
        self.pos = 0;
        Ok(())
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.out.len() {
            if self.dec.is_none() {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seal(data: &[u8], pass: &str) -> Vec<u8> {
        let mut w = EncryptWriter::new(Vec::new(), pass).unwrap();
        // In odd pieces, across chunk borders.
        for piece in data.chunks(10_007) {
            w.write_all(piece).unwrap();
        }
        w.finish().unwrap()
    }

    fn open(sealed: &[u8], pass: Option<&str>) -> Result<Vec<u8>> {
        assert_eq!(&sealed[..16], MAGIC);
        let mut r = DecryptReader::new(&sealed[16..], pass)?;
        let mut out = vec![];
        r.read_to_end(&mut out)
            .map_err(|e| Error::invalid("backup", e.to_string()))?;
        Ok(out)
    }

    #[test]
    fn what_is_sealed_opens_with_its_passphrase_only_and_whole_only() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sealed = seal(&data, "correct horse battery");
            assert_eq!(
                open(&sealed, Some("correct horse battery")).unwrap(),
                data,
                "{len}"
            );
            let e = open(&sealed, Some("wrong horse battery")).unwrap_err();
            assert!(e.message.contains("does not open"), "{len}: {}", e.message);
            assert!(open(&sealed, None)
                .unwrap_err()
                .message
                .contains("encrypted"));
            if len > CHUNK {
                // Cut after a whole chunk: the last one is missing, which the stream notices.
                let cut = &sealed[..64 + CHUNK + TAG];
                assert!(open(cut, Some("correct horse battery")).is_err(), "{len}");
            }
        }
    }
}
