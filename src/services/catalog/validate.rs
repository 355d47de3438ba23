//! Validation of product input: the lenient FlexPortal shapes made clean (SKUs, prices per contract length, amounts in the unit's currency).

use super::*;

// Validation

pub(super) struct CleanTier {
    pub(super) contract_length: u32,
    pub(super) monthly_price: i64,
    pub(super) setup_fee: Option<i64>,
    pub(super) discount: Option<String>,
    pub(super) source: Option<String>,
    pub(super) preset_used: Option<String>,
    pub(super) calculated_at: Option<String>,
}

pub(super) struct CleanVariant {
    pub(super) id: Option<String>,
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) grade: String,
    pub(super) condition: Option<String>,
    pub(super) color_name: Option<String>,
    pub(super) images: String,
    pub(super) list_price: Option<i64>,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) tiers: Vec<CleanTier>,
    pub(super) status: Option<VariantStatus>,
}

pub(super) struct CleanProduct {
    pub(super) id: Option<String>,
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) specification: String,
    pub(super) category: String,
    pub(super) brand: String,
    pub(super) description: Option<String>,
    pub(super) images: String,
    pub(super) status: Option<ProductStatus>,
    pub(super) variants: Vec<CleanVariant>,
}

pub(super) fn spec_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

pub(super) fn parse_tiers(
    bu: &BusinessUnit,
    path: &str,
    pricing: &Value,
) -> Result<Vec<CleanTier>> {
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
                .and_then(crate::domain::limits::ContractLength::new)
                .is_some()
        }) else {
            return Err(bad(format!(
                "Contract length {len} must be a whole number of months from {}.",
                crate::domain::limits::ContractLength::range_text()
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
        let monthly_price = price.to_minor(bu.currency_exponent).map_err(|_| {
            bad(format!(
                "The monthly price {price} has more decimals than {} allows.",
                bu.currency
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
                    .map_err(|_| bad("setupFee must be a number.".into()))?;
                tier.setup_fee = Some(bu.minor(&format!("{path}.setupFee"), fee)?);
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

pub(super) fn clean_product(bu: &BusinessUnit, p: &ProductInput) -> Result<CleanProduct> {
    let mut c = Checks::new();
    c.require("productSku", &p.product_sku, "Product SKU");
    c.require("name", &p.name, "Name");
    let spec = spec_text(&p.specification);
    c.require("specification", &spec, "Specification");
    c.require("category", &p.category, "Category");
    c.require("brand", &p.brand, "Brand");
    c.max_len("productSku", &p.product_sku, 64, "Product SKU");
    c.max_len("name", &p.name, 200, "Name");
    let status = match &p.status {
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
        c.require(
            &format!("variants[{i}].variantSku"),
            &v.variant_sku,
            "Variant SKU",
        );
        c.max_len(
            &format!("variants[{i}].variantSku"),
            &v.variant_sku,
            64,
            "Variant SKU",
        );
        c.require(
            &format!("variants[{i}].variantName"),
            &v.variant_name,
            "Variant name",
        );
        c.require(&format!("variants[{i}].grade"), &v.grade, "Grade");
        if v.pricing.is_null() {
            c.fail(format!("variants[{i}].pricing"), "Pricing is required.");
        }
        if let Some(s) = &v.status {
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
                    c.fail(
                        format!("variants[{i}].{path}"),
                        "Amounts cannot be negative.",
                    );
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, v) in p.variants.iter().enumerate() {
        if !seen.insert(v.variant_sku.trim().to_uppercase()) {
            c.fail(
                format!("variants[{i}].variantSku"),
                format!("The variant SKU {} appears twice.", v.variant_sku.trim()),
            );
        }
    }
    c.finish()?;
    let mut variants = Vec::new();
    for (i, v) in p.variants.iter().enumerate() {
        let tiers = parse_tiers(bu, &format!("variants[{i}].pricing"), &v.pricing)?;
        variants.push(CleanVariant {
            id: opt_trim(v.variant_id.clone()),
            sku: v.variant_sku.trim().to_string(),
            name: v.variant_name.trim().to_string(),
            grade: v.grade.trim().to_uppercase(),
            condition: opt_trim(v.condition.clone()),
            color_name: opt_trim(v.color_name.clone()),
            images: serde_json::to_string(&v.images.clone().unwrap_or_default())?,
            list_price: v
                .list_price
                .map(|m| bu.minor(&format!("variants[{i}].listPrice"), m))
                .transpose()?,
            acquisition_cost: v
                .acquisition_cost
                .map(|m| bu.minor(&format!("variants[{i}].acquisitionCost"), m))
                .transpose()?,
            tiers,
            status: v.status.as_deref().and_then(VariantStatus::parse),
        });
    }
    Ok(CleanProduct {
        id: opt_trim(p.product_id.clone()),
        sku: p.product_sku.trim().to_string(),
        name: p.name.trim().to_string(),
        specification: spec,
        category: p.category.trim().to_string(),
        brand: p.brand.trim().to_string(),
        description: opt_trim(p.description.clone()),
        images: serde_json::to_string(&p.images.clone().unwrap_or_default())?,
        status,
        variants,
    })
}

// ---------------------------------------------------------------------------------------------
