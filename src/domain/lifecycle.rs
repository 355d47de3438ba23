//! The arithmetic of a subscription's life: buyout price, early-return fee and cost recovery.
//! Pure functions over minor units; the services feed them what the store holds.

use super::settings::{BuSettings, BuyoutMethod, EarlyReturnFee};
use crate::money::Money;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

fn pct_of(minor: i64, pct: Decimal, exponent: u32) -> i64 {
    let v = Money::from_minor(minor, exponent).0 * pct / Decimal::from(100);
    Money(v).round(exponent).to_minor(exponent).unwrap_or(0)
}

/// How a buyout price is made up (the rental schema's `calculationBreakdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuyoutQuote {
    pub method: BuyoutMethod,
    pub remaining_months: u32,
    pub remaining_months_payment: i64,
    /// Percent of the list price the method uses (0 when it uses none).
    pub list_price_percentage: Decimal,
    pub list_price_amount: i64,
    pub flat_fee: i64,
    pub price: i64,
}

/// The buyout price under the business unit's method. `remaining_months × monthly` and
/// `list price × pct` are each rounded to the minor unit before they are added.
pub fn buyout_quote(
    s: &BuSettings,
    exponent: u32,
    remaining_months: u32,
    monthly: i64,
    list_price: Option<i64>,
) -> BuyoutQuote {
    let remaining_payment = remaining_months as i64 * monthly;
    let flat = s.buyout_flat_fee.to_minor(exponent).unwrap_or(0);
    let list_amount = pct_of(list_price.unwrap_or(0), s.buyout_list_price_pct, exponent);
    let (uses_remaining, uses_list, uses_flat) = match s.buyout_method {
        BuyoutMethod::FlatFee => (false, false, true),
        BuyoutMethod::RemainingMonths => (true, false, false),
        BuyoutMethod::ListPricePct => (false, true, false),
        BuyoutMethod::RemainingPlusListPricePct => (true, true, false),
    };
    let remaining_months_payment = if uses_remaining { remaining_payment } else { 0 };
    let list_price_amount = if uses_list { list_amount } else { 0 };
    let flat_fee = if uses_flat { flat } else { 0 };
    BuyoutQuote {
        method: s.buyout_method,
        remaining_months,
        remaining_months_payment,
        list_price_percentage: if uses_list {
            s.buyout_list_price_pct
        } else {
            Decimal::ZERO
        },
        list_price_amount,
        flat_fee,
        price: remaining_months_payment + list_price_amount + flat_fee,
    }
}

/// How an early-return fee is made up (the rental schema's `calculationBreakdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyReturnQuote {
    pub method: EarlyReturnFee,
    pub remaining_months: u32,
    pub days_from_start: u32,
    pub grace_period_applied: bool,
    /// Percent of the remaining months' value charged (the API's `penaltyPercentage`).
    pub penalty_percentage: Decimal,
    pub fee: i64,
}

/// The early-return fee under the business unit's policy. Within the grace period
/// (`days_from_start <= gracePeriodDays`) the fee is 0.
pub fn early_return_quote(
    s: &BuSettings,
    exponent: u32,
    remaining_months: u32,
    monthly: i64,
    days_from_start: u32,
) -> EarlyReturnQuote {
    let grace = days_from_start <= s.grace_period_days;
    let (pct, fee) = match s.early_return_fee {
        EarlyReturnFee::RemainingMonths => (
            s.early_return_pct,
            pct_of(
                remaining_months as i64 * monthly,
                s.early_return_pct,
                exponent,
            ),
        ),
        EarlyReturnFee::FlatFee => (
            Decimal::ZERO,
            s.early_return_flat_fee.to_minor(exponent).unwrap_or(0),
        ),
        EarlyReturnFee::NoFee => (Decimal::ZERO, 0),
    };
    EarlyReturnQuote {
        method: s.early_return_fee,
        remaining_months,
        days_from_start,
        grace_period_applied: grace,
        penalty_percentage: pct,
        fee: if grace { 0 } else { fee },
    }
}

/// `recoveryStatus` of the rental schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryStatus {
    Profitable,
    Recovering,
    AtRisk,
    NoData,
}

impl RecoveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryStatus::Profitable => "profitable",
            RecoveryStatus::Recovering => "recovering",
            RecoveryStatus::AtRisk => "at_risk",
            RecoveryStatus::NoData => "no_data",
        }
    }
}

/// Cost recovery of one subscription or one asset's whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    pub collected: i64,
    /// collected ÷ cost × 100, one decimal (None without a cost).
    pub percent: Option<Decimal>,
    /// collected − cost.
    pub profit: Option<i64>,
    /// cost ÷ monthly net, one decimal: how many paid months recover the cost.
    pub breakeven_months: Option<Decimal>,
    pub reached_breakeven: bool,
    pub status: RecoveryStatus,
}

/// `completion` is how much of the contract has run, 0..=1 (for `at_risk`).
pub fn recovery(
    cost: Option<i64>,
    collected: i64,
    monthly_net: i64,
    completion: Decimal,
) -> Recovery {
    let Some(cost) = cost.filter(|c| *c > 0) else {
        return Recovery {
            collected,
            percent: None,
            profit: None,
            breakeven_months: None,
            reached_breakeven: false,
            status: RecoveryStatus::NoData,
        };
    };
    let exact = Decimal::from(collected) * Decimal::from(100) / Decimal::from(cost);
    let status = if exact > Decimal::from(100) {
        RecoveryStatus::Profitable
    } else if exact > Decimal::from(50) || completion <= Decimal::new(5, 1) {
        RecoveryStatus::Recovering
    } else {
        RecoveryStatus::AtRisk
    };
    Recovery {
        collected,
        percent: Some(
            exact.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
        ),
        profit: Some(collected - cost),
        breakeven_months: (monthly_net > 0).then(|| {
            (Decimal::from(cost) / Decimal::from(monthly_net))
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        }),
        reached_breakeven: collected >= cost,
        status,
    }
}

/// Share of the contract that has run on `today`, 0..=1, by days.
pub fn completion(
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Decimal {
    let total = (end - start).num_days();
    if total <= 0 {
        return Decimal::ONE;
    }
    let done = (today - start).num_days().clamp(0, total);
    Decimal::from(done) / Decimal::from(total)
}

/// A percentage as a JSON-friendly float for the wire (one decimal, exact from the Decimal).
pub fn pct_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_seed_example_1000_cost_89_a_month() {
        let after = |months: i64| recovery(Some(100_000), months * 8900, 8900, Decimal::ZERO);
        assert_eq!(after(1).percent, Some(Decimal::new(89, 1)));
        assert_eq!(after(6).percent, Some(Decimal::new(534, 1)));
        assert_eq!(after(12).percent, Some(Decimal::new(1068, 1)));
        assert_eq!(after(12).status, RecoveryStatus::Profitable);
        assert!(after(12).reached_breakeven);
        assert!(!after(11).reached_breakeven);
        assert_eq!(after(12).profit, Some(6800));
        assert_eq!(after(1).breakeven_months, Some(Decimal::new(112, 1)));
    }

    #[test]
    fn recovery_status_rules() {
        let half = Decimal::new(5, 1);
        let late = Decimal::new(6, 1);
        assert_eq!(recovery(None, 100, 10, half).status, RecoveryStatus::NoData);
        assert_eq!(
            recovery(Some(0), 100, 10, half).status,
            RecoveryStatus::NoData
        );
        assert_eq!(
            recovery(Some(1000), 600, 10, late).status,
            RecoveryStatus::Recovering
        );
        assert_eq!(
            recovery(Some(1000), 500, 10, half).status,
            RecoveryStatus::Recovering
        );
        assert_eq!(
            recovery(Some(1000), 500, 10, late).status,
            RecoveryStatus::AtRisk
        );
        assert_eq!(
            recovery(Some(1000), 1001, 10, late).status,
            RecoveryStatus::Profitable
        );
        assert_eq!(
            recovery(Some(1000), 1000, 10, late).status,
            RecoveryStatus::Recovering
        );
    }

    #[test]
    fn buyout_methods() {
        let mut s = BuSettings::default();
        // Default: remaining months + 50 % of the list price.
        let q = buyout_quote(&s, 2, 4, 12900, Some(249_900));
        assert_eq!(q.remaining_months_payment, 51_600);
        assert_eq!(q.list_price_amount, 124_950);
        assert_eq!(q.price, 176_550);
        s.buyout_method = BuyoutMethod::FlatFee;
        s.buyout_flat_fee = Money(Decimal::from(500));
        assert_eq!(buyout_quote(&s, 2, 4, 12900, None).price, 50_000);
        s.buyout_method = BuyoutMethod::RemainingMonths;
        assert_eq!(buyout_quote(&s, 2, 0, 12900, None).price, 0);
        s.buyout_method = BuyoutMethod::ListPricePct;
        s.buyout_list_price_pct = Decimal::from(40);
        assert_eq!(buyout_quote(&s, 2, 4, 12900, Some(100_000)).price, 40_000);
    }

    #[test]
    fn early_return_fee_and_grace_period() {
        let mut s = BuSettings {
            early_return_pct: Decimal::from(50),
            ..BuSettings::default()
        };
        // Month 6 of 12 at 89: 6 × 89 = 534, half of it 267.
        let q = early_return_quote(&s, 2, 6, 8900, 182);
        assert_eq!(q.fee, 26_700);
        assert!(!q.grace_period_applied);
        let g = early_return_quote(&s, 2, 11, 8900, 14);
        assert!(g.grace_period_applied);
        assert_eq!(g.fee, 0);
        assert!(!early_return_quote(&s, 2, 11, 8900, 15).grace_period_applied);
        s.early_return_fee = EarlyReturnFee::NoFee;
        assert_eq!(early_return_quote(&s, 2, 11, 8900, 100).fee, 0);
    }

    proptest! {
        #[test]
        fn fees_and_prices_are_never_negative(rem in 0u32..=120, monthly in 0i64..1_000_000, days in 0u32..3650, list in proptest::option::of(0i64..10_000_000)) {
            let s = BuSettings::default();
            prop_assert!(buyout_quote(&s, 2, rem, monthly, list).price >= 0);
            prop_assert!(early_return_quote(&s, 2, rem, monthly, days).fee >= 0);
        }
    }
}
