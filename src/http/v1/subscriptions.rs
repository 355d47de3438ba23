//! FlexPortal v1 routes for subscriptions (rentals) and payments, plus FlexDesk's
//! `POST /v1/payments/{id}/mark-failed` and `/reverse`, the returns desk (`POST /v1/returns`) and inspection
//! (`POST /v1/assets/{serial}/inspect`).

use super::{body, envelope, listed, query, sync_token, wire, with_token, Reply, Tenant};
use crate::error::Error;
use crate::money::to_wire_value;
use crate::services::{payments, subscriptions as subs};
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(super) fn routes() -> Router<super::AppState> {
    Router::new()
        .route("/v1/subscriptions", post(activate).get(list))
        .route("/v1/subscriptions/calculate-buyout", post(calculate_buyout))
        .route(
            "/v1/subscriptions/calculate-early-return-fee",
            post(calculate_early_return),
        )
        .route("/v1/subscriptions/{id}", get(get_one))
        .route("/v1/subscriptions/{id}/buyout", post(buyout))
        .route("/v1/subscriptions/{id}/extend", post(extend))
        .route("/v1/subscriptions/{id}/upgrade", post(upgrade))
        .route("/v1/subscriptions/{id}/replace", post(replace))
        .route("/v1/subscriptions/{id}/early-return", post(early_return))
        .route("/v1/subscriptions/{id}/cancel", post(cancel))
        .route("/v1/subscriptions/{id}/notes", patch(notes))
        .route("/v1/subscriptions/{id}/void", post(void))
        .route("/v1/subscriptions/{id}/charges", post(charge))
        .route("/v1/returns", post(receive))
        .route("/v1/assets/{serial}/inspect", post(inspect))
        .route("/v1/payments", get(list_payments))
        .route("/v1/payments/{id}", get(get_payment))
        .route("/v1/payments/{id}/mark-paid", post(mark_paid))
        .route("/v1/payments/{id}/mark-failed", post(mark_failed))
        .route("/v1/payments/{id}/reverse", post(reverse_payment))
        .route("/v1/payments/{id}/receive", post(receive_payment))
        .route("/v1/payments/{id}/refund", post(refund_payment))
        .route("/v1/payments/{id}/cancel", post(cancel_payment))
}

/// A lifecycle body: its `rentalId` (or `subscriptionId`), when sent, must be the path's.
fn action_body<T: DeserializeOwned>(id: &str, b: &Bytes) -> crate::error::Result<T> {
    let v: Value = body(b)?;
    for key in ["rentalId", "subscriptionId"] {
        if let Some(sent) = v.get(key).and_then(Value::as_str) {
            if sent.trim() != id {
                return Err(Error::invalid(
                    key,
                    format!("{key} in the body differs from the path."),
                ));
            }
        }
    }
    serde_json::from_value(v)
        .map_err(|e| Error::invalid("body", format!("The request body is not valid: {e}")))
}

fn today(t: &Tenant) -> chrono::NaiveDate {
    t.bu.day_at(t.core.now())
}

async fn activate(t: Tenant, b: Bytes) -> Reply {
    let input: subs::ActivateInput = body(&b)?;
    if input
        .customer_id
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .is_empty()
    {
        return Err(Error::invalid("customerId", "customerId is required.").into());
    }
    let a = subs::activate(&t.core.db, &t.ctx(), input).await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": a.message, "rentalId": a.rental.rental_id, "rental": to_wire_value(&a.rental)}),
    )
}

async fn list(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    listed(&t, q, "rentals", async |q| {
        subs::list(&t.core.db, &t.bu, &query(q)?, today(&t)).await
    })
    .await
}

async fn get_one(t: Tenant, Path(id): Path<String>) -> Reply {
    wire(
        StatusCode::OK,
        subs::get(&t.core.db, &t.bu, &id, today(&t)).await?,
    )
}

async fn extend(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::extend(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Subscription extended by {} months", r.extension_months), "rentalId": r.rental_id,
               "assetSerialNumber": r.asset_serial_number, "oldEndDate": r.old_end_date, "newEndDate": r.new_end_date,
               "extensionMonths": r.extension_months, "oldContractLength": r.old_contract_length, "newContractLength": r.new_contract_length}),
    )
}

async fn upgrade(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::upgrade(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": r.message, "oldRentalId": r.old_rental_id, "newRentalId": r.new_rental_id,
               "oldDevice": r.old_device, "newDevice": r.new_device, "newMonthlyAmount": to_wire_value(&r.new_monthly_amount), "currency": r.currency}),
    )
}

async fn replace(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::replace(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("{} replaced by {}", r.old_serial_number, r.new_serial_number), "rentalId": r.rental_id,
               "oldSerialNumber": r.old_serial_number, "newSerialNumber": r.new_serial_number, "reason": r.reason}),
    )
}

async fn buyout(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::buyout(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "rentalId": r.rental_id, "assetSerialNumber": r.asset_serial_number, "buyoutPrice": to_wire_value(&r.buyout_price),
               "currency": r.currency, "effectiveDate": r.effective_date, "message": r.message}),
    )
}

async fn early_return(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::early_return(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "rentalId": r.rental_id, "assetSerialNumber": r.asset_serial_number, "earlyReturnFee": to_wire_value(&r.early_return_fee),
               "currency": r.currency, "actualMonthsRented": r.actual_months_rented, "returnDate": r.return_date, "message": r.message}),
    )
}

async fn cancel(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = subs::cancel(&t.core.db, &t.ctx(), &id, action_body(&id, &b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "rentalId": r.rental_id, "assetSerialNumber": r.asset_serial_number, "previousStatus": r.previous_status,
               "cancelledAt": r.cancelled_at, "message": r.message}),
    )
}

async fn receive(t: Tenant, b: Bytes) -> Reply {
    let r = subs::receive_return(&t.core.db, &t.ctx(), body(&b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "case": r.case, "rentalId": r.rental.rental_id, "fee": to_wire_value(&r.fee),
               "message": r.message, "rental": to_wire_value(&r.rental)}),
    )
}

async fn inspect(t: Tenant, Path(serial): Path<String>, b: Bytes) -> Reply {
    let input = subs::InspectInput {
        serial_number: serial,
        ..body(&b)?
    };
    let a = subs::inspect(&t.core.db, &t.ctx(), input).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("{} inspected", a.serial_number), "asset": to_wire_value(&a)}),
    )
}

#[derive(serde::Deserialize)]
struct NotesBody {
    notes: Option<String>,
}

async fn notes(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let nb: NotesBody = body(&b)?;
    let notes = nb
        .notes
        .ok_or_else(|| Error::invalid("notes", "notes is required."))?;
    let r = subs::set_notes(&t.core.db, &t.ctx(), &id, &notes).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Notes updated", "rentalId": r.rental_id}),
    )
}

fn quote_input(b: &Bytes) -> crate::error::Result<subs::QuoteInput> {
    let q: subs::QuoteInput = body(b)?;
    if q.rental_id.trim().is_empty() {
        return Err(Error::invalid("rentalId", "rentalId is required."));
    }
    Ok(q)
}

async fn calculate_buyout(t: Tenant, b: Bytes) -> Reply {
    let q = subs::quote_buyout(&t.core.db, &t.ctx(), quote_input(&b)?).await?;
    let mut v = to_wire_value(&q);
    v["success"] = json!(true);
    wire(StatusCode::OK, v)
}

async fn calculate_early_return(t: Tenant, b: Bytes) -> Reply {
    let q = subs::quote_early_return(&t.core.db, &t.ctx(), quote_input(&b)?).await?;
    let mut v = to_wire_value(&q);
    v["success"] = json!(true);
    wire(StatusCode::OK, v)
}

// ----- payments -----------------------------------------------------------------------------

async fn list_payments(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    let token = sync_token(&t, &q).await?;
    let page = payments::list(&t.core.db, &t.bu, &query(q)?, today(&t)).await?;
    let mut v = envelope("payments", page);
    v["success"] = json!(true);
    with_token(&mut v, token);
    wire(StatusCode::OK, v)
}

async fn get_payment(t: Tenant, Path(id): Path<String>) -> Reply {
    let p = payments::get(&t.core.db, &t.bu, &id, today(&t)).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "payment": to_wire_value(&p)}),
    )
}

async fn mark_paid(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let p = payments::mark_paid(&t.core.db, &t.ctx(), &id, body(&b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Payment marked as paid", "payment": to_wire_value(&p)}),
    )
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReasonBody {
    reason: Option<String>,
}

async fn void(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let input: subs::VoidInput = action_body(&id, &b)?;
    let v = subs::void(&t.core.db, &t.ctx(), &id, input).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": v.message, "subscription": to_wire_value(&v.rental),
               "orderStatus": v.order_status, "paymentsCancelled": v.payments_cancelled}),
    )
}

async fn mark_failed(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r: ReasonBody = body(&b)?;
    let p =
        payments::mark_failed(&t.core.db, &t.ctx(), &id, r.reason.as_deref().unwrap_or("")).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Payment marked as failed", "payment": to_wire_value(&p)}),
    )
}

async fn reverse_payment(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r: ReasonBody = body(&b)?;
    let p = payments::reverse(&t.core.db, &t.ctx(), &id, r.reason.as_deref().unwrap_or("")).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Payment taken back", "payment": to_wire_value(&p)}),
    )
}

async fn charge(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let input: payments::ChargeInput = action_body(&id, &b)?;
    let p = payments::charge(
        &t.core.db,
        &t.ctx(),
        payments::ChargeInput {
            rental_id: id,
            ..input
        },
    )
    .await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": "Charge added", "payment": to_wire_value(&p)}),
    )
}

async fn receive_payment(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let input: payments::ReceiptInput = body(&b)?;
    let p = payments::receive(&t.core.db, &t.ctx(), &id, input).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Part payment recorded", "payment": to_wire_value(&p)}),
    )
}

async fn refund_payment(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let input: payments::ReceiptInput = body(&b)?;
    let p = payments::refund(&t.core.db, &t.ctx(), &id, input).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Refund recorded", "payment": to_wire_value(&p)}),
    )
}

async fn cancel_payment(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r: ReasonBody = body(&b)?;
    let p = payments::cancel(&t.core.db, &t.ctx(), &id, r.reason.as_deref().unwrap_or("")).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Payment cancelled", "payment": to_wire_value(&p)}),
    )
}
