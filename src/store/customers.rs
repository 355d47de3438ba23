//! The customers table's rows as they are written: a customer the counter creates, one a pull
//! adopts and the bench's generated ones go through `CustomerRow`, so the column list lives
//! once. Profile edits and deactivation are updates made by the action that changes them.

use super::rows::{self, Row};
use sqlx::query_builder::Separated;
use sqlx::{Sqlite, SqliteConnection};

pub const COLUMNS: &str = "id, bu_id, email, email_norm, first_name, last_name, company, phone, \
    customer_type, status, vat_id, registration_number, billing_address, shipping_address, \
    custom_fields, notes, created_at, updated_at, created_by";

/// One customer row. Addresses and custom fields are JSON text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerRow {
    pub id: String,
    pub bu_id: String,
    pub email: String,
    pub email_norm: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: String,
    pub status: String,
    pub vat_id: Option<String>,
    pub registration_number: Option<String>,
    pub billing_address: Option<String>,
    pub shipping_address: Option<String>,
    pub custom_fields: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

impl Row for CustomerRow {
    const TABLE: &'static str = "customers";
    const COLUMNS: &'static str = COLUMNS;
    fn push<'r>(&'r self, mut b: Separated<'_, 'r, Sqlite, &'static str>) {
        b.push_bind(&self.id)
            .push_bind(&self.bu_id)
            .push_bind(&self.email)
            .push_bind(&self.email_norm)
            .push_bind(&self.first_name)
            .push_bind(&self.last_name)
            .push_bind(&self.company)
            .push_bind(&self.phone)
            .push_bind(&self.customer_type)
            .push_bind(&self.status)
            .push_bind(&self.vat_id)
            .push_bind(&self.registration_number)
            .push_bind(&self.billing_address)
            .push_bind(&self.shipping_address)
            .push_bind(&self.custom_fields)
            .push_bind(&self.notes)
            .push_bind(&self.created_at)
            .push_bind(&self.updated_at)
            .push_bind(&self.created_by);
    }
}

/// Add a customer; an id already stored is an error.
pub async fn insert(conn: &mut SqliteConnection, row: &CustomerRow) -> sqlx::Result<()> {
    rows::write(conn, row, None).await
}

/// Write a customer as another node holds it: added, or every column replaced.
pub async fn upsert(conn: &mut SqliteConnection, row: &CustomerRow) -> sqlx::Result<()> {
    static TAIL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    rows::write(conn, row, Some((&TAIL, &[]))).await
}

/// Add many (the bench), in statements the binding limit allows.
pub async fn insert_all(conn: &mut SqliteConnection, rows: &[CustomerRow]) -> sqlx::Result<()> {
    rows::insert_all(conn, rows, 1000).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_binds_a_value_for_every_column() {
        let q = rows::statement("INSERT", &[CustomerRow::default()], "").into_sql();
        assert_eq!(q.matches('?').count(), COLUMNS.split(',').count(), "{q}");
    }
}
