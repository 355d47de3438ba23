//! Limits several actions share, each defined once: a contract's length in months and the length
//! of a notes field. Every check of them goes through here, so the bound and its wording agree
//! wherever a person meets them (order, activation, extension, upgrade, catalog, settings).

use crate::error::{Error, Result};

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
}
