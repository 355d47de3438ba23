//! The payments table's rows as they are written. Every payment a service schedules or charges, a
//! billing group consolidates, a pull adopts or the bench generates is written here, so the column
//! list lives once: a column added to the table is added to `PaymentRow` and to `COLUMNS`, and
//! every writer either sets it or gets its default here.
//!
//! Any number of rows is one statement (a multi-row `VALUES`, which SQLite takes fastest). Later changes to a payment (paid, failed, cancelled, invoiced,
//! consolidated) are updates made by the action that changes it.

use super::rows::{self, Row};
use crate::error::Result;
use sqlx::query_builder::Separated;
use sqlx::{Sqlite, SqliteConnection};

/// The columns every insert names, in the order `PaymentRow` binds them.
pub const COLUMNS: &str = "id, bu_id, customer_id, rental_id, billing_group_id, asset_id, payment_type, kind, seq, \
    billing_period, period_start, period_end, invoice_date, due_date, subtotal, tax_rate, tax_amount, late_fee_amount, total, \
    currency, line_items, status, provider, method, transaction_id, manually_marked, payment_reference, marked_by, \
    capture_attempts, last_error, failed_at, cancel_reason, idempotency_key, notes, paid_at, created_at, updated_at, \
    consolidated_into, charge_label";

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
    /// `rent`, `prorated`, `buyout`, `early_return_fee` or `charge`.
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
    /// A one-off charge's label ("Damage fee", "Setup fee").
    pub charge_label: Option<String>,
}

impl Row for PaymentRow {
    const TABLE: &'static str = "payments";
    const COLUMNS: &'static str = COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.id)
            .push_bind(&self.bu_id)
            .push_bind(&self.customer_id)
            .push_bind(&self.rental_id)
            .push_bind(&self.billing_group_id)
            .push_bind(self.asset_id)
            .push_bind(&self.payment_type)
            .push_bind(&self.kind)
            .push_bind(self.seq)
            .push_bind(&self.billing_period)
            .push_bind(&self.period_start)
            .push_bind(&self.period_end)
            .push_bind(&self.invoice_date)
            .push_bind(&self.due_date)
            .push_bind(self.subtotal)
            .push_bind(&self.tax_rate)
            .push_bind(self.tax_amount)
            .push_bind(self.late_fee_amount)
            .push_bind(self.total)
            .push_bind(&self.currency)
            .push_bind(&self.line_items)
            .push_bind(&self.status)
            .push_bind(&self.provider)
            .push_bind(&self.method)
            .push_bind(&self.transaction_id)
            .push_bind(self.manually_marked)
            .push_bind(&self.payment_reference)
            .push_bind(&self.marked_by)
            .push_bind(self.capture_attempts)
            .push_bind(&self.last_error)
            .push_bind(&self.failed_at)
            .push_bind(&self.cancel_reason)
            .push_bind(&self.idempotency_key)
            .push_bind(&self.notes)
            .push_bind(&self.paid_at)
            .push_bind(&self.created_at)
            .push_bind(&self.updated_at)
            .push_bind(&self.consolidated_into)
            .push_bind(&self.charge_label);
    }
}

/// Add rows; one whose id or idempotency key is already stored is left as it is (so a schedule
/// written twice writes each month once). Returns the ids of the rows added. Which rows are
/// stored already is one indexed read; the rest are one plain insert, so a row the table's
/// checks refuse is an error, never skipped.
pub async fn insert_new(conn: &mut SqliteConnection, rows: &[PaymentRow]) -> Result<Vec<String>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut qb = sqlx::QueryBuilder::<Sqlite>::new(
        "SELECT id, bu_id, idempotency_key FROM payments WHERE id IN (",
    );
    let mut ids = qb.separated(", ");
    for r in rows {
        ids.push_bind(&r.id);
    }
    qb.push(")");
    // By key within each unit (a schedule is one unit's), so both lookups use their index.
    let mut units: Vec<&str> = rows.iter().map(|r| r.bu_id.as_str()).collect();
    units.sort_unstable();
    units.dedup();
    for bu in units {
        qb.push(" OR (bu_id = ")
            .push_bind(bu)
            .push(" AND idempotency_key IN (");
        let mut keys = qb.separated(", ");
        for r in rows.iter().filter(|r| r.bu_id == bu) {
            keys.push_bind(&r.idempotency_key);
        }
        qb.push("))");
    }
    let stored: Vec<(String, String, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let fresh: std::borrow::Cow<[PaymentRow]> = if stored.is_empty() {
        rows.into()
    } else {
        rows.iter()
            .filter(|r| {
                !stored.iter().any(|(id, bu, key)| {
                    *id == r.id || (*bu == r.bu_id && *key == r.idempotency_key)
                })
            })
            .cloned()
            .collect::<Vec<_>>()
            .into()
    };
    if !fresh.is_empty() {
        rows::statement("INSERT", &fresh, "")
            .build()
            .execute(conn)
            .await?;
    }
    Ok(fresh.iter().map(|r| r.id.clone()).collect())
}

/// Add one row; a row with the same id or idempotency key is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &PaymentRow) -> Result<()> {
    rows::statement("INSERT", std::slice::from_ref(row), "")
        .build()
        .execute(conn)
        .await?;
    Ok(())
}

/// Write a row as given: added, or every column of the stored row with its id replaced (its
/// business unit and its invoice stay). The database's error is returned as it is, so a caller
/// can tell a foreign key that is not there yet.
pub async fn upsert(conn: &mut SqliteConnection, row: &PaymentRow) -> sqlx::Result<()> {
    static TAIL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    rows::write(conn, row, Some((&TAIL, &[]))).await
}

/// `[with] INSERT INTO payments (<every column>) <select>`, for set-based bulk writes (the bench):
/// `select` yields every column of `COLUMNS`, in that order.
pub fn insert_from(with: &str, select: &str) -> String {
    rows::insert_from::<PaymentRow>(with, select)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_binds_a_value_for_every_column() {
        let q = rows::statement("INSERT", &[PaymentRow::default()], "").into_sql();
        assert_eq!(q.matches('?').count(), COLUMNS.split(',').count(), "{q}");
    }
}
