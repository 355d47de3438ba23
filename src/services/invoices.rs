//! Invoices and credit notes. Every payment that falls due is invoiced, alone or consolidated.
//! Numbers are gap-free per series, and a series belongs to one business unit and one desk
//! (`NL-D1-2026-000042`; credit notes `NL-D1-CN-2026-000007`), so desks number offline without
//! colliding: the number is taken inside the issuing transaction, so a rolled-back or crashed
//! issue gives it back. What an invoice says (parties, lines, totals) is kept as issued and the
//! database refuses to change it; corrections are credit notes that reference it.

use super::{
    day_text, into_page, keyset_tail_by, opt_trim, parse_day, parse_limit, BusinessUnit, Ctx, Page,
    SortDir,
};
use crate::domain::tax;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{new_id, prefix};
use crate::money::Money;
use crate::pdf;
use crate::store::{json_col, next_in_series, record, Db, Entry};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::BTreeMap;
use std::str::FromStr;
use ts_rs::TS;

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

const COLS: &str = "i.id, i.kind, i.series, i.number, i.payment_id, i.corrects_id, i.customer_id, i.billing_group_id, i.issue_date, i.due_date,
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
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {COLS} FROM invoices i"));
    push_filters(&mut qb, bu, q)?;
    keyset_tail_by(
        db,
        &mut qb,
        "invoices",
        "i",
        "id",
        "issue_date",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
    let items = rows.into_iter().map(|r| to_invoice(bu, r)).collect();
    Ok(into_page(items, limit, |i: &Invoice| i.invoice_id.clone()))
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
// Issuing

fn seller_of(bu: &BusinessUnit) -> PartyRecord {
    let s = &bu.settings.seller;
    let name = if s.legal_name.trim().is_empty() {
        bu.name.clone()
    } else {
        s.legal_name.clone()
    };
    let country = if s.country.trim().is_empty() {
        bu.country.clone()
    } else {
        s.country.clone()
    };
    let mut address = Vec::new();
    if !s.street_address.trim().is_empty() {
        address.push(s.street_address.clone());
    }
    let city = format!("{} {}", s.postal_code, s.city).trim().to_string();
    if !city.is_empty() {
        address.push(city);
    }
    if !country.trim().is_empty() {
        address.push(tax::country_name(&country));
    }
    let mut extra = Vec::new();
    for v in [&s.email, &s.phone] {
        if !v.trim().is_empty() {
            extra.push(v.clone());
        }
    }
    PartyRecord {
        name,
        address,
        country,
        vat_id: opt_trim(Some(s.vat_id.clone())),
        extra,
    }
}

async fn buyer_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    customer_id: &str,
) -> Result<(PartyRecord, bool)> {
    let c = super::customers::get_in(conn, bu, customer_id).await?;
    let person = format!("{} {}", c.first_name, c.last_name)
        .trim()
        .to_string();
    let company = opt_trim(c.company.clone());
    let name = company.clone().unwrap_or_else(|| person.clone());
    let mut address = Vec::new();
    if company.is_some() && !person.is_empty() {
        address.push(format!("Attn. {person}"));
    }
    let mut country = String::new();
    if let Some(a) = c
        .last_billing_address
        .as_ref()
        .or(c.last_shipping_address.as_ref())
    {
        if let Some(b) = &a.building_info {
            address.push(b.clone());
        }
        address.push(a.street_address.clone());
        let city = format!("{} {}", a.postal_code.clone().unwrap_or_default(), a.city)
            .trim()
            .to_string();
        address.push(city);
        country = a.country.clone();
        address.push(tax::country_name(&a.country));
    }
    let mut extra = vec![c.email.clone()];
    if let Some(r) = opt_trim(c.registration_number.clone()) {
        extra.push(format!("Reg. no. {r}"));
    }
    let vat_id = opt_trim(c.vat_id.clone());
    let seller_country = seller_of(bu).country;
    let reverse = tax::reverse_charge(
        &seller_country,
        &country,
        vat_id.as_deref(),
        c.customer_type == crate::domain::status::CustomerType::Business,
    );
    Ok((
        PartyRecord {
            name,
            address,
            country,
            vat_id,
            extra,
        },
        reverse,
    ))
}

/// Whether a customer's supplies are reverse-charged (decided when a subscription starts, so
/// its schedule carries no VAT, and printed on every invoice).
pub(crate) async fn reverse_charge_applies(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    customer_id: &str,
) -> Result<bool> {
    let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT customer_type, vat_id, billing_address ->> '$.country' FROM customers WHERE id = ? AND bu_id = ?",
    )
    .bind(customer_id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((kind, vat, country)) = row else {
        return Ok(false);
    };
    Ok(tax::reverse_charge(
        &seller_of(bu).country,
        country.as_deref().unwrap_or_default(),
        vat.as_deref(),
        kind == "business",
    ))
}

#[derive(sqlx::FromRow)]
struct PayRow {
    id: String,
    customer_id: String,
    rental_id: Option<String>,
    billing_group_id: Option<String>,
    kind: String,
    period_start: String,
    period_end: String,
    due_date: String,
    subtotal: i64,
    tax_rate: String,
    tax_amount: i64,
    late_fee_amount: i64,
    total: i64,
    line_items: Option<String>,
    status: String,
    consolidated_into: Option<String>,
    invoice_id: Option<String>,
    serial_number: Option<String>,
    product_name: Option<String>,
}

fn kind_text(kind: &str) -> &'static str {
    match kind {
        "buyout" => "Buyout",
        "early_return_fee" => "Early-return fee",
        "prorated" => "Rent (part month)",
        _ => "Rent",
    }
}

/// The lines of a payment: its own, or those of the members it consolidates.
fn lines_of(bu: &BusinessUnit, p: &PayRow) -> Vec<LineRecord> {
    let members: Option<Vec<super::billing::StoredLine>> = json_col(p.line_items.as_deref());
    let mut lines: Vec<LineRecord> = match members.filter(|m| !m.is_empty()) {
        Some(m) => m
            .into_iter()
            .map(|l| LineRecord {
                // The serial prints on its own line under the description.
                description: match &l.product_name {
                    Some(p) => format!(
                        "{} — {p}",
                        l.description.split(" — ").next().unwrap_or("Rent")
                    ),
                    None => l.description,
                },
                serial_number: l.serial_number,
                rental_id: Some(l.rental_id),
                period_start: Some(l.period_start),
                period_end: Some(l.period_end),
                quantity: 1,
                rate: l.tax_rate,
                net: l.amount.to_minor(bu.currency_exponent).unwrap_or(0),
                tax: l.tax_amount.to_minor(bu.currency_exponent).unwrap_or(0),
            })
            .collect(),
        None => {
            let monthly = p.kind == "rent" || p.kind == "prorated";
            vec![LineRecord {
                description: format!(
                    "{}{}",
                    kind_text(&p.kind),
                    p.product_name
                        .as_deref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ),
                serial_number: p.serial_number.clone(),
                rental_id: p.rental_id.clone(),
                period_start: monthly.then(|| p.period_start.clone()),
                period_end: monthly.then(|| p.period_end.clone()),
                quantity: 1,
                rate: p.tax_rate.clone(),
                net: p.subtotal,
                tax: p.tax_amount,
            }]
        }
    };
    if p.late_fee_amount > 0 {
        lines.push(LineRecord {
            description: "Late fee".into(),
            quantity: 1,
            rate: "0".into(),
            net: p.late_fee_amount,
            tax: 0,
            ..Default::default()
        });
    }
    lines
}

fn rate_totals(lines: &[LineRecord]) -> Vec<RateRecord> {
    let mut by: BTreeMap<Decimal, RateRecord> = BTreeMap::new();
    for l in lines {
        let key = Decimal::from_str(&l.rate).unwrap_or_default();
        let e = by.entry(key).or_insert_with(|| RateRecord {
            rate: l.rate.clone(),
            ..Default::default()
        });
        e.net += l.net;
        e.tax += l.tax;
    }
    by.into_values().rev().collect()
}

fn series_of(ctx: &Ctx, kind: &str, year: i32) -> String {
    match kind {
        "credit_note" => format!("{}-{}-CN-{year}", ctx.bu.code, ctx.desk_code),
        _ => format!("{}-{}-{year}", ctx.bu.code, ctx.desk_code),
    }
}

/// Take the next number of the series (inside the caller's transaction).
async fn number(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    kind: &str,
) -> Result<(String, i64, String)> {
    let series = series_of(ctx, kind, ctx.today().year());
    let seq = next_in_series(conn, &ctx.bu.id, &format!("invoice:{series}")).await?;
    let number = format!("{series}-{seq:06}");
    Ok((series, seq, number))
}

/// Issue the invoice of one payment (inside the caller's transaction). Returns its id.
pub(crate) async fn issue_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    payment_id: &str,
) -> Result<String> {
    let bu = &ctx.bu;
    let p: PayRow = sqlx::query_as(
        "SELECT p.id, p.customer_id, p.rental_id, p.billing_group_id, p.kind, p.period_start, p.period_end, p.due_date, p.subtotal,
                p.tax_rate, p.tax_amount, p.late_fee_amount, p.total, p.line_items, p.status, p.consolidated_into, p.invoice_id,
                a.serial_number, s.product_name
         FROM payments p LEFT JOIN assets a ON a.id = p.asset_id LEFT JOIN subscriptions s ON s.id = p.rental_id
         WHERE p.id = ? AND p.bu_id = ?",
    )
    .bind(payment_id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("Payment", payment_id.trim()))?;
    if let Some(inv) = &p.invoice_id {
        return Err(Error::new(
            ErrorCode::AlreadyInvoiced,
            format!("Payment {} is already invoiced ({inv}).", p.id),
        ));
    }
    if let Some(c) = &p.consolidated_into {
        return Err(Error::new(
            ErrorCode::AlreadyInvoiced,
            format!(
                "Payment {} is a line of consolidated payment {c}; invoice that one.",
                p.id
            ),
        ));
    }
    if p.status == "cancelled" {
        return Err(Error::new(
            ErrorCode::PaymentCancelled,
            format!(
                "Payment {} was cancelled; there is nothing to invoice.",
                p.id
            ),
        ));
    }
    let (buyer, reverse) = buyer_of(conn, bu, &p.customer_id).await?;
    let seller = seller_of(bu);
    let lines = lines_of(bu, &p);
    let rates = rate_totals(&lines);
    let net: i64 = lines.iter().map(|l| l.net).sum();
    let tax: i64 = lines.iter().map(|l| l.tax).sum();
    // The invoice states what the payment asks: their totals agree to the cent.
    if net + tax != p.total {
        return Err(Error::internal(format!(
            "Payment {} totals {} but its lines add up to {}.",
            p.id,
            p.total,
            net + tax
        )));
    }
    // The statement is printed only when the amounts carry no VAT, as reverse-charged ones do.
    let reverse = reverse && tax == 0;
    let (series, seq, number) = number(conn, ctx, "invoice").await?;
    let id = new_id(prefix::INVOICE);
    let issue = ctx.today();
    let period_start = lines.iter().filter_map(|l| l.period_start.clone()).min();
    let period_end = lines.iter().filter_map(|l| l.period_end.clone()).max();
    sqlx::query(
        "INSERT INTO invoices (id, bu_id, kind, series, seq, number, payment_id, customer_id, billing_group_id, issue_date, due_date,
             period_start, period_end, currency, net, tax, gross, reverse_charge, seller, buyer, lines, rate_totals, desk_id, created_by, created_at)
         VALUES (?, ?, 'invoice', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&bu.id)
    .bind(&series)
    .bind(seq)
    .bind(&number)
    .bind(&p.id)
    .bind(&p.customer_id)
    .bind(&p.billing_group_id)
    .bind(day_text(issue))
    .bind(&p.due_date)
    .bind(&period_start)
    .bind(&period_end)
    .bind(&bu.currency)
    .bind(net)
    .bind(tax)
    .bind(net + tax)
    .bind(reverse)
    .bind(serde_json::to_string(&seller)?)
    .bind(serde_json::to_string(&buyer)?)
    .bind(serde_json::to_string(&lines)?)
    .bind(serde_json::to_string(&rates)?)
    .bind(&ctx.desk_code)
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE payments SET invoice_id = ?, updated_at = ? WHERE id = ?")
        .bind(&id)
        .bind(&ctx.now)
        .bind(&p.id)
        .execute(&mut *conn)
        .await?;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "payment",
            entity_id: &p.id,
            action: "invoiced",
            summary: format!(
                "Invoice {number} issued: {} ({} line(s))",
                bu.amount_text(net + tax),
                lines.len()
            ),
            before: None,
            after: Some(serde_json::json!({ "invoiceId": id, "number": number })),
        },
    )
    .await?;
    Ok(id)
}

/// Invoice one payment now (one transaction).
pub async fn issue(db: &Db, ctx: &Ctx, payment_id: &str) -> Result<Invoice> {
    let mut tx = db.write().await?;
    let id = issue_in(&mut tx, ctx, payment_id).await?;
    let inv = get_in(&mut tx, &ctx.bu, &id).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Correct an invoice with a credit note for its whole amount. An open payment it billed is
/// cancelled with it (with its lines); a paid one stays paid and the credit is owed back.
pub async fn credit(db: &Db, ctx: &Ctx, invoice_id: &str, reason: &str) -> Result<Invoice> {
    let bu = &ctx.bu;
    let reason = reason.trim().to_string();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "Say why the invoice is corrected.",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(Error::invalid(
            "reason",
            "The reason must be at most 1000 characters.",
        ));
    }
    let mut tx = db.write().await?;
    let orig = detail_in(&mut tx, bu, invoice_id).await?;
    if orig.invoice.kind != "invoice" {
        return Err(Error::invalid(
            "invoiceId",
            format!(
                "{} is a credit note; only invoices are credited.",
                orig.invoice.number
            ),
        ));
    }
    if let Some(cn) = &orig.invoice.credited_by {
        return Err(Error::new(
            ErrorCode::AlreadyCancelled,
            format!(
                "Invoice {} was already credited by {cn}.",
                orig.invoice.number
            ),
        ));
    }
    let lines: Vec<LineRecord> = orig
        .lines
        .iter()
        .map(|l| LineRecord {
            net: -l.net,
            tax: -l.tax,
            ..l.clone()
        })
        .collect();
    let rates = rate_totals(&lines);
    let net: i64 = lines.iter().map(|l| l.net).sum();
    let tax: i64 = lines.iter().map(|l| l.tax).sum();
    let (series, seq, number) = number(&mut tx, ctx, "credit_note").await?;
    let id = new_id(prefix::INVOICE);
    let o = &orig.invoice;
    sqlx::query(
        "INSERT INTO invoices (id, bu_id, kind, series, seq, number, payment_id, corrects_id, customer_id, billing_group_id, issue_date,
             period_start, period_end, currency, net, tax, gross, reverse_charge, seller, buyer, lines, rate_totals, reason, desk_id, created_by, created_at)
         VALUES (?, ?, 'credit_note', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&bu.id)
    .bind(&series)
    .bind(seq)
    .bind(&number)
    .bind(&o.payment_id)
    .bind(&o.invoice_id)
    .bind(&o.customer_id)
    .bind(&o.billing_group_id)
    .bind(day_text(ctx.today()))
    .bind(&o.period_start)
    .bind(&o.period_end)
    .bind(&o.currency)
    .bind(net)
    .bind(tax)
    .bind(net + tax)
    .bind(o.reverse_charge)
    .bind(serde_json::to_string(&orig.seller)?)
    .bind(serde_json::to_string(&orig.buyer)?)
    .bind(serde_json::to_string(&lines)?)
    .bind(serde_json::to_string(&rates)?)
    .bind(&reason)
    .bind(&ctx.desk_code)
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .execute(&mut *tx)
    .await?;
    let mut cancelled = 0;
    if let Some(pid) = &o.payment_id {
        cancelled = sqlx::query(
            "UPDATE payments SET status = 'cancelled', cancel_reason = ?, updated_at = ?
             WHERE (id = ? OR consolidated_into = ?) AND status IN ('pending', 'failed')",
        )
        .bind(format!("Credited by {number}: {reason}"))
        .bind(&ctx.now)
        .bind(pid)
        .bind(pid)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "invoice",
            entity_id: &o.invoice_id,
            action: "credited",
            summary: format!(
                "Credit note {number} corrects invoice {}: {}{}",
                o.number,
                reason,
                if cancelled > 0 {
                    "; its open payment is cancelled"
                } else {
                    ""
                }
            ),
            before: None,
            after: Some(serde_json::json!({ "creditNoteId": id, "number": number })),
        },
    )
    .await?;
    let inv = get_in(&mut tx, bu, &id).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Progress of the month-end run.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunProgress {
    pub up_to: String,
    /// Invoices issued by this call.
    pub issued: usize,
    /// Payments still to invoice up to the date after this call.
    pub remaining: i64,
    pub invoice_ids: Vec<String>,
}

/// Payments still to invoice, by invoice date, in the index's shape (the partial index's
/// condition is spelled exactly as it was created).
const TO_INVOICE: &str = "FROM payments WHERE bu_id = ? AND invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled'
    AND invoice_date <= ?";

/// The month-end run: invoice every payment due for invoicing up to `up_to` (its invoice date
/// on or before it), at most `batch` in this call and in one transaction. Run it again until
/// `remaining` is 0; a run that stops half-way loses nothing and repeats nothing.
pub async fn run(db: &Db, ctx: &Ctx, up_to: NaiveDate, batch: usize) -> Result<RunProgress> {
    let batch = batch.clamp(1, 5000);
    let mut tx = db.write().await?;
    let ids: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT id {TO_INVOICE} ORDER BY invoice_date, rowid LIMIT ?"
    ))
    .bind(&ctx.bu.id)
    .bind(day_text(up_to))
    .bind(batch as i64)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in &ids {
        out.push(issue_in(&mut tx, ctx, id).await?);
    }
    let remaining: i64 = sqlx::query_scalar(&format!("SELECT count(*) {TO_INVOICE}"))
        .bind(&ctx.bu.id)
        .bind(day_text(up_to))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(RunProgress {
        up_to: day_text(up_to),
        issued: out.len(),
        remaining,
        invoice_ids: out,
    })
}

/// How many payments are waiting to be invoiced up to `up_to`.
pub async fn pending_count(db: &Db, bu: &BusinessUnit, up_to: NaiveDate) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!("SELECT count(*) {TO_INVOICE}"))
        .bind(&bu.id)
        .bind(day_text(up_to))
        .fetch_one(db.pool())
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Printing

fn money_text(bu: &BusinessUnit, minor: i64) -> String {
    crate::money::format_amount(bu.money(minor), bu.currency_exponent, &bu.currency)
}

fn rate_text(rate: &str) -> String {
    format!(
        "{} %",
        Decimal::from_str(rate)
            .map(|d| d.normalize().to_string())
            .unwrap_or_else(|_| rate.to_string())
    )
}

/// The business unit as the seller on any printed document.
pub fn seller_doc(bu: &BusinessUnit) -> pdf::Party {
    party_doc(&seller_of(bu))
}

fn party_doc(p: &PartyRecord) -> pdf::Party {
    pdf::Party {
        name: p.name.clone(),
        address: p.address.clone(),
        vat_id: p.vat_id.clone(),
        extra: p.extra.clone(),
    }
}

/// The last day of a service period whose end is stored exclusive.
fn inclusive_end(end: &str) -> String {
    NaiveDate::parse_from_str(end, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.pred_opt())
        .map(day_text)
        .unwrap_or_else(|| end.to_string())
}

/// The prepared document of an invoice or credit note.
pub fn document(bu: &BusinessUnit, d: &InvoiceDetail) -> pdf::InvoiceDoc {
    let i = &d.invoice;
    let credit = i.kind == "credit_note";
    let lines = d
        .lines
        .iter()
        .map(|l| pdf::InvoiceLine {
            description: l.description.clone(),
            serial_number: l.serial_number.clone(),
            period: match (&l.period_start, &l.period_end) {
                (Some(a), Some(b)) => format!("{a} – {}", inclusive_end(b)),
                _ => String::new(),
            },
            quantity: l.quantity.to_string(),
            net: money_text(bu, l.net),
            rate: rate_text(&l.rate),
            tax: money_text(bu, l.tax),
            gross: money_text(bu, l.net + l.tax),
        })
        .collect();
    let rate_totals = d
        .rate_totals
        .iter()
        .map(|r| pdf::RateTotal {
            rate: rate_text(&r.rate),
            net: money_text(bu, r.net),
            tax: money_text(bu, r.tax),
            gross: money_text(bu, r.net + r.tax),
        })
        .collect();
    let gross = i.gross.to_minor(bu.currency_exponent).unwrap_or(0);
    let mut references = Vec::new();
    if let (Some(a), Some(b)) = (&i.period_start, &i.period_end) {
        references.push((
            "Service period".into(),
            format!("{a} – {}", inclusive_end(b)),
        ));
    }
    if i.billing_group_id.is_some() {
        references.push((
            "Billing".to_string(),
            "Consolidated: one line per device".to_string(),
        ));
    }
    let mut notes = Vec::new();
    if i.reverse_charge {
        notes.push("Reverse charge: VAT is due from the customer (Article 196, Council Directive 2006/112/EC).".to_string());
    }
    if credit {
        if let Some(r) = &i.reason {
            notes.push(format!("Reason for correction: {r}"));
        }
    }
    let seller = &d.seller;
    let mut payment = Vec::new();
    if !credit {
        if let Some(due) = &i.due_date {
            payment.push(("Due date".to_string(), due.clone()));
        }
        let bank = bu.settings.seller.bank_account.trim();
        if !bank.is_empty() {
            payment.push(("Bank account".into(), bank.to_string()));
        }
        payment.push(("Payment reference".into(), i.number.clone()));
    }
    let footer = [
        Some(seller.name.clone()),
        seller.vat_id.as_ref().map(|v| format!("VAT {v}")),
        seller.extra.first().cloned(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    pdf::InvoiceDoc {
        kind: if credit {
            pdf::InvoiceKind::CreditNote
        } else {
            pdf::InvoiceKind::Invoice
        },
        number: i.number.clone(),
        issue_date: i.issue_date.clone(),
        due_date: if credit { None } else { i.due_date.clone() },
        corrects: i.corrects_number.clone(),
        seller: party_doc(&d.seller),
        buyer: party_doc(&d.buyer),
        references,
        lines,
        rate_totals,
        total_net: money_text(bu, i.net.to_minor(bu.currency_exponent).unwrap_or(0)),
        total_tax: money_text(bu, i.tax.to_minor(bu.currency_exponent).unwrap_or(0)),
        total_gross: money_text(bu, gross),
        amount_due: money_text(bu, gross),
        notes,
        payment,
        footer,
    }
}

/// A printable invoice or credit note as PDF bytes, with its file name.
pub async fn pdf_of(db: &Db, bu: &BusinessUnit, id: &str) -> Result<(String, Vec<u8>)> {
    let d = get(db, bu, id).await?;
    let bytes = pdf::invoice(&document(bu, &d))?;
    Ok((format!("{}.pdf", d.invoice.number), bytes))
}

/// The same document as HTML (on-screen preview and printing from the window).
pub async fn html_of(db: &Db, bu: &BusinessUnit, id: &str) -> Result<String> {
    let d = get(db, bu, id).await?;
    Ok(pdf::invoice_html(&document(bu, &d)))
}
