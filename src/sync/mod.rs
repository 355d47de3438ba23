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
pub mod pull;
pub mod push;
pub mod remote;
pub mod secrets;
pub mod seed;

use crate::error::Result;
use crate::services::Ctx;
use serde::Serialize;
use serde_json::Value;
use sqlx::SqliteConnection;
use ts_rs::TS;

/// Another desk's operation being applied here (a hub serving a push): its Idempotency-Key and
/// the desk it came from.
#[derive(Debug, Clone)]
pub struct Replay {
    pub op_id: String,
    pub origin: String,
}

/// One synced change as the v1 request that makes it on the remote.
pub struct Op {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    /// `kind:key` of every entity the change touches (`rental:rnt_…`, `asset:SERIAL`, …).
    pub refs: Vec<String>,
    pub summary: String,
}

impl Op {
    pub fn post(path: impl Into<String>, body: Value) -> Op {
        Op {
            method: "POST",
            path: path.into(),
            body: Some(body),
            refs: vec![],
            summary: String::new(),
        }
    }
    pub fn put(path: impl Into<String>, body: Value) -> Op {
        Op {
            method: "PUT",
            ..Op::post(path, body)
        }
    }
    pub fn patch(path: impl Into<String>, body: Value) -> Op {
        Op {
            method: "PATCH",
            ..Op::post(path, body)
        }
    }
    pub fn delete(path: impl Into<String>) -> Op {
        Op {
            method: "DELETE",
            path: path.into(),
            body: None,
            refs: vec![],
            summary: String::new(),
        }
    }
    pub fn touching<I: IntoIterator<Item = S>, S: Into<String>>(mut self, refs: I) -> Op {
        self.refs.extend(refs.into_iter().map(Into::into));
        self
    }
    pub fn saying(mut self, summary: impl Into<String>) -> Op {
        self.summary = summary.into();
        self
    }
}

/// `kind:key`, the form of an op's refs.
pub fn r(kind: &str, key: &str) -> String {
    format!("{kind}:{key}")
}

/// An op's `refs` column as a list.
pub(crate) fn parse_refs(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Whether the action's business unit has an enabled remote (read once per action).
async fn syncs(conn: &mut SqliteConnection, ctx: &Ctx) -> Result<bool> {
    ctx.syncs
        .get_or_try_init(|| async {
            let on: Option<i64> =
                sqlx::query_scalar("SELECT enabled FROM sync_remotes WHERE bu_id = ?")
                    .bind(&ctx.bu.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(on == Some(1))
        })
        .await
        .copied()
}

/// Whether this action's op will be written (a hub replaying a desk's op, or a desk with a
/// remote); actions whose op body costs a read ask first.
pub async fn wanted(conn: &mut SqliteConnection, ctx: &Ctx) -> Result<bool> {
    Ok(ctx.replay.is_some() || syncs(conn, ctx).await?)
}

/// Write the action's op into the outbox, inside the action's transaction. A hub applying another
/// desk's op records it under that op's id (so a retry is recognised); a desk with a remote
/// queues its own op to push; a desk without a remote writes nothing.
pub async fn record(conn: &mut SqliteConnection, ctx: &Ctx, op: Op) -> Result<()> {
    let (op_id, origin, status) = match &ctx.replay {
        Some(r) => (r.op_id.clone(), r.origin.clone(), "applied"),
        None if syncs(conn, ctx).await? => {
            (crate::ids::new_id("op"), ctx.desk_code.clone(), "pending")
        }
        None => return Ok(()),
    };
    let res = sqlx::query(
        "INSERT INTO sync_ops (op_id, bu_id, origin, method, path, body, refs, summary, at, actor, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&op_id)
    .bind(&ctx.bu.id)
    .bind(&origin)
    .bind(op.method)
    .bind(&op.path)
    .bind(op.body.map(|b| b.to_string()))
    .bind(serde_json::to_string(&op.refs)?)
    .bind(&op.summary)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .bind(status)
    .execute(&mut *conn)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let body: Option<Option<String>> =
                sqlx::query_scalar("SELECT body FROM sync_ops WHERE op_id = ?")
                    .bind(&op_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Err(already_applied(&op_id, body.flatten()))
        }
        r => r.map(|_| ()).map_err(Into::into),
    }
}

/// The error a replayed op gets when its Idempotency-Key was applied before; the v1 layer turns
/// it into a success answer carrying the op as first recorded (`applied_body`).
pub fn already_applied(op_id: &str, recorded: Option<String>) -> crate::Error {
    let mut e = crate::Error::new(
        crate::ErrorCode::Conflict,
        format!("Operation {op_id} was applied before."),
    );
    e.details.push(crate::error::FieldError {
        path: "Idempotency-Key".into(),
        message: recorded.unwrap_or_else(|| e.message.clone()),
        code: ALREADY_APPLIED.into(),
    });
    e
}

/// The recorded op body an "applied before" error carries.
pub fn applied_body(e: &crate::Error) -> Option<Value> {
    e.details
        .iter()
        .find(|d| d.code == ALREADY_APPLIED)
        .and_then(|d| serde_json::from_str(&d.message).ok())
}

/// The detail code that marks an error as "this op was applied before".
pub const ALREADY_APPLIED: &str = "already_applied";

pub fn is_already_applied(e: &crate::Error) -> bool {
    e.details.iter().any(|d| d.code == ALREADY_APPLIED)
}

/// Whether an op with this Idempotency-Key was already applied here: `Some` with its body as
/// recorded (in this node's ids) when it was.
pub async fn applied(db: &crate::store::Db, op_id: &str) -> Result<Option<Option<Value>>> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT body FROM sync_ops WHERE op_id = ?")
            .bind(op_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(|b| b.and_then(|b| serde_json::from_str(&b).ok())))
}

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
}

pub async fn status(db: &crate::store::Db, bu_id: &str) -> Result<SyncStatus> {
    type R = (
        String,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let remote: Option<R> = sqlx::query_as(
        "SELECT base_url, enabled, state, last_sync_at, last_pull_at, last_error, last_adopted_at FROM sync_remotes WHERE bu_id = ?",
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
    let progress: Option<i64> = sqlx::query_scalar(
        "SELECT sum(pulled) FROM sync_cursors WHERE bu_id = ? AND cursor IS NOT NULL",
    )
    .bind(bu_id)
    .fetch_one(db.pool())
    .await?;
    Ok(match remote {
        None => SyncStatus {
            configured: false,
            enabled: false,
            state: "never".into(),
            base_url: None,
            last_sync_at: None,
            last_pull_at: None,
            last_adopted_at: None,
            last_error: None,
            waiting,
            conflicts,
            pull_progress: None,
            remote_ids,
        },
        Some((url, enabled, state, last_sync, last_pull, err, adopted)) => SyncStatus {
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
        },
    })
}
