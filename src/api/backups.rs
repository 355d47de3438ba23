//! Commands of Settings → Backups (administrators only).

use super::handlers::{Ack, Empty};
use super::Session;
use crate::error::Result;
use crate::services::backups::{self, BackupHealth, BackupSettingsInput, BackupStatus};
use crate::store::backup::{Made, Manifest};
use serde::Deserialize;
use ts_rs::TS;

pub async fn backups_status(s: &Session<'_>, _: Empty) -> Result<BackupStatus> {
    backups::status(&s.core.db, &s.core.path, &s.core.desk.id, s.core.now()).await
}

pub async fn backups_health(s: &Session<'_>, _: Empty) -> Result<BackupHealth> {
    backups::health(&s.core.db, s.core.now()).await
}

pub async fn backups_create(s: &Session<'_>, _: Empty) -> Result<Made> {
    backups::back_up(
        &s.core.db,
        &s.core.path,
        &s.core.desk.id,
        "manual",
        s.core.now(),
    )
    .await
}

pub async fn backups_settings(s: &Session<'_>, r: BackupSettingsInput) -> Result<BackupStatus> {
    backups::set_settings(
        &s.core.db,
        &s.core.path,
        &s.core.desk.id,
        &s.actor()?,
        s.core.now(),
        r,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct BackupNameReq {
    /// A backup's file name in the desk's backup folder.
    pub name: String,
    /// Its passphrase, when it is encrypted with another than the desk's own.
    pub passphrase: Option<String>,
}

pub async fn backups_restore(s: &Session<'_>, r: BackupNameReq) -> Result<Manifest> {
    backups::restore_at_next_start(
        &s.core.db,
        &s.core.path,
        &s.core.desk.id,
        &r.name,
        r.passphrase.as_deref(),
    )
    .await
}

pub async fn backups_clear_restore(s: &Session<'_>, _: Empty) -> Result<Ack> {
    backups::clear_restore(&s.core.path);
    Ok(Ack {
        ok: true,
        message: "No backup will be restored at the next start.".into(),
    })
}
