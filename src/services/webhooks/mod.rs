//! Webhooks: the URLs a business unit sends its events to, the events queued for them, and the
//! delivery log. An action queues its events in its own transaction (so an event exists exactly
//! when its change does); `crate::webhooks` delivers them. Payloads are documented in
//! docs/webhooks.md.

use crate::clock::stamp;
use crate::error::{Checks, Error, Result};
use crate::ids::{new_id, secret_hex};
use crate::store::{record, Actor, Db, Entry};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::Ctx;

mod log;
mod outgoing;
mod queue;

pub use log::*;
pub use outgoing::*;
pub(crate) use queue::*;

/// The events a business unit can subscribe to (FlexPortal's names).
pub const EVENTS: &[&str] = &[
    "order.created",
    "order.fulfilled",
    "subscription.created",
    "subscription.extended",
    "subscription.upgraded",
    "subscription.ended",
    "payment.scheduled",
    "payment.succeeded",
    "payment.failed",
    "payment.reversed",
    "payment.refunded",
    "asset.assigned",
    "asset.returned",
];

/// The test event sent by "Send test event"; never queued by an action.
pub const PING: &str = "ping";

/// How many attempts a delivery gets before it is given up (and left for redelivery by hand).
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub id: String,
    pub bu_id: String,
    pub url: String,
    pub description: Option<String>,
    /// Event names, or `["*"]` for all of them.
    pub events: Vec<String>,
    pub active: bool,
    /// An administrator allowed this address although it is this computer, link-local, or
    /// plain http on the internet (`net::guard`).
    pub address_confirmed: bool,
    /// The signing secret (`whsec_…`); only administrators see endpoints.
    pub secret: String,
    pub created_at: String,
    pub updated_at: String,
    /// Deliveries waiting for their (next) attempt.
    pub pending: i64,
    /// Deliveries given up after the last attempt.
    pub failed: i64,
    pub last_delivered_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    bu_id: String,
    url: String,
    description: Option<String>,
    events: String,
    active: bool,
    address_confirmed: bool,
    secret: String,
    created_at: String,
    updated_at: String,
    pending: i64,
    failed: i64,
    last_delivered_at: Option<String>,
}

impl From<EndpointRow> for Endpoint {
    fn from(r: EndpointRow) -> Endpoint {
        Endpoint {
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            id: r.id,
            bu_id: r.bu_id,
            url: r.url,
            description: r.description,
            active: r.active,
            address_confirmed: r.address_confirmed,
            secret: r.secret,
            created_at: r.created_at,
            updated_at: r.updated_at,
            pending: r.pending,
            failed: r.failed,
            last_delivered_at: r.last_delivered_at,
        }
    }
}

const ENDPOINT_COLS: &str = "e.id, e.bu_id, e.url, e.description, e.events, e.active, e.address_confirmed, e.secret, e.created_at, e.updated_at,
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending') AS pending,
    (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed') AS failed,
    (SELECT max(d.delivered_at) FROM webhook_deliveries d WHERE d.endpoint_id = e.id) AS last_delivered_at";

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct EndpointInput {
    /// Present to change an endpoint, absent to add one.
    pub id: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
    /// The administrator allows the URL's address although FlexDesk would not reach it
    /// unasked (`net::guard`); asked again whenever the URL changes.
    pub allow_address: Option<bool>,
}

fn check_url(c: &mut Checks, url: &str) -> Option<reqwest::Url> {
    let u = url.trim();
    if u.is_empty() {
        c.fail("url", "The URL is required.");
    } else if !(u.starts_with("https://") || u.starts_with("http://")) {
        c.fail(
            "url",
            "The URL must start with https:// (or http:// on a local network).",
        );
    } else if u.len() > 2000 || u.contains(char::is_whitespace) {
        c.fail("url", "The URL is not valid.");
    } else {
        match reqwest::Url::parse(u) {
            Ok(parsed) if parsed.host_str().is_some() => return Some(parsed),
            _ => c.fail("url", "The URL is not valid."),
        }
    }
    None
}

fn check_events(c: &mut Checks, events: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let e = e.trim();
        if e == "*" || EVENTS.contains(&e) {
            if !out.iter().any(|x| x == e) {
                out.push(e.to_string());
            }
        } else {
            c.fail(
                "events",
                format!(
                    "'{e}' is not a webhook event. Events: {}.",
                    EVENTS.join(", ")
                ),
            );
        }
    }
    if events.is_empty() {
        c.fail("events", "Choose at least one event.");
    }
    if out.iter().any(|e| e == "*") {
        out = vec!["*".into()];
    }
    out
}

async fn endpoint_in(conn: &mut SqliteConnection, bu_id: &str, id: &str) -> Result<Endpoint> {
    let row: Option<EndpointRow> = sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLS} FROM webhook_endpoints e WHERE e.id = ? AND e.bu_id = ?"
    ))
    .bind(id)
    .bind(bu_id)
    .fetch_optional(conn)
    .await?;
    row.map(Endpoint::from)
        .ok_or_else(|| Error::not_found("Webhook endpoint", id))
}

pub async fn list_endpoints(db: &Db, bu_id: &str) -> Result<Vec<Endpoint>> {
    let rows: Vec<EndpointRow> = sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLS} FROM webhook_endpoints e WHERE e.bu_id = ? ORDER BY e.created_at"
    ))
    .bind(bu_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(Endpoint::from).collect())
}

/// Add an endpoint (no `id`) or change one.
pub async fn save_endpoint(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    input: EndpointInput,
) -> Result<Endpoint> {
    let mut c = Checks::new();
    let url = input.url.as_deref().map(str::trim).map(str::to_string);
    let parsed = if input.id.is_none() || url.is_some() {
        check_url(&mut c, url.as_deref().unwrap_or(""))
    } else {
        None
    };
    let events = match &input.events {
        Some(e) => Some(check_events(&mut c, e)),
        None if input.id.is_none() => Some(check_events(&mut c, &["*".to_string()])),
        None => None,
    };
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(d) = &description {
        c.max_len("description", d, 200, "The description");
    }
    c.finish()?;
    // A new URL is confirmed with it or not at all; the same URL keeps its confirmation unless
    // the administrator says otherwise.
    let kept = match (&input.id, &url) {
        (Some(id), Some(url)) if input.allow_address.is_none() => {
            sqlx::query_scalar::<_, bool>(
                "SELECT address_confirmed FROM webhook_endpoints WHERE id = ? AND bu_id = ? AND url = ?",
            )
            .bind(id)
            .bind(bu_id)
            .bind(url)
            .fetch_optional(db.pool())
            .await?
            .unwrap_or(false)
        }
        _ => false,
    };
    let confirmed = input.allow_address.unwrap_or(kept);
    if let Some(u) = &parsed {
        crate::net::guard::check("url", u, confirmed).await?;
    }
    let confirmed = (parsed.is_some() || input.allow_address.is_some()).then_some(confirmed);
    let at = stamp(now);
    let mut tx = db.write().await?;
    let (id, action, summary) = match &input.id {
        None => {
            let id = new_id("whk");
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, bu_id, url, address_confirmed, description, events, active, secret, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(bu_id)
            .bind(url.as_deref().unwrap_or_default())
            .bind(confirmed.unwrap_or(false))
            .bind(&description)
            .bind(serde_json::to_string(&events.clone().unwrap_or_default())?)
            .bind(input.active.unwrap_or(true))
            .bind(format!("whsec_{}", secret_hex()))
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            let summary = format!("Webhook endpoint {} added", url.clone().unwrap_or_default());
            (id, "created", summary)
        }
        Some(id) => {
            let before = endpoint_in(&mut tx, bu_id, id).await?;
            sqlx::query(
                "UPDATE webhook_endpoints SET url = coalesce(?, url), address_confirmed = coalesce(?, address_confirmed),
                     description = CASE WHEN ? THEN ? ELSE description END,
                     events = coalesce(?, events), active = coalesce(?, active), updated_at = ? WHERE id = ?",
            )
            .bind(&url)
            .bind(confirmed)
            .bind(input.description.is_some())
            .bind(&description)
            .bind(events.as_ref().map(serde_json::to_string).transpose()?)
            .bind(input.active)
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let summary = match input.active {
                Some(false) if before.active => format!("Webhook endpoint {} paused", before.url),
                Some(true) if !before.active => format!("Webhook endpoint {} resumed", before.url),
                _ => format!("Webhook endpoint {} changed", before.url),
            };
            (id.clone(), "updated", summary)
        }
    };
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "webhook_endpoint",
            entity_id: &id,
            action,
            summary,
            before: None,
            after: None,
        },
    )
    .await?;
    let saved = endpoint_in(&mut tx, bu_id, &id).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Remove an endpoint with its deliveries (the events stay for the other endpoints).
pub async fn delete_endpoint(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    id: &str,
) -> Result<()> {
    let mut tx = db.write().await?;
    let e = endpoint_in(&mut tx, bu_id, id).await?;
    sqlx::query("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "webhook_endpoint",
            entity_id: id,
            action: "deleted",
            summary: format!("Webhook endpoint {} removed", e.url),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
