//! The orders and order_items tables' rows as they are written: an order taken at the counter,
//! one a pull adopts and the bench's generated ones go through `OrderRow` and `OrderItemRow`, so
//! each column list lives once. Confirmation, cancellation, notes and the rental progress are
//! updates made by the action that changes them.

use super::rows::{self, Row};
use sqlx::query_builder::Separated;
use sqlx::{Sqlite, SqliteConnection};

pub const COLUMNS: &str = "id, bu_id, order_number, status, order_type, customer_id, customer, \
    billing_address, shipping_address, subtotal, tax_amount, total, currency, total_devices, \
    rented_devices, notes, custom_fields, extension_details, upgrade_details, billing_group_id, \
    idem_key, cancel_reason, confirmed_at, cancelled_at, created_at, updated_at, created_by, \
    tax_rate, tax_inclusive";

/// One order row. The customer snapshot, addresses and details are JSON text; money in minor
/// units; `tax_rate` is the rate's decimal text.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub id: String,
    pub bu_id: String,
    pub order_number: String,
    pub status: String,
    pub order_type: String,
    pub customer_id: String,
    pub customer: String,
    pub billing_address: String,
    pub shipping_address: String,
    pub subtotal: i64,
    pub tax_amount: i64,
    pub total: i64,
    pub currency: String,
    pub total_devices: i64,
    pub rented_devices: i64,
    pub notes: Option<String>,
    pub custom_fields: Option<String>,
    pub extension_details: Option<String>,
    pub upgrade_details: Option<String>,
    pub billing_group_id: Option<String>,
    pub idem_key: String,
    pub cancel_reason: Option<String>,
    pub confirmed_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub tax_rate: String,
    pub tax_inclusive: bool,
}

impl Default for OrderRow {
    fn default() -> OrderRow {
        OrderRow {
            id: String::new(),
            bu_id: String::new(),
            order_number: String::new(),
            status: "pending".into(),
            order_type: "standard".into(),
            customer_id: String::new(),
            customer: "{}".into(),
            billing_address: "{}".into(),
            shipping_address: "{}".into(),
            subtotal: 0,
            tax_amount: 0,
            total: 0,
            currency: String::new(),
            total_devices: 0,
            rented_devices: 0,
            notes: None,
            custom_fields: None,
            extension_details: None,
            upgrade_details: None,
            billing_group_id: None,
            idem_key: String::new(),
            cancel_reason: None,
            confirmed_at: None,
            cancelled_at: None,
            created_at: String::new(),
            updated_at: String::new(),
            created_by: String::new(),
            tax_rate: "0".into(),
            tax_inclusive: false,
        }
    }
}

impl Row for OrderRow {
    const TABLE: &'static str = "orders";
    const COLUMNS: &'static str = COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.id)
            .push_bind(&self.bu_id)
            .push_bind(&self.order_number)
            .push_bind(&self.status)
            .push_bind(&self.order_type)
            .push_bind(&self.customer_id)
            .push_bind(&self.customer)
            .push_bind(&self.billing_address)
            .push_bind(&self.shipping_address)
            .push_bind(self.subtotal)
            .push_bind(self.tax_amount)
            .push_bind(self.total)
            .push_bind(&self.currency)
            .push_bind(self.total_devices)
            .push_bind(self.rented_devices)
            .push_bind(&self.notes)
            .push_bind(&self.custom_fields)
            .push_bind(&self.extension_details)
            .push_bind(&self.upgrade_details)
            .push_bind(&self.billing_group_id)
            .push_bind(&self.idem_key)
            .push_bind(&self.cancel_reason)
            .push_bind(&self.confirmed_at)
            .push_bind(&self.cancelled_at)
            .push_bind(&self.created_at)
            .push_bind(&self.updated_at)
            .push_bind(&self.created_by)
            .push_bind(&self.tax_rate)
            .push_bind(self.tax_inclusive);
    }
}

pub const ITEM_COLUMNS: &str = "order_id, idx, product_id, variant_id, sku, product_name, \
    product_image_url, quantity, unit_price, contract_length, list_price, list_price_source, \
    acquisition_cost, acquisition_cost_source, list_price_override, acquisition_cost_override, \
    used_list_price_as_acquisition";

/// One line of an order. `variant_id` is stored only when that variant is here.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItemRow {
    pub order_id: String,
    pub idx: i64,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub product_image_url: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub contract_length: i64,
    pub list_price: Option<i64>,
    pub list_price_source: String,
    pub acquisition_cost: Option<i64>,
    pub acquisition_cost_source: String,
    pub list_price_override: Option<i64>,
    pub acquisition_cost_override: Option<i64>,
    pub used_list_price_as_acquisition: bool,
}

impl Default for OrderItemRow {
    fn default() -> OrderItemRow {
        OrderItemRow {
            order_id: String::new(),
            idx: 0,
            product_id: None,
            variant_id: None,
            sku: String::new(),
            product_name: String::new(),
            product_image_url: None,
            quantity: 1,
            unit_price: 0,
            contract_length: 1,
            list_price: None,
            list_price_source: "unknown".into(),
            acquisition_cost: None,
            acquisition_cost_source: "unknown".into(),
            list_price_override: None,
            acquisition_cost_override: None,
            used_list_price_as_acquisition: false,
        }
    }
}

impl Row for OrderItemRow {
    const TABLE: &'static str = "order_items";
    const KEY: &'static str = "order_id, idx";
    const COLUMNS: &'static str = ITEM_COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.order_id)
            .push_bind(self.idx)
            .push_bind(&self.product_id)
            .push("(SELECT id FROM variants WHERE id = ")
            .push_bind_unseparated(&self.variant_id)
            .push_unseparated(")")
            .push_bind(&self.sku)
            .push_bind(&self.product_name)
            .push_bind(&self.product_image_url)
            .push_bind(self.quantity)
            .push_bind(self.unit_price)
            .push_bind(self.contract_length)
            .push_bind(self.list_price)
            .push_bind(&self.list_price_source)
            .push_bind(self.acquisition_cost)
            .push_bind(&self.acquisition_cost_source)
            .push_bind(self.list_price_override)
            .push_bind(self.acquisition_cost_override)
            .push_bind(self.used_list_price_as_acquisition);
    }
}

/// Add an order with its lines; an id already stored is an error.
pub async fn insert(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    items: &[OrderItemRow],
) -> sqlx::Result<()> {
    rows::write(conn, row, None).await?;
    rows::insert_all(conn, items, 500).await
}

/// Write an order as another node holds it: added, or every column but its idempotency key
/// replaced, and its lines written again.
pub async fn upsert(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    items: &[OrderItemRow],
) -> sqlx::Result<()> {
    static TAIL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    rows::write(conn, row, Some((&TAIL, &["idem_key"]))).await?;
    sqlx::query("DELETE FROM order_items WHERE order_id = ?")
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    rows::insert_all(conn, items, 500).await
}

/// Add many orders and their lines (the bench), in statements the binding limit allows.
pub async fn insert_all(
    conn: &mut SqliteConnection,
    orders: &[OrderRow],
    items: &[OrderItemRow],
) -> sqlx::Result<()> {
    rows::insert_all(conn, orders, 500).await?;
    rows::insert_all(conn, items, 500).await
}

/// `[with] INSERT INTO orders (<every column>) <select>`, for set-based bulk writes (the bench).
pub fn insert_from(with: &str, select: &str) -> String {
    rows::insert_from::<OrderRow>(with, select)
}

/// `[with] INSERT INTO order_items (<every column>) <select>`, for set-based bulk writes.
pub fn insert_items_from(with: &str, select: &str) -> String {
    rows::insert_from::<OrderItemRow>(with, select)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_bind_a_value_for_every_column() {
        let q = rows::statement("INSERT", &[OrderRow::default()], "").into_sql();
        assert_eq!(q.matches('?').count(), COLUMNS.split(',').count(), "{q}");
        let q = rows::statement("INSERT", &[OrderItemRow::default()], "").into_sql();
        assert_eq!(
            q.matches('?').count(),
            ITEM_COLUMNS.split(',').count(),
            "{q}"
        );
    }
}
