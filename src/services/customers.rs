//! Customers: individuals and businesses of one business unit, found by name, email or company
//! (full-text, prefix matching), created at the counter or by an order with a new email.
//! Profile changes never rewrite existing orders, which keep their snapshot.

use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::status::{CustomerStatus, CustomerType};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::services::list::{Keyset, Paging};
use crate::services::outbox::{r, Op, OpKind};
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

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct NewCustomer {
    /// The id to use (a desk's id replayed on a hub); made here when absent.
    #[serde(alias = "id")]
    pub customer_id: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: Option<CustomerType>,
    pub vat_id: Option<String>,
    pub registration_number: Option<String>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub notes: Option<String>,
}

impl NewCustomer {
    pub fn check(&self, c: &mut Checks, path: &str) {
        let p = |f: &str| {
            if path.is_empty() {
                f.to_string()
            } else {
                format!("{path}.{f}")
            }
        };
        c.require(&p("email"), &self.email, "Email");
        if !self.email.trim().is_empty() && !valid_email(&self.email) {
            c.fail(
                p("email"),
                format!("'{}' is not an email address.", self.email.trim()),
            );
        }
        c.require(&p("firstName"), &self.first_name, "First name");
        c.require(&p("lastName"), &self.last_name, "Last name");
        c.max_len(&p("email"), &self.email, 254, "Email");
        c.max_len(&p("firstName"), &self.first_name, 100, "First name");
        c.max_len(&p("lastName"), &self.last_name, 100, "Last name");
        if let Some(a) = &self.billing_address {
            a.check(c, &p("billingAddress"));
        }
        if let Some(a) = &self.shipping_address {
            a.check(c, &p("shippingAddress"));
        }
    }
}

/// Insert a customer inside the caller's transaction (orders create customers too).
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    new: &NewCustomer,
) -> Result<String> {
    let id = super::client_id(
        conn,
        ctx,
        "customerId",
        new.customer_id.as_deref(),
        prefix::CUSTOMER,
        "customers",
    )
    .await?;
    let email = new.email.trim().to_string();
    let address = |a: &Option<Address>| {
        a.clone()
            .map(|a| serde_json::to_string(&a.cleaned()))
            .transpose()
    };
    crate::store::customers::insert(
        conn,
        &crate::store::customers::CustomerRow {
            id: id.clone(),
            bu_id: ctx.bu.id.clone(),
            email: email.clone(),
            email_norm: email.to_lowercase(),
            first_name: new.first_name.trim().to_string(),
            last_name: new.last_name.trim().to_string(),
            company: opt_trim(new.company.clone()),
            phone: opt_trim(new.phone.clone()),
            customer_type: new
                .customer_type
                .unwrap_or(CustomerType::Individual)
                .as_str()
                .to_string(),
            status: "active".into(),
            vat_id: opt_trim(new.vat_id.clone()),
            registration_number: opt_trim(new.registration_number.clone()),
            billing_address: address(&new.billing_address)?,
            shipping_address: address(&new.shipping_address)?,
            custom_fields: None,
            notes: opt_trim(new.notes.clone()),
            created_at: ctx.now.clone(),
            updated_at: ctx.now.clone(),
            created_by: ctx.actor.name.clone(),
        },
    )
    .await?;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "customer",
            entity_id: &id,
            action: "created",
            summary: format!(
                "Customer {} {} <{}> created",
                new.first_name.trim(),
                new.last_name.trim(),
                email
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    let body = NewCustomer {
        customer_id: Some(id.clone()),
        email: email.clone(),
        ..new.clone()
    };
    crate::services::outbox::record(
        conn,
        ctx,
        Op::new(OpKind::CustomerCreate, None, &body)
            .touching([r("customer", &id)])
            .saying(format!("New customer {email}")),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn id_by_email(
    conn: &mut SqliteConnection,
    bu_id: &str,
    email: &str,
) -> Result<Option<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT id, status FROM customers WHERE bu_id = ? AND email_norm = ?")
            .bind(bu_id)
            .bind(email.trim().to_lowercase())
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn create(db: &Db, ctx: &Ctx, new: NewCustomer) -> Result<Customer> {
    let mut c = Checks::new();
    new.check(&mut c, "");
    c.finish()?;
    let mut tx = db.write().await?;
    if let Some((existing, _)) = id_by_email(&mut tx, &ctx.bu.id, &new.email).await? {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!(
                "{} already belongs to customer {existing}.",
                new.email.trim()
            ),
        ));
    }
    let id = insert(&mut tx, ctx, &new).await?;
    let customer = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(customer)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct CustomerUpdate {
    pub customer_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: Option<String>,
    pub status: Option<String>,
    pub vat_id: Option<String>,
    pub registration_number: Option<String>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub notes: Option<String>,
}

/// Partial update: only the fields sent change.
pub async fn update(db: &Db, ctx: &Ctx, upd: CustomerUpdate) -> Result<Customer> {
    let mut c = Checks::new();
    if let Some(e) = &upd.email {
        if !valid_email(e) {
            c.fail("email", format!("'{}' is not an email address.", e.trim()));
        }
    }
    for (path, v, label) in [
        ("firstName", &upd.first_name, "First name"),
        ("lastName", &upd.last_name, "Last name"),
    ] {
        if let Some(v) = v {
            c.require(path, v, label);
        }
    }
    let ctype = upd
        .customer_type
        .as_deref()
        .map(|t| CustomerType::parse_field("customerType", t))
        .transpose();
    let status = upd
        .status
        .as_deref()
        .map(|t| CustomerStatus::parse_field("status", t))
        .transpose();
    if let Err(e) = &ctype {
        c.fail("customerType", e.message.clone());
    }
    if let Err(e) = &status {
        c.fail("status", e.message.clone());
    }
    if let Some(a) = &upd.billing_address {
        a.check(&mut c, "billingAddress");
    }
    if let Some(a) = &upd.shipping_address {
        a.check(&mut c, "shippingAddress");
    }
    c.finish()?;
    let mut tx = db.write().await?;
    let before = get_in(&mut tx, &ctx.bu, &upd.customer_id).await?;
    if let Some(e) = &upd.email {
        if let Some((other, _)) = id_by_email(&mut tx, &ctx.bu.id, e).await? {
            if other != upd.customer_id {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("{} already belongs to customer {other}.", e.trim()),
                ));
            }
        }
    }
    let set = |new: &Option<String>, old: &Option<String>| match new {
        Some(v) => opt_trim(Some(v.clone())),
        None => old.clone(),
    };
    let email = upd
        .email
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.email)
        .to_string();
    sqlx::query(
        "UPDATE customers SET email = ?, email_norm = ?, first_name = ?, last_name = ?, company = ?, phone = ?, customer_type = ?, status = ?,
         vat_id = ?, registration_number = ?, billing_address = ?, shipping_address = ?, notes = ?, updated_at = ? WHERE id = ? AND bu_id = ?")
        .bind(&email).bind(email.to_lowercase())
        .bind(upd.first_name.as_deref().map(str::trim).unwrap_or(&before.first_name))
        .bind(upd.last_name.as_deref().map(str::trim).unwrap_or(&before.last_name))
        .bind(set(&upd.company, &before.company)).bind(set(&upd.phone, &before.phone))
        .bind(ctype.ok().flatten().unwrap_or(before.customer_type).as_str())
        .bind(status.ok().flatten().unwrap_or(before.status).as_str())
        .bind(set(&upd.vat_id, &before.vat_id)).bind(set(&upd.registration_number, &before.registration_number))
        .bind(upd.billing_address.clone().or(before.last_billing_address.clone()).map(|a| serde_json::to_string(&a.cleaned())).transpose()?)
        .bind(upd.shipping_address.clone().or(before.last_shipping_address.clone()).map(|a| serde_json::to_string(&a.cleaned())).transpose()?)
        .bind(set(&upd.notes, &before.notes))
        .bind(&ctx.now).bind(&upd.customer_id).bind(&ctx.bu.id)
        .execute(&mut *tx).await?;
    let after = get_in(&mut tx, &ctx.bu, &upd.customer_id).await?;
    let strip = |c: &Customer| {
        let mut v = serde_json::to_value(c).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            for k in [
                "orderIds",
                "rentalIds",
                "totalOrders",
                "totalDevicesRented",
                "totalMonthlyRevenue",
                "updatedAt",
            ] {
                o.remove(k);
            }
        }
        v
    };
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "customer",
            entity_id: &upd.customer_id,
            action: "updated",
            summary: format!("Customer {} {} updated", after.first_name, after.last_name),
            before: Some(strip(&before)),
            after: Some(strip(&after)),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::CustomerUpdate,
            Some(&after.customer_id),
            &profile_body(&after),
        )
        .touching([r("customer", &after.customer_id)])
        .saying(format!(
            "Customer {} {} updated",
            after.first_name, after.last_name
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The whole profile as an update body: the remote ends with exactly this desk's profile.
fn profile_body(c: &Customer) -> CustomerUpdate {
    CustomerUpdate {
        customer_id: c.customer_id.clone(),
        email: Some(c.email.clone()),
        first_name: Some(c.first_name.clone()),
        last_name: Some(c.last_name.clone()),
        // Empty clears: the profile is sent whole.
        company: Some(c.company.clone().unwrap_or_default()),
        phone: Some(c.phone.clone().unwrap_or_default()),
        customer_type: Some(c.customer_type.as_str().to_string()),
        status: Some(c.status.as_str().to_string()),
        vat_id: Some(c.vat_id.clone().unwrap_or_default()),
        registration_number: Some(c.registration_number.clone().unwrap_or_default()),
        billing_address: c.last_billing_address.clone(),
        shipping_address: c.last_shipping_address.clone(),
        notes: Some(c.notes.clone().unwrap_or_default()),
    }
}

/// Soft delete: status `inactive`. Refused while the customer has open orders.
pub async fn delete(db: &Db, ctx: &Ctx, id: &str) -> Result<()> {
    let mut tx = db.write().await?;
    let c = get_in(&mut tx, &ctx.bu, id).await?;
    let open: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orders WHERE bu_id = ? AND customer_id = ? AND status IN ('pending', 'confirmed') LIMIT 1")
        .bind(&ctx.bu.id).bind(id).fetch_optional(&mut *tx).await?;
    if open.is_some() {
        return Err(Error::new(
            ErrorCode::CustomerHasPendingOrders,
            format!(
                "{} {} has open (pending or confirmed) orders; cancel or fulfil them first.",
                c.first_name, c.last_name
            ),
        ));
    }
    let rented: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM assets WHERE bu_id = ?1 AND customer_id = ?2 AND status = 'rented_out'
         UNION ALL SELECT 1 FROM subscriptions WHERE bu_id = ?1 AND customer_id = ?2 AND status = 'active' LIMIT 1",
    )
    .bind(&ctx.bu.id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if rented.is_some() {
        return Err(Error::new(
            ErrorCode::CustomerHasActiveSubscriptions,
            format!("{} {} still has rented devices.", c.first_name, c.last_name),
        ));
    }
    sqlx::query("UPDATE customers SET status = 'inactive', updated_at = ? WHERE id = ?")
        .bind(&ctx.now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "customer",
            entity_id: id,
            action: "deactivated",
            summary: format!("Customer {} {} deactivated", c.first_name, c.last_name),
            before: Some(serde_json::json!({"status": c.status})),
            after: Some(serde_json::json!({"status": "inactive"})),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::CustomerDeactivate, Some(id))
            .touching([r("customer", id)])
            .saying(format!(
                "Customer {} {} deactivated",
                c.first_name, c.last_name
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

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
    /// Search by name, email or company (each word a prefix); newest matches first, one page only.
    pub q: Option<String>,
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
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new(format!("SELECT {COLS} FROM customers c WHERE c.bu_id = "));
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
    const CUSTOMERS: Keyset = Keyset::of("customers", "c", "customer");
    CUSTOMERS.changed_since(&mut qb, &bu.id, &p)?;
    if let Some(m) = &search {
        // Matches newest first: FTS5 walks its rows in rowid order and stops after one page.
        qb.push(" AND c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ")
            .push_bind(m.clone())
            .push(" AND bu_id = ")
            .push_bind(bu.id.clone())
            .push(" ORDER BY rowid DESC LIMIT ")
            .push_bind(p.limit + 1)
            .push(") ORDER BY c.rowid DESC");
    } else {
        CUSTOMERS.tail(db, &mut qb, &bu.id, &p).await?;
    }
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let customers = hydrate(&mut conn, bu, rows).await?;
    let mut page = p.page(customers, |c| c.customer_id.clone());
    if search.is_some() {
        page.next_cursor = None;
    }
    Ok(page)
}
