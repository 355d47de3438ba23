//! Serial numbers: what a scanner or a person typed, made canonical. A keyboard-wedge scanner may
//! add a CR/LF or tab, people add spaces and use lower case; the stored serial is trimmed, has no
//! whitespace or control characters and is upper case. Phones are identified by IMEI (15 digits,
//! Luhn check digit).

use crate::domain::status::SerialFormat;
use crate::error::{Error, Result};

pub const MAX_LEN: usize = 64;

/// The shortest serial a new category accepts: shorter is a mis-scan or a typing slip. An
/// administrator may lower (or raise) it per category.
pub const DEFAULT_MIN_LEN: i64 = 4;

/// What a category asks of its devices' serials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialRule {
    pub format: SerialFormat,
    pub min_len: i64,
}

impl SerialRule {
    /// The rule a category gets when a product first names it: phones are identified by IMEI.
    pub fn for_new_category(name: &str) -> SerialRule {
        let lower = name.to_lowercase();
        if lower.contains("phone") || lower.contains("mobile") {
            SerialRule {
                format: SerialFormat::Imei,
                min_len: 15,
            }
        } else {
            SerialRule {
                format: SerialFormat::Any,
                min_len: DEFAULT_MIN_LEN,
            }
        }
    }

    /// Checks a canonical serial (see [`normalize`]) against the rule of `category`.
    pub fn check(&self, sn: &str, category: &str) -> Result<()> {
        let refuse = |why: String| Err(Error::invalid("serialNumber", why));
        match self.format {
            SerialFormat::Imei if !is_valid_imei(sn) => {
                return refuse(format!("{sn} is not a valid IMEI: {category} devices are identified by 15 digits with a check digit."));
            }
            SerialFormat::Digits if !sn.bytes().all(|b| b.is_ascii_digit()) => {
                return refuse(format!(
                    "{sn} is not a {category} serial: they have digits only."
                ));
            }
            SerialFormat::Alphanumeric if !sn.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                return refuse(format!(
                    "{sn} is not a {category} serial: they have letters and digits only."
                ));
            }
            _ => {}
        }
        let len = sn.chars().count() as i64;
        if len < self.min_len {
            return refuse(format!(
                "{sn} is too short for a {category} serial: they have at least {} characters (this one has {len}).",
                self.min_len
            ));
        }
        Ok(())
    }
}

pub fn normalize(raw: &str) -> Result<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_uppercase();
    if s.is_empty() {
        return Err(Error::invalid("serialNumber", "Serial number is empty."));
    }
    if s.chars().count() > MAX_LEN {
        return Err(Error::invalid(
            "serialNumber",
            format!("Serial number is longer than {MAX_LEN} characters."),
        ));
    }
    if let Some(bad) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_./:+#".contains(*c)))
    {
        return Err(Error::invalid(
            "serialNumber",
            format!("Serial number contains '{bad}', which scanners do not produce."),
        ));
    }
    Ok(s)
}

/// 15 digits whose last is the Luhn check digit of the first 14.
pub fn is_valid_imei(s: &str) -> bool {
    if s.len() != 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Completes 14 digits with their Luhn check digit (demo data and tests).
pub fn imei_with_check_digit(first14: &str) -> String {
    (0..10)
        .map(|d| format!("{first14}{d}"))
        .find(|c| is_valid_imei(c))
        .expect("one check digit fits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_category_refuses_serials_outside_its_rule() {
        let laptops = SerialRule::for_new_category("Laptops");
        assert_eq!(laptops.format, SerialFormat::Any);
        let e = laptops.check("AB", "Laptops").unwrap_err();
        assert!(e.message.contains("too short"), "{}", e.message);
        assert!(e.message.contains("at least 4"), "{}", e.message);
        laptops.check("C02X", "Laptops").unwrap();
        let phones = SerialRule::for_new_category("Smartphones");
        assert_eq!(phones.format, SerialFormat::Imei);
        assert!(phones.check("490154203237519", "Smartphones").is_err());
        phones.check("490154203237518", "Smartphones").unwrap();
        let digits = SerialRule {
            format: SerialFormat::Digits,
            min_len: 6,
        };
        assert!(digits
            .check("12345A", "E-bikes")
            .unwrap_err()
            .message
            .contains("digits only"));
        digits.check("123456", "E-bikes").unwrap();
        let alnum = SerialRule {
            format: SerialFormat::Alphanumeric,
            min_len: 1,
        };
        assert!(alnum
            .check("AB-12", "Chairs")
            .unwrap_err()
            .message
            .contains("letters and digits"));
        alnum.check("AB12", "Chairs").unwrap();
    }

    #[test]
    fn scanner_noise_is_removed_and_case_folded() {
        assert_eq!(normalize("  c02xk1abjg5h\r\n").unwrap(), "C02XK1ABJG5H");
        assert_eq!(normalize("SN 123 456\t").unwrap(), "SN123456");
        assert!(normalize(" \r\n").is_err());
        assert!(normalize("ABC<>").is_err());
    }

    #[test]
    fn imei_luhn_check() {
        assert!(is_valid_imei("490154203237518"));
        assert!(!is_valid_imei("490154203237519"));
        assert!(!is_valid_imei("49015420323751"));
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(raw in "[ a-zA-Z0-9\\-_./\r\n\t]{1,60}") {
            if let Ok(once) = normalize(&raw) {
                prop_assert_eq!(normalize(&once).unwrap(), once);
            }
        }

        #[test]
        fn every_14_digit_prefix_completes_to_a_valid_imei(p in "[0-9]{14}") {
            prop_assert!(is_valid_imei(&imei_with_check_digit(&p)));
        }
    }
}
