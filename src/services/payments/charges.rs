//! One-off charges: a payment of its own on a subscription, outside the monthly schedule — a
//! damage fee, a lost charger, or the tier's setup fee (added at activation). It is priced like
//! the subscription (VAT included or added as its unit states prices), invoiced as its own line
//! with its label, and chased like any payment.

use super::*;
use crate::services::outbox::{r, Op, OpKind};
use crate::store::subscriptions::SubscriptionRow;

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ChargeInput {
    pub rental_id: String,
    /// What it is for ("Damage fee: cracked screen"), printed on the invoice line.
    pub label: Option<String>,
    /// As the unit states prices: with VAT when its prices include it, else before VAT.
    pub amount: Option<Money>,
    /// YYYY-MM-DD; defaults to today plus the unit's payment terms.
    pub due_date: Option<String>,
    pub notes: Option<String>,
    /// FlexDesk sync: the id the desk that made it gave it.
    pub payment_id: Option<String>,
}

/// The longest charge label (an invoice line).
const MAX_LABEL: usize = 120;

/// Charge the subscription `input.rental_id` once.
pub async fn charge(db: &Db, ctx: &Ctx, input: ChargeInput) -> Result<Payment> {
    let bu = &ctx.bu;
    let label = crate::services::text_field("label", input.label.clone(), MAX_LABEL, "The label")?
        .ok_or_else(|| Error::invalid("label", "Say what the charge is for."))?;
    let amount = match input.amount {
        Some(m) => bu.minor("amount", m)?,
        None => return Err(Error::invalid("amount", "Give the amount.")),
    };
    if amount <= 0 {
        return Err(Error::invalid("amount", "A charge is more than 0."));
    }
    let today = ctx.today();
    let due = match input
        .due_date
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => crate::services::business_day("dueDate", d, today)?,
        None => today + chrono::Days::new(bu.settings.payment_terms_days.into()),
    };
    let notes = crate::services::text_field("notes", input.notes.clone(), 1000, "Notes")?;
    let mut tx = db.write().await?;
    let id = match input.payment_id.as_deref().map(str::trim) {
        Some(sent) if !sent.is_empty() => Some(
            crate::services::client_id(
                &mut tx,
                ctx,
                "paymentId",
                Some(sent),
                crate::ids::prefix::PAYMENT,
                "payments",
            )
            .await?,
        ),
        _ => None,
    };
    let sub = crate::store::subscriptions::get(&mut tx, &bu.id, input.rental_id.trim())
        .await?
        .ok_or_else(|| Error::not_found("Subscription", input.rental_id.trim()))?;
    let tax = sub.tax_rule(bu.currency_exponent);
    let row = charge_in(
        &mut tx,
        ctx,
        &sub,
        Charge {
            label: label.clone(),
            amounts: tax.split(amount),
            due,
            id,
        },
    )
    .await?;
    if let Some(n) = notes {
        sqlx::query("UPDATE payments SET notes = ? WHERE id = ?")
            .bind(n)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
    }
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::PaymentCharge,
            Some(&sub.id),
            &ChargeInput {
                payment_id: Some(row.id.clone()),
                due_date: Some(row.due_date.clone()),
                label: Some(label.clone()),
                ..input
            },
        )
        .touching([r("rental", &sub.id), r("payment", &row.id)])
        .saying(format!("{label} charged on {}", sub.id)),
    )
    .await?;
    let p = get_in(&mut tx, bu, &row.id, today).await?;
    tx.commit().await?;
    Ok(p)
}

/// A charge as the caller decided it.
pub(crate) struct Charge {
    pub label: String,
    pub amounts: Amounts,
    pub due: NaiveDate,
    pub id: Option<String>,
}

/// Add a charge to subscription `sub` inside the caller's transaction: the payment (numbered after
/// the subscription's earlier charges), its `payment.scheduled` event and the timeline.
pub(crate) async fn charge_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    sub: &SubscriptionRow,
    c: Charge,
) -> Result<crate::store::payments::PaymentRow> {
    let bu = &ctx.bu;
    let seq: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(seq), 0) + 1 FROM payments WHERE rental_id = ? AND kind = 'charge'",
    )
    .bind(&sub.id)
    .fetch_one(&mut *conn)
    .await?;
    let payer = Payer {
        bu_id: &bu.id,
        customer_id: &sub.customer_id,
        rental_id: &sub.id,
        asset_id: sub.asset_id,
        currency: &sub.currency,
        tax_rate: &sub.tax_rate,
        now: &ctx.now,
    };
    let row = insert_one_off(
        conn,
        &payer,
        OneOff {
            kind: PaymentKind::Charge,
            seq,
            on: ctx.today(),
            due: c.due,
            amounts: c.amounts,
            label: Some(c.label.clone()),
            id: c.id,
        },
    )
    .await?;
    crate::services::webhooks::emit_scheduled(conn, ctx, &sub.id, std::slice::from_ref(&row))
        .await?;
    let summary = format!(
        "{} charged: {}, due {}",
        c.label,
        bu.amount_text(row.total),
        row.due_date
    );
    for (kind, id) in [
        ("payment", row.id.as_str()),
        ("subscription", sub.id.as_str()),
    ] {
        record(
            conn,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: kind,
                entity_id: id,
                action: "charged",
                summary: summary.clone(),
                before: None,
                after: Some(serde_json::json!({ "paymentId": row.id, "total": row.total })),
            },
        )
        .await?;
    }
    Ok(row)
}

/// The tier's setup fee for a subscription just activated: a charge due with its first payment
/// (nothing when the tier has none).
pub(crate) async fn setup_fee_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    sub: &SubscriptionRow,
    tax: crate::domain::schedule::TaxRule,
) -> Result<Option<String>> {
    let fee: Option<i64> = sqlx::query_scalar(
        "SELECT setup_fee FROM pricing_tiers WHERE variant_id = ? AND contract_length = ?",
    )
    .bind(&sub.variant_id)
    .bind(sub.contract_length)
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let Some(fee) = fee.filter(|f| *f > 0) else {
        return Ok(None);
    };
    let first_due: Option<String> = sqlx::query_scalar(
        "SELECT min(due_date) FROM payments WHERE rental_id = ? AND kind IN ('rent', 'prorated')",
    )
    .bind(&sub.id)
    .fetch_one(&mut *conn)
    .await?;
    let due = first_due
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| ctx.today());
    let row = charge_in(
        conn,
        ctx,
        sub,
        Charge {
            label: "Setup fee".into(),
            amounts: tax.split(fee),
            due,
            id: None,
        },
    )
    .await?;
    Ok(Some(row.id))
}
