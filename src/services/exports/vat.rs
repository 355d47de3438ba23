//! The VAT report an accountant files: for a period and a business unit, the net and the VAT of
//! the invoices and credit notes issued in it, per VAT category and rate (standard rates, zero
//! rate, exempt and reverse-charged supplies apart), as a screen, a PDF and a CSV. Credit notes
//! count with their negative amounts.

use super::{CsvFile, PeriodExport};
use crate::domain::tax;
use crate::einvoice::TaxCategory;
use crate::error::Result;
use crate::money::Money;
use crate::pdf;
use crate::services::invoices::{self, InvoiceQuery};
use crate::services::BusinessUnit;
use crate::store::Db;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VatReportRow {
    /// `S` standard rate, `Z` zero rate, `E` exempt, `AE` reverse charge (EN 16931's category
    /// codes).
    pub category: String,
    /// "Standard rate", "Zero rate", "Reverse charge (the customer accounts for the VAT)".
    pub label: String,
    /// Percent, as text.
    pub rate: String,
    pub net: Money,
    pub tax: Money,
    /// Invoices and credit notes with an amount at this category and rate.
    pub documents: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VatReport {
    pub from: String,
    pub to: String,
    pub currency: String,
    /// What the tax is called where the unit sells ("VAT", "Sales tax").
    pub tax_name: String,
    pub rows: Vec<VatReportRow>,
    pub net: Money,
    pub tax: Money,
    pub invoices: i64,
    pub credit_notes: i64,
    /// Names the period in file names (`2026-11`, or `2026-11-01_2026-11-30`).
    pub label: String,
}

fn category_label(c: TaxCategory) -> &'static str {
    match c {
        TaxCategory::AE => "Reverse charge (the customer accounts for the VAT)",
        TaxCategory::E => "Exempt",
        TaxCategory::Z => "Zero rate",
        TaxCategory::O => "Outside the scope of VAT",
        TaxCategory::S => "Standard rate",
    }
}

/// The report of the invoices and credit notes issued in the period `q`.
pub async fn vat_report(db: &Db, bu: &BusinessUnit, q: &PeriodExport) -> Result<VatReport> {
    let (from, to, label) = super::period(q)?;
    let docs = invoices::all(
        db,
        bu,
        &InvoiceQuery {
            issue_date_from: Some(from.clone()),
            issue_date_to: Some(to.clone()),
            ..Default::default()
        },
    )
    .await?;
    // (category, rate) → (net, tax, documents, the rate as issued): in the categories' order
    // (standard rates first, then zero rate, exempt, reverse charge), rates ordered as numbers.
    type Sums = (i64, i64, i64, String);
    let mut by: BTreeMap<(TaxCategory, Decimal), Sums> = BTreeMap::new();
    let (mut invoices, mut credit_notes) = (0, 0);
    for d in &docs {
        if d.invoice.kind == "credit_note" {
            credit_notes += 1;
        } else {
            invoices += 1;
        }
        for r in &d.rate_totals {
            let rate = Decimal::from_str(&r.rate).unwrap_or_default();
            let c = invoices::tax_category(d.invoice.reverse_charge, rate, &d.seller);
            let e = by.entry((c, rate)).or_insert((0, 0, 0, r.rate.clone()));
            e.0 += r.net;
            e.1 += r.tax;
            e.2 += 1;
        }
    }
    let rows: Vec<VatReportRow> = by
        .into_iter()
        .map(|((cat, _), (net, tax, n, rate))| VatReportRow {
            label: category_label(cat).to_string(),
            category: cat.code().to_string(),
            rate,
            net: bu.money(net),
            tax: bu.money(tax),
            documents: n,
        })
        .collect();
    let net = rows.iter().map(|r| r.net).sum();
    let tax = rows.iter().map(|r| r.tax).sum();
    Ok(VatReport {
        from,
        to,
        currency: bu.currency.clone(),
        tax_name: tax::tax_name(&bu.country).to_string(),
        rows,
        net,
        tax,
        invoices,
        credit_notes,
        label,
    })
}

/// The report as CSV: one row per category and rate, then the total.
pub fn vat_csv(bu: &BusinessUnit, r: &VatReport) -> Result<CsvFile> {
    let e = bu.currency_exponent;
    let mut rows: Vec<Vec<String>> = vec![vec![
        "from".into(),
        "to".into(),
        "category".into(),
        "description".into(),
        "rate".into(),
        "net".into(),
        "tax".into(),
        "documents".into(),
        "currency".into(),
    ]];
    for x in &r.rows {
        rows.push(vec![
            r.from.clone(),
            r.to.clone(),
            x.category.clone(),
            x.label.clone(),
            x.rate.clone(),
            x.net.with_scale(e).to_string(),
            x.tax.with_scale(e).to_string(),
            x.documents.to_string(),
            r.currency.clone(),
        ]);
    }
    rows.push(vec![
        r.from.clone(),
        r.to.clone(),
        "total".into(),
        "Total".into(),
        String::new(),
        r.net.with_scale(e).to_string(),
        r.tax.with_scale(e).to_string(),
        (r.invoices + r.credit_notes).to_string(),
        r.currency.clone(),
    ]);
    super::csv_file(format!("vat-{}-{}.csv", bu.code, r.label), rows)
}

/// The report as a PDF in the unit's language and formats.
pub fn vat_pdf(bu: &BusinessUnit, r: &VatReport) -> Result<(String, Vec<u8>)> {
    let f = bu.doc_format();
    let money = |m: Money| f.amount(m.0, bu.currency_exponent, &bu.currency);
    let seller = invoices::seller_of(bu);
    let doc = pdf::ReportDoc {
        title: format!("{} report", r.tax_name),
        seller: pdf::Party {
            name: seller.name,
            address: seller.address,
            vat_id: seller.vat_id,
            extra: vec![],
        },
        recipient: None,
        intro: vec![],
        facts: vec![
            ("Period".into(), format!("{} – {}", f.date(&r.from), f.date(&r.to))),
            ("Currency".into(), r.currency.clone()),
            ("Invoices".into(), r.invoices.to_string()),
            ("Credit notes".into(), r.credit_notes.to_string()),
        ],
        columns: vec![
            ("Category".into(), 76.0, false),
            ("Rate".into(), 18.0, true),
            ("Documents".into(), 22.0, true),
            ("Net".into(), 29.0, true),
            (r.tax_name.clone(), 29.0, true),
        ],
        rows: r
            .rows
            .iter()
            .map(|x| {
                vec![
                    format!("{} ({})", x.label, x.category),
                    invoices::rate_text(&x.rate),
                    x.documents.to_string(),
                    money(x.net),
                    money(x.tax),
                ]
            })
            .collect(),
        totals: vec![
            ("Net".into(), money(r.net)),
            (r.tax_name.clone(), money(r.tax)),
        ],
        notes: vec![
            "From the invoices and credit notes issued in the period, as issued; credit notes count with their negative amounts.".into(),
        ],
        footer: format!("{} · {} report {}", bu.name, r.tax_name, r.label),
        page_of: None,
    };
    Ok((
        format!("vat-{}-{}.pdf", bu.code, r.label),
        pdf::report(&doc)?,
    ))
}
