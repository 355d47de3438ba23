//! Customers written at the counter: create (or find by email), update, deactivate.

use super::*;
use crate::services::outbox::{r, Op, OpKind};

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
    let id = crate::services::client_id(
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

/// `email` is another customer's: named as a person reads it (never by an id), at the Email
/// field.
async fn taken(conn: &mut SqliteConnection, email: &str, other: &str) -> Error {
    let who: Option<(String, String, Option<String>)> =
        sqlx::query_as("SELECT first_name, last_name, company FROM customers WHERE id = ?")
            .bind(other)
            .fetch_optional(conn)
            .await
            .ok()
            .flatten();
    let name = match who {
        Some((first, last, company)) => {
            let person = format!("{first} {last}").trim().to_string();
            match company.filter(|c| !c.trim().is_empty()) {
                Some(c) if !person.is_empty() => format!("{person} ({})", c.trim()),
                Some(c) => c.trim().to_string(),
                None => person,
            }
        }
        None => "another customer".into(),
    };
    Error::at_field(
        ErrorCode::Conflict,
        "email",
        format!("{} already belongs to {name}.", email.trim()),
    )
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
        return Err(taken(&mut tx, &new.email, &existing).await);
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
                return Err(taken(&mut tx, e, &other).await);
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
