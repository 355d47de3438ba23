//! Queueing webhook events inside the action's transaction.

use super::*;

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
pub(super) async fn queue(
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

/// Queue `payment.scheduled` for the payments this action added to a subscription, as the
/// payments writer returned them.
pub(crate) async fn emit_scheduled(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    rental_id: &str,
    added: &[crate::store::payments::PaymentRow],
) -> Result<()> {
    let hooks = Hooks::of(conn, ctx).await?;
    if added.is_empty() || !hooks.wants("payment.scheduled") {
        return Ok(());
    }
    let bu = &ctx.bu;
    let mut rows: Vec<&crate::store::payments::PaymentRow> = added.iter().collect();
    rows.sort_by(|a, b| (a.seq, &a.id).cmp(&(b.seq, &b.id)));
    for p in rows {
        let data = serde_json::json!({
            "paymentId": p.id,
            "subscriptionId": rental_id,
            "customerId": p.customer_id,
            "kind": p.kind,
            "billingPeriod": p.billing_period,
            "dueDate": p.due_date,
            "amount": crate::money::to_wire_value(&bu.money(p.total)),
            "currency": bu.currency,
        });
        hooks.emit(conn, ctx, "payment.scheduled", data).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
