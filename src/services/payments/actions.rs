//! The accountants' actions on payments: mark paid (one or many), mark failed, cancel, and late fees.

use super::*;
use crate::services::outbox::{OpKind, ReasonBody};

// Accountants' actions

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct MarkPaid {
    #[serde(alias = "reference")]
    pub payment_reference: Option<String>,
    pub notes: Option<String>,
    /// When the money arrived (date or instant); defaults to now, never in the future.
    pub paid_at: Option<String>,
    /// bank_transfer, card, cash, direct_debit, other (free text allowed).
    pub method: Option<String>,
}

pub(super) struct State {
    pub(super) status: PaymentStatus,
    pub(super) rental_id: Option<String>,
    pub(super) net: i64,
    pub(super) total: i64,
    pub(super) line_items: Option<String>,
    pub(super) consolidated_into: Option<String>,
    /// Received in part payments while open, and given back after it was paid (minor units).
    pub(super) received: i64,
    pub(super) refunded: i64,
}

impl State {
    /// The money kept on it: all of it once paid (less refunds), the part payments while open.
    pub(super) fn kept(&self) -> i64 {
        match self.status {
            PaymentStatus::Paid => self.total - self.refunded,
            _ => self.received,
        }
    }
}

impl State {
    /// Still to be collected: not paid, not cancelled, and not a line of a consolidated payment.
    pub(super) fn collectable(&self, id: &str) -> Result<()> {
        match self.status {
            PaymentStatus::Paid => Err(Error::new(
                ErrorCode::AlreadyPaid,
                format!("Payment {id} is already paid."),
            )),
            PaymentStatus::Cancelled => Err(Error::new(
                ErrorCode::PaymentCancelled,
                format!("Payment {id} was cancelled; nothing is collected on it."),
            )),
            _ => self.settled_through_group(id),
        }
    }

    /// A member's own payment inside a consolidated one is settled through that payment.
    pub(super) fn settled_through_group(&self, id: &str) -> Result<()> {
        match &self.consolidated_into {
            Some(c) => Err(Error::new(
                ErrorCode::Conflict,
                format!("Payment {id} is a line of consolidated payment {c}; record the payment or cancellation on {c}."),
            )),
            None => Ok(()),
        }
    }
}

pub(super) async fn state_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<State> {
    #[derive(sqlx::FromRow)]
    struct StateRow {
        status: String,
        rental_id: Option<String>,
        subtotal: i64,
        late_fee_amount: i64,
        total: i64,
        line_items: Option<String>,
        consolidated_into: Option<String>,
        amount_received: i64,
        amount_refunded: i64,
    }
    let r: StateRow = sqlx::query_as(
        "SELECT status, rental_id, subtotal, late_fee_amount, total, line_items, consolidated_into, amount_received, amount_refunded
         FROM payments WHERE id = ? AND bu_id = ?",
    )
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("Payment", id))?;
    Ok(State {
        status: PaymentStatus::parse(&r.status).unwrap_or(PaymentStatus::Pending),
        rental_id: r.rental_id,
        net: r.subtotal + r.late_fee_amount,
        total: r.total,
        line_items: r.line_items,
        consolidated_into: r.consolidated_into,
        received: r.amount_received,
        refunded: r.amount_refunded,
    })
}

pub(super) fn paid_at_of(ctx: &Ctx, raw: Option<&str>) -> Result<String> {
    let Some(t) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(ctx.now.clone());
    };
    let at = if t.len() == 10 {
        parse_day("paidAt", t)?
            .and_hms_opt(12, 0, 0)
            .map(|d| d.and_utc())
    } else {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    }
    .ok_or_else(|| {
        Error::invalid(
            "paidAt",
            format!("'{t}' is not a date or an RFC 3339 time."),
        )
    })?;
    let paid_on = ctx.bu.day_at(at);
    crate::services::in_business_window("paidAt", paid_on, ctx.today())?;
    if paid_on > ctx.today() {
        return Err(Error::invalid(
            "paidAt",
            "A payment cannot be marked paid in the future.",
        ));
    }
    Ok(crate::clock::stamp(at))
}

pub(super) async fn mark_paid_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    id: &str,
    m: &MarkPaid,
    paid_at: &str,
) -> Result<()> {
    settle_in(conn, ctx, id, m, paid_at, true).await
}

/// A payment paid in full: marked paid, or completed by its last part payment (`with_op` false:
/// that part payment is the op).
pub(super) async fn settle_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    id: &str,
    m: &MarkPaid,
    paid_at: &str,
    with_op: bool,
) -> Result<()> {
    let st = state_of(conn, &ctx.bu, id).await?;
    st.collectable(id)?;
    let reference = opt_trim(m.payment_reference.clone());
    if reference
        .as_deref()
        .map(|r| r.chars().count() > 200)
        .unwrap_or(false)
    {
        return Err(Error::invalid(
            "paymentReference",
            "The reference must be at most 200 characters.",
        ));
    }
    sqlx::query(
        "UPDATE payments SET status = 'paid', paid_at = ?, payment_reference = coalesce(?, payment_reference), notes = coalesce(?, notes),
             method = ?, provider = 'manual', manually_marked = 1, marked_by = ?, updated_at = ? WHERE id = ?",
    )
    .bind(paid_at)
    .bind(&reference)
    .bind(opt_trim(m.notes.clone()))
    .bind(opt_trim(m.method.clone()))
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // The lines of a consolidated payment are paid with it (cost recovery per asset reads them).
    sqlx::query(
        "UPDATE payments SET status = 'paid', paid_at = ?, payment_reference = ?, method = ?, provider = 'manual', manually_marked = 1,
             marked_by = ?, updated_at = ? WHERE consolidated_into = ?",
    )
    .bind(paid_at)
    .bind(&reference)
    .bind(opt_trim(m.method.clone()))
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // Cost recovery: the net amount collected goes to its subscription(s) (less what part
    // payments brought already).
    adjust_collected(conn, ctx, &st, st.received, st.total).await?;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: id,
            action: "paid",
            summary: format!(
                "Marked paid: {}{}",
                ctx.bu.amount_text(st.total),
                reference
                    .map(|r| format!(" (ref. {r})"))
                    .unwrap_or_default()
            ),
            before: Some(serde_json::json!({ "status": st.status })),
            after: Some(serde_json::json!({ "status": "paid", "paidAt": paid_at })),
        },
    )
    .await?;
    if with_op {
        crate::services::outbox::record(
            conn,
            ctx,
            payment_op(
                id,
                OpKind::PaymentMarkPaid,
                &st,
                &MarkPaid {
                    paid_at: Some(paid_at.to_string()),
                    ..m.clone()
                },
            ),
        )
        .await?;
    }
    emit_payment(conn, ctx, "payment.succeeded", id).await
}

/// A payment's status change as an op (marked paid, failed, cancelled).
pub(super) fn payment_op<T: serde::Serialize>(
    id: &str,
    kind: OpKind,
    st: &State,
    body: &T,
) -> crate::services::outbox::Op {
    let mut refs = vec![crate::services::outbox::r("payment", id)];
    refs.extend(
        st.rental_id
            .as_deref()
            .map(|r| crate::services::outbox::r("rental", r)),
    );
    crate::services::outbox::Op::new(kind, Some(id), body)
        .touching(refs)
        .saying(format!("Payment {id}: {}", kind.as_str()))
}

/// Queue a `payment.*` event: the ids a receiver routes on, the amount, and the whole payment
/// as `GET /v1/payments/{id}` returns it.
pub(super) async fn emit_payment(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    id: &str,
) -> Result<()> {
    let hooks = crate::services::webhooks::Hooks::of(conn, ctx).await?;
    if !hooks.wants(event) {
        return Ok(());
    }
    let p = get_in(conn, &ctx.bu, id, ctx.today()).await?;
    let data = serde_json::json!({
        "paymentId": p.payment_id,
        "subscriptionId": p.rental_id,
        "customerId": p.customer_id,
        "billingGroupId": p.billing_group_id,
        "status": p.status,
        "amount": crate::money::to_wire_value(&p.total),
        "currency": p.currency,
        "paidAt": p.paid_at,
        "failureReason": if p.status == PaymentStatus::Failed { p.last_capture_error.as_ref().map(|e| e.message.clone()) } else { None },
        "payment": crate::money::to_wire_value(&p),
    });
    hooks.emit(conn, ctx, event, data).await
}

pub async fn mark_paid(db: &Db, ctx: &Ctx, id: &str, m: MarkPaid) -> Result<Payment> {
    let paid_at = paid_at_of(ctx, m.paid_at.as_deref())?;
    let mut tx = db.write().await?;
    mark_paid_in(&mut tx, ctx, id, &m, &paid_at).await?;
    let p = get_in(&mut tx, &ctx.bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Mark several payments paid in one transaction: all of them, or none (the error names the
/// payment that stopped it).
pub async fn mark_paid_many(
    db: &Db,
    ctx: &Ctx,
    ids: &[String],
    m: MarkPaid,
) -> Result<Vec<Payment>> {
    if ids.is_empty() {
        return Err(Error::invalid("paymentIds", "Choose at least one payment."));
    }
    if ids.len() > 500 {
        return Err(Error::invalid(
            "paymentIds",
            "At most 500 payments at once.",
        ));
    }
    let paid_at = paid_at_of(ctx, m.paid_at.as_deref())?;
    let mut tx = db.write().await?;
    for id in ids {
        mark_paid_in(&mut tx, ctx, id, &m, &paid_at).await?;
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get_in(&mut tx, &ctx.bu, id, ctx.today()).await?);
    }
    tx.commit().await?;
    Ok(out)
}

pub(super) fn need_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::invalid("reason", "Say why (a reason is required)."));
    }
    if r.chars().count() > 1000 {
        return Err(Error::invalid(
            "reason",
            "The reason must be at most 1000 characters.",
        ));
    }
    Ok(r.to_string())
}

/// Record that collecting a payment failed (declined card, bounced transfer). It stays open.
pub async fn mark_failed(db: &Db, ctx: &Ctx, id: &str, reason: &str) -> Result<Payment> {
    let reason = need_reason(reason)?;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, &ctx.bu, id).await?;
    st.collectable(id)?;
    sqlx::query(
        "UPDATE payments SET status = 'failed', failed_at = ?, last_error = ?, capture_attempts = capture_attempts + 1, updated_at = ? WHERE id = ?",
    )
    .bind(&ctx.now)
    .bind(&reason)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    reasoned(
        tx,
        ctx,
        id,
        &st,
        OpKind::PaymentMarkFailed,
        &reason,
        Some("payment.failed"),
        PaymentStatus::Failed,
        format!("Collection failed: {reason}"),
    )
    .await
}

/// The net share of `net` in `kept` of a payment's `total` (rounded half away from zero): what
/// part payments put into cost recovery and money collected, exactly `net` once all is kept.
pub fn net_share(net: i64, kept: i64, total: i64) -> i64 {
    if total == 0 || kept == total {
        return if kept == total { net } else { 0 };
    }
    let q = net as i128 * kept as i128;
    let t = total as i128;
    let r = (q.abs() * 2 + t) / (2 * t);
    (if q < 0 { -r } else { r }) as i64
}

/// Cost recovery follows the money kept on the payment `st` going from `from` to `to` (minor
/// units of its total: 0 open, the total paid, a part between): its subscription's net share
/// moves, or each line's for a consolidated one.
pub(super) async fn adjust_collected(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    st: &State,
    from: i64,
    to: i64,
) -> Result<()> {
    let lines: Option<Vec<LineItem>> = json_col(st.line_items.as_deref());
    let parts: Vec<(String, i64)> = match (lines, &st.rental_id) {
        (Some(lines), _) if !lines.is_empty() => lines
            .into_iter()
            .map(|l| {
                let net = ctx.bu.minor("amount", l.amount).unwrap_or(0);
                (l.rental_id, net)
            })
            .collect(),
        (_, Some(rid)) => vec![(rid.clone(), st.net)],
        _ => vec![],
    };
    for (rental, net) in parts {
        let delta = net_share(net, to, st.total) - net_share(net, from, st.total);
        if delta == 0 {
            continue;
        }
        sqlx::query("UPDATE subscriptions SET total_collected = max(0, total_collected + ?), updated_at = ? WHERE id = ?")
            .bind(delta)
            .bind(&ctx.now)
            .bind(&rental)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The end of a status change made for a reason: its op for the remote, its event when it has
/// one, its timeline entry, the payment as it is now, commit.
#[allow(clippy::too_many_arguments)]
pub(super) async fn reasoned(
    mut tx: crate::store::Tx,
    ctx: &Ctx,
    id: &str,
    st: &State,
    kind: OpKind,
    reason: &str,
    event: Option<&str>,
    to: PaymentStatus,
    summary: String,
) -> Result<Payment> {
    crate::services::outbox::record(
        &mut tx,
        ctx,
        payment_op(
            id,
            kind,
            st,
            &ReasonBody {
                reason: Some(reason),
            },
        ),
    )
    .await?;
    if let Some(event) = event {
        emit_payment(&mut tx, ctx, event, id).await?;
    }
    changed(tx, ctx, id, st.status, to, summary).await
}

/// The end of a status change: its timeline entry, the payment as it is now, commit.
pub(super) async fn changed(
    mut tx: crate::store::Tx,
    ctx: &Ctx,
    id: &str,
    from: PaymentStatus,
    to: PaymentStatus,
    summary: String,
) -> Result<Payment> {
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: id,
            action: to.as_str(),
            summary,
            before: Some(serde_json::json!({ "status": from })),
            after: Some(serde_json::json!({ "status": to })),
        },
    )
    .await?;
    let p = get_in(&mut tx, &ctx.bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Void a payment that will not be collected. Pending and failed payments only.
pub async fn cancel(db: &Db, ctx: &Ctx, id: &str, reason: &str) -> Result<Payment> {
    let reason = need_reason(reason)?;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, &ctx.bu, id).await?;
    match st.status {
        PaymentStatus::Paid => {
            return Err(Error::new(
                ErrorCode::AlreadyPaid,
                format!("Payment {id} is paid; refunds happen with the payment provider."),
            ))
        }
        PaymentStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Payment {id} is already cancelled."),
            ))
        }
        PaymentStatus::Processing => {
            return Err(Error::new(
                ErrorCode::PaymentProcessing,
                format!("Payment {id} is being processed; wait for its outcome."),
            ))
        }
        _ => {}
    }
    st.settled_through_group(id)?;
    // A consolidated payment is cancelled with its lines.
    sqlx::query(
        "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ? WHERE id = ? OR consolidated_into = ?",
    )
    .bind(&reason)
    .bind(&ctx.now)
    .bind(id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    reasoned(
        tx,
        ctx,
        id,
        &st,
        OpKind::PaymentCancel,
        &reason,
        None,
        PaymentStatus::Cancelled,
        format!("Cancelled: {reason}"),
    )
    .await
}

/// Late fees under the business unit's setting: once per payment, on open payments more than
/// `lateFeeGraceDays` past due (and past the due date of their invoice, which is later when it
/// was issued late), `limit` of them after the id `after` (in id order). Flat amount
/// or a percentage of the amount due. Returns how many payments got a fee, and the last id when
/// there may be more. Idempotent.
pub(crate) async fn apply_late_fees(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    after: &str,
    limit: i64,
) -> Result<(u64, Option<String>)> {
    let s = &ctx.bu.settings;
    if s.late_fee_kind == LateFeeKind::None {
        return Ok((0, None));
    }
    let cutoff = ctx.today() - chrono::Days::new(s.late_fee_grace_days as u64);
    let due: Vec<(String, i64)> = sqlx::query_as(
        "SELECT id, total FROM payments WHERE bu_id = ?1 AND status IN ('pending', 'failed') AND consolidated_into IS NULL
         AND due_date < ?2 AND late_fee_amount = 0 AND total > 0 AND id > ?3
         AND (invoice_id IS NULL OR (SELECT i.due_date FROM invoices i WHERE i.id = payments.invoice_id) < ?2)
         ORDER BY id LIMIT ?4",
    )
    .bind(&ctx.bu.id)
    .bind(day_text(cutoff))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let last = (due.len() as i64 == limit)
        .then(|| due.last().map(|d| d.0.clone()))
        .flatten();
    let e = ctx.bu.currency_exponent;
    let mut n = 0;
    for (id, total) in due {
        // A fee that cannot be charged stops this unit's run with the reason (settings saved
        // before amounts were checked), never a fee of nothing.
        let fee = match s.late_fee_kind {
            LateFeeKind::Flat => s.late_fee_amount.to_minor(e).map_err(|x| {
                Error::invalid(
                    "settings.lateFeeAmount",
                    format!("The late fee: {}", x.message),
                )
            })?,
            LateFeeKind::Percentage => {
                let v = Money::from_minor(total, e) * (s.late_fee_pct / Decimal::from(100));
                v.round(e).to_minor(e)?
            }
            LateFeeKind::None => 0,
        };
        if fee <= 0 {
            continue;
        }
        sqlx::query("UPDATE payments SET late_fee_amount = ?, total = total + ?, updated_at = ? WHERE id = ? AND late_fee_amount = 0")
            .bind(fee)
            .bind(fee)
            .bind(&ctx.now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        record(conn, &ctx.actor, ctx.at, Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: &id,
            action: "late_fee",
            summary: format!("Late fee of {} added", ctx.bu.amount_text(fee)),
            before: Some(serde_json::json!({ "total": ctx.bu.money(total) })),
            after: Some(serde_json::json!({ "total": ctx.bu.money(total + fee), "lateFeeAmount": ctx.bu.money(fee) })),
        })
        .await?;
        n += 1;
    }
    Ok((n, last))
}
