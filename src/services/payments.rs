//! Payments: the schedule a subscription creates at activation (one payment per month), the
//! final charges of buyouts and early returns, and what accountants do with them: mark paid (one
//! or many), mark failed, cancel, late fees, the overdue view. Payments are collected outside
//! FlexDesk (bank transfer, card terminal, cash); the desk records the outcome.

use super::{
    day_text, into_page, opt_trim, parse_day, parse_limit, BusinessUnit, Ctx, Page, SortDir,
};
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
}

const COLS: &str = "p.id, p.customer_id, p.rental_id, p.billing_group_id, p.payment_type, p.kind, p.billing_period, p.period_start, p.period_end,
    p.invoice_date, p.due_date, p.subtotal, p.tax_rate, p.tax_amount, p.late_fee_amount, p.total, p.currency, p.line_items, p.status, p.provider,
    p.method, p.transaction_id, p.manually_marked, p.payment_reference, p.marked_by, p.capture_attempts, p.last_error, p.failed_at,
    p.cancel_reason, p.idempotency_key, p.notes, p.paid_at, p.created_at, p.updated_at,
    coalesce(nullif(c.company, ''), trim(c.first_name || ' ' || c.last_name)) AS customer_name, a.serial_number, s.product_name,
    p.consolidated_into, p.invoice_id, (SELECT i.number FROM invoices i WHERE i.id = p.invoice_id) AS invoice_number";

const FROM: &str = " FROM payments p LEFT JOIN customers c ON c.id = p.customer_id LEFT JOIN assets a ON a.id = p.asset_id
    LEFT JOIN subscriptions s ON s.id = p.rental_id";

fn is_open(status: PaymentStatus) -> bool {
    matches!(status, PaymentStatus::Pending | PaymentStatus::Failed)
}

fn line_description(r: &Row) -> String {
    let what = match r.kind.as_str() {
        "buyout" => "Buyout",
        "early_return_fee" => "Early-return fee",
        "prorated" => "Rent (part month)",
        _ => "Rent",
    };
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
    }
}

// ---------------------------------------------------------------------------------------------
// Writing schedules (inside the caller's transaction)

/// Whose payments these are: the subscription and what every payment of it carries.
pub(crate) struct Payer<'a> {
    pub bu_id: &'a str,
    pub customer_id: &'a str,
    pub rental_id: &'a str,
    pub asset_id: i64,
    pub currency: &'a str,
    pub tax_rate: &'a str,
    pub now: &'a str,
}

fn kind_of(k: SlotKind) -> PaymentKind {
    match k {
        SlotKind::Rent => PaymentKind::Rent,
        SlotKind::Prorated => PaymentKind::Prorated,
    }
}

/// Store scheduled payments. A payment that already exists (same subscription, kind and month)
/// is left as it is, so renewals and extensions can be written more than once safely. Returns
/// how many were added. One statement whatever the count (the rows travel as one JSON array).
pub(crate) async fn insert_slots(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    slots: &[Slot],
) -> Result<u64> {
    if slots.is_empty() {
        return Ok(0);
    }
    let rows: Vec<serde_json::Value> = slots
        .iter()
        .map(|s| {
            let kind = kind_of(s.kind).as_str();
            serde_json::json!([
                crate::ids::payment_id(payer.rental_id, kind, s.seq as i64),
                kind,
                s.seq,
                s.billing_period(),
                day_text(s.period_start),
                day_text(s.period_end),
                day_text(s.invoice_date),
                day_text(s.due_date),
                s.amounts.net,
                s.amounts.tax,
                s.amounts.total,
                format!("{}:{}:{}", payer.rental_id, kind, s.seq),
            ])
        })
        .collect();
    let done = sqlx::query(
        "INSERT OR IGNORE INTO payments (id, bu_id, customer_id, rental_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end,
             invoice_date, due_date, subtotal, tax_rate, tax_amount, total, currency, status, idempotency_key, created_at, updated_at)
         SELECT value ->> 0, ?1, ?2, ?3, ?4, 'individual', value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
             value ->> 6, value ->> 7, value ->> 8, ?5, value ->> 9, value ->> 10, ?6, 'pending', value ->> 11, ?7, ?7
         FROM json_each(?8)",
    )
    .bind(payer.bu_id)
    .bind(payer.customer_id)
    .bind(payer.rental_id)
    .bind(payer.asset_id)
    .bind(payer.tax_rate)
    .bind(payer.currency)
    .bind(payer.now)
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// One final charge (buyout price, early-return fee), due on `date`. Returns its id.
pub(crate) async fn insert_charge(
    conn: &mut SqliteConnection,
    payer: &Payer<'_>,
    kind: PaymentKind,
    date: NaiveDate,
    amounts: Amounts,
) -> Result<String> {
    let id = crate::ids::payment_id(payer.rental_id, kind.as_str(), 0);
    sqlx::query(
        "INSERT INTO payments (id, bu_id, customer_id, rental_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end,
             invoice_date, due_date, subtotal, tax_rate, tax_amount, total, currency, status, idempotency_key, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'individual', ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
    )
    .bind(&id)
    .bind(payer.bu_id)
    .bind(payer.customer_id)
    .bind(payer.rental_id)
    .bind(payer.asset_id)
    .bind(kind.as_str())
    .bind(date.format("%Y-%m").to_string())
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(day_text(date))
    .bind(amounts.net)
    .bind(payer.tax_rate)
    .bind(amounts.tax)
    .bind(amounts.total)
    .bind(payer.currency)
    .bind(format!("{}:{}:0", payer.rental_id, kind.as_str()))
    .bind(payer.now)
    .bind(payer.now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Payments not yet invoiced, alone or as a line of a consolidated payment: what later changes
/// to a subscription may still cancel or reprice. Invoiced ones stand; corrections are credit notes.
const NOT_ISSUED: &str = "invoice_id IS NULL AND (consolidated_into IS NULL OR consolidated_into IN
    (SELECT c.id FROM payments c WHERE c.id = payments.consolidated_into AND c.status = 'pending' AND c.invoice_id IS NULL))";

/// Monthly payments whose service period starts after `date` and that are not cancelled: the
/// `remainingMonths` of buyout and early-return quotes.
pub(crate) async fn remaining_months(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
) -> Result<u32> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payments WHERE rental_id = ? AND kind = 'rent' AND status != 'cancelled' AND period_start > ?",
    )
    .bind(rental_id)
    .bind(day_text(date))
    .fetch_one(conn)
    .await?;
    Ok(n.max(0) as u32)
}

/// Cancel the open (pending or failed) payments whose period starts after `date`; the current
/// period stays due. Returns how many were cancelled.
pub(crate) async fn cancel_after(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    reason: &str,
    now: &str,
) -> Result<u64> {
    let done = sqlx::query(&format!(
        "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ?
         WHERE rental_id = ? AND kind IN ('rent', 'prorated') AND status IN ('pending', 'failed') AND period_start > ? AND {NOT_ISSUED}"
    ))
    .bind(reason)
    .bind(now)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// New monthly amount for the open monthly payments whose period starts after `date`.
pub(crate) async fn reprice_after(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    amounts: Amounts,
    now: &str,
) -> Result<u64> {
    let done = sqlx::query(&format!(
        "UPDATE payments SET subtotal = ?, tax_amount = ?, total = ? + late_fee_amount, updated_at = ?
         WHERE rental_id = ? AND kind = 'rent' AND status = 'pending' AND period_start > ? AND {NOT_ISSUED}"
    ))
    .bind(amounts.net)
    .bind(amounts.tax)
    .bind(amounts.total)
    .bind(now)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Open payments from `date` on follow the subscription's new asset (cost recovery per asset).
pub(crate) async fn move_to_asset(
    conn: &mut SqliteConnection,
    rental_id: &str,
    date: NaiveDate,
    asset_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE payments SET asset_id = ? WHERE rental_id = ? AND status IN ('pending', 'failed', 'processing') AND period_start >= ?",
    )
    .bind(asset_id)
    .bind(rental_id)
    .bind(day_text(date))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
    today: NaiveDate,
) -> Result<Payment> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS}{FROM} WHERE p.id = ? AND p.bu_id = ?"
    ))
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| to_payment(bu, r, today))
        .ok_or_else(|| Error::not_found("Payment", id))
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str, today: NaiveDate) -> Result<Payment> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id, today).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct PaymentQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    /// One status, or several separated by commas (`pending,failed`).
    pub status: Option<String>,
    pub customer_id: Option<String>,
    #[serde(alias = "subscriptionId")]
    pub rental_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// Due on or after (YYYY-MM-DD).
    pub due_date_from: Option<String>,
    /// Due on or before (YYYY-MM-DD).
    pub due_date_to: Option<String>,
    /// Only open payments past their due date (FlexDesk).
    pub overdue: Option<bool>,
    /// `asc` (oldest due first) or `desc` (default).
    pub sort_dir: Option<String>,
}

/// Count and sums of a filtered set of payments (the payments screen's footer).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTotals {
    pub count: i64,
    pub total: Money,
    pub open_total: Money,
    pub paid_total: Money,
    pub overdue_count: i64,
    pub overdue_total: Money,
    pub currency: String,
}

fn push_filters(
    qb: &mut QueryBuilder<'_, Sqlite>,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<()> {
    // A member's own payment inside a consolidated one is a line of it, not a payment to list;
    // a desk syncing (`changedSince`) reads every row, the lines too.
    qb.push(" WHERE p.bu_id = ").push_bind(bu.id.clone());
    if q.changed_since.is_none() {
        qb.push(" AND p.consolidated_into IS NULL");
    }
    if let Some(s) = opt_trim(q.status.clone()) {
        let list: Vec<String> = s
            .split(',')
            .map(|x| PaymentStatus::parse_field("status", x.trim()).map(|v| v.as_str().to_string()))
            .collect::<Result<_>>()?;
        if list.len() == 1 {
            qb.push(" AND p.status = ").push_bind(list[0].clone());
        } else {
            qb.push(" AND p.status IN (SELECT value FROM json_each(")
                .push_bind(serde_json::to_string(&list)?)
                .push("))");
        }
        // The partial status indexes serve a query only when it repeats their condition word for
        // word: pending payments are read through payments_open, the others through
        // payments_status_due (migration 6).
        let pending = list.iter().any(|s| s == "pending");
        if pending && list.iter().all(|s| s == "pending" || s == "failed") {
            qb.push(OPEN_TERM);
        } else if !pending {
            qb.push(" AND p.status IN ('paid', 'processing', 'failed', 'cancelled')");
        }
    }
    if let Some(c) = opt_trim(q.customer_id.clone()) {
        qb.push(" AND p.customer_id = ").push_bind(c);
    }
    if let Some(r) = opt_trim(q.rental_id.clone()) {
        // Its own payments, and the consolidated payments it is a line of.
        qb.push(" AND (p.rental_id = ")
            .push_bind(r.clone())
            .push(" OR p.id IN (SELECT m.consolidated_into FROM payments m WHERE m.rental_id = ")
            .push_bind(r)
            .push(" AND m.consolidated_into IS NOT NULL))");
    }
    if let Some(g) = opt_trim(q.billing_group_id.clone()) {
        qb.push(" AND p.billing_group_id = ").push_bind(g);
    }
    if let Some(f) = opt_trim(q.due_date_from.clone()) {
        qb.push(" AND p.due_date >= ")
            .push_bind(day_text(parse_day("dueDateFrom", &f)?));
    }
    if let Some(t) = opt_trim(q.due_date_to.clone()) {
        qb.push(" AND p.due_date <= ")
            .push_bind(day_text(parse_day("dueDateTo", &t)?));
    }
    if q.overdue == Some(true) {
        qb.push(OPEN_TERM)
            .push(" AND p.due_date < ")
            .push_bind(day_text(today));
    }
    Ok(())
}

/// The condition of the payments_open index, as queries must spell it to use it.
const OPEN_TERM: &str = " AND p.status IN ('pending', 'failed') AND p.consolidated_into IS NULL";

/// Payments in due-date order (latest first; `sortDir=asc` for oldest first), keyset-paginated.
pub async fn list(
    db: &Db,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<Page<Payment>> {
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    // The overdue view walks the open payments' index in due-date order.
    let from = if q.overdue == Some(true) && opt_trim(q.status.clone()).is_none() {
        FROM.replacen(
            "FROM payments p",
            "FROM payments p INDEXED BY payments_open",
            1,
        )
    } else {
        FROM.to_string()
    };
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {COLS}{from}"));
    push_filters(&mut qb, bu, q, today)?;
    super::changed_since(
        &mut qb,
        "p",
        "id",
        "payment",
        &bu.id,
        q.changed_since.as_deref(),
    )?;
    super::keyset_tail_by(
        db,
        &mut qb,
        "payments",
        "p",
        "id",
        "due_date",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
    let items = rows.into_iter().map(|r| to_payment(bu, r, today)).collect();
    Ok(into_page(items, limit, |p: &Payment| p.payment_id.clone()))
}

pub async fn totals(
    db: &Db,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<PaymentTotals> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT count(*), coalesce(sum(p.total), 0),
            coalesce(sum(CASE WHEN p.status IN ('pending', 'failed', 'processing') THEN p.total END), 0),
            coalesce(sum(CASE WHEN p.status = 'paid' THEN p.total END), 0),
            count(CASE WHEN p.status IN ('pending', 'failed') AND p.due_date < ",
    );
    qb.push_bind(day_text(today))
        .push(" THEN 1 END), coalesce(sum(CASE WHEN p.status IN ('pending', 'failed') AND p.due_date < ")
        .push_bind(day_text(today))
        .push(" THEN p.total END), 0) FROM payments p");
    push_filters(&mut qb, bu, q, today)?;
    let (count, total, open, paid, oc, ot): (i64, i64, i64, i64, i64, i64) =
        qb.build_query_as().fetch_one(db.pool()).await?;
    Ok(PaymentTotals {
        count,
        total: bu.money(total),
        open_total: bu.money(open),
        paid_total: bu.money(paid),
        overdue_count: oc,
        overdue_total: bu.money(ot),
        currency: bu.currency.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Accountants' actions

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct MarkPaid {
    #[serde(alias = "reference")]
    pub payment_reference: Option<String>,
    pub notes: Option<String>,
    /// When the money arrived (date or instant); defaults to now, never in the future.
    pub paid_at: Option<String>,
    /// bank_transfer, card, cash, direct_debit, other (free text allowed).
    pub method: Option<String>,
}

struct State {
    status: PaymentStatus,
    rental_id: Option<String>,
    net: i64,
    total: i64,
    line_items: Option<String>,
    consolidated_into: Option<String>,
}

impl State {
    /// Still to be collected: not paid, not cancelled, and not a line of a consolidated payment.
    fn collectable(&self, id: &str) -> Result<()> {
        match self.status {
            PaymentStatus::Paid => Err(Error::new(
                ErrorCode::AlreadyPaid,
                format!("Payment {id} is already paid."),
            )),
            PaymentStatus::Cancelled => Err(Error::new(
                ErrorCode::PaymentCancelled,
                format!("Payment {id} was cancelled; nothing is collected on it."),
            )),
            _ => self.settled_through_group(id),
        }
    }

    /// A member's own payment inside a consolidated one is settled through that payment.
    fn settled_through_group(&self, id: &str) -> Result<()> {
        match &self.consolidated_into {
            Some(c) => Err(Error::new(
                ErrorCode::Conflict,
                format!("Payment {id} is a line of consolidated payment {c}; record the payment or cancellation on {c}."),
            )),
            None => Ok(()),
        }
    }
}

async fn state_of(conn: &mut SqliteConnection, bu: &BusinessUnit, id: &str) -> Result<State> {
    #[derive(sqlx::FromRow)]
    struct StateRow {
        status: String,
        rental_id: Option<String>,
        subtotal: i64,
        late_fee_amount: i64,
        total: i64,
        line_items: Option<String>,
        consolidated_into: Option<String>,
    }
    let r: StateRow = sqlx::query_as(
        "SELECT status, rental_id, subtotal, late_fee_amount, total, line_items, consolidated_into FROM payments WHERE id = ? AND bu_id = ?",
    )
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("Payment", id))?;
    Ok(State {
        status: PaymentStatus::parse(&r.status).unwrap_or(PaymentStatus::Pending),
        rental_id: r.rental_id,
        net: r.subtotal + r.late_fee_amount,
        total: r.total,
        line_items: r.line_items,
        consolidated_into: r.consolidated_into,
    })
}

fn paid_at_of(ctx: &Ctx, raw: Option<&str>) -> Result<String> {
    let Some(t) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(ctx.now.clone());
    };
    let at = if t.len() == 10 {
        parse_day("paidAt", t)?
            .and_hms_opt(12, 0, 0)
            .map(|d| d.and_utc())
    } else {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    }
    .ok_or_else(|| {
        Error::invalid(
            "paidAt",
            format!("'{t}' is not a date or an RFC 3339 time."),
        )
    })?;
    if at.date_naive() > ctx.today() {
        return Err(Error::invalid(
            "paidAt",
            "A payment cannot be marked paid in the future.",
        ));
    }
    Ok(crate::clock::stamp(at))
}

async fn mark_paid_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    id: &str,
    m: &MarkPaid,
    paid_at: &str,
) -> Result<()> {
    let st = state_of(conn, &ctx.bu, id).await?;
    st.collectable(id)?;
    let reference = opt_trim(m.payment_reference.clone());
    if reference
        .as_deref()
        .map(|r| r.chars().count() > 200)
        .unwrap_or(false)
    {
        return Err(Error::invalid(
            "paymentReference",
            "The reference must be at most 200 characters.",
        ));
    }
    sqlx::query(
        "UPDATE payments SET status = 'paid', paid_at = ?, payment_reference = coalesce(?, payment_reference), notes = coalesce(?, notes),
             method = ?, provider = 'manual', manually_marked = 1, marked_by = ?, updated_at = ? WHERE id = ?",
    )
    .bind(paid_at)
    .bind(&reference)
    .bind(opt_trim(m.notes.clone()))
    .bind(opt_trim(m.method.clone()))
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // The lines of a consolidated payment are paid with it (cost recovery per asset reads them).
    sqlx::query(
        "UPDATE payments SET status = 'paid', paid_at = ?, payment_reference = ?, method = ?, provider = 'manual', manually_marked = 1,
             marked_by = ?, updated_at = ? WHERE consolidated_into = ?",
    )
    .bind(paid_at)
    .bind(&reference)
    .bind(opt_trim(m.method.clone()))
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    // Cost recovery: the net amount collected goes to its subscription(s).
    let lines: Option<Vec<LineItem>> = json_col(st.line_items.as_deref());
    match (lines, &st.rental_id) {
        (Some(lines), _) if !lines.is_empty() => {
            for l in lines {
                let net = ctx.bu.minor("amount", l.amount).unwrap_or(0);
                sqlx::query("UPDATE subscriptions SET total_collected = total_collected + ?, updated_at = ? WHERE id = ?")
                    .bind(net)
                    .bind(&ctx.now)
                    .bind(&l.rental_id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        (_, Some(rid)) => {
            sqlx::query("UPDATE subscriptions SET total_collected = total_collected + ?, updated_at = ? WHERE id = ?")
                .bind(st.net)
                .bind(&ctx.now)
                .bind(rid)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: id,
            action: "paid",
            summary: format!(
                "Marked paid: {}{}",
                ctx.bu.amount_text(st.total),
                reference
                    .map(|r| format!(" (ref. {r})"))
                    .unwrap_or_default()
            ),
            before: Some(serde_json::json!({ "status": st.status })),
            after: Some(serde_json::json!({ "status": "paid", "paidAt": paid_at })),
        },
    )
    .await?;
    crate::sync::record(
        conn,
        ctx,
        payment_op(id, "mark-paid", &st, serde_json::json!({
            "paymentReference": m.payment_reference, "notes": m.notes, "paidAt": paid_at, "method": m.method,
        })),
    )
    .await?;
    emit_payment(conn, ctx, "payment.succeeded", id).await
}

/// A payment's status change as an op (`mark-paid`, `mark-failed`, `cancel`).
fn payment_op(id: &str, action: &str, st: &State, body: serde_json::Value) -> crate::sync::Op {
    let mut refs = vec![crate::sync::r("payment", id)];
    refs.extend(st.rental_id.as_deref().map(|r| crate::sync::r("rental", r)));
    crate::sync::Op::post(format!("/v1/payments/{id}/{action}"), body)
        .touching(refs)
        .saying(format!("Payment {id}: {action}"))
}

/// Queue a `payment.*` event: the ids a receiver routes on, the amount, and the whole payment
/// as `GET /v1/payments/{id}` returns it.
async fn emit_payment(conn: &mut SqliteConnection, ctx: &Ctx, event: &str, id: &str) -> Result<()> {
    let hooks = super::webhooks::Hooks::of(conn, ctx).await?;
    if !hooks.wants(event) {
        return Ok(());
    }
    let p = get_in(conn, &ctx.bu, id, ctx.today()).await?;
    let data = serde_json::json!({
        "paymentId": p.payment_id,
        "subscriptionId": p.rental_id,
        "customerId": p.customer_id,
        "billingGroupId": p.billing_group_id,
        "status": p.status,
        "amount": crate::money::to_wire_value(&p.total),
        "currency": p.currency,
        "paidAt": p.paid_at,
        "failureReason": if p.status == PaymentStatus::Failed { p.last_capture_error.as_ref().map(|e| e.message.clone()) } else { None },
        "payment": crate::money::to_wire_value(&p),
    });
    hooks.emit(conn, ctx, event, data).await
}

pub async fn mark_paid(db: &Db, ctx: &Ctx, id: &str, m: MarkPaid) -> Result<Payment> {
    let paid_at = paid_at_of(ctx, m.paid_at.as_deref())?;
    let mut tx = db.write().await?;
    mark_paid_in(&mut tx, ctx, id, &m, &paid_at).await?;
    let p = get_in(&mut tx, &ctx.bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Mark several payments paid in one transaction: all of them, or none (the error names the
/// payment that stopped it).
pub async fn mark_paid_many(
    db: &Db,
    ctx: &Ctx,
    ids: &[String],
    m: MarkPaid,
) -> Result<Vec<Payment>> {
    if ids.is_empty() {
        return Err(Error::invalid("paymentIds", "Choose at least one payment."));
    }
    if ids.len() > 500 {
        return Err(Error::invalid(
            "paymentIds",
            "At most 500 payments at once.",
        ));
    }
    let paid_at = paid_at_of(ctx, m.paid_at.as_deref())?;
    let mut tx = db.write().await?;
    for id in ids {
        mark_paid_in(&mut tx, ctx, id, &m, &paid_at).await?;
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get_in(&mut tx, &ctx.bu, id, ctx.today()).await?);
    }
    tx.commit().await?;
    Ok(out)
}

fn need_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::invalid("reason", "Say why (a reason is required)."));
    }
    if r.chars().count() > 1000 {
        return Err(Error::invalid(
            "reason",
            "The reason must be at most 1000 characters.",
        ));
    }
    Ok(r.to_string())
}

/// Record that collecting a payment failed (declined card, bounced transfer). It stays open.
pub async fn mark_failed(db: &Db, ctx: &Ctx, id: &str, reason: &str) -> Result<Payment> {
    let reason = need_reason(reason)?;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, &ctx.bu, id).await?;
    st.collectable(id)?;
    sqlx::query(
        "UPDATE payments SET status = 'failed', failed_at = ?, last_error = ?, capture_attempts = capture_attempts + 1, updated_at = ? WHERE id = ?",
    )
    .bind(&ctx.now)
    .bind(&reason)
    .bind(&ctx.now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        payment_op(
            id,
            "mark-failed",
            &st,
            serde_json::json!({ "reason": reason }),
        ),
    )
    .await?;
    emit_payment(&mut tx, ctx, "payment.failed", id).await?;
    changed(
        tx,
        ctx,
        id,
        st.status,
        PaymentStatus::Failed,
        format!("Collection failed: {reason}"),
    )
    .await
}

/// The end of a status change: its timeline entry, the payment as it is now, commit.
async fn changed(
    mut tx: crate::store::Tx,
    ctx: &Ctx,
    id: &str,
    from: PaymentStatus,
    to: PaymentStatus,
    summary: String,
) -> Result<Payment> {
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: id,
            action: to.as_str(),
            summary,
            before: Some(serde_json::json!({ "status": from })),
            after: Some(serde_json::json!({ "status": to })),
        },
    )
    .await?;
    let p = get_in(&mut tx, &ctx.bu, id, ctx.today()).await?;
    tx.commit().await?;
    Ok(p)
}

/// Void a payment that will not be collected. Pending and failed payments only.
pub async fn cancel(db: &Db, ctx: &Ctx, id: &str, reason: &str) -> Result<Payment> {
    let reason = need_reason(reason)?;
    let mut tx = db.write().await?;
    let st = state_of(&mut tx, &ctx.bu, id).await?;
    match st.status {
        PaymentStatus::Paid => {
            return Err(Error::new(
                ErrorCode::AlreadyPaid,
                format!("Payment {id} is paid; refunds happen with the payment provider."),
            ))
        }
        PaymentStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Payment {id} is already cancelled."),
            ))
        }
        PaymentStatus::Processing => {
            return Err(Error::new(
                ErrorCode::PaymentProcessing,
                format!("Payment {id} is being processed; wait for its outcome."),
            ))
        }
        _ => {}
    }
    st.settled_through_group(id)?;
    // A consolidated payment is cancelled with its lines.
    sqlx::query(
        "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ? WHERE id = ? OR consolidated_into = ?",
    )
    .bind(&reason)
    .bind(&ctx.now)
    .bind(id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        payment_op(id, "cancel", &st, serde_json::json!({ "reason": reason })),
    )
    .await?;
    changed(
        tx,
        ctx,
        id,
        st.status,
        PaymentStatus::Cancelled,
        format!("Cancelled: {reason}"),
    )
    .await
}

/// Late fees under the business unit's setting: once per payment, on open payments more than
/// `lateFeeGraceDays` past due. Flat amount or a percentage of the amount due. Returns how many
/// payments got a fee. Idempotent.
pub(crate) async fn apply_late_fees(conn: &mut SqliteConnection, ctx: &Ctx) -> Result<u64> {
    let s = &ctx.bu.settings;
    if s.late_fee_kind == LateFeeKind::None {
        return Ok(0);
    }
    let cutoff = ctx.today() - chrono::Days::new(s.late_fee_grace_days as u64);
    let due: Vec<(String, i64)> = sqlx::query_as(
        "SELECT id, total FROM payments WHERE bu_id = ? AND status IN ('pending', 'failed') AND consolidated_into IS NULL
         AND due_date < ? AND late_fee_amount = 0 AND total > 0",
    )
    .bind(&ctx.bu.id)
    .bind(day_text(cutoff))
    .fetch_all(&mut *conn)
    .await?;
    let e = ctx.bu.currency_exponent;
    let mut n = 0;
    for (id, total) in due {
        let fee = match s.late_fee_kind {
            LateFeeKind::Flat => s.late_fee_amount.to_minor(e).unwrap_or(0),
            LateFeeKind::Percentage => {
                let v = Money::from_minor(total, e) * (s.late_fee_pct / Decimal::from(100));
                v.round(e).to_minor(e).unwrap_or(0)
            }
            LateFeeKind::None => 0,
        };
        if fee <= 0 {
            continue;
        }
        sqlx::query("UPDATE payments SET late_fee_amount = ?, total = total + ?, updated_at = ? WHERE id = ? AND late_fee_amount = 0")
            .bind(fee)
            .bind(fee)
            .bind(&ctx.now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        record(conn, &ctx.actor, ctx.at, Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "payment",
            entity_id: &id,
            action: "late_fee",
            summary: format!("Late fee of {} added", ctx.bu.amount_text(fee)),
            before: Some(serde_json::json!({ "total": ctx.bu.money(total) })),
            after: Some(serde_json::json!({ "total": ctx.bu.money(total + fee), "lateFeeAmount": ctx.bu.money(fee) })),
        })
        .await?;
        n += 1;
    }
    Ok(n)
}
