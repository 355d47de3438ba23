//! Writing payment schedules inside the caller's transaction: the slots of a subscription, and cancelling, repricing or moving its open months (the API other services use).

use super::*;

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

pub(super) fn kind_of(k: SlotKind) -> PaymentKind {
    match k {
        SlotKind::Rent => PaymentKind::Rent,
        SlotKind::Prorated => PaymentKind::Prorated,
    }
}

/// Store scheduled payments. A payment that already exists (same subscription, kind and month)
/// is left as it is, so renewals and extensions can be written more than once safely. Returns
/// how many were added. One statement whatever the count (the rows travel as one JSON array).
pub(crate) async fn insert_slots(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    slots: &[Slot],
) -> Result<u64> {
    if slots.is_empty() {
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = slots
        .iter()
        .map(|s| {
            let kind = kind_of(s.kind).as_str();
            serde_json::json!([
                crate::ids::payment_id(payer.rental_id, kind, s.seq as i64),
                kind,
                s.seq,
                s.billing_period(),
                day_text(s.period_start),
                day_text(s.period_end),
                day_text(s.invoice_date),
                day_text(s.due_date),
                s.amounts.net,
                s.amounts.tax,
                s.amounts.total,
                format!("{}:{}:{}", payer.rental_id, kind, s.seq),
            ])
        })
        .collect();
    let done = sqlx::query(
        "INSERT OR IGNORE INTO payments (id, bu_id, customer_id, rental_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end,
             invoice_date, due_date, subtotal, tax_rate, tax_amount, total, currency, status, idempotency_key, created_at, updated_at)
         SELECT value ->> 0, ?1, ?2, ?3, ?4, 'individual', value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
             value ->> 6, value ->> 7, value ->> 8, ?5, value ->> 9, value ->> 10, ?6, 'pending', value ->> 11, ?7, ?7
         FROM json_each(?8)",
    )
    .bind(payer.bu_id)
    .bind(payer.customer_id)
    .bind(payer.rental_id)
    .bind(payer.asset_id)
    .bind(payer.tax_rate)
    .bind(payer.currency)
    .bind(payer.now)
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One final charge (buyout price, early-return fee), due on `date`. Returns its id.
pub(crate) async fn insert_charge(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    kind: PaymentKind,
    date: NaiveDate,
    amounts: Amounts,
) -> Result<String> {
    let id = crate::ids::payment_id(payer.rental_id, kind.as_str(), 0);
    sqlx::query(
        "INSERT INTO payments (id, bu_id, customer_id, rental_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end,
             invoice_date, due_date, subtotal, tax_rate, tax_amount, total, currency, status, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'individual', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
    )
    .bind(&id)
    .bind(payer.bu_id)
    .bind(payer.customer_id)
    .bind(payer.rental_id)
    .bind(payer.asset_id)
    .bind(kind.as_str())
    .bind(date.format("%Y-%m").to_string())
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(amounts.net)
    .bind(payer.tax_rate)
    .bind(amounts.tax)
    .bind(amounts.total)
    .bind(payer.currency)
    .bind(format!("{}:{}:0", payer.rental_id, kind.as_str()))
    .bind(payer.now)
    .bind(payer.now)
    .execute(conn)
    .await?;
    Ok(id)
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
