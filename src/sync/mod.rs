//! Sync with a business unit's remote (a FlexDesk hub or a FlexPortal account): the outbox of v1
//! operations each action writes in its own transaction, pushing them in order, pulling what
//! changed elsewhere through the v1 lists, and the conflicts the remote refused.
//!
//! Rules (docs/sync.md): the remote is the truth. A desk's own change waits in the outbox until
//! the remote accepts it; until then pulls leave the entities it touches alone. A refused change
//! becomes a conflict in the inbox, holds back later changes to the same entities, and is
//! resolved by the user (retry, keep theirs, or pick another serial).

pub mod client;
pub mod engine;
pub mod idmap;
pub mod kinds;
mod natural;
pub mod pull;
pub mod push;
pub mod remote;
pub mod seed;
pub mod snapshot;
pub mod wire;

use crate::error::Result;
use serde::Serialize;
use sqlx::SqliteConnection;
use ts_rs::TS;

pub(crate) use crate::services::outbox::parse_refs;
pub use crate::services::outbox::{
    already_applied, applied, r, record, wanted, Op, Replay, ALREADY_APPLIED,
};

/// How far back a hub takes a desk's op at the time it was made (`FlexDesk-Op-At`). An older op
/// is refused (`OP_TOO_OLD`) and becomes a conflict on the desk, whose Retry sends it as of now:
/// a desk long offline does not silently write a month-old schedule, nor is its work stranded.
pub const OP_AGE_DAYS: i64 = 30;

/// The change feed's current position as a list's `syncToken`; the first call switches the feed
/// on (from then on the triggers record every change).
pub async fn feed_token(db: &crate::store::Db) -> Result<String> {
    let active: i64 = sqlx::query_scalar("SELECT active FROM sync_feed WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    if active != 1 {
        let mut tx = db.write().await?;
        sqlx::query("UPDATE sync_feed SET active = 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let rev: i64 = sqlx::query_scalar("SELECT coalesce(max(rev), 0) FROM sync_changes")
        .fetch_one(db.pool())
        .await?;
    Ok(rev.to_string())
}

/// Refs held back from pulls: those of this desk's ops still waiting or refused.
pub(crate) async fn dirty_refs(
    conn: &mut SqliteConnection,
    bu_id: &str,
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT j.value FROM sync_ops o, json_each(o.refs) j
         WHERE o.bu_id = ? AND o.status IN ('pending', 'conflict')",
    )
    .bind(bu_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// What the status bar shows for a business unit.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct SyncStatus {
    pub configured: bool,
    pub enabled: bool,
    /// never, online, offline, unauthorized.
    pub state: String,
    /// What the remote is (none without one).
    pub kind: Option<remote::RemoteKind>,
    pub base_url: Option<String>,
    pub last_sync_at: Option<String>,
    pub last_pull_at: Option<String>,
    /// When a pull last wrote something here (screens read their data again when it moves).
    pub last_adopted_at: Option<String>,
    pub last_error: Option<String>,
    pub waiting: i64,
    pub conflicts: i64,
    /// Objects read by a pull pass under way (absent when none runs).
    pub pull_progress: Option<i64>,
    /// Records made here that the remote knows by an id of its own (see `idmap`).
    pub remote_ids: i64,
    /// Changes kept on this desk by kind (`order.confirm`): the remote has no operation for
    /// them (FlexPortal), so they are done without being sent.
    #[ts(type = "Record<string, number>")]
    pub kept_on_desk: std::collections::BTreeMap<String, i64>,
    /// A FlexPortal remote's full read (it has no change feed): none before the first pass.
    pub full_read: Option<FullRead>,
}

/// Where the full read of a FlexPortal remote stands: each pass reads a slice of it beside the
/// windows (`pull::flexportal`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct FullRead {
    /// Times every list was read to its end.
    pub cycles: i64,
    /// When the last of them ended.
    pub last_ended_at: Option<String>,
    /// The list being read now (`customers`, …), none between cycles.
    pub reading: Option<String>,
}

pub async fn status(db: &crate::store::Db, bu_id: &str) -> Result<SyncStatus> {
    type R = (
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let remote: Option<R> = sqlx::query_as(
        "SELECT kind, base_url, enabled, state, last_sync_at, last_pull_at, last_error, last_adopted_at FROM sync_remotes WHERE bu_id = ?",
    )
    .bind(bu_id)
    .fetch_optional(db.pool())
    .await?;
    let waiting: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_ops WHERE bu_id = ? AND status = 'pending'")
            .bind(bu_id)
            .fetch_one(db.pool())
            .await?;
    let conflicts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_conflicts WHERE bu_id = ? AND status = 'open'",
    )
    .bind(bu_id)
    .fetch_one(db.pool())
    .await?;
    let remote_ids = idmap::all(db, bu_id).await?.len() as i64;
    let kept: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, count(*) FROM sync_ops WHERE bu_id = ? AND kept IS NOT NULL GROUP BY kind",
    )
    .bind(bu_id)
    .fetch_all(db.pool())
    .await?;
    let kept_on_desk: std::collections::BTreeMap<String, i64> = kept.into_iter().collect();
    let full_read: Option<FullRead> = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
        "SELECT pulled, token, cursor FROM sync_cursors WHERE bu_id = ? AND list = ?",
    )
    .bind(bu_id)
    .bind(pull::FULL_READ)
    .fetch_optional(db.pool())
    .await?
    .map(|(cycles, last_ended_at, reading)| FullRead {
        cycles,
        last_ended_at,
        reading,
    });
    // A pass under way; once FlexPortal was read whole, its full read's place between passes
    // is not one.
    let progress: Option<i64> = if full_read.as_ref().is_some_and(|f| f.cycles > 0) {
        None
    } else {
        sqlx::query_scalar(
            "SELECT sum(pulled) FROM sync_cursors WHERE bu_id = ? AND cursor IS NOT NULL AND list != ?",
        )
        .bind(bu_id)
        .bind(pull::FULL_READ)
        .fetch_one(db.pool())
        .await?
    };
    Ok(match remote {
        None => SyncStatus {
            configured: false,
            enabled: false,
            state: "never".into(),
            kind: None,
            base_url: None,
            last_sync_at: None,
            last_pull_at: None,
            last_adopted_at: None,
            last_error: None,
            waiting,
            conflicts,
            pull_progress: None,
            remote_ids,
            kept_on_desk,
            full_read: None,
        },
        Some((kind, url, enabled, state, last_sync, last_pull, err, adopted)) => SyncStatus {
            kind: remote::RemoteKind::parse(&kind),
            configured: true,
            enabled: enabled == 1,
            state,
            base_url: Some(url),
            last_sync_at: last_sync,
            last_pull_at: last_pull,
            last_adopted_at: adopted,
            last_error: err,
            waiting,
            conflicts,
            pull_progress: progress,
            remote_ids,
            kept_on_desk,
            full_read,
        },
    })
}
