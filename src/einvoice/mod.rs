//! Structured e-invoices (EN 16931): an issued invoice or credit note as the XML a buyer's
//! software reads — UN/CEFACT CII for Factur-X (embedded in the invoice PDF as PDF/A-3), UBL 2.1
//! for Peppol BIS Billing 3.0 and for XRechnung. Like `pdf`, this module only writes: services
//! prepare an [`EInvoice`] (every amount in minor units, every code decided) and the writers
//! turn it into XML with `quick-xml`, never by joining strings.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod cii;
mod facturx;
mod ubl;
mod xml;

pub use cii::write as cii;
pub use facturx::embed as facturx;
pub use ubl::{write as ubl, PEPPOL, XRECHNUNG};

crate::str_enum!(Format { Pdf = "pdf", FacturX = "facturx", Peppol = "peppol", XRechnung = "xrechnung" });

impl Format {
    /// What a person picks: "PDF", "Factur-X / ZUGFeRD (PDF with XML)", …
    pub fn label(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::FacturX => "Factur-X / ZUGFeRD (PDF with XML inside)",
            Format::Peppol => "UBL, Peppol BIS Billing 3.0 (XML)",
            Format::XRechnung => "XRechnung (UBL XML, with the buyer's Leitweg-ID)",
        }
    }
}

/// An invoice (UNTDID 1001 code 380) or a credit note (381).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Invoice,
    CreditNote,
}

impl DocKind {
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Invoice => "380",
            DocKind::CreditNote => "381",
        }
    }
}

/// The VAT category of a line and of a breakdown row (UNCL 5305, as EN 16931 uses it). Ordered
/// as reports list them: standard, zero rate, exempt, reverse charge, outside the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaxCategory {
    /// Standard rated.
    S,
    /// Zero rated.
    Z,
    /// Exempt from VAT.
    E,
    /// Reverse charge (the buyer accounts for the VAT).
    AE,
    /// Outside the scope of VAT (a seller outside the EU VAT area, e.g. a US sales-tax seller
    /// with no tax on the line).
    O,
}

impl TaxCategory {
    pub fn code(self) -> &'static str {
        match self {
            TaxCategory::S => "S",
            TaxCategory::Z => "Z",
            TaxCategory::E => "E",
            TaxCategory::AE => "AE",
            TaxCategory::O => "O",
        }
    }

    /// The exemption reason a category other than S and Z must state (BT-121, BT-120), when the
    /// invoice states none of its own.
    fn exemption(self) -> Option<(&'static str, &'static str)> {
        match self {
            TaxCategory::AE => Some(("VATEX-EU-AE", "Reverse charge")),
            TaxCategory::E => Some(("VATEX-EU-132", "Exempt from VAT")),
            TaxCategory::O => Some(("VATEX-EU-O", "Not subject to VAT")),
            _ => None,
        }
    }
}

/// A seller or buyer as EN 16931 needs them.
#[derive(Debug, Clone, Default)]
pub struct Party {
    pub name: String,
    pub street: Option<String>,
    pub additional_street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166 alpha-2.
    pub country_code: String,
    pub vat_id: Option<String>,
    /// The company's registration number (BT-30, BT-47).
    pub legal_id: Option<String>,
    /// The electronic address (BT-34, BT-49): an ISO 6523 / EAS scheme and the identifier,
    /// e.g. `("0208", "0123456789")` for a Belgian company number, `("EM", "ap@x.example")`.
    pub electronic_address: Option<(String, String)>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// How the buyer pays (BG-16).
#[derive(Debug, Clone, Default)]
pub struct PaymentMeans {
    /// UNTDID 4461: 58 SEPA credit transfer, 30 credit transfer, 59 SEPA direct debit.
    pub code: String,
    /// The seller's account (credit transfer): an IBAN …
    pub iban: Option<String>,
    /// … or another account number.
    pub account: Option<String>,
    pub bic: Option<String>,
    pub account_name: Option<String>,
    /// … what the buyer writes with the transfer (BT-83).
    pub remittance: Option<String>,
    /// SEPA direct debit (code 59): the mandate's reference (BT-89), the seller's creditor
    /// identifier (BT-90) and the account debited (BT-91).
    pub mandate: Option<String>,
    pub creditor_id: Option<String>,
    pub debtor_iban: Option<String>,
}

/// One invoice line (BG-25). Amounts in minor units.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: String,
    pub name: String,
    /// The serial number and order, as the line's description (BT-154).
    pub description: Option<String>,
    /// The seller's identifier of the item (BT-155): the serial number.
    pub seller_item_id: Option<String>,
    pub quantity: i64,
    pub net: i64,
    pub category: TaxCategory,
    /// Percent.
    pub rate: Decimal,
    /// The service period, its last day included (BT-134, BT-135).
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// One row of the VAT breakdown (BG-23). Amounts in minor units.
#[derive(Debug, Clone)]
pub struct VatRow {
    pub category: TaxCategory,
    pub rate: Decimal,
    pub taxable: i64,
    pub tax: i64,
}

/// An issued invoice or credit note, ready to write.
#[derive(Debug, Clone)]
pub struct EInvoice {
    pub kind: DocKind,
    pub number: String,
    pub issue_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub currency: String,
    /// Decimals of the currency (EUR 2, JPY 0).
    pub exponent: u32,
    /// BT-10: the buyer's reference (their PO or cost centre; a German authority's Leitweg-ID).
    pub buyer_reference: Option<String>,
    /// BT-25, BT-26: the invoice a credit note corrects.
    pub preceding: Option<(String, Option<NaiveDate>)>,
    /// BT-22.
    pub notes: Vec<String>,
    /// BT-73, BT-74: the invoicing period, its last day included.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub seller: Party,
    pub buyer: Party,
    pub payment: Option<PaymentMeans>,
    /// BT-20.
    pub payment_terms: Option<String>,
    pub lines: Vec<Line>,
    pub vat: Vec<VatRow>,
    /// The seller's statement why exempt amounts (category E) carry no VAT (BT-120).
    pub exemption: Option<String>,
}

impl EInvoice {
    /// What a breakdown row of category `c` states as its exemption reason: its code (BT-121,
    /// none for the seller's own statement) and text (BT-120). None for S and Z.
    pub fn exemption_of(&self, c: TaxCategory) -> Option<(Option<&'static str>, String)> {
        match (c, &self.exemption) {
            (TaxCategory::E, Some(statement)) => Some((None, statement.clone())),
            _ => c
                .exemption()
                .map(|(code, text)| (Some(code), text.to_string())),
        }
    }

    /// BT-106: the sum of the lines' net amounts.
    pub fn line_total(&self) -> i64 {
        self.lines.iter().map(|l| l.net).sum()
    }
    /// BT-110: the VAT of the breakdown.
    pub fn tax_total(&self) -> i64 {
        self.vat.iter().map(|v| v.tax).sum()
    }
    /// BT-112 (no allowances, charges or amounts paid before: also BT-109 + BT-110 and BT-115).
    pub fn grand_total(&self) -> i64 {
        self.line_total() + self.tax_total()
    }
    /// An amount as the XML writes it: the currency's decimals, a point.
    pub fn amount(&self, minor: i64) -> String {
        amount(minor, self.exponent)
    }
}

/// Minor units as a decimal with `exponent` places (`8900`, 2 → `89.00`).
pub fn amount(minor: i64, exponent: u32) -> String {
    let d = Decimal::new(minor, exponent);
    format!("{:.*}", exponent as usize, d)
}

/// A rate as the XML writes it (`21`, `5.5`, `0`).
pub fn rate(r: Decimal) -> String {
    r.normalize().to_string()
}

/// A customer's or billing group's choice as stored (`pdf`, `facturx`, …); unknown is PDF.
pub fn format_of(s: Option<&str>) -> Format {
    s.and_then(Format::parse).unwrap_or(Format::Pdf)
}

/// An electronic address as `(scheme, identifier)`: a four-digit ISO 6523 ICD or `EM`, a colon,
/// then the identifier.
pub fn parse_address(text: &str) -> Option<(String, String)> {
    let (scheme, id) = text.trim().split_once(':')?;
    let scheme = scheme.trim().to_uppercase();
    let id = id.trim();
    let ok_scheme =
        scheme == "EM" || (scheme.len() == 4 && scheme.chars().all(|c| c.is_ascii_digit()));
    let ok_id = !id.is_empty()
        && id.len() <= 100
        && !id.chars().any(char::is_whitespace)
        && (scheme != "EM" || id.contains('@'));
    (ok_scheme && ok_id).then(|| (scheme, id.to_string()))
}

/// A BIC's shape: 4 letters (the bank), 2 (the country), 2 letters or digits, and 3 more for a
/// branch.
pub fn is_bic(s: &str) -> bool {
    let b = s.trim().as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// An IBAN's shape: a country, two check digits, up to 30 letters and digits.
pub fn is_iban(s: &str) -> bool {
    let b = s.as_bytes();
    (15..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// The formats on offer, for the desk's forms.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FormatChoice {
    pub value: String,
    pub label: String,
}

pub fn choices() -> Vec<FormatChoice> {
    Format::ALL
        .iter()
        .map(|f| FormatChoice {
            value: f.as_str().to_string(),
            label: f.label().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_electronic_address_is_a_scheme_and_an_identifier() {
        assert_eq!(
            parse_address(" 0208:0123456789 "),
            Some(("0208".into(), "0123456789".into()))
        );
        assert_eq!(
            parse_address("em:ap@x.example"),
            Some(("EM".into(), "ap@x.example".into()))
        );
        for bad in [
            "0123456789",
            "208:123",
            "EM:nobody",
            "0208:",
            "0208:12 34",
            "ABCD:1",
        ] {
            assert_eq!(parse_address(bad), None, "{bad}");
        }
        assert!(is_bic("ABNANL2A") && is_bic("DEUTDEFF500"));
        assert!(!is_bic("abnanl2a") && !is_bic("ABNA NL2A") && !is_bic("ABN"));
    }

    #[test]
    fn amounts_and_rates_are_written_as_the_standard_reads_them() {
        assert_eq!(amount(8900, 2), "89.00");
        assert_eq!(amount(-1, 2), "-0.01");
        assert_eq!(amount(1234, 0), "1234");
        assert_eq!(amount(1234, 3), "1.234");
        assert_eq!(rate(Decimal::new(21, 0)), "21");
        assert_eq!(rate(Decimal::new(2100, 2)), "21");
        assert_eq!(rate(Decimal::new(55, 1)), "5.5");
        assert_eq!(rate(Decimal::ZERO), "0");
    }
}
