//! Issuing invoices and credit notes: seller and buyer facts, lines and VAT per rate, gap-free numbers, and the month-end run.

use super::*;

// Issuing

pub(crate) fn seller_of(bu: &BusinessUnit) -> PartyRecord {
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
    let mut extra: Vec<String> = s.registration_line(&country).into_iter().collect();
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
        // Stated only beside a rate of 0 (the settings refuse it otherwise).
        tax_exemption: opt_trim(Some(bu.settings.tax_exemption.clone())),
    }
}

/// The VAT category (UNCL 5305) of an invoice's amounts at `rate`: reverse charge (AE), exempt
/// (E: no tax and the seller states why), zero-rated (Z) or standard (S). The e-invoice and the
/// VAT report both ask here.
pub fn tax_category(
    reverse_charge: bool,
    rate: rust_decimal::Decimal,
    seller: &PartyRecord,
) -> crate::einvoice::TaxCategory {
    use crate::einvoice::TaxCategory;
    if reverse_charge {
        TaxCategory::AE
    } else if rate.is_zero() && seller.tax_exemption.is_some() {
        TaxCategory::E
    } else if rate.is_zero() {
        TaxCategory::Z
    } else {
        TaxCategory::S
    }
}

pub(super) async fn buyer_of(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    customer_id: &str,
) -> Result<(PartyRecord, bool)> {
    let c = crate::services::customers::get_in(conn, bu, customer_id).await?;
    let person = c.person();
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
            tax_exemption: None,
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
pub(super) struct PayRow {
    pub(super) id: String,
    pub(super) customer_id: String,
    pub(super) rental_id: Option<String>,
    pub(super) billing_group_id: Option<String>,
    pub(super) kind: String,
    pub(super) period_start: String,
    pub(super) period_end: String,
    pub(super) invoice_date: String,
    pub(super) due_date: String,
    pub(super) subtotal: i64,
    pub(super) tax_rate: String,
    pub(super) tax_amount: i64,
    pub(super) late_fee_amount: i64,
    pub(super) total: i64,
    pub(super) line_items: Option<String>,
    pub(super) status: String,
    pub(super) consolidated_into: Option<String>,
    pub(super) invoice_id: Option<String>,
    pub(super) serial_number: Option<String>,
    pub(super) product_name: Option<String>,
    pub(super) charge_label: Option<String>,
}

/// The lines of a payment: its own, or those of the members it consolidates.
pub(super) fn lines_of(bu: &BusinessUnit, p: &PayRow) -> Vec<LineRecord> {
    let members: Option<Vec<crate::services::billing::StoredLine>> =
        json_col(p.line_items.as_deref());
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
                order_number: None,
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
                    crate::domain::status::PaymentKind::text_of(&p.kind, p.charge_label.as_deref()),
                    p.product_name
                        .as_deref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ),
                serial_number: p.serial_number.clone(),
                rental_id: p.rental_id.clone(),
                order_number: None,
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

/// The due date of an invoice: as scheduled, unless it is issued after its scheduled invoice
/// date; then the schedule's payment terms (its due date less its invoice date) count from the
/// day it is issued, so a customer always has the terms the contract gives.
pub(super) fn due_of(
    scheduled_invoice: NaiveDate,
    scheduled_due: NaiveDate,
    issue: NaiveDate,
) -> NaiveDate {
    let terms = (scheduled_due - scheduled_invoice).max(chrono::TimeDelta::zero());
    scheduled_due.max(issue + terms)
}

/// Each line's order number (the order its subscription came from), for the invoice's reference.
async fn with_orders(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    mut lines: Vec<LineRecord>,
) -> Result<Vec<LineRecord>> {
    for l in &mut lines {
        if let Some(r) = &l.rental_id {
            l.order_number = sqlx::query_scalar(
                "SELECT o.order_number FROM subscriptions s JOIN orders o ON o.id = s.order_id WHERE s.id = ? AND s.bu_id = ?",
            )
            .bind(r)
            .bind(&bu.id)
            .fetch_optional(&mut *conn)
            .await?;
        }
    }
    Ok(lines)
}

pub(super) fn rate_totals(lines: &[LineRecord]) -> Vec<RateRecord> {
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

pub(super) fn series_of(ctx: &Ctx, kind: &str, year: i32) -> String {
    match kind {
        "credit_note" => format!("{}-{}-CN-{year}", ctx.bu.code, ctx.desk_code),
        _ => format!("{}-{}-{year}", ctx.bu.code, ctx.desk_code),
    }
}

/// Take the next number of the series (inside the caller's transaction).
pub(super) async fn number(
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
        "SELECT p.id, p.customer_id, p.rental_id, p.billing_group_id, p.kind, p.period_start, p.period_end, p.invoice_date, p.due_date, p.subtotal,
                p.tax_rate, p.tax_amount, p.late_fee_amount, p.total, p.line_items, p.status, p.consolidated_into, p.invoice_id,
                a.serial_number, s.product_name, p.charge_label
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
    let reverse = tax::states_reverse_charge(reverse, tax);
    let (series, seq, number) = number(conn, ctx, "invoice").await?;
    let id = new_id(prefix::INVOICE);
    let issue = ctx.today();
    let due = due_of(
        parse_day("invoiceDate", &p.invoice_date)?,
        parse_day("dueDate", &p.due_date)?,
        issue,
    );
    let scheduled_due = (due != parse_day("dueDate", &p.due_date)?).then(|| p.due_date.clone());
    let lines = with_orders(conn, bu, lines).await?;
    let period_start = lines.iter().filter_map(|l| l.period_start.clone()).min();
    let period_end = lines.iter().filter_map(|l| l.period_end.clone()).max();
    sqlx::query(
        "INSERT INTO invoices (id, bu_id, kind, series, seq, number, payment_id, customer_id, billing_group_id, issue_date, due_date,
             scheduled_due_date, period_start, period_end, currency, net, tax, gross, reverse_charge, seller, buyer, lines, rate_totals,
             desk_id, created_by, created_at)
         VALUES (?, ?, 'invoice', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(day_text(due))
    .bind(&scheduled_due)
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
    let id = credit_in(&mut tx, ctx, invoice_id, &reason).await?;
    let inv = get_in(&mut tx, bu, &id).await?;
    tx.commit().await?;
    Ok(inv)
}

/// Credit an invoice inside the caller's transaction (`reason` checked by the caller): a credit
/// note with the invoice's lines negated, its open payment cancelled. Returns the note's id.
pub(crate) async fn credit_in(
    tx: &mut SqliteConnection,
    ctx: &Ctx,
    invoice_id: &str,
    reason: &str,
) -> Result<String> {
    let bu = &ctx.bu;
    let orig = detail_in(&mut *tx, bu, invoice_id).await?;
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
    let (series, seq, number) = number(&mut *tx, ctx, "credit_note").await?;
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
    .bind(reason)
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
        &mut *tx,
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
    Ok(id)
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
pub(super) const TO_INVOICE: &str = "FROM payments WHERE bu_id = ? AND invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled'
    AND invoice_date <= ?";

/// The month-end run: invoice every payment due for invoicing up to `up_to` (its invoice date
/// on or before it), at most `batch` in this call and in one transaction. Run it again until
/// `remaining` is 0; a run that stops half-way loses nothing and repeats nothing.
pub async fn run(db: &Db, ctx: &Ctx, up_to: NaiveDate, batch: usize) -> Result<RunProgress> {
    let batch = batch.clamp(1, crate::domain::limits::INVOICE_RUN_BATCH_MAX);
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
