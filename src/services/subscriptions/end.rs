//! Cancellation, notes, and the contract-end rules of the daily run.

use super::*;

// ---------------------------------------------------------------------------------------------
// Cancel, notes

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct CancelInput {
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Cancelled {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub previous_status: SubscriptionStatus,
    pub cancelled_at: String,
    pub message: String,
    pub rental: Rental,
}

/// Terminate a subscription (payment failure, fraud, admin decision). No fee; open payments for
/// later periods are voided; the device is expected back (the returns desk books it in).
pub async fn cancel(db: &Db, ctx: &Ctx, id: &str, input: CancelInput) -> Result<Cancelled> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let reason = match opt_trim(input.reason.clone()) {
        Some(r) => CancellationReason::parse_field("reason", &r)?,
        None => {
            return Err(Error::invalid(
                "reason",
                "Say why: customer_request, payment_failure, fraud, admin_decision or other.",
            ))
        }
    };
    let notes = text_field("notes", input.notes, 1000, "Notes")?;
    let mut tx = db.write().await?;
    let row = row_in(&mut tx, bu, id).await?;
    match row.status() {
        SubscriptionStatus::Active => {}
        SubscriptionStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Subscription {} is already cancelled.", row.id),
            ))
        }
        other => {
            return Err(Error::new(
                ErrorCode::AlreadyEnded,
                format!("Subscription {} has already ended ({other}).", row.id),
            ))
        }
    }
    let today = ctx.today().max(row.start());
    let n =
        payments::cancel_after(&mut tx, &row.id, today, "Subscription cancelled", &ctx.now).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let details = CancellationDetails {
        reason,
        notes,
        processed_by: ActorRef::from(&ctx.actor),
        cancelled_at: ctx.now.clone(),
        voided_at: None,
    };
    let details = serde_json::to_string(&details)?;
    end_row(
        &mut tx,
        &row.id,
        Ending::Cancelled {
            details: &details,
            void: false,
        },
        &day_text(today),
        &ctx.now,
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "cancelled",
        format!("Cancelled ({reason}); {n} future payments voided; device expected back"),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "cancelled" }),
        )),
    )
    .await?;
    let rental = ended(
        &mut tx,
        ctx,
        &row,
        "cancelled",
        OpKind::SubscriptionCancel,
        op_body,
    )
    .await?;
    tx.commit().await?;
    Ok(Cancelled {
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        previous_status: SubscriptionStatus::Active,
        cancelled_at: ctx.now.clone(),
        message: format!("Subscription {} cancelled.", row.id),
        rental,
    })
}

pub async fn set_notes(db: &Db, ctx: &Ctx, id: &str, notes: &str) -> Result<Rental> {
    crate::domain::limits::Notes::check("notes", notes)?;
    let mut tx = db.write().await?;
    let row = row_in(&mut tx, &ctx.bu, id).await?;
    sqlx::query("UPDATE subscriptions SET notes = ?, updated_at = ? WHERE id = ?")
        .bind(notes)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "notes",
        "Notes changed".into(),
        Some((
            serde_json::json!({ "notes": row.notes }),
            serde_json::json!({ "notes": notes }),
        )),
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::SubscriptionNotes,
            Some(&row.id),
            &NotesBody { notes },
        )
        .touching([r("rental", &row.id)])
        .saying(format!("Notes of {} changed", row.id)),
    )
    .await?;
    let r = get_in(&mut tx, &ctx.bu, &row.id, ctx.today()).await?;
    tx.commit().await?;
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Contract end (the daily run)

/// What one run of the contract-end rules did.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContractEndReport {
    /// Month-by-month payments added after the end date (`auto_renew_monthly`).
    pub renewal_payments: u64,
    /// Terms renewed (`auto_renew_same_term`).
    pub renewed_terms: u64,
    /// Ended `ended_completed` on their end date (`auto_terminate`).
    pub completed: u64,
    /// Past their end date, waiting for staff (`require_action`).
    pub needs_action: u64,
}

impl ContractEndReport {
    pub fn add(&mut self, o: &ContractEndReport) {
        self.renewal_payments += o.renewal_payments;
        self.renewed_terms += o.renewed_terms;
        self.completed += o.completed;
        self.needs_action += o.needs_action;
    }
}

/// Apply the business unit's contract-end setting to the active subscriptions past their end
/// date, `limit` of them after the id `after` (in id order); what it did, and the last id when
/// there may be more. Running it again the same day changes nothing.
pub(crate) async fn contract_end(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    after: &str,
    limit: i64,
) -> Result<(ContractEndReport, Option<String>)> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {} FROM subscriptions s WHERE s.bu_id = ? AND s.status = 'active' AND s.end_date <= ?
           AND s.id > ? ORDER BY s.id LIMIT ?",
        cols()
    ))
    .bind(&bu.id)
    .bind(day_text(today))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let last = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    let mut rep = ContractEndReport::default();
    for row in rows {
        match bu.settings.contract_end {
            ContractEnd::AutoRenewMonthly => {
                let terms = row.terms(bu);
                let mut slots = Vec::new();
                let mut k = row.contract_length as u32;
                loop {
                    let slot = terms.month(k, row.monthly_amount);
                    if slot.period_start > today || k >= 1200 {
                        break;
                    }
                    slots.push(slot);
                    k += 1;
                }
                let added = payments::insert_slots(conn, &row.payer(bu, &ctx.now), &slots).await?;
                rep.renewal_payments += added.len() as u64;
                webhooks::emit_scheduled(conn, ctx, &row.id, &added).await?;
                billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now)
                    .await?;
            }
            ContractEnd::AutoRenewSameTerm => {
                let mut cur = row.clone();
                let term = (row.original_contract_length as u32).max(1);
                while cur.end() <= today && cur.contract_length as u32 + term <= 1200 {
                    extend_in(
                        conn,
                        ctx,
                        &cur,
                        term,
                        cur.monthly_amount,
                        Some("Renewed automatically for the same term".into()),
                        None,
                    )
                    .await?;
                    cur = row_in(conn, bu, &row.id).await?;
                    rep.renewed_terms += 1;
                }
            }
            ContractEnd::AutoTerminate => {
                end_row(
                    conn,
                    &row.id,
                    Ending::Completed,
                    &day_text(row.end()),
                    &ctx.now,
                )
                .await?;
                payments::cancel_after(conn, &row.id, row.end(), "Contract ended", &ctx.now)
                    .await?;
                billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now)
                    .await?;
                event(
                    conn,
                    ctx,
                    "subscription",
                    &row.id,
                    "completed",
                    format!("Contract ended on {}; device expected back", row.end_date),
                    Some((
                        serde_json::json!({ "status": "active" }),
                        serde_json::json!({ "status": "ended_completed" }),
                    )),
                )
                .await?;
                let r = get_in(conn, bu, &row.id, today).await?;
                emit_subscription(
                    conn,
                    ctx,
                    "subscription.ended",
                    &r,
                    serde_json::json!({ "reason": "completed" }),
                )
                .await?;
                rep.completed += 1;
            }
            ContractEnd::RequireAction => rep.needs_action += 1,
        }
    }
    Ok((rep, last))
}
