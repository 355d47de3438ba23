//! The assets table's rows as they are written: a unit taken in at the desk, one a pull adopts
//! and the bench's generated ones go through `AssetRow`, so the column list lives once. Status
//! changes, assignment and deletion are updates made by the action that changes them.

use super::rows::{self, Row};
use sqlx::query_builder::Separated;
use sqlx::{Sqlite, SqliteConnection};

/// Every column an insert names. `variant_id` is stored only when that variant is here (a unit
/// pulled before its product keeps no dangling reference).
pub const COLUMNS: &str = "bu_id, serial_number, sku, variant_id, product_id, product_name, \
    status, location, condition, customer_id, rental_id, notes, acquisition_cost, \
    acquisition_date, created_at, updated_at, created_by";

/// One asset row. Money in minor units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetRow {
    pub bu_id: String,
    pub serial_number: String,
    pub sku: String,
    pub variant_id: Option<String>,
    pub product_id: Option<String>,
    pub product_name: String,
    pub status: String,
    pub location: Option<String>,
    pub condition: Option<String>,
    pub customer_id: Option<String>,
    pub rental_id: Option<String>,
    pub notes: Option<String>,
    pub acquisition_cost: Option<i64>,
    pub acquisition_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

impl Row for AssetRow {
    const TABLE: &'static str = "assets";
    const KEY: &'static str = "bu_id, serial_number";
    const COLUMNS: &'static str = COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.bu_id)
            .push_bind(&self.serial_number)
            .push_bind(&self.sku)
            .push("(SELECT id FROM variants WHERE id = ")
            .push_bind_unseparated(&self.variant_id)
            .push_unseparated(")")
            .push_bind(&self.product_id)
            .push_bind(&self.product_name)
            .push_bind(&self.status)
            .push_bind(&self.location)
            .push_bind(&self.condition)
            .push_bind(&self.customer_id)
            .push_bind(&self.rental_id)
            .push_bind(&self.notes)
            .push_bind(self.acquisition_cost)
            .push_bind(&self.acquisition_date)
            .push_bind(&self.created_at)
            .push_bind(&self.updated_at)
            .push_bind(&self.created_by);
    }
}

/// Add a unit; a serial already stored in the business unit is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &AssetRow) -> sqlx::Result<()> {
    rows::write(conn, row, None).await
}

/// Write a unit as another node holds it: added, or every column but who took it in replaced.
pub async fn upsert(conn: &mut SqliteConnection, row: &AssetRow) -> sqlx::Result<()> {
    static TAIL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    rows::write(conn, row, Some((&TAIL, &["created_by"]))).await
}

/// Add many (the bench), in statements the binding limit allows.
pub async fn insert_all(conn: &mut SqliteConnection, rows: &[AssetRow]) -> sqlx::Result<()> {
    rows::insert_all(conn, rows, 1000).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_binds_a_value_for_every_column() {
        let q = rows::statement("INSERT", &[AssetRow::default()], "").into_sql();
        assert_eq!(q.matches('?').count(), COLUMNS.split(',').count(), "{q}");
        let tail = rows::upsert_tail::<AssetRow>(&["created_by"]);
        assert!(tail.starts_with(" ON CONFLICT (bu_id, serial_number) DO UPDATE SET sku = "));
        assert!(!tail.contains("created_by") && !tail.contains("serial_number ="));
    }
}
