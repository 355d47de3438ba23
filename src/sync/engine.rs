//! Running sync: one pass (push, then pull) for a business unit, the background loop of the desk
//! and of `flexdesk serve`, the conflict inbox and its three ways out.

use super::client::Client;
use super::pull::PullReport;
use super::push::{Backoff, PushReport};
use super::remote;
use crate::error::{Error, ErrorCode, Result};
use crate::services::{subscriptions, Ctx};
use crate::Core;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use ts_rs::TS;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub backoff: Backoff,
    /// How long one request may take.
    pub timeout: Duration,
    /// Pages of FlexPortal's lists read again in each pass once it has been read whole
    /// (`pull::FULL_READ_PAGES`, docs/sync.md).
    pub full_read_pages: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backoff: Backoff::default(),
            timeout: Duration::from_secs(20),
            full_read_pages: super::pull::FULL_READ_PAGES,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct SyncReport {
    pub push: PushReport,
    pub pull: Option<PullReport>,
    /// online, offline or unauthorized.
    pub state: String,
    pub error: Option<String>,
}

/// What sending a desk's earlier records did, and the sync after it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SentExisting {
    pub seed: super::seed::SeedReport,
    pub sync: SyncReport,
}

/// A client for the business unit's enabled remote.
async fn client_of(core: &Core, bu_id: &str, timeout: Duration) -> Result<Client> {
    let remote = remote::load(&core.db, &core.desk.id, bu_id)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "This business unit has no enabled remote.",
            )
        })?;
    Ok(Client::new(remote, timeout, &core.db))
}

/// Send the records this desk held before its remote was set (`seed`), then sync: the desk's
/// waiting changes go out after the records they build on, and a pull brings it level.
pub async fn send_existing(core: &Core, bu_id: &str, opts: Options) -> Result<SentExisting> {
    let seed = {
        let _one_at_a_time = core.sync_lock.lock().await;
        let client = client_of(core, bu_id, opts.timeout).await?;
        let bu = crate::services::business_units::get(&core.db, bu_id).await?;
        let now = core.now_stamp();
        super::seed::send_existing(
            &core.db,
            &client,
            &bu,
            &core.desk.code,
            &now,
            bu.day_at(core.now()),
        )
        .await?
    };
    let sync = sync_once(core, bu_id, true, true, opts).await?;
    Ok(SentExisting { seed, sync })
}

async fn set_state(
    core: &Core,
    bu_id: &str,
    state: &str,
    error: Option<&str>,
    pulled: Option<&PullReport>,
) -> Result<()> {
    let now = core.now_stamp();
    let mut tx = core.db.write().await?;
    sqlx::query(
        "UPDATE sync_remotes SET state = ?, last_error = ?,
           last_sync_at = CASE WHEN ? = 'online' THEN ? ELSE last_sync_at END,
           last_pull_at = CASE WHEN ? THEN ? ELSE last_pull_at END,
           last_adopted_at = CASE WHEN ? THEN ? ELSE last_adopted_at END
         WHERE bu_id = ?",
    )
    .bind(state)
    .bind(error)
    .bind(state)
    .bind(&now)
    .bind(pulled.is_some())
    .bind(&now)
    .bind(pulled.is_some_and(|p| p.adopted > 0))
    .bind(&now)
    .bind(bu_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One pass for a business unit: push what waits, then (if `pull`) read what changed. `force`
/// pushes at once even while a retry wait runs (the user's "Sync now").
pub async fn sync_once(
    core: &Core,
    bu_id: &str,
    pull: bool,
    force: bool,
    opts: Options,
) -> Result<SyncReport> {
    let _one_at_a_time = core.sync_lock.lock().await;
    let client = client_of(core, bu_id, opts.timeout).await?;
    let bu = crate::services::business_units::get(&core.db, bu_id).await?;
    let mut report = SyncReport {
        push: super::push::push(&core.db, &client, opts.backoff, force, || core.now()).await?,
        ..Default::default()
    };
    if report.push.unauthorized {
        report.state = "unauthorized".into();
        report.error = report.push.stopped.clone();
        set_state(core, bu_id, "unauthorized", report.error.as_deref(), None).await?;
        return Ok(report);
    }
    let offline = report
        .push
        .stopped
        .clone()
        .filter(|_| report.push.sent == 0 && report.push.conflicts == 0);
    let in_doubt = client.remote().kind == super::remote::RemoteKind::Flexportal
        && super::natural::creates_in_doubt(&core.db, bu_id).await?;
    if pull && offline.is_none() && !in_doubt {
        let now = core.now_stamp();
        match super::pull::pull(&core.db, &client, &bu, &now, opts.full_read_pages, &|_| {}).await {
            Ok(p) => report.pull = Some(p),
            Err(e) => {
                let state = if e.code == ErrorCode::AuthRequired {
                    "unauthorized"
                } else {
                    "offline"
                };
                report.state = state.into();
                report.error = Some(e.message.clone());
                set_state(core, bu_id, state, Some(&e.message), None).await?;
                return Ok(report);
            }
        }
    }
    report.state = if offline.is_some() {
        "offline"
    } else {
        "online"
    }
    .into();
    report.error = offline.or_else(|| {
        (pull && in_doubt).then(|| {
            "An answer from FlexPortal was lost; reading from it waits until the next push has \
             found out whether FlexPortal took the change."
                .to_string()
        })
    });
    set_state(
        core,
        bu_id,
        &report.state,
        report.error.as_deref(),
        report.pull.as_ref(),
    )
    .await?;
    Ok(report)
}

/// The background loop: every few seconds push what waits; pull on each business unit's
/// schedule and whenever woken (the desk's "Sync now").
pub async fn run(core: Core) {
    let tick = Duration::from_secs(2);
    let mut last_pull: std::collections::HashMap<String, std::time::Instant> = Default::default();
    loop {
        // Each enabled remote with its pull interval and how many ops wait: one query a tick.
        let units: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT r.bu_id, r.pull_every_s,
               (SELECT count(*) FROM sync_ops o WHERE o.bu_id = r.bu_id AND o.status = 'pending')
             FROM sync_remotes r WHERE r.enabled = 1 ORDER BY r.bu_id",
        )
        .fetch_all(core.db.pool())
        .await
        .unwrap_or_default();
        for (bu, every, waiting) in units {
            let due = last_pull
                .get(&bu)
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(every.max(5) as u64));
            if !due && waiting == 0 {
                continue;
            }
            match sync_once(&core, &bu, due, false, core.sync_options()).await {
                Ok(r) => {
                    if r.pull.is_some() {
                        last_pull.insert(bu.clone(), std::time::Instant::now());
                    }
                }
                Err(e) => eprintln!("flexdesk: sync of {bu} failed: {}", e.message),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = core.sync_wake.notified() => { last_pull.clear(); }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The conflict inbox

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Conflict {
    pub id: String,
    /// The remote's error code (ASSET_NOT_AVAILABLE, ALREADY_PAID, ...).
    pub code: String,
    pub message: String,
    /// What this desk did: summary, method, path, body, at.
    #[ts(type = "Record<string, unknown>")]
    pub ours: Value,
    /// The remote's copy of each entity the change touches (`kind:key` → object or null).
    #[ts(type = "Record<string, unknown>")]
    pub theirs: Value,
    /// Later changes of this desk held back behind it.
    pub held: i64,
    pub status: String,
    pub resolution: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    /// Ways out that apply: retry, keep_theirs, and other_serial for an activation.
    pub options: Vec<String>,
}

type Row = (
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

const COLS: &str = "id, op_seq, code, message, ours, theirs, status, resolution, created_at, resolved_at, resolved_by";

/// A refused op and the later waiting ops held behind it (touching, directly or through each
/// other, the same entities): their seqs, the refused one first, and every entity they touch.
async fn chain(db: &crate::store::Db, bu_id: &str, seq: i64) -> Result<(Vec<i64>, Vec<String>)> {
    let ops: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, refs FROM sync_ops WHERE bu_id = ? AND (seq = ? OR (status = 'pending' AND seq > ?)) ORDER BY seq",
    )
    .bind(bu_id)
    .bind(seq)
    .bind(seq)
    .fetch_all(db.pool())
    .await?;
    let (mut seqs, mut refs) = (vec![], Vec::<String>::new());
    for (s, r) in ops {
        let rs = super::parse_refs(&r);
        if s == seq || rs.iter().any(|x| refs.contains(x)) {
            seqs.push(s);
            for x in rs {
                if !refs.contains(&x) {
                    refs.push(x);
                }
            }
        }
    }
    Ok((seqs, refs))
}

async fn to_conflict(db: &crate::store::Db, bu_id: &str, r: Row) -> Result<Conflict> {
    let (
        id,
        seq,
        code,
        message,
        ours,
        theirs,
        status,
        resolution,
        created_at,
        resolved_at,
        resolved_by,
    ) = r;
    let ours: Value = ours
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let held = if status == "open" {
        chain(db, bu_id, seq).await?.0.len() as i64 - 1
    } else {
        0
    };
    let mut options = vec!["retry".to_string(), "keep_theirs".to_string()];
    if ours.get("path").and_then(Value::as_str) == Some("/v1/subscriptions")
        && ours.get("method").and_then(Value::as_str) == Some("POST")
    {
        options.push("other_serial".into());
    }
    Ok(Conflict {
        id,
        code,
        message,
        ours,
        theirs: theirs
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null),
        held,
        status,
        resolution,
        created_at,
        resolved_at,
        resolved_by,
        options,
    })
}

/// Open conflicts first (oldest first), then the last resolved ones.
pub async fn conflicts(db: &crate::store::Db, bu_id: &str) -> Result<Vec<Conflict>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM (
           SELECT * FROM sync_conflicts WHERE bu_id = ?1 AND status = 'open'
           UNION ALL SELECT * FROM (SELECT * FROM sync_conflicts WHERE bu_id = ?1 AND status = 'resolved' ORDER BY resolved_at DESC LIMIT 20))
         ORDER BY status = 'resolved', created_at"
    ))
    .bind(bu_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(to_conflict(db, bu_id, r).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ResolveInput {
    pub conflict_id: String,
    /// retry, keep_theirs or other_serial.
    pub resolution: String,
    /// For other_serial: the serial to activate instead.
    pub serial_number: Option<String>,
}

/// Resolve a conflict:
/// - `retry`: send the same change again (the remote's state may have changed);
/// - `keep_theirs`: drop this desk's change and the changes held behind it, and take the
///   remote's copy of every entity they touched (removing what exists only here);
/// - `other_serial`: keep theirs, then activate the same order item with another serial.
pub async fn resolve(core: &Core, ctx: &Ctx, input: ResolveInput) -> Result<Conflict> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM sync_conflicts WHERE id = ? AND bu_id = ?"
    ))
    .bind(&input.conflict_id)
    .bind(&ctx.bu.id)
    .fetch_optional(core.db.pool())
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Conflict", &input.conflict_id))?;
    let seq = row.1;
    // Resolving can throw a change away: an administrator's call, or one of the author's role.
    let author_role: Option<String> =
        sqlx::query_scalar("SELECT actor_role FROM sync_ops WHERE seq = ?")
            .bind(seq)
            .fetch_optional(core.db.pool())
            .await?
            .flatten();
    if ctx.actor.role != "admin" && author_role.as_deref() != Some(ctx.actor.role.as_str()) {
        return Err(Error::new(
            ErrorCode::InsufficientPermissions,
            match author_role {
                Some(r) => format!("This change was made at the {r} desk; an administrator or someone working as {r} resolves it."),
                None => "An administrator resolves this conflict.".to_string(),
            },
        ));
    }
    let c = to_conflict(&core.db, &ctx.bu.id, row).await?;
    if c.status != "open" {
        return Err(Error::new(
            ErrorCode::Conflict,
            "This conflict is already resolved.",
        ));
    }
    if !c.options.contains(&input.resolution) {
        return Err(Error::invalid(
            "resolution",
            format!("Choose one of: {}.", c.options.join(", ")),
        ));
    }
    let new_serial = match input.resolution.as_str() {
        "other_serial" => Some(
            input
                .serial_number
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Error::invalid("serialNumber", "Scan or type the serial to use instead.")
                })?
                .to_string(),
        ),
        _ => None,
    };
    if input.resolution == "retry" {
        // Refused for its age: sent again as of now, as the hub's answer said.
        let now = (c.code == ErrorCode::OpTooOld.as_str()).then(|| ctx.now.clone());
        let mut tx = core.db.write().await?;
        sqlx::query("UPDATE sync_ops SET status = 'pending', attempts = 0, next_try_at = NULL, at = COALESCE(?, at) WHERE seq = ? AND status = 'conflict'")
            .bind(&now)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        close(
            &mut tx,
            ctx,
            &c.id,
            "retry",
            &format!(
                "Sent again{}: {}",
                if now.is_some() { " as of now" } else { "" },
                c.ours["summary"].as_str().unwrap_or("")
            ),
        )
        .await?;
        tx.commit().await?;
        core.sync_wake.notify_one();
    } else {
        // Keep theirs: read the remote's side first (nothing changes here if it cannot be read).
        let (seqs, refs) = chain(&core.db, &ctx.bu.id, seq).await?;
        // A subscription brings its payments along.
        let client = client_of(core, &ctx.bu.id, core.sync_options().timeout).await?;
        let theirs = super::client::remote_state_all(&client, &refs).await?;
        let payments = super::client::remote_payments_of(&client, &refs).await?;
        let mut tx = core.db.write().await?;
        let list = seqs
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(&format!(
            "UPDATE sync_ops SET status = 'discarded', done_at = ? WHERE seq IN ({list}) AND status IN ('pending', 'conflict')"
        ))
        .bind(&ctx.now)
        .execute(&mut *tx)
        .await?;
        super::pull::readopt(&mut tx, &ctx.bu, &theirs).await?;
        super::pull::adopt_payments(&mut tx, &ctx.bu, &payments).await?;
        let how = if new_serial.is_some() {
            "other_serial"
        } else {
            "keep_theirs"
        };
        close(
            &mut tx,
            ctx,
            &c.id,
            how,
            &format!(
                "Kept the remote's version; dropped {} change(s) of this desk: {}",
                seqs.len(),
                c.ours["summary"].as_str().unwrap_or("")
            ),
        )
        .await?;
        // Another serial: the activation joins the same transaction, so a serial that cannot be
        // used leaves the conflict open and nothing changed.
        if let (Some(serial), Some(body)) = (new_serial, c.ours.get("body")) {
            let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
            subscriptions::activate_in(
                &mut tx,
                ctx,
                subscriptions::ActivateInput {
                    order_id: s("orderId").unwrap_or_default(),
                    asset_serial_number: serial,
                    customer_id: s("customerId"),
                    billing_group_id: s("billingGroupId"),
                    start_date: s("startDate"),
                    contract_length: body.get("contractLength").cloned(),
                    notes: s("notes"),
                    rental_id: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
    }
    let row: Row = sqlx::query_as(&format!("SELECT {COLS} FROM sync_conflicts WHERE id = ?"))
        .bind(&c.id)
        .fetch_one(core.db.pool())
        .await?;
    to_conflict(&core.db, &ctx.bu.id, row).await
}

async fn close(
    conn: &mut sqlx::SqliteConnection,
    ctx: &Ctx,
    id: &str,
    how: &str,
    summary: &str,
) -> Result<()> {
    sqlx::query("UPDATE sync_conflicts SET status = 'resolved', resolution = ?, resolved_at = ?, resolved_by = ? WHERE id = ?")
        .bind(how)
        .bind(&ctx.now)
        .bind(&ctx.actor.name)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    crate::store::record(
        conn,
        &ctx.actor,
        ctx.at,
        crate::store::Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "sync_conflict",
            entity_id: id,
            action: "resolved",
            summary: summary.to_string(),
            before: None,
            after: Some(serde_json::json!({ "resolution": how })),
        },
    )
    .await
}
