//! The subscriptions table's rows as they are written. A subscription a service starts, a pull
//! adopts or the bench generates is written here, so the column list lives once: a column added
//! to the table is added to `SubscriptionRow` and to `COLUMNS`, and every writer sets it or gets
//! its default here. A subscription ends here too (`end`: its status, last day and what the
//! ending keeps, in one statement). Other later changes (extended, replaced, notes) are updates
//! made by the action that changes it.

use super::rows::{self, Row};
use crate::error::Result;
use sqlx::query_builder::Separated;
use sqlx::{Sqlite, SqliteConnection};

/// The columns every insert names, in the order `SubscriptionRow` binds them.
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
    /// The tax rule fixed on the subscription at activation, in a currency of `exponent` decimals.
    pub fn tax_rule(&self, exponent: u32) -> crate::domain::schedule::TaxRule {
        crate::domain::schedule::TaxRule {
            rate: self.tax_rate.parse().unwrap_or_default(),
            inclusive: self.tax_inclusive,
            exponent,
        }
    }
}

impl Row for SubscriptionRow {
    const TABLE: &'static str = "subscriptions";
    const COLUMNS: &'static str = COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.id)
            .push_bind(&self.bu_id)
            .push_bind(&self.order_id)
            .push_bind(self.item_idx)
            .push_bind(&self.customer_id)
            .push_bind(&self.customer_email)
            .push_bind(&self.customer_name)
            .push_bind(self.asset_id)
            .push_bind(&self.serial_number)
            .push_bind(&self.product_id)
            .push_bind(&self.variant_id)
            .push_bind(&self.sku)
            .push_bind(&self.product_name)
            .push_bind(&self.product_image_url)
            .push_bind(self.monthly_amount)
            .push_bind(&self.currency)
            .push_bind(&self.status)
            .push_bind(&self.billing_group_id)
            .push_bind(self.original_contract_length)
            .push_bind(self.contract_length)
            .push_bind(&self.start_date)
            .push_bind(&self.end_date)
            .push_bind(&self.ended_on)
            .push_bind(&self.billing_start)
            .push_bind(self.payment_terms_days)
            .push_bind(&self.tax_rate)
            .push_bind(self.tax_inclusive)
            .push_bind(self.list_price)
            .push_bind(&self.list_price_source)
            .push_bind(self.acquisition_cost)
            .push_bind(&self.acquisition_cost_source)
            .push_bind(&self.captured_at)
            .push_bind(self.total_collected)
            .push_bind(self.extension_history.as_deref().unwrap_or("[]"))
            .push_bind(self.replacement_history.as_deref().unwrap_or("[]"))
            .push_bind(&self.buyout_details)
            .push_bind(&self.early_return_details)
            .push_bind(&self.cancellation_details)
            .push_bind(&self.upgrade_from_rental_id)
            .push_bind(&self.upgraded_to_rental_id)
            .push_bind(&self.custom_fields)
            .push_bind(&self.notes)
            .push_bind(&self.created_at)
            .push_bind(&self.updated_at)
            .push_bind(&self.created_by);
    }
}

/// The stored row of subscription `id` in business unit `bu_id`, if there is one.
pub async fn get(
    conn: &mut SqliteConnection,
    bu_id: &str,
    id: &str,
) -> Result<Option<SubscriptionRow>> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL
        .get_or_init(|| format!("SELECT {COLUMNS} FROM subscriptions WHERE id = ? AND bu_id = ?"));
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(bu_id)
        .fetch_optional(conn)
        .await?)
}

/// Add one row; a row with the same id is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &SubscriptionRow) -> Result<()> {
    rows::statement("INSERT", std::slice::from_ref(row), "")
        .build()
        .execute(conn)
        .await?;
    Ok(())
}

/// Write another node's copy as given: added, or every column of the stored row with its id
/// replaced but its business unit and the schedule's rules fixed at activation
/// (`KEPT_ON_ADOPT`). The database's error is returned as it is, so a caller can tell a row it
/// points to that is not there yet.
pub async fn adopt(conn: &mut SqliteConnection, row: &SubscriptionRow) -> sqlx::Result<()> {
    static TAIL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    rows::write(conn, row, Some((&TAIL, KEPT_ON_ADOPT))).await
}

/// How a subscription ends, and what its row keeps of the ending.
pub enum Ending<'a> {
    /// Cancelled, with its `cancellation_details` (JSON). A void also leaves its order line
    /// (`item_idx`), so the line can be filled again.
    Cancelled { details: &'a str, void: bool },
    /// Bought out, with its `buyout_details` (JSON).
    Buyout { details: &'a str },
    /// Returned early, with its `early_return_details` (JSON).
    EarlyReturn { details: &'a str },
    /// Upgraded to the subscription `to`.
    Upgrade { to: &'a str },
    /// Ran its contract to the end.
    Completed,
}

/// End subscription `id` on `ended_on` (a day, `YYYY-MM-DD`): its status, the day and what the
/// ending keeps, in one statement. Every ending is written here.
pub async fn end(
    conn: &mut SqliteConnection,
    id: &str,
    ending: Ending<'_>,
    ended_on: &str,
    now: &str,
) -> Result<()> {
    use crate::domain::status::SubscriptionStatus as S;
    let (status, kept, off_line) = match ending {
        Ending::Cancelled { details, void } => {
            (S::Cancelled, Some(("cancellation_details", details)), void)
        }
        Ending::Buyout { details } => (S::EndedBuyout, Some(("buyout_details", details)), false),
        Ending::EarlyReturn { details } => (
            S::EndedEarlyReturn,
            Some(("early_return_details", details)),
            false,
        ),
        Ending::Upgrade { to } => (S::EndedUpgrade, Some(("upgraded_to_rental_id", to)), false),
        Ending::Completed => (S::EndedCompleted, None, false),
    };
    let mut sql = String::from("UPDATE subscriptions SET status = ?, ended_on = ?, updated_at = ?");
    if let Some((column, _)) = kept {
        sql.push_str(&format!(", {column} = ?"));
    }
    if off_line {
        sql.push_str(", item_idx = NULL");
    }
    sql.push_str(" WHERE id = ?");
    let mut q = sqlx::query(&sql)
        .bind(status.as_str())
        .bind(ended_on)
        .bind(now);
    if let Some((_, value)) = kept {
        q = q.bind(value);
    }
    q.bind(id).execute(conn).await?;
    Ok(())
}

/// `[with] INSERT INTO subscriptions (<every column>) <select>`, for set-based bulk writes (the
/// bench): `select` yields every column of `COLUMNS`, in that order.
pub fn insert_from(with: &str, select: &str) -> String {
    rows::insert_from::<SubscriptionRow>(with, select)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_binds_a_value_for_every_column_and_keeps_what_it_must() {
        let q = rows::statement("INSERT", &[SubscriptionRow::default()], "").into_sql();
        assert_eq!(q.matches('?').count(), COLUMNS.split(',').count(), "{q}");
        assert!(KEPT_ON_ADOPT.iter().all(|k| COLUMNS.contains(k)));
        let tail = rows::upsert_tail::<SubscriptionRow>(KEPT_ON_ADOPT);
        assert!(!tail.contains("tax_rate =") && tail.contains("status = excluded.status"));
    }
}
