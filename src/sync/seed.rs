//! Sending the records a desk already held before it had a remote (a desk that worked alone, then
//! joined a hub). The desk reads its own v1 lists, in pull order, and posts each page to the
//! hub's `POST /v1/sync/records`. The hub writes each record it does not have yet, exactly as
//! sent (the same code that writes a pulled record), and leaves alone those it already has.
//! A record whose natural key the hub gives to another (a serial, a SKU, an email) is refused
//! and reported; nothing else is held up by it. Afterwards a pull brings the desk level with the
//! hub.

use super::client::{Answer, Client, Request};
use super::kinds::KINDS;
use crate::error::{Error, ErrorCode, Result};
use crate::money::to_wire_value;
use crate::services::{
    assets, billing, catalog, customers, orders, payments, subscriptions, BusinessUnit, Page,
};
use crate::store::Db;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

/// What sending the desk's records did.
#[derive(Debug, Default, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    /// Records sent.
    pub sent: u64,
    /// New on the remote.
    pub written: u64,
    /// The remote had them already.
    pub present: u64,
    /// Refused by the remote (`kind:key`, and why); at most 100 are listed.
    pub refused: Vec<Refusal>,
    pub refused_count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    pub r#ref: String,
    pub message: String,
}

const PAGE: &str = "100";

/// One page of this desk's list of `kind`, in the v1 wire form, and the cursor of the next.
async fn local_page(
    db: &Db,
    bu: &BusinessUnit,
    kind: &str,
    cursor: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<(Vec<Value>, Option<String>)> {
    // Every row (the lines of consolidated payments too), oldest first.
    let q = json!({"limit": PAGE, "sortDir": "asc", "changedSince": "", "startAfter": cursor});
    fn q_of<T: serde::de::DeserializeOwned>(q: &Value) -> Result<T> {
        serde_json::from_value(q.clone()).map_err(|e| Error::internal(format!("list query: {e}")))
    }
    fn wire<T: ts_rs::TS + Serialize>(p: Page<T>) -> (Vec<Value>, Option<String>) {
        let next = p.next_cursor.filter(|_| p.has_more);
        match to_wire_value(&p.items) {
            Value::Array(items) => (items, next),
            _ => (vec![], next),
        }
    }
    Ok(match kind {
        "product" => wire(catalog::list_products(db, bu, &q_of(&q)?).await?),
        "customer" => wire(customers::list(db, bu, &q_of(&q)?).await?),
        "billing_group" => wire(billing::list(db, bu, &q_of(&q)?).await?),
        "asset" => wire(assets::list(db, bu, &q_of(&q)?).await?),
        "order" => wire(orders::list(db, bu, &q_of(&q)?).await?),
        "rental" => wire(subscriptions::list(db, bu, &q_of(&q)?, today).await?),
        "payment" => wire(payments::list(db, bu, &q_of(&q)?, today).await?),
        other => return Err(Error::internal(format!("no list for {other}"))),
    })
}

/// Send every record of this business unit to the remote, list by list.
pub async fn send_existing(
    db: &Db,
    client: &Client,
    bu: &BusinessUnit,
    origin: &str,
    now: &str,
    today: chrono::NaiveDate,
) -> Result<SeedReport> {
    if client.remote().kind == crate::sync::remote::RemoteKind::Flexportal {
        return Err(Error::invalid(
            "remote",
            "Only a FlexDesk hub takes a desk's records this way; FlexPortal takes them as orders, assets and products made through its own operations.",
        ));
    }
    let mut report = SeedReport::default();
    for k in KINDS {
        let mut cursor: Option<String> = None;
        loop {
            let (items, next) = local_page(db, bu, k.kind, cursor.as_deref(), today).await?;
            if !items.is_empty() {
                let body = json!({ "kind": k.kind, "items": items });
                let sent = items.len() as u64;
                let op_id = crate::ids::new_id("seed");
                let answer = client
                    .send(&Request {
                        op_id: &op_id,
                        origin,
                        at: now,
                        method: "POST",
                        path: "/v1/sync/records",
                        body: Some(&body),
                        mints: &[],
                    })
                    .await;
                let taken: Value = match answer {
                    Answer::Done(_, text) => serde_json::from_str(&text).unwrap_or(Value::Null),
                    Answer::Unauthorized(m) => return Err(Error::new(ErrorCode::AuthRequired, m)),
                    Answer::Later { reason, .. } => {
                        return Err(Error::new(ErrorCode::RemoteUnavailable, reason))
                    }
                    Answer::Refused { status, message, .. } if status == 404 || status == 405 => {
                        return Err(Error::new(
                            ErrorCode::RemoteUnavailable,
                            format!(
                                "The remote does not take a desk's records ({message}); only a FlexDesk hub does."
                            ),
                        ))
                    }
                    Answer::Refused { code, message, .. } => {
                        return Err(Error::new(ErrorCode::Conflict, format!("{code}: {message}")))
                    }
                };
                report.sent += sent;
                let n = |key: &str| taken.get(key).and_then(Value::as_u64).unwrap_or(0);
                report.written += n("written");
                report.present += n("present");
                for r in taken
                    .get("refused")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    report.refused_count += 1;
                    if report.refused.len() < 100 {
                        report.refused.push(Refusal {
                            r#ref: r["ref"].as_str().unwrap_or_default().to_string(),
                            message: r["message"].as_str().unwrap_or_default().to_string(),
                        });
                    }
                }
            }
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    Ok(report)
}
