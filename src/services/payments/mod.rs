//! Payments: the schedule a subscription creates at activation (one payment per month), the
//! final charges of buyouts and early returns, and what accountants do with them: mark paid (one
//! or many), mark failed, cancel, late fees, the overdue view. Payments are collected outside
//! FlexDesk (bank transfer, card terminal, cash); the desk records the outcome.

use super::{day_text, opt_trim, parse_day, BusinessUnit, Ctx, Page};
use crate::domain::schedule::{Amounts, Slot, SlotKind};
use crate::domain::settings::LateFeeKind;
use crate::domain::status::{PaymentKind, PaymentStatus, PaymentType};
use crate::error::{Error, ErrorCode, Result};

use crate::money::Money;
use crate::store::{json_col, record, Db, Entry};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use ts_rs::TS;

mod actions;
mod charges;
mod read;
mod receipts;
mod reverse;
mod slots;

pub use actions::*;
pub use charges::{charge, ChargeInput};
pub(crate) use charges::{charge_in, setup_fee_in, Charge};
pub use read::*;
pub use receipts::*;
pub use reverse::reverse;
pub(crate) use slots::*;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub rental_id: String,
    /// What the line is for: product, serial and service period.
    #[serde(default)]
    pub description: String,
    /// Net amount of the line.
    pub amount: Money,
    pub tax_amount: Money,
    // FlexDesk additions, on the lines of a consolidated payment.
    /// The member's own payment this line stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub payment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub serial_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub product_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period_start: Option<String>,
    /// Exclusive end of the line's service period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub period_end: Option<String>,
    /// Percent, as text (`21`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tax_rate: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CaptureError {
    pub code: String,
    pub message: String,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Payment {
    pub payment_id: String,
    pub tenant_id: String,
    pub customer_id: String,
    /// Net amount (before tax and late fee).
    pub subtotal: Money,
    pub tax_amount: Money,
    /// Percent.
    pub tax_rate: f64,
    /// Amount due: subtotal + tax + late fee.
    pub total: Money,
    pub currency: String,
    /// Same as `total`.
    pub amount: Money,
    pub payment_type: PaymentType,
    pub rental_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// `YYYY-MM` of the service period.
    pub billing_period: String,
    pub status: PaymentStatus,
    pub provider: Option<String>,
    pub transaction_id: Option<String>,
    pub manually_marked: bool,
    pub payment_reference: Option<String>,
    pub marked_by: Option<String>,
    pub capture_attempts: i64,
    pub last_capture_error: Option<CaptureError>,
    pub line_items: Vec<LineItem>,
    pub late_fee_applied: bool,
    pub late_fee_amount: Money,
    /// Amount before the late fee.
    pub original_amount: Money,
    pub idempotency_key: String,
    pub notes: Option<String>,
    pub due_date: String,
    pub paid_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    // FlexDesk additions.
    pub kind: PaymentKind,
    pub period_start: String,
    /// Exclusive end of the service period.
    pub period_end: String,
    pub invoice_date: String,
    /// How it was paid (bank transfer, card, cash, ...), as recorded at the desk.
    pub method: Option<String>,
    pub failed_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub customer_name: String,
    pub serial_number: Option<String>,
    pub product_name: Option<String>,
    /// Still open and past its due date.
    pub overdue: bool,
    pub days_overdue: i64,
    /// For a member's own monthly payment: the consolidated payment it is a line of.
    pub consolidated_into: Option<String>,
    pub invoice_id: Option<String>,
    pub invoice_number: Option<String>,
    /// A one-off charge's label ("Damage fee", "Setup fee").
    pub charge_label: Option<String>,
    /// Received in part payments while open (`payments.receive`).
    pub amount_received: Money,
    /// Still to be received: the total less part payments, while open; 0 once paid or cancelled.
    pub amount_open: Money,
    /// Given back after it was paid (`payments.refund`).
    pub amount_refunded: Money,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    customer_id: String,
    rental_id: Option<String>,
    billing_group_id: Option<String>,
    payment_type: String,
    kind: String,
    billing_period: String,
    period_start: String,
    period_end: String,
    invoice_date: String,
    due_date: String,
    subtotal: i64,
    tax_rate: String,
    tax_amount: i64,
    late_fee_amount: i64,
    total: i64,
    currency: String,
    line_items: Option<String>,
    status: String,
    provider: Option<String>,
    method: Option<String>,
    transaction_id: Option<String>,
    manually_marked: bool,
    payment_reference: Option<String>,
    marked_by: Option<String>,
    capture_attempts: i64,
    last_error: Option<String>,
    failed_at: Option<String>,
    cancel_reason: Option<String>,
    idempotency_key: String,
    notes: Option<String>,
    paid_at: Option<String>,
    created_at: String,
    updated_at: String,
    customer_name: Option<String>,
    serial_number: Option<String>,
    product_name: Option<String>,
    consolidated_into: Option<String>,
    invoice_id: Option<String>,
    invoice_number: Option<String>,
    charge_label: Option<String>,
    amount_received: i64,
    amount_refunded: i64,
}

const COLS: &str = concat!(
        "p.id, p.customer_id, p.rental_id, p.billing_group_id, p.payment_type, p.kind, p.billing_period, p.period_start, p.period_end,
    p.invoice_date, p.due_date, p.subtotal, p.tax_rate, p.tax_amount, p.late_fee_amount, p.total, p.currency, p.line_items, p.status, p.provider,
    p.method, p.transaction_id, p.manually_marked, p.payment_reference, p.marked_by, p.capture_attempts, p.last_error, p.failed_at,
    p.cancel_reason, p.idempotency_key, p.notes, p.paid_at, p.created_at, p.updated_at,
    ",
        crate::customer_name_sql!(),
        " AS customer_name, a.serial_number, s.product_name,
    p.consolidated_into, p.invoice_id, (SELECT i.number FROM invoices i WHERE i.id = p.invoice_id) AS invoice_number,
    p.charge_label, p.amount_received, p.amount_refunded"
    );

const FROM: &str = " FROM payments p LEFT JOIN customers c ON c.id = p.customer_id LEFT JOIN assets a ON a.id = p.asset_id
    LEFT JOIN subscriptions s ON s.id = p.rental_id";

fn is_open(status: PaymentStatus) -> bool {
    matches!(status, PaymentStatus::Pending | PaymentStatus::Failed)
}

fn line_description(r: &Row) -> String {
    let what = PaymentKind::text_of(&r.kind, r.charge_label.as_deref());
    let device = match (&r.product_name, &r.serial_number) {
        (Some(p), Some(s)) => format!(" — {p}, serial {s}"),
        (Some(p), None) => format!(" — {p}"),
        _ => String::new(),
    };
    if r.kind == "rent" || r.kind == "prorated" {
        format!("{what}{device}, {} to {}", r.period_start, r.period_end)
    } else {
        format!("{what}{device}")
    }
}

fn to_payment(bu: &BusinessUnit, r: Row, today: NaiveDate) -> Payment {
    let status = PaymentStatus::parse(&r.status).unwrap_or(PaymentStatus::Pending);
    let due = NaiveDate::parse_from_str(&r.due_date, "%Y-%m-%d").unwrap_or(today);
    let overdue = is_open(status) && due < today;
    let line_items = json_col::<Vec<LineItem>>(r.line_items.as_deref()).unwrap_or_else(|| {
        r.rental_id
            .iter()
            .map(|rid| LineItem {
                description: line_description(&r),
                rental_id: rid.clone(),
                amount: bu.money(r.subtotal),
                tax_amount: bu.money(r.tax_amount),
                payment_id: None,
                serial_number: r.serial_number.clone(),
                product_name: r.product_name.clone(),
                period_start: Some(r.period_start.clone()),
                period_end: Some(r.period_end.clone()),
                tax_rate: Some(r.tax_rate.clone()),
            })
            .collect()
    });
    Payment {
        payment_id: r.id,
        tenant_id: bu.id.clone(),
        customer_id: r.customer_id,
        subtotal: bu.money(r.subtotal),
        tax_amount: bu.money(r.tax_amount),
        tax_rate: r
            .tax_rate
            .parse::<Decimal>()
            .ok()
            .and_then(|d| d.to_f64())
            .unwrap_or(0.0),
        total: bu.money(r.total),
        currency: r.currency,
        amount: bu.money(r.total),
        payment_type: PaymentType::parse(&r.payment_type).unwrap_or(PaymentType::Individual),
        rental_id: r.rental_id,
        billing_group_id: r.billing_group_id,
        billing_period: r.billing_period,
        status,
        provider: r.provider,
        transaction_id: r.transaction_id,
        manually_marked: r.manually_marked,
        payment_reference: r.payment_reference,
        marked_by: r.marked_by,
        capture_attempts: r.capture_attempts,
        last_capture_error: r.last_error.map(|m| CaptureError {
            code: "manual".into(),
            message: m,
        }),
        line_items,
        late_fee_applied: r.late_fee_amount > 0,
        late_fee_amount: bu.money(r.late_fee_amount),
        original_amount: bu.money(r.total - r.late_fee_amount),
        idempotency_key: r.idempotency_key,
        notes: r.notes,
        due_date: r.due_date,
        paid_at: r.paid_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        kind: PaymentKind::parse(&r.kind).unwrap_or(PaymentKind::Rent),
        period_start: r.period_start,
        period_end: r.period_end,
        invoice_date: r.invoice_date,
        method: r.method,
        failed_at: r.failed_at,
        cancel_reason: r.cancel_reason,
        customer_name: r.customer_name.unwrap_or_default(),
        serial_number: r.serial_number,
        product_name: r.product_name,
        overdue,
        days_overdue: if overdue { (today - due).num_days() } else { 0 },
        consolidated_into: r.consolidated_into,
        invoice_id: r.invoice_id,
        invoice_number: r.invoice_number,
        charge_label: r.charge_label,
        amount_received: bu.money(r.amount_received),
        amount_open: bu.money(if is_open(status) {
            r.total - r.amount_received
        } else {
            0
        }),
        amount_refunded: bu.money(r.amount_refunded),
    }
}

// ---------------------------------------------------------------------------------------------
