//! Money as it really moved: a part payment received on an open payment (the rest stays open and
//! overdue; the last part pays it), and a refund of money given back after it was paid. Each is
//! recorded as what it was (amount, day, method, reference) and moves cost recovery and money
//! collected by its net share.

use super::actions::{adjust_collected, settle_in, state_of};
use super::*;
use crate::services::outbox::OpKind;

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ReceiptInput {
    /// The amount received or given back (with VAT, as the payment's total).
    pub amount: Option<Money>,
    /// YYYY-MM-DD; defaults to today, never in the future.
    pub received_on: Option<String>,
    /// bank_transfer, card, cash, direct_debit, other (free text allowed).
    pub method: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
}

/// A part payment or a refund as recorded.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Receipt {
    pub receipt_id: String,
    pub payment_id: String,
    /// `part` (received) or `refund` (given back).
    pub kind: String,
    pub amount: Money,
    pub received_on: String,
    pub method: Option<String>,
    pub reference: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// What the op of a receipt carries: the input as checked, and whether it paid the payment.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptBody<'a> {
    amount: Money,
    received_on: &'a str,
    method: Option<&'a str>,
    reference: Option<&'a str>,
    notes: Option<&'a str>,
    /// The part that paid the rest: FlexPortal learns it as the payment marked paid.
    completes: bool,
    paid_at: Option<&'a str>,
}

struct Checked {
    amount: i64,
    day: NaiveDate,
    method: Option<String>,
    reference: Option<String>,
    notes: Option<String>,
}

fn check(ctx: &Ctx, i: ReceiptInput) -> Result<Checked> {
    let amount = match i.amount {
        Some(m) => ctx.bu.minor("amount", m)?,
        None => return Err(Error::invalid("amount", "Give the amount.")),
    };
    if amount <= 0 {
        return Err(Error::invalid("amount", "The amount is more than 0."));
    }
    let today = ctx.today();
    let day = match i
        .received_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => crate::services::business_day("receivedOn", d, today)?,
        None => today,
    };
    if day > today {
        return Err(Error::invalid(
            "receivedOn",
            "Money is recorded on the day it moved, not in the future.",
        ));
    }
    let text = crate::services::text_field;
    Ok(Checked {
        amount,
        day,
        method: text("method", i.method, 60, "The method")?,
        reference: text("reference", i.reference, 200, "The reference")?,
        notes: text("notes", i.notes, 1000, "Notes")?,
    })
}

/// A part payment or refund as recorded: the payment, what was checked, its op and net share,
/// the timeline's sentence and the amount that changed (field, before, after).
struct Kept<'a> {
    id: &'a str,
    st: &'a super::actions::State,
    c: &'a Checked,
    kind: OpKind,
    net: i64,
    summary: String,
    /// Said after the day, reference and notes ("; paid in full").
    then: String,
    change: (&'static str, i64, i64),
    /// The part that paid the rest: when.
    paid_at: Option<&'a str>,
}

/// Keep a part payment or refund as what it was: its row, its timeline entry, its op.
async fn kept_as(conn: &mut SqliteConnection, ctx: &Ctx, k: Kept<'_>) -> Result<()> {
    let c = k.c;
    let day = day_text(c.day);
    let receipt = if k.kind == OpKind::PaymentRefund {
        "refund"
    } else {
        "part"
    };
    sqlx::query(
        "INSERT INTO payment_receipts (id, bu_id, payment_id, kind, amount, net, received_on, method, reference, notes, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(crate::ids::new_id(crate::ids::prefix::RECEIPT))
    .bind(&ctx.bu.id)
    .bind(k.id)
    .bind(receipt)
    .bind(c.amount)
    .bind(k.net)
    .bind(&day)
    .bind(&c.method)
    .bind(&c.reference)
    .bind(&c.notes)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .execute(&mut *conn)
    .await?;
    let (field, before, after) = k.change;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: k.id,
            action: if receipt == "refund" {
                "refunded"
            } else {
                "part_received"
            },
            summary: format!(
                "{} on {day}{}{}{}",
                k.summary,
                c.reference
                    .as_deref()
                    .map(|r| format!(" (ref. {r})"))
                    .unwrap_or_default(),
                c.notes
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default(),
                k.then
            ),
            before: Some(serde_json::json!({ field: before })),
            after: Some(serde_json::json!({ field: after })),
        },
    )
    .await?;
    let body = ReceiptBody {
        amount: ctx.bu.money(c.amount),
        received_on: &day,
        method: c.method.as_deref(),
        reference: c.reference.as_deref(),
        notes: c.notes.as_deref(),
        completes: k.paid_at.is_some(),
        paid_at: k.paid_at,
    };
    crate::services::outbox::record(
        conn,
        ctx,
        super::actions::payment_op(k.id, k.kind, k.st, &body),
    )
    .await
}

/// Record money received on the open payment `id`: less than what is open leaves the rest open
/// (and overdue when it is); the rest pays it.
pub async fn receive(db: &Db, ctx: &Ctx, id: &str, input: ReceiptInput) -> Result<Payment> {
    let c = check(ctx, input)?;
    let bu = &ctx.bu;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, bu, id).await?;
    st.collectable(id)?;
    let open = st.total - st.received;
    if c.amount > open {
        return Err(Error::invalid(
            "amount",
            format!(
                "At most {} is still open on payment {id}.",
                bu.amount_text(open)
            ),
        ));
    }
    let after = st.received + c.amount;
    let (before_net, after_net) = (
        net_share(st.net, st.received, st.total),
        net_share(st.net, after, st.total),
    );
    sqlx::query(
        "UPDATE payments SET amount_received = ?, net_received = ?, updated_at = ? WHERE id = ?",
    )
    .bind(after)
    .bind(after_net)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    adjust_collected(&mut tx, ctx, &st, st.received, after).await?;
    let completes = after == st.total;
    let paid_at = crate::clock::stamp(c.day.and_hms_opt(12, 0, 0).expect("noon exists").and_utc());
    if completes {
        let m = MarkPaid {
            payment_reference: c.reference.clone(),
            notes: None,
            paid_at: Some(paid_at.clone()),
            method: c.method.clone(),
        };
        settle_in(&mut tx, ctx, id, &m, &paid_at, false).await?;
    }
    let rest = if completes {
        "paid in full".to_string()
    } else {
        format!("{} still open", bu.amount_text(st.total - after))
    };
    kept_as(
        &mut tx,
        ctx,
        Kept {
            id,
            st: &st,
            c: &c,
            kind: OpKind::PaymentReceive,
            net: after_net - before_net,
            summary: format!("Part payment of {} received", bu.amount_text(c.amount)),
            then: format!("; {rest}"),
            change: ("amountReceived", st.received, after),
            paid_at: completes.then_some(paid_at.as_str()),
        },
    )
    .await?;
    let p = get_in(&mut tx, bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Record money given back on the paid payment `id` (at most what was paid less earlier
/// refunds). It stays paid; cost recovery and money collected lose the refund's net share.
pub async fn refund(db: &Db, ctx: &Ctx, id: &str, input: ReceiptInput) -> Result<Payment> {
    let c = check(ctx, input)?;
    let bu = &ctx.bu;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, bu, id).await?;
    if st.status != PaymentStatus::Paid {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!(
                "Payment {id} is {}; only money that was paid is refunded.",
                st.status
            ),
        ));
    }
    st.settled_through_group(id)?;
    let kept = st.kept();
    if c.amount > kept {
        return Err(Error::invalid(
            "amount",
            format!(
                "At most {} can be refunded on payment {id}.",
                bu.amount_text(kept)
            ),
        ));
    }
    let after = kept - c.amount;
    let net = net_share(st.net, kept, st.total) - net_share(st.net, after, st.total);
    sqlx::query(
        "UPDATE payments SET amount_refunded = amount_refunded + ?, updated_at = ? WHERE id = ?",
    )
    .bind(c.amount)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    adjust_collected(&mut tx, ctx, &st, kept, after).await?;
    kept_as(
        &mut tx,
        ctx,
        Kept {
            id,
            st: &st,
            c: &c,
            kind: OpKind::PaymentRefund,
            net,
            summary: format!("Refunded {}", bu.amount_text(c.amount)),
            then: String::new(),
            change: ("amountRefunded", st.refunded, st.refunded + c.amount),
            paid_at: None,
        },
    )
    .await?;
    super::actions::emit_payment(&mut tx, ctx, "payment.refunded", id).await?;
    let p = get_in(&mut tx, bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// The part payments and refunds of payment `id`, oldest first.
pub async fn receipts(db: &Db, bu: &BusinessUnit, id: &str) -> Result<Vec<Receipt>> {
    #[derive(sqlx::FromRow)]
    struct ReceiptRow {
        id: String,
        kind: String,
        amount: i64,
        received_on: String,
        method: Option<String>,
        reference: Option<String>,
        notes: Option<String>,
        created_at: String,
        created_by: String,
    }
    let rows: Vec<ReceiptRow> = sqlx::query_as(
        "SELECT id, kind, amount, received_on, method, reference, notes, created_at, created_by FROM payment_receipts
         WHERE bu_id = ? AND payment_id = ? ORDER BY created_at, id",
    )
    .bind(&bu.id)
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Receipt {
            receipt_id: r.id,
            payment_id: id.to_string(),
            kind: r.kind,
            amount: bu.money(r.amount),
            received_on: r.received_on,
            method: r.method,
            reference: r.reference,
            notes: r.notes,
            created_at: r.created_at,
            created_by: r.created_by,
        })
        .collect())
}
