//! An order's state changes: confirm, cancel, mark failed, notes.

use super::*;

// State changes

pub(super) async fn status_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<(OrderStatus, String, i64)> {
    let row: Option<(String, String, i64)> = sqlx::query_as("SELECT status, order_number, rented_devices FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?")
        .bind(id).bind(id).bind(&bu.id).fetch_optional(conn).await?;
    let (s, n, r) = row.ok_or_else(|| Error::not_found("Order", id))?;
    Ok((
        OrderStatus::parse(&s).unwrap_or(OrderStatus::Cancelled),
        n,
        r,
    ))
}

pub(super) async fn order_id_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id_or_number: &str,
) -> Result<String> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?",
    )
    .bind(id_or_number)
    .bind(id_or_number)
    .bind(&bu.id)
    .fetch_optional(conn)
    .await?;
    id.ok_or_else(|| Error::not_found("Order", id_or_number))
}

/// pending → confirmed: ready for fulfilment (activation requires it while `requireConfirmedOrders` is on).
pub async fn confirm(db: &Db, ctx: &Ctx, order: &str) -> Result<Order> {
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let (status, number, _) = status_of(&mut tx, &ctx.bu, &id).await?;
    match status {
        OrderStatus::Pending => {}
        OrderStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Order {number} is cancelled."),
            ))
        }
        other => {
            return Err(Error::new(
                ErrorCode::InvalidStatus,
                format!("Order {number} is already {other}; only pending orders are confirmed."),
            ))
        }
    }
    sqlx::query(
        "UPDATE orders SET status = 'confirmed', confirmed_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&ctx.now)
    .bind(&ctx.now)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "confirmed",
            summary: format!("Order {number} confirmed"),
            before: Some(serde_json::json!({"status": "pending"})),
            after: Some(serde_json::json!({"status": "confirmed"})),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::OrderConfirm, Some(&id))
            .touching([r("order", &id)])
            .saying(format!("Order {number} confirmed")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

pub async fn cancel(db: &Db, ctx: &Ctx, order: &str, reason: Option<String>) -> Result<Order> {
    if let Some(r) = &reason {
        let mut c = Checks::new();
        c.max_len("reason", r, 1000, "Reason");
        c.finish()?;
    }
    let reason_sent = reason.clone();
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let (status, number, rented) = status_of(&mut tx, &ctx.bu, &id).await?;
    if status == OrderStatus::Cancelled {
        return Err(Error::new(
            ErrorCode::AlreadyCancelled,
            format!("Order {number} is already cancelled."),
        ));
    }
    if !status.cancellable() || rented > 0 {
        return Err(Error::new(ErrorCode::OrderNotCancellable, format!("Order {number} is {status}; only pending or confirmed orders can be cancelled. Cancel its subscriptions instead.")));
    }
    sqlx::query("UPDATE orders SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?")
        .bind(&ctx.now).bind(opt_trim(reason.clone())).bind(&ctx.now).bind(&id).execute(&mut *tx).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "cancelled",
            summary: format!(
                "Order {number} cancelled{}",
                opt_trim(reason)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            before: Some(serde_json::json!({"status": status})),
            after: Some(serde_json::json!({"status": "cancelled"})),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::OrderCancel,
            Some(&id),
            &ReasonBody {
                reason: reason_sent.as_deref(),
            },
        )
        .touching([r("order", &id)])
        .saying(format!("Order {number} cancelled")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

/// Replace the order's notes (at most `Notes::MAX_CHARS` characters).
pub async fn set_notes(db: &Db, ctx: &Ctx, order: &str, notes: &str) -> Result<Order> {
    let mut c = Checks::new();
    c.max_len(
        "notes",
        notes,
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    );
    c.finish()?;
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let before: Option<String> = sqlx::query_scalar("SELECT notes FROM orders WHERE id = ?")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE orders SET notes = ?, updated_at = ? WHERE id = ?")
        .bind(notes)
        .bind(&ctx.now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "notes_changed",
            summary: "Notes changed".into(),
            before: Some(serde_json::json!({"notes": before})),
            after: Some(serde_json::json!({"notes": notes})),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(OpKind::OrderNotes, Some(&id), &NotesBody { notes })
            .touching([r("order", &id)])
            .saying(format!("Notes of {id} changed")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
