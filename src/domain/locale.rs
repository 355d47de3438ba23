//! How documents write amounts and dates for a business unit: in its locale (its setting, or its
//! country's language and the country: `NL` → `nl-NL`), with the Unicode CLDR's data through
//! ICU4X, the data the desk's window formats with. "€ 8.652,27" and "2 dec 2026" for nl-NL,
//! "8.652,27 €" and "02.12.2026" for de-DE, "$8,652.27" and "Dec 2, 2026" for en-US.

use icu_datetime::fieldsets::YMD;
use icu_datetime::input::Date;
use icu_datetime::DateTimeFormatter;
use icu_decimal::input::Decimal as IcuDecimal;
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The language of a unit's country, for its amounts and dates when its settings name none.
const COUNTRY_LANGUAGE: &[(&str, &str)] = &[
    ("NL", "nl"),
    ("BE", "nl"),
    ("DE", "de"),
    ("AT", "de"),
    ("CH", "de"),
    ("LU", "fr"),
    ("FR", "fr"),
    ("ES", "es"),
    ("IT", "it"),
    ("PT", "pt"),
    ("PL", "pl"),
    ("CZ", "cs"),
    ("SK", "sk"),
    ("SE", "sv"),
    ("DK", "da"),
    ("FI", "fi"),
    ("NO", "nb"),
    ("IE", "en"),
    ("GB", "en"),
    ("US", "en"),
    ("CA", "en"),
    ("AU", "en"),
    ("NZ", "en"),
];

/// A unit's locale: its setting, or its country's language and the country (`nl-NL`); `en`
/// when neither says.
pub fn locale_of(setting: &str, country: &str) -> String {
    let setting = setting.trim();
    if !setting.is_empty() {
        return setting.to_string();
    }
    let country = country.trim().to_ascii_uppercase();
    COUNTRY_LANGUAGE
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(c, l)| format!("{l}-{c}"))
        .unwrap_or_else(|| "en".to_string())
}

/// Where a language writes the currency symbol (CLDR's currency pattern): before the number,
/// with a space or not, or after it with a space.
fn symbol_place(language: &str) -> (bool, bool) {
    match language {
        "en" => (true, false),
        "nl" => (true, true),
        _ => (false, true),
    }
}

/// Amounts and dates as a unit's documents write them.
pub struct DocFormat {
    language: String,
    decimal: DecimalFormatter,
    date: DateTimeFormatter<YMD>,
}

impl DocFormat {
    pub fn new(locale: &str) -> DocFormat {
        let parsed =
            Locale::from_str(locale).unwrap_or_else(|_| Locale::from_str("en").expect("en"));
        let decimal = DecimalFormatter::try_new((&parsed).into(), Default::default())
            .or_else(|_| DecimalFormatter::try_new(Default::default(), Default::default()))
            .expect("the root locale's decimal data is compiled in");
        let date = DateTimeFormatter::try_new((&parsed).into(), YMD::medium())
            .or_else(|_| DateTimeFormatter::try_new(Default::default(), YMD::medium()))
            .expect("the root locale's date data is compiled in");
        DocFormat {
            language: parsed.id.language.as_str().to_string(),
            decimal,
            date,
        }
    }

    /// `1234.5` EUR with 2 decimals → "€ 1.234,50" (nl), "1.234,50 €" (de), "€1,234.50" (en).
    /// A currency without a short symbol is written by its code ("QAR 1,200.00").
    pub fn amount(&self, value: Decimal, exponent: u32, currency: &str) -> String {
        let v = value.round_dp_with_strategy(
            exponent,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        );
        let neg = v.is_sign_negative() && !v.is_zero();
        let text = format!("{:.*}", exponent as usize, v.abs());
        let number = IcuDecimal::from_str(&text)
            .map(|d| self.decimal.format(&d).to_string())
            .unwrap_or(text);
        let symbol = iso_currency::Currency::from_code(currency)
            .map(|c| c.symbol().symbol)
            .filter(|s| s.chars().count() <= 2 && !s.chars().all(|c| c.is_ascii_alphabetic()))
            .map(|s| s.to_string());
        let body = match symbol {
            Some(s) => {
                let (before, space) = symbol_place(&self.language);
                let gap = if space { "\u{a0}" } else { "" };
                if before {
                    format!("{s}{gap}{number}")
                } else {
                    format!("{number}{gap}{s}")
                }
            }
            None => format!("{currency}\u{a0}{number}"),
        };
        if neg {
            format!("-{body}")
        } else {
            body
        }
    }

    /// A day (`YYYY-MM-DD`, or an instant whose first ten characters are one) as the locale writes
    /// it: "2 dec 2026" (nl), "02.12.2026" (de), "Dec 2, 2026" (en-US). Anything else is kept.
    pub fn date(&self, iso: &str) -> String {
        let day = iso.get(..10).unwrap_or(iso);
        let mut parts = day.split('-').map(|p| p.parse::<i64>().ok());
        match (
            parts.next().flatten(),
            parts.next().flatten(),
            parts.next().flatten(),
        ) {
            (Some(y), Some(m), Some(d)) => Date::try_new_iso(y as i32, m as u8, d as u8)
                .map(|date| self.date.format(&date).to_string())
                .unwrap_or_else(|_| iso.to_string()),
            _ => iso.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_writes_amounts_and_dates_in_its_locale() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let nl = DocFormat::new(&locale_of("", "NL"));
        assert_eq!(nl.amount(d("8652.27"), 2, "EUR"), "€\u{a0}8.652,27");
        assert_eq!(nl.date("2026-12-02"), "2 dec 2026");
        let de = DocFormat::new(&locale_of("", "DE"));
        assert_eq!(de.amount(d("-79"), 2, "EUR"), "-79,00\u{a0}€");
        assert_eq!(de.date("2026-12-02"), "02.12.2026");
        let us = DocFormat::new(&locale_of("", "US"));
        assert_eq!(us.amount(d("1234.5"), 2, "USD"), "$1,234.50");
        assert_eq!(us.date("2028-02-29T10:00:00Z"), "Feb 29, 2028");
        assert_eq!(us.amount(d("999999.994"), 2, "USD"), "$999,999.99");
        assert_eq!(us.amount(d("12000"), 0, "JPY"), "¥12,000");
        let chosen = DocFormat::new(&locale_of("en-GB", "NL"));
        assert_eq!(chosen.amount(d("1200"), 2, "QAR"), "QAR\u{a0}1,200.00");
        assert_eq!(chosen.date("2026-12-31"), "31 Dec 2026");
        assert_eq!(chosen.date("not a day"), "not a day");
        assert_eq!(locale_of("", "QA"), "en");
    }
}
