//! The delivery log: deliveries with their attempts, and sending one again.

use super::*;

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
pub(super) struct DeliveryRow {
    pub(super) id: String,
    pub(super) event_id: String,
    pub(super) event: String,
    pub(super) endpoint_id: String,
    pub(super) url: String,
    pub(super) status: String,
    pub(super) attempts: i64,
    pub(super) next_attempt_at: Option<String>,
    pub(super) last_attempt_at: Option<String>,
    pub(super) last_status: Option<i64>,
    pub(super) last_error: Option<String>,
    pub(super) delivered_at: Option<String>,
    pub(super) created_at: String,
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

pub(super) const DELIVERY_COLS: &str =
    "d.id, d.event_id, ev.event, d.endpoint_id, e.url, d.status, d.attempts, d.next_attempt_at,
    d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at";
pub(super) const DELIVERY_FROM: &str =
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

pub(super) async fn delivery_in(conn: &mut SqliteConnection, id: &str) -> Result<Delivery> {
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
