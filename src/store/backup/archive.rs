//! The backup file: a gzip-compressed tar (readable with `tar xzf`) whose first entry is
//! `manifest.json`, then the database copy `flexdesk.db`, then the files folder under `files/`.
//! Written to `<name>.partial`, flushed and renamed, so a backup on disk is whole or absent.

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read};
use std::path::{Component, Path, PathBuf};

/// The archive layout this FlexDesk writes and reads; a newer one is refused.
pub const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "flexdesk.db";
const FILES: &str = "files";

/// What a backup holds, written first in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: u32,
    /// The FlexDesk that made it.
    pub app_version: String,
    /// The last migration applied to the copied database.
    pub schema_version: i64,
    pub created_at: String,
    pub desk_id: String,
    pub desk_code: String,
    /// Why it was made: `manual`, `daily`, `before-update`.
    pub reason: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    pub files: u64,
}

fn damaged(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::ValidationError,
        format!("The backup is damaged or incomplete ({e}); nothing was changed."),
    )
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::internal(format!("{}: {e}", path.display()))
}

/// The SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = BufReader::new(File::open(path).map_err(io(path))?);
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(path))?;
    Ok(hex::encode(h.finalize()))
}

/// Every regular file under `root`, relative to it, in a stable order.
fn files_under(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![];
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let e = e.map_err(io(&dir))?;
            let t = e.file_type().map_err(io(&dir))?;
            if t.is_dir() {
                todo.push(e.path());
            } else if t.is_file() {
                let p = e.path();
                // A file still being written (`.part`) is not part of the store yet.
                if p.extension().is_some_and(|x| x == "part") {
                    continue;
                }
                out.push(p.strip_prefix(root).unwrap_or(&p).to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Where an archive is written: the file, or the file through the encryption.
enum Sink {
    Plain(BufWriter<File>),
    Sealed(super::crypt::EncryptWriter<BufWriter<File>>),
}

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(b),
            Sink::Sealed(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Sealed(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> std::io::Result<File> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Sealed(w) => w.finish()?,
        };
        buffered.into_inner().map_err(|e| e.into_error())
    }
}

/// A backup's bytes as the archive: decrypted with `pass` when the file is encrypted.
fn reader(archive: &Path, pass: Option<&str>) -> Result<Box<dyn Read>> {
    let mut file = BufReader::new(File::open(archive).map_err(|e| {
        Error::new(
            ErrorCode::NotFound,
            format!("Cannot open the backup {}: {e}", archive.display()),
        )
    })?);
    let mut head = Vec::with_capacity(16);
    (&mut file)
        .take(16)
        .read_to_end(&mut head)
        .map_err(damaged)?;
    if head.as_slice() == super::crypt::MAGIC {
        return Ok(Box::new(super::crypt::DecryptReader::new(file, pass)?));
    }
    Ok(Box::new(std::io::Cursor::new(head).chain(file)))
}

/// Whether a backup file is encrypted.
pub fn is_encrypted(archive: &Path) -> bool {
    let mut head = [0u8; 16];
    File::open(archive)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == super::crypt::MAGIC
}

/// Write the archive of `db_copy` (a finished copy, not the live file) and the files under
/// `files_root` to `out`, which must not exist; encrypted when `pass` is given. The manifest's
/// file count is filled in here; the file's size and the manifest as written are returned.
pub fn write(
    out: &Path,
    mut manifest: Manifest,
    db_copy: &Path,
    files_root: &Path,
    pass: Option<&str>,
) -> Result<(u64, Manifest)> {
    let files = files_under(files_root)?;
    manifest.files = files.len() as u64;
    let partial = crate::store::with_suffix(out, ".partial");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(io(&partial))?;
    let sink = match pass {
        None => Sink::Plain(BufWriter::new(file)),
        Some(p) => match super::crypt::EncryptWriter::new(BufWriter::new(file), p) {
            Ok(w) => Sink::Sealed(w),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        },
    };
    let written = (|| -> std::io::Result<File> {
        let gz = flate2::write::GzEncoder::new(sink, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let json = serde_json::to_vec_pretty(&manifest)?;
        let mut h = tar::Header::new_gnu();
        h.set_size(json.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, MANIFEST, json.as_slice())?;
        tar.append_path_with_name(db_copy, DATABASE)?;
        for f in &files {
            tar.append_path_with_name(files_root.join(f), Path::new(FILES).join(f))?;
        }
        let gz = tar.into_inner()?;
        let file = gz.finish()?.finish()?;
        file.sync_all()?;
        Ok(file)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::internal(format!(
            "cannot write the backup {}: {e}",
            out.display()
        )));
    }
    if out.exists() {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{} exists already; a backup never replaces a file.",
                out.display()
            ),
        ));
    }
    std::fs::rename(&partial, out).map_err(io(out))?;
    if let Some(dir) = out.parent() {
        // The rename itself is durable once the folder is flushed.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok((std::fs::metadata(out).map_err(io(out))?.len(), manifest))
}

/// Read only the manifest of a backup (its first entry).
pub fn manifest_of(archive: &Path, pass: Option<&str>) -> Result<Manifest> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(reader(archive, pass)?));
    let mut entries = tar.entries().map_err(damaged)?;
    let first = entries
        .next()
        .ok_or_else(|| damaged("it is empty"))?
        .map_err(damaged)?;
    read_manifest(first)
}

fn read_manifest(mut entry: tar::Entry<'_, impl Read>) -> Result<Manifest> {
    if entry.path().map_err(damaged)?.as_ref() != Path::new(MANIFEST) {
        return Err(damaged("it does not start with a FlexDesk manifest"));
    }
    let mut json = String::new();
    entry
        .by_ref()
        .take(1 << 20)
        .read_to_string(&mut json)
        .map_err(damaged)?;
    let m: Manifest = serde_json::from_str(&json).map_err(|e| {
        // A manifest of a newer layout may not even parse: its format says so if it can.
        let format = serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| v["format"].as_u64());
        match format {
            Some(f) if f > FORMAT as u64 => newer(&format!("archive format {f}")),
            _ => damaged(e),
        }
    })?;
    if m.format > FORMAT {
        return Err(newer(&format!("archive format {}", m.format)));
    }
    Ok(m)
}

pub(super) fn newer(what: &str) -> Error {
    Error::new(
        ErrorCode::ValidationError,
        format!("This backup was made by a newer FlexDesk ({what}); update FlexDesk, then restore it. Nothing was changed."),
    )
}

/// Unpack a backup (decrypted with `pass` when it is encrypted): the database to `db_out` and
/// the files under `files_out` (both new paths), once `accept` has taken its manifest, checking
/// the database against the manifest.
pub fn unpack(
    archive: &Path,
    db_out: &Path,
    files_out: &Path,
    pass: Option<&str>,
    accept: impl Fn(&Manifest) -> Result<()>,
) -> Result<Manifest> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(reader(archive, pass)?));
    let mut entries = tar.entries().map_err(damaged)?;
    let manifest = read_manifest(
        entries
            .next()
            .ok_or_else(|| damaged("it is empty"))?
            .map_err(damaged)?,
    )?;
    // Refused before anything is written (a newer FlexDesk's backup).
    accept(&manifest)?;
    let mut db_seen = false;
    for entry in entries {
        let mut entry = entry.map_err(damaged)?;
        let path = entry.path().map_err(damaged)?.into_owned();
        // Only plain relative names: nothing may land outside the restore's folders.
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(damaged(format!("it names {}", path.display())));
        }
        let target = if path == Path::new(DATABASE) {
            db_seen = true;
            db_out.to_path_buf()
        } else if let Ok(rel) = path.strip_prefix(FILES) {
            files_out.join(rel)
        } else {
            continue;
        };
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(io(&target))?;
        std::io::copy(&mut entry, &mut out).map_err(damaged)?;
        out.sync_all().map_err(io(&target))?;
    }
    if !db_seen {
        return Err(damaged("it holds no database"));
    }
    let bytes = std::fs::metadata(db_out).map_err(io(db_out))?.len();
    if bytes != manifest.database_bytes || sha256_file(db_out)? != manifest.database_sha256 {
        return Err(damaged("the database differs from what its manifest says"));
    }
    Ok(manifest)
}
