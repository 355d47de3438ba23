//! Orders: taken at the counter or through the v1 API from active variants, priced from the
//! variant's tier for the contract length, linked to the customer with that email (or creating
//! one), numbered per business unit and desk, then confirmed or cancelled. Totals are monthly;
//! the contract value is shown beside them.

use super::customers::{self, Address, NewCustomer};
use super::{into_page, opt_trim, parse_limit, BusinessUnit, Ctx, Page, SortDir};
use crate::domain::status::{CustomerType, ItemRentalStatus, OrderStatus, OrderType};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::store::{json_col, next_in_series, record, Db, Entry};
use crate::sync::{r, Op};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;
use ts_rs::TS;

/// Repeating the same order (same email, same items) within this window returns the first one.
pub const IDEMPOTENCY_WINDOW_SECS: i64 = 120;

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct OrderCustomer {
    pub customer_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: CustomerType,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct OrderItem {
    pub product_id: Option<String>,
    pub product_image_url: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub quantity: i64,
    /// Monthly price per unit.
    pub unit_price: Money,
    pub contract_length: i64,
    pub list_price: Option<Money>,
    pub list_price_source: String,
    pub acquisition_cost: Option<Money>,
    pub acquisition_cost_source: String,
    pub list_price_override: Option<Money>,
    pub acquisition_cost_override: Option<Money>,
    pub used_list_price_as_acquisition: bool,
    pub rental_ids: Vec<String>,
    pub rental_status: ItemRentalStatus,
    /// unitPrice × quantity: what this line adds to the monthly subtotal.
    pub line_total: Money,
    /// unitPrice × quantity × contractLength.
    pub contract_value: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub subtotal: Money,
    /// The business unit's tax rate applied, in percent.
    #[ts(type = "string")]
    pub tax_rate: Decimal,
    /// Prices include the tax (true) or it is added on top (false).
    pub tax_inclusive: bool,
    pub tax_amount: Money,
    pub total: Money,
    pub currency: String,
    pub total_devices: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RentalProgress {
    pub total_devices: i64,
    pub rented_devices: i64,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Order {
    pub order_id: String,
    /// Human-friendly number, printed and scannable: `{BU}-{desk}-{000042}`.
    pub order_number: String,
    pub tenant_id: String,
    pub status: OrderStatus,
    pub order_type: OrderType,
    pub customer: OrderCustomer,
    pub billing_address: Address,
    pub shipping_address: Address,
    pub items: Vec<OrderItem>,
    pub totals: Totals,
    /// Σ contract values of the items (monthly × months × quantity).
    pub contract_value: Money,
    #[ts(type = "Record<string, unknown> | null")]
    pub custom_fields: Option<Value>,
    pub rental_progress: RentalProgress,
    pub rental_ids: Vec<String>,
    pub billing_group_id: Option<String>,
    pub notes: Option<String>,
    #[ts(type = "Record<string, unknown>")]
    pub extension_details: Option<Value>,
    #[ts(type = "Record<string, unknown>")]
    pub upgrade_details: Option<Value>,
    pub confirmed_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

// ---------------------------------------------------------------------------------------------
// Input

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct OrderCustomerInput {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: Option<CustomerType>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct OrderItemInput {
    pub sku: String,
    #[ts(type = "number")]
    pub quantity: Value,
    #[ts(optional, type = "number")]
    pub contract_length: Option<Value>,
    pub list_price_override: Option<Money>,
    pub acquisition_cost_override: Option<Money>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct OrderInput {
    /// The id and number to use (a desk's, replayed on a hub); made here when absent.
    #[serde(alias = "id")]
    pub order_id: Option<String>,
    pub order_number: Option<String>,
    /// An existing customer (desk); otherwise `customer` finds or creates one by email.
    pub customer_id: Option<String>,
    pub customer: Option<OrderCustomerInput>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub items: Vec<OrderItemInput>,
    pub order_type: Option<String>,
    #[ts(type = "Record<string, unknown>")]
    pub extension_details: Option<Value>,
    #[ts(type = "Record<string, unknown>")]
    pub upgrade_details: Option<Value>,
    #[ts(type = "Record<string, unknown> | null")]
    pub custom_fields: Option<Value>,
    pub notes: Option<String>,
}

struct PricedItem {
    product_id: String,
    variant_id: String,
    sku: String,
    product_name: String,
    image: Option<String>,
    quantity: i64,
    unit_price: i64,
    contract_length: i64,
    list_price: Option<i64>,
    list_price_source: &'static str,
    acquisition_cost: Option<i64>,
    acquisition_cost_source: &'static str,
    list_price_override: Option<i64>,
    acquisition_cost_override: Option<i64>,
    used_list_price: bool,
}

fn whole(path: &str, v: &Value, label: &str, c: &mut Checks) -> Option<i64> {
    let n = super::whole_number(v);
    if n.is_none() {
        c.fail(path, format!("{label} must be a whole number."));
    }
    n
}

/// Price every item from its variant's tier; the first failing item decides the error code.
async fn price_items(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    items: &[OrderItemInput],
) -> Result<Vec<PricedItem>> {
    let mut c = Checks::new();
    if items.is_empty() {
        c.fail("items", "An order needs at least one item.");
    }
    let mut parsed = Vec::new();
    for (i, it) in items.iter().enumerate() {
        c.require(&format!("items[{i}].sku"), &it.sku, "SKU");
        let qty = whole(
            &format!("items[{i}].quantity"),
            &it.quantity,
            "Quantity",
            &mut c,
        );
        if let Some(q) = qty {
            if !(1..=1000).contains(&q) {
                c.fail(
                    format!("items[{i}].quantity"),
                    "Quantity must be from 1 to 1000.",
                );
            }
        }
        let len = match &it.contract_length {
            None | Some(Value::Null) => Some(bu.settings.default_contract_length as i64),
            Some(v) => whole(
                &format!("items[{i}].contractLength"),
                v,
                "Contract length",
                &mut c,
            ),
        };
        parsed.push((qty.unwrap_or(1), len.unwrap_or(0)));
    }
    c.finish()?;
    let mut out = Vec::new();
    for (i, (it, (qty, len))) in items.iter().zip(parsed).enumerate() {
        let sku = it.sku.trim();
        let v = super::catalog::offered_variant(conn, bu, sku).await?;
        if !(1..=120).contains(&len) {
            return Err(Error::new(
                ErrorCode::InvalidContractLength,
                format!("Contract length {len} is outside 1 to 120 months."),
            ));
        }
        let Some(tier) = v.pricing.iter().find(|t| t.contract_length as i64 == len) else {
            let offered: Vec<String> = v
                .pricing
                .iter()
                .map(|t| t.contract_length.to_string())
                .collect();
            return Err(Error::new(
                ErrorCode::InvalidContractLength,
                format!(
                    "{sku} is not offered for {len} months (offered: {}).",
                    offered.join(", ")
                ),
            ));
        };
        let mut monthly = tier.monthly_price;
        if let Some(d) = &tier.discount {
            monthly = match d.kind.as_str() {
                "percentage" => {
                    monthly
                        * ((Decimal::from(100) - d.value.0.min(Decimal::from(100)))
                            / Decimal::from(100))
                }
                _ => Money((monthly.0 - d.value.0).max(Decimal::ZERO)),
            }
            .round(bu.currency_exponent);
        }
        let lp_override = it
            .list_price_override
            .map(|m| bu.minor(&format!("items[{i}].listPriceOverride"), m))
            .transpose()?;
        let ac_override = it
            .acquisition_cost_override
            .map(|m| bu.minor(&format!("items[{i}].acquisitionCostOverride"), m))
            .transpose()?;
        let variant_lp = v
            .list_price
            .map(|m| m.to_minor(bu.currency_exponent))
            .transpose()?;
        let variant_ac = v
            .acquisition_cost
            .map(|m| m.to_minor(bu.currency_exponent))
            .transpose()?;
        let (list_price, list_price_source) = match (lp_override, variant_lp) {
            (Some(o), _) => (Some(o), "manual"),
            (None, Some(l)) => (Some(l), "variant"),
            (None, None) => (None, "unknown"),
        };
        let (acquisition_cost, acquisition_cost_source, used_list_price) =
            match (ac_override, variant_ac, list_price) {
                (Some(o), _, _) => (Some(o), "manual", false),
                (None, Some(a), _) => (Some(a), "variant", false),
                (None, None, Some(l)) => (Some(l), "list_price", true),
                _ => (None, "unknown", false),
            };
        out.push(PricedItem {
            product_id: v.product_id.clone(),
            variant_id: v.variant_id.clone(),
            sku: v.variant_sku.clone(),
            product_name: format!("{} — {}", v.product_name, v.variant_name),
            image: v.images.first().cloned(),
            quantity: qty,
            unit_price: monthly.to_minor(bu.currency_exponent)?,
            contract_length: len,
            list_price,
            list_price_source,
            acquisition_cost,
            acquisition_cost_source,
            list_price_override: lp_override,
            acquisition_cost_override: ac_override,
            used_list_price,
        });
    }
    Ok(out)
}

/// Monthly subtotal, tax and total under the business unit's tax setting (rounded once, half away
/// from zero).
pub fn monthly_totals(bu: &BusinessUnit, subtotal_minor: i64) -> (i64, i64, i64) {
    let subtotal = bu.money(subtotal_minor);
    let rate = bu.settings.tax_rate / Decimal::from(100);
    let (tax, total) = if bu.settings.tax_inclusive {
        let net = Money(subtotal.0 / (Decimal::ONE + rate));
        let tax = (subtotal - net).round(bu.currency_exponent);
        (tax, subtotal)
    } else {
        let tax = (subtotal * rate).round(bu.currency_exponent);
        (tax, subtotal + tax)
    };
    let e = bu.currency_exponent;
    (
        subtotal_minor,
        tax.to_minor(e).unwrap_or(0),
        total.to_minor(e).unwrap_or(0),
    )
}

/// What the counter shows before an order is placed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub items: Vec<OrderItem>,
    pub totals: Totals,
    pub contract_value: Money,
}

fn item_view(bu: &BusinessUnit, p: &PricedItem) -> OrderItem {
    OrderItem {
        product_id: Some(p.product_id.clone()),
        product_image_url: p.image.clone(),
        variant_id: Some(p.variant_id.clone()),
        sku: p.sku.clone(),
        product_name: p.product_name.clone(),
        quantity: p.quantity,
        unit_price: bu.money(p.unit_price),
        contract_length: p.contract_length,
        list_price: bu.money_opt(p.list_price),
        list_price_source: p.list_price_source.into(),
        acquisition_cost: bu.money_opt(p.acquisition_cost),
        acquisition_cost_source: p.acquisition_cost_source.into(),
        list_price_override: bu.money_opt(p.list_price_override),
        acquisition_cost_override: bu.money_opt(p.acquisition_cost_override),
        used_list_price_as_acquisition: p.used_list_price,
        rental_ids: Vec::new(),
        rental_status: ItemRentalStatus::Pending,
        line_total: bu.money(p.unit_price * p.quantity),
        contract_value: bu.money(p.unit_price * p.quantity * p.contract_length),
    }
}

pub async fn quote(db: &Db, bu: &BusinessUnit, items: &[OrderItemInput]) -> Result<Quote> {
    let mut conn = db.pool().acquire().await?;
    let priced = price_items(&mut conn, bu, items).await?;
    let items: Vec<OrderItem> = priced.iter().map(|p| item_view(bu, p)).collect();
    let sub: i64 = priced.iter().map(|p| p.unit_price * p.quantity).sum();
    let (subtotal, tax, total) = monthly_totals(bu, sub);
    Ok(Quote {
        contract_value: items.iter().map(|i| i.contract_value).sum(),
        totals: Totals {
            subtotal: bu.money(subtotal),
            tax_rate: bu.settings.tax_rate,
            tax_inclusive: bu.settings.tax_inclusive,
            tax_amount: bu.money(tax),
            total: bu.money(total),
            currency: bu.currency.clone(),
            total_devices: priced.iter().map(|p| p.quantity).sum(),
        },
        items,
    })
}

fn idem_key(email: &str, items: &[PricedItem]) -> String {
    let mut parts: Vec<String> = items
        .iter()
        .map(|i| format!("{}x{}x{}", i.sku, i.quantity, i.contract_length))
        .collect();
    parts.sort();
    hex::encode(Sha256::digest(
        format!("{}|{}", email.trim().to_lowercase(), parts.join(",")).as_bytes(),
    ))
}

#[derive(Debug)]
/// The result of placing an order: `created` is false when an identical order placed moments
/// before was returned instead (natural idempotency).
pub struct Placed {
    pub order: Order,
    pub created: bool,
}

pub async fn create(db: &Db, ctx: &Ctx, input: OrderInput) -> Result<Placed> {
    let bu = &ctx.bu;
    let mut c = Checks::new();
    if input.customer_id.is_none() {
        match &input.customer {
            None => c.fail(
                "customer",
                "Choose a customer or give their email and name.",
            ),
            Some(cu) => NewCustomer {
                email: cu.email.clone(),
                first_name: cu.first_name.clone(),
                last_name: cu.last_name.clone(),
                ..Default::default()
            }
            .check(&mut c, "customer"),
        }
    }
    match &input.billing_address {
        Some(a) => a.check(&mut c, "billingAddress"),
        None if input.customer_id.is_none() => {
            c.fail("billingAddress", "A billing address is required.")
        }
        None => {}
    }
    if let Some(a) = &input.shipping_address {
        a.check(&mut c, "shippingAddress");
    }
    let order_type = match input.order_type.as_deref() {
        None => OrderType::Standard,
        Some(t) => OrderType::parse(t).unwrap_or_else(|| {
            c.fail(
                "orderType",
                "orderType must be standard, extension or upgrade.",
            );
            OrderType::Standard
        }),
    };
    if let Some(n) = &input.notes {
        c.max_len("notes", n, 5000, "Notes");
    }
    c.finish()?;

    let mut tx = db.write().await?;
    let priced = price_items(&mut tx, bu, &input.items).await?;

    // The customer: chosen by id, or found (or created) by email.
    let (customer_id, customer_email) = match (&input.customer_id, &input.customer) {
        (Some(id), _) => {
            // Only the email here (for the idempotency key); the full customer is read once below.
            let email: Option<String> =
                sqlx::query_scalar("SELECT email FROM customers WHERE id = ? AND bu_id = ?")
                    .bind(id)
                    .bind(&bu.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let email = email.ok_or_else(|| {
                Error::new(
                    ErrorCode::CustomerNotFound,
                    format!("Customer {id} was not found."),
                )
            })?;
            (id.clone(), email)
        }
        (None, Some(cu)) => match customers::id_by_email(&mut tx, &bu.id, &cu.email).await? {
            Some((id, _)) => (id, cu.email.trim().to_string()),
            None => {
                let new = NewCustomer {
                    email: cu.email.clone(),
                    first_name: cu.first_name.clone(),
                    last_name: cu.last_name.clone(),
                    company: cu.company.clone(),
                    phone: cu.phone.clone(),
                    customer_type: cu.customer_type,
                    billing_address: input.billing_address.clone(),
                    shipping_address: input.shipping_address.clone(),
                    ..Default::default()
                };
                (
                    customers::insert(&mut tx, ctx, &new).await?,
                    cu.email.trim().to_string(),
                )
            }
        },
        (None, None) => unreachable!("checked above"),
    };
    let cust = customers::get_in(&mut tx, bu, &customer_id).await?;
    if cust.status != crate::domain::status::CustomerStatus::Active {
        return Err(Error::new(
            ErrorCode::CustomerInactive,
            format!(
                "{} {} is inactive; reactivate them before taking an order.",
                cust.first_name, cust.last_name
            ),
        ));
    }

    // Natural idempotency: the same email and items moments ago return that order.
    let key = idem_key(&customer_email, &priced);
    let since = crate::clock::stamp(ctx.at - chrono::Duration::seconds(IDEMPOTENCY_WINDOW_SECS));
    let recent: Option<String> = sqlx::query_scalar("SELECT id FROM orders WHERE bu_id = ? AND idem_key = ? AND created_at >= ? AND status != 'cancelled' ORDER BY created_at DESC LIMIT 1")
        .bind(&bu.id).bind(&key).bind(&since).fetch_optional(&mut *tx).await?;
    if let Some(existing) = recent.filter(|_| input.order_id.is_none()) {
        let order = get_in(&mut tx, bu, &existing).await?;
        tx.rollback().await?;
        return Ok(Placed {
            order,
            created: false,
        });
    }

    let billing = input
        .billing_address
        .clone()
        .or(cust.last_billing_address.clone())
        .ok_or_else(|| {
            Error::invalid(
                "billingAddress",
                "This customer has no billing address on file; enter one.",
            )
        })?
        .cleaned();
    let shipping = input
        .shipping_address
        .clone()
        .map(Address::cleaned)
        .or(cust.last_shipping_address.clone())
        .unwrap_or_else(|| billing.clone());
    let snapshot = OrderCustomer {
        customer_id: cust.customer_id.clone(),
        email: cust.email.clone(),
        first_name: cust.first_name.clone(),
        last_name: cust.last_name.clone(),
        company: cust.company.clone(),
        phone: cust.phone.clone(),
        customer_type: cust.customer_type,
    };
    let sub: i64 = priced.iter().map(|p| p.unit_price * p.quantity).sum();
    let (subtotal, tax, total) = monthly_totals(bu, sub);
    let devices: i64 = priced.iter().map(|p| p.quantity).sum();
    let id = super::client_id(
        &mut tx,
        ctx,
        "orderId",
        input.order_id.as_deref(),
        prefix::ORDER,
        "orders",
    )
    .await?;
    let number = match input
        .order_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => {
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM orders WHERE bu_id = ? AND order_number = ?")
                    .bind(&bu.id)
                    .bind(n)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("Order number {n} is taken."),
                ));
            }
            n.to_string()
        }
        None => {
            let seq = next_in_series(&mut tx, &bu.id, &format!("order:{}", ctx.desk_code)).await?;
            format!("{}-{}-{:06}", bu.code, ctx.desk_code, seq)
        }
    };
    sqlx::query(
        "INSERT INTO orders (id, bu_id, order_number, status, order_type, customer_id, customer, billing_address, shipping_address, subtotal, tax_amount, total,
         currency, total_devices, rented_devices, notes, custom_fields, extension_details, upgrade_details, idem_key, created_at, updated_at, created_by, tax_rate, tax_inclusive)
         VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&id).bind(&bu.id).bind(&number).bind(order_type.as_str()).bind(&customer_id)
        .bind(serde_json::to_string(&snapshot)?).bind(serde_json::to_string(&billing)?).bind(serde_json::to_string(&shipping)?)
        .bind(subtotal).bind(tax).bind(total).bind(&bu.currency).bind(devices)
        .bind(opt_trim(input.notes.clone()))
        .bind(input.custom_fields.as_ref().filter(|v| !v.is_null()).map(Value::to_string))
        .bind(input.extension_details.as_ref().map(Value::to_string))
        .bind(input.upgrade_details.as_ref().map(Value::to_string))
        .bind(&key).bind(&ctx.now).bind(&ctx.now).bind(&ctx.actor.name).bind(bu.settings.tax_rate.to_string()).bind(bu.settings.tax_inclusive)
        .execute(&mut *tx).await?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO order_items (order_id, idx, product_id, variant_id, sku, product_name, product_image_url, quantity, unit_price, contract_length,
         list_price, list_price_source, acquisition_cost, acquisition_cost_source, list_price_override, acquisition_cost_override, used_list_price_as_acquisition) ");
    qb.push_values(priced.iter().enumerate(), |mut b, (i, p)| {
        b.push_bind(&id)
            .push_bind(i as i64)
            .push_bind(&p.product_id)
            .push_bind(&p.variant_id)
            .push_bind(&p.sku)
            .push_bind(&p.product_name)
            .push_bind(&p.image)
            .push_bind(p.quantity)
            .push_bind(p.unit_price)
            .push_bind(p.contract_length)
            .push_bind(p.list_price)
            .push_bind(p.list_price_source)
            .push_bind(p.acquisition_cost)
            .push_bind(p.acquisition_cost_source)
            .push_bind(p.list_price_override)
            .push_bind(p.acquisition_cost_override)
            .push_bind(p.used_list_price);
    });
    qb.build().execute(&mut *tx).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "created",
            summary: format!(
                "Order {number} for {} {}: {devices} device(s), {} {} a month",
                cust.first_name,
                cust.last_name,
                bu.money(total),
                bu.currency
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    let order = get_in(&mut tx, bu, &id).await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::post("/v1/orders", serde_json::json!({
            "orderId": order.order_id, "orderNumber": order.order_number, "customerId": customer_id,
            "billingAddress": order.billing_address, "shippingAddress": order.shipping_address,
            "items": input.items.iter().map(|i| serde_json::json!({
                "sku": i.sku, "quantity": i.quantity, "contractLength": i.contract_length,
                "listPriceOverride": i.list_price_override.map(|m| crate::money::to_wire_value(&m)),
                "acquisitionCostOverride": i.acquisition_cost_override.map(|m| crate::money::to_wire_value(&m)),
            })).collect::<Vec<_>>(),
            "orderType": order.order_type, "extensionDetails": order.extension_details,
            "upgradeDetails": order.upgrade_details, "customFields": order.custom_fields, "notes": order.notes,
        }))
        .touching([r("order", &id), r("customer", &customer_id)])
        .saying(format!("Order {number}")),
    )
    .await?;
    super::webhooks::emit(&mut tx, ctx, "order.created", || {
        serde_json::json!({
            "orderId": order.order_id,
            "orderNumber": order.order_number,
            "customerId": customer_id,
            "status": order.status,
            "order": crate::money::to_wire_value(&order),
        })
    })
    .await?;
    tx.commit().await?;
    Ok(Placed {
        order,
        created: true,
    })
}

// ---------------------------------------------------------------------------------------------
// State changes

async fn status_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<(OrderStatus, String, i64)> {
    let row: Option<(String, String, i64)> = sqlx::query_as("SELECT status, order_number, rented_devices FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?")
        .bind(id).bind(id).bind(&bu.id).fetch_optional(conn).await?;
    let (s, n, r) = row.ok_or_else(|| Error::not_found("Order", id))?;
    Ok((
        OrderStatus::parse(&s).unwrap_or(OrderStatus::Cancelled),
        n,
        r,
    ))
}

async fn order_id_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id_or_number: &str,
) -> Result<String> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?",
    )
    .bind(id_or_number)
    .bind(id_or_number)
    .bind(&bu.id)
    .fetch_optional(conn)
    .await?;
    id.ok_or_else(|| Error::not_found("Order", id_or_number))
}

/// pending → confirmed: ready for fulfilment (activation requires it while `requireConfirmedOrders` is on).
pub async fn confirm(db: &Db, ctx: &Ctx, order: &str) -> Result<Order> {
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let (status, number, _) = status_of(&mut tx, &ctx.bu, &id).await?;
    match status {
        OrderStatus::Pending => {}
        OrderStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Order {number} is cancelled."),
            ))
        }
        other => {
            return Err(Error::new(
                ErrorCode::InvalidStatus,
                format!("Order {number} is already {other}; only pending orders are confirmed."),
            ))
        }
    }
    sqlx::query(
        "UPDATE orders SET status = 'confirmed', confirmed_at = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&ctx.now)
    .bind(&ctx.now)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "confirmed",
            summary: format!("Order {number} confirmed"),
            before: Some(serde_json::json!({"status": "pending"})),
            after: Some(serde_json::json!({"status": "confirmed"})),
        },
    )
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::post(format!("/v1/orders/{id}/confirm"), serde_json::json!({}))
            .touching([r("order", &id)])
            .saying(format!("Order {number} confirmed")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

pub async fn cancel(db: &Db, ctx: &Ctx, order: &str, reason: Option<String>) -> Result<Order> {
    if let Some(r) = &reason {
        let mut c = Checks::new();
        c.max_len("reason", r, 1000, "Reason");
        c.finish()?;
    }
    let reason_sent = reason.clone();
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let (status, number, rented) = status_of(&mut tx, &ctx.bu, &id).await?;
    if status == OrderStatus::Cancelled {
        return Err(Error::new(
            ErrorCode::AlreadyCancelled,
            format!("Order {number} is already cancelled."),
        ));
    }
    if !status.cancellable() || rented > 0 {
        return Err(Error::new(ErrorCode::OrderNotCancellable, format!("Order {number} is {status}; only pending or confirmed orders can be cancelled. Cancel its subscriptions instead.")));
    }
    sqlx::query("UPDATE orders SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?")
        .bind(&ctx.now).bind(opt_trim(reason.clone())).bind(&ctx.now).bind(&id).execute(&mut *tx).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "cancelled",
            summary: format!(
                "Order {number} cancelled{}",
                opt_trim(reason)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            before: Some(serde_json::json!({"status": status})),
            after: Some(serde_json::json!({"status": "cancelled"})),
        },
    )
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::post(
            format!("/v1/orders/{id}/cancel"),
            serde_json::json!({ "reason": reason_sent }),
        )
        .touching([r("order", &id)])
        .saying(format!("Order {number} cancelled")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

/// Replace the order's notes (at most 5000 characters).
pub async fn set_notes(db: &Db, ctx: &Ctx, order: &str, notes: &str) -> Result<Order> {
    let mut c = Checks::new();
    c.max_len("notes", notes, 5000, "Notes");
    c.finish()?;
    let mut tx = db.write().await?;
    let id = order_id_of(&mut tx, &ctx.bu, order).await?;
    let before: Option<String> = sqlx::query_scalar("SELECT notes FROM orders WHERE id = ?")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE orders SET notes = ?, updated_at = ? WHERE id = ?")
        .bind(notes)
        .bind(&ctx.now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &id,
            action: "notes_changed",
            summary: "Notes changed".into(),
            before: Some(serde_json::json!({"notes": before})),
            after: Some(serde_json::json!({"notes": notes})),
        },
    )
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::patch(
            format!("/v1/orders/{id}/notes"),
            serde_json::json!({ "notes": notes }),
        )
        .touching([r("order", &id)])
        .saying(format!("Notes of {id} changed")),
    )
    .await?;
    let o = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// Reads

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    order_number: String,
    status: String,
    order_type: String,
    customer: String,
    billing_address: String,
    shipping_address: String,
    subtotal: i64,
    tax_amount: i64,
    total: i64,
    currency: String,
    total_devices: i64,
    rented_devices: i64,
    notes: Option<String>,
    custom_fields: Option<String>,
    extension_details: Option<String>,
    upgrade_details: Option<String>,
    billing_group_id: Option<String>,
    cancel_reason: Option<String>,
    confirmed_at: Option<String>,
    cancelled_at: Option<String>,
    created_at: String,
    updated_at: String,
    created_by: String,
    tax_rate: String,
    tax_inclusive: bool,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    order_id: String,
    product_id: Option<String>,
    variant_id: Option<String>,
    sku: String,
    product_name: String,
    product_image_url: Option<String>,
    quantity: i64,
    unit_price: i64,
    contract_length: i64,
    list_price: Option<i64>,
    list_price_source: String,
    acquisition_cost: Option<i64>,
    acquisition_cost_source: String,
    list_price_override: Option<i64>,
    acquisition_cost_override: Option<i64>,
    used_list_price_as_acquisition: bool,
}

const COLS: &str = "o.id, o.order_number, o.status, o.order_type, o.customer, o.billing_address, o.shipping_address, o.subtotal, o.tax_amount, o.total, o.currency,
    o.total_devices, o.rented_devices, o.notes, o.custom_fields, o.extension_details, o.upgrade_details, o.billing_group_id, o.cancel_reason,
    o.confirmed_at, o.cancelled_at, o.created_at, o.updated_at, o.created_by, o.tax_rate, o.tax_inclusive";

async fn hydrate(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    rows: Vec<Row>,
) -> Result<Vec<Order>> {
    let mut items: HashMap<String, Vec<OrderItem>> = HashMap::new();
    if !rows.is_empty() {
        // One statement text whatever the page size (a JSON list of ids), so it stays prepared.
        let ids = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())?;
        let irows: Vec<ItemRow> = sqlx::query_as(
            "SELECT order_id, product_id, variant_id, sku, product_name, product_image_url, quantity, unit_price, contract_length, list_price, list_price_source,
             acquisition_cost, acquisition_cost_source, list_price_override, acquisition_cost_override, used_list_price_as_acquisition
             FROM order_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, idx")
            .bind(ids).fetch_all(&mut *conn).await?;
        for i in irows {
            items
                .entry(i.order_id.clone())
                .or_default()
                .push(OrderItem {
                    product_id: i.product_id,
                    product_image_url: i.product_image_url,
                    variant_id: i.variant_id,
                    sku: i.sku,
                    product_name: i.product_name,
                    quantity: i.quantity,
                    unit_price: bu.money(i.unit_price),
                    contract_length: i.contract_length,
                    list_price: bu.money_opt(i.list_price),
                    list_price_source: i.list_price_source,
                    acquisition_cost: bu.money_opt(i.acquisition_cost),
                    acquisition_cost_source: i.acquisition_cost_source,
                    list_price_override: bu.money_opt(i.list_price_override),
                    acquisition_cost_override: bu.money_opt(i.acquisition_cost_override),
                    used_list_price_as_acquisition: i.used_list_price_as_acquisition,
                    rental_ids: Vec::new(),
                    rental_status: ItemRentalStatus::Pending,
                    line_total: bu.money(i.unit_price * i.quantity),
                    contract_value: bu.money(i.unit_price * i.quantity * i.contract_length),
                });
        }
    }
    // Which subscriptions fulfil which item (upgrades carry no item).
    let mut fulfilment: HashMap<(String, i64), Vec<String>> = HashMap::new();
    let mut order_rentals: HashMap<String, Vec<String>> = HashMap::new();
    if !rows.is_empty() {
        let ids = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())?;
        let subs: Vec<(String, Option<i64>, String)> = sqlx::query_as(
            "SELECT order_id, item_idx, id FROM subscriptions WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid",
        )
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        for (oid, idx, rid) in subs {
            order_rentals
                .entry(oid.clone())
                .or_default()
                .push(rid.clone());
            if let Some(idx) = idx {
                fulfilment.entry((oid, idx)).or_default().push(rid);
            }
        }
    }
    for (oid, list) in items.iter_mut() {
        for (idx, item) in list.iter_mut().enumerate() {
            if let Some(r) = fulfilment.remove(&(oid.clone(), idx as i64)) {
                item.rental_status = if r.len() as i64 >= item.quantity {
                    ItemRentalStatus::Completed
                } else {
                    ItemRentalStatus::Partial
                };
                item.rental_ids = r;
            }
        }
    }
    rows.into_iter()
        .map(|r| {
            let items = items.remove(&r.id).unwrap_or_default();
            let rental_ids = order_rentals.remove(&r.id).unwrap_or_default();
            let customer: OrderCustomer = serde_json::from_str(&r.customer)
                .map_err(|e| Error::internal(format!("order {} customer: {e}", r.id)))?;
            Ok(Order {
                contract_value: items.iter().map(|i| i.contract_value).sum(),
                items,
                order_id: r.id,
                order_number: r.order_number,
                tenant_id: bu.id.clone(),
                status: OrderStatus::parse(&r.status).unwrap_or(OrderStatus::Pending),
                order_type: OrderType::parse(&r.order_type).unwrap_or(OrderType::Standard),
                customer,
                billing_address: json_col(Some(&r.billing_address)).unwrap_or_default(),
                shipping_address: json_col(Some(&r.shipping_address)).unwrap_or_default(),
                totals: Totals {
                    subtotal: bu.money(r.subtotal),
                    tax_rate: r.tax_rate.parse().unwrap_or_default(),
                    tax_inclusive: r.tax_inclusive,
                    tax_amount: bu.money(r.tax_amount),
                    total: bu.money(r.total),
                    currency: r.currency,
                    total_devices: r.total_devices,
                },
                custom_fields: json_col(r.custom_fields.as_deref()),
                rental_progress: RentalProgress {
                    total_devices: r.total_devices,
                    rented_devices: r.rented_devices,
                },
                rental_ids,
                billing_group_id: r.billing_group_id,
                notes: r.notes,
                extension_details: json_col(r.extension_details.as_deref()),
                upgrade_details: json_col(r.upgrade_details.as_deref()),
                confirmed_at: r.confirmed_at,
                cancelled_at: r.cancelled_at,
                cancel_reason: r.cancel_reason,
                created_at: r.created_at,
                updated_at: r.updated_at,
                created_by: r.created_by,
            })
        })
        .collect()
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id_or_number: &str,
) -> Result<Order> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM orders o WHERE (o.id = ? OR o.order_number = ?) AND o.bu_id = ?"
    ))
    .bind(id_or_number)
    .bind(id_or_number)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Order", id_or_number))?;
    Ok(hydrate(conn, bu, vec![row]).await?.remove(0))
}

/// An order by id or by its printed number.
pub async fn get(db: &Db, bu: &BusinessUnit, id_or_number: &str) -> Result<Order> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id_or_number).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct OrderQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<String>,
}

pub async fn list(db: &Db, bu: &BusinessUnit, q: &OrderQuery) -> Result<Page<Order>> {
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new(format!("SELECT {COLS} FROM orders o WHERE o.bu_id = "));
    qb.push_bind(bu.id.clone());
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        OrderStatus::parse_field("status", s)?;
        qb.push(" AND o.status = ").push_bind(s.to_string());
    }
    if let Some(s) = q.customer_id.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND o.customer_id = ").push_bind(s.to_string());
    }
    super::changed_since(
        &mut qb,
        "o",
        "id",
        "order",
        &bu.id,
        q.changed_since.as_deref(),
    )?;
    super::keyset_tail(
        db,
        &mut qb,
        "orders",
        "o",
        "id",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let orders = hydrate(&mut conn, bu, rows).await?;
    Ok(into_page(orders, limit, |o| o.order_id.clone()))
}
