//! Dunning: overdue money chased step by step. The unit's settings name the steps (a friendly
//! reminder 3 days after the due date, a first notice at 14, a final notice at 28, each with an
//! optional fee). Every day the letters due are proposed: one per customer, listing each of
//! their overdue payments that has reached a step it was not yet chased at. The accountant sends
//! all or some (`send`), or holds a customer (a dispute, an agreed plan) with a reason until a
//! day. A paid payment leaves the dunning by itself; a step is never sent twice for a payment.

use super::{day_text, opt_trim, parse_day, BusinessUnit, Ctx};
use crate::domain::settings::DunningLevel;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::store::{record, Db, Entry};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::SqliteConnection;
use ts_rs::TS;

mod letter;
mod send;
pub mod words;
pub use letter::{letter, letter_for_mail};
pub use send::*;

/// One overdue payment in a proposal or a letter.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct DunningItem {
    pub payment_id: String,
    pub invoice_number: Option<String>,
    pub description: String,
    pub due_date: String,
    pub days_overdue: i64,
    pub amount_open: Money,
    /// The step it is chased at now (1 = the first), and its name.
    pub level: u32,
    pub level_name: String,
}

/// The letter due to one customer: the highest step among its payments.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub customer_id: String,
    pub customer_name: String,
    pub email: Option<String>,
    pub level: u32,
    pub level_name: String,
    pub fee: Money,
    pub total_open: Money,
    pub items: Vec<DunningItem>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    pub customer_id: String,
    pub customer_name: String,
    pub reason: String,
    pub until: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Proposals {
    pub today: String,
    /// The language the letters are written in (the unit's), in its own name: "Nederlands".
    pub language: String,
    pub proposals: Vec<Proposal>,
    /// Customers held today, whose letters wait.
    pub held: Vec<Hold>,
}

/// The step an overdue payment has reached after `days` (1-based), if any.
pub fn step_of(levels: &[DunningLevel], days: i64) -> Option<u32> {
    levels
        .iter()
        .rposition(|l| days >= i64::from(l.days))
        .map(|i| i as u32 + 1)
}

#[derive(sqlx::FromRow)]
struct OpenRow {
    id: String,
    customer_id: String,
    customer_name: String,
    email: Option<String>,
    due_date: String,
    total: i64,
    amount_received: i64,
    kind: String,
    charge_label: Option<String>,
    billing_period: String,
    /// The billing group of a consolidated payment.
    group_name: Option<String>,
    invoice_number: Option<String>,
    sent: Option<i64>,
}

/// The letters due on `today` (the unit's business day), customers on hold apart. `only` keeps
/// the proposals of these customers.
pub(crate) async fn proposals_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    today: NaiveDate,
    only: Option<&[String]>,
) -> Result<Proposals> {
    let levels = &bu.settings.dunning;
    // What each payment is for, in the letter's language.
    let words = words::words(words::Lang::of(&bu.locale));
    let held = holds_in(conn, bu, today).await?;
    let rows: Vec<OpenRow> = sqlx::query_as(
        concat!(
        "SELECT p.id, p.customer_id, ",
        crate::customer_name_sql!(),
        " AS customer_name, c.email,
                p.due_date, p.total, p.amount_received, p.kind, p.charge_label, p.billing_period,
                (SELECT g.name FROM billing_groups g WHERE g.id = p.billing_group_id AND p.payment_type = 'consolidated') AS group_name,
                (SELECT i.number FROM invoices i WHERE i.id = p.invoice_id) AS invoice_number,
                (SELECT max(r.level) FROM reminder_items r WHERE r.payment_id = p.id) AS sent
         FROM payments p JOIN customers c ON c.id = p.customer_id
         WHERE p.bu_id = ? AND p.status IN ('pending', 'failed') AND p.consolidated_into IS NULL AND p.due_date < ?
         ORDER BY c.id, p.due_date, p.id"
    ),
    )
    .bind(&bu.id)
    .bind(day_text(today))
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Proposal> = vec![];
    for r in rows {
        if held.iter().any(|h| h.customer_id == r.customer_id)
            || only.is_some_and(|o| !o.contains(&r.customer_id))
        {
            continue;
        }
        let Ok(due) = NaiveDate::parse_from_str(&r.due_date, "%Y-%m-%d") else {
            continue;
        };
        let days = (today - due).num_days();
        let Some(step) = step_of(levels, days) else {
            continue;
        };
        if r.sent.is_some_and(|s| s >= i64::from(step)) {
            continue;
        }
        let level = &levels[step as usize - 1];
        let what = words.payment_text(&r.kind, r.charge_label.as_deref());
        let item = DunningItem {
            payment_id: r.id,
            invoice_number: r.invoice_number,
            // A billing group's payment says which group ("Rent 2026-02 · Acme IT").
            description: match &r.group_name {
                Some(g) => format!("{what} {} · {g}", r.billing_period),
                None => format!("{what} {}", r.billing_period),
            },
            due_date: r.due_date,
            days_overdue: days,
            amount_open: bu.money(r.total - r.amount_received),
            level: step,
            level_name: level.name.clone(),
        };
        match out.last_mut() {
            Some(p) if p.customer_id == r.customer_id => {
                p.total_open = p.total_open + item.amount_open;
                if step > p.level {
                    p.level = step;
                    p.level_name = level.name.clone();
                    p.fee = level.fee;
                }
                p.items.push(item);
            }
            _ => out.push(Proposal {
                customer_id: r.customer_id,
                customer_name: r.customer_name,
                email: r.email,
                level: step,
                level_name: level.name.clone(),
                fee: level.fee,
                total_open: item.amount_open,
                items: vec![item],
            }),
        }
    }
    Ok(Proposals {
        today: day_text(today),
        language: words.language.to_string(),
        proposals: out,
        held,
    })
}

/// The letters due today: every customer's, or one customer's (`customer_id`).
pub async fn proposals(db: &Db, ctx: &Ctx, customer_id: Option<&str>) -> Result<Proposals> {
    let only = customer_id.map(|c| vec![c.to_string()]);
    let mut conn = db.pool().acquire().await?;
    proposals_in(&mut conn, &ctx.bu, ctx.today(), only.as_deref()).await
}

async fn holds_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    today: NaiveDate,
) -> Result<Vec<Hold>> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        concat!(
        "SELECT h.customer_id, ",
        crate::customer_name_sql!(),
        ", h.reason, h.until, h.created_by
         FROM dunning_holds h JOIN customers c ON c.id = h.customer_id WHERE h.bu_id = ? AND h.until >= ? ORDER BY h.until"
    ),
    )
    .bind(&bu.id)
    .bind(day_text(today))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(customer_id, customer_name, reason, until, created_by)| Hold {
                customer_id,
                customer_name,
                reason,
                until,
                created_by,
            },
        )
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct HoldInput {
    pub customer_id: String,
    /// Why (a dispute, an agreed payment plan).
    pub reason: Option<String>,
    /// The last day of the hold (YYYY-MM-DD, today or later); left out, the hold ends.
    pub until: Option<String>,
}

/// Hold a customer's dunning until a day, or end the hold (`until` left out).
pub async fn hold(db: &Db, ctx: &Ctx, h: HoldInput) -> Result<Proposals> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let until = opt_trim(h.until.clone())
        .map(|u| parse_day("until", &u))
        .transpose()?;
    if let Some(u) = until {
        if u < today {
            return Err(Error::invalid(
                "until",
                "A hold lasts until today or a later day.",
            ));
        }
        crate::services::in_business_window("until", u, today)?;
    }
    let reason = crate::services::text_field("reason", h.reason.clone(), 500, "The reason")?;
    if until.is_some() && reason.is_none() {
        return Err(Error::invalid("reason", "Say why the reminders wait."));
    }
    let mut tx = db.write().await?;
    crate::services::customers::get_in(&mut tx, bu, &h.customer_id).await?;
    let summary = match until {
        Some(u) => {
            sqlx::query(
                "INSERT INTO dunning_holds (bu_id, customer_id, reason, until, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (bu_id, customer_id) DO UPDATE SET reason = excluded.reason, until = excluded.until,
                   created_at = excluded.created_at, created_by = excluded.created_by",
            )
            .bind(&bu.id)
            .bind(&h.customer_id)
            .bind(reason.as_deref().unwrap_or_default())
            .bind(day_text(u))
            .bind(&ctx.now)
            .bind(&ctx.actor.name)
            .execute(&mut *tx)
            .await?;
            format!(
                "Reminders held until {}: {}",
                day_text(u),
                reason.as_deref().unwrap_or_default()
            )
        }
        None => {
            sqlx::query("DELETE FROM dunning_holds WHERE bu_id = ? AND customer_id = ?")
                .bind(&bu.id)
                .bind(&h.customer_id)
                .execute(&mut *tx)
                .await?;
            "Reminders no longer held".to_string()
        }
    };
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "customer",
            entity_id: &h.customer_id,
            action: "dunning_hold",
            summary,
            before: None,
            after: None,
        },
    )
    .await?;
    let p = proposals_in(&mut tx, bu, today, None).await?;
    tx.commit().await?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_reaches_the_step_whose_days_have_passed() {
        let levels = crate::domain::settings::default_dunning();
        assert_eq!(step_of(&levels, 0), None);
        assert_eq!(step_of(&levels, 2), None);
        assert_eq!(step_of(&levels, 3), Some(1));
        assert_eq!(step_of(&levels, 13), Some(1));
        assert_eq!(step_of(&levels, 14), Some(2));
        assert_eq!(step_of(&levels, 28), Some(3));
        assert_eq!(step_of(&levels, 400), Some(3));
        assert_eq!(step_of(&[], 400), None);
    }
}
