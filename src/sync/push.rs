//! Push: this desk's waiting ops go to the remote one at a time, oldest first, each with its op id
//! as Idempotency-Key. An op the remote accepted is done; one it refused becomes a conflict and
//! holds back later ops touching the same entities; no answer pauses the push with a growing
//! wait kept in the database, so a restart waits too.
//!
//! To a hub, the ops it accepted are marked done on this desk `DONE_PER_COMMIT` at a time, in one
//! transaction (one sync to disk instead of one an op): should the desk stop before that, the ops
//! are sent again and the hub answers them as already applied. To FlexPortal, which keeps no
//! Idempotency-Key, each is marked done as soon as it is answered.

use super::client::{Answer, Client, Request};
use super::remote::RemoteKind;
use super::wire::{Call, Wire};
use crate::error::Result;
use crate::store::Db;
use std::collections::HashSet;
use std::time::Duration;

/// Waits between failed attempts: `first`, doubling, at most `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(2),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    pub fn after(&self, attempts: i64) -> Duration {
        let factor = 2u32.saturating_pow(attempts.clamp(1, 20) as u32 - 1);
        self.first.saturating_mul(factor).min(self.max)
    }
}

#[derive(Debug, Default, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct PushReport {
    pub sent: u64,
    /// Ops the remote has no operation for, kept on this desk (FlexPortal).
    pub kept: u64,
    pub conflicts: u64,
    /// Ops left waiting behind a conflict.
    pub held: u64,
    /// Why the push stopped early (offline, refused key), if it did.
    pub stopped: Option<String>,
    pub unauthorized: bool,
}

#[derive(sqlx::FromRow)]
struct Pending {
    seq: i64,
    op_id: String,
    origin: String,
    method: String,
    path: String,
    kind: Option<String>,
    op_key: Option<String>,
    body: Option<String>,
    refs: String,
    summary: String,
    at: String,
    attempts: i64,
    next_try_at: Option<String>,
}

/// Ops a hub accepted that are marked done in one transaction.
const DONE_PER_COMMIT: usize = 100;

/// An accepted op's outcome, waiting to be written: its seq, the answer kept, when.
type Accepted = (i64, String, String);

/// Mark accepted ops done, in one transaction.
async fn mark_done(db: &Db, accepted: &mut Vec<Accepted>) -> Result<()> {
    if accepted.is_empty() {
        return Ok(());
    }
    let mut tx = db.write().await?;
    for (seq, response, at) in accepted.drain(..) {
        sqlx::query(
            "UPDATE sync_ops SET status = 'done', attempts = attempts + 1, response = ?, done_at = ?, last_error = NULL, next_try_at = NULL
             WHERE seq = ? AND status = 'pending'",
        )
        .bind(response)
        .bind(at)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Push what waits for this business unit. `now` is the core's clock (the wait is kept in its
/// time); `force` (the user's "Sync now") does not wait.
pub async fn push(
    db: &Db,
    client: &Client,
    backoff: Backoff,
    force: bool,
    now: impl Fn() -> chrono::DateTime<chrono::Utc>,
) -> Result<PushReport> {
    let mut accepted = Vec::new();
    let report = push_marking(db, client, backoff, force, now, &mut accepted).await;
    // Whatever ended the push, what the remote accepted is written.
    mark_done(db, &mut accepted).await?;
    report
}

async fn push_marking(
    db: &Db,
    client: &Client,
    backoff: Backoff,
    force: bool,
    now: impl Fn() -> chrono::DateTime<chrono::Utc>,
    accepted: &mut Vec<Accepted>,
) -> Result<PushReport> {
    let per_commit = match client.remote().kind {
        RemoteKind::Hub => DONE_PER_COMMIT,
        RemoteKind::Flexportal => 1,
    };
    let bu_id = client.remote().bu_id.clone();
    let mut report = PushReport::default();
    // Entities of refused ops: later ops touching them wait for the conflict's resolution.
    let mut blocked: HashSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT refs FROM sync_ops WHERE bu_id = ? AND status = 'conflict'",
    )
    .bind(&bu_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .flat_map(|r| super::parse_refs(r))
    .collect();
    let mut after_seq = 0i64;
    loop {
        let batch: Vec<Pending> = sqlx::query_as(
            "SELECT seq, op_id, origin, method, path, kind, op_key, body, refs, summary, at, attempts, next_try_at FROM sync_ops
             WHERE bu_id = ? AND status = 'pending' AND seq > ? ORDER BY seq LIMIT 200",
        )
        .bind(&bu_id)
        .bind(after_seq)
        .fetch_all(db.pool())
        .await?;
        if batch.is_empty() {
            return Ok(report);
        }
        for op in batch {
            after_seq = op.seq;
            let refs = super::parse_refs(&op.refs);
            if refs.iter().any(|r| blocked.contains(r)) {
                blocked.extend(refs);
                report.held += 1;
                continue;
            }
            let t = now();
            if let Some(next) = op.next_try_at.as_deref().filter(|_| !force) {
                if next > crate::clock::stamp(t).as_str() {
                    report.stopped = Some("Waiting before the next attempt".into());
                    return Ok(report);
                }
            }
            let out = super::wire::outgoing(
                db,
                client.remote(),
                &super::wire::OpRow {
                    kind: op.kind.as_deref(),
                    key: op.op_key.as_deref(),
                    method: &op.method,
                    path: &op.path,
                    body: op.body.as_deref(),
                },
            )
            .await;
            let (call, answer) = match out {
                Ok(Wire::Send(o)) => {
                    let request = Request {
                        op_id: &op.op_id,
                        origin: &op.origin,
                        at: &op.at,
                        method: o.call.method,
                        path: &o.call.path,
                        body: o.body.as_ref(),
                        mints: &o.mints,
                    };
                    // FlexPortal keeps no Idempotency-Key: after an attempt that had no answer,
                    // it is asked first (a hub answers a repeated key itself).
                    let answer =
                        if op.attempts > 0 && client.remote().kind == RemoteKind::Flexportal {
                            super::natural::send_again(client, &request).await
                        } else {
                            client.send(&request).await
                        };
                    (o.call, answer)
                }
                Ok(Wire::Kept(why)) => {
                    settle(db, op.seq, true, why, &crate::clock::stamp(now())).await?;
                    report.kept += 1;
                    continue;
                }
                Ok(Wire::Carried(why)) => {
                    settle(db, op.seq, false, why, &crate::clock::stamp(now())).await?;
                    report.sent += 1;
                    continue;
                }
                // Not writable in the remote's terms: refused here, as the remote would.
                Err(e) => (
                    Call {
                        method: "",
                        path: String::new(),
                    },
                    Answer::Refused {
                        status: 400,
                        code: e.code.as_str().to_string(),
                        message: format!(
                            "This change cannot be written for the remote: {}",
                            e.message
                        ),
                    },
                ),
            };
            let stamp = crate::clock::stamp(now());
            match answer {
                Answer::Done(status, body) => {
                    accepted.push((op.seq, format!("{status} {}", truncate(&body, 4000)), stamp));
                    if accepted.len() >= per_commit {
                        mark_done(db, accepted).await?;
                    }
                    report.sent += 1;
                }
                Answer::Refused {
                    status,
                    code,
                    message,
                } => {
                    let message = super::wire::what_to_do(client.remote().kind, &code, message);
                    let theirs = super::client::remote_state(client, &refs).await;
                    let mut tx = db.write().await?;
                    let moved = sqlx::query(
                        "UPDATE sync_ops SET status = 'conflict', attempts = attempts + 1, last_error = ? WHERE seq = ? AND status = 'pending'",
                    )
                    .bind(format!("{status} {code}: {message}"))
                    .bind(op.seq)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if moved == 1 {
                        sqlx::query(
                            "INSERT INTO sync_conflicts (id, bu_id, op_seq, code, message, ours, theirs, status, created_at)
                             VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                        )
                        .bind(crate::ids::new_id("cfl"))
                        .bind(&bu_id)
                        .bind(op.seq)
                        .bind(&code)
                        .bind(&message)
                        .bind(
                            serde_json::json!({
                                "summary": op.summary, "method": call.method, "path": call.path,
                                "body": op.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok()),
                                "at": op.at,
                            })
                            .to_string(),
                        )
                        .bind(theirs.to_string())
                        .bind(&stamp)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    blocked.extend(refs);
                    report.conflicts += 1;
                }
                Answer::Unauthorized(message) => {
                    report.unauthorized = true;
                    report.stopped = Some(message);
                    return Ok(report);
                }
                Answer::Later { reason, after } => {
                    let wait = after.unwrap_or_else(|| backoff.after(op.attempts + 1));
                    let next = now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    sqlx::query(
                        "UPDATE sync_ops SET attempts = attempts + 1, last_error = ?, next_try_at = ? WHERE seq = ? AND status = 'pending'",
                    )
                    .bind(&reason)
                    .bind(crate::clock::stamp(next))
                    .bind(op.seq)
                    .execute(db.pool())
                    .await?;
                    report.stopped = Some(reason);
                    return Ok(report);
                }
            }
        }
    }
}

/// An op that needs no request of its own: kept on this desk (the remote has no operation for
/// it) or carried by another op; either way done, with why.
async fn settle(db: &Db, seq: i64, kept: bool, why: &str, at: &str) -> Result<()> {
    sqlx::query(
        "UPDATE sync_ops SET status = 'done', kept = ?, response = ?, done_at = ?, last_error = NULL, next_try_at = NULL
         WHERE seq = ? AND status = 'pending'",
    )
    .bind(kept.then_some(why))
    .bind(why)
    .bind(at)
    .bind(seq)
    .execute(db.pool())
    .await?;
    Ok(())
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_first_and_stop_at_the_most() {
        let b = Backoff {
            first: Duration::from_secs(2),
            max: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (1..=7).map(|n| b.after(n).as_secs()).collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 60, 60]);
    }
}
