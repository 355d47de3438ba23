//! Activation: an order-item unit and a scanned serial become a subscription with its schedule.

use super::*;
use crate::domain::cost::{starting_cost, Cost, CostFacts};

// ---------------------------------------------------------------------------------------------
// Activation

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ActivateInput {
    /// The subscription id to use (a desk's, replayed on a hub); made here when absent.
    #[serde(alias = "subscriptionId")]
    pub rental_id: Option<String>,
    /// Order id or number.
    pub order_id: String,
    #[serde(alias = "serialNumber")]
    pub asset_serial_number: String,
    /// Must be the order's customer when given (the v1 API requires it; the desk leaves it out).
    pub customer_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// Defaults to today.
    pub start_date: Option<String>,
    /// Defaults to the order item's contract length.
    #[ts(optional, type = "number")]
    pub contract_length: Option<Value>,
    pub notes: Option<String>,
}

/// The order's progress after a scan, for the scan station.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Activation {
    pub rental: Rental,
    pub order_number: String,
    pub order_status: OrderStatus,
    pub rented_devices: i64,
    pub total_devices: i64,
    pub message: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) idx: i64,
    pub(super) sku: String,
    pub(super) quantity: i64,
    pub(super) filled: i64,
    pub(super) product_id: Option<String>,
    pub(super) variant_id: Option<String>,
    pub(super) product_name: String,
    pub(super) product_image_url: Option<String>,
    pub(super) unit_price: i64,
    pub(super) contract_length: i64,
    pub(super) list_price: Option<i64>,
    pub(super) list_price_source: String,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) acquisition_cost_source: String,
    pub(super) acquisition_cost_override: Option<i64>,
}

/// Assign a serial to the first unit of the order that wants its SKU. The checks run in the
/// order spec/decisions.md gives; the first failure wins and nothing is written.
pub async fn activate(db: &Db, ctx: &Ctx, input: ActivateInput) -> Result<Activation> {
    let mut tx = db.write().await?;
    let a = activate_in(&mut tx, ctx, input).await?;
    tx.commit().await?;
    Ok(a)
}

/// `activate` inside the caller's transaction (a conflict resolved with another serial does both
/// in one).
pub(crate) async fn activate_in(
    tx: &mut SqliteConnection,
    ctx: &Ctx,
    input: ActivateInput,
) -> Result<Activation> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let mut c = crate::error::Checks::new();
    c.require("orderId", &input.order_id, "The order");
    c.require(
        "assetSerialNumber",
        &input.asset_serial_number,
        "The serial number",
    );
    let start = match opt_trim(input.start_date.clone()) {
        Some(s) => match crate::services::business_day("startDate", &s, today) {
            Ok(d) => Some(d),
            Err(e) => {
                c.fail("startDate", e.message);
                None
            }
        },
        None => Some(today),
    };
    let months = match &input.contract_length {
        None | Some(Value::Null) => None,
        Some(v) => match crate::services::whole_number(v)
            .and_then(crate::domain::limits::ContractLength::new)
        {
            Some(n) => Some(n.months()),
            None => {
                c.fail(
                    "contractLength",
                    format!(
                        "The contract length must be a whole number of months from {}.",
                        crate::domain::limits::ContractLength::range_text()
                    ),
                );
                None
            }
        },
    };
    let notes = text_field(
        "notes",
        input.notes.clone(),
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    c.finish()?;
    let start = start.unwrap_or(today);

    // 1. The order.
    let order: Option<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, order_number, status, customer_id, total_devices, rented_devices FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?",
    )
    .bind(input.order_id.trim())
    .bind(input.order_id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *tx)
    .await?;
    let (order_id, number, status, customer_id, total, rented) = order.ok_or_else(|| {
        Error::new(
            ErrorCode::OrderNotFound,
            format!("No order {} in this business unit.", input.order_id.trim()),
        )
    })?;
    if let Some(cid) = opt_trim(input.customer_id.clone()) {
        if cid != customer_id {
            return Err(Error::invalid(
                "customerId",
                format!("Order {number} belongs to another customer."),
            ));
        }
    }
    // The billing group to join: of this unit, active, and billing this order's customer.
    let group_id = match opt_trim(input.billing_group_id.clone()) {
        None => None,
        Some(g) => {
            let found: Option<(String, String)> = sqlx::query_as(
                "SELECT customer_id, status FROM billing_groups WHERE id = ? AND bu_id = ?",
            )
            .bind(&g)
            .bind(&bu.id)
            .fetch_optional(&mut *tx)
            .await?;
            let (group_customer, group_status) =
                found.ok_or_else(|| Error::not_found("Billing group", &g))?;
            if group_customer != customer_id {
                return Err(Error::new(
                    ErrorCode::SubscriptionDifferentCustomer,
                    format!("Billing group {g} bills another customer than order {number}'s."),
                ));
            }
            if group_status != "active" {
                return Err(Error::invalid(
                    "billingGroupId",
                    format!("Billing group {g} is inactive."),
                ));
            }
            Some(g)
        }
    };
    // 2. Confirmed (or already partly fulfilled).
    let status = OrderStatus::parse(&status).unwrap_or(OrderStatus::Pending);
    match status {
        OrderStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::OrderNotConfirmed,
                format!("Order {number} was cancelled."),
            ));
        }
        OrderStatus::Pending if bu.settings.require_confirmed_orders => {
            return Err(Error::new(
                ErrorCode::OrderNotConfirmed,
                format!("Order {number} is not confirmed yet; confirm it first."),
            ));
        }
        _ => {}
    }
    // 3. Anything left to fulfil.
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT i.idx, i.sku, i.quantity,
             (SELECT count(*) FROM subscriptions s WHERE s.order_id = i.order_id AND s.item_idx = i.idx) AS filled,
             i.product_id, i.variant_id, i.product_name, i.product_image_url, i.unit_price, i.contract_length, i.list_price, i.list_price_source,
             i.acquisition_cost, i.acquisition_cost_source, i.acquisition_cost_override
         FROM order_items i WHERE i.order_id = ? ORDER BY i.idx",
    )
    .bind(&order_id)
    .fetch_all(&mut *tx)
    .await?;
    if items.iter().all(|i| i.filled >= i.quantity) {
        return Err(Error::new(
            ErrorCode::ItemFullyFulfilled,
            format!("Every unit of order {number} already has a device."),
        ));
    }
    // 4–5. The asset, available.
    let asset = asset_by_serial(tx, bu, &input.asset_serial_number).await?;
    if asset.status == "rented_out" {
        if let Some(rid) = &asset.rental_id {
            let same: Option<String> =
                sqlx::query_scalar("SELECT id FROM subscriptions WHERE id = ? AND order_id = ?")
                    .bind(rid)
                    .bind(&order_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if same.is_some() {
                return Err(Error::new(
                    ErrorCode::AssetNotAvailable,
                    format!(
                        "Serial {} is already activated on this order.",
                        asset.serial_number
                    ),
                ));
            }
        }
    }
    require_available(&asset)?;
    // 6–7. An item of the order wants this SKU and has a free unit.
    let with_sku: Vec<&ItemRow> = items.iter().filter(|i| i.sku == asset.sku).collect();
    if with_sku.is_empty() {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}; order {number} wants {}.",
                asset.serial_number,
                asset.sku,
                items
                    .iter()
                    .filter(|i| i.filled < i.quantity)
                    .map(|i| i.sku.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let Some(item) = with_sku.into_iter().find(|i| i.filled < i.quantity) else {
        return Err(Error::new(
            ErrorCode::ItemFullyFulfilled,
            format!("Order {number} already has every {} it needs.", asset.sku),
        ));
    };
    let (cust_email, cust_name): (String, String) = sqlx::query_as(concat!(
        "SELECT c.email, ",
        crate::customer_name_sql!(),
        " FROM customers c WHERE c.id = ?"
    ))
    .bind(&customer_id)
    .fetch_one(&mut *tx)
    .await?;
    // The line's cost as the order priced it: what the device is expected to cost, and what is
    // recorded when the device has no cost of its own.
    let line_cost = Cost {
        amount: item.acquisition_cost,
        source: &item.acquisition_cost_source,
    };
    let cost = starting_cost(CostFacts {
        order_override: item.acquisition_cost_override,
        asset: asset.acquisition_cost,
        expected: line_cost,
        otherwise: line_cost,
    });
    let months = months.unwrap_or(item.contract_length as u32);
    let id = start_subscription(
        tx,
        ctx,
        NewSub {
            order_id: &order_id,
            item_idx: Some(item.idx),
            customer_id: &customer_id,
            customer_email: &cust_email,
            customer_name: &cust_name,
            asset: &asset,
            product_id: item.product_id.clone(),
            variant_id: item.variant_id.clone(),
            sku: &item.sku,
            product_name: &item.product_name,
            product_image_url: item.product_image_url.clone(),
            monthly: item.unit_price,
            months,
            start,
            list_price: item.list_price,
            list_price_source: item.list_price_source.clone(),
            acquisition_cost: cost.amount,
            acquisition_cost_source: cost.source.to_string(),
            upgrade_from: None,
            notes,
            start_reason: "activated",
            billing_group_id: group_id.clone(),
            id: input.rental_id.as_deref(),
        },
    )
    .await?;
    // The tier's setup fee, once, as a charge of its own.
    let started = row_in(tx, bu, &id).await?;
    payments::setup_fee_in(tx, ctx, &started, started.tax(bu)).await?;
    let rented = rented + 1;
    let new_status = status.with_devices_out(rented, total);
    sqlx::query("UPDATE orders SET rented_devices = ?, status = ?, updated_at = ? WHERE id = ?")
        .bind(rented)
        .bind(new_status.as_str())
        .bind(&ctx.now)
        .bind(&order_id)
        .execute(&mut *tx)
        .await?;
    if new_status != status {
        event(
            tx,
            ctx,
            "order",
            &order_id,
            new_status.as_str(),
            format!("Order {number} is {new_status} ({rented} of {total} devices out)"),
            Some((
                serde_json::json!({ "status": status }),
                serde_json::json!({ "status": new_status }),
            )),
        )
        .await?;
    }
    event(
        tx,
        ctx,
        "subscription",
        &id,
        "activated",
        format!(
            "Activated {} ({}) for {cust_name} on order {number}, {months} months from {}",
            asset.serial_number,
            item.sku,
            day_text(start)
        ),
        None,
    )
    .await?;
    let rental = get_in(tx, bu, &id, today).await?;
    crate::services::outbox::record(
        tx,
        ctx,
        Op::new(
            OpKind::SubscriptionCreate,
            None,
            &ActivateInput {
                rental_id: Some(id.clone()),
                order_id: order_id.clone(),
                asset_serial_number: asset.serial_number.clone(),
                customer_id: Some(customer_id.clone()),
                billing_group_id: group_id.clone(),
                start_date: Some(day_text(start)),
                contract_length: Some(months.into()),
                notes: rental.notes.clone(),
            },
        )
        .touching([
            r("rental", &id),
            r("asset", &asset.serial_number),
            r("order", &order_id),
        ])
        .saying(format!("Activated {} on {number}", asset.serial_number)),
    )
    .await?;
    emit_subscription(tx, ctx, "subscription.created", &rental, Value::Null).await?;
    if new_status == OrderStatus::Fulfilled && status != OrderStatus::Fulfilled {
        webhooks::emit(tx, ctx, "order.fulfilled", || {
            serde_json::json!({
                "orderId": order_id,
                "orderNumber": number,
                "customerId": rental.customer_id,
                "rentedDevices": rented,
                "totalDevices": total,
            })
        })
        .await?;
    }
    Ok(Activation {
        message: format!(
            "{} activated on {number} ({rented} of {total}).",
            rental.asset_serial_number
        ),
        rental,
        order_number: number,
        order_status: new_status,
        rented_devices: rented,
        total_devices: total,
    })
}

/// A subscription action (`extend`, `buyout`, …) as its v1 op: touching the subscription, its
/// asset and `more`.
pub(super) async fn action_op<const N: usize>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    kind: OpKind,
    body: Value,
    more: [String; N],
) -> Result<()> {
    let mut refs = vec![r("rental", &row.id), r("asset", &row.serial_number)];
    refs.extend(more);
    // FlexPortal's lifecycle bodies name the subscription too.
    let mut body = body;
    if let Some(o) = body.as_object_mut() {
        o.entry("rentalId").or_insert_with(|| row.id.clone().into());
    }
    crate::services::outbox::record(
        conn,
        ctx,
        Op::new(kind, Some(&row.id), &body)
            .touching(refs)
            .saying(format!(
                "{} {} ({})",
                kind.as_str(),
                row.id,
                row.serial_number
            )),
    )
    .await
}

/// The end of a subscription by one of its v1 actions: the subscription as it now is, its
/// `subscription.ended` event and the action's op.
pub(super) async fn ended(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    reason: &str,
    kind: OpKind,
    op_body: Value,
) -> Result<Rental> {
    let rental = get_in(conn, &ctx.bu, &row.id, ctx.today()).await?;
    emit_subscription(
        conn,
        ctx,
        "subscription.ended",
        &rental,
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    action_op(conn, ctx, row, kind, op_body, []).await?;
    Ok(rental)
}
