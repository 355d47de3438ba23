//! Payment schedules: one payment per month of the contract, each with its service period, the
//! date it is invoiced and the date it is due, and its tax under the business unit's rule. Pure
//! date arithmetic; the services store what this returns.
//!
//! Month arithmetic always counts from the schedule's origin (origin + k months), never from the
//! previous period, so month ends clamp without drifting: Jan 31, Feb 28 (29), Mar 31, Apr 30.

use super::settings::{BillingStart, FirstPayment};
use crate::money::Money;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

/// `d` plus `n` months, clamped to the month's last day (Jan 31 + 1 = Feb 28 or 29).
pub fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

/// End of a contract: start plus its length in months.
pub fn end_date(start: NaiveDate, months: u32) -> NaiveDate {
    add_months(start, months)
}

/// Whole months from `a` to `b`: the largest m with `add_months(a, m) <= b` (0 when b is not
/// after a). Counted from `a` like the schedule, so 31 Jan → 28 Feb is one month.
pub fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    if b <= a {
        return 0;
    }
    let mut m = ((b.year() as i64 - a.year() as i64) * 12 + b.month0() as i64 - a.month0() as i64)
        .max(0) as u32;
    while m > 0 && add_months(a, m) > b {
        m -= 1;
    }
    m
}

pub fn days_in_month(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    (add_months(first, 1) - first).num_days() as u32
}

/// Whole days from `a` to `b` (0 when `b` is before `a`).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> u32 {
    (b - a).num_days().max(0) as u32
}

/// The tax rule of a business unit, with its currency's decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxRule {
    /// Percent, e.g. 21.
    pub rate: Decimal,
    /// Prices include the tax (true) or it is added on top.
    pub inclusive: bool,
    /// Decimals of the currency.
    pub exponent: u32,
}

/// Net, tax and total of one payment line, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amounts {
    pub net: i64,
    pub tax: i64,
    pub total: i64,
}

impl TaxRule {
    /// Split a price (as the catalog states it) into net, tax and total; tax rounds once per line,
    /// half away from zero.
    pub fn split(&self, price_minor: i64) -> Amounts {
        let price = Money::from_minor(price_minor, self.exponent);
        let rate = self.rate / Decimal::from(100);
        let to_minor = |m: Money| m.round(self.exponent).to_minor(self.exponent).unwrap_or(0);
        if self.inclusive {
            let net = Money(price.0 / (Decimal::ONE + rate));
            let tax = to_minor(price - net);
            Amounts {
                net: price_minor - tax,
                tax,
                total: price_minor,
            }
        } else {
            let tax = to_minor(price * rate);
            Amounts {
                net: price_minor,
                tax,
                total: price_minor + tax,
            }
        }
    }
}

/// What a payment is for (a FlexDesk field; FlexPortal's payment has no such field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlotKind {
    /// One month of the contract (and of renewals and extensions after it).
    Rent,
    /// The days before the first full period under `first_of_next_month` + `prorated`.
    Prorated,
}

/// One scheduled payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub kind: SlotKind,
    /// Month index from the schedule's origin (0 for the prorated part).
    pub seq: u32,
    pub period_start: NaiveDate,
    /// Exclusive: the service period is `[period_start, period_end)`.
    pub period_end: NaiveDate,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub amounts: Amounts,
}

impl Slot {
    /// `YYYY-MM` of the service period's start.
    pub fn billing_period(&self) -> String {
        self.period_start.format("%Y-%m").to_string()
    }
}

/// Everything a schedule depends on.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub start: NaiveDate,
    pub months: u32,
    /// Monthly price in minor units, as the catalog states it (net or gross per `tax.inclusive`).
    pub monthly: i64,
    pub billing_start: BillingStart,
    pub first_payment: FirstPayment,
    /// Days from invoice date to due date.
    pub terms_days: u32,
    pub tax: TaxRule,
}

impl Terms {
    /// The date month 0 of the schedule starts. Under `first_of_next_month` it is the first 1st
    /// on or after the start (a contract starting on the 1st has no days before its first period).
    pub fn origin(&self) -> NaiveDate {
        match self.billing_start {
            BillingStart::FirstOfNextMonth if self.start.day() != 1 => {
                add_months(self.start.with_day(1).unwrap_or(self.start), 1)
            }
            _ => self.start,
        }
    }

    fn due(&self, invoice: NaiveDate) -> NaiveDate {
        invoice + chrono::Days::new(self.terms_days as u64)
    }

    /// Month `k` of the schedule (k may run past `months` for renewals and extensions).
    pub fn month(&self, k: u32, monthly: i64) -> Slot {
        let origin = self.origin();
        let period_start = add_months(origin, k);
        let period_end = add_months(origin, k + 1);
        let invoice_date = match self.billing_start {
            BillingStart::SameDayNextMonth => period_end,
            _ => period_start,
        };
        Slot {
            kind: SlotKind::Rent,
            seq: k,
            period_start,
            period_end,
            invoice_date,
            due_date: self.due(invoice_date),
            amounts: self.tax.split(monthly),
        }
    }

    /// The days from the start to the first full period, charged when `firstPayment = prorated`
    /// (monthly × days ÷ days in the start's month, rounded half away from zero).
    pub fn prorated(&self) -> Option<Slot> {
        let origin = self.origin();
        if self.first_payment != FirstPayment::Prorated || origin == self.start {
            return None;
        }
        let days = days_between(self.start, origin);
        let amount = Money::from_minor(self.monthly, self.tax.exponent).0 * Decimal::from(days)
            / Decimal::from(days_in_month(self.start));
        let minor = Money(amount)
            .round(self.tax.exponent)
            .to_minor(self.tax.exponent)
            .unwrap_or(0);
        Some(Slot {
            kind: SlotKind::Prorated,
            seq: 0,
            period_start: self.start,
            period_end: origin,
            invoice_date: self.start,
            due_date: self.due(self.start),
            amounts: self.tax.split(minor),
        })
    }

    /// The whole schedule: the prorated days (if any), then one payment per contract month.
    pub fn schedule(&self) -> Vec<Slot> {
        self.prorated()
            .into_iter()
            .chain((0..self.months).map(|k| self.month(k, self.monthly)))
            .collect()
    }

    pub fn end_date(&self) -> NaiveDate {
        end_date(self.start, self.months)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn terms(start: NaiveDate, months: u32, bs: BillingStart) -> Terms {
        Terms {
            start,
            months,
            monthly: 8900,
            billing_start: bs,
            first_payment: FirstPayment::FullMonth,
            terms_days: 0,
            tax: TaxRule {
                rate: Decimal::ZERO,
                inclusive: false,
                exponent: 2,
            },
        }
    }

    #[test]
    fn immediate_jan_1_twelve_months_is_due_jan_1_to_dec_1() {
        let s = terms(d(2026, 1, 1), 12, BillingStart::Immediate).schedule();
        assert_eq!(s.len(), 12);
        assert_eq!(s[0].due_date, d(2026, 1, 1));
        assert_eq!(s[11].due_date, d(2026, 12, 1));
        assert_eq!(s[11].period_end, d(2027, 1, 1));
        assert_eq!(s[0].billing_period(), "2026-01");
    }

    #[test]
    fn months_between_counts_whole_months_from_the_start_across_month_and_year_ends() {
        assert_eq!(months_between(d(2026, 1, 31), d(2026, 2, 27)), 0);
        assert_eq!(months_between(d(2026, 1, 31), d(2026, 2, 28)), 1);
        assert_eq!(months_between(d(2028, 1, 31), d(2028, 2, 29)), 1);
        assert_eq!(months_between(d(2028, 2, 29), d(2029, 2, 28)), 12);
        assert_eq!(months_between(d(2026, 12, 15), d(2027, 1, 14)), 0);
        assert_eq!(months_between(d(2026, 12, 15), d(2027, 1, 15)), 1);
        assert_eq!(months_between(d(2026, 3, 1), d(2026, 3, 1)), 0);
        assert_eq!(months_between(d(2026, 3, 1), d(2025, 3, 1)), 0);
    }

    #[test]
    fn month_ends_clamp_without_drifting() {
        let s = terms(d(2026, 1, 31), 4, BillingStart::Immediate).schedule();
        let starts: Vec<_> = s.iter().map(|p| p.period_start).collect();
        assert_eq!(
            starts,
            vec![
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30)
            ]
        );
        let leap = terms(d(2028, 1, 31), 2, BillingStart::Immediate).schedule();
        assert_eq!(leap[1].period_start, d(2028, 2, 29));
        // Feb 29 + 12 months clamps to Feb 28.
        assert_eq!(end_date(d(2028, 2, 29), 12), d(2029, 2, 28));
    }

    #[test]
    fn same_day_next_month_bills_in_arrears() {
        let s = terms(d(2026, 1, 15), 3, BillingStart::SameDayNextMonth).schedule();
        assert_eq!(
            s.iter().map(|p| p.due_date).collect::<Vec<_>>(),
            vec![d(2026, 2, 15), d(2026, 3, 15), d(2026, 4, 15)]
        );
        assert_eq!(s[0].period_start, d(2026, 1, 15));
    }

    #[test]
    fn first_of_next_month_with_and_without_proration() {
        let mut t = terms(d(2026, 1, 21), 2, BillingStart::FirstOfNextMonth);
        let s = t.schedule();
        assert_eq!(
            s.iter().map(|p| p.due_date).collect::<Vec<_>>(),
            vec![d(2026, 2, 1), d(2026, 3, 1)]
        );
        assert_eq!(s[0].period_end, d(2026, 3, 1));
        t.first_payment = FirstPayment::Prorated;
        let s = t.schedule();
        assert_eq!(s.len(), 3);
        // 11 days of January (21st to 31st) of 31: 89 × 11 / 31 = 31.58.
        assert_eq!(s[0].kind, SlotKind::Prorated);
        assert_eq!(s[0].amounts.total, 3158);
        assert_eq!(s[0].due_date, d(2026, 1, 21));
        // Starting on the 1st: nothing to prorate.
        t.start = d(2026, 3, 1);
        assert_eq!(t.schedule().len(), 2);
        assert_eq!(t.schedule()[0].period_start, d(2026, 3, 1));
    }

    #[test]
    fn payment_terms_move_the_due_date() {
        let mut t = terms(d(2026, 1, 1), 1, BillingStart::Immediate);
        t.terms_days = 30;
        assert_eq!(t.schedule()[0].due_date, d(2026, 1, 31));
    }

    #[test]
    fn tax_exclusive_and_inclusive() {
        let ex = TaxRule {
            rate: Decimal::from(21),
            inclusive: false,
            exponent: 2,
        };
        assert_eq!(
            ex.split(8900),
            Amounts {
                net: 8900,
                tax: 1869,
                total: 10769
            }
        );
        let inc = TaxRule {
            rate: Decimal::from(21),
            inclusive: true,
            exponent: 2,
        };
        // 89 / 1.21 = 73.553… → tax 15.45, net 73.55.
        assert_eq!(
            inc.split(8900),
            Amounts {
                net: 7355,
                tax: 1545,
                total: 8900
            }
        );
        let jpy = TaxRule {
            rate: Decimal::from(10),
            inclusive: false,
            exponent: 0,
        };
        assert_eq!(
            jpy.split(1005),
            Amounts {
                net: 1005,
                tax: 101,
                total: 1106
            }
        );
    }

    #[test]
    fn one_and_one_hundred_twenty_months() {
        let one = terms(d(2026, 5, 31), 1, BillingStart::Immediate);
        assert_eq!(one.schedule().len(), 1);
        assert_eq!(one.end_date(), d(2026, 6, 30));
        let long = terms(d(2026, 1, 31), 120, BillingStart::Immediate);
        let s = long.schedule();
        assert_eq!(s.len(), 120);
        assert_eq!(s[119].period_end, d(2036, 1, 31));
        assert_eq!(long.end_date(), d(2036, 1, 31));
    }

    fn billing_start() -> impl Strategy<Value = BillingStart> {
        prop_oneof![
            Just(BillingStart::Immediate),
            Just(BillingStart::SameDayNextMonth),
            Just(BillingStart::FirstOfNextMonth)
        ]
    }

    proptest! {
        #[test]
        fn schedules_have_one_payment_per_month_and_contiguous_periods(
            days in 0i64..3650, months in 1u32..=120, monthly in 0i64..10_000_000, bs in billing_start(),
            prorated in any::<bool>(), rate in 0u32..=30, inclusive in any::<bool>(), terms_days in 0u32..=30,
        ) {
            let start = d(2024, 1, 1) + chrono::Duration::days(days);
            let t = Terms {
                start, months, monthly, billing_start: bs,
                first_payment: if prorated { FirstPayment::Prorated } else { FirstPayment::FullMonth },
                terms_days, tax: TaxRule { rate: Decimal::from(rate), inclusive, exponent: 2 },
            };
            let s = t.schedule();
            let rent: Vec<_> = s.iter().filter(|p| p.kind == SlotKind::Rent).collect();
            prop_assert_eq!(rent.len() as u32, months);
            // Periods follow each other without gaps or overlaps, from the start (or the first 1st).
            prop_assert_eq!(s[0].period_start, if t.prorated().is_some() { start } else { t.origin() });
            prop_assert!(t.origin() >= start);
            for w in s.windows(2) {
                prop_assert_eq!(w[0].period_end, w[1].period_start);
            }
            for p in &s {
                prop_assert!(p.period_start < p.period_end);
                prop_assert!(p.due_date >= p.invoice_date);
                prop_assert_eq!(p.amounts.net + p.amounts.tax, p.amounts.total);
                prop_assert!(p.amounts.tax >= 0 && p.amounts.net >= 0);
            }
            // The rent lines total exactly months × the monthly line.
            let line = t.tax.split(monthly);
            prop_assert_eq!(rent.iter().map(|p| p.amounts.total).sum::<i64>(), line.total * months as i64);
            // A prorated part never costs more than a month.
            if let Some(p) = t.prorated() { prop_assert!(p.amounts.net <= line.net.max(monthly)); }
        }
    }
}
