//! Before an op whose last attempt had no answer goes to FlexPortal again, FlexPortal is asked
//! whether it took it. FlexPortal keeps no `Idempotency-Key`: its idempotency is by natural keys
//! (an order: the customer's email and the items, within a short window; an asset: its serial; a
//! payment: its period and subscription). So a create it already made is looked up by those keys
//! and answered as the create would have been (the desk learns its ids from that), and a change
//! already visible there (the status it leads to, the extension in the history, the new serial)
//! counts as taken. Nothing found: the op is sent again.
//!
//! A record counts as the op's only if the desk does not know it already (by the remote's id,
//! or as the remote id of one of its own) and, for an order, if FlexPortal made it at most a day
//! before the op was made here (the two clocks differ; FlexPortal's window is "short").

use super::client::{Answer, Client, ReadError, Request};
use super::idmap;
use serde_json::{json, Value};

/// Creates FlexPortal answers with ids of its own. While one of them is in doubt the desk does
/// not read from FlexPortal: the record it may have made would come back under FlexPortal's id
/// as a stranger, and the look-up would then take it for one the desk knows.
const MINTING: &[&str] = &[
    "order.create",
    "subscription.create",
    "subscription.upgrade",
    "product.create",
    "billing_group.create",
];

/// Whether a create that FlexPortal answers with its own ids waits after an attempt that had no
/// answer.
pub(super) async fn creates_in_doubt(db: &crate::store::Db, bu_id: &str) -> crate::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sync_ops WHERE bu_id = ? AND status = 'pending' AND attempts > 0
           AND kind IN (SELECT value FROM json_each(?)) LIMIT 1",
    )
    .bind(bu_id)
    .bind(serde_json::to_string(MINTING)?)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// How many pages of a list are read looking for the op's record.
const MAX_PAGES: usize = 20;
/// How much earlier than the op the remote's clock may date its record.
const CLOCK_SKEW_HOURS: i64 = 24;

/// Send an op to FlexPortal whose last attempt had no answer: looked up first, sent only if
/// FlexPortal does not have it.
pub(super) async fn send_again(client: &Client, r: &Request<'_>) -> Answer {
    let (path, body) = match client.outbound(r).await {
        Ok(x) => x,
        Err(e) => {
            return Answer::Later {
                reason: format!("Could not prepare the change: {}", e.message),
                after: None,
            }
        }
    };
    let sent = Sent {
        method: r.method,
        path: &path,
        local_path: r.path,
        body: body.as_ref(),
        at: r.at,
    };
    match already_taken(client, &sent).await {
        Ok(Some(found)) => {
            client
                .taken(r, &path, body.as_ref(), 200, found.to_string())
                .await
        }
        Ok(None) => client.send(r).await,
        Err(ReadError::Unauthorized(m)) => Answer::Unauthorized(m),
        Err(ReadError::Unavailable(m)) => Answer::Later {
            reason: format!("Could not ask FlexPortal whether it took the change: {m}"),
            after: None,
        },
    }
}

/// One op as it goes out: the remote's path and body, and the desk's path (its own ids).
struct Sent<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub local_path: &'a str,
    pub body: Option<&'a Value>,
    /// When the op was made at the desk.
    pub at: &'a str,
}

/// The answer the op would have had, when FlexPortal already took it.
async fn already_taken(client: &Client, op: &Sent<'_>) -> Result<Option<Value>, ReadError> {
    let segs: Vec<&str> = op.path.trim_start_matches("/v1/").split('/').collect();
    let body = op.body.unwrap_or(&Value::Null);
    let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
    let taken = || Some(json!({ "success": true }));
    Ok(match (op.method, segs.as_slice()) {
        ("POST", ["orders"]) => made_order(client, body, op.at).await?,
        ("POST", ["orders", id, "cancel"]) => {
            let o = client.get_raw(&format!("/v1/orders/{id}"), &[]).await?;
            status_is(o.as_ref(), "cancelled").then(taken).flatten()
        }
        ("POST", ["assets"]) => client
            .get_raw(&format!("/v1/assets/{}", s("serialNumber")), &[])
            .await?
            .filter(|a| a.get("serialNumber").and_then(Value::as_str) == Some(s("serialNumber")))
            .map(|a| json!({ "success": true, "asset": a })),
        ("POST", ["subscriptions"]) => {
            let q = [
                ("orderId", s("orderId").to_string()),
                ("serialNumber", s("assetSerialNumber").to_string()),
            ];
            let found = unknown_items(
                client,
                "/v1/subscriptions",
                &q,
                "rentals",
                "rentalId",
                "subscriptions",
            )
            .await?
            .into_iter()
            .find(|r| r.get("status").and_then(Value::as_str) != Some("cancelled"));
            found.map(|r| json!({ "success": true, "rentalId": r["rentalId"], "rental": r }))
        }
        ("POST", ["subscriptions", id, action]) => {
            let Some(r) = client
                .get_raw(&format!("/v1/subscriptions/{id}"), &[])
                .await?
            else {
                return Ok(None);
            };
            let status = r.get("status").and_then(Value::as_str).unwrap_or_default();
            match *action {
                "cancel" => (status == "cancelled").then(|| json!({ "success": true, "rentalId": id })),
                "buyout" => (status == "ended_buyout").then(|| json!({ "success": true, "rentalId": id })),
                "early-return" => (status == "ended_early_return")
                    .then(|| json!({ "success": true, "rentalId": id })),
                "replace" => (r.get("assetSerialNumber").and_then(Value::as_str)
                    == Some(s("newSerialNumber")))
                .then(|| json!({ "success": true, "rentalId": id, "newSerialNumber": s("newSerialNumber") })),
                "extend" => extended(client, &r, body, op).await?.then(taken).flatten(),
                "upgrade" if status == "ended_upgrade" => {
                    let q = [
                        ("customerId", r.get("customerId").and_then(Value::as_str).unwrap_or_default().to_string()),
                        ("serialNumber", s("newSerialNumber").to_string()),
                    ];
                    unknown_items(client, "/v1/subscriptions", &q, "rentals", "rentalId", "subscriptions")
                        .await?
                        .into_iter()
                        .find(|n| n.get("upgradeFromRentalId").and_then(Value::as_str).is_none_or(|f| f == *id))
                        .map(|n| json!({ "success": true, "oldRentalId": id, "newRentalId": n["rentalId"] }))
                }
                _ => None,
            }
        }
        ("POST", ["payments", id, action]) => {
            let p = client.get_raw(&format!("/v1/payments/{id}"), &[]).await?;
            let p = p.as_ref().map(|p| p.get("payment").unwrap_or(p));
            let want = match *action {
                "mark-paid" => "paid",
                "cancel" => "cancelled",
                _ => return Ok(None),
            };
            status_is(p, want).then(taken).flatten()
        }
        ("POST", ["billing-groups"]) => {
            let q = [("customerId", s("customerId").to_string())];
            unknown_items(client, "/v1/billing-groups", &q, "billingGroups", "billingGroupId", "billing_groups")
                .await?
                .into_iter()
                .find(|g| g.get("groupName").and_then(Value::as_str) == Some(s("groupName")))
                .map(|g| json!({ "success": true, "billingGroupId": g["billingGroupId"], "billingGroup": g }))
        }
        ("POST", ["products"]) => unknown_items(
            client,
            "/v1/products",
            &[],
            "products",
            "productId",
            "products",
        )
        .await?
        .into_iter()
        .find(|p| p.get("productSku").and_then(Value::as_str) == Some(s("productSku")))
        .map(|p| json!({ "success": true, "productId": p["productId"], "product": p })),
        // A PUT, a PATCH or a DELETE leaves the same state when sent twice.
        _ => None,
    })
}

fn status_is(v: Option<&Value>, want: &str) -> bool {
    v.and_then(|v| v.get("status")).and_then(Value::as_str) == Some(want)
}

/// An order FlexPortal made from this op: the same customer email and items, made no earlier
/// than the op (less the clock skew), and not one the desk knows.
async fn made_order(client: &Client, body: &Value, at: &str) -> Result<Option<Value>, ReadError> {
    let email = body
        .pointer("/customer/email")
        .and_then(Value::as_str)
        .map(|e| e.trim().to_lowercase());
    let Some(email) = email else {
        return Ok(None);
    };
    let customers = client
        .get_raw("/v1/customers", &[("email", email.clone())])
        .await?
        .unwrap_or(Value::Null);
    let customer = customers
        .get("customers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| {
            c.get("email")
                .and_then(Value::as_str)
                .map(str::to_lowercase)
                .as_deref()
                == Some(&email)
        })
        .and_then(|c| c.get("customerId").and_then(Value::as_str))
        .map(str::to_string);
    let Some(customer) = customer else {
        return Ok(None);
    };
    let earliest = chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&chrono::Utc) - chrono::Duration::hours(CLOCK_SKEW_HOURS))
        .ok();
    let wanted = items_of(body);
    let found = unknown_items(
        client,
        "/v1/orders",
        &[("customerId", customer)],
        "orders",
        "orderId",
        "orders",
    )
    .await?
    .into_iter()
    .filter(|o| o.get("status").and_then(Value::as_str) != Some("cancelled"))
    .filter(|o| {
        let made = o
            .get("createdAt")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        match (earliest, made) {
            (Some(e), Some(m)) => m.with_timezone(&chrono::Utc) >= e,
            _ => true,
        }
    })
    .find(|o| same_items(&wanted, &items_of(o)));
    Ok(found.map(|o| json!({ "success": true, "orderId": o["orderId"], "order": o })))
}

/// An order's lines as (SKU, quantity, contract length), sorted: what FlexPortal matches on.
fn items_of(order: &Value) -> Vec<(String, i64, Option<i64>)> {
    let mut v: Vec<_> = order
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i.get("sku")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                i.get("quantity").and_then(Value::as_i64).unwrap_or(1),
                i.get("contractLength")
                    .and_then(Value::as_f64)
                    .map(|m| m as i64),
            )
        })
        .collect();
    v.sort();
    v
}

/// The same lines; a length the desk did not send matches whatever default FlexPortal chose.
fn same_items(ours: &[(String, i64, Option<i64>)], theirs: &[(String, i64, Option<i64>)]) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .zip(theirs)
            .all(|(o, t)| o.0 == t.0 && o.1 == t.1 && (o.2.is_none() || o.2 == t.2))
}

/// Whether the remote's history holds this op's extension: the same months from the length the
/// subscription had when the desk extended it (the desk's own history entry of the op's time).
async fn extended(
    client: &Client,
    remote: &Value,
    body: &Value,
    op: &Sent<'_>,
) -> Result<bool, ReadError> {
    let months = body.get("extensionMonths").and_then(Value::as_i64);
    let local_id = op
        .local_path
        .trim_start_matches("/v1/subscriptions/")
        .split('/')
        .next();
    let history: Option<String> = match local_id {
        Some(id) => sqlx::query_scalar(
            "SELECT extension_history FROM subscriptions WHERE bu_id = ? AND id = ?",
        )
        .bind(client.ids().bu_id())
        .bind(id)
        .fetch_optional(client.ids().db().pool())
        .await
        .map_err(|e| ReadError::Unavailable(e.to_string()))?
        .flatten(),
        None => None,
    };
    let ours: Vec<Value> = history
        .and_then(|h| serde_json::from_str(&h).ok())
        .unwrap_or_default();
    let from = ours
        .iter()
        .find(|e| e.get("extendedAt").and_then(Value::as_str) == Some(op.at))
        .and_then(|e| e.get("oldContractLength").and_then(Value::as_i64));
    let (Some(months), Some(from)) = (months, from) else {
        return Ok(false);
    };
    Ok(remote
        .get("extensionHistory")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| {
            e.get("extensionMonths").and_then(Value::as_i64) == Some(months)
                && e.get("oldContractLength").and_then(Value::as_i64) == Some(from)
        }))
}

/// The items of a remote list (as the remote has them, up to `MAX_PAGES` pages) that the desk
/// does not know: neither stored under the remote's id in `table` nor learned as the remote id
/// of one of its own.
async fn unknown_items(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    list: &str,
    id_field: &str,
    table: &str,
) -> Result<Vec<Value>, ReadError> {
    let db = client.ids().db();
    let bu_id = client.ids().bu_id();
    let local = |e: crate::Error| ReadError::Unavailable(e.message);
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("limit", "100".into()));
        if let Some(c) = &cursor {
            q.push(("startAfter", c.clone()));
        }
        let Some(page) = client.get_raw(path, &q).await? else {
            break;
        };
        let mut conn = db.pool().acquire().await.map_err(|e| local(e.into()))?;
        for item in page
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = item.get(id_field).and_then(Value::as_str) else {
                continue;
            };
            let stored: Option<i64> =
                sqlx::query_scalar(&format!("SELECT 1 FROM {table} WHERE bu_id = ? AND id = ?"))
                    .bind(bu_id)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| local(e.into()))?;
            let learned = idmap::local_of(&mut conn, bu_id, id).await.map_err(local)?;
            if stored.is_none() && learned.is_none() {
                out.push(item.clone());
            }
        }
        cursor = page
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_string);
        let more = page
            .get("hasMore")
            .and_then(Value::as_bool)
            .unwrap_or(cursor.is_some());
        if !more || cursor.is_none() {
            break;
        }
    }
    Ok(out)
}
