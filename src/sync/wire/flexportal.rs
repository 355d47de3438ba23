//! The desk's ops as FlexPortal's own operations (docs/sync.md has the table). Every request is
//! one of the operations in FlexPortal's document, its body cut to the fields that operation
//! documents and filled with the fields it requires. What FlexPortal has no operation for stays
//! on this desk; a new customer travels in its first order's `customer` object, as FlexPortal
//! makes customers.

use super::contract;
use super::{Call, Outgoing, Wire};
use crate::error::{Error, Result};
use crate::services::outbox::OpKind;
use crate::services::{assets, business_units, customers};
use crate::store::Db;
use crate::sync::remote::Remote;
use serde_json::{json, Value};

/// Why each kind FlexPortal has no operation for stays on this desk.
pub const KEPT_CONFIRM: &str =
    "FlexPortal has no operation to confirm an order (confirming is optional there).";
pub const KEPT_MARK_FAILED: &str = "FlexPortal has no operation to mark a payment failed.";
pub const KEPT_REVERSE: &str =
    "FlexPortal has no operation to take back a payment: set it back in FlexPortal's dashboard.";
pub const KEPT_RECEIVE: &str = "FlexPortal has no operation for a part payment: it learns the payment when the last part pays it.";
pub const KEPT_REFUND: &str =
    "FlexPortal has no operation for a refund: refund it with the payment processor there.";
pub const KEPT_CHARGE: &str =
    "FlexPortal has no operation to add a charge to a subscription: it stays on this desk.";
pub const KEPT_RETURN: &str = "FlexPortal has no operation for a completion or a collection at the returns desk: record the device's return in FlexPortal's dashboard.";
pub const KEPT_CUSTOMER_NEVER_ORDERED: &str =
    "The customer has no order, so FlexPortal has no record of them.";
const CARRIED_CUSTOMER: &str =
    "A new customer travels in their first order, as FlexPortal makes customers.";

/// FlexPortal requires a reason where the desk may not have asked for one: what is sent then.
const NO_REASON: &str = "No reason given at the desk.";
const REASONS: &[(OpKind, &str)] = &[
    (OpKind::SubscriptionExtend, "reason"),
    (OpKind::SubscriptionBuyout, "reason"),
    (OpKind::SubscriptionEarlyReturn, "reason"),
    (OpKind::SubscriptionCancel, "reason"),
    (OpKind::SubscriptionUpgrade, "reason"),
    (OpKind::SubscriptionReplace, "replacementReason"),
    (OpKind::PaymentCancel, "reason"),
];

pub(super) async fn outgoing(
    db: &Db,
    remote: &Remote,
    kind: OpKind,
    key: Option<&str>,
    body: Option<Value>,
) -> Result<Wire> {
    use OpKind::*;
    let k = key.unwrap_or_default();
    let hub = super::hub(kind, key);
    let mut body = body.unwrap_or(Value::Null);
    let mut mints = vec![];
    match kind {
        OrderConfirm => return Ok(Wire::Kept(KEPT_CONFIRM)),
        PaymentMarkFailed => return Ok(Wire::Kept(KEPT_MARK_FAILED)),
        PaymentReverse => return Ok(Wire::Kept(KEPT_REVERSE)),
        PaymentRefund => return Ok(Wire::Kept(KEPT_REFUND)),
        PaymentCharge => return Ok(Wire::Kept(KEPT_CHARGE)),
        // The part that pays the rest is the payment marked paid there; earlier parts stay here.
        PaymentReceive => {
            if body.get("completes").and_then(Value::as_bool) != Some(true) {
                return Ok(Wire::Kept(KEPT_RECEIVE));
            }
            let call = Call {
                method: "POST",
                path: format!("/v1/payments/{k}/mark-paid"),
            };
            let paid = json!({"paymentReference": body.get("reference"), "notes": body.get("notes"), "paidAt": body.get("paidAt")});
            let paid = Value::Object(
                paid.as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            return send(call, Some(paid), mints);
        }
        ReturnReceive => return Ok(Wire::Kept(KEPT_RETURN)),
        CustomerCreate => return Ok(Wire::Carried(CARRIED_CUSTOMER)),
        CustomerUpdate | CustomerDeactivate => {
            if !customer_known_there(db, remote, k).await? {
                return Ok(match kind {
                    CustomerUpdate => Wire::Carried(CARRIED_CUSTOMER),
                    _ => Wire::Kept(KEPT_CUSTOMER_NEVER_ORDERED),
                });
            }
            if kind == CustomerUpdate {
                body["customerId"] = json!(k);
            }
        }
        OrderCreate => {
            let order_id = str_of(&body, "orderId");
            let customer_id = str_of(&body, "customerId");
            if let Some(c) = customer_id.as_deref() {
                let bu = business_units::get(db, &remote.bu_id).await?;
                let c = customers::get(db, &bu, c).await?;
                body["customer"] = json!({
                    "email": c.email, "firstName": c.first_name, "lastName": c.last_name,
                    "company": c.company, "phone": c.phone, "customerType": c.customer_type,
                });
                if !customer_known_there(db, remote, &c.customer_id).await? {
                    mints.push((c.customer_id.clone(), "order.customer.customerId"));
                }
            }
            if let Some(items) = body.get_mut("items").and_then(Value::as_array_mut) {
                for i in items {
                    // FlexPortal prices an item from its variant; the desk's price is not sent.
                    if let Some(o) = i.as_object_mut() {
                        o.retain(|f, _| {
                            matches!(f.as_str(), "sku" | "quantity" | "contractLength")
                        });
                    }
                }
            }
            mints.extend(order_id.map(|id| (id, "orderId")));
        }
        SubscriptionCreate => {
            mints.extend(str_of(&body, "rentalId").map(|id| (id, "rentalId")));
        }
        SubscriptionUpgrade => {
            let new_id = str_of(&body, "newRentalId");
            // FlexPortal requires the new terms; the desk's new subscription has them.
            if let Some(n) = new_id.as_deref() {
                let terms: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT contract_length, monthly_amount FROM subscriptions WHERE bu_id = ? AND id = ?",
                )
                .bind(&remote.bu_id)
                .bind(n)
                .fetch_optional(db.pool())
                .await?;
                if let Some((months, minor)) = terms {
                    let bu = business_units::get(db, &remote.bu_id).await?;
                    if body.get("contractLength").is_none_or(Value::is_null) {
                        body["contractLength"] = json!(months);
                    }
                    if body.get("newMonthlyAmount").is_none_or(Value::is_null) {
                        body["newMonthlyAmount"] = crate::money::to_wire_value(&bu.money(minor));
                    }
                }
            }
            mints.extend(new_id.map(|id| (id, "newRentalId")));
            body["rentalId"] = json!(k);
        }
        SubscriptionExtend
        | SubscriptionReplace
        | SubscriptionBuyout
        | SubscriptionEarlyReturn
        | SubscriptionCancel => {
            body["rentalId"] = json!(k);
        }
        BillingGroupCreate => {
            mints.extend(str_of(&body, "billingGroupId").map(|id| (id, "billingGroupId")));
        }
        ProductCreate => {
            mints.extend(str_of(&body, "productId").map(|id| (id, "productId")));
        }
        AssetCreate | AssetUpdate | AssetInspect => {
            let serial = match kind {
                AssetCreate => str_of(&body, "serialNumber").unwrap_or_default(),
                _ => k.to_string(),
            };
            body = asset_body(db, remote, kind, &serial, body).await?;
            let call = match kind {
                AssetCreate => hub,
                _ => Call {
                    method: "PUT",
                    path: format!("/v1/assets/{serial}"),
                },
            };
            return send(call, Some(body), mints);
        }
        // A voided activation ends there as a cancellation, so FlexPortal stops billing it.
        SubscriptionVoid => {
            let why = str_of(&body, "reason").unwrap_or_default();
            let notes: String = format!("Activation voided at the desk: {why}")
                .chars()
                .take(1000)
                .collect();
            let call = Call {
                method: "POST",
                path: format!("/v1/subscriptions/{k}/cancel"),
            };
            let body = json!({"rentalId": k, "reason": "other", "notes": notes});
            return send(call, Some(body), mints);
        }
        // The prose's `reference` is the schema's `paymentReference`.
        PaymentMarkPaid if body.get("paymentReference").is_none() => {
            if let Some(r) = body.get("reference").cloned() {
                body["paymentReference"] = r;
            }
        }
        _ => {}
    }
    for (_, field) in REASONS.iter().filter(|(k, _)| *k == kind) {
        let given = body.get(*field).and_then(Value::as_str).map(str::trim);
        if given.is_none_or(str::is_empty) {
            body[*field] = json!(NO_REASON);
        }
    }
    send(hub, Some(body).filter(|b| !b.is_null()), mints)
}

/// The request, checked to be one of FlexPortal's operations, its body cut to what it documents.
fn send(call: Call, body: Option<Value>, mints: Vec<(String, &'static str)>) -> Result<Wire> {
    let op = contract::operation(call.method, &call.path).ok_or_else(|| {
        Error::internal(format!(
            "{} {} is not one of FlexPortal's operations.",
            call.method, call.path
        ))
    })?;
    let body = match (op.request_schema(), body) {
        (Some(schema), Some(mut b)) => {
            contract::prune(&mut b, schema);
            Some(b)
        }
        (Some(_), None) => Some(json!({})),
        (None, _) => None,
    };
    Ok(Wire::Send(Outgoing { call, body, mints }))
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Whether FlexPortal has this customer of the desk's: one it gave an id to, or one this desk
/// did not make (it came from the remote). One indexed look-up each (`sync_ops_customer_made`).
async fn customer_known_there(db: &Db, remote: &Remote, id: &str) -> Result<bool> {
    let ids = crate::sync::idmap::IdMap::new(db.clone(), &remote.bu_id);
    if ids.mapped(id).await? {
        return Ok(true);
    }
    let made_here: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sync_ops WHERE bu_id = ? AND kind = 'customer.create' AND status <> 'applied'
           AND json_extract(body, '$.customerId') = ? LIMIT 1",
    )
    .bind(&remote.bu_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(made_here.is_none())
}

/// An asset as FlexPortal's `createAsset` and `updateAsset` take it: the whole object, with the
/// fields they require (`tenantId`, `productName`, `status`, `createdAt`, `updatedAt`).
async fn asset_body(
    db: &Db,
    remote: &Remote,
    kind: OpKind,
    serial: &str,
    change: Value,
) -> Result<Value> {
    let bu = business_units::get(db, &remote.bu_id).await?;
    let a = assets::get(db, &bu, serial).await?;
    let mut v = crate::money::to_wire_value(&a);
    v["tenantId"] = json!(remote.tenant_id);
    match kind {
        // Taken in: as it came in, before any subscription the remote does not know yet.
        OpKind::AssetCreate => {
            v["status"] = change.get("status").cloned().unwrap_or(json!("available"));
            for f in ["customerId", "rentalId"] {
                v.as_object_mut().map(|o| o.remove(f));
            }
        }
        // Inspected: the outcome is its status; the condition goes into the notes.
        OpKind::AssetInspect => {
            if let Some(o) = change.get("outcome") {
                v["status"] = o.clone();
            }
            let said: Vec<String> = [
                change
                    .get("condition")
                    .and_then(Value::as_str)
                    .map(|c| format!("Condition: {c}")),
                change
                    .get("notes")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !said.is_empty() {
                v["notes"] = json!(said.join(". "));
            }
        }
        _ => {
            for (f, x) in change.as_object().into_iter().flatten() {
                if !x.is_null() {
                    v[f.as_str()] = x.clone();
                }
            }
        }
    }
    Ok(v)
}
