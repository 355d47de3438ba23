//! Pull: what changed on the remote comes down through the v1 lists, page by page with their
//! cursors, and is written into the local tables as the remote has it ("adopted"). A FlexDesk hub
//! also answers `changedSince` (a token from the previous pass) so a pass reads only what changed;
//! a remote that ignores it is read whole each pass, with the same result.
//!
//! Entities this desk has changed and the remote has not yet accepted (pending or refused ops) are
//! left alone: the remote's copy comes once the op is done or the conflict resolved.

use super::client::{Client, ReadError};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::services::BusinessUnit;
use crate::store::Db;
use serde_json::Value;
use sqlx::SqliteConnection;
use std::collections::HashSet;

/// A synced kind of entity: its name in op refs, its list (also the name its pull cursor is kept
/// under), the list's path and envelope key, and the field that identifies one.
pub struct Kind {
    pub kind: &'static str,
    pub list: &'static str,
    pub path: &'static str,
    pub key: &'static str,
    pub id: &'static str,
    /// The local table and the column that holds the wire id (`id`, or an asset's serial).
    pub table: &'static str,
    pub column: &'static str,
}

/// The kinds a pass reads, in an order where what an entity points to arrives first.
#[rustfmt::skip]
pub const KINDS: &[Kind] = &[
    Kind { kind: "product", list: "products", path: "/v1/products", key: "products", id: "productId", table: "products", column: "id" },
    Kind { kind: "customer", list: "customers", path: "/v1/customers", key: "customers", id: "customerId", table: "customers", column: "id" },
    Kind { kind: "billing_group", list: "billing-groups", path: "/v1/billing-groups", key: "billingGroups", id: "billingGroupId", table: "billing_groups", column: "id" },
    Kind { kind: "asset", list: "assets", path: "/v1/assets", key: "assets", id: "serialNumber", table: "assets", column: "serial_number" },
    Kind { kind: "order", list: "orders", path: "/v1/orders", key: "orders", id: "orderId", table: "orders", column: "id" },
    Kind { kind: "rental", list: "subscriptions", path: "/v1/subscriptions", key: "rentals", id: "rentalId", table: "subscriptions", column: "id" },
    Kind { kind: "payment", list: "payments", path: "/v1/payments", key: "payments", id: "paymentId", table: "payments", column: "id" },
];

fn kind_named(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == name)
}

const PAGE: &str = "100";

#[derive(Debug, Default, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PullReport {
    pub read: u64,
    pub adopted: u64,
    /// Left alone because this desk has a change to them waiting.
    pub held: u64,
    /// Could not be written yet (something they point to is missing); read again next pass.
    pub deferred: u64,
    pub pages: u64,
}

fn unavailable(e: ReadError) -> Error {
    match e {
        ReadError::Unauthorized(m) => Error::new(crate::ErrorCode::AuthRequired, m),
        ReadError::Unavailable(m) => Error::new(crate::ErrorCode::RemoteUnavailable, m),
    }
}

/// One pull pass over every list. `progress` is told after each page.
pub async fn pull(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    now: &str,
    progress: &(dyn Fn(&PullReport) + Send + Sync),
) -> Result<PullReport> {
    let mut report = PullReport::default();
    for k in KINDS {
        let (list, path, key) = (k.list, k.path, k.key);
        let (token, mut cursor, mut pass_token, mut pass_deferred): (
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
        ) = sqlx::query_as(
            "SELECT token, cursor, pass_token, pulled FROM sync_cursors WHERE bu_id = ? AND list = ?",
        )
        .bind(&bu.id)
        .bind(list)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or((None, None, None, 0));
        if cursor.is_none() {
            pass_token = None;
            pass_deferred = 0;
        }
        loop {
            let mut q = vec![
                ("limit", PAGE.to_string()),
                ("sortDir", "asc".to_string()),
                // Empty: everything (a first pass), and the hub starts its change feed.
                ("changedSince", token.clone().unwrap_or_default()),
            ];
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
            let mut tx = db.write().await?;
            let dirty = super::dirty_refs(&mut tx, &bu.id).await?;
            for item in &items {
                report.read += 1;
                match adopt(&mut tx, bu, k, item, &dirty).await? {
                    Adopted::Yes => report.adopted += 1,
                    Adopted::Held => report.held += 1,
                    Adopted::Deferred => {
                        report.deferred += 1;
                        pass_deferred += 1;
                    }
                }
            }
            // The pass's token becomes the list's token only when the pass read everything it
            // was given; one with deferred items keeps the old token and reads them again.
            let done = next.is_none();
            let new_token = match (done, pass_deferred) {
                (true, 0) => pass_token.clone().or(token.clone()),
                _ => token.clone(),
            };
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
            tx.commit().await?;
            progress(&report);
            if done {
                break;
            }
            cursor = next;
        }
    }
    sweep_groups(db, client, bu).await?;
    Ok(report)
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
        if !super::dirty_refs(&mut tx, &bu.id).await?.contains(&gone) {
            remove_local(&mut tx, bu, &gone).await?;
        }
        tx.commit().await?;
    }
    Ok(())
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

/// Remove an entity that exists only here (the remote refused the change that made it).
async fn remove_local(conn: &mut SqliteConnection, bu: &BusinessUnit, r: &str) -> Result<()> {
    let (kind, key) = r.split_once(':').unwrap_or((r, ""));
    match kind {
        "rental" => {
            // Its payments, its asset's assignment, then the subscription; the asset and the
            // order are re-adopted from the remote by the caller.
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND rental_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM asset_assignments WHERE rental_id = ?")
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE assets SET rental_id = NULL, customer_id = NULL WHERE bu_id = ? AND rental_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM subscriptions WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "order" => {
            sqlx::query("DELETE FROM order_items WHERE order_id = (SELECT id FROM orders WHERE bu_id = ? AND id = ?)")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM orders WHERE bu_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE order_id = ?)")
                .bind(&bu.id)
                .bind(key)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "customer" => {
            // The search index is keyed by the customer's rowid.
            sqlx::query(
                "DELETE FROM customers_fts WHERE rowid IN (SELECT rowid FROM customers WHERE bu_id = ? AND id = ?
                   AND NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = ?))",
            )
            .bind(&bu.id)
            .bind(key)
            .bind(key)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM customers WHERE bu_id = ? AND id = ?
                 AND NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = ?)",
            )
            .bind(&bu.id)
            .bind(key)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        "asset" => {
            sqlx::query(
                "DELETE FROM assets WHERE bu_id = ? AND serial_number = ?
                 AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.asset_id = assets.id)",
            )
            .bind(&bu.id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        "product" => {
            // Only a product nothing points to yet (no stock, no order line): one made here whose
            // SKU the remote gave to another product. Otherwise it stays, and the resolution
            // reports that the remote's copy cannot be written.
            let used: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM variants v WHERE v.product_id = ?1
                   AND (EXISTS (SELECT 1 FROM assets a WHERE a.variant_id = v.id)
                        OR EXISTS (SELECT 1 FROM order_items i WHERE i.variant_id = v.id)) LIMIT 1",
            )
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
            if used.is_none() {
                sqlx::query("DELETE FROM pricing_tiers WHERE variant_id IN (SELECT id FROM variants WHERE product_id = ?)")
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM variants WHERE bu_id = ? AND product_id = ?")
                    .bind(&bu.id)
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM products WHERE bu_id = ? AND id = ?")
                    .bind(&bu.id)
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        "billing_group" => {
            // Its members bill on their own again, and its consolidated payments go; the members
            // and their payments are re-adopted from the remote by the caller.
            sqlx::query("UPDATE subscriptions SET billing_group_id = NULL WHERE bu_id = ? AND billing_group_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE payments SET consolidated_into = NULL WHERE consolidated_into IN
                   (SELECT id FROM payments WHERE bu_id = ? AND billing_group_id = ? AND payment_type = 'consolidated')",
            )
            .bind(&bu.id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND billing_group_id = ? AND payment_type = 'consolidated'")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM billing_groups WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "payment" => {
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The remote's copy of each ref (null when it has none), for the conflict inbox and `readopt`.
pub async fn remote_state(client: &Client, refs: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for r in refs {
        let (kind, key) = r.split_once(':').unwrap_or((r.as_str(), ""));
        let Some(k) = kind_named(kind) else {
            continue;
        };
        let path = format!("{}/{key}", k.path);
        if let Ok(v) = client.get(&path, &[]).await {
            // A payment and a group come wrapped (`{success, payment}`); the others come bare.
            let wrapper = match kind {
                "payment" => Some("payment"),
                "billing_group" => Some("billingGroup"),
                _ => None,
            };
            let v = match (v, wrapper) {
                (Some(mut w), Some(key)) if w.get(key).is_some() => w[key].take(),
                (other, _) => other.unwrap_or(Value::Null),
            };
            out.insert(r.clone(), v);
        }
    }
    Value::Object(out)
}

/// The remote's payments of each subscription and billing group among `refs` (`rental:…` → its
/// payments, `billing_group:…` → the group's, every page), for a resolution that adopts them.
pub async fn remote_payments_of(
    client: &Client,
    refs: &[String],
) -> Result<Vec<(String, Vec<Value>)>> {
    let mut out = vec![];
    for r in refs {
        let (filter, id) = match r.split_once(':') {
            Some(("rental", id)) => ("rentalId", id),
            Some(("billing_group", id)) => ("billingGroupId", id),
            _ => continue,
        };
        let mut items = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut q = vec![
                (filter, id.to_string()),
                // Every row, the lines of consolidated payments too.
                ("changedSince", String::new()),
                ("limit", PAGE.to_string()),
                ("sortDir", "asc".into()),
            ];
            if let Some(c) = &cursor {
                q.push(("startAfter", c.clone()));
            }
            let page = client
                .get("/v1/payments", &q)
                .await
                .map_err(unavailable)?
                .unwrap_or(Value::Null);
            items.extend(
                page.get("payments")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            cursor = page
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_string)
                .filter(|_| {
                    page.get("hasMore")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                });
            if cursor.is_none() {
                break;
            }
        }
        out.push((r.clone(), items));
    }
    Ok(out)
}

/// Make each subscription's payments (and each group's consolidated ones) exactly the remote's:
/// those only here go, the rest are written as the remote has them.
pub(crate) async fn adopt_payments(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    by_owner: &[(String, Vec<Value>)],
) -> Result<()> {
    for (owner, items) in by_owner {
        // Written first: a payment the remote knows by another id is paired with this desk's.
        let mut keep = vec![];
        for p in items {
            keep.push(payment(conn, bu, p).await?);
        }
        let whose = match owner.split_once(':') {
            Some(("billing_group", _)) => "billing_group_id = ? AND payment_type = 'consolidated'",
            _ => "rental_id = ?",
        };
        sqlx::query(&format!(
            "DELETE FROM payments WHERE bu_id = ? AND {whose} AND id NOT IN (SELECT value FROM json_each(?))"
        ))
        .bind(&bu.id)
        .bind(owner.split_once(':').map(|(_, id)| id).unwrap_or(owner))
        .bind(serde_json::to_string(&keep)?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Like `remote_state`, but every ref must be read (a resolution cannot act on half the truth).
pub async fn remote_state_all(client: &Client, refs: &[String]) -> Result<Value> {
    let v = remote_state(client, refs).await;
    if v.as_object().map(|m| m.len()) != Some(refs.len()) {
        return Err(Error::new(
            crate::ErrorCode::RemoteUnavailable,
            "The remote could not be reached to read its side; try again when online.",
        ));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Field readers

fn text(o: &Value, k: &str) -> Option<String> {
    match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn req(o: &Value, k: &str) -> Result<String> {
    text(o, k).ok_or_else(|| Error::invalid(k, format!("The remote's object has no {k}.")))
}

fn int(o: &Value, k: &str) -> Option<i64> {
    o.get(k)
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

fn flag(o: &Value, k: &str) -> bool {
    o.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// A nested object or array kept as JSON text (None when absent or null).
fn json(o: &Value, k: &str) -> Option<String> {
    o.get(k).filter(|v| !v.is_null()).map(Value::to_string)
}

fn minor(bu: &BusinessUnit, o: &Value, k: &str) -> Result<Option<i64>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let m: Money = serde_json::from_value(v.clone())
                .map_err(|_| Error::invalid(k, format!("{k} is not an amount.")))?;
            Ok(Some(m.to_minor(bu.currency_exponent)?))
        }
    }
}

fn minor0(bu: &BusinessUnit, o: &Value, k: &str) -> Result<i64> {
    Ok(minor(bu, o, k)?.unwrap_or(0))
}

/// Map constraint failures (a parent not here yet, a natural key held by another local row) to
/// Conflict so the item is deferred, not the pass failed.
fn deferrable(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(d)
            if d.is_unique_violation()
                || d.is_foreign_key_violation()
                || d.is_check_violation() =>
        {
            Error::new(crate::ErrorCode::Conflict, d.message().to_string())
        }
        sqlx::Error::Database(d) if d.message().contains("NOT NULL") => {
            Error::new(crate::ErrorCode::Conflict, d.message().to_string())
        }
        _ => e.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Adopters: one per list, the v1 object's fields into the table's columns. Columns the wire does
// not carry keep their local value on update and take the business unit's setting on insert.

async fn product(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let id = req(o, "productId")?;
    let images = o.get("images").cloned().unwrap_or(Value::Array(vec![]));
    let spec = match o.get("specification") {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => String::new(),
    };
    let category = text(o, "category").unwrap_or_default();
    sqlx::query(
        "INSERT INTO products (id, bu_id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET product_sku = excluded.product_sku, name = excluded.name, specification = excluded.specification,
           category = excluded.category, brand = excluded.brand, description = excluded.description, images = excluded.images,
           status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .bind(&id).bind(&bu.id).bind(req(o, "productSku")?).bind(req(o, "name")?).bind(spec).bind(&category)
    .bind(text(o, "brand").unwrap_or_default()).bind(text(o, "description")).bind(images.to_string())
    .bind(text(o, "status").unwrap_or_else(|| "active".into())).bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?)
    .execute(&mut *conn).await.map_err(deferrable)?;
    if !category.is_empty() {
        sqlx::query("INSERT OR IGNORE INTO categories (id, bu_id, name) VALUES (?, ?, ?)")
            .bind(crate::ids::new_id(crate::ids::prefix::CATEGORY))
            .bind(&bu.id)
            .bind(&category)
            .execute(&mut *conn)
            .await?;
    }
    for v in o
        .get("variants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let vid = req(v, "variantId")?;
        sqlx::query(
            "INSERT INTO variants (id, bu_id, product_id, variant_sku, variant_name, grade, condition, color_name, images, list_price, acquisition_cost, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, variant_sku = excluded.variant_sku, variant_name = excluded.variant_name,
               grade = excluded.grade, condition = excluded.condition, color_name = excluded.color_name, images = excluded.images,
               list_price = excluded.list_price, acquisition_cost = excluded.acquisition_cost, status = excluded.status,
               created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .bind(&vid).bind(&bu.id).bind(&id).bind(req(v, "variantSku")?).bind(req(v, "variantName")?)
        .bind(text(v, "grade").unwrap_or_default()).bind(text(v, "condition")).bind(text(v, "colorName"))
        .bind(v.get("images").cloned().unwrap_or(Value::Array(vec![])).to_string())
        .bind(minor(bu, v, "listPrice")?).bind(minor(bu, v, "acquisitionCost")?)
        .bind(text(v, "status").unwrap_or_else(|| "active".into())).bind(req(v, "createdAt")?).bind(req(v, "updatedAt")?)
        .execute(&mut *conn).await.map_err(deferrable)?;
        sqlx::query("DELETE FROM pricing_tiers WHERE variant_id = ?")
            .bind(&vid)
            .execute(&mut *conn)
            .await?;
        for t in v
            .get("pricing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sqlx::query(
                "INSERT INTO pricing_tiers (variant_id, contract_length, monthly_price, setup_fee, discount, source, preset_used, calculated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&vid).bind(int(t, "contractLength")).bind(minor0(bu, t, "monthlyPrice")?).bind(minor(bu, t, "setupFee")?)
            .bind(json(t, "discount")).bind(text(t, "source")).bind(text(t, "presetUsed")).bind(text(t, "calculatedAt"))
            .execute(&mut *conn).await.map_err(deferrable)?;
        }
    }
    Ok(())
}

async fn billing_group(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let created = req(o, "createdAt")?;
    // A remote without FlexDesk's `consolidateFrom` consolidates from the group's creation.
    let from = text(o, "consolidateFrom").unwrap_or_else(|| created.chars().take(10).collect());
    sqlx::query(
        "INSERT INTO billing_groups (id, bu_id, customer_id, name, billing_day, status, consolidate_from, notes, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, name = excluded.name, billing_day = excluded.billing_day,
           status = excluded.status, consolidate_from = excluded.consolidate_from, notes = excluded.notes,
           created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .bind(req(o, "billingGroupId")?).bind(&bu.id).bind(req(o, "customerId")?).bind(req(o, "groupName")?)
    .bind(int(o, "billingDay").unwrap_or(1)).bind(text(o, "status").unwrap_or_else(|| "active".into())).bind(from)
    .bind(text(o, "notes")).bind(text(o, "createdBy").unwrap_or_else(|| "sync".into())).bind(&created).bind(req(o, "updatedAt")?)
    .execute(&mut *conn).await.map_err(deferrable)?;
    Ok(())
}

async fn customer(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let email = req(o, "email")?;
    sqlx::query(
        "INSERT INTO customers (id, bu_id, email, email_norm, first_name, last_name, company, phone, customer_type, status, vat_id,
           registration_number, billing_address, shipping_address, custom_fields, notes, created_at, updated_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_norm = excluded.email_norm, first_name = excluded.first_name,
           last_name = excluded.last_name, company = excluded.company, phone = excluded.phone, customer_type = excluded.customer_type,
           status = excluded.status, vat_id = excluded.vat_id, registration_number = excluded.registration_number,
           billing_address = excluded.billing_address, shipping_address = excluded.shipping_address,
           custom_fields = excluded.custom_fields, notes = excluded.notes, created_at = excluded.created_at,
           updated_at = excluded.updated_at, created_by = excluded.created_by",
    )
    .bind(req(o, "customerId")?).bind(&bu.id).bind(&email).bind(email.to_lowercase())
    .bind(req(o, "firstName")?).bind(req(o, "lastName")?).bind(text(o, "company")).bind(text(o, "phone"))
    .bind(text(o, "customerType").unwrap_or_else(|| "individual".into())).bind(text(o, "status").unwrap_or_else(|| "active".into()))
    .bind(text(o, "vatId")).bind(text(o, "registrationNumber"))
    .bind(json(o, "lastBillingAddress")).bind(json(o, "lastShippingAddress")).bind(json(o, "customFields")).bind(text(o, "notes"))
    .bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?).bind(text(o, "createdBy").unwrap_or_else(|| "sync".into()))
    .execute(&mut *conn).await.map_err(deferrable)?;
    Ok(())
}

async fn asset(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    sqlx::query(
        "INSERT INTO assets (bu_id, serial_number, sku, variant_id, product_id, product_name, status, location, condition, customer_id, rental_id,
           notes, acquisition_cost, acquisition_date, created_at, updated_at, created_by)
         VALUES (?, ?, ?, (SELECT id FROM variants WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sync')
         ON CONFLICT (bu_id, serial_number) DO UPDATE SET sku = excluded.sku, variant_id = excluded.variant_id, product_id = excluded.product_id,
           product_name = excluded.product_name, status = excluded.status, location = excluded.location, condition = excluded.condition,
           customer_id = excluded.customer_id, rental_id = excluded.rental_id, notes = excluded.notes,
           acquisition_cost = excluded.acquisition_cost, acquisition_date = excluded.acquisition_date,
           created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .bind(&bu.id).bind(req(o, "serialNumber")?).bind(req(o, "sku")?).bind(text(o, "variantId")).bind(text(o, "productId"))
    .bind(text(o, "productName").unwrap_or_default()).bind(req(o, "status")?).bind(text(o, "location")).bind(text(o, "condition"))
    .bind(text(o, "customerId")).bind(text(o, "rentalId")).bind(text(o, "notes")).bind(minor(bu, o, "acquisitionCost")?)
    .bind(text(o, "acquisitionDate")).bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?)
    .execute(&mut *conn).await.map_err(deferrable)?;
    Ok(())
}

async fn order(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let id = req(o, "orderId")?;
    let empty = Value::Object(Default::default());
    let totals = o.get("totals").unwrap_or(&empty);
    let progress = o.get("rentalProgress").unwrap_or(&empty);
    let cust = o.get("customer").unwrap_or(&empty);
    let tax_rate = totals.get("taxRate").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    sqlx::query(
        "INSERT INTO orders (id, bu_id, order_number, status, order_type, customer_id, customer, billing_address, shipping_address, subtotal,
           tax_amount, total, currency, total_devices, rented_devices, notes, custom_fields, extension_details, upgrade_details, billing_group_id,
           idem_key, cancel_reason, confirmed_at, cancelled_at, created_at, updated_at, created_by, tax_rate, tax_inclusive)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, '0'), ?)
         ON CONFLICT (id) DO UPDATE SET order_number = excluded.order_number, status = excluded.status, order_type = excluded.order_type,
           customer_id = excluded.customer_id, customer = excluded.customer, billing_address = excluded.billing_address,
           shipping_address = excluded.shipping_address, subtotal = excluded.subtotal, tax_amount = excluded.tax_amount, total = excluded.total,
           currency = excluded.currency, total_devices = excluded.total_devices, rented_devices = excluded.rented_devices, notes = excluded.notes,
           custom_fields = excluded.custom_fields, extension_details = excluded.extension_details, upgrade_details = excluded.upgrade_details,
           billing_group_id = excluded.billing_group_id, cancel_reason = excluded.cancel_reason, confirmed_at = excluded.confirmed_at,
           cancelled_at = excluded.cancelled_at, created_at = excluded.created_at, updated_at = excluded.updated_at,
           created_by = excluded.created_by, tax_rate = excluded.tax_rate, tax_inclusive = excluded.tax_inclusive",
    )
    .bind(&id).bind(&bu.id).bind(req(o, "orderNumber")?).bind(req(o, "status")?).bind(text(o, "orderType").unwrap_or_else(|| "standard".into()))
    .bind(req(cust, "customerId")?).bind(cust.to_string()).bind(json(o, "billingAddress").unwrap_or_else(|| "{}".into()))
    .bind(json(o, "shippingAddress").unwrap_or_else(|| "{}".into()))
    .bind(minor0(bu, totals, "subtotal")?).bind(minor0(bu, totals, "taxAmount")?).bind(minor0(bu, totals, "total")?)
    .bind(text(totals, "currency").unwrap_or_else(|| bu.currency.clone()))
    .bind(int(progress, "totalDevices").unwrap_or(0)).bind(int(progress, "rentedDevices").unwrap_or(0))
    .bind(text(o, "notes")).bind(json(o, "customFields")).bind(json(o, "extensionDetails")).bind(json(o, "upgradeDetails"))
    .bind(text(o, "billingGroupId")).bind(format!("sync:{id}")).bind(text(o, "cancelReason")).bind(text(o, "confirmedAt"))
    .bind(text(o, "cancelledAt")).bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?)
    .bind(text(o, "createdBy").unwrap_or_else(|| "sync".into())).bind(tax_rate).bind(flag(totals, "taxInclusive"))
    .execute(&mut *conn).await.map_err(deferrable)?;
    sqlx::query("DELETE FROM order_items WHERE order_id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (idx, it) in o
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO order_items (order_id, idx, product_id, variant_id, sku, product_name, product_image_url, quantity, unit_price, contract_length,
               list_price, list_price_source, acquisition_cost, acquisition_cost_source, list_price_override, acquisition_cost_override,
               used_list_price_as_acquisition)
             VALUES (?, ?, ?, (SELECT id FROM variants WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id).bind(idx as i64).bind(text(it, "productId")).bind(text(it, "variantId")).bind(req(it, "sku")?)
        .bind(text(it, "productName").unwrap_or_default()).bind(text(it, "productImageUrl")).bind(int(it, "quantity").unwrap_or(1))
        .bind(minor0(bu, it, "unitPrice")?).bind(int(it, "contractLength").unwrap_or(1)).bind(minor(bu, it, "listPrice")?)
        .bind(text(it, "listPriceSource").unwrap_or_else(|| "unknown".into())).bind(minor(bu, it, "acquisitionCost")?)
        .bind(text(it, "acquisitionCostSource").unwrap_or_else(|| "unknown".into()))
        .bind(minor(bu, it, "listPriceOverride")?).bind(minor(bu, it, "acquisitionCostOverride")?)
        .bind(flag(it, "usedListPriceAsAcquisition"))
        .execute(&mut *conn).await.map_err(deferrable)?;
    }
    Ok(())
}

async fn rental(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let s = &bu.settings;
    let start = req(o, "startDate")?;
    let status = req(o, "status")?;
    let ended_on = text(o, "endedOn").filter(|_| status != "active");
    sqlx::query(
        "INSERT INTO subscriptions (id, bu_id, order_id, item_idx, customer_id, customer_email, customer_name, asset_id, serial_number, product_id,
           variant_id, sku, product_name, product_image_url, monthly_amount, currency, status, billing_group_id, original_contract_length,
           contract_length, start_date, end_date, ended_on, billing_start, payment_terms_days, tax_rate, tax_inclusive, list_price,
           list_price_source, acquisition_cost, acquisition_cost_source, captured_at, extension_history, replacement_history,
           buyout_details, early_return_details, cancellation_details, upgrade_from_rental_id, upgraded_to_rental_id, custom_fields, notes,
           created_at, updated_at, created_by, total_collected)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT id FROM assets WHERE bu_id = ? AND serial_number = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
           ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET order_id = excluded.order_id, item_idx = excluded.item_idx, customer_id = excluded.customer_id,
           customer_email = excluded.customer_email, customer_name = excluded.customer_name, asset_id = excluded.asset_id,
           serial_number = excluded.serial_number, product_id = excluded.product_id, variant_id = excluded.variant_id, sku = excluded.sku,
           product_name = excluded.product_name, product_image_url = excluded.product_image_url, monthly_amount = excluded.monthly_amount,
           currency = excluded.currency, status = excluded.status, billing_group_id = excluded.billing_group_id,
           original_contract_length = excluded.original_contract_length, contract_length = excluded.contract_length,
           start_date = excluded.start_date, end_date = excluded.end_date, ended_on = excluded.ended_on, list_price = excluded.list_price,
           list_price_source = excluded.list_price_source, acquisition_cost = excluded.acquisition_cost,
           acquisition_cost_source = excluded.acquisition_cost_source, captured_at = excluded.captured_at,
           extension_history = excluded.extension_history, replacement_history = excluded.replacement_history,
           buyout_details = excluded.buyout_details, early_return_details = excluded.early_return_details,
           cancellation_details = excluded.cancellation_details, upgrade_from_rental_id = excluded.upgrade_from_rental_id,
           upgraded_to_rental_id = excluded.upgraded_to_rental_id, custom_fields = excluded.custom_fields, notes = excluded.notes,
           created_at = excluded.created_at, updated_at = excluded.updated_at, created_by = excluded.created_by,
           total_collected = excluded.total_collected",
    )
    .bind(req(o, "rentalId")?).bind(&bu.id).bind(req(o, "orderId")?).bind(int(o, "orderItemIndex")).bind(req(o, "customerId")?)
    .bind(text(o, "customerEmail").unwrap_or_default()).bind(text(o, "customerName").unwrap_or_default())
    .bind(&bu.id).bind(req(o, "assetSerialNumber")?).bind(req(o, "assetSerialNumber")?)
    .bind(text(o, "productId")).bind(text(o, "variantId")).bind(req(o, "sku")?).bind(text(o, "productName").unwrap_or_default())
    .bind(text(o, "productImageUrl")).bind(minor0(bu, o, "monthlyAmount")?).bind(text(o, "currency").unwrap_or_else(|| bu.currency.clone()))
    .bind(&status).bind(text(o, "billingGroupId")).bind(int(o, "originalContractLength").unwrap_or(1))
    .bind(int(o, "contractLength").unwrap_or(1)).bind(&start).bind(req(o, "endDate")?).bind(ended_on)
    .bind(&start).bind(s.payment_terms_days as i64).bind(s.tax_rate.to_string()).bind(s.tax_inclusive)
    .bind(minor(bu, o, "listPrice")?).bind(text(o, "listPriceSource").unwrap_or_else(|| "unknown".into()))
    .bind(minor(bu, o, "acquisitionCost")?).bind(text(o, "acquisitionCostSource").unwrap_or_else(|| "unknown".into()))
    .bind(text(o, "listPriceCapturedAt").unwrap_or_else(|| start.clone()))
    .bind(json(o, "extensionHistory").unwrap_or_else(|| "[]".into())).bind(json(o, "replacementHistory").unwrap_or_else(|| "[]".into()))
    .bind(json(o, "buyoutDetails")).bind(json(o, "earlyReturnDetails")).bind(json(o, "cancellationDetails"))
    .bind(text(o, "upgradeFromRentalId")).bind(text(o, "upgradedToRentalId")).bind(json(o, "customFields")).bind(text(o, "notes"))
    .bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?).bind(text(o, "createdBy").unwrap_or_else(|| "sync".into()))
    .bind(minor0(bu, o, "totalCollected")?)
    .execute(&mut *conn).await.map_err(deferrable)?;
    Ok(())
}

/// Write a pulled payment; its id here (another than the remote's when the remote scheduled
/// it itself for a subscription made here: paired by idempotency key, and the pair learned).
async fn payment(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<String> {
    let key = req(o, "idempotencyKey")?;
    let mut id = req(o, "paymentId")?;
    if let Some(ours) = super::idmap::payment_by_key(conn, &bu.id, &key, &id).await? {
        super::idmap::learn(conn, &bu.id, &ours, &id).await?;
        // Lines written before their consolidated payment was paired name it by the remote's id.
        sqlx::query(
            "UPDATE payments SET consolidated_into = ? WHERE bu_id = ? AND consolidated_into = ?",
        )
        .bind(&ours)
        .bind(&bu.id)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        id = ours;
    }
    let consolidated_into = match text(o, "consolidatedInto") {
        Some(c) => Some(super::idmap::local_of(conn, &bu.id, &c).await?.unwrap_or(c)),
        None => None,
    };
    let seq = key
        .rsplit(':')
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let ptype = text(o, "paymentType").unwrap_or_else(|| "individual".into());
    let lines = if ptype == "consolidated" {
        json(o, "lineItems")
    } else {
        None
    };
    let last_error = o
        .get("lastCaptureError")
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let tax_rate = o
        .get("taxRate")
        .and_then(|v| <rust_decimal::Decimal as std::str::FromStr>::from_str(&v.to_string()).ok())
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "0".into());
    sqlx::query(
        "INSERT INTO payments (id, bu_id, customer_id, rental_id, billing_group_id, asset_id, payment_type, kind, seq, billing_period, period_start,
           period_end, invoice_date, due_date, subtotal, tax_rate, tax_amount, late_fee_amount, total, currency, line_items, status, provider,
           method, transaction_id, manually_marked, payment_reference, marked_by, capture_attempts, last_error, failed_at, cancel_reason,
           idempotency_key, notes, paid_at, created_at, updated_at, consolidated_into)
         VALUES (?, ?, ?, (SELECT id FROM subscriptions WHERE id = ?), ?, (SELECT id FROM assets WHERE bu_id = ? AND serial_number = ?), ?, ?, ?, ?, ?,
           ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, rental_id = excluded.rental_id,
           billing_group_id = excluded.billing_group_id, asset_id = excluded.asset_id, payment_type = excluded.payment_type,
           kind = excluded.kind, seq = excluded.seq, billing_period = excluded.billing_period, period_start = excluded.period_start,
           period_end = excluded.period_end, invoice_date = excluded.invoice_date, due_date = excluded.due_date,
           subtotal = excluded.subtotal, tax_rate = excluded.tax_rate, tax_amount = excluded.tax_amount,
           late_fee_amount = excluded.late_fee_amount, total = excluded.total, currency = excluded.currency,
           line_items = excluded.line_items, status = excluded.status, provider = excluded.provider, method = excluded.method,
           transaction_id = excluded.transaction_id, manually_marked = excluded.manually_marked,
           payment_reference = excluded.payment_reference, marked_by = excluded.marked_by,
           capture_attempts = excluded.capture_attempts, last_error = excluded.last_error, failed_at = excluded.failed_at,
           cancel_reason = excluded.cancel_reason, idempotency_key = excluded.idempotency_key, notes = excluded.notes,
           paid_at = excluded.paid_at, created_at = excluded.created_at, updated_at = excluded.updated_at,
           consolidated_into = excluded.consolidated_into",
    )
    .bind(&id).bind(&bu.id).bind(req(o, "customerId")?).bind(text(o, "rentalId")).bind(text(o, "billingGroupId"))
    .bind(&bu.id).bind(text(o, "serialNumber")).bind(&ptype).bind(text(o, "kind").unwrap_or_else(|| "rent".into())).bind(seq)
    .bind(req(o, "billingPeriod")?).bind(req(o, "periodStart")?).bind(req(o, "periodEnd")?).bind(req(o, "invoiceDate")?)
    .bind(req(o, "dueDate")?).bind(minor0(bu, o, "subtotal")?).bind(tax_rate).bind(minor0(bu, o, "taxAmount")?)
    .bind(minor0(bu, o, "lateFeeAmount")?).bind(minor0(bu, o, "total")?).bind(text(o, "currency").unwrap_or_else(|| bu.currency.clone()))
    .bind(lines).bind(req(o, "status")?).bind(text(o, "provider")).bind(text(o, "method")).bind(text(o, "transactionId"))
    .bind(flag(o, "manuallyMarked")).bind(text(o, "paymentReference")).bind(text(o, "markedBy"))
    .bind(int(o, "captureAttempts").unwrap_or(0)).bind(last_error).bind(text(o, "failedAt")).bind(text(o, "cancelReason"))
    .bind(&key).bind(text(o, "notes")).bind(text(o, "paidAt")).bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?)
    .bind(consolidated_into)
    .execute(&mut *conn).await.map_err(deferrable)?;
    Ok(id)
}
