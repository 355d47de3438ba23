//! Consolidation: a group's members' monthly payments gathered into one payment per billing day, with a line per member, rebuilt whenever the group or a member changes.

use super::*;

/// One line of a consolidated payment.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredLine {
    pub rental_id: String,
    pub description: String,
    pub amount: Money,
    pub tax_amount: Money,
    pub payment_id: String,
    pub serial_number: Option<String>,
    pub product_name: Option<String>,
    pub period_start: String,
    pub period_end: String,
    pub tax_rate: String,
}

/// The first billing day on or after `d`.
pub(crate) fn billing_date(d: NaiveDate, day: u32) -> NaiveDate {
    let this = d.with_day(day).unwrap_or(d);
    if this >= d {
        this
    } else {
        this.checked_add_months(Months::new(1)).unwrap_or(this)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct Member {
    pub(super) id: String,
    pub(super) rental_id: String,
    pub(super) invoice_date: String,
    pub(super) period_start: String,
    pub(super) period_end: String,
    pub(super) subtotal: i64,
    pub(super) tax_amount: i64,
    pub(super) total: i64,
    pub(super) tax_rate: String,
    pub(super) kind: String,
    pub(super) product_name: Option<String>,
    pub(super) serial_number: Option<String>,
}

/// Rebuild the group's open consolidated payments from its members' own payments: every
/// pending monthly payment invoiced on or after the group's start joins the consolidated payment
/// of the first billing day on or after its own invoice date. Consolidated payments that were
/// invoiced, paid, failed or cancelled are history and stay as they are; a member payment whose
/// billing day already has such a payment stays on its own. Returns how many member payments
/// are consolidated. Runs inside the caller's transaction; a missing group releases everything.
pub(crate) async fn regroup(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    group_id: &str,
    now: &str,
) -> Result<usize> {
    let group: Option<(String, i64, String, String)> = sqlx::query_as(
        "SELECT customer_id, billing_day, status, consolidate_from FROM billing_groups WHERE id = ?",
    )
    .bind(group_id)
    .fetch_optional(&mut *conn)
    .await?;
    // Release the members of the open consolidated payments; they are rebuilt below.
    sqlx::query(
        "UPDATE payments SET consolidated_into = NULL
         WHERE consolidated_into IN (SELECT id FROM payments WHERE billing_group_id = ? AND payment_type = 'consolidated'
                                     AND status = 'pending' AND invoice_id IS NULL)",
    )
    .bind(group_id)
    .execute(&mut *conn)
    .await?;
    // The group's consolidated payments: open ones are rebuilt, the rest are history.
    let existing: Vec<(String, String, i64, bool)> = sqlx::query_as(
        "SELECT id, idempotency_key, late_fee_amount, status = 'pending' AND invoice_id IS NULL
         FROM payments WHERE billing_group_id = ? AND payment_type = 'consolidated'",
    )
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?;
    let (open, locked): (Vec<_>, Vec<_>) = existing.into_iter().partition(|p| p.3);
    let locked: Vec<String> = locked.into_iter().map(|p| p.1).collect();
    let mut buckets: BTreeMap<NaiveDate, Vec<Member>> = BTreeMap::new();
    if let Some((_, day, status, from)) = &group {
        if status == "active" {
            let members: Vec<Member> = sqlx::query_as(
                "SELECT p.id, p.rental_id, p.invoice_date, p.period_start, p.period_end, p.subtotal, p.tax_amount, p.total, p.tax_rate,
                        p.kind, s.product_name, a.serial_number
                 FROM subscriptions s JOIN payments p ON p.rental_id = s.id LEFT JOIN assets a ON a.id = p.asset_id
                 WHERE s.billing_group_id = ? AND p.payment_type = 'individual' AND p.kind IN ('rent', 'prorated')
                   AND p.status = 'pending' AND p.consolidated_into IS NULL AND p.invoice_id IS NULL AND p.invoice_date >= ?
                 ORDER BY p.invoice_date, s.created_at, p.seq",
            )
            .bind(group_id)
            .bind(from)
            .fetch_all(&mut *conn)
            .await?;
            for m in members {
                let Ok(inv) = NaiveDate::parse_from_str(&m.invoice_date, "%Y-%m-%d") else {
                    continue;
                };
                buckets
                    .entry(billing_date(inv, *day as u32))
                    .or_default()
                    .push(m);
            }
        }
    }
    let key_of = |d: NaiveDate| format!("{group_id}:consolidated:{}", day_text(d));
    let mut used: Vec<String> = Vec::new();
    let mut consolidated = 0;
    let terms = chrono::Days::new(bu.settings.payment_terms_days as u64);
    for (date, lines) in &buckets {
        let key = key_of(*date);
        if locked.contains(&key) {
            continue;
        }
        let net: i64 = lines.iter().map(|l| l.subtotal).sum();
        let tax: i64 = lines.iter().map(|l| l.tax_amount).sum();
        let gross: i64 = lines.iter().map(|l| l.total).sum();
        let rate = if lines.iter().all(|l| l.tax_rate == lines[0].tax_rate) {
            lines[0].tax_rate.clone()
        } else {
            bu.settings.tax_rate.normalize().to_string()
        };
        let stored: Vec<StoredLine> = lines
            .iter()
            .map(|l| StoredLine {
                rental_id: l.rental_id.clone(),
                description: format!(
                    "{}{}{}",
                    if l.kind == "prorated" {
                        "Rent (part month)"
                    } else {
                        "Rent"
                    },
                    l.product_name
                        .as_deref()
                        .map(|p| format!(" — {p}"))
                        .unwrap_or_default(),
                    l.serial_number
                        .as_deref()
                        .map(|s| format!(", serial {s}"))
                        .unwrap_or_default()
                ),
                amount: bu.money(l.subtotal),
                tax_amount: bu.money(l.tax_amount),
                payment_id: l.id.clone(),
                serial_number: l.serial_number.clone(),
                product_name: l.product_name.clone(),
                period_start: l.period_start.clone(),
                period_end: l.period_end.clone(),
                tax_rate: l.tax_rate.clone(),
            })
            .collect();
        let start = lines
            .iter()
            .map(|l| l.period_start.as_str())
            .min()
            .unwrap_or_default();
        let end = lines
            .iter()
            .map(|l| l.period_end.as_str())
            .max()
            .unwrap_or_default();
        let due = *date + terms;
        let existing = open.iter().find(|(_, k, _, _)| *k == key);
        let pid = match existing {
            Some((pid, _, fee, _)) => {
                sqlx::query(
                    "UPDATE payments SET subtotal = ?, tax_amount = ?, total = ?, tax_rate = ?, line_items = ?, period_start = ?, period_end = ?,
                         invoice_date = ?, due_date = ?, billing_period = ?, updated_at = ? WHERE id = ?",
                )
                .bind(net)
                .bind(tax)
                .bind(gross + fee)
                .bind(&rate)
                .bind(serde_json::to_string(&stored)?)
                .bind(start)
                .bind(end)
                .bind(day_text(*date))
                .bind(day_text(due))
                .bind(date.format("%Y-%m").to_string())
                .bind(now)
                .bind(pid)
                .execute(&mut *conn)
                .await?;
                pid.clone()
            }
            None => {
                // Made from the group and the billing day, so every node that consolidates the
                // same payments makes the same row.
                let day_no =
                    date.year() as i64 * 10_000 + date.month() as i64 * 100 + date.day() as i64;
                let pid = crate::ids::payment_id(group_id, "consolidated", day_no);
                let customer = group.as_ref().map(|g| g.0.as_str()).unwrap_or_default();
                let row = crate::store::payments::PaymentRow {
                    id: pid.clone(),
                    bu_id: bu.id.clone(),
                    customer_id: customer.to_string(),
                    billing_group_id: Some(group_id.to_string()),
                    payment_type: "consolidated".into(),
                    kind: "rent".into(),
                    seq: date.year() as i64 * 100 + date.month() as i64,
                    billing_period: date.format("%Y-%m").to_string(),
                    period_start: start.to_string(),
                    period_end: end.to_string(),
                    invoice_date: day_text(*date),
                    due_date: day_text(due),
                    subtotal: net,
                    tax_rate: rate.clone(),
                    tax_amount: tax,
                    total: gross,
                    currency: bu.currency.clone(),
                    line_items: Some(serde_json::to_string(&stored)?),
                    status: "pending".into(),
                    idempotency_key: key.clone(),
                    created_at: now.to_string(),
                    updated_at: now.to_string(),
                    ..Default::default()
                };
                crate::store::payments::insert(conn, &row).await?;
                pid
            }
        };
        let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
        sqlx::query("UPDATE payments SET consolidated_into = ? WHERE id IN (SELECT value FROM json_each(?))")
            .bind(&pid)
            .bind(serde_json::to_string(&ids)?)
            .execute(&mut *conn)
            .await?;
        consolidated += lines.len();
        used.push(key);
    }
    // Open consolidated payments left without lines were never invoiced nor paid: they go.
    for (pid, key, _, _) in &open {
        if !used.contains(key) {
            sqlx::query("DELETE FROM payments WHERE id = ?")
                .bind(pid)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(consolidated)
}

/// After a change to one subscription's payments: rebuild its group's consolidated payments.
pub(crate) async fn regroup_member(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    group_id: Option<&str>,
    now: &str,
) -> Result<()> {
    if let Some(g) = group_id {
        regroup(conn, bu, g, now).await?;
    }
    Ok(())
}
