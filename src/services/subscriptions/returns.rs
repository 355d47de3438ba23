//! Early return, completion and the returns desk (what a scanned serial means, booking it in).

use super::*;

// ---------------------------------------------------------------------------------------------
// Early return, completion and the returns desk

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct EarlyReturnInput {
    pub return_condition: Option<String>,
    /// A fee set by hand (`manual`); otherwise the business unit's policy.
    pub early_return_fee: Option<Money>,
    pub waive_fee: Option<bool>,
    pub reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub notes: Option<String>,
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedEarly {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub early_return_fee: Money,
    pub currency: String,
    pub actual_months_rented: u32,
    pub return_date: String,
    pub message: String,
    pub rental: Rental,
}

pub(super) struct EarlyArgs {
    pub(super) condition: ReturnCondition,
    pub(super) manual_fee: Option<i64>,
    pub(super) waive: bool,
    pub(super) reason: String,
    pub(super) damage: Option<String>,
    pub(super) notes: Option<String>,
}

pub(super) fn early_args(bu: &BusinessUnit, input: EarlyReturnInput) -> Result<EarlyArgs> {
    let condition = match opt_trim(input.return_condition) {
        Some(c) => ReturnCondition::parse_field("returnCondition", &c.to_lowercase())?,
        None => {
            return Err(Error::invalid(
                "returnCondition",
                "Record the condition: excellent, good, fair, poor or damaged.",
            ))
        }
    };
    let manual_fee = match input.early_return_fee {
        Some(f) if f.is_negative() => {
            return Err(Error::at_field(
                ErrorCode::InvalidFee,
                "earlyReturnFee",
                "The early-return fee cannot be negative.",
            ))
        }
        Some(f) => Some(f.to_minor(bu.currency_exponent).map_err(|_| {
            Error::at_field(
                ErrorCode::InvalidFee,
                "earlyReturnFee",
                format!("{f} has more decimals than {} allows.", bu.currency),
            )
        })?),
        None => None,
    };
    let reason = text_field("reason", input.reason, 1000, "The reason")?.ok_or_else(|| {
        Error::invalid(
            "reason",
            "Say why it came back early (a reason is required).",
        )
    })?;
    Ok(EarlyArgs {
        condition,
        manual_fee,
        waive: input.waive_fee.unwrap_or(false),
        reason,
        damage: text_field(
            "damageAssessment",
            input.damage_assessment,
            2000,
            "The damage assessment",
        )?,
        notes: text_field(
            "notes",
            input.notes,
            crate::domain::limits::Notes::MAX_CHARS,
            "Notes",
        )?,
    })
}

pub(super) async fn early_return_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    eff: NaiveDate,
    a: EarlyArgs,
) -> Result<(i64, u32, String)> {
    let bu = &ctx.bu;
    let remaining = payments::remaining_months(conn, &row.id, eff).await?;
    let (_, q) = early_view(bu, row, eff, remaining);
    let (fee, method, calc) = match (a.waive, a.manual_fee) {
        (true, _) => (0, "manual".to_string(), "manual_override"),
        (false, Some(f)) => (f, "manual".to_string(), "manual_override"),
        (false, None) => (q.fee, q.method.as_str().to_string(), "auto_calculated"),
    };
    let cancelled = payments::cancel_after(conn, &row.id, eff, "Returned early", &ctx.now).await?;
    let undone = if q.grace_period_applied && bu.settings.grace_return_undoes_first_month {
        Some(undo_first_months(conn, ctx, row, eff).await?)
    } else {
        None
    };
    billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let charge = if fee > 0 {
        vec![
            payments::insert_charge(
                conn,
                &row.payer(bu, &ctx.now),
                PaymentKind::EarlyReturnFee,
                eff,
                row.tax(bu).split(fee),
            )
            .await?,
        ]
    } else {
        vec![]
    };
    let payment_id = charge.first().map(|p| p.id.clone());
    webhooks::emit_scheduled(conn, ctx, &row.id, &charge).await?;
    let details = EarlyReturnDetails {
        fee: bu.money(fee),
        fee_waived: a.waive,
        calculation_method: calc.into(),
        calculation_breakdown: EarlyReturnBreakdown {
            method,
            remaining_months: remaining,
            grace_period_applied: q.grace_period_applied,
            days_from_start: q.days_from_start,
        },
        return_condition: a.condition,
        reason: a.reason.clone(),
        damage_assessment: a.damage,
        notes: a.notes,
        processed_by: ActorRef::from(&ctx.actor),
        returned_at: ctx.now.clone(),
        payment_id,
    };
    let details = serde_json::to_string(&details)?;
    end_row(
        conn,
        &row.id,
        Ending::EarlyReturn { details: &details },
        &day_text(eff),
        &ctx.now,
    )
    .await?;
    back_in(conn, ctx, row, eff, Some(a.condition), "returned_early").await?;
    let fee_text = if a.waive {
        "fee waived".to_string()
    } else {
        format!("fee {}", bu.amount_text(fee))
    };
    event(
        conn,
        ctx,
        "subscription",
        &row.id,
        "early_return",
        format!(
            "Returned early on {} ({fee_text}; {cancelled} future payments cancelled{}): {}",
            day_text(eff),
            undone.map(|u| u.text(bu)).unwrap_or_default(),
            a.reason
        ),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_early_return" }),
        )),
    )
    .await?;
    let said = undone.map(|u| u.text(bu)).unwrap_or_default();
    Ok((fee, months_between(row.start(), eff), said))
}

/// What a return within the grace period undid of the months up to the return date.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Undone {
    /// Open payments cancelled (not yet invoiced).
    pub cancelled: u64,
    /// Invoices credited (a credit note each).
    pub credited: u64,
    /// Paid already, minor units: for the business to pay back (FlexDesk records no refunds).
    pub to_refund: i64,
}

impl Undone {
    fn text(&self, bu: &BusinessUnit) -> String {
        let mut t = format!(
            "; within the grace period: {} earlier payment(s) cancelled, {} invoice(s) credited",
            self.cancelled, self.credited
        );
        if self.to_refund > 0 {
            t.push_str(&format!(
                ", {} paid to refund",
                bu.amount_text(self.to_refund)
            ));
        }
        t
    }
}

/// A return within the grace period undoes the months up to the return date as well (the unit's
/// `graceReturnUndoesFirstMonth`): their open payments not yet invoiced are cancelled, and each
/// invoice issued for one of them alone is credited. A payment invoiced as a line of a billing
/// group's invoice stays: that invoice is corrected by hand. What was paid is counted for refund.
async fn undo_first_months(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    eff: NaiveDate,
) -> Result<Undone> {
    let reason = format!(
        "Returned within the {}-day grace period",
        ctx.bu.settings.grace_period_days
    );
    let before = "rental_id = ? AND kind IN ('rent', 'prorated') AND period_start <= ?";
    let cancelled = sqlx::query(&format!(
        "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ?
         WHERE {before} AND status IN ('pending', 'failed') AND invoice_id IS NULL AND consolidated_into IS NULL"
    ))
    .bind(&reason)
    .bind(&ctx.now)
    .bind(&row.id)
    .bind(day_text(eff))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let to_refund: i64 = sqlx::query_scalar(&format!(
        "SELECT coalesce(sum(total - amount_refunded), 0) FROM payments WHERE {before} AND status = 'paid'"
    ))
    .bind(&row.id)
    .bind(day_text(eff))
    .fetch_one(&mut *conn)
    .await?;
    let invoices: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT i.id FROM payments p JOIN invoices i ON i.id = p.invoice_id
         WHERE p.rental_id = ? AND p.kind IN ('rent', 'prorated') AND p.period_start <= ?
           AND p.status <> 'cancelled' AND i.kind = 'invoice'
           AND NOT EXISTS (SELECT 1 FROM invoices c WHERE c.corrects_id = i.id)",
    )
    .bind(&row.id)
    .bind(day_text(eff))
    .fetch_all(&mut *conn)
    .await?;
    for id in &invoices {
        crate::services::invoices::credit_in(&mut *conn, ctx, id, &reason).await?;
    }
    Ok(Undone {
        cancelled,
        credited: invoices.len() as u64,
        to_refund,
    })
}

/// The device is back at the warehouse: `returned` (awaiting inspection) with its condition.
pub(super) async fn back_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    on: NaiveDate,
    condition: Option<ReturnCondition>,
    why: &str,
) -> Result<()> {
    set_asset(
        conn,
        ctx,
        row.asset_id,
        AssetStatus::Returned,
        None,
        None,
        condition.map(|c| c.as_str()),
    )
    .await?;
    close_assignment(conn, ctx, row.asset_id, &row.id, &row.customer_id, on, why).await?;
    event(
        conn,
        ctx,
        "asset",
        &row.serial_number,
        "returned",
        format!(
            "Back from {}{}; awaiting inspection",
            row.customer_name,
            condition.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "returned", "condition": condition }),
        )),
    )
    .await
}

pub async fn early_return(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    input: EarlyReturnInput,
) -> Result<ReturnedEarly> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let eff_raw = input.effective_date.clone();
    let args = early_args(bu, input)?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let eff = effective_date(eff_raw.as_deref(), &row, ctx.today())?;
    let (fee, months, undone) = early_return_in(&mut tx, ctx, &row, eff, args).await?;
    let rental = ended(
        &mut tx,
        ctx,
        &row,
        "early_return",
        OpKind::SubscriptionEarlyReturn,
        op_body,
    )
    .await?;
    tx.commit().await?;
    Ok(ReturnedEarly {
        message: format!(
            "{} returned early; fee {}{undone}.",
            row.serial_number,
            bu.amount_text(fee)
        ),
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        early_return_fee: bu.money(fee),
        currency: bu.currency.clone(),
        actual_months_rented: months,
        return_date: day_text(eff),
        rental,
    })
}

/// What scanning a serial at the returns desk means.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnCheck {
    /// `early_return` (before the end date, a fee may apply), `completion` (on or after the end
    /// date) or `collection` (its subscription has already ended; the device is coming home).
    pub case: String,
    pub serial_number: String,
    pub product_name: String,
    pub rental: Rental,
    pub early_return_quote: Option<EarlyReturnQuoteView>,
}

pub(super) async fn return_case(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    serial_number: &str,
) -> Result<(Row, String, Option<EarlyReturnQuoteView>)> {
    let bu = &ctx.bu;
    let asset = asset_by_serial(conn, bu, serial_number).await?;
    let rid = match (&asset.rental_id, asset.status.as_str()) {
        (Some(rid), "rented_out") => rid.clone(),
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidStatus,
                format!(
                    "Serial {} is {}, not out with a customer; nothing to return.",
                    asset.serial_number,
                    asset.status.replace('_', " ")
                ),
            ))
        }
    };
    let row = row_in(conn, bu, &rid).await?;
    let today = ctx.today();
    if row.status() != SubscriptionStatus::Active {
        return Ok((row, "collection".into(), None));
    }
    if today >= row.end() {
        return Ok((row, "completion".into(), None));
    }
    let remaining = payments::remaining_months(conn, &row.id, today).await?;
    let q = early_view(bu, &row, today.max(row.start()), remaining).0;
    Ok((row, "early_return".into(), Some(q)))
}

pub async fn check_return(db: &Db, ctx: &Ctx, serial_number: &str) -> Result<ReturnCheck> {
    let mut conn = db.pool().acquire().await?;
    let (row, case, quote) = return_case(&mut conn, ctx, serial_number).await?;
    Ok(ReturnCheck {
        case,
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        rental: row.to_rental(&ctx.bu, ctx.today()),
        early_return_quote: quote,
    })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ReceiveInput {
    pub serial_number: String,
    pub return_condition: Option<String>,
    pub early_return_fee: Option<Money>,
    pub waive_fee: Option<bool>,
    pub reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub case: String,
    pub rental: Rental,
    pub fee: Money,
    pub message: String,
}

/// Book a device in at the returns desk: early return (with the fee), completion, or the
/// collection of a device whose subscription had already ended. The asset becomes `returned`.
pub async fn receive_return(db: &Db, ctx: &Ctx, input: ReceiveInput) -> Result<Received> {
    let mut op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let today = ctx.today();
    let serial_number = input.serial_number.clone();
    let mut tx = db.write().await?;
    let (row, case, _) = return_case(&mut tx, ctx, &serial_number).await?;
    let condition = match opt_trim(input.return_condition.clone()) {
        Some(c) => ReturnCondition::parse_field("returnCondition", &c.to_lowercase())?,
        None => {
            return Err(Error::invalid(
                "returnCondition",
                "Record the condition: excellent, good, fair, poor or damaged.",
            ))
        }
    };
    let (fee, message) = match case.as_str() {
        "early_return" => {
            let reason = opt_trim(input.reason.clone())
                .unwrap_or_else(|| "Returned at the desk before the end date".into());
            let eff = today.max(row.start());
            let early = EarlyReturnInput {
                return_condition: Some(condition.as_str().into()),
                early_return_fee: input.early_return_fee,
                waive_fee: input.waive_fee,
                reason: Some(reason),
                damage_assessment: input.damage_assessment.clone(),
                notes: input.notes.clone(),
                effective_date: None,
            };
            // Pushed as the documented early return, on the day it happened here.
            op_body = crate::money::to_wire_value(&EarlyReturnInput {
                effective_date: Some(day_text(eff)),
                ..early.clone()
            });
            let args = early_args(bu, early)?;
            let (fee, _, undone) = early_return_in(&mut tx, ctx, &row, eff, args).await?;
            (
                fee,
                format!(
                    "{} returned early; fee {}{undone}.",
                    row.serial_number,
                    bu.amount_text(fee)
                ),
            )
        }
        "completion" => {
            let cancelled = payments::cancel_after(
                &mut tx,
                &row.id,
                today,
                "Returned at contract end",
                &ctx.now,
            )
            .await?;
            billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
            end_row(
                &mut tx,
                &row.id,
                Ending::Completed,
                &day_text(today),
                &ctx.now,
            )
            .await?;
            back_in(&mut tx, ctx, &row, today, Some(condition), "completed").await?;
            event(
                &mut tx,
                ctx,
                "subscription",
                &row.id,
                "completed",
                format!(
                    "Completed: device returned on {} ({cancelled} later payments cancelled)",
                    day_text(today)
                ),
                Some((
                    serde_json::json!({ "status": "active" }),
                    serde_json::json!({ "status": "ended_completed" }),
                )),
            )
            .await?;
            (
                0,
                format!("{} returned; subscription completed.", row.serial_number),
            )
        }
        _ => {
            back_in(&mut tx, ctx, &row, today, Some(condition), "collected").await?;
            (
                0,
                format!("{} is back from {}.", row.serial_number, row.customer_name),
            )
        }
    };
    let rental = if case == "early_return" {
        ended(
            &mut tx,
            ctx,
            &row,
            "early_return",
            OpKind::SubscriptionEarlyReturn,
            op_body,
        )
        .await?
    } else {
        let rental = get_in(&mut tx, bu, &row.id, today).await?;
        if case == "completion" {
            emit_subscription(
                &mut tx,
                ctx,
                "subscription.ended",
                &rental,
                serde_json::json!({ "reason": "completed" }),
            )
            .await?;
        }
        // A completion or a collection has no v1 operation of its own: FlexDesk's returns desk.
        crate::services::outbox::record(
            &mut tx,
            ctx,
            Op::new(OpKind::ReturnReceive, Some(&row.id), &op_body)
                .touching([r("rental", &row.id), r("asset", &row.serial_number)])
                .saying(format!("{} received back ({case})", row.serial_number)),
        )
        .await?;
        rental
    };
    tx.commit().await?;
    Ok(Received {
        case,
        rental,
        fee: bu.money(fee),
        message,
    })
}
