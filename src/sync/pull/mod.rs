//! Pull: what changed on the remote comes down through the v1 lists, page by page with their
//! cursors, and is written into the local tables as the remote has it ("adopted"). A FlexDesk hub
//! also answers `changedSince` (a token from the previous pass) so a pass reads only what changed;
//! a remote that ignores it is read whole each pass, with the same result.
//!
//! Entities this desk has changed and the remote has not yet accepted (pending or refused ops) are
//! left alone: the remote's copy comes once the op is done or the conflict resolved.

use super::client::{unavailable, Client};
use super::kinds::{kind_named, Kind, KINDS, PAGE};
use crate::error::{Error, ErrorCode, Result};
use crate::money::Money;
use crate::services::BusinessUnit;
use crate::store::Db;
use serde_json::Value;
use sqlx::SqliteConnection;
use std::collections::HashSet;

mod adopt;
mod fields;
mod flexportal;
mod remove;

pub(crate) use adopt::*;
use fields::*;
#[cfg(feature = "bench")]
pub use flexportal::mark_read_whole;
pub(crate) use flexportal::FULL_READ;
pub use flexportal::FULL_READ_PAGES;

/// More objects in one page than this (ten times the page asked for) and the remote is not read
/// on.
const MAX_ITEMS_PER_PAGE: usize = 1000;
use remove::*;

#[derive(Debug, Default, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PullReport {
    pub read: u64,
    pub adopted: u64,
    /// Left alone because this desk has a change to them waiting.
    pub held: u64,
    /// Could not be written yet (something they point to is missing); read again next pass.
    pub deferred: u64,
    /// Could not be read at all (a field the desk needs is missing or unreadable): left out of
    /// the pass, which goes on.
    pub skipped: u64,
    /// Why the first few were skipped (`kind:key: reason`).
    pub problems: Vec<String>,
    pub pages: u64,
    /// Rows copied from the hub's tables on a new desk's first pull (`snapshot`), before its
    /// lists were read.
    pub copied: u64,
}

/// One pull pass over every list. `progress` is told after each page.
pub async fn pull(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    full_read_pages: u64,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<PullReport> {
    let mut report = PullReport::default();
    // A new desk's first pull from a hub: the unit's tables copied, then the lists read from
    // the position the hub gave.
    if client.remote().kind == super::remote::RemoteKind::Hub
        && super::snapshot::wanted(db, bu).await?
    {
        let lists: Vec<&str> = KINDS.iter().map(|k| k.list).collect();
        let shown = |rows: u64| {
            progress(&PullReport {
                copied: rows,
                ..Default::default()
            })
        };
        match super::snapshot::copy(db, client, bu, &lists, now, &shown).await? {
            super::snapshot::Outcome::Copied(c) => {
                report.copied = c.rows;
                report.pages += c.pages;
            }
            super::snapshot::Outcome::NotOffered => {}
            // Whatever it wrote, the lists below read the whole unit.
            super::snapshot::Outcome::Stopped(why) => report.problems.push(format!(
                "The hub's copy of the unit stopped ({why}); its lists are read instead."
            )),
        }
    }
    if client.remote().kind == super::remote::RemoteKind::Flexportal {
        // No change feed: the windows where things change now, and a slice of a full read
        // (flexportal.rs).
        flexportal::pass(db, client, bu, now, full_read_pages, &mut report, progress).await?;
        return Ok(report);
    }
    for k in KINDS {
        read_list(
            db,
            client,
            bu,
            now,
            &ListRead::feed(k),
            &mut report,
            progress,
        )
        .await?;
    }
    sweep_groups(db, client, bu).await?;
    Ok(report)
}

/// How one list is read in a pass.
pub(super) struct ListRead {
    pub k: &'static Kind,
    /// The name its place is saved under between pages and passes (`sync_cursors`); None: read
    /// whole within the pass, nothing saved.
    pub saved_as: Option<String>,
    /// FlexPortal's own filters (`status`, `dueDateFrom`, `orderId`, …).
    pub query: Vec<(&'static str, String)>,
    /// A hub's change feed: `changedSince` with the list's token, `sortDir`.
    pub feed: bool,
    /// Stop after this many pages, the place kept for the next pass.
    pub max_pages: Option<u64>,
    /// Fetch by id, and write first, what the page's objects point to and this desk lacks (a
    /// customer a webshop's order names); a FlexPortal remote's windows, which read no whole list.
    pub parents_first: bool,
}

impl ListRead {
    /// A list read whole within the pass with FlexPortal's filters, what its objects point to
    /// first.
    pub(super) fn window(k: &'static Kind, query: Vec<(&'static str, String)>) -> ListRead {
        ListRead {
            k,
            saved_as: None,
            query,
            feed: false,
            max_pages: None,
            parents_first: true,
        }
    }

    /// A list read through a hub's change feed, its place saved under the list's name.
    fn feed(k: &'static Kind) -> ListRead {
        ListRead {
            k,
            saved_as: Some(k.list.to_string()),
            query: vec![],
            feed: true,
            max_pages: None,
            parents_first: false,
        }
    }
}

/// What reading a list came to: whether it reached its end, its pages, and the ids it gave (a
/// list not saved between passes only).
#[derive(Default)]
pub(super) struct ListRun {
    pub done: bool,
    pub pages: u64,
    pub seen: Vec<String>,
}

/// Read one list page by page, writing each page in a transaction of its own.
pub(super) async fn read_list(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    r: &ListRead,
    report: &mut PullReport,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<ListRun> {
    let k = r.k;
    let (path, key) = (k.path, k.key);
    let mut run = ListRun::default();
    let (token, mut cursor, mut pass_token, mut pass_deferred): (
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    ) = match &r.saved_as {
        Some(list) => sqlx::query_as(
            "SELECT token, cursor, pass_token, pulled FROM sync_cursors WHERE bu_id = ? AND list = ?",
        )
        .bind(&bu.id)
        .bind(list)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or((None, None, None, 0)),
        None => (None, None, None, 0),
    };
    if cursor.is_none() {
        pass_token = None;
        pass_deferred = 0;
    }
    loop {
        let mut q = vec![("limit", PAGE.to_string())];
        if r.feed {
            q.push(("sortDir", "asc".to_string()));
            // Empty: everything (a first pass), and the hub starts its change feed.
            q.push(("changedSince", token.clone().unwrap_or_default()));
        }
        q.extend(r.query.iter().cloned());
        if let Some(c) = &cursor {
            q.push(("startAfter", c.clone()));
        }
        let page = client
            .get(path, &q)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| Error::internal(format!("The remote has no {path}.")))?;
        report.pages += 1;
        if pass_token.is_none() {
            pass_token = page
                .get("syncToken")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        let items = page
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let more = page
            .get("hasMore")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let next = page
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|_| more);
        // A remote that answers more than was asked for, or sends the pass round in a
        // circle, is not read on.
        if items.len() > MAX_ITEMS_PER_PAGE {
            return Err(Error::new(
                ErrorCode::RemoteUnavailable,
                format!(
                    "The remote answered {} {key} for a page of {PAGE}.",
                    items.len()
                ),
            ));
        }
        if next.is_some() && next == cursor {
            return Err(Error::new(
                ErrorCode::RemoteUnavailable,
                format!("The remote's {key} list gives the same page again ({path})."),
            ));
        }
        run.pages += 1;
        // A list read whole within the pass says what it gave (a window); a saved list's pages
        // (a hub's feed, the full read) are not kept.
        if r.saved_as.is_none() {
            run.seen.extend(
                items
                    .iter()
                    .filter_map(|o| o.get(k.id)?.as_str().map(str::to_string)),
            );
        }
        if r.parents_first {
            flexportal::parents_first(db, client, bu, k, &items, report).await?;
        }
        let mut tx = db.write().await?;
        let dirty = super::dirty_refs(&mut tx, &bu.id).await?;
        let outcomes = match write_page(&mut tx, bu, k, &items, &dirty, false).await? {
            Some(o) => o,
            None => {
                // An object could not be read: the page again, each object in a savepoint
                // of its own, so that only the unreadable ones are left out.
                tx.rollback().await?;
                tx = db.write().await?;
                write_page(&mut tx, bu, k, &items, &dirty, true)
                    .await?
                    .unwrap_or_default()
            }
        };
        pass_deferred += tally(report, k, &items, outcomes);
        // The pass's token becomes the list's token only when the pass read everything it
        // was given; one with deferred items keeps the old token and reads them again.
        let done = next.is_none();
        let new_token = match (done, pass_deferred) {
            (true, 0) => pass_token.clone().or(token.clone()),
            _ => token.clone(),
        };
        if let Some(list) = &r.saved_as {
            sqlx::query(
                "INSERT INTO sync_cursors (bu_id, list, token, cursor, pass_token, pulled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (bu_id, list) DO UPDATE SET token = excluded.token, cursor = excluded.cursor,
                   pass_token = excluded.pass_token, pulled = excluded.pulled, updated_at = excluded.updated_at",
            )
            .bind(&bu.id)
            .bind(list)
            .bind(&new_token)
            .bind(&next)
            .bind(if done { None } else { pass_token.clone() })
            .bind(if done { 0 } else { pass_deferred })
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        progress(report);
        if done {
            run.done = true;
            break;
        }
        cursor = next;
        if r.max_pages.is_some_and(|m| run.pages >= m) {
            break;
        }
    }
    Ok(run)
}

/// Count a written page's outcomes into the report; how many are to be read again (deferred or
/// unreadable).
fn tally(
    report: &mut PullReport,
    k: &Kind,
    items: &[Value],
    outcomes: Vec<std::result::Result<Adopted, String>>,
) -> i64 {
    let mut again = 0;
    for (item, res) in items.iter().zip(outcomes) {
        report.read += 1;
        match res {
            Ok(Adopted::Yes) => report.adopted += 1,
            Ok(Adopted::Held) => report.held += 1,
            Ok(Adopted::Deferred) => {
                report.deferred += 1;
                again += 1;
            }
            // Read again next pass, like a deferred one (the list keeps its token).
            Err(why) => {
                report.skipped += 1;
                again += 1;
                if report.problems.len() < 5 {
                    report
                        .problems
                        .push(format!("{}: {why}", refs_of(k, item)[0]));
                }
            }
        }
    }
    again
}

/// A billing group deleted elsewhere does not come in a list; its members arrive without it.
/// Every local group left without members is looked up on the remote, and removed here when the
/// remote no longer has it (unless this desk has a change to it waiting).
async fn sweep_groups(db: &Db, client: &Client, bu: &BusinessUnit) -> Result<()> {
    let empty: Vec<String> = sqlx::query_scalar(
        "SELECT g.id FROM billing_groups g WHERE g.bu_id = ?
           AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.billing_group_id = g.id)",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?;
    for id in empty {
        let path = format!("/v1/billing-groups/{id}");
        if client.get(&path, &[]).await.map_err(unavailable)?.is_some() {
            continue;
        }
        let gone = super::r("billing_group", &id);
        let mut tx = db.write().await?;
        if !super::dirty_refs(&mut tx, &bu.id).await?.contains(&gone)
            && !holds_money(&mut tx, bu, "billing_group", &id).await?
        {
            remove_local(&mut tx, bu, &gone).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Write a page's objects; each one's outcome, or why it could not be read. Unguarded (the
/// usual, faster way) the first unreadable object stops the page (None) and the caller rolls
/// it back; `guarded`, each object has a savepoint of its own and an unreadable one is undone
/// alone. One object that cannot be read is left out, never the end of the pass.
async fn write_page(
    tx: &mut SqliteConnection,
    bu: &BusinessUnit,
    k: &Kind,
    items: &[Value],
    dirty: &HashSet<String>,
    guarded: bool,
) -> Result<Option<Vec<std::result::Result<Adopted, String>>>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if guarded {
            sqlx::query("SAVEPOINT pulled_item")
                .execute(&mut *tx)
                .await?;
        }
        let res = adopt(&mut *tx, bu, k, item, dirty).await;
        if guarded {
            if res.is_err() {
                sqlx::query("ROLLBACK TO pulled_item")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("RELEASE pulled_item").execute(&mut *tx).await?;
        }
        match res {
            Ok(a) => out.push(Ok(a)),
            Err(e) if e.code == crate::ErrorCode::ValidationError => {
                if !guarded {
                    return Ok(None);
                }
                out.push(Err(e.message));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Some(out))
}

enum Adopted {
    Yes,
    Held,
    Deferred,
}

/// The `kind:key` ref of a pulled object and the refs whose pending ops hold it back (a
/// payment is also held by its subscription).
fn refs_of(k: &Kind, o: &Value) -> Vec<String> {
    let mut v = vec![super::r(
        k.kind,
        o.get(k.id).and_then(Value::as_str).unwrap_or_default(),
    )];
    if k.kind == "payment" {
        v.extend(
            o.get("rentalId")
                .and_then(Value::as_str)
                .map(|r| super::r("rental", r)),
        );
    }
    v
}

async fn adopt(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    k: &Kind,
    o: &Value,
    dirty: &HashSet<String>,
) -> Result<Adopted> {
    if refs_of(k, o).iter().any(|r| dirty.contains(r)) {
        return Ok(Adopted::Held);
    }
    let res = match k.kind {
        "product" => product(conn, bu, o).await,
        "customer" => customer(conn, bu, o).await,
        "billing_group" => billing_group(conn, bu, o).await,
        "asset" => asset(conn, bu, o).await,
        "order" => order(conn, bu, o).await,
        "rental" => rental(conn, bu, o).await,
        _ => payment(conn, bu, o).await.map(|_| ()),
    };
    match res {
        Ok(()) => Ok(Adopted::Yes),
        // A missing parent or a natural key held by a local row that is not yet reconciled.
        Err(e) if e.code == crate::ErrorCode::Conflict => Ok(Adopted::Deferred),
        Err(e) => Err(e),
    }
}

/// Records a desk sent (`POST /v1/sync/records`, see `seed`), as this node took them.
#[derive(Debug, Default)]
pub struct Taken {
    pub written: u64,
    pub present: u64,
    /// `kind:key` and why.
    pub refused: Vec<(String, String)>,
}

/// Write each record of `kind` this node does not have yet, exactly as sent (as a pull would);
/// leave those it has. One transaction; a record that cannot be written (its natural key is
/// another record's here, or what it points to is missing) is refused alone.
pub async fn take_records(
    db: &Db,
    bu: &BusinessUnit,
    kind: &str,
    items: &[Value],
) -> Result<Taken> {
    let k = kind_named(kind).ok_or_else(|| {
        Error::invalid(
            "kind",
            format!(
                "kind must be one of {}.",
                KINDS.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let mut taken = Taken::default();
    let mut tx = db.write().await?;
    for o in items {
        let key = text(o, k.id).unwrap_or_default();
        let have: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT 1 FROM {} WHERE bu_id = ? AND {} = ?",
            k.table, k.column
        ))
        .bind(&bu.id)
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        if have.is_some() {
            taken.present += 1;
            continue;
        }
        // A record half written (a product whose second variant's SKU is taken) is undone.
        sqlx::query("SAVEPOINT take_record")
            .execute(&mut *tx)
            .await?;
        let why = match adopt(&mut tx, bu, k, o, &HashSet::new()).await {
            Ok(Adopted::Yes) => None,
            Ok(_) => Some(
                "Its serial, SKU or email belongs to another record here, or what it points to is missing."
                    .to_string(),
            ),
            Err(e) => Some(e.message),
        };
        match why {
            None => {
                sqlx::query("RELEASE take_record").execute(&mut *tx).await?;
                taken.written += 1;
            }
            Some(why) => {
                sqlx::query("ROLLBACK TO take_record")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("RELEASE take_record").execute(&mut *tx).await?;
                taken.refused.push((super::r(kind, &key), why));
            }
        }
    }
    tx.commit().await?;
    Ok(taken)
}

/// Re-read these entities from the remote and write them as it has them; those it does not have
/// are removed here (a change of this desk that the remote never accepted).
pub(crate) async fn readopt(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    theirs: &Value,
) -> Result<()> {
    let Some(map) = theirs.as_object() else {
        return Ok(());
    };
    // Parents first, as in a pass.
    let kind_of = |r: &str| kind_named(r.split(':').next().unwrap_or_default());
    let mut refs: Vec<(&String, &Value)> = map.iter().collect();
    refs.sort_by_key(|(r, _)| {
        KINDS
            .iter()
            .position(|k| r.split(':').next() == Some(k.kind))
            .unwrap_or(KINDS.len())
    });
    for (r, obj) in refs.iter().rev() {
        if obj.is_null() {
            remove_local(conn, bu, r).await?;
        }
    }
    for (r, obj) in refs {
        if obj.is_null() {
            continue;
        }
        let Some(k) = kind_of(r) else {
            continue;
        };
        if let Adopted::Deferred = adopt(conn, bu, k, obj, &HashSet::new()).await? {
            return Err(Error::new(
                crate::ErrorCode::Conflict,
                format!("The remote's copy of {r} cannot be written here yet; pull first."),
            ));
        }
    }
    Ok(())
}
