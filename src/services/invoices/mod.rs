//! Invoices and credit notes. Every payment that falls due is invoiced, alone or consolidated.
//! Numbers are gap-free per series, and a series belongs to one business unit and one desk
//! (`NL-D1-2026-000042`; credit notes `NL-D1-CN-2026-000007`), so desks number offline without
//! colliding: the number is taken inside the issuing transaction, so a rolled-back or crashed
//! issue gives it back. What an invoice says (parties, lines, totals) is kept as issued and the
//! database refuses to change it; corrections are credit notes that reference it.

use super::{day_text, opt_trim, parse_day, BusinessUnit, Ctx, Page};
use crate::domain::tax;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{new_id, prefix};
use crate::money::Money;
use crate::pdf;
use crate::services::list::{Keyset, Paging};
use crate::store::{json_col, next_in_series, record, Db, Entry};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::BTreeMap;
use std::str::FromStr;
use ts_rs::TS;

mod einvoice;
mod issue;
mod print;

pub use einvoice::{einvoice_for, einvoice_of};
pub use issue::*;
pub use print::*;

/// A party as issued on an invoice.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct PartyRecord {
    pub name: String,
    pub address: Vec<String>,
    pub country: String,
    pub vat_id: Option<String>,
    pub extra: Vec<String>,
    /// The seller's: why it charged no tax, when exempt (the unit's statement when issued).
    pub tax_exemption: Option<String>,
}

/// One invoice line as issued. Amounts in minor units of the invoice's currency.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct LineRecord {
    pub description: String,
    pub serial_number: Option<String>,
    pub rental_id: Option<String>,
    /// The order the device was rented on (lines issued before this was kept have none).
    pub order_number: Option<String>,
    pub period_start: Option<String>,
    /// Exclusive end.
    pub period_end: Option<String>,
    pub quantity: i64,
    /// Percent as text, e.g. `21`.
    pub rate: String,
    pub net: i64,
    pub tax: i64,
}

/// Totals of one VAT rate, in minor units.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RateRecord {
    pub rate: String,
    pub net: i64,
    pub tax: i64,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Invoice {
    pub invoice_id: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub number: String,
    pub series: String,
    pub issue_date: String,
    pub due_date: Option<String>,
    /// The due date the payment schedule had, when the invoice was issued late and is due later.
    pub scheduled_due_date: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub customer_id: String,
    pub customer_name: String,
    pub billing_group_id: Option<String>,
    pub payment_id: Option<String>,
    /// The billed payment's status now (pending, paid, ...).
    pub payment_status: Option<String>,
    pub currency: String,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
    pub reverse_charge: bool,
    pub line_count: i64,
    /// For a credit note: the invoice it corrects.
    pub corrects_id: Option<String>,
    pub corrects_number: Option<String>,
    /// For an invoice: the credit note that corrected it.
    pub credited_by: Option<String>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// An invoice with everything printed on it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceDetail {
    pub invoice: Invoice,
    pub seller: PartyRecord,
    pub buyer: PartyRecord,
    pub lines: Vec<LineRecord>,
    pub rate_totals: Vec<RateRecord>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    series: String,
    number: String,
    payment_id: Option<String>,
    corrects_id: Option<String>,
    customer_id: String,
    billing_group_id: Option<String>,
    issue_date: String,
    due_date: Option<String>,
    scheduled_due_date: Option<String>,
    period_start: Option<String>,
    period_end: Option<String>,
    currency: String,
    net: i64,
    tax: i64,
    gross: i64,
    reverse_charge: bool,
    buyer: String,
    reason: Option<String>,
    created_by: String,
    created_at: String,
    line_count: i64,
    payment_status: Option<String>,
    corrects_number: Option<String>,
    credited_by: Option<String>,
}

const COLS: &str = "i.id, i.kind, i.series, i.number, i.payment_id, i.corrects_id, i.customer_id, i.billing_group_id, i.issue_date, i.due_date, i.scheduled_due_date,
    i.period_start, i.period_end, i.currency, i.net, i.tax, i.gross, i.reverse_charge, i.buyer, i.reason, i.created_by, i.created_at,
    json_array_length(i.lines) AS line_count,
    (SELECT p.status FROM payments p WHERE p.id = i.payment_id) AS payment_status,
    (SELECT o.number FROM invoices o WHERE o.id = i.corrects_id) AS corrects_number,
    (SELECT c.number FROM invoices c WHERE c.corrects_id = i.id AND c.kind = 'credit_note') AS credited_by";

fn to_invoice(bu: &BusinessUnit, r: Row) -> Invoice {
    let buyer: PartyRecord = json_col(Some(&r.buyer)).unwrap_or_default();
    Invoice {
        invoice_id: r.id,
        kind: r.kind,
        number: r.number,
        series: r.series,
        issue_date: r.issue_date,
        due_date: r.due_date,
        scheduled_due_date: r.scheduled_due_date,
        period_start: r.period_start,
        period_end: r.period_end,
        customer_id: r.customer_id,
        customer_name: buyer.name,
        billing_group_id: r.billing_group_id,
        payment_id: r.payment_id,
        payment_status: r.payment_status,
        currency: r.currency,
        net: bu.money(r.net),
        tax: bu.money(r.tax),
        gross: bu.money(r.gross),
        reverse_charge: r.reverse_charge,
        line_count: r.line_count,
        corrects_id: r.corrects_id,
        corrects_number: r.corrects_number,
        credited_by: r.credited_by,
        reason: r.reason,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

async fn get_in(conn: &mut SqliteConnection, bu: &BusinessUnit, id: &str) -> Result<Invoice> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM invoices i WHERE (i.id = ? OR i.number = ?) AND i.bu_id = ?"
    ))
    .bind(id.trim())
    .bind(id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(to_invoice(
        bu,
        row.ok_or_else(|| Error::not_found("Invoice", id.trim()))?,
    ))
}

/// A row with what was printed: the invoice's columns and its parties, lines and rate totals.
#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    row: Row,
    seller: String,
    lines: String,
    rate_totals: String,
}

const DETAIL_COLS: &str = "i.seller, i.lines, i.rate_totals";

fn to_detail(bu: &BusinessUnit, d: DetailRow) -> InvoiceDetail {
    let buyer = json_col(Some(&d.row.buyer)).unwrap_or_default();
    InvoiceDetail {
        invoice: to_invoice(bu, d.row),
        seller: json_col(Some(&d.seller)).unwrap_or_default(),
        buyer,
        lines: json_col(Some(&d.lines)).unwrap_or_default(),
        rate_totals: json_col(Some(&d.rate_totals)).unwrap_or_default(),
    }
}

async fn detail_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<InvoiceDetail> {
    let row: Option<DetailRow> = sqlx::query_as(&format!(
        "SELECT {COLS}, {DETAIL_COLS} FROM invoices i WHERE (i.id = ? OR i.number = ?) AND i.bu_id = ?"
    ))
    .bind(id.trim())
    .bind(id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(to_detail(
        bu,
        row.ok_or_else(|| Error::not_found("Invoice", id.trim()))?,
    ))
}

/// An invoice or credit note by id or number, with its parties and lines.
pub async fn get(db: &Db, bu: &BusinessUnit, id: &str) -> Result<InvoiceDetail> {
    let mut conn = db.pool().acquire().await?;
    detail_in(&mut conn, bu, id).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct InvoiceQuery {
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    /// `invoice` or `credit_note`.
    pub kind: Option<String>,
    pub customer_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// `YYYY-MM`: issued in that month.
    pub month: Option<String>,
    pub issue_date_from: Option<String>,
    pub issue_date_to: Option<String>,
    /// Number, or part of it.
    pub number: Option<String>,
}

fn push_filters(
    qb: &mut QueryBuilder<'_, Sqlite>,
    bu: &BusinessUnit,
    q: &InvoiceQuery,
) -> Result<()> {
    qb.push(" WHERE i.bu_id = ").push_bind(bu.id.clone());
    if let Some(k) = opt_trim(q.kind.clone()) {
        if k != "invoice" && k != "credit_note" {
            return Err(Error::invalid(
                "kind",
                "kind must be invoice or credit_note.",
            ));
        }
        qb.push(" AND i.kind = ").push_bind(k);
    }
    if let Some(c) = opt_trim(q.customer_id.clone()) {
        qb.push(" AND i.customer_id = ").push_bind(c);
    }
    if let Some(g) = opt_trim(q.billing_group_id.clone()) {
        qb.push(" AND i.billing_group_id = ").push_bind(g);
    }
    if let Some(m) = opt_trim(q.month.clone()) {
        let (a, b) = super::month_bounds(&m)?;
        qb.push(" AND i.issue_date >= ")
            .push_bind(day_text(a))
            .push(" AND i.issue_date < ")
            .push_bind(day_text(b));
    }
    if let Some(f) = opt_trim(q.issue_date_from.clone()) {
        qb.push(" AND i.issue_date >= ")
            .push_bind(day_text(parse_day("issueDateFrom", &f)?));
    }
    if let Some(t) = opt_trim(q.issue_date_to.clone()) {
        qb.push(" AND i.issue_date <= ")
            .push_bind(day_text(parse_day("issueDateTo", &t)?));
    }
    if let Some(n) = opt_trim(q.number.clone()) {
        qb.push(" AND i.number LIKE ")
            .push_bind(format!("%{}%", n.replace(['%', '_'], "")));
    }
    Ok(())
}

/// Invoices and credit notes, latest issue date first, keyset-paginated.
pub async fn list(db: &Db, bu: &BusinessUnit, q: &InvoiceQuery) -> Result<Page<Invoice>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        None,
    )?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {COLS} FROM invoices i"));
    push_filters(&mut qb, bu, q)?;
    const INVOICES: Keyset = Keyset {
        order: "issue_date",
        ..Keyset::unsynced("invoices", "i")
    };
    let rows: Vec<Row> = INVOICES.rows(db, qb, &bu.id, &p).await?;
    let items = rows.into_iter().map(|r| to_invoice(bu, r)).collect();
    Ok(p.page(items, |i: &Invoice| i.invoice_id.clone()))
}

/// Sums of the invoices and credit notes matching `q` (what the list shows, all pages).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceTotals {
    pub invoices: i64,
    pub credit_notes: i64,
    pub net: Money,
    pub tax: Money,
    /// Invoiced minus credited.
    pub gross: Money,
    pub currency: String,
}

pub async fn totals(db: &Db, bu: &BusinessUnit, q: &InvoiceQuery) -> Result<InvoiceTotals> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT count(CASE WHEN i.kind = 'invoice' THEN 1 END), count(CASE WHEN i.kind = 'credit_note' THEN 1 END),
                coalesce(sum(i.net), 0), coalesce(sum(i.tax), 0), coalesce(sum(i.gross), 0) FROM invoices i",
    );
    push_filters(&mut qb, bu, q)?;
    let (invoices, credit_notes, net, tax, gross): (i64, i64, i64, i64, i64) =
        qb.build_query_as().fetch_one(db.pool()).await?;
    Ok(InvoiceTotals {
        invoices,
        credit_notes,
        net: bu.money(net),
        tax: bu.money(tax),
        gross: bu.money(gross),
        currency: bu.currency.clone(),
    })
}

/// Every invoice and credit note matching `q` with what was printed, oldest first (exports).
pub async fn all(db: &Db, bu: &BusinessUnit, q: &InvoiceQuery) -> Result<Vec<InvoiceDetail>> {
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new(format!("SELECT {COLS}, {DETAIL_COLS} FROM invoices i"));
    push_filters(&mut qb, bu, q)?;
    qb.push(" ORDER BY i.issue_date, i.rowid");
    let rows: Vec<DetailRow> = qb.build_query_as().fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(|d| to_detail(bu, d)).collect())
}

// ---------------------------------------------------------------------------------------------
