//! The subscriptions table's rows as they are written. A subscription a service starts, a pull
//! adopts or the bench generates is written here, so the column list lives once: a column added
//! to the table is added to `SubscriptionRow` and to `COLUMNS`, and every writer sets it or gets
//! its default here. Later changes (extended, replaced, ended, notes) are updates made by the
//! action that changes it.

use crate::error::Result;
use serde_json::{json, Value};
use sqlx::SqliteConnection;

/// The columns every insert names, in the order of `SubscriptionRow::values`.
pub const COLUMNS: &str =
    "id, bu_id, order_id, item_idx, customer_id, customer_email, customer_name, asset_id, \
    serial_number, product_id, variant_id, sku, product_name, product_image_url, \
    monthly_amount, currency, status, billing_group_id, original_contract_length, \
    contract_length, start_date, end_date, ended_on, billing_start, payment_terms_days, \
    tax_rate, tax_inclusive, list_price, list_price_source, acquisition_cost, \
    acquisition_cost_source, captured_at, total_collected, extension_history, \
    replacement_history, buyout_details, early_return_details, cancellation_details, \
    upgrade_from_rental_id, upgraded_to_rental_id, custom_fields, notes, created_at, \
    updated_at, created_by";

/// The schedule's rules fixed at activation, which an adopted copy does not change: the v1 wire
/// does not carry them.
const KEPT_ON_ADOPT: &[&str] = &[
    "billing_start",
    "payment_terms_days",
    "tax_rate",
    "tax_inclusive",
];

/// One subscription row. `Default` leaves unset what a new subscription has not done yet: no
/// money collected, no history, no ending, no upgrade, no notes.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub bu_id: String,
    pub order_id: String,
    /// The unit of the order item it fills.
    pub item_idx: Option<i64>,
    pub customer_id: String,
    pub customer_email: String,
    pub customer_name: String,
    /// The asset in service (its row id).
    pub asset_id: i64,
    pub serial_number: String,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub product_image_url: Option<String>,
    pub monthly_amount: i64,
    pub currency: String,
    /// `active`, `cancelled`, `ended_completed`, `ended_buyout`, `ended_upgrade` or `ended_early_return`.
    pub status: String,
    pub billing_group_id: Option<String>,
    pub original_contract_length: i64,
    pub contract_length: i64,
    pub start_date: String,
    pub end_date: String,
    pub ended_on: Option<String>,
    /// The schedule's rules, fixed at activation (the pull keeps them on update: the wire does not carry them).
    pub billing_start: String,
    pub payment_terms_days: i64,
    pub tax_rate: String,
    pub tax_inclusive: bool,
    pub list_price: Option<i64>,
    pub list_price_source: String,
    pub acquisition_cost: Option<i64>,
    pub acquisition_cost_source: String,
    pub captured_at: String,
    pub total_collected: i64,
    /// Stored JSON lists; `None` is an empty list.
    pub extension_history: Option<String>,
    pub replacement_history: Option<String>,
    /// Stored JSON objects of the ending, when it ended that way.
    pub buyout_details: Option<String>,
    pub early_return_details: Option<String>,
    pub cancellation_details: Option<String>,
    pub upgrade_from_rental_id: Option<String>,
    pub upgraded_to_rental_id: Option<String>,
    pub custom_fields: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

impl SubscriptionRow {
    /// The row's values in `COLUMNS` order.
    fn values(&self) -> Value {
        json!([
            self.id,
            self.bu_id,
            self.order_id,
            self.item_idx,
            self.customer_id,
            self.customer_email,
            self.customer_name,
            self.asset_id,
            self.serial_number,
            self.product_id,
            self.variant_id,
            self.sku,
            self.product_name,
            self.product_image_url,
            self.monthly_amount,
            self.currency,
            self.status,
            self.billing_group_id,
            self.original_contract_length,
            self.contract_length,
            self.start_date,
            self.end_date,
            self.ended_on,
            self.billing_start,
            self.payment_terms_days,
            self.tax_rate,
            self.tax_inclusive,
            self.list_price,
            self.list_price_source,
            self.acquisition_cost,
            self.acquisition_cost_source,
            self.captured_at,
            self.total_collected,
            self.extension_history.as_deref().unwrap_or("[]"),
            self.replacement_history.as_deref().unwrap_or("[]"),
            self.buyout_details,
            self.early_return_details,
            self.cancellation_details,
            self.upgrade_from_rental_id,
            self.upgraded_to_rental_id,
            self.custom_fields,
            self.notes,
            self.created_at,
            self.updated_at,
            self.created_by,
        ])
    }
}

fn row_fields() -> &'static str {
    static FIELDS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        (0..COLUMNS.split(',').count())
            .map(|i| format!("value ->> {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Add one row; a row with the same id is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &SubscriptionRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO subscriptions ({COLUMNS}) SELECT {} FROM json_each(?)",
        row_fields()
    ))
    .bind(Value::Array(vec![row.values()]).to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Write another node's copy as given: added, or every column of the stored row with its id
/// replaced but its business unit and the schedule's rules fixed at activation
/// (`KEPT_ON_ADOPT`). The database's error is returned as it is, so a caller can tell a row it
/// points to that is not there yet.
pub async fn adopt(conn: &mut SqliteConnection, row: &SubscriptionRow) -> sqlx::Result<()> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let set = COLUMNS
            .split(',')
            .map(str::trim)
            .filter(|c| !matches!(*c, "id" | "bu_id") && !KEPT_ON_ADOPT.contains(c))
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO subscriptions ({COLUMNS}) SELECT {} FROM json_each(?) WHERE true ON CONFLICT (id) DO UPDATE SET {set}",
            row_fields()
        )
    });
    sqlx::query(sql)
        .bind(Value::Array(vec![row.values()]).to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// `[with] INSERT INTO subscriptions (<every column>) <select>`, for set-based bulk writes (the
/// bench): `select` yields every column of `COLUMNS`, in that order.
pub fn insert_from(with: &str, select: &str) -> String {
    format!("{with} INSERT INTO subscriptions ({COLUMNS}) {select}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_a_value_for_every_column_and_no_history_is_an_empty_list() {
        let n = COLUMNS.split(',').count();
        let v = SubscriptionRow::default().values();
        assert_eq!(v.as_array().unwrap().len(), n);
        assert_eq!(v[33], "[]");
        assert_eq!(v[34], "[]");
        assert!(KEPT_ON_ADOPT.iter().all(|k| COLUMNS.contains(k)));
    }
}
