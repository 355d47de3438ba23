//! Printing an invoice: the document model, its PDF and its HTML preview.

use super::*;
use crate::domain::locale::DocFormat;

// Printing

/// An amount in minor units as the unit's documents write it.
fn money_text(f: &DocFormat, bu: &BusinessUnit, minor: i64) -> String {
    f.amount(bu.money(minor).0, bu.currency_exponent, &bu.currency)
}

pub(crate) fn rate_text(rate: &str) -> String {
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

pub(super) fn party_doc(p: &PartyRecord) -> pdf::Party {
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
    let f = bu.doc_format();
    let period = |a: &str, b: &str| format!("{} – {}", f.date(a), f.date(&inclusive_end(b)));
    let i = &d.invoice;
    let credit = i.kind == "credit_note";
    // One order: named among the references; several (a billing group's): on each line.
    let mut orders: Vec<&str> = d
        .lines
        .iter()
        .filter_map(|l| l.order_number.as_deref())
        .collect();
    orders.sort_unstable();
    orders.dedup();
    let lines = d
        .lines
        .iter()
        .map(|l| pdf::InvoiceLine {
            description: l.description.clone(),
            serial_number: l.serial_number.clone(),
            order_number: (orders.len() > 1).then(|| l.order_number.clone()).flatten(),
            period: match (&l.period_start, &l.period_end) {
                (Some(a), Some(b)) => period(a, b),
                _ => String::new(),
            },
            quantity: l.quantity.to_string(),
            net: money_text(&f, bu, l.net),
            rate: rate_text(&l.rate),
            tax: money_text(&f, bu, l.tax),
            gross: money_text(&f, bu, l.net + l.tax),
        })
        .collect();
    let rate_totals = d
        .rate_totals
        .iter()
        .map(|r| pdf::RateTotal {
            rate: rate_text(&r.rate),
            net: money_text(&f, bu, r.net),
            tax: money_text(&f, bu, r.tax),
            gross: money_text(&f, bu, r.net + r.tax),
        })
        .collect();
    let gross = i.gross.to_minor(bu.currency_exponent).unwrap_or(0);
    let mut references = Vec::new();
    if let [order] = orders[..] {
        references.push(("Order".to_string(), order.to_string()));
    }
    if let (Some(a), Some(b)) = (&i.period_start, &i.period_end) {
        references.push(("Service period".into(), period(a, b)));
    }
    if i.billing_group_id.is_some() {
        references.push((
            "Billing".to_string(),
            "Consolidated: one line per device".to_string(),
        ));
    }
    let mut notes = Vec::new();
    if i.reverse_charge {
        notes.push(tax::REVERSE_CHARGE_NOTE.to_string());
    } else if let Some(exempt) = &d.seller.tax_exemption {
        notes.push(exempt.clone());
    }
    if let (false, Some(scheduled), Some(due)) = (credit, &i.scheduled_due_date, &i.due_date) {
        notes.push(format!(
            "This payment was scheduled to be due on {}. It is invoiced later, so it is due on {}, the contract's payment terms after this invoice's date.",
            f.date(scheduled),
            f.date(due)
        ));
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
            payment.push(("Due date".to_string(), f.date(due)));
        }
        let bank = bu.settings.seller.bank_account.trim();
        if !bank.is_empty() {
            payment.push(("Bank account".into(), bank.to_string()));
        }
        let bic = bu.settings.seller.bic.trim();
        if !bank.is_empty() && !bic.is_empty() {
            payment.push(("BIC".into(), bic.to_string()));
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
        tax_name: bu.tax_name.clone(),
        number: i.number.clone(),
        issue_date: f.date(&i.issue_date),
        due_date: if credit {
            None
        } else {
            i.due_date.as_deref().map(|d| f.date(d))
        },
        corrects: i.corrects_number.clone(),
        seller: party_doc(&d.seller),
        buyer: party_doc(&d.buyer),
        references,
        lines,
        rate_totals,
        total_net: money_text(&f, bu, i.net.to_minor(bu.currency_exponent).unwrap_or(0)),
        total_tax: money_text(&f, bu, i.tax.to_minor(bu.currency_exponent).unwrap_or(0)),
        total_gross: money_text(&f, bu, gross),
        amount_due: money_text(&f, bu, gross),
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
