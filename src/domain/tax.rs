//! VAT facts that decide what an invoice says: which countries are in the EU VAT area, when the
//! reverse charge applies and what it does to a schedule's rate and an invoice's statement, and
//! country names for addresses. Country data comes from `isocountry`.

use isocountry::CountryCode;
use rust_decimal::Decimal;

/// Member states of the EU VAT area (ISO 3166 alpha-2).
const EU: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// What the tax on a sale is called where the business unit sells: "VAT" in Europe and by
/// default, "Sales tax" in the United States, "GST" where it is the goods and services tax.
pub fn tax_name(country: &str) -> &'static str {
    match country_code(country).map(|c| c.alpha2()) {
        Some("US") => "Sales tax",
        Some("AU" | "NZ" | "CA" | "SG" | "IN" | "MY") => "GST",
        Some("JP") => "Consumption tax",
        _ => "VAT",
    }
}

/// A country as written in an address or setting (`NL`, `nl`, `Netherlands`), as an ISO code.
pub fn country_code(text: &str) -> Option<CountryCode> {
    let t = text.trim();
    if t.len() == 2 {
        return CountryCode::for_alpha2_caseless(t).ok();
    }
    if t.len() == 3 {
        if let Ok(c) = CountryCode::for_alpha3_caseless(t) {
            return Some(c);
        }
    }
    let lower = t.to_lowercase();
    // Names people write that the standard spells otherwise.
    let common = match lower.as_str() {
        "united states" | "usa" => Some(CountryCode::USA),
        "united kingdom" | "uk" | "great britain" => Some(CountryCode::GBR),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    CountryCode::as_array().iter().copied().find(|c| {
        let n = c.name().to_lowercase();
        n == lower || n.split(" (").next() == Some(lower.as_str())
    })
}

/// The printable name of a country given as code or name (unknown text is kept as written).
pub fn country_name(text: &str) -> String {
    match (text.trim().len(), country_code(text)) {
        (2 | 3, Some(c)) => c.name().to_string(),
        _ => text.trim().to_string(),
    }
}

pub fn in_eu(text: &str) -> bool {
    country_code(text)
        .map(|c| EU.contains(&c.alpha2()))
        .unwrap_or(false)
}

/// B2B supply inside the EU to a business in another member state with a VAT ID: the customer
/// accounts for the VAT (reverse charge), so the invoice carries none.
pub fn reverse_charge(
    seller_country: &str,
    buyer_country: &str,
    buyer_vat_id: Option<&str>,
    business: bool,
) -> bool {
    let has_vat_id = buyer_vat_id.map(|v| !v.trim().is_empty()).unwrap_or(false);
    let (Some(s), Some(b)) = (country_code(seller_country), country_code(buyer_country)) else {
        return false;
    };
    business && has_vat_id && in_eu(seller_country) && in_eu(buyer_country) && s != b
}

/// The VAT rate, in percent, a subscription's schedule carries: none when its supplies are
/// reverse-charged, else the unit's `standard` rate. Decided when the subscription starts.
pub fn schedule_rate(reverse_charged: bool, standard: Decimal) -> Decimal {
    if reverse_charged {
        Decimal::ZERO
    } else {
        standard
    }
}

/// What an invoice and its e-invoice say when the reverse charge applies.
pub const REVERSE_CHARGE_NOTE: &str =
    "Reverse charge: VAT is due from the customer (Article 196, Council Directive 2006/112/EC).";

/// Whether an invoice states the reverse charge: the buyer qualifies now and the amounts carry no
/// VAT (`vat`, minor units). A schedule that started with VAT, before the buyer qualified, keeps
/// its VAT and so is invoiced without the statement.
pub fn states_reverse_charge(reverse_charged: bool, vat: i64) -> bool {
    reverse_charged && vat == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tax_is_named_as_where_the_unit_sells() {
        assert_eq!(tax_name("NL"), "VAT");
        assert_eq!(tax_name("Germany"), "VAT");
        assert_eq!(tax_name("US"), "Sales tax");
        assert_eq!(tax_name("United States"), "Sales tax");
        assert_eq!(tax_name("AU"), "GST");
        assert_eq!(tax_name(""), "VAT");
    }

    #[test]
    fn a_reverse_charged_schedule_carries_no_vat() {
        let standard = Decimal::new(21, 0);
        assert_eq!(schedule_rate(true, standard), Decimal::ZERO);
        assert_eq!(schedule_rate(false, standard), standard);
        assert_eq!(schedule_rate(false, Decimal::ZERO), Decimal::ZERO);
    }

    #[test]
    fn the_statement_is_printed_only_on_amounts_without_vat() {
        assert!(states_reverse_charge(true, 0));
        assert!(!states_reverse_charge(true, 1890));
        assert!(!states_reverse_charge(false, 0));
        assert!(!states_reverse_charge(false, 1890));
    }

    #[test]
    fn reverse_charge_needs_two_member_states_a_business_and_a_vat_id() {
        assert!(reverse_charge("NL", "Germany", Some("DE123456789"), true));
        assert!(!reverse_charge("NL", "Netherlands", Some("NL123"), true));
        assert!(!reverse_charge("NL", "Germany", None, true));
        assert!(!reverse_charge("NL", "Germany", Some("DE1"), false));
        assert!(!reverse_charge("NL", "United States", Some("US1"), true));
        assert!(!reverse_charge("US", "Germany", Some("DE1"), true));
    }

    #[test]
    fn countries_are_read_as_codes_or_names() {
        assert_eq!(country_name("NL"), "Netherlands");
        assert_eq!(country_code("germany").map(|c| c.alpha2()), Some("DE"));
        assert_eq!(country_name("Atlantis"), "Atlantis");
    }
}
