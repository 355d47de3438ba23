//! For the sender: claiming due deliveries and recording each attempt.

use super::*;

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
    /// An administrator confirmed the endpoint's address (`net::guard`).
    pub address_confirmed: bool,
}

/// Claim up to `limit` deliveries due at `now`: each is leased until `lease_until`, so another
/// sender on the same file (the desk and `flexdesk serve`) does not send it at the same time,
/// and a sender that dies mid-attempt leaves it to be retried when the lease runs out.
pub async fn claim_due(db: &Db, now: &str, lease_until: &str, limit: i64) -> Result<Vec<Due>> {
    let mut tx = db.write().await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT d.id, d.event_id, ev.event, e.url, e.secret, ev.payload, d.attempts, e.address_confirmed
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
