//! The backup of the large dataset: FlexDesk's archive (`VACUUM INTO` while the pool is open,
//! then a gzip tar with the manifest and checksum) beside a plain `sqlite3 .backup` of the same
//! file in the same run, each timed once, with the sizes in the measure's name.

use super::{summarize, Measure};
use crate::error::{Error, Result};
use crate::store::backup;
use std::path::Path;
use std::time::Instant;

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub async fn run(
    core: &crate::Core,
    at: chrono::DateTime<chrono::Utc>,
    log: &dyn Fn(&str),
) -> Result<Vec<Measure>> {
    let dir = core.path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let db_bytes = std::fs::metadata(&core.path).map(|m| m.len()).unwrap_or(0);
    let archive = dir.join("bench-backup.flexdesk-backup");
    let plain = dir.join("bench-sqlite3-backup.db");
    let _ = std::fs::remove_file(&archive);
    let _ = std::fs::remove_file(&plain);

    let t = Instant::now();
    let made = backup::create(&core.db, &core.path, &archive, "manual", at, None).await?;
    let ours = t.elapsed();
    log(&format!(
        "backup: {:.0} MiB database to a {:.0} MiB archive in {ours:.1?}",
        mib(db_bytes),
        mib(made.bytes)
    ));

    let t = Instant::now();
    let status = std::process::Command::new("sqlite3")
        .arg(&core.path)
        .arg(format!(".backup '{}'", plain.display()))
        .status()
        .map_err(|e| Error::internal(format!("sqlite3: {e}")))?;
    let theirs = t.elapsed();
    if !status.success() {
        return Err(Error::internal("sqlite3 .backup failed"));
    }
    let plain_bytes = std::fs::metadata(&plain).map(|m| m.len()).unwrap_or(0);
    log(&format!(
        "backup: sqlite3 .backup to {:.0} MiB in {theirs:.1?}",
        mib(plain_bytes)
    ));
    let _ = std::fs::remove_file(&archive);
    let _ = std::fs::remove_file(&plain);
    Ok(vec![
        summarize(
            &format!(
                "backup archive of the {:.0} MiB database ({:.0} MiB file)",
                mib(db_bytes),
                mib(made.bytes)
            ),
            vec![ours],
            120_000.0,
            "max",
        ),
        summarize(
            &format!(
                "sqlite3 .backup of the same file ({:.0} MiB, uncompressed)",
                mib(plain_bytes)
            ),
            vec![theirs],
            120_000.0,
            "max",
        ),
    ])
}
