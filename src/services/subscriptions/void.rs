//! A mistaken activation undone (the wrong serial scanned at the scan station): the same
//! business day, before any of its money is paid or invoiced. The subscription ends as a voided
//! cancellation, its payments are cancelled, its order line is free again, and the unit is back
//! in stock as if it had never been assigned.

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct VoidInput {
    /// Why the activation was a mistake (required; on the timeline).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Voided {
    pub rental: Rental,
    pub order_number: String,
    pub order_status: OrderStatus,
    pub payments_cancelled: u64,
    pub message: String,
}

fn refuse(message: String) -> Error {
    Error::new(ErrorCode::InvalidStatus, message)
}

pub async fn void(db: &Db, ctx: &Ctx, id: &str, input: VoidInput) -> Result<Voided> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let reason = text_field("reason", input.reason, 1000, "The reason")?
        .ok_or_else(|| Error::invalid("reason", "Say why the activation was a mistake."))?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let today = ctx.today();
    let activated_on = chrono::DateTime::parse_from_rfc3339(&row.created_at)
        .map(|t| bu.day_at(t.with_timezone(&chrono::Utc)))
        .ok();
    if activated_on != Some(today) {
        return Err(refuse(format!(
            "Subscription {} was activated on an earlier day; only an activation made today can be voided. End it instead (cancel or early return).",
            row.id
        )));
    }
    if row.upgrade_from_rental_id.is_some() || row.item_idx.is_none() {
        return Err(refuse(format!(
            "Subscription {} was not started by an activation on its order; it cannot be voided.",
            row.id
        )));
    }
    let settled: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT p.id, p.status, coalesce(p.invoice_id, c.invoice_id) FROM payments p LEFT JOIN payments c ON c.id = p.consolidated_into
         WHERE p.rental_id = ? AND (p.status IN ('paid', 'processing') OR p.invoice_id IS NOT NULL
           OR c.status IN ('paid', 'processing') OR c.invoice_id IS NOT NULL) LIMIT 1",
    )
    .bind(&row.id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((pid, status, invoice)) = settled {
        return Err(refuse(match invoice {
            Some(inv) => format!("Payment {pid} of subscription {} is on invoice {inv}; the activation stays. End the subscription and issue a credit note.", row.id),
            None => format!("Payment {pid} of subscription {} is {status}; the activation stays. Take the payment back first, or end the subscription.", row.id),
        }));
    }
    let asset = asset_by_serial(&mut tx, bu, &row.serial_number).await?;
    if asset.rental_id.as_deref() != Some(row.id.as_str()) {
        return Err(refuse(format!(
            "{} is no longer on subscription {}; the activation cannot be voided.",
            row.serial_number, row.id
        )));
    }

    // Its money: every open payment cancelled, its group's payments made again without it.
    let cancelled = sqlx::query(
        "UPDATE payments SET status = 'cancelled', cancel_reason = 'Activation voided', updated_at = ?
         WHERE rental_id = ? AND status IN ('pending', 'failed')",
    )
    .bind(&ctx.now)
    .bind(&row.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let details = CancellationDetails {
        reason: CancellationReason::Other,
        notes: Some(format!("Activation voided: {reason}")),
        processed_by: ActorRef::from(&ctx.actor),
        cancelled_at: ctx.now.clone(),
        voided_at: Some(ctx.now.clone()),
    };
    // Off its order line, so the line can be filled again.
    let details = serde_json::to_string(&details)?;
    end_row(
        &mut tx,
        &row.id,
        Ending::Cancelled {
            details: &details,
            void: true,
        },
        &row.start_date,
        &ctx.now,
    )
    .await?;

    // The unit: back in stock, never assigned.
    set_asset(
        &mut tx,
        ctx,
        asset.id,
        AssetStatus::Available,
        None,
        None,
        None,
    )
    .await?;
    sqlx::query("DELETE FROM asset_assignments WHERE asset_id = ? AND rental_id = ?")
        .bind(asset.id)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;

    // The order: one device fewer out; with none out it is as it was before (confirmed, or
    // pending when it never was).
    let (order_id, number, was, rented, total, confirmed): (String, String, String, i64, i64, Option<String>) = sqlx::query_as(
        "SELECT id, order_number, status, rented_devices, total_devices, confirmed_at FROM orders WHERE id = ?",
    )
    .bind(&row.order_id)
    .fetch_one(&mut *tx)
    .await?;
    let was = OrderStatus::parse(&was).unwrap_or(OrderStatus::Partial);
    let rented = (rented - 1).max(0);
    let now_status = if rented == 0 {
        if confirmed.is_some() {
            OrderStatus::Confirmed
        } else {
            OrderStatus::Pending
        }
    } else {
        OrderStatus::Partial.with_devices_out(rented, total)
    };
    sqlx::query("UPDATE orders SET rented_devices = ?, status = ?, updated_at = ? WHERE id = ?")
        .bind(rented)
        .bind(now_status.as_str())
        .bind(&ctx.now)
        .bind(&order_id)
        .execute(&mut *tx)
        .await?;

    let who = &ctx.actor.name;
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "voided",
        format!(
            "Activation of {} voided by {who}: {reason}; {cancelled} payments cancelled",
            row.serial_number
        ),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "cancelled", "voided": true }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &row.serial_number,
        "voided",
        format!("Back in stock: activation on {} voided ({reason})", row.id),
        Some((
            serde_json::json!({ "status": asset.status }),
            serde_json::json!({ "status": "available" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "order",
        &order_id,
        "voided",
        format!(
            "Order {number}: activation of {} voided ({rented} of {total} devices out, {now_status})",
            row.serial_number
        ),
        (was != now_status).then(|| {
            (
                serde_json::json!({ "status": was }),
                serde_json::json!({ "status": now_status }),
            )
        }),
    )
    .await?;
    let rental = ended(
        &mut tx,
        ctx,
        &row,
        "voided",
        OpKind::SubscriptionVoid,
        op_body,
    )
    .await?;
    tx.commit().await?;
    Ok(Voided {
        message: format!(
            "Activation of {} voided; it is back in stock and order {number} is {now_status}.",
            row.serial_number
        ),
        rental,
        order_number: number,
        order_status: now_status,
        payments_cancelled: cancelled,
    })
}
