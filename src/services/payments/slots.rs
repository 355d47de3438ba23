//! Writing payment schedules inside the caller's transaction: the slots of a subscription, and cancelling, repricing or moving its open months (the API other services use).

use super::*;
use crate::store::payments::PaymentRow;

// Writing schedules (inside the caller's transaction)

/// Whose payments these are: the subscription and what every payment of it carries.
pub(crate) struct Payer<'a> {
    pub bu_id: &'a str,
    pub customer_id: &'a str,
    pub rental_id: &'a str,
    pub asset_id: i64,
    pub currency: &'a str,
    pub tax_rate: &'a str,
    pub now: &'a str,
}

impl Payer<'_> {
    /// What every payment of this subscription carries: a pending individual payment.
    fn row(&self) -> PaymentRow {
        PaymentRow {
            bu_id: self.bu_id.into(),
            customer_id: self.customer_id.into(),
            rental_id: Some(self.rental_id.into()),
            asset_id: Some(self.asset_id),
            payment_type: "individual".into(),
            tax_rate: self.tax_rate.into(),
            currency: self.currency.into(),
            status: "pending".into(),
            created_at: self.now.into(),
            updated_at: self.now.into(),
            ..Default::default()
        }
    }
}

pub(super) fn kind_of(k: SlotKind) -> PaymentKind {
    match k {
        SlotKind::Rent => PaymentKind::Rent,
        SlotKind::Prorated => PaymentKind::Prorated,
    }
}

/// Store scheduled payments. A payment that already exists (same subscription, kind and month)
/// is left as it is, so renewals and extensions can be written more than once safely. Returns
/// the payments added (what the action's `payment.scheduled` events name). One statement
/// whatever the count.
pub(crate) async fn insert_slots(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    slots: &[Slot],
) -> Result<Vec<PaymentRow>> {
    if slots.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<PaymentRow> = slots
        .iter()
        .map(|s| {
            let kind = kind_of(s.kind).as_str();
            PaymentRow {
                id: crate::ids::payment_id(payer.rental_id, kind, s.seq as i64),
                kind: kind.into(),
                seq: s.seq as i64,
                billing_period: s.billing_period(),
                period_start: day_text(s.period_start),
                period_end: day_text(s.period_end),
                invoice_date: day_text(s.invoice_date),
                due_date: day_text(s.due_date),
                subtotal: s.amounts.net,
                tax_amount: s.amounts.tax,
                total: s.amounts.total,
                idempotency_key: format!("{}:{}:{}", payer.rental_id, kind, s.seq),
                ..payer.row()
            }
        })
        .collect();
    let added = crate::store::payments::insert_new(conn, &rows).await?;
    Ok(if added.len() == rows.len() {
        rows
    } else {
        rows.into_iter().filter(|r| added.contains(&r.id)).collect()
    })
}

/// One final charge (buyout price, early-return fee), due on `date`. Returns it as stored.
pub(crate) async fn insert_charge(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    kind: PaymentKind,
    date: NaiveDate,
    amounts: Amounts,
) -> Result<PaymentRow> {
    insert_one_off(
        conn,
        payer,
        OneOff {
            kind,
            seq: 0,
            on: date,
            due: date,
            amounts,
            label: None,
            id: None,
        },
    )
    .await
}

/// A payment of its own, outside the monthly schedule.
pub(crate) struct OneOff {
    pub kind: PaymentKind,
    /// 0 for the one buyout or early-return fee; 1, 2, … for a subscription's charges.
    pub seq: i64,
    /// Its invoice day, and when it is due.
    pub on: NaiveDate,
    pub due: NaiveDate,
    pub amounts: Amounts,
    /// A charge's label.
    pub label: Option<String>,
    /// The id another desk made for it (a synced charge); else made from the subscription's.
    pub id: Option<String>,
}

pub(crate) async fn insert_one_off(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    o: OneOff,
) -> Result<PaymentRow> {
    let kind = o.kind.as_str();
    let day = day_text(o.on);
    let row = PaymentRow {
        id: o
            .id
            .unwrap_or_else(|| crate::ids::payment_id(payer.rental_id, kind, o.seq)),
        kind: kind.into(),
        seq: o.seq,
        billing_period: o.on.format("%Y-%m").to_string(),
        period_start: day.clone(),
        period_end: day.clone(),
        invoice_date: day,
        due_date: day_text(o.due),
        subtotal: o.amounts.net,
        tax_amount: o.amounts.tax,
        total: o.amounts.total,
        idempotency_key: format!("{}:{}:{}", payer.rental_id, kind, o.seq),
        charge_label: o.label,
        ..payer.row()
    };
    crate::store::payments::insert(conn, &row).await?;
    Ok(row)
}

/// Payments not yet invoiced, alone or as a line of a consolidated payment: what later changes
/// to a subscription may still cancel or reprice. Invoiced ones stand; corrections are credit notes.
pub(super) const NOT_ISSUED: &str = "invoice_id IS NULL AND (consolidated_into IS NULL OR consolidated_into IN
    (SELECT c.id FROM payments c WHERE c.id = payments.consolidated_into AND c.status = 'pending' AND c.invoice_id IS NULL))";

/// Monthly payments whose service period starts after `date` and that are not cancelled: the
/// `remainingMonths` of buyout and early-return quotes.
pub(crate) async fn remaining_months(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
) -> Result<u32> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payments WHERE rental_id = ? AND kind = 'rent' AND status != 'cancelled' AND period_start > ?",
    )
    .bind(rental_id)
    .bind(day_text(date))
    .fetch_one(conn)
    .await?;
    Ok(n.max(0) as u32)
}

/// The open payments (pending, failed or being collected) whose period starts on or before
/// `date`: what a buyout or a return on that date leaves due. Their count and total, minor units.
pub(crate) async fn still_due(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
) -> Result<(u32, i64)> {
    let (n, total): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(total - amount_received), 0) FROM payments
         WHERE rental_id = ? AND status IN ('pending', 'failed', 'processing') AND period_start <= ?",
    )
    .bind(rental_id)
    .bind(day_text(date))
    .fetch_one(conn)
    .await?;
    Ok((n.max(0) as u32, total))
}

/// Cancel the open (pending or failed) payments whose period starts after `date`; the current
/// period stays due. Returns how many were cancelled.
pub(crate) async fn cancel_after(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    reason: &str,
    now: &str,
) -> Result<u64> {
    let done = sqlx::query(&format!(
        "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ?
         WHERE rental_id = ? AND kind IN ('rent', 'prorated') AND status IN ('pending', 'failed') AND period_start > ? AND {NOT_ISSUED}"
    ))
    .bind(reason)
    .bind(now)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// New monthly amount for the open monthly payments whose period starts after `date`.
pub(crate) async fn reprice_after(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    amounts: Amounts,
    now: &str,
) -> Result<u64> {
    let done = sqlx::query(&format!(
        "UPDATE payments SET subtotal = ?, tax_amount = ?, total = ? + late_fee_amount, updated_at = ?
         WHERE rental_id = ? AND kind = 'rent' AND status = 'pending' AND period_start > ? AND {NOT_ISSUED}"
    ))
    .bind(amounts.net)
    .bind(amounts.tax)
    .bind(amounts.total)
    .bind(now)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Open payments from `date` on follow the subscription's new asset (cost recovery per asset).
pub(crate) async fn move_to_asset(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    asset_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE payments SET asset_id = ? WHERE rental_id = ? AND status IN ('pending', 'failed', 'processing') AND period_start >= ?",
    )
    .bind(asset_id)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
