//! Command handlers for billing groups, invoices, files, exports and printed documents. PDFs
//! travel to the UI as base64 inside the JSON answer (a 500-line invoice is a few hundred KB).

use super::handlers::{CancelReq, IdReq};
use super::Session;
use crate::error::{Error, ErrorCode, Result};
use crate::pdf;
use crate::services::{billing, exports, files, invoices, subscriptions as subs, Ctx, Page};
use base64::Engine;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A printable document: its file name and bytes.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    /// The file's bytes, base64.
    pub base64: String,
}

impl Document {
    pub fn pdf(filename: String, bytes: Vec<u8>) -> Document {
        Document::of(filename, "application/pdf", bytes)
    }

    pub fn of(filename: String, content_type: &str, bytes: Vec<u8>) -> Document {
        Document {
            filename,
            content_type: content_type.into(),
            size: bytes.len(),
            base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Html {
    pub html: String,
}

fn store(s: &Session<'_>) -> files::FileStore {
    files::FileStore::beside(&s.core.path)
}

// --- billing groups ----------------------------------------------------------------------------

pub async fn billing_groups_list(
    s: &Session<'_>,
    q: billing::GroupQuery,
) -> Result<Page<billing::BillingGroup>> {
    billing::list(&s.core.db, s.bu()?, &q).await
}

pub async fn billing_groups_get(s: &Session<'_>, r: IdReq) -> Result<billing::BillingGroup> {
    billing::get(&s.core.db, s.bu()?, &r.id).await
}

pub async fn billing_groups_create(
    s: &Session<'_>,
    r: billing::NewGroup,
) -> Result<billing::BillingGroup> {
    billing::create(&s.core.db, &s.ctx()?, r).await
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GroupUpdateReq {
    pub id: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub input: billing::GroupUpdate,
}

pub async fn billing_groups_update(
    s: &Session<'_>,
    r: GroupUpdateReq,
) -> Result<billing::BillingGroup> {
    billing::update(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Done {
    pub message: String,
}

pub async fn billing_groups_delete(s: &Session<'_>, r: IdReq) -> Result<Done> {
    billing::delete(&s.core.db, &s.ctx()?, &r.id).await?;
    Ok(Done {
        message: "Billing group deleted; its subscriptions bill on their own again.".into(),
    })
}

// --- invoices ----------------------------------------------------------------------------------

pub async fn invoices_list(
    s: &Session<'_>,
    q: invoices::InvoiceQuery,
) -> Result<Page<invoices::Invoice>> {
    invoices::list(&s.core.db, s.bu()?, &q).await
}

pub async fn invoices_totals(
    s: &Session<'_>,
    q: invoices::InvoiceQuery,
) -> Result<invoices::InvoiceTotals> {
    invoices::totals(&s.core.db, s.bu()?, &q).await
}

pub async fn invoices_get(s: &Session<'_>, r: IdReq) -> Result<invoices::InvoiceDetail> {
    invoices::get(&s.core.db, s.bu()?, &r.id).await
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentIdReq {
    pub payment_id: String,
}

pub async fn invoices_issue(s: &Session<'_>, r: PaymentIdReq) -> Result<invoices::Invoice> {
    invoices::issue(&s.core.db, &s.ctx()?, &r.payment_id).await
}

pub async fn invoices_credit(s: &Session<'_>, r: CancelReq) -> Result<invoices::Invoice> {
    invoices::credit(
        &s.core.db,
        &s.ctx()?,
        &r.id,
        r.reason.as_deref().unwrap_or(""),
    )
    .await
}

pub async fn invoices_pdf(s: &Session<'_>, r: IdReq) -> Result<Document> {
    let (name, bytes) = invoices::pdf_of(&s.core.db, s.bu()?, &r.id).await?;
    Ok(Document::pdf(name, bytes))
}

pub async fn invoices_html(s: &Session<'_>, r: IdReq) -> Result<Html> {
    Ok(Html {
        html: invoices::html_of(&s.core.db, s.bu()?, &r.id).await?,
    })
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct RunReq {
    /// Invoice everything with an invoice date up to this day (default today).
    pub up_to: Option<String>,
    /// At most this many in this call (default 200).
    pub batch: Option<u32>,
}

fn up_to(s: &Session<'_>, r: &RunReq) -> Result<chrono::NaiveDate> {
    match r.up_to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(s.bu()?.day_at(s.core.now())),
        Some(t) => crate::services::parse_day("upTo", t),
    }
}

pub async fn invoices_run(s: &Session<'_>, r: RunReq) -> Result<invoices::RunProgress> {
    let day = up_to(s, &r)?;
    invoices::run(&s.core.db, &s.ctx()?, day, r.batch.unwrap_or(200) as usize).await
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PendingCount {
    pub up_to: String,
    pub count: i64,
}

pub async fn invoices_pending(s: &Session<'_>, r: RunReq) -> Result<PendingCount> {
    let day = up_to(s, &r)?;
    Ok(PendingCount {
        up_to: crate::services::day_text(day),
        count: invoices::pending_count(&s.core.db, s.bu()?, day).await?,
    })
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthReq {
    /// `YYYY-MM`.
    pub month: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFolder {
    pub folder: String,
    pub documents: usize,
    pub csv_file: String,
}

/// Every invoice and credit note issued in a month in its buyer's format (a PDF, a Factur-X PDF,
/// or the PDF and the UBL XML of a Peppol or XRechnung buyer), with the month's invoice CSV, in
/// a folder under the data folder (`exports/invoices-<unit>-<month>/`).
pub async fn invoices_export_month(s: &Session<'_>, r: MonthReq) -> Result<ExportedFolder> {
    let ctx = s.ctx()?;
    let bu = &ctx.bu;
    let month = r.month.trim().to_string();
    let docs = invoices::all(
        &s.core.db,
        bu,
        &invoices::InvoiceQuery {
            month: Some(month.clone()),
            ..Default::default()
        },
    )
    .await?;
    let csv = exports::invoices_csv(bu, &docs, &month)?;
    let dir = s
        .core
        .path
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join("exports")
        .join(format!("invoices-{}-{month}", bu.code));
    let io = |e: std::io::Error| Error::internal(format!("cannot write {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut conn = s.core.db.pool().acquire().await?;
    for d in &docs {
        let (name, _, bytes) = invoices::einvoice_for(&mut conn, bu, d, None, ctx.at).await?;
        if name.ends_with(".xml") {
            let pdf = pdf::invoice(&invoices::document(bu, d))?;
            std::fs::write(dir.join(format!("{}.pdf", d.invoice.number)), pdf).map_err(io)?;
        }
        std::fs::write(dir.join(&name), bytes).map_err(io)?;
    }
    std::fs::write(dir.join(&csv.filename), csv.csv_data.as_bytes()).map_err(io)?;
    Ok(ExportedFolder {
        folder: dir.display().to_string(),
        documents: docs.len(),
        csv_file: csv.filename,
    })
}

// --- exports -----------------------------------------------------------------------------------

pub async fn exports_rentals(
    s: &Session<'_>,
    r: exports::RentalExport,
) -> Result<exports::RentalExportResult> {
    exports::rentals(&s.core.db, &s.ctx()?, &r).await
}

pub async fn exports_payments(
    s: &Session<'_>,
    r: exports::PeriodExport,
) -> Result<exports::CsvFile> {
    exports::payments(&s.core.db, s.bu()?, &r).await
}

pub async fn exports_invoices(
    s: &Session<'_>,
    r: exports::PeriodExport,
) -> Result<exports::CsvFile> {
    exports::invoices(&s.core.db, s.bu()?, &r).await
}

// --- files -------------------------------------------------------------------------------------

pub async fn files_list(s: &Session<'_>, q: files::FileQuery) -> Result<files::FileList> {
    files::list(&s.core.db, s.bu()?, &q).await
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ContractReq {
    pub order_id: String,
    pub contract_type: Option<String>,
}

pub async fn files_contract(s: &Session<'_>, r: ContractReq) -> Result<files::FileInfo> {
    files::generate_contract(
        &s.core.db,
        &store(s),
        &s.ctx()?,
        &r.order_id,
        r.contract_type.as_deref(),
    )
    .await
}

pub async fn files_pdf(s: &Session<'_>, r: IdReq) -> Result<Document> {
    let (info, bytes) = files::read(&s.core.db, &store(s), s.bu()?, &r.id).await?;
    Ok(Document::pdf(info.filename, bytes))
}

pub async fn files_delete(s: &Session<'_>, r: IdReq) -> Result<Done> {
    files::delete(&s.core.db, &store(s), &s.ctx()?, &r.id, true).await?;
    Ok(Done {
        message: "File deleted.".into(),
    })
}

// --- labels and quotes -------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabelsReq {
    pub serial_numbers: Vec<String>,
    /// `roll62x29`, `roll102x51` or `a4_3x8`.
    pub stock: String,
}

/// Asset labels (Code 128 and QR of the serial, product name) for label printers or A4 sheets.
pub async fn labels_pdf(s: &Session<'_>, r: LabelsReq) -> Result<Document> {
    let bu = s.bu()?;
    let stock = match r.stock.trim() {
        "roll62x29" => pdf::LabelStock::Roll62x29,
        "roll102x51" => pdf::LabelStock::Roll102x51,
        "a4_3x8" => pdf::LabelStock::A4Sheet3x8,
        o => {
            return Err(Error::invalid(
                "stock",
                format!("'{o}' is not a label stock: roll62x29, roll102x51 or a4_3x8."),
            ))
        }
    };
    if r.serial_numbers.is_empty() || r.serial_numbers.len() > 1000 {
        return Err(Error::invalid(
            "serialNumbers",
            "Choose from 1 to 1000 devices.",
        ));
    }
    let mut labels = Vec::with_capacity(r.serial_numbers.len());
    for sn in &r.serial_numbers {
        let a = crate::services::assets::get(&s.core.db, bu, sn).await?;
        labels.push(pdf::Label {
            serial_number: a.serial_number.clone(),
            product_name: a.product_name.clone(),
            sku: a.sku.clone(),
            owner: bu.name.clone(),
        });
    }
    let bytes = pdf::labels(&labels, stock)?;
    let name = if labels.len() == 1 {
        format!("label-{}.pdf", labels[0].serial_number)
    } else {
        format!("labels-{}.pdf", labels.len())
    };
    Ok(Document::pdf(name, bytes))
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuotePdfReq {
    pub rental_id: String,
    /// `buyout` or `early_return`.
    pub kind: String,
    pub effective_date: Option<String>,
}

/// A quoted price as the invoice will state it: the price, its tax (named as the unit names
/// it), and what will be invoiced.
fn charge_lines(
    money: &dyn Fn(crate::money::Money) -> String,
    tax: &str,
    what: &str,
    c: &subs::QuoteCharge,
) -> Vec<(String, String)> {
    let rate = format!("{} %", c.tax_rate);
    if c.reverse_charge {
        return vec![
            (format!("{what} (no {tax}: reverse charge)"), money(c.net)),
            ("To be invoiced".into(), money(c.gross)),
        ];
    }
    if c.tax_inclusive {
        vec![
            (format!("{what} (incl. {rate} {tax})"), money(c.gross)),
            (format!("of which {tax} {rate}"), money(c.tax)),
            ("To be invoiced".into(), money(c.gross)),
        ]
    } else {
        vec![
            (format!("{what} (excl. {tax})"), money(c.net)),
            (format!("{tax} {rate}"), money(c.tax)),
            ("To be invoiced".into(), money(c.gross)),
        ]
    }
}

/// What a quote's customer should know besides the price: the reverse charge, and what stays due.
fn charge_notes(
    money: &dyn Fn(crate::money::Money) -> String,
    c: &subs::QuoteCharge,
    due: &subs::StillDue,
    date: &str,
) -> Vec<String> {
    let mut notes = vec![];
    if c.reverse_charge {
        notes.push("VAT reverse charge: the customer accounts for the VAT.".to_string());
    }
    notes.push(match due.payments {
        0 => format!("Nothing else is due for periods up to {date}."),
        1 => format!(
            "Still due besides: 1 open payment for a period up to {date}, {}.",
            money(due.total)
        ),
        n => format!(
            "Still due besides: {n} open payments for periods up to {date}, {} in all.",
            money(due.total)
        ),
    });
    notes
}

/// A buyout or early-return quote as a PDF, from the same calculation the dialogs show.
pub async fn quote_pdf(s: &Session<'_>, r: QuotePdfReq) -> Result<Document> {
    let ctx: Ctx = s.ctx()?;
    let bu = &ctx.bu;
    let f = bu.doc_format();
    let money = |m: crate::money::Money| f.amount(m.0, bu.currency_exponent, &bu.currency);
    let day = |d: &str| f.date(d);
    let input = subs::QuoteInput {
        rental_id: r.rental_id.clone(),
        effective_date: r.effective_date.clone(),
    };
    let valid_until = day(&crate::services::day_text(
        ctx.today() + chrono::Days::new(14),
    ));
    let (title, facts, amounts, notes, serial, customer) = match r.kind.trim() {
        "buyout" => {
            let q = subs::quote_buyout(&s.core.db, &ctx, input).await?;
            let b = &q.calculation_breakdown;
            let mut amounts = Vec::new();
            if b.remaining_months > 0 {
                amounts.push((
                    format!("{} remaining month(s)", b.remaining_months),
                    money(b.remaining_months_payment),
                ));
            }
            if b.list_price_percentage > 0.0 {
                amounts.push((
                    format!("{:.1} % of the list price", b.list_price_percentage),
                    money(b.list_price_amount),
                ));
            }
            if !b.flat_fee.0.is_zero() {
                amounts.push(("Fee".into(), money(b.flat_fee)));
            }
            amounts.extend(charge_lines(
                &money,
                &bu.tax_name,
                "Buyout price",
                &q.charge,
            ));
            let mut notes = vec![format!(
                "After the buyout the device belongs to the customer. Monthly payments for periods after {} are cancelled.",
                day(&q.effective_date)
            )];
            notes.extend(charge_notes(
                &money,
                &q.charge,
                &q.still_due,
                &day(&q.effective_date),
            ));
            (
                "Buyout quote",
                vec![
                    ("Customer".to_string(), q.customer_name.clone()),
                    ("Device".into(), q.product_name.clone()),
                    ("Serial number".into(), q.serial_number.clone()),
                    ("Monthly amount".into(), money(q.monthly_amount)),
                    ("Paid so far".into(), money(q.total_collected)),
                    ("Effective date".into(), day(&q.effective_date)),
                ],
                amounts,
                notes,
                q.serial_number.clone(),
                q.customer_name.clone(),
            )
        }
        "early_return" => {
            let q = subs::quote_early_return(&s.core.db, &ctx, input).await?;
            let mut notes = Vec::new();
            if q.grace_period_applied {
                notes.push(format!(
                    "Returned within the {}-day grace period: no fee{}.",
                    q.grace_period_days,
                    if bu.settings.grace_return_undoes_first_month {
                        ", and the months before the return are cancelled, or credited if invoiced"
                    } else {
                        ""
                    }
                ));
            }
            notes.push(format!(
                "Monthly payments for periods after the return date ({}) are cancelled.",
                day(&q.effective_date)
            ));
            notes.extend(charge_notes(
                &money,
                &q.charge,
                &q.still_due,
                &day(&q.effective_date),
            ));
            (
                "Early return quote",
                vec![
                    ("Customer".to_string(), q.customer_name.clone()),
                    ("Device".into(), q.product_name.clone()),
                    ("Serial number".into(), q.serial_number.clone()),
                    ("Contract end".into(), day(&q.end_date)),
                    ("Remaining months".into(), q.remaining_months.to_string()),
                    ("Return date".into(), day(&q.effective_date)),
                ],
                charge_lines(&money, &bu.tax_name, "Early-return fee", &q.charge),
                notes,
                q.serial_number.clone(),
                q.customer_name.clone(),
            )
        }
        o => {
            return Err(Error::invalid(
                "kind",
                format!("'{o}' is not a quote: buyout or early_return."),
            ))
        }
    };
    let seller = invoices::seller_doc(bu);
    let doc = pdf::QuoteDoc {
        title: title.into(),
        date: day(&crate::services::day_text(ctx.today())),
        valid_until,
        footer: seller.name.clone(),
        seller,
        customer: pdf::Party {
            name: customer,
            ..Default::default()
        },
        facts,
        amounts,
        notes,
    };
    let bytes = pdf::quote(&doc)?;
    Ok(Document::pdf(
        format!("{}-{serial}.pdf", title.to_lowercase().replace(' ', "-")),
        bytes,
    ))
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveReq {
    pub filename: String,
    pub base64: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub path: String,
}

/// Save a document into the desk's documents folder (`~/Documents/FlexDesk`, or `documents/`
/// beside the database when there is no such folder), for the desktop window only: a browser
/// downloads instead, and a server never writes into its own user's folders for a caller. Only
/// what the desk makes is written: a PDF (it starts `%PDF-`, its name ends `.pdf`) or a CSV export
/// (UTF-8 text, `.csv`); an existing file is never replaced (`name (2).pdf`).
pub async fn documents_save(s: &Session<'_>, r: SaveReq) -> Result<Saved> {
    s.actor()?;
    if !s.desktop {
        return Err(Error::new(
            ErrorCode::InsufficientPermissions,
            "Saving into the Documents folder is for the desktop app; a browser downloads the file.",
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(r.base64.trim())
        .map_err(|_| Error::invalid("base64", "The document is not valid base64."))?;
    let ext = if bytes.starts_with(b"%PDF-") {
        "pdf"
    } else if r.filename.to_ascii_lowercase().ends_with(".csv")
        && std::str::from_utf8(&bytes).is_ok_and(|t| !t.contains('\0'))
    {
        "csv"
    } else {
        return Err(Error::invalid(
            "base64",
            "Only the desk's PDFs and CSV exports are saved here.",
        ));
    };
    let stem: String = r
        .filename
        .rsplit_once('.')
        .map_or(r.filename.as_str(), |(stem, _)| stem)
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() {
        return Err(Error::invalid("filename", "A file name is required."));
    }
    let dir = dirs::document_dir()
        .map(|d| d.join("FlexDesk"))
        .unwrap_or_else(|| {
            s.core
                .path
                .parent()
                .unwrap_or_else(|| std::path::Path::new("."))
                .join("documents")
        });
    let io =
        |e: std::io::Error| Error::internal(format!("cannot save into {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    // A new file each time (create_new): an earlier document of the same name stays.
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        let path = dir.join(&name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(&bytes).and_then(|_| f.sync_all()).map_err(io)?;
                return Ok(Saved {
                    path: path.display().to_string(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    }
    Err(Error::new(
        ErrorCode::Conflict,
        format!("{stem}.{ext} is saved 999 times already; remove some copies first."),
    ))
}
