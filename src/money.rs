//! Money: `rust_decimal` for every calculation, integer minor units in the store, and two text
//! forms at the edges. To the desk UI an amount is a decimal string ("89.00"); on the FlexPortal
//! wire it is a JSON number rounded to the currency's minor unit. One struct serves both, and the
//! serializer picks the form: any ordinary one writes the text, `to_wire_value` (the v1 layer's,
//! `money/wire.rs`) the number.

use crate::error::{Error, Result};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, TS)]
pub struct Money(#[ts(type = "string")] pub Decimal);

mod wire;

/// Serialize `value` to JSON with money as numbers (the FlexPortal wire form).
pub fn to_wire_value<T: Serialize>(value: &T) -> serde_json::Value {
    value
        .serialize(wire::Wire)
        .unwrap_or(serde_json::Value::Null)
}

/// The largest amount FlexDesk takes, in minor units (10^12: ten thousand million euros). Sums of
/// many such amounts stay far inside `i64`.
pub const MAX_MINOR: i64 = 1_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn from_minor(minor: i64, exponent: u32) -> Money {
        Money(Decimal::new(minor, exponent))
    }
    /// Exact conversion to minor units; fails when the amount has more decimals than the currency,
    /// or is larger (either way) than `MAX_MINOR` minor units.
    pub fn to_minor(self, exponent: u32) -> Result<i64> {
        let too_large = || {
            Error::invalid(
                "amount",
                format!(
                    "{} is too large: amounts go up to {}.",
                    self.0,
                    Decimal::new(MAX_MINOR, exponent)
                ),
            )
        };
        let scaled = self
            .0
            .checked_mul(Decimal::from(10i64.pow(exponent)))
            .ok_or_else(too_large)?;
        if scaled.fract() != Decimal::ZERO {
            return Err(Error::invalid(
                "amount",
                format!(
                    "{} has more decimals than the currency allows ({exponent}).",
                    self.0
                ),
            ));
        }
        scaled
            .to_i64()
            .filter(|m| m.checked_abs().is_some_and(|a| a <= MAX_MINOR))
            .ok_or_else(too_large)
    }
    /// Round half away from zero to the currency's minor unit: the one rounding rule of FlexDesk.
    pub fn round(self, exponent: u32) -> Money {
        Money(
            self.0
                .round_dp_with_strategy(exponent, RoundingStrategy::MidpointAwayFromZero),
        )
    }
    /// Fixed number of decimals for display and the UI string form.
    pub fn with_scale(self, exponent: u32) -> Money {
        let mut d = self.round(exponent).0;
        d.rescale(exponent);
        Money(d)
    }
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}
impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}
impl std::ops::Mul<Decimal> for Money {
    type Output = Money;
    fn mul(self, o: Decimal) -> Money {
        Money(self.0 * o)
    }
}
impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl Serialize for Money {
    /// The decimal text, as a newtype the wire serializer (`to_wire_value`) writes as a number.
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(wire::MONEY, &self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Money, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount as a number or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Money, E> {
                Ok(Money(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Money, E> {
                Ok(Money(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Money, E> {
                // The shortest decimal that reads back as this float is what the sender wrote.
                if !v.is_finite() {
                    return Err(E::custom("amount must be finite"));
                }
                Decimal::from_str(&format!("{v}"))
                    .map(Money)
                    .map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Money, E> {
                parse_amount(v).map_err(|_| E::custom(format!("'{v}' is not an amount")))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse a user-typed amount: "89", "89.5", "1,299.00" is rejected (ambiguous), "1299,00" accepted
/// as a decimal comma only when there is no dot.
pub fn parse_amount(text: &str) -> Result<Money> {
    let t = text.trim();
    let t = if !t.contains('.') && t.matches(',').count() == 1 {
        t.replace(',', ".")
    } else {
        t.to_string()
    };
    Decimal::from_str(&t)
        .map(|d| Money(d.normalize()))
        .map_err(|_| Error::invalid("amount", format!("'{text}' is not an amount.")))
}

/// Number of decimals of an ISO 4217 currency (EUR 2, JPY 0, KWD 3).
pub fn currency_exponent(code: &str) -> Option<u32> {
    let c = iso_currency::Currency::from_code(code)?;
    Some(c.exponent().unwrap_or(0) as u32)
}

/// A percentage such as a tax rate, stored as text, exact.
pub fn parse_percent(text: &str) -> Result<Decimal> {
    let d = Decimal::from_str(text.trim())
        .map_err(|_| Error::invalid("rate", format!("'{text}' is not a percentage.")))?;
    if d < Decimal::ZERO || d > Decimal::from(100) {
        return Err(Error::invalid(
            "rate",
            "A percentage must be between 0 and 100.",
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_past_the_bound_is_a_clear_error_never_a_panic() {
        let e = Money(Decimal::from_i128_with_scale(10i128.pow(27), 0))
            .to_minor(2)
            .unwrap_err();
        assert!(e.details[0].message.contains("too large"), "{e:?}");
        assert!(Money(Decimal::MAX).to_minor(2).is_err());
        assert!(Money(Decimal::MIN).to_minor(2).is_err());
        assert_eq!(
            Money(Decimal::new(MAX_MINOR, 2)).to_minor(2).unwrap(),
            MAX_MINOR
        );
        assert!(Money(Decimal::new(MAX_MINOR + 1, 2)).to_minor(2).is_err());
        assert!(Money(Decimal::new(-MAX_MINOR - 1, 0)).to_minor(0).is_err());
    }

    #[test]
    fn wire_form_is_a_number_and_ui_form_is_a_string() {
        let m = Money(Decimal::new(8999, 2));
        assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!("89.99"));
        assert_eq!(to_wire_value(&m), serde_json::json!(89.99));
        assert_eq!(
            to_wire_value(&Money(Decimal::new(8900, 2))),
            serde_json::json!(89)
        );
        // The form belongs to the serializer: an ordinary one afterwards still writes text.
        assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!("89.99"));
    }

    #[test]
    fn the_wire_form_reaches_money_wherever_it_sits_and_leaves_the_rest_as_serde_json_writes_it() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Inner {
            fee: Option<Money>,
            label: &'static str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        enum Kind {
            Flat(Money),
            Tiered { from: Money },
            Plain,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Outer {
            total: Money,
            lines: Vec<Money>,
            by_month: std::collections::BTreeMap<u32, Money>,
            #[serde(flatten)]
            inner: Inner,
            kinds: Vec<Kind>,
            none: Option<Money>,
            raw: serde_json::Value,
            pair: (Money, bool),
        }
        let m = |minor| Money(Decimal::new(minor, 2));
        let v = Outer {
            total: m(12050),
            lines: vec![m(100), m(5)],
            by_month: [(12, m(2999))].into(),
            inner: Inner {
                fee: Some(m(1000)),
                label: "late",
            },
            kinds: vec![Kind::Flat(m(250)), Kind::Tiered { from: m(1) }, Kind::Plain],
            none: None,
            raw: serde_json::json!({"already": "89.00", "n": 1.5}),
            pair: (m(-150), true),
        };
        let wire = serde_json::json!({
            "total": 120.5, "lines": [1, 0.05], "byMonth": {"12": 29.99},
            "fee": 10, "label": "late",
            "kinds": [{"flat": 2.5}, {"tiered": {"from": 0.01}}, "plain"],
            "none": null, "raw": {"already": "89.00", "n": 1.5}, "pair": [-1.5, true],
        });
        assert_eq!(to_wire_value(&v), wire);
        let desk = serde_json::to_value(&v).unwrap();
        assert_eq!(desk["total"], "120.50");
        assert_eq!(desk["kinds"][1]["tiered"]["from"], "0.01");
        assert_eq!(desk["byMonth"]["12"], "29.99");
    }

    #[test]
    fn amounts_read_from_numbers_and_strings_exactly() {
        let a: Money = serde_json::from_str("89.99").unwrap();
        let b: Money = serde_json::from_str("\"89.99\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_minor(2).unwrap(), 8999);
        assert!(Money(Decimal::new(89999, 3)).to_minor(2).is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            Money(Decimal::new(1005, 3)).round(2),
            Money(Decimal::new(101, 2))
        );
        assert_eq!(
            Money(Decimal::new(-1005, 3)).round(2),
            Money(Decimal::new(-101, 2))
        );
    }

    #[test]
    fn currency_exponents_come_from_iso_4217() {
        assert_eq!(currency_exponent("EUR"), Some(2));
        assert_eq!(currency_exponent("JPY"), Some(0));
        assert_eq!(currency_exponent("KWD"), Some(3));
        assert_eq!(currency_exponent("XYZ"), None);
    }
}
