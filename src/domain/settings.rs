//! Business-unit settings that drive the rules (spec/decisions): billing start, first payment,
//! payment terms, tax, buyout, early return, contract end, order confirmation, contract lengths
//! and the seller's details printed on documents. Stored as one JSON document per business unit so
//! new settings arrive with defaults and no migration.

use crate::error::{Checks, Result};
use crate::money::Money;
use crate::str_enum;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

str_enum!(BillingStart { Immediate = "immediate", SameDayNextMonth = "same_day_next_month", FirstOfNextMonth = "first_of_next_month" });
str_enum!(FirstPayment { FullMonth = "full_month", Prorated = "prorated" });
str_enum!(BuyoutMethod { FlatFee = "flat_fee", RemainingMonths = "remaining_months", ListPricePct = "list_price_pct", RemainingPlusListPricePct = "remaining_plus_list_price_pct" });
str_enum!(EarlyReturnFee { RemainingMonths = "remaining_months", FlatFee = "flat_fee", NoFee = "no_fee" });
str_enum!(ContractEnd { AutoRenewMonthly = "auto_renew_monthly", AutoRenewSameTerm = "auto_renew_same_term", RequireAction = "require_action", AutoTerminate = "auto_terminate" });
str_enum!(LateFeeKind { None = "none", Flat = "flat", Percentage = "percentage" });

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Seller {
    pub legal_name: String,
    pub street_address: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub vat_id: String,
    /// The company's number in its country's register (KvK in the Netherlands, Handelsregister
    /// in Germany), printed on invoices and contracts.
    pub registration_number: String,
    pub email: String,
    pub phone: String,
    pub bank_account: String,
    /// The bank's BIC, printed with the account and sent in e-invoices.
    pub bic: String,
    /// The seller's electronic address for e-invoices, `scheme:identifier` (a Peppol
    /// participant id such as `0106:12345678`); left empty, its email address is used.
    pub einvoice_address: String,
    /// The SEPA creditor identifier (`NL98ZZZ999999999999`), for customers who pay by direct debit.
    pub sepa_creditor_id: String,
}

impl Seller {
    /// The registration as printed: the register's name before a bare number ("KvK 12345678"
    /// for a Dutch seller; `country` as a code or a name), or the text as written when it names
    /// its register already.
    pub fn registration_line(&self, country: &str) -> Option<String> {
        let n = self.registration_number.trim();
        if n.is_empty() {
            return None;
        }
        if !n.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(n.to_string());
        }
        let code = super::tax::country_code(country).map(|c| c.alpha2().to_string());
        let register = match code.as_deref().unwrap_or_default() {
            "NL" => "KvK",
            "DE" => "Handelsregister",
            "AT" => "Firmenbuch",
            "BE" => "KBO",
            "FR" => "RCS",
            "GB" => "Company No.",
            "IE" => "CRO",
            _ => "Company reg. no.",
        };
        Some(format!("{register} {n}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct BuSettings {
    pub billing_start: BillingStart,
    pub first_payment: FirstPayment,
    /// Days between invoice date and due date (0 = due immediately).
    pub payment_terms_days: u32,
    /// VAT or sales-tax rate in percent.
    #[ts(type = "string")]
    pub tax_rate: Decimal,
    /// Prices include tax (true) or tax is added on top (false).
    pub tax_inclusive: bool,
    /// Why a unit whose rate is 0 charges no tax because it is exempt (not zero-rated): the
    /// statement its invoices print, e.g. "Exempt from VAT under Article 132(1)(b) of Directive
    /// 2006/112/EC". E-invoices then say category E with it as the reason. Empty: zero-rated.
    pub tax_exemption: String,
    pub buyout_method: BuyoutMethod,
    #[ts(type = "string")]
    pub buyout_list_price_pct: Decimal,
    pub buyout_flat_fee: Money,
    pub early_return_fee: EarlyReturnFee,
    #[ts(type = "string")]
    pub early_return_pct: Decimal,
    pub early_return_flat_fee: Money,
    pub grace_period_days: u32,
    /// A return within the grace period ("changed my mind") undoes the first month too: its open
    /// payments are cancelled and an invoice already issued for it is credited (docs/rules.md).
    pub grace_return_undoes_first_month: bool,
    pub contract_end: ContractEnd,
    pub require_confirmed_orders: bool,
    /// Contract lengths offered at the counter (months, 1–120).
    pub contract_lengths: Vec<u32>,
    pub default_contract_length: u32,
    pub late_fee_kind: LateFeeKind,
    pub late_fee_amount: Money,
    #[ts(type = "string")]
    pub late_fee_pct: Decimal,
    pub late_fee_grace_days: u32,
    /// How the desk writes amounts and dates for this unit (BCP 47, e.g. `nl-NL`: "€ 8.652,27");
    /// empty follows the unit's country.
    pub locale: String,
    pub seller: Seller,
    /// The reminders of an overdue payment, in order: each a number of days after the due date,
    /// a name printed on the letter, and a fee charged with it (0: none).
    pub dunning: Vec<DunningLevel>,
}

/// One step of the dunning: sent this many days after the due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DunningLevel {
    pub days: u32,
    pub name: String,
    pub fee: Money,
}

/// The default steps: a friendly reminder after 3 days, a first notice after 14, a final notice
/// after 28; no fees.
pub fn default_dunning() -> Vec<DunningLevel> {
    [
        (3, "Friendly reminder"),
        (14, "First notice"),
        (28, "Final notice"),
    ]
    .into_iter()
    .map(|(days, name)| DunningLevel {
        days,
        name: name.into(),
        fee: Money::ZERO,
    })
    .collect()
}

impl Default for BuSettings {
    fn default() -> Self {
        BuSettings {
            billing_start: BillingStart::Immediate,
            first_payment: FirstPayment::FullMonth,
            payment_terms_days: 0,
            tax_rate: Decimal::ZERO,
            tax_inclusive: false,
            tax_exemption: String::new(),
            buyout_method: BuyoutMethod::RemainingPlusListPricePct,
            buyout_list_price_pct: Decimal::from(50),
            buyout_flat_fee: Money::ZERO,
            early_return_fee: EarlyReturnFee::RemainingMonths,
            early_return_pct: Decimal::from(100),
            early_return_flat_fee: Money::ZERO,
            grace_period_days: 14,
            grace_return_undoes_first_month: true,
            contract_end: ContractEnd::AutoRenewMonthly,
            require_confirmed_orders: true,
            contract_lengths: vec![6, 12, 24, 36],
            default_contract_length: 12,
            late_fee_kind: LateFeeKind::None,
            late_fee_amount: Money::ZERO,
            late_fee_pct: Decimal::ZERO,
            late_fee_grace_days: 7,
            locale: String::new(),
            seller: Seller::default(),
            dunning: default_dunning(),
        }
    }
}

/// A language, or a language and a country: `nl`, `nl-NL`, `pt-BR`.
fn is_locale_tag(t: &str) -> bool {
    let mut parts = t.split('-');
    let lang = parts.next().unwrap_or_default();
    let region = parts.next();
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_uppercase()))
        && parts.next().is_none()
}

impl BuSettings {
    /// Check the settings of a unit whose currency has `exponent` decimals: an amount with more
    /// decimals than that is refused here, never charged as nothing later.
    pub fn validate(&self, exponent: u32) -> Result<()> {
        let mut c = Checks::new();
        let seller = &self.seller;
        if !seller.einvoice_address.trim().is_empty()
            && crate::einvoice::parse_address(&seller.einvoice_address).is_none()
        {
            c.fail(
                "seller.einvoiceAddress",
                "Write the e-invoice address as scheme:identifier, e.g. 0106:12345678 (a Peppol participant id) or EM:billing@example.com.",
            );
        }
        let creditor = seller.sepa_creditor_id.trim();
        let creditor_ok = (8..=35).contains(&creditor.len())
            && creditor.chars().all(|c| c.is_ascii_alphanumeric())
            && creditor[..2].chars().all(|c| c.is_ascii_uppercase());
        if !creditor.is_empty() && !creditor_ok {
            c.fail(
                "seller.sepaCreditorId",
                "A SEPA creditor identifier is the country and letters and digits, e.g. NL98ZZZ999999999999.",
            );
        }
        if !seller.bic.trim().is_empty() && !crate::einvoice::is_bic(&seller.bic) {
            c.fail(
                "seller.bic",
                "A BIC is 8 or 11 letters and digits in capitals, e.g. ABNANL2A.",
            );
        }
        let hundred = Decimal::from(100);
        if self.tax_rate < Decimal::ZERO || self.tax_rate > hundred {
            c.fail("taxRate", "Tax rate must be between 0 and 100 %.");
        }
        let exemption = self.tax_exemption.trim();
        if !exemption.is_empty() && !self.tax_rate.is_zero() {
            c.fail(
                "taxExemption",
                "Only a unit that charges no tax states an exemption: set the tax rate to 0, or leave this empty.",
            );
        } else if exemption.chars().count() > 300 {
            c.fail(
                "taxExemption",
                "The exemption statement is at most 300 characters.",
            );
        }
        for (path, pct) in [
            ("buyoutListPricePct", self.buyout_list_price_pct),
            ("earlyReturnPct", self.early_return_pct),
            ("lateFeePct", self.late_fee_pct),
        ] {
            if pct < Decimal::ZERO || pct > hundred {
                c.fail(path, "Percentages must be between 0 and 100.");
            }
        }
        for (path, m) in [
            ("buyoutFlatFee", self.buyout_flat_fee),
            ("earlyReturnFlatFee", self.early_return_flat_fee),
            ("lateFeeAmount", self.late_fee_amount),
        ] {
            if m.is_negative() {
                c.not_negative(path);
            } else if let Err(e) = m.to_minor(exponent) {
                c.fail(path, e.message);
            }
        }
        if self.dunning.len() > 5 {
            c.fail("dunning", "At most five reminder steps.");
        }
        let mut last = 0;
        for (i, l) in self.dunning.iter().enumerate() {
            if l.days == 0 || l.days > 365 || l.days <= last {
                c.fail(
                    format!("dunning.{i}.days"),
                    "Each step comes 1–365 days after the due date, later than the step before.",
                );
            }
            last = l.days;
            if l.name.trim().is_empty() || l.name.chars().count() > 60 {
                c.fail(
                    format!("dunning.{i}.name"),
                    "Name each step (at most 60 characters).",
                );
            }
            if l.fee.is_negative() {
                c.not_negative(format!("dunning.{i}.fee"));
            } else if let Err(e) = l.fee.to_minor(exponent) {
                c.fail(format!("dunning.{i}.fee"), e.message);
            }
        }
        if !self.locale.is_empty() && !is_locale_tag(&self.locale) {
            c.fail(
                "locale",
                format!(
                    "'{}' is not a locale: a language and a country, like nl-NL or en-US.",
                    self.locale
                ),
            );
        }
        if self.payment_terms_days > 365 {
            c.fail("paymentTermsDays", "Payment terms cannot exceed 365 days.");
        }
        if self.grace_period_days > 3650 {
            c.fail("gracePeriodDays", "Grace period cannot exceed 3650 days.");
        }
        if self.contract_lengths.is_empty() {
            c.fail("contractLengths", "Offer at least one contract length.");
        }
        if self
            .contract_lengths
            .iter()
            .any(|l| super::limits::ContractLength::new(i64::from(*l)).is_none())
        {
            c.fail(
                "contractLengths",
                format!(
                    "Contract lengths are {} months.",
                    super::limits::ContractLength::range_text()
                ),
            );
        }
        if !self
            .contract_lengths
            .contains(&self.default_contract_length)
        {
            c.fail(
                "defaultContractLength",
                "The default contract length must be one of the offered lengths.",
            );
        }
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_number_names_its_register() {
        let mut s = Seller {
            registration_number: " 12345678 ".into(),
            ..Default::default()
        };
        assert_eq!(s.registration_line("NL").unwrap(), "KvK 12345678");
        assert_eq!(
            s.registration_line("de").unwrap(),
            "Handelsregister 12345678"
        );
        assert_eq!(s.registration_line("Netherlands").unwrap(), "KvK 12345678");
        assert_eq!(
            s.registration_line("US").unwrap(),
            "Company reg. no. 12345678"
        );
        s.registration_number = "HRB 12345 Amtsgericht München".into();
        assert_eq!(
            s.registration_line("DE").unwrap(),
            "HRB 12345 Amtsgericht München"
        );
        s.registration_number = "  ".into();
        assert!(s.registration_line("NL").is_none());
    }

    #[test]
    fn defaults_follow_the_decisions() {
        let s = BuSettings::default();
        assert!(s.require_confirmed_orders);
        assert_eq!(s.grace_period_days, 14);
        assert_eq!(s.buyout_method, BuyoutMethod::RemainingPlusListPricePct);
        assert_eq!(s.buyout_list_price_pct, Decimal::from(50));
        assert_eq!(s.contract_end, ContractEnd::AutoRenewMonthly);
        s.validate(2).unwrap();
    }

    #[test]
    fn a_locale_is_a_language_and_a_country_or_empty() {
        for ok in ["", "nl-NL", "en-US", "de", "pt-BR"] {
            let s = BuSettings {
                locale: ok.into(),
                ..Default::default()
            };
            assert!(s.validate(2).is_ok(), "{ok}");
        }
        for bad in ["nl_NL", "NL-nl", "english", "nl-NL-x"] {
            let s = BuSettings {
                locale: bad.into(),
                ..Default::default()
            };
            let e = s.validate(2).unwrap_err();
            assert_eq!(e.details[0].path, "locale", "{bad}");
        }
    }

    #[test]
    fn missing_keys_take_defaults_so_old_rows_keep_loading() {
        let s: BuSettings = serde_json::from_str(r#"{"taxRate":"21"}"#).unwrap();
        assert_eq!(s.tax_rate, Decimal::from(21));
        assert_eq!(s.default_contract_length, 12);
    }
}
