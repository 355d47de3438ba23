//! A pull from FlexPortal's cloud, which has no change feed: its lists answer whole, 100 objects
//! a request, and a business of 250,000 subscriptions is some 39,000 requests. So a pass reads
//!
//! - **the windows**, where things change from one hour to the next: open orders (a webshop's new
//!   order, an order activated elsewhere), the payments due in the last weeks that are still open
//!   or failed (collections), payments in processing, and the active catalog. A record this desk
//!   holds in a window that the window no longer gives has changed: it is read by its id (an order
//!   fulfilled, a payment paid; on a collection day, the day's payments as a list when that takes
//!   fewer requests). What a window's object points to and this desk lacks (the
//!   customer of a webshop's order, a subscription made in FlexPortal's dashboard) is read by its
//!   id first; an order with more devices out on FlexPortal (`rentalProgress`) than
//!   subscriptions here brings its subscriptions, and a new subscription its payments;
//! - **a slice of the full read**: every list, in the order of `KINDS`, `FULL_READ_PAGES` pages a
//!   pass (`serve --full-read-pages`), its place saved, so every record is read again once a cycle (whatever else changed in
//!   FlexPortal: an edited customer, an early return in the dashboard).
//!
//! Until the first full read has ended (a new desk, or a remote just set), a pass reads whole.

use super::*;
use crate::services::day_text;
use crate::sync::kinds::kind_named;

/// Pages of the full read in one pass once FlexPortal has been read whole (a page is 100
/// objects and one request).
pub const FULL_READ_PAGES: u64 = 50;
/// How far back a window of payments reaches, in days: a payment due earlier that changes
/// comes with the full read.
pub(crate) const PAYMENT_WINDOW_DAYS: i64 = 35;
/// Records read by their id in one pass, at most (the rest in the next pass).
const LOOKUPS_PER_PASS: usize = 500;
/// The place of the full read in `sync_cursors`: `cursor` is the list being read (none between
/// cycles), `token` when the last cycle ended, `pulled` how many cycles have ended.
pub(crate) const FULL_READ: &str = "full-read";

/// One pass from a FlexPortal remote.
pub(super) async fn pass(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    pages: u64,
    report: &mut PullReport,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<()> {
    let (cycles, at): (i64, Option<String>) =
        sqlx::query_as("SELECT pulled, cursor FROM sync_cursors WHERE bu_id = ? AND list = ?")
            .bind(&bu.id)
            .bind(FULL_READ)
            .fetch_optional(db.pool())
            .await?
            .unwrap_or((0, None));
    if cycles == 0 {
        full_read(db, client, bu, now, at, None, report, progress).await?;
        return Ok(());
    }
    let today = now
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| Error::internal(format!("'{now}' is not a time.")))?;
    windows(db, client, bu, now, today, report, progress).await?;
    full_read(
        db,
        client,
        bu,
        now,
        at,
        Some(pages.max(1)),
        report,
        progress,
    )
    .await?;
    Ok(())
}

/// Read the lists whole, from where the full read stands (`at`, the list being read), `budget`
/// pages at most; whether a cycle ended.
#[allow(clippy::too_many_arguments)]
async fn full_read(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    mut at: Option<String>,
    budget: Option<u64>,
    report: &mut PullReport,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<bool> {
    let start = at
        .as_deref()
        .and_then(|l| KINDS.iter().position(|k| k.list == l))
        .unwrap_or(0);
    let mut left = budget;
    for k in &KINDS[start..] {
        // The place is saved when the read moves on to another list.
        if at.as_deref() != Some(k.list) {
            set_place(db, &bu.id, now, Some(k.list), false).await?;
            at = Some(k.list.to_string());
        }
        if left == Some(0) {
            return Ok(false);
        }
        let read = ListRead {
            k,
            saved_as: Some(k.list.to_string()),
            query: vec![],
            feed: false,
            max_pages: left,
            parents_first: false,
        };
        let run = read_list(db, client, bu, now, &read, report, progress).await?;
        if let Some(l) = left.as_mut() {
            *l = l.saturating_sub(run.pages);
        }
        if !run.done {
            return Ok(false);
        }
    }
    set_place(db, &bu.id, now, None, true).await?;
    sweep_groups(db, client, bu).await?;
    Ok(true)
}

/// Mark the unit's FlexPortal remote as read whole (a desk that took a whole copy of the
/// business some other way: the bench's).
#[cfg(feature = "bench")]
pub async fn mark_read_whole(db: &Db, bu_id: &str, now: &str) -> Result<()> {
    set_place(db, bu_id, now, None, true).await
}

/// Save where the full read stands; `ended`: a cycle ended now.
async fn set_place(db: &Db, bu_id: &str, now: &str, list: Option<&str>, ended: bool) -> Result<()> {
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO sync_cursors (bu_id, list, token, cursor, pulled, updated_at)
         VALUES (?1, ?2, CASE WHEN ?4 THEN ?5 END, ?3, ?4, ?5)
         ON CONFLICT (bu_id, list) DO UPDATE SET cursor = excluded.cursor,
           token = CASE WHEN ?4 THEN ?5 ELSE sync_cursors.token END,
           pulled = sync_cursors.pulled + ?4, updated_at = excluded.updated_at",
    )
    .bind(bu_id)
    .bind(FULL_READ)
    .bind(list)
    .bind(ended as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A group of windows on one list, and the records of this desk it should give: those it does
/// not give have changed and are read by id.
struct Group {
    kind: &'static str,
    filters: Vec<Vec<(&'static str, String)>>,
    /// The ids this desk holds that the windows should give (binds: unit, first day, last day).
    expected: Option<&'static str>,
}

/// The windows; payments are due from `from` to `to` (days).
fn groups(from: &str, to: &str) -> Vec<Group> {
    let status = |s: &str| vec![("status", s.to_string())];
    let due = |s: &str| {
        vec![
            ("status", s.to_string()),
            ("dueDateFrom", from.to_string()),
            ("dueDateTo", to.to_string()),
        ]
    };
    vec![
        Group {
            kind: "product",
            filters: vec![status("active")],
            expected: None,
        },
        Group {
            kind: "order",
            filters: vec![status("pending"), status("confirmed"), status("partial")],
            expected: Some(
                "SELECT id FROM orders WHERE bu_id = ?1 AND status IN ('pending', 'confirmed', 'partial')",
            ),
        },
        Group {
            kind: "payment",
            filters: vec![due("pending"), due("failed"), status("processing")],
            // The second IN repeats the condition of the partial index `payments_status_due`:
            // SQLite uses a partial index only for a query that states its condition.
            expected: Some(
                "SELECT id FROM payments WHERE bu_id = ?1 AND status IN ('pending', 'failed') AND due_date BETWEEN ?2 AND ?3
                 UNION ALL SELECT id FROM payments WHERE bu_id = ?1 AND status = 'processing'
                   AND status IN ('paid', 'processing', 'failed', 'cancelled')",
            ),
        },
    ]
}

/// Read the windows, then by id what left them, then the subscriptions of orders on the move.
async fn windows(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    today: chrono::NaiveDate,
    report: &mut PullReport,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<()> {
    let mut lookups = LOOKUPS_PER_PASS;
    let from = day_text(today - chrono::Duration::days(PAYMENT_WINDOW_DAYS));
    let to = day_text(today);
    for g in groups(&from, &to) {
        let k = kind_named(g.kind).expect("a synced kind");
        let mut seen = HashSet::new();
        for q in g.filters {
            let read = ListRead::window(k, q.clone());
            let run = read_list(db, client, bu, now, &read, report, progress).await?;
            seen.extend(run.seen);
        }
        let Some(sql) = g.expected else { continue };
        let held: Vec<String> = sqlx::query_scalar(sql)
            .bind(&bu.id)
            .bind(&from)
            .bind(&to)
            .fetch_all(db.pool())
            .await?;
        // Those FlexPortal answered 404 for before are not asked again.
        let absent: HashSet<String> =
            sqlx::query_scalar("SELECT id FROM sync_absent WHERE bu_id = ? AND kind = ?")
                .bind(&bu.id)
                .bind(k.kind)
                .fetch_all(db.pool())
                .await?
                .into_iter()
                .collect();
        let mut left: Vec<String> = held
            .into_iter()
            .filter(|id| !seen.contains(id) && !absent.contains(id))
            .collect();
        if g.kind == "payment" {
            // A collection day: a day's payments read as a list when that takes fewer
            // requests than reading those that left the window one by one.
            let (days, one_by_one) = by_day(db, bu, left).await?;
            for d in days {
                let read = ListRead::window(k, vec![("dueDateFrom", d.clone()), ("dueDateTo", d)]);
                read_list(db, client, bu, now, &read, report, progress).await?;
            }
            left = one_by_one;
        }
        left.truncate(lookups);
        lookups -= left.len();
        let got = by_id(client, k, &left, report).await?;
        let found: HashSet<&str> = got
            .iter()
            .filter_map(|o| o.get(k.id).and_then(Value::as_str))
            .collect();
        let missing: Vec<&String> = left
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .collect();
        remember_absent(db, bu, k, &missing, now).await?;
        write(db, client, bu, k, &got, report).await?;
        if g.kind == "order" {
            // Orders with more devices out on FlexPortal than subscriptions here (activated
            // elsewhere): their subscriptions.
            seen.extend(left);
            let ids: Vec<&String> = seen.iter().collect();
            let behind: Vec<String> = sqlx::query_scalar(
                "SELECT o.id FROM json_each(?2) j CROSS JOIN orders o ON o.id = j.value
                 WHERE o.bu_id = ?1
                   AND o.rented_devices > (SELECT count(*) FROM subscriptions s WHERE s.order_id = o.id)",
            )
            .bind(&bu.id)
            .bind(serde_json::to_string(&ids)?)
            .fetch_all(db.pool())
            .await?;
            for id in behind.iter().take(lookups) {
                of_order(db, client, bu, now, id, report, progress).await?;
            }
            lookups = lookups.saturating_sub(behind.len());
        }
    }
    Ok(())
}

/// Records FlexPortal does not have, so that the windows do not look them up again.
async fn remember_absent(
    db: &Db,
    bu: &BusinessUnit,
    k: &Kind,
    ids: &[&String],
    now: &str,
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT OR IGNORE INTO sync_absent (bu_id, kind, id, checked_at)
         SELECT ?1, ?2, value, ?3 FROM json_each(?4)",
    )
    .bind(&bu.id)
    .bind(k.kind)
    .bind(now)
    .bind(serde_json::to_string(ids)?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Split payments that left a window into the due days cheaper to read whole (more of them left
/// than the day has pages) and the rest.
async fn by_day(
    db: &Db,
    bu: &BusinessUnit,
    left: Vec<String>,
) -> Result<(Vec<String>, Vec<String>)> {
    if left.is_empty() {
        return Ok((vec![], left));
    }
    let page: i64 = PAGE.parse().unwrap_or(100);
    let days: Vec<String> = sqlx::query_scalar(
        "SELECT p.due_date FROM json_each(?2) j CROSS JOIN payments p ON p.id = j.value WHERE p.bu_id = ?1
         GROUP BY p.due_date
         HAVING count(*) > ((SELECT count(*) FROM payments q WHERE q.bu_id = ?1 AND q.due_date = p.due_date) + ?3 - 1) / ?3",
    )
    .bind(&bu.id)
    .bind(serde_json::to_string(&left)?)
    .bind(page)
    .fetch_all(db.pool())
    .await?;
    if days.is_empty() {
        return Ok((days, left));
    }
    let rest: Vec<String> = sqlx::query_scalar(
        "SELECT p.id FROM json_each(?2) j CROSS JOIN payments p ON p.id = j.value
         WHERE p.bu_id = ?1 AND p.due_date NOT IN (SELECT value FROM json_each(?3))",
    )
    .bind(&bu.id)
    .bind(serde_json::to_string(&left)?)
    .bind(serde_json::to_string(&days)?)
    .fetch_all(db.pool())
    .await?;
    Ok((days, rest))
}

/// An order's subscriptions, and the payments of those that are new here.
async fn of_order(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    order_id: &str,
    report: &mut PullReport,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<()> {
    let rentals = kind_named("rental").expect("a synced kind");
    // `+bu_id`: found by the order's index, not by the unit's (SQLite without statistics
    // took the unit's and read every subscription of it).
    let before: HashSet<String> =
        sqlx::query_scalar("SELECT id FROM subscriptions WHERE +bu_id = ? AND order_id = ?")
            .bind(&bu.id)
            .bind(order_id)
            .fetch_all(db.pool())
            .await?
            .into_iter()
            .collect();
    let read = ListRead::window(rentals, vec![("orderId", order_id.to_string())]);
    let run = read_list(db, client, bu, now, &read, report, progress).await?;
    let payments = kind_named("payment").expect("a synced kind");
    for id in run.seen.iter().filter(|id| !before.contains(*id)) {
        let read = ListRead::window(payments, vec![("rentalId", id.clone())]);
        read_list(db, client, bu, now, &read, report, progress).await?;
    }
    Ok(())
}

/// What an object of each kind points to: the kind and the field (`a.b` for a nested one).
fn parents(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "order" => &[("customer", "customer.customerId")],
        "rental" => &[
            ("customer", "customerId"),
            ("asset", "assetSerialNumber"),
            ("order", "orderId"),
        ],
        "payment" => &[("rental", "rentalId")],
        _ => &[],
    }
}

/// Read by id, and write, what these objects point to and this desk lacks, their own parents
/// before them.
pub(super) async fn parents_first(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    k: &Kind,
    items: &[Value],
    report: &mut PullReport,
) -> Result<()> {
    for (kind, field) in parents(k.kind) {
        let pk = kind_named(kind).expect("a synced kind");
        let mut ids: Vec<&str> = items
            .iter()
            .filter_map(|o| {
                field
                    .split('.')
                    .try_fold(o, |v, f| v.get(f))
                    .and_then(Value::as_str)
            })
            .filter(|s| !s.is_empty())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let missing: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT value FROM json_each(?1)
             WHERE NOT EXISTS (SELECT 1 FROM {} WHERE bu_id = ?2 AND {} = value)",
            pk.table, pk.column
        ))
        .bind(serde_json::to_string(&ids)?)
        .bind(&bu.id)
        .fetch_all(db.pool())
        .await?;
        if missing.is_empty() {
            continue;
        }
        let got = by_id(client, pk, &missing, report).await?;
        Box::pin(write(db, client, bu, pk, &got, report)).await?;
    }
    Ok(())
}

/// Read these records by id (a request each; none for one the remote does not have).
async fn by_id(
    client: &Client,
    k: &Kind,
    ids: &[String],
    report: &mut PullReport,
) -> Result<Vec<Value>> {
    let mut out = vec![];
    for id in ids {
        let v = client.get_one(k, id).await.map_err(unavailable)?;
        report.pages += 1;
        out.extend(v.filter(Value::is_object));
    }
    Ok(out)
}

/// Write objects read by id, their parents first, each in a savepoint of its own.
async fn write(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    k: &Kind,
    objs: &[Value],
    report: &mut PullReport,
) -> Result<()> {
    if objs.is_empty() {
        return Ok(());
    }
    parents_first(db, client, bu, k, objs, report).await?;
    let mut tx = db.write().await?;
    let dirty = crate::sync::dirty_refs(&mut tx, &bu.id).await?;
    let outcomes = write_page(&mut tx, bu, k, objs, &dirty, true)
        .await?
        .unwrap_or_default();
    tx.commit().await?;
    tally(report, k, objs, outcomes);
    Ok(())
}
