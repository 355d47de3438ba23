//! Which acquisition cost a new subscription records, and where that cost came from: an amount
//! the order set for the line, the device's own cost, or the cost the line expected (the order
//! line's snapshot at activation, the variant's at an upgrade). Amounts are minor units. The
//! order line's own cost, when the order is priced, is `pricing::line_costs`.

/// The sources a recorded acquisition cost names (`acquisition_cost_source`).
pub mod source {
    /// Set on the order line for this purpose.
    pub const ORDER_OVERRIDE: &str = "order_override";
    /// Entered by hand: the device's cost, where it differs from what the line expected.
    pub const MANUAL: &str = "manual";
    pub const VARIANT: &str = "variant";
    /// The list price, standing in for a cost no one gave.
    pub const LIST_PRICE: &str = "list_price";
    pub const UNKNOWN: &str = "unknown";
}

/// An acquisition cost (none when unknown) and its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost<'a> {
    pub amount: Option<i64>,
    pub source: &'a str,
}

impl<'a> Cost<'a> {
    /// `amount` from `source`, or an unknown cost when there is none.
    pub fn or_unknown(amount: Option<i64>, source: &'a str) -> Cost<'a> {
        Cost {
            amount,
            source: if amount.is_some() {
                source
            } else {
                source::UNKNOWN
            },
        }
    }
}

/// What is known of a new subscription's acquisition cost when it starts.
#[derive(Debug, Clone, Copy)]
pub struct CostFacts<'a> {
    /// An amount the order set for the line: it wins over everything.
    pub order_override: Option<i64>,
    /// The device's own recorded cost.
    pub asset: Option<i64>,
    /// The cost the line expected, with its source. A device costing exactly this keeps the
    /// source; a device costing anything else was costed by hand.
    pub expected: Cost<'a>,
    /// What is recorded when neither the device nor `expected` has an amount.
    pub otherwise: Cost<'a>,
}

/// The acquisition cost a new subscription records: the order's override, else the device's
/// cost (with the expected source when they agree, `manual` when not), else the expected cost,
/// else `otherwise`.
pub fn starting_cost(f: CostFacts<'_>) -> Cost<'_> {
    if let Some(o) = f.order_override {
        return Cost {
            amount: Some(o),
            source: source::ORDER_OVERRIDE,
        };
    }
    match f.asset {
        Some(a) if f.expected.amount == Some(a) => f.expected,
        Some(a) => Cost {
            amount: Some(a),
            source: source::MANUAL,
        },
        None if f.expected.amount.is_some() => f.expected,
        None => f.otherwise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(amount: Option<i64>, source: &str) -> Cost<'_> {
        Cost { amount, source }
    }

    /// Facts with the line expecting 500 from the variant and the list price 900 behind it.
    fn facts(order_override: Option<i64>, asset: Option<i64>) -> CostFacts<'static> {
        CostFacts {
            order_override,
            asset,
            expected: cost(Some(500), source::VARIANT),
            otherwise: cost(Some(900), source::LIST_PRICE),
        }
    }

    #[test]
    fn a_cost_without_an_amount_is_unknown_whatever_it_came_from() {
        assert_eq!(
            Cost::or_unknown(Some(900), source::LIST_PRICE),
            cost(Some(900), source::LIST_PRICE)
        );
        assert_eq!(
            Cost::or_unknown(None, source::LIST_PRICE),
            cost(None, source::UNKNOWN)
        );
    }

    #[test]
    fn the_orders_override_wins_over_the_device_and_the_line() {
        assert_eq!(
            starting_cost(facts(Some(450), Some(500))),
            cost(Some(450), source::ORDER_OVERRIDE)
        );
        assert_eq!(
            starting_cost(facts(Some(0), None)),
            cost(Some(0), source::ORDER_OVERRIDE)
        );
    }

    #[test]
    fn a_device_costing_what_the_line_expected_keeps_its_source() {
        assert_eq!(
            starting_cost(facts(None, Some(500))),
            cost(Some(500), source::VARIANT)
        );
        // The line's own source is kept as it is, whatever it says.
        let f = CostFacts {
            expected: cost(Some(900), source::LIST_PRICE),
            ..facts(None, Some(900))
        };
        assert_eq!(starting_cost(f), cost(Some(900), source::LIST_PRICE));
    }

    #[test]
    fn a_device_costing_anything_else_was_costed_by_hand() {
        assert_eq!(
            starting_cost(facts(None, Some(480))),
            cost(Some(480), source::MANUAL)
        );
        // Agreeing with the fallback is no agreement with the line.
        assert_eq!(
            starting_cost(facts(None, Some(900))),
            cost(Some(900), source::MANUAL)
        );
        let f = CostFacts {
            expected: cost(None, source::UNKNOWN),
            ..facts(None, Some(480))
        };
        assert_eq!(starting_cost(f), cost(Some(480), source::MANUAL));
    }

    #[test]
    fn without_a_device_cost_the_expected_one_then_the_fallback() {
        assert_eq!(
            starting_cost(facts(None, None)),
            cost(Some(500), source::VARIANT)
        );
        let f = CostFacts {
            expected: cost(None, source::VARIANT),
            ..facts(None, None)
        };
        assert_eq!(starting_cost(f), cost(Some(900), source::LIST_PRICE));
        let nothing = CostFacts {
            order_override: None,
            asset: None,
            expected: cost(None, source::UNKNOWN),
            otherwise: cost(None, source::UNKNOWN),
        };
        assert_eq!(starting_cost(nothing), cost(None, source::UNKNOWN));
    }
}
