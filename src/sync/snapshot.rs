//! A new desk's first pull from a FlexDesk hub, as a copy of the unit's tables rather than one
//! v1 object at a time. Both ends are FlexDesk, so the hub can send its rows as stored (column by
//! column, as SQLite writes them out) and the desk can write a page of them with one statement.
//! It is taken only into a business unit that has nothing yet (no record, no pull begun), from
//! a hub (never FlexPortal), with a key made for syncing desks.
//!
//! The hub answers `GET /v1/sync/snapshot` with the change feed's position, read first, and the
//! highest row of each table; each `GET /v1/sync/snapshot/{table}?after=&upTo=` page is rows
//! after a row up to that highest one, with the children of those rows (a variant's prices, an
//! order's items). The desk writes the tables in an order where what a row points to is there
//! first, then sets every list's token to that position: what changed on the hub while it copied
//! comes in the ordinary pull that follows. Anything that goes wrong leaves the ordinary pull to
//! read the whole unit, as it would without a snapshot.

use super::client::{unavailable, Client};
use crate::error::{Error, ErrorCode, Result};
use crate::services::BusinessUnit;
use crate::store::{indexes, Db};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Rows in one page.
pub const PAGE_ROWS: i64 = 2000;

/// A table as the snapshot carries it.
struct Table {
    name: &'static str,
    /// Columns the hub leaves out: this node's own (an asset's row number, a payment's invoice,
    /// which is not synced).
    omit: &'static [&'static str],
    /// A column sent in place of a row number (`asset_serial` for `asset_id`), and the column the
    /// desk fills from it.
    asset_by_serial: Option<(&'static str, &'static str)>,
    /// The table of this one's children (sent with the page of their parents) and the column
    /// naming the parent.
    children: Option<(&'static str, &'static str)>,
}

/// The tables, in an order where what a row points to is written first.
#[rustfmt::skip]
const TABLES: &[Table] = &[
    Table { name: "products", omit: &[], asset_by_serial: None, children: None },
    Table { name: "variants", omit: &[], asset_by_serial: None, children: Some(("pricing_tiers", "variant_id")) },
    Table { name: "customers", omit: &[], asset_by_serial: None, children: None },
    Table { name: "billing_groups", omit: &[], asset_by_serial: None, children: None },
    Table { name: "assets", omit: &["id"], asset_by_serial: None, children: None },
    Table { name: "orders", omit: &[], asset_by_serial: None, children: Some(("order_items", "order_id")) },
    // A subscription names its device by serial as well: its row number is found from that.
    Table { name: "subscriptions", omit: &["asset_id"], asset_by_serial: Some(("serial_number", "asset_id")), children: None },
    Table { name: "payments", omit: &["asset_id", "invoice_id"], asset_by_serial: Some(("asset_serial", "asset_id")), children: None },
];

/// Every table a copy writes (children after their parents), in the copy's order.
pub fn copied_tables() -> Vec<&'static str> {
    TABLES
        .iter()
        .flat_map(|t| std::iter::once(t.name).chain(t.children.map(|c| c.0)))
        .collect()
}

fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

async fn columns(conn: &mut sqlx::SqliteConnection, table: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *conn)
            .await?,
    )
}

// ---------------------------------------------------------------------------------------------
// The hub's side

/// The columns a table is sent with, and the SQL expression for each (`t` is the table).
async fn sent_columns(
    conn: &mut sqlx::SqliteConnection,
    t: &Table,
) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = columns(conn, t.name)
        .await?
        .into_iter()
        .filter(|c| !t.omit.contains(&c.as_str()))
        .map(|c| (c.clone(), format!("t.{c}")))
        .collect();
    if t.name == "payments" {
        out.push((
            "asset_serial".into(),
            "(SELECT a.serial_number FROM assets a WHERE a.id = t.asset_id)".into(),
        ));
    }
    Ok(out)
}

/// `GET /v1/sync/snapshot`: the feed's position (read before anything else) and, per table, its
/// columns and highest row.
pub async fn head(db: &Db, bu: &BusinessUnit) -> Result<String> {
    let token = super::feed_token(db).await?;
    let mut tx = db.read().await?;
    let mut tables = serde_json::Map::new();
    for t in TABLES {
        let up_to: i64 = sqlx::query_scalar(&format!(
            "SELECT coalesce(max(rowid), 0) FROM {} WHERE bu_id = ?",
            t.name
        ))
        .bind(&bu.id)
        .fetch_one(&mut *tx)
        .await?;
        let cols: Vec<String> = sent_columns(&mut tx, t)
            .await?
            .into_iter()
            .map(|c| c.0)
            .collect();
        let mut entry = serde_json::json!({ "upTo": up_to, "columns": cols });
        if let Some((child, _)) = t.children {
            entry["childColumns"] = columns(&mut tx, child).await?.into();
        }
        tables.insert(t.name.into(), entry);
    }
    tx.commit().await?;
    Ok(serde_json::json!({ "syncToken": token, "tables": tables }).to_string())
}

/// `GET /v1/sync/snapshot/{table}`: up to `limit` rows after row `after`, up to row `up_to`,
/// each a JSON array in the order of the head's columns, with their children; in one read.
pub async fn page(
    db: &Db,
    bu: &BusinessUnit,
    name: &str,
    after: i64,
    up_to: i64,
    limit: i64,
) -> Result<String> {
    let t = table(name).ok_or_else(|| Error::not_found("Snapshot table", name))?;
    let limit = limit.clamp(1, PAGE_ROWS);
    let mut tx = db.read().await?;
    let cols = sent_columns(&mut tx, t).await?;
    let list = cols
        .iter()
        .map(|c| c.1.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let chosen = format!(
        "FROM {} t WHERE t.bu_id = ?1 AND t.rowid > ?2 AND t.rowid <= ?3 ORDER BY t.rowid LIMIT ?4",
        t.name
    );
    let rows: Vec<(i64, String)> =
        sqlx::query_as(&format!("SELECT t.rowid, json_array({list}) {chosen}"))
            .bind(&bu.id)
            .bind(after)
            .bind(up_to)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
    let children: Vec<String> = match t.children {
        Some((child, parent)) => {
            let ccols = columns(&mut tx, child).await?;
            let clist = ccols
                .iter()
                .map(|c| format!("c.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query_scalar(&format!(
                "SELECT json_array({clist}) FROM {child} c WHERE c.{parent} IN (SELECT t.id {chosen})"
            ))
            .bind(&bu.id)
            .bind(after)
            .bind(up_to)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?
        }
        None => vec![],
    };
    tx.commit().await?;
    let last = rows.last().map(|r| r.0).unwrap_or(after);
    let mut out = format!("{{\"count\":{},\"last\":{last},\"rows\":[", rows.len());
    for (i, (_, r)) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push_str("],\"children\":[");
    out.push_str(&children.join(","));
    out.push_str("]}");
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The desk's side

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeadTable {
    up_to: i64,
    columns: Vec<String>,
    #[serde(default)]
    child_columns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Head {
    sync_token: String,
    tables: std::collections::HashMap<String, HeadTable>,
}

#[derive(Deserialize)]
struct Page<'a> {
    count: i64,
    last: i64,
    #[serde(borrow)]
    rows: &'a RawValue,
    #[serde(borrow)]
    children: &'a RawValue,
}

/// What a snapshot wrote.
#[derive(Debug, Default)]
pub struct Copied {
    pub rows: u64,
    pub pages: u64,
}

/// How a snapshot ended (a failed request to the hub is an error: the pull fails as any read).
#[derive(Debug)]
pub enum Outcome {
    Copied(Copied),
    /// The remote has no snapshot to give (an older FlexDesk, or not a hub).
    NotOffered,
    /// The hub's snapshot could not be written here (why): the lists are read instead.
    Stopped(String),
}

/// Whether `bu` has nothing a snapshot could collide with: no pull begun, no record of any kind
/// the snapshot writes.
pub async fn wanted(db: &Db, bu: &BusinessUnit) -> Result<bool> {
    let mut checks = vec!["SELECT 1 FROM sync_cursors WHERE bu_id = ?1".to_string()];
    checks.extend(
        TABLES
            .iter()
            .map(|t| format!("SELECT 1 FROM {} WHERE bu_id = ?1", t.name)),
    );
    let sql = format!("SELECT EXISTS ({})", checks.join(" UNION ALL "));
    let any: bool = sqlx::query_scalar(&sql)
        .bind(&bu.id)
        .fetch_one(db.pool())
        .await?;
    Ok(!any)
}

/// Copy the hub's unit into `bu`, then set every list's token to the position the hub read
/// first. `None` when the hub has no snapshot to give (an older FlexDesk, or not a hub).
pub async fn copy(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    lists: &[&str],
    now: &str,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Outcome> {
    let Some(head) = client
        .get_text("/v1/sync/snapshot", &[])
        .await
        .map_err(unavailable)?
    else {
        return Ok(Outcome::NotOffered);
    };
    let head: Head = match serde_json::from_str(&head) {
        Ok(h) => h,
        Err(e) => {
            return Ok(Outcome::Stopped(format!(
                "its first answer is unreadable: {e}"
            )))
        }
    };
    match copy_tables(db, client, bu, &head, progress).await? {
        Ok(copied) => {
            set_tokens(db, bu, lists, &head.sync_token, now).await?;
            Ok(Outcome::Copied(copied))
        }
        Err(why) => Ok(Outcome::Stopped(why)),
    }
}

/// Rows written in one transaction: a commit (and its sync to disk) every ten pages.
const ROWS_PER_COMMIT: i64 = 10 * PAGE_ROWS;
/// The page cache of the connection that writes the copy, in KiB (SQLite's negative
/// `cache_size`): the indexes of a big unit's payments are written at random places, and a
/// cache that holds them spares reading their pages back from the file. Set back after.
const COPY_CACHE_KIB: i64 = 262_144;

/// Every table's pages written; the outer error is a failed request, the inner one why the
/// hub's rows could not be written here. One connection writes them all, ten pages a
/// transaction, while the next page is fetched.
async fn copy_tables(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    head: &Head,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<std::result::Result<Copied, String>> {
    let mut conn = db.pool().acquire().await?;
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA cache_size = -{COPY_CACHE_KIB}"))
        .execute(&mut *conn)
        .await?;
    // A new desk (nothing in these tables in any unit) fills them without their lists'
    // indexes and builds each once at the end: a sort, instead of an update at a random place
    // of every index for every row (docs/benchmarks.md).
    let tables = copied_tables();
    if !indexes::any_rows(&mut conn, &tables).await? {
        indexes::set_aside(&mut conn, &tables).await?;
    }
    let copied = copy_on(&mut conn, client, bu, head, progress).await;
    // Whatever happened, the connection goes back to the pool as it came, with nothing open
    // (a copy that stopped leaves its last pages unwritten; the lists read the unit then),
    // and every index set aside is made again.
    if !matches!(copied, Ok(Ok(_))) {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    indexes::restore(&mut conn).await?;
    // Statistics for the filled tables (from a sample of each index), so the query planner
    // narrows by order, serial or date rather than by the unit every row shares. Only here,
    // where the tables are full: statistics taken of empty tables mislead it once rows come
    // (measured: the copy and a FlexPortal pass took twice as long).
    sqlx::query("PRAGMA analysis_limit = 1000")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    sqlx::query("PRAGMA analysis_limit = 0")
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA cache_size = {cache}"))
        .execute(&mut *conn)
        .await?;
    sqlx::query("PRAGMA shrink_memory")
        .execute(&mut *conn)
        .await?;
    copied
}

async fn copy_on(
    conn: &mut sqlx::SqliteConnection,
    client: &Client,
    bu: &BusinessUnit,
    head: &Head,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<std::result::Result<Copied, String>> {
    let mut copied = Copied::default();
    let mut open = false;
    let mut in_tx = 0i64;
    for t in TABLES {
        let Some(h) = head.tables.get(t.name) else {
            continue;
        };
        let insert = insert_sql(conn, t, &h.columns, &h.child_columns).await?;
        let stopped = |what: String| Ok(Err(format!("{}: {what}", t.name)));
        let fetch = |after: i64| {
            let q = [
                ("after", after.to_string()),
                ("upTo", h.up_to.to_string()),
                ("limit", PAGE_ROWS.to_string()),
            ];
            let path = format!("/v1/sync/snapshot/{}", t.name);
            async move {
                client
                    .get_text(&path, &q)
                    .await
                    .map_err(unavailable)?
                    .ok_or_else(|| {
                        Error::new(ErrorCode::RemoteUnavailable, "The snapshot ended early.")
                    })
            }
        };
        let mut text = fetch(0).await?;
        let mut after = 0i64;
        loop {
            let page: Page = match serde_json::from_str(&text) {
                Ok(p) => p,
                Err(e) => return stopped(format!("a page is unreadable: {e}")),
            };
            if page.count > PAGE_ROWS || (page.count > 0 && page.last <= after) {
                return stopped("its pages do not move on".into());
            }
            let more = page.count == PAGE_ROWS;
            if !open {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                open = true;
            }
            // The next page comes over the network while this one is written.
            let next = async {
                if more {
                    fetch(page.last).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let write = write_page(conn, &insert, &bu.id, &page);
            let (next, written) = tokio::join!(next, write);
            if let Err(e) = written {
                return stopped(format!("its rows could not be written here: {e}"));
            }
            in_tx += page.count;
            if in_tx >= ROWS_PER_COMMIT {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                (open, in_tx) = (false, 0);
            }
            copied.rows += page.count as u64;
            copied.pages += 1;
            progress(copied.rows);
            match next? {
                Some(t) => {
                    after = page.last;
                    text = t;
                }
                None => break,
            }
        }
    }
    if open {
        sqlx::query("COMMIT").execute(&mut *conn).await?;
    }
    Ok(Ok(copied))
}

/// One page's rows, and their children, with the statements of `insert_sql`.
async fn write_page(
    conn: &mut sqlx::SqliteConnection,
    insert: &(String, Option<String>),
    bu_id: &str,
    page: &Page<'_>,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(&insert.0)
        .bind(bu_id)
        .bind(page.rows.get())
        .execute(&mut *conn)
        .await?;
    if let Some(children) = &insert.1 {
        sqlx::query(children)
            .bind(page.children.get())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every list's token set to the position the hub read first.
async fn set_tokens(
    db: &Db,
    bu: &BusinessUnit,
    lists: &[&str],
    token: &str,
    now: &str,
) -> Result<()> {
    let mut tx = db.write().await?;
    for list in lists {
        sqlx::query(
            "INSERT INTO sync_cursors (bu_id, list, token, cursor, pass_token, pulled, updated_at) VALUES (?, ?, ?, NULL, NULL, 0, ?)
             ON CONFLICT (bu_id, list) DO UPDATE SET token = excluded.token, cursor = NULL, pass_token = NULL, pulled = 0, updated_at = excluded.updated_at",
        )
        .bind(&bu.id)
        .bind(list)
        .bind(token)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The page's rows, each parsed once into SQLite's binary JSON (materialized, so each column's
/// `->>` reads the binary form instead of parsing the row's text again).
const ROWS_OF: &str = "WITH r(v) AS MATERIALIZED (SELECT jsonb(value) FROM json_each";

/// The statement writing one page of `t` (the unit's id as `?1`, the rows as `?2`), and the
/// one writing its children (`?1`): only columns both nodes have; the unit's id is this desk's.
async fn insert_sql(
    conn: &mut sqlx::SqliteConnection,
    t: &Table,
    sent: &[String],
    child_sent: &[String],
) -> Result<(String, Option<String>)> {
    let here = columns(&mut *conn, t.name).await?;
    let mut cols = vec![];
    let mut exprs = vec![];
    for c in &here {
        if let Some(i) = sent.iter().position(|s| s == c) {
            cols.push(c.clone());
            exprs.push(if c == "bu_id" {
                "?1".to_string()
            } else {
                format!("r.v ->> {i}")
            });
        }
    }
    if let Some((serial, fills)) = t.asset_by_serial {
        if let Some(i) = sent.iter().position(|s| s == serial) {
            cols.push(fills.into());
            exprs.push(format!(
                "(SELECT a.id FROM assets a WHERE a.bu_id = ?1 AND a.serial_number = r.v ->> {i})"
            ));
        }
    }
    let rows = format!(
        "{ROWS_OF}(?2)) INSERT INTO {} ({}) SELECT {} FROM r",
        t.name,
        cols.join(", "),
        exprs.join(", ")
    );
    let children = match t.children {
        Some((child, _)) => {
            let here = columns(&mut *conn, child).await?;
            let (mut cols, mut exprs) = (vec![], vec![]);
            for c in &here {
                if let Some(i) = child_sent.iter().position(|s| s == c) {
                    cols.push(c.clone());
                    exprs.push(format!("r.v ->> {i}"));
                }
            }
            Some(format!(
                "{ROWS_OF}(?1)) INSERT INTO {child} ({}) SELECT {} FROM r",
                cols.join(", "),
                exprs.join(", ")
            ))
        }
        None => None,
    };
    Ok((rows, children))
}
