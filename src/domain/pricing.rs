//! Pricing an order line: a tier's monthly price after its discount, and where the line's list
//! price and acquisition cost come from (the counter's override, the variant, or for the cost the
//! list price as a last resort). Pure; the order service reads the catalog and applies these.

use super::cost::source;
use crate::money::Money;
use rust_decimal::Decimal;

/// A tier's discount: a percentage off (capped at 100 %) or a fixed amount off (the price never
/// goes below zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    Percent(Decimal),
    Amount(Money),
}

impl Discount {
    /// The catalog's `{type, value}` (`super::catalog::Discount`): `percentage`, anything else
    /// is an amount.
    pub fn of(kind: &str, value: Money) -> Discount {
        match kind {
            "percentage" => Discount::Percent(value.0),
            _ => Discount::Amount(value),
        }
    }
}

impl From<&super::catalog::Discount> for Discount {
    fn from(d: &super::catalog::Discount) -> Discount {
        Discount::of(&d.kind, d.value)
    }
}

/// The monthly price after `discount`, rounded to the currency's minor unit.
pub fn discounted(monthly: Money, discount: Option<Discount>, exponent: u32) -> Money {
    match discount {
        None => monthly,
        Some(Discount::Percent(p)) => {
            let hundred = Decimal::from(100);
            (monthly * ((hundred - p.min(hundred)) / hundred)).round(exponent)
        }
        Some(Discount::Amount(a)) => Money((monthly.0 - a.0).max(Decimal::ZERO)).round(exponent),
    }
}

/// An order line's list price and acquisition cost (minor units) and where each came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCosts {
    pub list_price: Option<i64>,
    /// `manual`, `variant` or `unknown`.
    pub list_price_source: &'static str,
    pub acquisition_cost: Option<i64>,
    /// `manual`, `variant`, `list_price` or `unknown`.
    pub acquisition_cost_source: &'static str,
    /// The list price stood in for an unknown acquisition cost.
    pub used_list_price: bool,
}

/// The counter's overrides win, then the variant's figures; a cost nobody knows falls back to
/// the list price (so cost recovery has a figure), and says so.
pub fn line_costs(
    list_price_override: Option<i64>,
    variant_list_price: Option<i64>,
    cost_override: Option<i64>,
    variant_cost: Option<i64>,
) -> LineCosts {
    let (list_price, list_price_source) = match (list_price_override, variant_list_price) {
        (Some(o), _) => (Some(o), source::MANUAL),
        (None, Some(l)) => (Some(l), source::VARIANT),
        (None, None) => (None, source::UNKNOWN),
    };
    let (acquisition_cost, acquisition_cost_source, used_list_price) =
        match (cost_override, variant_cost, list_price) {
            (Some(o), _, _) => (Some(o), source::MANUAL, false),
            (None, Some(a), _) => (Some(a), source::VARIANT, false),
            (None, None, Some(l)) => (Some(l), source::LIST_PRICE, true),
            _ => (None, source::UNKNOWN, false),
        };
    LineCosts {
        list_price,
        list_price_source,
        acquisition_cost,
        acquisition_cost_source,
        used_list_price,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, 2)
    }

    #[test]
    fn discounts_take_a_share_or_an_amount_and_never_go_below_zero() {
        assert_eq!(discounted(eur(4999), None, 2), eur(4999));
        let ten = Discount::of("percentage", Money(Decimal::from(10)));
        assert_eq!(discounted(eur(4999), Some(ten), 2), eur(4499)); // 44.991 → 44.99
        let all = Discount::of("percentage", Money(Decimal::from(150)));
        assert_eq!(discounted(eur(4999), Some(all), 2), eur(0));
        let five = Discount::of("fixed", eur(500));
        assert_eq!(discounted(eur(4999), Some(five), 2), eur(4499));
        assert_eq!(discounted(eur(300), Some(five), 2), eur(0));
        // Half away from zero at the minor unit: 12.345 → 12.35.
        let half = Discount::of("percentage", Money(Decimal::from(50)));
        assert_eq!(discounted(eur(2469), Some(half), 2), eur(1235));
    }

    #[test]
    fn overrides_win_then_the_variant_and_the_list_price_stands_in_for_an_unknown_cost() {
        let c = line_costs(Some(100), Some(200), Some(50), Some(60));
        assert_eq!(
            (
                c.list_price,
                c.list_price_source,
                c.acquisition_cost,
                c.acquisition_cost_source
            ),
            (Some(100), "manual", Some(50), "manual")
        );
        let c = line_costs(None, Some(200), None, Some(60));
        assert_eq!(
            (c.list_price_source, c.acquisition_cost_source),
            ("variant", "variant")
        );
        let c = line_costs(None, Some(200), None, None);
        assert_eq!(
            (
                c.acquisition_cost,
                c.acquisition_cost_source,
                c.used_list_price
            ),
            (Some(200), "list_price", true)
        );
        let c = line_costs(Some(150), None, None, None);
        assert_eq!(
            (c.acquisition_cost, c.acquisition_cost_source),
            (Some(150), "list_price")
        );
        let c = line_costs(None, None, None, None);
        assert_eq!(
            (
                c.list_price,
                c.list_price_source,
                c.acquisition_cost,
                c.acquisition_cost_source,
                c.used_list_price
            ),
            (None, "unknown", None, "unknown", false)
        );
    }
}
