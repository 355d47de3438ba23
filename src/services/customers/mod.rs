//! Customers: individuals and businesses of one business unit, found by name, email or company
//! (full-text, prefix matching), created at the counter or by an order with a new email.
//! Profile changes never rewrite existing orders, which keep their snapshot.

use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::status::{CustomerStatus, CustomerType};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::services::list::{total, Keyset, Paging, Sorts};
use crate::store::{json_col, record, Db, Entry};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;
use ts_rs::TS;

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct Address {
    pub contact_name: String,
    pub company: Option<String>,
    pub building_info: Option<String>,
    pub street_address: String,
    pub locality: Option<String>,
    pub city: String,
    pub admin_area: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
}

impl Address {
    pub fn check(&self, c: &mut Checks, path: &str) {
        c.require(
            &format!("{path}.contactName"),
            &self.contact_name,
            "Contact name",
        );
        c.require(
            &format!("{path}.streetAddress"),
            &self.street_address,
            "Street address",
        );
        c.require(&format!("{path}.city"), &self.city, "City");
        c.require(&format!("{path}.country"), &self.country, "Country");
    }
    pub fn cleaned(mut self) -> Address {
        self.contact_name = self.contact_name.trim().into();
        self.street_address = self.street_address.trim().into();
        self.city = self.city.trim().into();
        self.country = self.country.trim().into();
        self.company = opt_trim(self.company);
        self.building_info = opt_trim(self.building_info);
        self.locality = opt_trim(self.locality);
        self.admin_area = opt_trim(self.admin_area);
        self.postal_code = opt_trim(self.postal_code);
        self
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Customer {
    pub customer_id: String,
    pub tenant_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: CustomerType,
    #[ts(type = "Record<string, unknown>")]
    pub custom_fields: Option<serde_json::Value>,
    pub total_orders: i64,
    pub total_devices_rented: i64,
    pub total_monthly_revenue: Money,
    pub status: CustomerStatus,
    pub order_ids: Vec<String>,
    pub rental_ids: Vec<String>,
    pub last_billing_address: Option<Address>,
    pub last_shipping_address: Option<Address>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub vat_id: Option<String>,
    pub registration_number: Option<String>,
    pub notes: Option<String>,
}

/// A customer's name as lists, letters and exports show it, in SQL over `customers c`: the
/// company, else the person (a literal, for `concat!` in queries). `Customer::display_name` is
/// the same rule on a loaded customer.
#[macro_export]
macro_rules! customer_name_sql {
    () => {
        "coalesce(nullif(c.company, ''), trim(c.first_name || ' ' || c.last_name))"
    };
}

impl Customer {
    /// The person: first and last name.
    pub fn person(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }

    /// The company, else the person (as `customer_name_sql!`).
    pub fn display_name(&self) -> String {
        self.company
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| self.person())
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    email: String,
    first_name: String,
    last_name: String,
    company: Option<String>,
    phone: Option<String>,
    customer_type: String,
    status: String,
    vat_id: Option<String>,
    registration_number: Option<String>,
    billing_address: Option<String>,
    shipping_address: Option<String>,
    custom_fields: Option<String>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
    created_by: String,
}

const COLS: &str = "c.id, c.email, c.first_name, c.last_name, c.company, c.phone, c.customer_type, c.status, c.vat_id, c.registration_number,
    c.billing_address, c.shipping_address, c.custom_fields, c.notes, c.created_at, c.updated_at, c.created_by";

async fn hydrate(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    rows: Vec<Row>,
) -> Result<Vec<Customer>> {
    let mut orders: HashMap<String, Vec<String>> = HashMap::new();
    // Per customer: every subscription id, how many are active, their monthly total.
    let mut rentals: HashMap<String, (Vec<String>, i64, i64)> = HashMap::new();
    if !rows.is_empty() {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT customer_id, id FROM orders WHERE bu_id = ");
        qb.push_bind(&bu.id).push(" AND customer_id IN (");
        let mut sep = qb.separated(", ");
        for r in &rows {
            sep.push_bind(&r.id);
        }
        qb.push(") ORDER BY created_at");
        let pairs: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        for (cid, oid) in pairs {
            orders.entry(cid).or_default().push(oid);
        }
        let ids = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())?;
        let subs: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT customer_id, id, status, monthly_amount FROM subscriptions
             WHERE bu_id = ? AND customer_id IN (SELECT value FROM json_each(?)) ORDER BY created_at",
        )
        .bind(&bu.id)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        for (cid, rid, status, monthly) in subs {
            let e = rentals.entry(cid).or_default();
            e.0.push(rid);
            if status == "active" {
                e.1 += 1;
                e.2 += monthly;
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let order_ids = orders.remove(&r.id).unwrap_or_default();
            let (rental_ids, devices, monthly) = rentals.remove(&r.id).unwrap_or_default();
            Customer {
                tenant_id: bu.id.clone(),
                total_orders: order_ids.len() as i64,
                order_ids,
                rental_ids,
                total_devices_rented: devices,
                total_monthly_revenue: bu.money(monthly),
                customer_id: r.id,
                email: r.email,
                first_name: r.first_name,
                last_name: r.last_name,
                company: r.company,
                phone: r.phone,
                customer_type: CustomerType::parse(&r.customer_type)
                    .unwrap_or(CustomerType::Individual),
                custom_fields: json_col(r.custom_fields.as_deref()),
                status: CustomerStatus::parse(&r.status).unwrap_or(CustomerStatus::Inactive),
                last_billing_address: json_col(r.billing_address.as_deref()),
                last_shipping_address: json_col(r.shipping_address.as_deref()),
                created_at: r.created_at,
                updated_at: r.updated_at,
                created_by: r.created_by,
                vat_id: r.vat_id,
                registration_number: r.registration_number,
                notes: r.notes,
            }
        })
        .collect())
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<Customer> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM customers c WHERE c.id = ? AND c.bu_id = ?"
    ))
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Customer", id))?;
    Ok(hydrate(conn, bu, vec![row]).await?.remove(0))
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str) -> Result<Customer> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id).await
}

pub fn valid_email(email: &str) -> bool {
    let e = email.trim();
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

mod write;
pub use write::*;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct CustomerQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub customer_type: Option<String>,
    /// Exact email (case-insensitive).
    pub email: Option<String>,
    /// Search by name, email, company or phone (each word a prefix); newest matches first, one
    /// page only.
    pub q: Option<String>,
    /// FlexDesk: `createdAt` (default) or `lastName` (lists without `q`).
    pub sort_by: Option<String>,
    /// FlexDesk: count every matching customer (`total` of the page; lists without `q`).
    pub include_total: Option<bool>,
}

/// The customers' list orders (`sortBy`): when made, or by last name.
const CUSTOMER_SORTS: Sorts = &[("createdAt", "created_at"), ("lastName", "last_name")];

/// A phone number as digits only (the same expression as the index `customers_phone`).
const PHONE_DIGITS: &str = "replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', '')";

/// The last nine digits of a search that is a whole phone number (nine digits or more).
fn phone_tail(text: &str) -> Option<String> {
    if text.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 9).then(|| digits[digits.len() - 9..].to_string())
}

/// An FTS5 query where each word the person typed is a prefix.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || "@.-_+".contains(*c))
                .collect::<String>()
        })
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub async fn list(db: &Db, bu: &BusinessUnit, q: &CustomerQuery) -> Result<Page<Customer>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let search = q.q.as_deref().and_then(fts_query);
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {select} FROM customers c WHERE c.bu_id = "));
        qb.push_bind(bu.id.clone());
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            CustomerStatus::parse_field("status", s)?;
            qb.push(" AND c.status = ").push_bind(s.to_string());
        }
        if let Some(s) = q.customer_type.as_deref().filter(|s| !s.is_empty()) {
            CustomerType::parse_field("customerType", s)?;
            qb.push(" AND c.customer_type = ").push_bind(s.to_string());
        }
        if let Some(e) = q.email.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND c.email_norm = ")
                .push_bind(e.trim().to_lowercase());
        }
        Ok(qb)
    };
    let mut qb = filtered(COLS)?;
    let customers_keyset =
        Keyset::of("customers", "c", "customer").sorted(CUSTOMER_SORTS, q.sort_by.as_deref())?;
    customers_keyset.changed_since(&mut qb, &bu.id, &p)?;
    let mut conn = db.pool().acquire().await?;
    if let Some(m) = &search {
        // Matches newest first: FTS5 walks its rows in rowid order and stops after one page.
        qb.push(" AND (c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ")
            .push_bind(m.clone())
            .push(" AND bu_id = ")
            .push_bind(bu.id.clone())
            .push(" ORDER BY rowid DESC LIMIT ")
            .push_bind(p.limit + 1)
            .push(")");
        // A phone number given in full, whatever its prefix: its last nine digits.
        if let Some(tail) = phone_tail(q.q.as_deref().unwrap_or_default()) {
            qb.push(format!(
                " OR (c.phone IS NOT NULL AND substr({PHONE_DIGITS}, -9) = "
            ))
            .push_bind(tail)
            .push(")");
        }
        qb.push(") ORDER BY c.rowid DESC");
    } else {
        customers_keyset
            .tail(&mut conn, &mut qb, &bu.id, &p)
            .await?;
    }
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let customers = hydrate(&mut conn, bu, rows).await?;
    let mut page = p.page(customers, |c| c.customer_id.clone());
    if search.is_some() {
        page.next_cursor = None;
    } else if q.include_total == Some(true) {
        page.total = Some(total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
}
