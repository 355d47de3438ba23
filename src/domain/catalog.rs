//! What a product must carry before the catalog stores it: required fields and their lengths,
//! the vocabularies, one variant per SKU, and prices per contract length read from the lenient
//! FlexPortal pricing shapes (an array of tiers or a map of length to price) in the unit's
//! currency. The catalog service keeps the SKU lookups and the writing.

use crate::domain::limits::{ContractLength, Currency};
use crate::domain::status::{ProductStatus, VariantStatus};
use crate::error::{Checks, Error, ErrorCode, FieldError, Result};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use ts_rs::TS;

// A pricing tier's discount as the catalog stores and sends it: `percentage` or `fixed`, never
// negative. What it takes off a price is `pricing::Discount`. (A plain comment: doc comments go
// into the UI's bindings.)
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Discount {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: Money,
    pub description: Option<String>,
}

/// One pricing tier as stored: the monthly price (and setup fee) in minor units, the discount as
/// JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanTier {
    pub contract_length: u32,
    pub monthly_price: i64,
    pub setup_fee: Option<i64>,
    pub discount: Option<String>,
    pub source: Option<String>,
    pub preset_used: Option<String>,
    pub calculated_at: Option<String>,
}

/// The fields of a product that are checked, as given (untrimmed).
#[derive(Debug, Clone, Default)]
pub struct ProductFields<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    /// The specification as text (see [`spec_text`]).
    pub specification: &'a str,
    pub category: &'a str,
    pub brand: &'a str,
    pub status: Option<&'a str>,
    pub variants: Vec<VariantFields<'a>>,
}

/// The fields of a variant that are checked before its pricing is read.
#[derive(Debug, Clone, Default)]
pub struct VariantFields<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub grade: &'a str,
    /// False when the pricing is absent (null).
    pub has_pricing: bool,
    pub status: Option<&'a str>,
    pub list_price: Option<Money>,
    pub acquisition_cost: Option<Money>,
}

/// A specification given as text, or as an object of named specs (kept as its JSON text).
pub fn spec_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

/// Every field error of a product at once (SKUs, names, grade, vocabularies, amounts, one variant
/// per SKU compared trimmed and case-insensitively); its status when it names one.
pub fn check_product(p: &ProductFields) -> Result<Option<ProductStatus>> {
    let mut c = Checks::new();
    c.require("productSku", p.sku, "Product SKU");
    c.require("name", p.name, "Name");
    c.require("specification", p.specification, "Specification");
    c.require("category", p.category, "Category");
    c.require("brand", p.brand, "Brand");
    c.max_len("productSku", p.sku, 64, "Product SKU");
    c.max_len("name", p.name, 200, "Name");
    let status = match p.status {
        Some(s) => match ProductStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                c.fail("status", "Status must be active or discontinued.");
                None
            }
        },
        None => None,
    };
    if p.variants.is_empty() {
        c.fail("variants", "A product needs at least one variant.");
    }
    for (i, v) in p.variants.iter().enumerate() {
        c.require(&format!("variants[{i}].variantSku"), v.sku, "Variant SKU");
        c.max_len(
            &format!("variants[{i}].variantSku"),
            v.sku,
            64,
            "Variant SKU",
        );
        c.require(
            &format!("variants[{i}].variantName"),
            v.name,
            "Variant name",
        );
        c.require(&format!("variants[{i}].grade"), v.grade, "Grade");
        if !v.has_pricing {
            c.fail(format!("variants[{i}].pricing"), "Pricing is required.");
        }
        if let Some(s) = v.status {
            if VariantStatus::parse(s).is_none() {
                c.fail(
                    format!("variants[{i}].status"),
                    "Status must be active or inactive.",
                );
            }
        }
        for (path, m) in [
            ("listPrice", v.list_price),
            ("acquisitionCost", v.acquisition_cost),
        ] {
            if let Some(m) = m {
                if m.is_negative() {
                    c.not_negative(format!("variants[{i}].{path}"));
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, v) in p.variants.iter().enumerate() {
        if !seen.insert(v.sku.trim().to_uppercase()) {
            c.fail(
                format!("variants[{i}].variantSku"),
                format!("The variant SKU {} appears twice.", v.sku.trim()),
            );
        }
    }
    c.finish()?;
    Ok(status)
}

/// A variant's pricing as tiers sorted by contract length: each length a contract length (a
/// number, or text such as `"12"` or `"12mo"`) and given once, each monthly price a number of 0
/// or more with no more decimals than `currency` has. Errors are `invalid_pricing` on `path`.
pub fn parse_tiers(currency: Currency, path: &str, pricing: &Value) -> Result<Vec<CleanTier>> {
    let bad = |msg: String| Error {
        code: ErrorCode::InvalidPricing,
        message: msg.clone(),
        details: vec![FieldError {
            path: path.into(),
            message: msg,
            code: "invalid_pricing".into(),
        }],
        replayed: None,
    };
    // (contract length, monthly price, the whole tier object when given as one)
    type RawTier<'a> = (Value, Value, Option<&'a serde_json::Map<String, Value>>);
    let raw: Vec<RawTier> = match pricing {
        Value::Array(items) => items
            .iter()
            .map(|t| match t {
                Value::Object(o) => Ok((
                    o.get("contractLength").cloned().unwrap_or(Value::Null),
                    o.get("monthlyPrice").cloned().unwrap_or(Value::Null),
                    Some(o),
                )),
                _ => Err(bad(
                    "Each pricing tier must be an object with contractLength and monthlyPrice."
                        .into(),
                )),
            })
            .collect::<Result<_>>()?,
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone(), None))
            .collect(),
        _ => return Err(bad("A variant needs at least one pricing tier.".into())),
    };
    if raw.is_empty() {
        return Err(bad("A variant needs at least one pricing tier.".into()));
    }
    let mut tiers = Vec::new();
    for (len, price, obj) in raw {
        let length = match &len {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().trim_end_matches("mo").parse::<u64>().ok(),
            _ => None,
        };
        let Some(length) = length.filter(|l| {
            i64::try_from(*l)
                .ok()
                .and_then(ContractLength::new)
                .is_some()
        }) else {
            return Err(bad(format!(
                "Contract length {len} must be a whole number of months from {}.",
                ContractLength::range_text()
            )));
        };
        let price: Money = serde_json::from_value(price.clone()).map_err(|_| {
            bad(format!(
                "The monthly price for {length} months must be a number."
            ))
        })?;
        if price.is_negative() {
            return Err(bad(format!(
                "The monthly price for {length} months cannot be negative."
            )));
        }
        let monthly_price = price.to_minor(currency.exponent).map_err(|_| {
            bad(format!(
                "The monthly price {price} has more decimals than {} allows.",
                currency.code
            ))
        })?;
        let mut tier = CleanTier {
            contract_length: length as u32,
            monthly_price,
            setup_fee: None,
            discount: None,
            source: None,
            preset_used: None,
            calculated_at: None,
        };
        if let Some(o) = obj {
            if let Some(fee) = o.get("setupFee").filter(|v| !v.is_null()) {
                let fee: Money = serde_json::from_value(fee.clone())
                    .map_err(|_| bad("The setup fee must be a number.".into()))?;
                tier.setup_fee = Some(currency.minor(&format!("{path}.setupFee"), fee)?);
            }
            if let Some(d) = o.get("discount").filter(|v| !v.is_null()) {
                let disc: Discount = serde_json::from_value(d.clone()).map_err(|_| {
                    bad("discount needs a type (percentage or fixed) and a value.".into())
                })?;
                if !matches!(disc.kind.as_str(), "percentage" | "fixed") || disc.value.is_negative()
                {
                    return Err(bad(
                        "discount needs a type (percentage or fixed) and a value of 0 or more."
                            .into(),
                    ));
                }
                tier.discount = Some(serde_json::to_string(&disc)?);
            }
            tier.source = o.get("source").and_then(Value::as_str).map(str::to_string);
            tier.preset_used = o
                .get("presetUsed")
                .and_then(Value::as_str)
                .map(str::to_string);
            tier.calculated_at = o
                .get("calculatedAt")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        if tiers
            .iter()
            .any(|t: &CleanTier| t.contract_length == tier.contract_length)
        {
            return Err(bad(format!("The contract length {length} appears twice.")));
        }
        tiers.push(tier);
    }
    tiers.sort_by_key(|t| t.contract_length);
    Ok(tiers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EUR: Currency = Currency {
        code: "EUR",
        exponent: 2,
    };

    fn tiers(pricing: Value) -> Result<Vec<CleanTier>> {
        parse_tiers(EUR, "variants[0].pricing", &pricing)
    }

    /// The message of a pricing error, checked to be `invalid_pricing` on the variant's path.
    fn refused(pricing: Value) -> String {
        let e = tiers(pricing).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPricing);
        assert_eq!(e.details[0].path, "variants[0].pricing");
        assert_eq!(e.details[0].code, "invalid_pricing");
        e.message
    }

    fn money(text: &str) -> Money {
        crate::money::parse_amount(text).unwrap()
    }

    fn variant(sku: &str) -> VariantFields<'_> {
        VariantFields {
            sku,
            name: "128 GB",
            grade: "a",
            has_pricing: true,
            ..Default::default()
        }
    }

    fn product<'a>(variants: Vec<VariantFields<'a>>) -> ProductFields<'a> {
        ProductFields {
            sku: "IPH-15",
            name: "iPhone 15",
            specification: "6.1 inch",
            category: "Phones",
            brand: "Apple",
            status: None,
            variants,
        }
    }

    /// The paths of a refused product's field errors.
    fn failed_paths(p: &ProductFields) -> Vec<String> {
        let e = check_product(p).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        e.details.into_iter().map(|d| d.path).collect()
    }

    #[test]
    fn a_map_of_length_to_price_becomes_tiers_sorted_by_length() {
        let t = tiers(json!({ "24": "79.50", "12mo": 89, " 6 ": "99" })).unwrap();
        let got: Vec<(u32, i64)> = t
            .iter()
            .map(|t| (t.contract_length, t.monthly_price))
            .collect();
        assert_eq!(got, vec![(6, 9900), (12, 8900), (24, 7950)]);
        assert!(t
            .iter()
            .all(|t| t.setup_fee.is_none() && t.discount.is_none()));
    }

    #[test]
    fn an_array_of_tiers_keeps_setup_fee_discount_and_provenance() {
        let t = tiers(json!([{
            "contractLength": 12,
            "monthlyPrice": "49.99",
            "setupFee": "25",
            "discount": { "type": "percentage", "value": "10" },
            "source": "calculator",
            "presetUsed": "standard",
            "calculatedAt": "2026-01-05T10:00:00Z",
        }]))
        .unwrap();
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!((t.contract_length, t.monthly_price), (12, 4999));
        assert_eq!(t.setup_fee, Some(2500));
        let d: Discount = serde_json::from_str(t.discount.as_deref().unwrap()).unwrap();
        assert_eq!((d.kind.as_str(), d.value), ("percentage", money("10")));
        assert_eq!(t.source.as_deref(), Some("calculator"));
        assert_eq!(t.preset_used.as_deref(), Some("standard"));
        assert_eq!(t.calculated_at.as_deref(), Some("2026-01-05T10:00:00Z"));
    }

    #[test]
    fn pricing_keys_must_be_contract_lengths() {
        for bad in [
            json!({ "0": 10 }),
            json!({ "121": 10 }),
            json!({ "twelve": 10 }),
        ] {
            assert!(refused(bad).ends_with("must be a whole number of months from 1 to 120."));
        }
        assert!(
            refused(json!([{ "contractLength": -3, "monthlyPrice": 10 }]))
                .starts_with("Contract length -3 ")
        );
        assert_eq!(tiers(json!({ "1": 10, "120": 5 })).unwrap().len(), 2);
    }

    #[test]
    fn a_contract_length_is_priced_once() {
        assert_eq!(
            refused(json!([
                { "contractLength": 12, "monthlyPrice": 10 },
                { "contractLength": "12", "monthlyPrice": 9 },
            ])),
            "The contract length 12 appears twice."
        );
    }

    #[test]
    fn a_variant_needs_a_tier_in_one_of_the_two_shapes() {
        let none = "A variant needs at least one pricing tier.";
        assert_eq!(refused(json!([])), none);
        assert_eq!(refused(json!({})), none);
        assert_eq!(refused(Value::Null), none);
        assert_eq!(refused(json!("12: 89")), none);
        assert_eq!(
            refused(json!([12])),
            "Each pricing tier must be an object with contractLength and monthlyPrice."
        );
    }

    #[test]
    fn monthly_prices_are_numbers_of_zero_or_more_in_the_currency() {
        assert_eq!(
            refused(json!({ "12": "a lot" })),
            "The monthly price for 12 months must be a number."
        );
        assert_eq!(
            refused(json!({ "12": "-1" })),
            "The monthly price for 12 months cannot be negative."
        );
        assert_eq!(
            refused(json!({ "12": "9.999" })),
            "The monthly price 9.999 has more decimals than EUR allows."
        );
        assert_eq!(tiers(json!({ "12": 0 })).unwrap()[0].monthly_price, 0);
        let jpy = Currency {
            code: "JPY",
            exponent: 0,
        };
        assert_eq!(
            parse_tiers(jpy, "p", &json!({ "12": "1500" })).unwrap()[0].monthly_price,
            1500
        );
        assert!(parse_tiers(jpy, "p", &json!({ "12": "1500.5" })).is_err());
    }

    #[test]
    fn setup_fees_and_discounts_are_checked() {
        let tier = |extra: Value| {
            let mut t = json!({ "contractLength": 12, "monthlyPrice": 10 });
            t.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            tiers(json!([t]))
        };
        let e = tier(json!({ "setupFee": "-5" })).unwrap_err();
        assert_eq!(e.details[0].path, "variants[0].pricing.setupFee");
        assert_eq!(e.message, "Setup fee in row 1 cannot be negative.");
        assert_eq!(
            tier(json!({ "setupFee": "free" })).unwrap_err().message,
            "The setup fee must be a number."
        );
        assert_eq!(
            tier(json!({ "setupFee": null })).unwrap()[0].setup_fee,
            None
        );
        let wrong = "discount needs a type (percentage or fixed) and a value of 0 or more.";
        let disc =
            |kind: &str, value: &str| json!({ "discount": { "type": kind, "value": value } });
        assert_eq!(tier(disc("bogof", "1")).unwrap_err().message, wrong);
        assert_eq!(tier(disc("fixed", "-1")).unwrap_err().message, wrong);
        assert!(tier(disc("fixed", "5")).is_ok());
        assert_eq!(
            tier(json!({ "discount": "10%" })).unwrap_err().message,
            "discount needs a type (percentage or fixed) and a value."
        );
    }

    #[test]
    fn a_complete_product_passes_with_its_status() {
        let mut p = product(vec![variant("IPH-15-128"), variant("IPH-15-256")]);
        assert_eq!(check_product(&p).unwrap(), None);
        p.status = Some("discontinued");
        assert_eq!(
            check_product(&p).unwrap(),
            Some(ProductStatus::Discontinued)
        );
    }

    #[test]
    fn duplicate_variant_skus_are_refused_trimmed_and_in_any_case() {
        let p = product(vec![
            variant("IPH-15-128"),
            variant(" iph-15-128 "),
            variant("IPH-15-256"),
        ]);
        let e = check_product(&p).unwrap_err();
        assert_eq!(e.details.len(), 1);
        assert_eq!(e.details[0].path, "variants[1].variantSku");
        assert_eq!(e.message, "The variant SKU iph-15-128 appears twice.");
    }

    #[test]
    fn every_missing_or_wrong_field_is_named_at_once() {
        let blank = VariantFields {
            sku: " ",
            has_pricing: false,
            status: Some("gone"),
            list_price: Some(money("-1")),
            acquisition_cost: Some(money("-2")),
            ..Default::default()
        };
        let p = ProductFields {
            status: Some("archived"),
            variants: vec![blank],
            ..Default::default()
        };
        assert_eq!(
            failed_paths(&p),
            [
                "productSku",
                "name",
                "specification",
                "category",
                "brand",
                "status",
                "variants[0].variantSku",
                "variants[0].variantName",
                "variants[0].grade",
                "variants[0].pricing",
                "variants[0].status",
                "variants[0].listPrice",
                "variants[0].acquisitionCost",
            ]
        );
    }

    #[test]
    fn a_product_needs_a_variant_and_skus_and_names_fit() {
        assert_eq!(failed_paths(&product(vec![])), ["variants"]);
        let long = "X".repeat(65);
        let mut p = product(vec![variant(&long)]);
        let name = "N".repeat(201);
        p.sku = &long;
        p.name = &name;
        assert_eq!(
            failed_paths(&p),
            ["productSku", "name", "variants[0].variantSku"]
        );
        let fits = "X".repeat(64);
        assert!(check_product(&product(vec![variant(&fits)])).is_ok());
    }

    #[test]
    fn a_specification_is_text_or_the_json_of_its_specs() {
        assert_eq!(spec_text(&Value::Null), "");
        assert_eq!(spec_text(&json!("  6.1 inch ")), "6.1 inch");
        assert_eq!(
            spec_text(&json!({ "screen": "6.1" })),
            r#"{"screen":"6.1"}"#
        );
    }
}
