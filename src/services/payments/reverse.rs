//! Taking back a payment marked paid by mistake: it is open again as it was before, its amount
//! leaves the subscription's cost recovery, and the timeline and a `payment.reversed` event say
//! who did it and why. A payment already on an invoice is corrected with a credit note instead.

use super::actions::{adjust_collected, need_reason, reasoned, state_of};
use super::*;
use crate::services::outbox::OpKind;

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
    if st.refunded > 0 {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!("Payment {id} was partly refunded: the money moved, so it is not taken back."),
        ));
    }
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
    // Open again (a consolidated one with its lines), and what marking it paid said is forgotten
    // with the mistake.
    sqlx::query(
        "UPDATE payments SET status = 'pending', paid_at = NULL, payment_reference = NULL, method = NULL,
             provider = NULL, manually_marked = 0, marked_by = NULL, updated_at = ? WHERE id = ? OR consolidated_into = ?",
    )
    .bind(&ctx.now)
    .bind(id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // Cost recovery: what marking it paid added to its subscription(s) is taken off.
    adjust_collected(&mut tx, ctx, &st, st.total, st.received).await?;
    reasoned(
        tx,
        ctx,
        id,
        &st,
        OpKind::PaymentReverse,
        &reason,
        Some("payment.reversed"),
        PaymentStatus::Pending,
        format!(
            "Taken back, paid by mistake ({}): {reason}",
            ctx.bu.amount_text(st.total)
        ),
    )
    .await
}
