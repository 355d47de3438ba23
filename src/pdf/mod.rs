//! Printed documents: invoices and credit notes, order contracts, buyout and early-return quotes,
//! and asset labels. Each is rendered with printpdf from a *prepared document*: plain structs
//! whose amounts and dates are already formatted in the business unit's currency and language,
//! so rendering has no database, no rules and no money arithmetic. Services build the documents;
//! this module only lays them out.
//!
//! Text is set in an embedded TrueType font (DejaVu Sans, shipped in `assets/fonts/`), so the euro
//! sign, accents and Arabic names print the same on every machine.

use serde::Serialize;

mod contract;
mod html;
mod invoice;
mod labels;
mod layout;
mod parts;
mod quote;
mod report;
pub mod sample;
mod text;

/// What an invoice or a credit note is called at its head ("Invoice", "Credit note").
pub(crate) use invoice::title as invoice_title;

/// An invoice or a credit note as a PDF (A4 portrait): the line table continues over as many pages
/// as it needs, its header row repeated, every page numbered.
pub fn invoice(doc: &InvoiceDoc) -> crate::error::Result<Vec<u8>> {
    text::cached(|| invoice::render(doc))
}

/// An order's rental contract as a PDF (A4 portrait).
pub fn contract(doc: &ContractDoc) -> crate::error::Result<Vec<u8>> {
    text::cached(|| contract::render(doc))
}

/// A buyout or early-return quote as a PDF (A4 portrait).
pub fn quote(doc: &QuoteDoc) -> crate::error::Result<Vec<u8>> {
    text::cached(|| quote::render(doc))
}

/// A report for the books (the VAT report) or a letter with a table (a payment reminder) as a
/// PDF (A4 portrait).
pub fn report(doc: &ReportDoc) -> crate::error::Result<Vec<u8>> {
    text::cached(|| report::render(doc))
}

/// A report as printed: the seller, a title with its facts (period, currency), one table, its
/// totals and notes. Text is formatted already.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportDoc {
    pub title: String,
    pub seller: Party,
    /// A letter's addressee, under the seller.
    pub recipient: Option<Party>,
    pub facts: Vec<(String, String)>,
    /// Paragraphs before the table (a letter's text).
    pub intro: Vec<String>,
    /// Title, width (mm) and whether it is right-aligned (amounts).
    pub columns: Vec<(String, f32, bool)>,
    pub rows: Vec<Vec<String>>,
    pub totals: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub footer: String,
    /// The page number in the document's language ("Pagina {n} van {of}"); English when none.
    pub page_of: Option<String>,
}

/// Asset labels as a PDF on the given stock: one label per page of the label's size on rolls, 24
/// to an A4 page on sheets.
pub fn labels(labels: &[Label], stock: LabelStock) -> crate::error::Result<Vec<u8>> {
    text::cached(|| labels::render(labels, stock))
}

/// The same invoice as one self-contained HTML page (on-screen preview, or printing from a
/// browser).
pub fn invoice_html(doc: &InvoiceDoc) -> String {
    html::render(doc)
}

/// A seller or a buyer as printed: a name and the lines under it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Party {
    pub name: String,
    /// Company or contact line, street, postal code and city, country: one entry per line.
    pub address: Vec<String>,
    pub vat_id: Option<String>,
    /// Further lines: e-mail, phone, registration number.
    pub extra: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

/// One invoice line. Amounts are formatted (e.g. `€1,234.56`, `-€79.00` on a credit note).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InvoiceLine {
    pub description: String,
    pub serial_number: Option<String>,
    /// The order it was rented on, when the invoice covers more than one order.
    pub order_number: Option<String>,
    /// Service period, e.g. `2026-11-01 – 2026-11-30`.
    pub period: String,
    pub quantity: String,
    pub net: String,
    /// VAT rate as printed, e.g. `21 %`.
    pub rate: String,
    pub tax: String,
    pub gross: String,
}

/// The totals of one VAT rate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RateTotal {
    pub rate: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

/// An invoice or a credit note, ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceDoc {
    pub kind: InvoiceKind,
    /// What the tax is called where the seller sells ("VAT", "Sales tax", "GST").
    pub tax_name: String,
    /// E.g. `NL-D1-2026-000042`.
    pub number: String,
    pub issue_date: String,
    pub due_date: Option<String>,
    /// For a credit note: the number and date of the invoice it corrects.
    pub corrects: Option<String>,
    pub seller: Party,
    pub buyer: Party,
    /// Customer number, order number, billing group: label and value pairs under the header.
    pub references: Vec<(String, String)>,
    pub lines: Vec<InvoiceLine>,
    pub rate_totals: Vec<RateTotal>,
    pub total_net: String,
    pub total_tax: String,
    pub total_gross: String,
    /// "Amount due" on an invoice, "Amount credited" on a credit note.
    pub amount_due: String,
    /// Sentences printed above the payment details, e.g. the reverse-charge statement.
    pub notes: Vec<String>,
    /// Bank account, payment reference, due date: label and value pairs.
    pub payment: Vec<(String, String)>,
    /// Footer line on every page, e.g. the seller's legal name, VAT ID and e-mail.
    pub footer: String,
}

/// One device on an order contract.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContractLine {
    pub product: String,
    pub sku: String,
    /// Serial numbers assigned so far (may be empty before activation).
    pub serial_numbers: Vec<String>,
    pub quantity: String,
    pub contract_months: String,
    /// One device for one month, as the price rule shows it (with VAT for a consumer).
    pub monthly_price: String,
    /// The whole line: its devices for their months.
    pub line_total: String,
}

/// An order's rental contract.
#[derive(Debug, Clone, Serialize)]
pub struct ContractDoc {
    pub title: String,
    pub order_number: String,
    pub date: String,
    pub seller: Party,
    pub customer: Party,
    pub lines: Vec<ContractLine>,
    /// The totals as the price rule shows them: label and formatted amount ("Per month, incl.
    /// 21 % VAT"), the last one being the contract value.
    pub totals: Vec<(String, String)>,
    /// Under the totals: whether prices include the tax ("Prices include 21 % VAT.").
    pub price_note: String,
    /// The order's notes, printed above the terms.
    pub notes: Option<String>,
    /// Numbered terms: early return, buyout, late fees, care of the device, payment terms.
    pub terms: Vec<String>,
    pub footer: String,
}

/// A buyout or early-return quote for one subscription.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteDoc {
    /// E.g. `Buyout quote` or `Early return quote`.
    pub title: String,
    pub date: String,
    pub valid_until: String,
    pub seller: Party,
    pub customer: Party,
    /// Subscription, device, serial, contract, months paid: label and value pairs.
    pub facts: Vec<(String, String)>,
    /// How the amount is made up: label and formatted amount, the last one being the total.
    pub amounts: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub footer: String,
}

/// What one label shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Label {
    pub serial_number: String,
    pub product_name: String,
    pub sku: String,
    /// Business unit name, small.
    pub owner: String,
}

/// Label stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LabelStock {
    /// One label per page, 62 × 29 mm (continuous label printers).
    Roll62x29,
    /// One label per page, 102 × 51 mm.
    Roll102x51,
    /// An A4 sheet of 3 × 8 labels of 70 × 37 mm, filled in order, as many sheets as needed.
    A4Sheet3x8,
}
