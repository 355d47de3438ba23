//! Product input made clean for the store: the rules are the domain's (`domain/catalog.rs`);
//! here a request's fields are handed to them and the checked values trimmed into rows.

use super::*;
use crate::domain::catalog::{check_product, parse_tiers, spec_text, ProductFields, VariantFields};

pub(super) use crate::domain::catalog::CleanTier;

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

pub(super) fn clean_product(bu: &BusinessUnit, p: &ProductInput) -> Result<CleanProduct> {
    let spec = spec_text(&p.specification);
    let status = check_product(&ProductFields {
        sku: &p.product_sku,
        name: &p.name,
        specification: &spec,
        category: &p.category,
        brand: &p.brand,
        status: p.status.as_deref(),
        variants: p
            .variants
            .iter()
            .map(|v| VariantFields {
                sku: &v.variant_sku,
                name: &v.variant_name,
                grade: &v.grade,
                has_pricing: !v.pricing.is_null(),
                status: v.status.as_deref(),
                list_price: v.list_price,
                acquisition_cost: v.acquisition_cost,
            })
            .collect(),
    })?;
    let mut variants = Vec::new();
    for (i, v) in p.variants.iter().enumerate() {
        let tiers = parse_tiers(bu.amounts(), &format!("variants[{i}].pricing"), &v.pricing)?;
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
