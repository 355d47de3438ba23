//! Serial numbers: what a scanner or a person typed, made canonical. A keyboard-wedge scanner may
//! add a CR/LF or tab, people add spaces and use lower case; the stored serial is trimmed, has no
//! whitespace or control characters and is upper case. Phones are identified by IMEI (15 digits,
//! Luhn check digit).

use crate::error::{Error, Result};

pub const MAX_LEN: usize = 64;

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
