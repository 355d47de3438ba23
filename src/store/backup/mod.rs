//! Backups of a desk and restoring one. A backup is one consistent copy of the database taken
//! while the desk is in use (`VACUUM INTO`: a read transaction, never a file copy of a live WAL
//! database) with the files folder, in one archive (`archive`). A restore checks everything
//! before it touches the live file: the archive whole, its database's `integrity_check`, and a
//! schema this FlexDesk knows; then it swaps the restored file in and keeps the replaced one
//! aside. FlexDesk backs a database up by itself before migrating it (`Db::open`).

pub mod archive;
pub mod crypt;

pub use archive::Manifest;

use super::{files_dir, with_suffix, Db, MIGRATOR};
use crate::error::{Error, ErrorCode, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};

/// A backup file's extension.
pub const EXTENSION: &str = "flexdesk-backup";

/// Where backups go unless the administrator picks a folder: `backups/` beside the database.
pub fn default_folder(db_path: &Path) -> PathBuf {
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("backups")
}

/// A backup's file name: when, and why (`daily-2026-12-07T010203.456Z.flexdesk-backup`).
pub fn file_name(reason: &str, now: DateTime<Utc>) -> String {
    format!(
        "{reason}-{}.{EXTENSION}",
        now.format("%Y-%m-%dT%H%M%S%.3fZ")
    )
}

/// The newest migration this FlexDesk knows.
pub fn latest_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A backup this FlexDesk can restore: its database is at a schema it knows.
pub fn known(m: &Manifest) -> Result<()> {
    if m.schema_version > latest_schema() {
        return Err(archive::newer(&format!(
            "database version {}, this one knows up to {}",
            m.schema_version,
            latest_schema()
        )));
    }
    Ok(())
}

/// The last migration applied to a database (0 for a new one).
async fn schema_of(conn: &mut SqliteConnection) -> Result<i64> {
    let has: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has == 0 {
        return Ok(0);
    }
    Ok(sqlx::query_scalar(
        "SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success = 1",
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// A backup made.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Made {
    #[ts(type = "string")]
    pub path: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
}

/// Back up the database at `db_path` (open here as `db`) and its files folder to `out`, a new
/// file, encrypted with `pass` when given; `reason` is `manual`, `daily` or `before-update`.
pub async fn create(
    db: &Db,
    db_path: &Path,
    out: &Path,
    reason: &str,
    now: DateTime<Utc>,
    pass: Option<&str>,
) -> Result<Made> {
    if out.exists() {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{} exists already; a backup never replaces a file.",
                out.display()
            ),
        ));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::invalid("out", format!("Cannot use {}: {e}", dir.display())))?;
    }
    let copy = with_suffix(out, ".db-partial");
    let _ = std::fs::remove_file(&copy);
    let mut conn = db.pool().acquire().await?;
    let desk: Option<(String, String)> = sqlx::query_as("SELECT id, code FROM desk LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let schema_version = schema_of(&mut conn).await?;
    sqlx::query("VACUUM INTO ?")
        .bind(copy.to_string_lossy().to_string())
        .execute(&mut *conn)
        .await?;
    drop(conn);
    let (desk_id, desk_code) = desk.unwrap_or_default();
    let files_root = files_dir(db_path);
    let made = tokio::task::spawn_blocking({
        let (copy, out) = (copy.clone(), out.to_path_buf());
        let reason = reason.to_string();
        let pass = pass.map(str::to_string);
        move || -> Result<(u64, Manifest)> {
            let manifest = Manifest {
                format: archive::FORMAT,
                app_version: env!("CARGO_PKG_VERSION").to_string(),
                schema_version,
                created_at: crate::clock::stamp(now),
                desk_id,
                desk_code,
                reason,
                database_bytes: std::fs::metadata(&copy)
                    .map_err(|e| Error::internal(e.to_string()))?
                    .len(),
                database_sha256: archive::sha256_file(&copy)?,
                files: 0,
            };
            archive::write(&out, manifest, &copy, &files_root, pass.as_deref())
        }
    })
    .await
    .map_err(|e| Error::internal(e.to_string()));
    let _ = std::fs::remove_file(&copy);
    let (bytes, manifest) = made??;
    Ok(Made {
        path: out.to_path_buf(),
        bytes,
        manifest,
    })
}

/// A backup restored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the replaced database went (its files folder beside it, `files.replaced-…`).
    pub kept_aside: Option<PathBuf>,
}

/// Where a restore is staged beside the database: the database, its files, its manifest.
fn staging(db_path: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        with_suffix(db_path, ".restoring"),
        with_suffix(&files_dir(db_path), ".restoring"),
        with_suffix(db_path, ".restoring.json"),
    )
}

/// Drop a staged restore.
pub fn unstage(db_path: &Path) {
    let (db, files, manifest) = staging(db_path);
    let _ = std::fs::remove_file(db);
    let _ = std::fs::remove_dir_all(files);
    let _ = std::fs::remove_file(manifest);
}

/// The manifest of the restore staged for `db_path`, if one is.
pub fn staged(db_path: &Path) -> Option<Manifest> {
    let (db, _, manifest) = staging(db_path);
    if !db.exists() {
        return None;
    }
    serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()
}

/// Unpack and check the backup `archive_path` beside the database at `db_path`, without
/// touching it: the archive whole (decrypted with `pass` when it is encrypted), a schema this
/// FlexDesk knows, and SQLite's `integrity_check`. `swap` puts it in place.
pub async fn stage(archive_path: &Path, db_path: &Path, pass: Option<&str>) -> Result<Manifest> {
    unstage(db_path);
    let (staged_db, staged_files, staged_manifest) = staging(db_path);
    let checked = async {
        let unpacked = tokio::task::spawn_blocking({
            let (a, d, f) = (
                archive_path.to_path_buf(),
                staged_db.clone(),
                staged_files.clone(),
            );
            let pass = pass.map(str::to_string);
            move || archive::unpack(&a, &d, &f, pass.as_deref(), known)
        })
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
        check_database(&staged_db, unpacked.schema_version).await?;
        std::fs::write(&staged_manifest, serde_json::to_vec(&unpacked)?)
            .map_err(|e| Error::internal(e.to_string()))?;
        Ok::<_, Error>(unpacked)
    }
    .await;
    if checked.is_err() {
        unstage(db_path);
    }
    checked
}

/// Put the staged restore in place of the database at `db_path` (refused while any FlexDesk has
/// it open), keeping the replaced file and its files folder aside.
pub async fn swap(db_path: &Path, now: DateTime<Utc>) -> Result<Restored> {
    let manifest = staged(db_path).ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            "No restore is staged for this database.",
        )
    })?;
    let _in_use = super::in_use_lock(db_path, true).await?;
    let (staged_db, staged_files, staged_manifest) = staging(db_path);
    let files_root = files_dir(db_path);
    let aside = if db_path.exists() {
        let stamp = now.format("%Y%m%dT%H%M%SZ");
        let aside = with_suffix(db_path, &format!(".replaced-{stamp}"));
        for ext in ["", "-wal", "-shm"] {
            let from = with_suffix(db_path, ext);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, ext))
                    .map_err(|e| Error::internal(format!("{}: {e}", from.display())))?;
            }
        }
        if files_root.exists() {
            std::fs::rename(
                &files_root,
                with_suffix(&files_root, &format!(".replaced-{stamp}")),
            )
            .map_err(|e| Error::internal(format!("{}: {e}", files_root.display())))?;
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staged_db, db_path)
        .map_err(|e| Error::internal(format!("{}: {e}", db_path.display())))?;
    if staged_files.exists() {
        std::fs::rename(&staged_files, &files_root)
            .map_err(|e| Error::internal(format!("{}: {e}", files_root.display())))?;
    }
    let _ = std::fs::remove_file(staged_manifest);
    Ok(Restored {
        manifest,
        kept_aside: aside,
    })
}

/// Restore the backup `archive` as the database at `db_path`: `stage`, then `swap`. An existing
/// database is replaced only with `replace`, never while a FlexDesk has it open.
pub async fn restore(
    archive_path: &Path,
    db_path: &Path,
    replace: bool,
    now: DateTime<Utc>,
    pass: Option<&str>,
) -> Result<Restored> {
    if db_path.exists() && !replace {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "There is a database at {} already. Restoring replaces it only when asked to (--replace); it is then kept aside.",
                db_path.display()
            ),
        ));
    }
    // Refused at once while the file is in use, before any unpacking.
    drop(super::in_use_lock(db_path, true).await?);
    stage(archive_path, db_path, pass).await?;
    swap(db_path, now).await.inspect_err(|_| unstage(db_path))
}

/// A restored database passes SQLite's `integrity_check` and is at the schema its manifest says.
async fn check_database(path: &Path, schema: i64) -> Result<()> {
    let url = format!("sqlite://{}?mode=rw", path.display());
    let mut conn = SqliteConnection::connect(&url).await.map_err(|e| {
        Error::new(
            ErrorCode::ValidationError,
            format!("The backup's database cannot be opened ({e}); nothing was changed."),
        )
    })?;
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| {
            Error::new(
                ErrorCode::ValidationError,
                format!("The backup's database is damaged ({e}); nothing was changed."),
            )
        })?;
    if problems != ["ok"] {
        return Err(Error::new(
            ErrorCode::ValidationError,
            format!(
                "The backup's database is damaged ({}); nothing was changed.",
                problems.join("; ")
            ),
        ));
    }
    if schema_of(&mut conn).await? != schema {
        return Err(Error::new(
            ErrorCode::ValidationError,
            "The backup's database is not at the version its manifest says; nothing was changed.",
        ));
    }
    conn.close().await?;
    Ok(())
}

/// Before migrating a database that has data: a backup into its default folder, so an update
/// that goes wrong can be undone. Called by `Db::open` under the setup lock.
pub(super) async fn before_update(db: &Db, db_path: &Path, now: DateTime<Utc>) -> Result<()> {
    let mut conn = db.pool().acquire().await?;
    let current = schema_of(&mut conn).await?;
    drop(conn);
    if current == 0 || current >= latest_schema() {
        return Ok(());
    }
    let out = default_folder(db_path).join(file_name(&format!("before-update-{current}"), now));
    // Beside the database, unencrypted: it stays where the database is.
    create(db, db_path, &out, "before-update", now, None).await?;
    Ok(())
}
