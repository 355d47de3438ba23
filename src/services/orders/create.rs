//! Taking an order: the input, pricing each item by its contract length, and creating the order with its customer.

use super::*;
use crate::domain::pricing;
use crate::domain::schedule::TaxRule;

// Input

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
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

pub(super) struct PricedItem {
    pub(super) product_id: String,
    pub(super) variant_id: String,
    pub(super) sku: String,
    pub(super) product_name: String,
    pub(super) image: Option<String>,
    pub(super) quantity: i64,
    pub(super) unit_price: i64,
    pub(super) contract_length: i64,
    pub(super) list_price: Option<i64>,
    pub(super) list_price_source: &'static str,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) acquisition_cost_source: &'static str,
    pub(super) list_price_override: Option<i64>,
    pub(super) acquisition_cost_override: Option<i64>,
    pub(super) used_list_price: bool,
}

pub(super) fn whole(path: &str, v: &Value, label: &str, c: &mut Checks) -> Option<i64> {
    let n = crate::services::whole_number(v);
    if n.is_none() {
        c.fail(path, format!("{label} must be a whole number."));
    }
    n
}

/// Price every item from its variant's tier; the first failing item decides the error code.
pub(super) async fn price_items(
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
        let v = crate::services::catalog::offered_variant(conn, bu, sku).await?;
        if crate::domain::limits::ContractLength::new(len).is_none() {
            return Err(Error::new(
                ErrorCode::InvalidContractLength,
                format!(
                    "Contract length {len} is outside {} months.",
                    crate::domain::limits::ContractLength::range_text()
                ),
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
        let monthly = pricing::discounted(
            tier.monthly_price,
            tier.discount.as_ref().map(pricing::Discount::from),
            bu.currency_exponent,
        );
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
        let costs = pricing::line_costs(lp_override, variant_lp, ac_override, variant_ac);
        out.push(PricedItem {
            product_id: v.product_id.clone(),
            variant_id: v.variant_id.clone(),
            sku: v.variant_sku.clone(),
            product_name: format!("{} — {}", v.product_name, v.variant_name),
            image: v.images.first().cloned(),
            quantity: qty,
            unit_price: monthly.to_minor(bu.currency_exponent)?,
            contract_length: len,
            list_price: costs.list_price,
            list_price_source: costs.list_price_source,
            acquisition_cost: costs.acquisition_cost,
            acquisition_cost_source: costs.acquisition_cost_source,
            list_price_override: lp_override,
            acquisition_cost_override: ac_override,
            used_list_price: costs.used_list_price,
        });
    }
    Ok(out)
}

/// The business unit's tax rule for prices at the counter (its rate, inclusive or not).
fn unit_tax(bu: &BusinessUnit) -> TaxRule {
    TaxRule {
        rate: bu.settings.tax_rate,
        inclusive: bu.settings.tax_inclusive,
        exponent: bu.currency_exponent,
    }
}

/// Monthly subtotal, tax and total under the business unit's tax setting (rounded once, half away
/// from zero).
pub fn monthly_totals(bu: &BusinessUnit, subtotal_minor: i64) -> (i64, i64, i64) {
    let rule = unit_tax(bu);
    let a = rule.split(subtotal_minor);
    (subtotal_minor, a.tax, a.total)
}

/// What the counter shows before an order is placed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub items: Vec<OrderItem>,
    pub totals: Totals,
    /// Monthly price × months × quantity, as the unit states prices (FlexPortal's figure).
    pub contract_value: Money,
    #[serde(flatten)]
    pub prices: Prices,
}

/// An order's prices as they will be invoiced, for showing them by the price rule (a consumer
/// with VAT, a business net): what FlexDesk adds to an order and a counter quote.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    /// The whole contract: each device's monthly payment split into net and VAT as its schedule
    /// will be, times its months.
    pub contract: TaxedAmount,
    /// One month of the whole order, split the same way.
    pub monthly: TaxedAmount,
    /// Each item's price split the same way, in the order of the items.
    pub lines: Vec<LinePrice>,
}

/// An item's price as it will be invoiced: one device for one month, and the whole line (its
/// quantity for its months).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LinePrice {
    pub month: TaxedAmount,
    pub contract: TaxedAmount,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TaxedAmount {
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

/// An item as priced: monthly price (minor units), quantity, months.
#[derive(Debug, Clone, Copy)]
pub struct PricedLine {
    pub unit_price: i64,
    pub quantity: i64,
    pub months: i64,
}

impl Prices {
    /// The prices of `items` under a tax rule: each device's monthly price is split once, as
    /// its monthly payment will be.
    pub fn of(rule: TaxRule, items: &[PricedLine]) -> Prices {
        let taxed = |lines: &[PricedLine], times: &dyn Fn(&PricedLine) -> i64| {
            let (mut net, mut tax, mut gross) = (0i64, 0i64, 0i64);
            for l in lines {
                let a = rule.split(l.unit_price);
                let n = times(l);
                (net, tax, gross) = (net + a.net * n, tax + a.tax * n, gross + a.total * n);
            }
            let m = |v| Money::from_minor(v, rule.exponent);
            TaxedAmount {
                net: m(net),
                tax: m(tax),
                gross: m(gross),
            }
        };
        let whole = |l: &PricedLine| l.quantity * l.months;
        Prices {
            contract: taxed(items, &whole),
            monthly: taxed(items, &|l| l.quantity),
            lines: items
                .iter()
                .map(|l| LinePrice {
                    month: taxed(std::slice::from_ref(l), &|_| 1),
                    contract: taxed(std::slice::from_ref(l), &whole),
                })
                .collect(),
        }
    }
}

pub(super) fn item_view(bu: &BusinessUnit, p: &PricedItem) -> OrderItem {
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
    let lines: Vec<PricedLine> = priced
        .iter()
        .map(|p| PricedLine {
            unit_price: p.unit_price,
            quantity: p.quantity,
            months: p.contract_length,
        })
        .collect();
    Ok(Quote {
        contract_value: items.iter().map(|i| i.contract_value).sum(),
        prices: Prices::of(unit_tax(bu), &lines),
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

pub(super) fn idem_key(email: &str, items: &[PricedItem]) -> String {
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
        c.max_len("notes", n, crate::domain::limits::Notes::MAX_CHARS, "Notes");
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
    let id = crate::services::client_id(
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
    let row = crate::store::orders::OrderRow {
        id: id.clone(),
        bu_id: bu.id.clone(),
        order_number: number.clone(),
        status: "pending".into(),
        order_type: order_type.as_str().to_string(),
        customer_id: customer_id.clone(),
        customer: serde_json::to_string(&snapshot)?,
        billing_address: serde_json::to_string(&billing)?,
        shipping_address: serde_json::to_string(&shipping)?,
        subtotal,
        tax_amount: tax,
        total,
        currency: bu.currency.clone(),
        total_devices: devices,
        notes: opt_trim(input.notes.clone()),
        custom_fields: input
            .custom_fields
            .as_ref()
            .filter(|v| !v.is_null())
            .map(Value::to_string),
        extension_details: input.extension_details.as_ref().map(Value::to_string),
        upgrade_details: input.upgrade_details.as_ref().map(Value::to_string),
        idem_key: key.clone(),
        created_at: ctx.now.clone(),
        updated_at: ctx.now.clone(),
        created_by: ctx.actor.name.clone(),
        tax_rate: bu.settings.tax_rate.to_string(),
        tax_inclusive: bu.settings.tax_inclusive,
        ..Default::default()
    };
    let items: Vec<crate::store::orders::OrderItemRow> = priced
        .iter()
        .enumerate()
        .map(|(i, p)| crate::store::orders::OrderItemRow {
            order_id: id.clone(),
            idx: i as i64,
            product_id: Some(p.product_id.clone()),
            variant_id: Some(p.variant_id.clone()),
            sku: p.sku.clone(),
            product_name: p.product_name.clone(),
            product_image_url: p.image.clone(),
            quantity: p.quantity,
            unit_price: p.unit_price,
            contract_length: p.contract_length,
            list_price: p.list_price,
            list_price_source: p.list_price_source.to_string(),
            acquisition_cost: p.acquisition_cost,
            acquisition_cost_source: p.acquisition_cost_source.to_string(),
            list_price_override: p.list_price_override,
            acquisition_cost_override: p.acquisition_cost_override,
            used_list_price_as_acquisition: p.used_list_price,
        })
        .collect();
    crate::store::orders::insert(&mut tx, &row, &items).await?;
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
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::OrderCreate,
            None,
            &OrderInput {
                order_id: Some(order.order_id.clone()),
                order_number: Some(order.order_number.clone()),
                customer_id: Some(customer_id.clone()),
                customer: None,
                billing_address: Some(order.billing_address.clone()),
                shipping_address: Some(order.shipping_address.clone()),
                items: input.items.clone(),
                order_type: Some(order.order_type.as_str().to_string()),
                extension_details: order.extension_details.clone(),
                upgrade_details: order.upgrade_details.clone(),
                custom_fields: order.custom_fields.clone(),
                notes: order.notes.clone(),
            },
        )
        .touching([r("order", &id), r("customer", &customer_id)])
        .saying(format!("Order {number}")),
    )
    .await?;
    crate::services::webhooks::emit(&mut tx, ctx, "order.created", || {
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
