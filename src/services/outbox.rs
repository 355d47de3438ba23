//! The outbox side of sync, as every action sees it: the v1 operation an action records in its
//! own transaction (`record`), the replay of another desk's operation on a hub (`Replay`, and the
//! "applied before" answer to a repeat), and `kind:key` refs. The sync layer (`crate::sync`) reads
//! the outbox and talks to the remote; services never import it.

use super::Ctx;
use crate::error::Result;
use serde_json::Value;
use sqlx::SqliteConnection;

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

/// The stop a replayed op makes when its Idempotency-Key was applied before: the action rolls
/// back, and the v1 layer answers with a success carrying the op as first recorded.
pub fn already_applied(op_id: &str, recorded: Option<String>) -> crate::Error {
    let mut e = crate::Error::new(
        crate::ErrorCode::Conflict,
        format!("Operation {op_id} was applied before."),
    );
    e.replayed = Some(Box::new(crate::error::Replayed {
        op_id: op_id.to_string(),
        recorded: recorded.and_then(|b| serde_json::from_str(&b).ok()),
    }));
    e
}

/// The word an older hub's 409 answer carried for "applied before" (a desk still treats such an
/// answer as done).
pub const ALREADY_APPLIED: &str = "already_applied";

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
