//! Taking back a payment marked paid by mistake: it is open again as it was before, its amount
//! leaves the subscription's cost recovery, and the timeline and a `payment.reversed` event say
//! who did it and why. A payment already on an invoice is corrected with a credit note instead.

use super::actions::{changed, emit_payment, need_reason, payment_op, state_of};
use super::*;
use crate::services::outbox::{OpKind, ReasonBody};

/// Take back the payment `id` marked paid by mistake (a reason is required).
pub async fn reverse(db: &Db, ctx: &Ctx, id: &str, reason: &str) -> Result<Payment> {
    let reason = need_reason(reason)?;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, &ctx.bu, id).await?;
    if st.status != PaymentStatus::Paid {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!(
                "Payment {id} is {}; only a paid payment is taken back.",
                st.status
            ),
        ));
    }
    st.settled_through_group(id)?;
    let invoice: Option<String> = sqlx::query_scalar(
        "SELECT i.number FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(number) = invoice {
        return Err(Error::new(
            ErrorCode::AlreadyInvoiced,
            format!("Payment {id} is on invoice {number}, which stays as issued: correct it with a credit note."),
        ));
    }
    // Open again, and whatever collecting it had said before is forgotten with the mistake.
    for filter in ["id = ?", "consolidated_into = ?"] {
        sqlx::query(&format!(
            "UPDATE payments SET status = 'pending', paid_at = NULL, payment_reference = NULL, method = NULL,
                 provider = NULL, manually_marked = 0, marked_by = NULL, updated_at = ? WHERE {filter}"
        ))
        .bind(&ctx.now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    // Cost recovery: what marking it paid added to its subscription(s) is taken off again.
    let lines: Option<Vec<LineItem>> = json_col(st.line_items.as_deref());
    let takes: Vec<(String, i64)> = match (lines, &st.rental_id) {
        (Some(lines), _) if !lines.is_empty() => lines
            .into_iter()
            .map(|l| {
                (
                    l.rental_id.clone(),
                    ctx.bu.minor("amount", l.amount).unwrap_or(0),
                )
            })
            .collect(),
        (_, Some(rid)) => vec![(rid.clone(), st.net)],
        _ => vec![],
    };
    for (rental, net) in takes {
        sqlx::query("UPDATE subscriptions SET total_collected = max(0, total_collected - ?), updated_at = ? WHERE id = ?")
            .bind(net)
            .bind(&ctx.now)
            .bind(&rental)
            .execute(&mut *tx)
            .await?;
    }
    crate::services::outbox::record(
        &mut tx,
        ctx,
        payment_op(
            id,
            OpKind::PaymentReverse,
            &st,
            &ReasonBody {
                reason: Some(&reason),
            },
        ),
    )
    .await?;
    emit_payment(&mut tx, ctx, "payment.reversed", id).await?;
    changed(
        tx,
        ctx,
        id,
        PaymentStatus::Paid,
        PaymentStatus::Pending,
        format!(
            "Taken back, paid by mistake ({}): {reason}",
            ctx.bu.amount_text(st.total)
        ),
    )
    .await
}
