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
            secret: r.secret,
            created_at: r.created_at,
            updated_at: r.updated_at,
            pending: r.pending,
            failed: r.failed,
            last_delivered_at: r.last_delivered_at,
        }
    }
}

const ENDPOINT_COLS: &str = "e.id, e.bu_id, e.url, e.description, e.events, e.active, e.secret, e.created_at, e.updated_at,
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
}

fn check_url(c: &mut Checks, url: &str) {
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
    }
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
    if input.id.is_none() || url.is_some() {
        check_url(&mut c, url.as_deref().unwrap_or(""));
    }
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
    let at = stamp(now);
    let mut tx = db.write().await?;
    let (id, action, summary) = match &input.id {
        None => {
            let id = new_id("whk");
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, bu_id, url, description, events, active, secret, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(bu_id)
            .bind(url.as_deref().unwrap_or_default())
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
                "UPDATE webhook_endpoints SET url = coalesce(?, url), description = CASE WHEN ? THEN ? ELSE description END,
                     events = coalesce(?, events), active = coalesce(?, active), updated_at = ? WHERE id = ?",
            )
            .bind(&url)
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
// Queueing, inside the action's transaction

/// The active endpoints of a business unit. An action reads them once, with its first event
/// (`Ctx::hooks`); `wants` tells whether an event has anyone to go to, so payloads are built
/// only when they will be sent.
#[derive(Debug, Clone)]
pub(crate) struct Hooks {
    endpoints: Vec<(String, Vec<String>)>,
}

impl Hooks {
    /// The action's endpoints, read on first use.
    pub async fn of<'c>(conn: &mut SqliteConnection, ctx: &'c Ctx) -> Result<&'c Hooks> {
        ctx.hooks
            .get_or_try_init(|| async {
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, events FROM webhook_endpoints WHERE bu_id = ? AND active = 1",
                )
                .bind(&ctx.bu.id)
                .fetch_all(&mut *conn)
                .await?;
                Ok(Hooks {
                    endpoints: rows
                        .into_iter()
                        .map(|(id, ev)| (id, serde_json::from_str(&ev).unwrap_or_default()))
                        .collect(),
                })
            })
            .await
    }

    fn targets<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.endpoints
            .iter()
            .filter(move |(_, ev)| ev.iter().any(|e| e == "*" || e == event))
            .map(|(id, _)| id.as_str())
    }

    pub fn wants(&self, event: &str) -> bool {
        self.targets(event).next().is_some()
    }

    /// Queue `event` with `data`, at the action's time, for every endpoint that subscribes to it.
    pub async fn emit(
        &self,
        conn: &mut SqliteConnection,
        ctx: &Ctx,
        event: &str,
        data: Value,
    ) -> Result<()> {
        let targets: Vec<&str> = self.targets(event).collect();
        if !targets.is_empty() {
            queue(conn, &ctx.bu.id, &ctx.now, event, data, &targets).await?;
        }
        Ok(())
    }
}

/// Store one event and a pending delivery of it to each of `endpoints`; returns the deliveries'
/// ids in the same order.
async fn queue(
    conn: &mut SqliteConnection,
    bu_id: &str,
    at: &str,
    event: &str,
    data: Value,
    endpoints: &[&str],
) -> Result<Vec<String>> {
    let id = new_id("whe");
    let payload = serde_json::json!({
        "id": id,
        "event": event,
        "timestamp": at,
        "businessUnitId": bu_id,
        "data": data,
    });
    sqlx::query(
        "INSERT INTO webhook_events (id, bu_id, event, payload, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(bu_id)
    .bind(event)
    .bind(payload.to_string())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    let mut deliveries = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let delivery = new_id("whd");
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, bu_id, status, next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, 'pending', ?, ?)",
        )
        .bind(&delivery)
        .bind(&id)
        .bind(endpoint)
        .bind(bu_id)
        .bind(at)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        deliveries.push(delivery);
    }
    Ok(deliveries)
}

/// Queue one event whose data is at hand.
pub(crate) async fn emit(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    data: impl FnOnce() -> Value,
) -> Result<()> {
    let hooks = Hooks::of(conn, ctx).await?;
    if hooks.wants(event) {
        hooks.emit(conn, ctx, event, data()).await?;
    }
    Ok(())
}

/// Queue `payment.scheduled` for the payments a subscription gained in this action.
pub(crate) async fn emit_scheduled(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    rental_id: &str,
) -> Result<()> {
    let hooks = Hooks::of(conn, ctx).await?;
    if !hooks.wants("payment.scheduled") {
        return Ok(());
    }
    let bu = &ctx.bu;
    let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, customer_id, kind, billing_period, due_date, total FROM payments
         WHERE rental_id = ? AND created_at = ? AND status = 'pending' ORDER BY seq, id",
    )
    .bind(rental_id)
    .bind(&ctx.now)
    .fetch_all(&mut *conn)
    .await?;
    for (id, customer, kind, period, due, total) in rows {
        let data = serde_json::json!({
            "paymentId": id,
            "subscriptionId": rental_id,
            "customerId": customer,
            "kind": kind,
            "billingPeriod": period,
            "dueDate": due,
            "amount": crate::money::to_wire_value(&bu.money(total)),
            "currency": bu.currency,
        });
        hooks.emit(conn, ctx, "payment.scheduled", data).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The delivery log

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub endpoint_id: String,
    pub url: String,
    /// `pending` (waiting for its next attempt), `delivered`, or `failed` (given up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// HTTP status of the last attempt (none when the request itself failed).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    event_id: String,
    event: String,
    endpoint_id: String,
    url: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<String>,
    last_attempt_at: Option<String>,
    last_status: Option<i64>,
    last_error: Option<String>,
    delivered_at: Option<String>,
    created_at: String,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            next_attempt_at: if r.status == "pending" {
                r.next_attempt_at
            } else {
                None
            },
            id: r.id,
            event_id: r.event_id,
            event: r.event,
            endpoint_id: r.endpoint_id,
            url: r.url,
            status: r.status,
            attempts: r.attempts,
            last_attempt_at: r.last_attempt_at,
            last_status: r.last_status,
            last_error: r.last_error,
            delivered_at: r.delivered_at,
            created_at: r.created_at,
        }
    }
}

const DELIVERY_COLS: &str =
    "d.id, d.event_id, ev.event, d.endpoint_id, e.url, d.status, d.attempts, d.next_attempt_at,
    d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at";
const DELIVERY_FROM: &str =
    " FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
    JOIN webhook_endpoints e ON e.id = d.endpoint_id";

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct DeliveryQuery {
    pub endpoint_id: Option<String>,
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// The newest deliveries first.
pub async fn list_deliveries(db: &Db, bu_id: &str, q: &DeliveryQuery) -> Result<Vec<Delivery>> {
    if let Some(s) = q.status.as_deref() {
        if !["pending", "delivered", "failed"].contains(&s) {
            return Err(Error::invalid(
                "status",
                "Status is pending, delivered or failed.",
            ));
        }
    }
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLS}{DELIVERY_FROM} WHERE d.bu_id = ?1
           AND (?2 IS NULL OR d.endpoint_id = ?2) AND (?3 IS NULL OR d.status = ?3)
         ORDER BY d.created_at DESC, d.id DESC LIMIT ?4"
    ))
    .bind(bu_id)
    .bind(&q.endpoint_id)
    .bind(&q.status)
    .bind(q.limit.unwrap_or(100).clamp(1, 500))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub attempt: i64,
    pub at: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The start of the receiver's answer.
    pub response: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    pub delivery: Delivery,
    /// The exact body sent (and signed).
    #[ts(type = "unknown")]
    pub payload: Value,
    pub attempts: Vec<Attempt>,
}

pub async fn get_delivery(db: &Db, bu_id: &str, id: &str) -> Result<DeliveryDetail> {
    let mut conn = db.pool().acquire().await?;
    let row: Option<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLS}{DELIVERY_FROM} WHERE d.id = ? AND d.bu_id = ?"
    ))
    .bind(id)
    .bind(bu_id)
    .fetch_optional(&mut *conn)
    .await?;
    let delivery = Delivery::from(row.ok_or_else(|| Error::not_found("Webhook delivery", id))?);
    let payload: String = sqlx::query_scalar("SELECT payload FROM webhook_events WHERE id = ?")
        .bind(&delivery.event_id)
        .fetch_one(&mut *conn)
        .await?;
    let attempts: Vec<Attempt> = sqlx::query_as(
        "SELECT attempt, at, status_code, error, duration_ms, response FROM webhook_attempts
         WHERE delivery_id = ? ORDER BY attempt DESC",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(DeliveryDetail {
        delivery,
        payload: serde_json::from_str(&payload)?,
        attempts,
    })
}

async fn delivery_in(conn: &mut SqliteConnection, id: &str) -> Result<Delivery> {
    let row: DeliveryRow = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLS}{DELIVERY_FROM} WHERE d.id = ?"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// Send a delivery again now, whatever its state (a delivered one is sent once more; receivers
/// tell repeats apart by the event id).
pub async fn redeliver(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    id: &str,
) -> Result<Delivery> {
    let at = stamp(now);
    let mut tx = db.write().await?;
    let n = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, attempts = min(attempts, ?)
         WHERE id = ? AND bu_id = ?",
    )
    .bind(&at)
    .bind(MAX_ATTEMPTS - 1)
    .bind(id)
    .bind(bu_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::not_found("Webhook delivery", id));
    }
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "webhook_delivery",
            entity_id: id,
            action: "redeliver",
            summary: "Webhook delivery sent again".into(),
            before: None,
            after: None,
        },
    )
    .await?;
    let delivery = delivery_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(delivery)
}

/// Queue a `ping` to one endpoint (whether or not it is active), to check the receiver.
pub async fn send_test(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    endpoint_id: &str,
) -> Result<Delivery> {
    let at = stamp(now);
    let mut tx = db.write().await?;
    let e = endpoint_in(&mut tx, bu_id, endpoint_id).await?;
    let data = serde_json::json!({ "endpointId": e.id, "message": "Test event from FlexDesk" });
    let ids = queue(&mut tx, bu_id, &at, PING, data, &[endpoint_id]).await?;
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "webhook_endpoint",
            entity_id: endpoint_id,
            action: "test",
            summary: format!("Test event queued for {}", e.url),
            before: None,
            after: None,
        },
    )
    .await?;
    let delivery = delivery_in(&mut tx, &ids[0]).await?;
    tx.commit().await?;
    Ok(delivery)
}

// ---------------------------------------------------------------------------------------------
// For the sender (`crate::webhooks`)

/// A delivery claimed for one attempt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub url: String,
    pub secret: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claim up to `limit` deliveries due at `now`: each is leased until `lease_until`, so another
/// sender on the same file (the desk and `flexdesk serve`) does not send it at the same time,
/// and a sender that dies mid-attempt leaves it to be retried when the lease runs out.
pub async fn claim_due(db: &Db, now: &str, lease_until: &str, limit: i64) -> Result<Vec<Due>> {
    let mut tx = db.write().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT d.id, d.event_id, ev.event, e.url, e.secret, ev.payload, d.attempts
         FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?
         ORDER BY d.next_attempt_at, d.created_at, d.id LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for d in &due {
        sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?")
            .bind(lease_until)
            .bind(&d.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(due)
}

/// What one attempt found.
pub struct Outcome {
    pub at: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub response: Option<String>,
    /// When to try again if it failed (`None` gives up).
    pub retry_at: Option<String>,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        matches!(self.status_code, Some(200..=299))
    }
}

/// Record an attempt and its consequence, in one transaction.
pub async fn record_attempt(db: &Db, d: &Due, o: &Outcome) -> Result<()> {
    let attempt = d.attempts + 1;
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms, response)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&d.id)
    .bind(attempt)
    .bind(&o.at)
    .bind(o.status_code)
    .bind(&o.error)
    .bind(o.duration_ms)
    .bind(&o.response)
    .execute(&mut *tx)
    .await?;
    let (status, next) = if o.delivered() {
        ("delivered", None)
    } else if attempt >= MAX_ATTEMPTS || o.retry_at.is_none() {
        ("failed", None)
    } else {
        ("pending", o.retry_at.clone())
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?,
             last_status = ?, last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
         WHERE id = ?",
    )
    .bind(status)
    .bind(attempt)
    .bind(next)
    .bind(&o.at)
    .bind(o.status_code)
    .bind(&o.error)
    .bind(status)
    .bind(&o.at)
    .bind(&d.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
