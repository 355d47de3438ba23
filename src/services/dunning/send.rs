//! Sending reminders: each letter recorded as it was sent (its payments, amounts and step), its
//! fee charged as a payment of its own, and both on the timelines; the letter is printed from
//! that record, in the invoice's style.

use super::*;
use crate::services::payments::{charge_in, Charge};

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SendInput {
    /// The customers whose proposed letters go out now.
    pub customer_ids: Vec<String>,
}

/// A reminder as sent.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Reminder {
    pub reminder_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub level: u32,
    pub level_name: String,
    pub total_open: Money,
    /// The fee charged with it, as its own payment.
    pub fee_payment_id: Option<String>,
    pub sent_on: String,
    pub sent_by: String,
    /// The address its letter was mailed to (queued, then sent when the desk is online).
    pub mailed_to: Option<String>,
    pub items: Vec<DunningItem>,
}

/// Send the proposed letters of `input.customer_ids` (one transaction: all or none).
pub async fn send(db: &Db, ctx: &Ctx, input: SendInput) -> Result<Vec<Reminder>> {
    if input.customer_ids.is_empty() {
        return Err(Error::invalid("customerIds", "Choose whom to remind."));
    }
    if input.customer_ids.len() > 500 {
        return Err(Error::invalid(
            "customerIds",
            "At most 500 letters at once.",
        ));
    }
    let bu = &ctx.bu;
    let today = ctx.today();
    let mut tx = db.write().await?;
    let due = proposals_in(&mut tx, bu, today, Some(&input.customer_ids)).await?;
    if let Some(missing) = input
        .customer_ids
        .iter()
        .find(|c| !due.proposals.iter().any(|p| &p.customer_id == *c))
    {
        let why = if due.held.iter().any(|h| &h.customer_id == missing) {
            "their reminders are held"
        } else {
            "no letter is due for them today (paid, or this step was sent)"
        };
        return Err(Error::new(
            crate::ErrorCode::Conflict,
            format!("Customer {missing}: {why}; nothing was sent."),
        ));
    }
    let mut sent = Vec::with_capacity(due.proposals.len());
    for p in due.proposals {
        let id = crate::ids::new_id(crate::ids::prefix::REMINDER);
        let fee_payment_id = fee(&mut tx, ctx, &p).await?;
        sqlx::query(
            "INSERT INTO reminders (id, bu_id, customer_id, level, level_name, total_open, fee_payment_id, sent_on, sent_at, sent_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&bu.id)
        .bind(&p.customer_id)
        .bind(p.level)
        .bind(&p.level_name)
        .bind(bu.minor("totalOpen", p.total_open)?)
        .bind(&fee_payment_id)
        .bind(day_text(today))
        .bind(&ctx.now)
        .bind(&ctx.actor.name)
        .execute(&mut *tx)
        .await?;
        for i in &p.items {
            sqlx::query(
                "INSERT INTO reminder_items (reminder_id, payment_id, level, due_date, days_overdue, amount_open, invoice_number, description)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&i.payment_id)
            .bind(i.level)
            .bind(&i.due_date)
            .bind(i.days_overdue)
            .bind(bu.minor("amountOpen", i.amount_open)?)
            .bind(&i.invoice_number)
            .bind(&i.description)
            .execute(&mut *tx)
            .await?;
            record(
                &mut tx,
                &ctx.actor,
                ctx.at,
                Entry {
                    bu_id: Some(&bu.id),
                    entity_type: "payment",
                    entity_id: &i.payment_id,
                    action: "reminded",
                    summary: format!("{} sent ({} days overdue)", i.level_name, i.days_overdue),
                    before: None,
                    after: Some(serde_json::json!({ "reminderId": id, "level": i.level })),
                },
            )
            .await?;
        }
        record(
            &mut tx,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "customer",
                entity_id: &p.customer_id,
                action: "reminded",
                summary: format!(
                    "{} sent: {} overdue payment(s), {} open",
                    p.level_name,
                    p.items.len(),
                    bu.amount_text(bu.minor("totalOpen", p.total_open)?)
                ),
                before: None,
                after: Some(serde_json::json!({ "reminderId": id, "level": p.level })),
            },
        )
        .await?;
        let mut mailed_to = None;
        if let Some(to) = p.email.as_deref() {
            let (subject, body) = super::letter::mail_text(bu, &p)?;
            if crate::services::mail::queue_reminder(&mut tx, ctx, &id, to, &subject, &body).await?
            {
                mailed_to = Some(to.to_string());
            }
        }
        sent.push(Reminder {
            reminder_id: id,
            customer_id: p.customer_id,
            customer_name: p.customer_name,
            level: p.level,
            level_name: p.level_name,
            total_open: p.total_open,
            fee_payment_id,
            sent_on: day_text(today),
            sent_by: ctx.actor.name.clone(),
            mailed_to,
            items: p.items,
        });
    }
    tx.commit().await?;
    Ok(sent)
}

/// The step's fee, charged on the subscription of the letter's first payment (for a billing
/// group's consolidated payment, which has none of its own, its first member's).
async fn fee(conn: &mut SqliteConnection, ctx: &Ctx, p: &Proposal) -> Result<Option<String>> {
    if p.fee.0.is_zero() {
        return Ok(None);
    }
    let bu = &ctx.bu;
    let mut rental: Option<String> = None;
    for i in &p.items {
        let found: Option<Option<String>> = sqlx::query_scalar(
            "SELECT coalesce(p.rental_id,
                    (SELECT m.rental_id FROM payments m WHERE m.consolidated_into = p.id AND m.rental_id IS NOT NULL
                     ORDER BY m.rental_id LIMIT 1))
             FROM payments p WHERE p.id = ?",
        )
        .bind(&i.payment_id)
        .fetch_optional(&mut *conn)
        .await?;
        rental = found.flatten();
        if rental.is_some() {
            break;
        }
    }
    let Some(rental) = rental else {
        return Ok(None);
    };
    let sub = crate::store::subscriptions::get(conn, &bu.id, &rental)
        .await?
        .ok_or_else(|| Error::not_found("Subscription", &rental))?;
    let amount = bu.minor("fee", p.fee)?;
    let row = charge_in(
        conn,
        ctx,
        &sub,
        Charge {
            label: format!("{} fee", p.level_name),
            amounts: sub.tax_rule(bu.currency_exponent).split(amount),
            due: ctx.today() + chrono::Days::new(bu.settings.payment_terms_days.into()),
            id: None,
        },
    )
    .await?;
    Ok(Some(row.id))
}

/// The reminders sent to a customer, newest first (or the latest 200 of the unit).
pub async fn sent(db: &Db, bu: &BusinessUnit, customer_id: Option<&str>) -> Result<Vec<Reminder>> {
    read(db, bu, customer_id, None).await
}

/// Reminders of the unit, newest first (at most 200): a customer's, or the one `reminder_id`.
pub(super) async fn read(
    db: &Db,
    bu: &BusinessUnit,
    customer_id: Option<&str>,
    reminder_id: Option<&str>,
) -> Result<Vec<Reminder>> {
    #[derive(sqlx::FromRow)]
    struct SentRow {
        id: String,
        customer_id: String,
        customer_name: String,
        level: i64,
        level_name: String,
        total_open: i64,
        fee_payment_id: Option<String>,
        sent_on: String,
        sent_by: String,
        mailed_to: Option<String>,
    }
    let rows: Vec<SentRow> = sqlx::query_as(
        concat!(
        "SELECT r.id, r.customer_id, ",
        crate::customer_name_sql!(),
        " AS customer_name,
                r.level, r.level_name, r.total_open, r.fee_payment_id, r.sent_on, r.sent_by,
                (SELECT m.to_address FROM mail_queue m WHERE m.reminder_id = r.id LIMIT 1) AS mailed_to
         FROM reminders r JOIN customers c ON c.id = r.customer_id
         WHERE r.bu_id = ? AND (? IS NULL OR r.customer_id = ?) AND (? IS NULL OR r.id = ?)
         ORDER BY r.sent_at DESC, r.id DESC LIMIT 200"
    ),
    )
    .bind(&bu.id)
    .bind(customer_id)
    .bind(customer_id)
    .bind(reminder_id)
    .bind(reminder_id)
    .fetch_all(db.pool())
    .await?;
    // Their payments, all in one read.
    type ItemRow = (
        String,
        String,
        i64,
        String,
        i64,
        i64,
        Option<String>,
        String,
    );
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let all: Vec<ItemRow> = sqlx::query_as(
        "SELECT reminder_id, payment_id, level, due_date, days_overdue, amount_open, invoice_number, description
         FROM reminder_items WHERE reminder_id IN (SELECT value FROM json_each(?)) ORDER BY due_date, payment_id",
    )
    .bind(serde_json::to_string(&ids)?)
    .fetch_all(db.pool())
    .await?;
    let mut items_of: std::collections::HashMap<String, Vec<ItemRow>> = Default::default();
    for i in all {
        items_of.entry(i.0.clone()).or_default().push(i);
    }
    let levels = &bu.settings.dunning;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let items = items_of.remove(&r.id).unwrap_or_default();
        out.push(Reminder {
            reminder_id: r.id,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            level: r.level as u32,
            level_name: r.level_name,
            total_open: bu.money(r.total_open),
            fee_payment_id: r.fee_payment_id,
            sent_on: r.sent_on,
            sent_by: r.sent_by,
            mailed_to: r.mailed_to,
            items: items
                .into_iter()
                .map(
                    |(_, payment_id, level, due_date, days, open, invoice_number, description)| {
                        DunningItem {
                            payment_id,
                            invoice_number,
                            description,
                            due_date,
                            days_overdue: days,
                            amount_open: bu.money(open),
                            level: level as u32,
                            level_name: levels
                                .get(level as usize - 1)
                                .map(|l| l.name.clone())
                                .unwrap_or_default(),
                        }
                    },
                )
                .collect(),
        });
    }
    Ok(out)
}
