//! The payments table's rows as they are written. Every payment a service schedules or charges, a
//! billing group consolidates, a pull adopts or the bench generates is written here, so the column
//! list lives once: a column added to the table is added to `PaymentRow` and to `COLUMNS`, and
//! every writer either sets it or gets its default here.
//!
//! Rows travel to SQLite as one JSON array of arrays per statement (`json_each`), so any number of
//! rows is one prepared statement. Later changes to a payment (paid, failed, cancelled, invoiced,
//! consolidated) are updates made by the action that changes it.

use crate::error::Result;
use serde_json::{json, Value};
use sqlx::SqliteConnection;

/// The columns every insert names, in the order of `PaymentRow::values`.
pub const COLUMNS: &str = "id, bu_id, customer_id, rental_id, billing_group_id, asset_id, payment_type, kind, seq, \
    billing_period, period_start, period_end, invoice_date, due_date, subtotal, tax_rate, tax_amount, late_fee_amount, total, \
    currency, line_items, status, provider, method, transaction_id, manually_marked, payment_reference, marked_by, \
    capture_attempts, last_error, failed_at, cancel_reason, idempotency_key, notes, paid_at, created_at, updated_at, \
    consolidated_into";

/// One payment row. `Default` gives the columns a new pending payment leaves unset: no provider
/// data, nothing paid, failed or cancelled, no late fee, not a line of a consolidated payment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaymentRow {
    pub id: String,
    pub bu_id: String,
    pub customer_id: String,
    pub rental_id: Option<String>,
    pub billing_group_id: Option<String>,
    pub asset_id: Option<i64>,
    /// `individual` or `consolidated`.
    pub payment_type: String,
    /// `rent`, `prorated`, `buyout` or `early_return_fee`.
    pub kind: String,
    pub seq: i64,
    pub billing_period: String,
    pub period_start: String,
    pub period_end: String,
    pub invoice_date: String,
    pub due_date: String,
    pub subtotal: i64,
    pub tax_rate: String,
    pub tax_amount: i64,
    pub late_fee_amount: i64,
    pub total: i64,
    pub currency: String,
    /// A consolidated payment's lines, as stored JSON.
    pub line_items: Option<String>,
    pub status: String,
    pub provider: Option<String>,
    pub method: Option<String>,
    pub transaction_id: Option<String>,
    pub manually_marked: bool,
    pub payment_reference: Option<String>,
    pub marked_by: Option<String>,
    pub capture_attempts: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub idempotency_key: String,
    pub notes: Option<String>,
    pub paid_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub consolidated_into: Option<String>,
}

impl PaymentRow {
    /// The row's values in `COLUMNS` order.
    fn values(&self) -> Value {
        json!([
            self.id,
            self.bu_id,
            self.customer_id,
            self.rental_id,
            self.billing_group_id,
            self.asset_id,
            self.payment_type,
            self.kind,
            self.seq,
            self.billing_period,
            self.period_start,
            self.period_end,
            self.invoice_date,
            self.due_date,
            self.subtotal,
            self.tax_rate,
            self.tax_amount,
            self.late_fee_amount,
            self.total,
            self.currency,
            self.line_items,
            self.status,
            self.provider,
            self.method,
            self.transaction_id,
            self.manually_marked,
            self.payment_reference,
            self.marked_by,
            self.capture_attempts,
            self.last_error,
            self.failed_at,
            self.cancel_reason,
            self.idempotency_key,
            self.notes,
            self.paid_at,
            self.created_at,
            self.updated_at,
            self.consolidated_into,
        ])
    }
}

/// `value ->> 0, value ->> 1, …`: the columns read back from one JSON row.
fn row_fields() -> &'static str {
    static FIELDS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        (0..COLUMNS.split(',').count())
            .map(|i| format!("value ->> {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn rows_json(rows: &[PaymentRow]) -> String {
    Value::Array(rows.iter().map(PaymentRow::values).collect()).to_string()
}

/// Add rows; one whose id or idempotency key is already stored is left as it is (so a schedule
/// written twice writes each month once). Returns how many were added.
pub async fn insert_new(conn: &mut SqliteConnection, rows: &[PaymentRow]) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let done = sqlx::query(&format!(
        "INSERT OR IGNORE INTO payments ({COLUMNS}) SELECT {} FROM json_each(?)",
        row_fields()
    ))
    .bind(rows_json(rows))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Add one row; a row with the same id or idempotency key is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &PaymentRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO payments ({COLUMNS}) SELECT {} FROM json_each(?)",
        row_fields()
    ))
    .bind(rows_json(std::slice::from_ref(row)))
    .execute(conn)
    .await?;
    Ok(())
}

/// Write a row as given: added, or every column of the stored row with its id replaced (its
/// business unit and its invoice stay). The database's error is returned as it is, so a caller
/// can tell a foreign key that is not there yet.
pub async fn upsert(conn: &mut SqliteConnection, row: &PaymentRow) -> sqlx::Result<()> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let set = COLUMNS
            .split(',')
            .map(str::trim)
            .filter(|c| !matches!(*c, "id" | "bu_id"))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO payments ({COLUMNS}) SELECT {} FROM json_each(?) WHERE true ON CONFLICT (id) DO UPDATE SET {set}",
            row_fields()
        )
    });
    sqlx::query(sql)
        .bind(rows_json(std::slice::from_ref(row)))
        .execute(conn)
        .await?;
    Ok(())
}

/// `[with] INSERT INTO payments (<every column>) <select>`, for set-based bulk writes (the bench):
/// `select` yields every column of `COLUMNS`, in that order.
pub fn insert_from(with: &str, select: &str) -> String {
    format!("{with} INSERT INTO payments ({COLUMNS}) {select}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_a_value_for_every_column() {
        let n = COLUMNS.split(',').count();
        assert_eq!(PaymentRow::default().values().as_array().unwrap().len(), n);
        assert_eq!(row_fields().matches("value ->>").count(), n);
    }
}
