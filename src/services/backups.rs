//! The desk's backups as its administrator sees them (Settings → Backups): automatic daily ones
//! kept 7 daily, 4 weekly, 12 monthly; "Back up now"; the folder; the list; a restore made when
//! FlexDesk starts next (the running desk has the file open). The archive itself is
//! `store::backup`.

use crate::error::{Error, ErrorCode, Result};
use crate::ids::new_id;
use crate::store::backup::{self, Made, Manifest};
use crate::store::{record, with_suffix, Actor, Db, Entry};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// A daily backup is due once the last one is this old.
const DAILY_EVERY_HOURS: i64 = 20;
/// The status bar warns once the last good backup is older than this.
pub const STALE_AFTER_DAYS: i64 = 2;

/// One backup file in the folder.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BackupFile {
    pub name: String,
    pub bytes: u64,
    pub encrypted: bool,
    /// What the archive says of itself; none when it cannot be read.
    pub manifest: Option<Manifest>,
    pub problem: Option<String>,
}

/// Settings → Backups.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BackupStatus {
    pub on: bool,
    /// New backups are encrypted with a passphrase this desk keeps.
    pub encrypted: bool,
    pub folder: String,
    /// The folder is the default one beside the database.
    pub default_folder: bool,
    pub last_good_at: Option<String>,
    pub last_good_bytes: Option<i64>,
    /// The last attempt failed: why.
    pub last_error: Option<String>,
    /// No good backup for more than `STALE_AFTER_DAYS` days (or none at all).
    pub stale: bool,
    pub files: Vec<BackupFile>,
    /// A restore waiting for FlexDesk's next start: the backup's file.
    pub restore_pending: Option<String>,
    /// What the last restore at start-up did.
    pub restore_result: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Settings {
    backups_on: bool,
    backup_folder: Option<String>,
    backup_key_store: Option<String>,
    backup_key_sealed: Option<String>,
}

async fn settings(db: &Db) -> Result<Settings> {
    Ok(sqlx::query_as(
        "SELECT backups_on, backup_folder, backup_key_store, backup_key_sealed FROM desk LIMIT 1",
    )
    .fetch_one(db.pool())
    .await?)
}

/// Where the passphrase is kept among the desk's secrets.
const SECRET: &str = "backups";

/// The passphrase backups are encrypted with, when one is set.
fn passphrase(s: &Settings, desk_id: &str) -> Result<Option<String>> {
    s.backup_key_store
        .as_deref()
        .map(|store| crate::secrets::load(desk_id, SECRET, store, s.backup_key_sealed.as_deref()))
        .transpose()
}

fn folder_of(s: &Settings, db_path: &Path) -> PathBuf {
    s.backup_folder
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| backup::default_folder(db_path))
}

/// The file that asks for a restore at the next start (it holds the backup's path).
fn pending_marker(db_path: &Path) -> PathBuf {
    with_suffix(db_path, ".restore-next")
}

/// What the last restore at start-up did (a sentence).
fn result_marker(db_path: &Path) -> PathBuf {
    with_suffix(db_path, ".restore-result")
}

/// The backups in `folder`, newest first (an encrypted one is read with `pass`).
fn files_in(folder: &Path, pass: Option<&str>) -> Vec<BackupFile> {
    let mut out: Vec<BackupFile> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == backup::EXTENSION))
        .map(|e| {
            let path = e.path();
            let (manifest, problem) = match backup::archive::manifest_of(&path, pass) {
                Ok(m) => (Some(m), None),
                Err(e) => (None, Some(e.message)),
            };
            BackupFile {
                name: e.file_name().to_string_lossy().to_string(),
                bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
                encrypted: backup::archive::is_encrypted(&path),
                manifest,
                problem,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let at = |f: &BackupFile| f.manifest.as_ref().map(|m| m.created_at.clone());
        at(b).cmp(&at(a)).then(b.name.cmp(&a.name))
    });
    out
}

/// How the desk's backups stand, without reading the folder: what the top bar's warning needs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BackupHealth {
    pub last_good_at: Option<String>,
    pub last_good_bytes: Option<i64>,
    /// The last attempt failed: why.
    pub last_error: Option<String>,
    /// No good backup for more than `STALE_AFTER_DAYS` days (or none at all).
    pub stale: bool,
}

pub async fn health(db: &Db, now: DateTime<Utc>) -> Result<BackupHealth> {
    let good: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT finished_at, bytes FROM backups WHERE error IS NULL AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?;
    let last: Option<Option<String>> =
        sqlx::query_scalar("SELECT error FROM backups ORDER BY started_at DESC LIMIT 1")
            .fetch_optional(db.pool())
            .await?;
    let stale = match &good {
        Some((at, _)) => chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| now - t.with_timezone(&Utc) > chrono::Duration::days(STALE_AFTER_DAYS))
            .unwrap_or(true),
        None => true,
    };
    Ok(BackupHealth {
        last_good_at: good.as_ref().map(|g| g.0.clone()),
        last_good_bytes: good.and_then(|g| g.1),
        last_error: last.flatten(),
        stale,
    })
}

pub async fn status(
    db: &Db,
    db_path: &Path,
    desk_id: &str,
    now: DateTime<Utc>,
) -> Result<BackupStatus> {
    let s = settings(db).await?;
    // A passphrase the keyring no longer gives: the list shows encrypted backups unread.
    let pass = passphrase(&s, desk_id).ok().flatten();
    let folder = folder_of(&s, db_path);
    let h = health(db, now).await?;
    Ok(BackupStatus {
        on: s.backups_on,
        encrypted: s.backup_key_store.is_some(),
        default_folder: s.backup_folder.is_none(),
        folder: folder.display().to_string(),
        last_good_at: h.last_good_at,
        last_good_bytes: h.last_good_bytes,
        last_error: h.last_error,
        stale: h.stale,
        files: files_in(&folder, pass.as_deref()),
        restore_pending: std::fs::read_to_string(pending_marker(db_path))
            .ok()
            .filter(|_| backup::staged(db_path).is_some()),
        restore_result: std::fs::read_to_string(result_marker(db_path)).ok(),
    })
}

/// Make a backup into the desk's folder now, recorded (a failure too, with its reason); daily
/// ones past the retention are removed afterwards.
pub async fn back_up(
    db: &Db,
    db_path: &Path,
    desk_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Made> {
    let s = settings(db).await?;
    let folder = folder_of(&s, db_path);
    let out = folder.join(backup::file_name(reason, now));
    let id = new_id("bkp");
    sqlx::query("INSERT INTO backups (id, path, reason, started_at) VALUES (?, ?, ?, ?)")
        .bind(&id)
        .bind(out.display().to_string())
        .bind(reason)
        .bind(crate::clock::stamp(now))
        .execute(db.pool())
        .await?;
    let pass = passphrase(&s, desk_id);
    let made = match &pass {
        Ok(pass) => backup::create(db, db_path, &out, reason, now, pass.as_deref()).await,
        Err(e) => Err(e.clone()),
    };
    sqlx::query("UPDATE backups SET finished_at = ?, bytes = ?, error = ? WHERE id = ?")
        .bind(crate::clock::stamp(now))
        .bind(made.as_ref().ok().map(|m| m.bytes as i64))
        .bind(made.as_ref().err().map(|e| e.message.clone()))
        .bind(&id)
        .execute(db.pool())
        .await?;
    let made = made?;
    if reason == "daily" {
        prune(&folder, pass.ok().flatten().as_deref());
    }
    Ok(made)
}

/// The daily backup, when backups are on and the last daily one is old enough.
pub async fn daily(
    db: &Db,
    db_path: &Path,
    desk_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Made>> {
    if !settings(db).await?.backups_on {
        return Ok(None);
    }
    let last: Option<String> = sqlx::query_scalar(
        "SELECT max(started_at) FROM backups WHERE reason = 'daily' AND error IS NULL",
    )
    .fetch_one(db.pool())
    .await?;
    let due = last
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .is_none_or(|t| now - t.with_timezone(&Utc) >= chrono::Duration::hours(DAILY_EVERY_HOURS));
    if !due {
        return Ok(None);
    }
    back_up(db, db_path, desk_id, "daily", now).await.map(Some)
}

/// Which of these backup times to keep, newest first: the newest of each of the last 7 days
/// that have one, of the last 4 ISO weeks, and of the last 12 months.
pub fn keep(times: &[DateTime<Utc>]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let (mut days, mut weeks, mut months) = (vec![], vec![], vec![]);
    let mut kept = vec![false; times.len()];
    for i in order {
        let t = times[i];
        let day = t.date_naive();
        let week = (t.iso_week().year(), t.iso_week().week());
        let month = (t.year(), t.month());
        let mut keep = false;
        if !days.contains(&day) && days.len() < 7 {
            days.push(day);
            keep = true;
        }
        if !weeks.contains(&week) && weeks.len() < 4 {
            weeks.push(week);
            keep = true;
        }
        if !months.contains(&month) && months.len() < 12 {
            months.push(month);
            keep = true;
        }
        kept[i] = keep;
    }
    kept
}

/// Remove the daily backups in `folder` that `keep` lets go (manual and before-update ones stay).
fn prune(folder: &Path, pass: Option<&str>) {
    let daily: Vec<(PathBuf, DateTime<Utc>)> = files_in(folder, pass)
        .into_iter()
        .filter_map(|f| {
            let m = f.manifest?;
            let t = chrono::DateTime::parse_from_rfc3339(&m.created_at).ok()?;
            (m.reason == "daily").then(|| (folder.join(&f.name), t.with_timezone(&Utc)))
        })
        .collect();
    let times: Vec<DateTime<Utc>> = daily.iter().map(|d| d.1).collect();
    for ((path, _), keep) in daily.iter().zip(keep(&times)) {
        if !keep {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct BackupSettingsInput {
    pub on: Option<bool>,
    /// A folder for the backups (a USB disk, a synced folder); empty for the default beside the
    /// database.
    pub folder: Option<String>,
    /// Encrypt new backups with this passphrase (10 characters at least); empty to stop.
    pub passphrase: Option<String>,
}

/// Change the settings; a folder must be one FlexDesk can write to.
pub async fn set_settings(
    db: &Db,
    db_path: &Path,
    desk_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    input: BackupSettingsInput,
) -> Result<BackupStatus> {
    let folder = input.folder.as_deref().map(str::trim);
    let pass = input.passphrase.as_deref();
    if let Some(p) = pass.filter(|p| !p.is_empty()) {
        backup::crypt::check_passphrase(p)?;
    }
    if let Some(f) = folder.filter(|f| !f.is_empty()) {
        let path = Path::new(f);
        if !path.is_absolute() {
            return Err(Error::invalid(
                "folder",
                "Give the folder's full path (e.g. /media/usb/flexdesk-backups).",
            ));
        }
        let probe = path.join(".flexdesk-write-test");
        std::fs::create_dir_all(path)
            .and_then(|_| std::fs::write(&probe, b"ok"))
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|e| Error::invalid("folder", format!("FlexDesk cannot write to {f}: {e}")))?;
    }
    // The passphrase goes to the desk's secrets first: a failure leaves the settings whole.
    let stored = match pass {
        Some("") => {
            crate::secrets::forget(desk_id, SECRET);
            Some((None, None))
        }
        Some(p) => Some(match crate::secrets::store(desk_id, SECRET, p)? {
            crate::secrets::Stored::Keyring => (Some("keyring"), None),
            crate::secrets::Stored::Sealed(t) => (Some("sealed"), Some(t)),
        }),
        None => None,
    };
    let mut tx = db.write().await?;
    if let Some((store, sealed)) = &stored {
        sqlx::query("UPDATE desk SET backup_key_store = ?, backup_key_sealed = ?")
            .bind(store)
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
    }
    let id: String = sqlx::query_scalar(
        "UPDATE desk SET backups_on = coalesce(?, backups_on),
             backup_folder = CASE WHEN ? THEN nullif(?, '') ELSE backup_folder END RETURNING id",
    )
    .bind(input.on)
    .bind(folder.is_some())
    .bind(folder.unwrap_or_default())
    .fetch_one(&mut *tx)
    .await?;
    let summary = match (input.on, folder, pass) {
        (_, _, Some("")) => "Backups are no longer encrypted".to_string(),
        (_, _, Some(_)) => "Backups are encrypted with a passphrase".to_string(),
        (Some(false), _, _) => "Automatic backups switched off".to_string(),
        (_, Some(""), _) => "Backups go to the folder beside the database".to_string(),
        (_, Some(f), _) => format!("Backups go to {f}"),
        _ => "Automatic backups switched on".to_string(),
    };
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: None,
            entity_type: "desk",
            entity_id: &id,
            action: "backup_settings",
            summary,
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    status(db, db_path, desk_id, now).await
}

/// Ask for `name` (a backup in the desk's folder) to be restored when FlexDesk starts next. It
/// is unpacked and checked now, beside the database (decrypted with `pass`, or the desk's own
/// passphrase), so the start only swaps it in.
pub async fn restore_at_next_start(
    db: &Db,
    db_path: &Path,
    desk_id: &str,
    name: &str,
    pass: Option<&str>,
) -> Result<Manifest> {
    let s = settings(db).await?;
    let folder = folder_of(&s, db_path);
    let file = folder.join(name);
    if name.contains(['/', '\\']) || !file.is_file() {
        return Err(Error::not_found("Backup", name));
    }
    let kept = passphrase(&s, desk_id).ok().flatten();
    let pass = pass.filter(|p| !p.is_empty()).or(kept.as_deref());
    let m = backup::stage(&file, db_path, pass).await?;
    std::fs::write(pending_marker(db_path), file.display().to_string())
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(m)
}

/// Drop a pending restore, or forget the last restore's result.
pub fn clear_restore(db_path: &Path) {
    backup::unstage(db_path);
    let _ = std::fs::remove_file(pending_marker(db_path));
    let _ = std::fs::remove_file(result_marker(db_path));
}

/// At start-up, before the database is opened: the restore asked for, if any. Its outcome is
/// kept for Settings → Backups; a failed restore leaves the database as it was.
pub async fn restore_if_asked(db_path: &Path, now: DateTime<Utc>) {
    let marker = pending_marker(db_path);
    let Ok(file) = std::fs::read_to_string(&marker) else {
        return;
    };
    let result = match backup::swap(db_path, now).await {
        Ok(r) => format!(
            "Restored the backup made {} by desk {}; the database it replaced is kept as {}.",
            r.manifest.created_at,
            r.manifest.desk_code,
            r.kept_aside
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        Err(e) if e.code == ErrorCode::Conflict => {
            // Another FlexDesk has the file open: try again at the next start.
            eprintln!("flexdesk: restore postponed: {}", e.message);
            return;
        }
        Err(e) => {
            backup::unstage(db_path);
            format!("The backup {} was not restored: {}", file.trim(), e.message)
        }
    };
    let _ = std::fs::write(result_marker(db_path), result);
    let _ = std::fs::remove_file(marker);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn seven_daily_four_weekly_twelve_monthly_across_a_year_end() {
        // One backup a day at 02:00 from 2025-01-01 to 2026-01-05 (a leap-free year end).
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 2, 0, 0).unwrap();
        let times: Vec<DateTime<Utc>> = (0..370)
            .map(|d| start + chrono::Duration::days(d))
            .collect();
        let kept: Vec<DateTime<Utc>> = times
            .iter()
            .zip(keep(&times))
            .filter(|(_, k)| *k)
            .map(|(t, _)| *t)
            .collect();
        let days: Vec<String> = kept
            .iter()
            .map(|t| t.format("%Y-%m-%d").to_string())
            .collect();
        // The last 7 days; Sundays ending the 3 ISO weeks before; the last day of each month.
        for d in [
            "2026-01-05",
            "2026-01-04",
            "2026-01-03",
            "2026-01-02",
            "2026-01-01",
            "2025-12-31",
            "2025-12-30",
            "2025-12-28",
            "2025-12-21",
            "2025-11-30",
            "2025-10-31",
            "2025-02-28",
        ] {
            assert!(days.contains(&d.to_string()), "{d} kept: {days:?}");
        }
        assert!(!days.contains(&"2025-01-31".to_string()), "{days:?}");
        assert_eq!(kept.len(), 7 + 2 + 10, "{days:?}");
    }

    #[test]
    fn several_a_day_keep_the_newest_of_the_day() {
        let t = |h| Utc.with_ymd_and_hms(2024, 2, 29, h, 0, 0).unwrap();
        assert_eq!(keep(&[t(1), t(23), t(12)]), vec![false, true, false]);
    }
}
