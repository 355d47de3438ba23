//! Limits several actions share, each defined once: a contract's length in months, the length
//! of a notes field and an amount in the unit's currency. Every check of them goes through here,
//! so the bound and its wording agree wherever a person meets them (order, activation, extension,
//! upgrade, catalog, settings).

use crate::error::{Error, Result};
use crate::money::Money;

/// A contract length in whole months: 1 to 120 (ten years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractLength(u32);

impl ContractLength {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 120;

    /// `n` months, if that is a contract length.
    pub fn new(n: i64) -> Option<ContractLength> {
        (i64::from(Self::MIN)..=i64::from(Self::MAX))
            .contains(&n)
            .then_some(ContractLength(n as u32))
    }
    pub fn months(self) -> u32 {
        self.0
    }
    /// "1 to 120", for messages.
    pub fn range_text() -> String {
        format!("{} to {}", Self::MIN, Self::MAX)
    }
}

/// The most payments one call of the month-end run invoices in one transaction (a longer run
/// is called again until nothing remains).
pub const INVOICE_RUN_BATCH_MAX: usize = 5000;

/// The most subscriptions (contract ends) or payments (late fees) one transaction of the daily
/// run handles: on a hub, desks wait for its write lock no longer than one of these takes.
pub const DAILY_RUN_CHUNK: i64 = 500;

/// A notes field: free text of at most 5,000 characters.
pub struct Notes;

impl Notes {
    pub const MAX_CHARS: usize = 5000;

    /// `text` if it fits, else a validation error on `path`.
    pub fn check(path: &str, text: &str) -> Result<()> {
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Error::invalid(
                path,
                format!("Notes must be at most {} characters.", Self::MAX_CHARS),
            ));
        }
        Ok(())
    }
}

/// The currency a business unit keeps its amounts in: its code (named in messages) and its
/// number of decimals.
#[derive(Debug, Clone, Copy)]
pub struct Currency<'a> {
    pub code: &'a str,
    pub exponent: u32,
}

impl Currency<'_> {
    /// Store form of a user-given amount: exact minor units, never negative.
    pub fn minor(self, path: &str, m: Money) -> Result<i64> {
        if m.is_negative() {
            return Err(Error::invalid(path, crate::error::negative_message(path)));
        }
        if m.round(self.exponent) != m {
            return Err(Error::invalid(
                path,
                format!("{} has more decimals than {} allows.", m, self.code),
            ));
        }
        // Too large (past `money::MAX_MINOR`): that sentence, at this field.
        m.to_minor(self.exponent)
            .map_err(|e| Error::invalid(path, e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_lengths_are_one_to_one_hundred_twenty_months() {
        assert_eq!(ContractLength::new(0), None);
        assert_eq!(ContractLength::new(1).map(ContractLength::months), Some(1));
        assert_eq!(
            ContractLength::new(120).map(ContractLength::months),
            Some(120)
        );
        assert_eq!(ContractLength::new(121), None);
        assert_eq!(ContractLength::new(-12), None);
        assert_eq!(ContractLength::range_text(), "1 to 120");
    }

    #[test]
    fn notes_fit_in_five_thousand_characters_counted_as_characters() {
        assert!(Notes::check("notes", &"é".repeat(5000)).is_ok());
        let e = Notes::check("notes", &"x".repeat(5001)).unwrap_err();
        assert_eq!(e.details[0].path, "notes");
        assert_eq!(e.message, "Notes must be at most 5000 characters.");
    }

    #[test]
    fn amounts_are_exact_minor_units_and_never_negative() {
        let eur = Currency {
            code: "EUR",
            exponent: 2,
        };
        let m = |t: &str| crate::money::parse_amount(t).unwrap();
        assert_eq!(eur.minor("price", m("89.5")).unwrap(), 8950);
        let e = eur.minor("price", m("-1")).unwrap_err();
        assert_eq!(e.details[0].path, "price");
        assert_eq!(e.message, "Price cannot be negative.");
        let jpy = Currency {
            code: "JPY",
            exponent: 0,
        };
        assert_eq!(jpy.minor("price", m("1500")).unwrap(), 1500);
        let e = jpy.minor("price", m("1.5")).unwrap_err();
        assert_eq!(e.message, "1.5 has more decimals than JPY allows.");
    }
}
