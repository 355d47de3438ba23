//! Catalog: products, their variants (SKU unique per business unit), a monthly price per contract
//! length (1–120 months), list price and acquisition cost per variant, categories (with the serial
//! format their assets must have), and the product CSV import.
//!
//! Upsert rules follow FlexPortal: a product is matched by `productSku`, its variants by
//! `variantSku`; variants missing from a request stay as they are and are never deleted.

use super::{into_page, opt_trim, parse_limit, BusinessUnit, Ctx, Page, SortDir};
use crate::domain::status::{ProductStatus, SerialFormat, VariantStatus};
use crate::error::{Checks, Error, ErrorCode, FieldError, Result};
use crate::ids::{new_id, prefix};
use crate::money::Money;
use crate::store::{json_col, record, Db, Entry};
use crate::sync::{r, Op};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

// ---------------------------------------------------------------------------------------------
// Read models (the FlexPortal v1 shapes)

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

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct PricingTier {
    pub contract_length: u32,
    pub monthly_price: Money,
    pub setup_fee: Option<Money>,
    pub discount: Option<Discount>,
    pub source: Option<String>,
    pub calculated_at: Option<String>,
    pub preset_used: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Variant {
    pub variant_id: String,
    pub tenant_id: String,
    pub product_id: String,
    pub product_sku: String,
    /// Product name and category, for lists that show variants on their own.
    pub product_name: String,
    pub category: String,
    pub variant_sku: String,
    pub variant_name: String,
    pub grade: String,
    pub condition: Option<String>,
    pub color_name: Option<String>,
    pub images: Vec<String>,
    pub list_price: Option<Money>,
    pub acquisition_cost: Option<Money>,
    pub pricing: Vec<PricingTier>,
    pub status: VariantStatus,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncInfo {
    pub source: String,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Product {
    pub product_id: String,
    pub tenant_id: String,
    pub product_sku: String,
    pub name: String,
    pub specification: String,
    pub category: String,
    pub brand: String,
    pub description: Option<String>,
    pub images: Vec<String>,
    pub status: ProductStatus,
    #[serde(rename = "_sync")]
    #[ts(rename = "_sync")]
    pub sync: SyncInfo,
    pub variants: Vec<Variant>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: String,
    pub name: String,
    pub description: String,
    pub sort_order: i64,
    /// `imei` makes asset intake require a valid 15-digit IMEI.
    pub serial_format: String,
}

// ---------------------------------------------------------------------------------------------
// Write models (lenient: FlexPortal's current and older field names, numbers or strings)

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ProductInput {
    /// The id a desk gave the product, replayed on a hub; made here when absent.
    pub product_id: Option<String>,
    pub product_sku: String,
    pub name: String,
    /// Text, or an object of named specs (kept as JSON text).
    #[ts(type = "string | Record<string, unknown>")]
    pub specification: Value,
    pub category: String,
    pub brand: String,
    pub description: Option<String>,
    pub images: Option<Vec<String>>,
    pub status: Option<String>,
    pub variants: Vec<VariantInput>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct VariantInput {
    /// Names the variant when it is created (a desk's id, replayed on a hub); an existing variant
    /// is found by its SKU, and a different id for it is refused.
    pub variant_id: Option<String>,
    #[serde(alias = "sku")]
    pub variant_sku: String,
    pub variant_name: String,
    pub grade: String,
    pub condition: Option<String>,
    #[serde(alias = "color")]
    pub color_name: Option<String>,
    pub images: Option<Vec<String>>,
    #[serde(alias = "rrp", alias = "deviceRrp")]
    pub list_price: Option<Money>,
    pub acquisition_cost: Option<Money>,
    /// An array of tiers, or a map of contract length to monthly price (`{"12": 89}`).
    #[ts(
        type = "Array<{ contractLength: number, monthlyPrice: string | number, setupFee?: string | number }> | Record<string, string | number>"
    )]
    pub pricing: Value,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VariantResult {
    pub variant_sku: String,
    /// `create` or `update` (the FlexPortal wording for variants).
    pub operation: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpsertResult {
    pub product_id: String,
    pub product_sku: String,
    /// `created` or `updated`.
    pub operation: String,
    pub variant_results: Vec<VariantResult>,
}

// ---------------------------------------------------------------------------------------------
// Validation

struct CleanTier {
    contract_length: u32,
    monthly_price: i64,
    setup_fee: Option<i64>,
    discount: Option<String>,
    source: Option<String>,
    preset_used: Option<String>,
    calculated_at: Option<String>,
}

struct CleanVariant {
    id: Option<String>,
    sku: String,
    name: String,
    grade: String,
    condition: Option<String>,
    color_name: Option<String>,
    images: String,
    list_price: Option<i64>,
    acquisition_cost: Option<i64>,
    tiers: Vec<CleanTier>,
    status: Option<VariantStatus>,
}

struct CleanProduct {
    id: Option<String>,
    sku: String,
    name: String,
    specification: String,
    category: String,
    brand: String,
    description: Option<String>,
    images: String,
    status: Option<ProductStatus>,
    variants: Vec<CleanVariant>,
}

fn spec_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

fn parse_tiers(bu: &BusinessUnit, path: &str, pricing: &Value) -> Result<Vec<CleanTier>> {
    let bad = |msg: String| Error {
        code: ErrorCode::InvalidPricing,
        message: msg.clone(),
        details: vec![FieldError {
            path: path.into(),
            message: msg,
            code: "invalid_pricing".into(),
        }],
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
        let Some(length) = length.filter(|l| (1..=120).contains(l)) else {
            return Err(bad(format!(
                "Contract length {len} must be a whole number of months from 1 to 120."
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

fn clean_product(bu: &BusinessUnit, p: &ProductInput) -> Result<CleanProduct> {
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
// Upsert (shared by the v1 API, the desk and the CSV import)

/// SKU lookups for one write transaction; the CSV import preloads the whole business unit.
#[derive(Default)]
struct SkuIndex {
    preloaded: bool,
    products: HashMap<String, String>,
    variants: HashMap<String, (String, String)>,
    categories: HashMap<String, ()>,
}

impl SkuIndex {
    async fn preload(conn: &mut SqliteConnection, bu_id: &str) -> Result<SkuIndex> {
        let products: Vec<(String, String)> =
            sqlx::query_as("SELECT product_sku, id FROM products WHERE bu_id = ?")
                .bind(bu_id)
                .fetch_all(&mut *conn)
                .await?;
        let variants: Vec<(String, String, String)> =
            sqlx::query_as("SELECT variant_sku, id, product_id FROM variants WHERE bu_id = ?")
                .bind(bu_id)
                .fetch_all(&mut *conn)
                .await?;
        let cats: Vec<(String,)> = sqlx::query_as("SELECT name FROM categories WHERE bu_id = ?")
            .bind(bu_id)
            .fetch_all(&mut *conn)
            .await?;
        Ok(SkuIndex {
            preloaded: true,
            products: products.into_iter().collect(),
            variants: variants
                .into_iter()
                .map(|(s, id, p)| (s, (id, p)))
                .collect(),
            categories: cats.into_iter().map(|(n,)| (n, ())).collect(),
        })
    }
    async fn product(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        sku: &str,
    ) -> Result<Option<String>> {
        if self.preloaded {
            return Ok(self.products.get(sku).cloned());
        }
        Ok(
            sqlx::query_scalar("SELECT id FROM products WHERE bu_id = ? AND product_sku = ?")
                .bind(bu_id)
                .bind(sku)
                .fetch_optional(conn)
                .await?,
        )
    }
    async fn variant(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        sku: &str,
    ) -> Result<Option<(String, String)>> {
        if self.preloaded {
            return Ok(self.variants.get(sku).cloned());
        }
        Ok(sqlx::query_as(
            "SELECT id, product_id FROM variants WHERE bu_id = ? AND variant_sku = ?",
        )
        .bind(bu_id)
        .bind(sku)
        .fetch_optional(conn)
        .await?)
    }
    async fn ensure_category(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        name: &str,
    ) -> Result<()> {
        if self.categories.contains_key(name) {
            return Ok(());
        }
        let lower = name.to_lowercase();
        let format = if lower.contains("phone") || lower.contains("mobile") {
            SerialFormat::Imei
        } else {
            SerialFormat::Any
        };
        sqlx::query("INSERT INTO categories (id, bu_id, name, serial_format) VALUES (?, ?, ?, ?) ON CONFLICT (bu_id, name) DO NOTHING")
            .bind(new_id(prefix::CATEGORY)).bind(bu_id).bind(name).bind(format.as_str())
            .execute(conn).await?;
        self.categories.insert(name.to_string(), ());
        Ok(())
    }
}

/// Variants of open orders (pending, confirmed, partial) cannot be deactivated.
async fn variant_in_open_orders(conn: &mut SqliteConnection, variant_id: &str) -> Result<bool> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.variant_id = ? AND o.status IN ('pending', 'confirmed', 'partial') LIMIT 1",
    )
    .bind(variant_id)
    .fetch_optional(conn)
    .await?;
    Ok(n.is_some())
}

/// Replace the tiers of `replaced` variants and insert `rows` (variant id, tier) in one statement.
async fn write_tiers(
    conn: &mut SqliteConnection,
    replaced: &[String],
    rows: &[(String, &CleanTier)],
) -> Result<()> {
    for chunk in replaced.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM pricing_tiers WHERE variant_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(id);
        }
        qb.push(")");
        qb.build().execute(&mut *conn).await?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    // Chunks keep each statement well under SQLite's limit on bound values.
    for chunk in rows.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO pricing_tiers (variant_id, contract_length, monthly_price, setup_fee, discount, source, preset_used, calculated_at) ");
        qb.push_values(chunk, |mut b, (variant_id, t)| {
            b.push_bind(variant_id)
                .push_bind(t.contract_length)
                .push_bind(t.monthly_price)
                .push_bind(t.setup_fee)
                .push_bind(t.discount.clone())
                .push_bind(t.source.clone())
                .push_bind(t.preset_used.clone())
                .push_bind(t.calculated_at.clone());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `target`: the product being updated through `PUT /products/{id}` (None for create-or-update).
async fn upsert_tx(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    idx: &mut SkuIndex,
    p: CleanProduct,
    target: Option<&str>,
    now: &str,
    audit: bool,
) -> Result<UpsertResult> {
    let bu = &ctx.bu;
    let by_sku = idx.product(conn, &bu.id, &p.sku).await?;
    let product_id = match (target, &by_sku) {
        (Some(t), Some(other)) if other != t => {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The product SKU {} belongs to another product.", p.sku),
            ));
        }
        (Some(t), _) => Some(t.to_string()),
        (None, Some(found)) if p.id.as_deref().is_some_and(|sent| sent != found) => {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The product SKU {} belongs to another product.", p.sku),
            ));
        }
        (None, found) => found.clone(),
    };
    // Check every variant SKU before writing anything.
    let mut plan = Vec::new();
    for v in &p.variants {
        let existing = idx.variant(conn, &bu.id, &v.sku).await?;
        if let (Some((vid, _)), Some(sent)) = (&existing, &v.id) {
            if vid != sent {
                return Err(Error::new(
                    ErrorCode::DuplicateSku,
                    format!("The variant SKU {} belongs to another variant.", v.sku),
                ));
            }
        }
        if let (Some((_, owner)), Some(pid)) = (&existing, &product_id) {
            if owner != pid {
                return Err(Error::new(
                    ErrorCode::DuplicateSku,
                    format!("The variant SKU {} belongs to another product.", v.sku),
                ));
            }
        } else if existing.is_some() {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The variant SKU {} belongs to another product.", v.sku),
            ));
        }
        if let (Some((vid, _)), Some(VariantStatus::Inactive)) = (&existing, v.status) {
            if variant_in_open_orders(conn, vid).await? {
                return Err(Error::new(
                    ErrorCode::VariantInUse,
                    format!(
                        "Variant {} is on open orders and cannot be deactivated.",
                        v.sku
                    ),
                ));
            }
        }
        plan.push(existing.map(|(id, _)| id));
    }
    idx.ensure_category(conn, &bu.id, &p.category).await?;
    let (product_id, operation) = match product_id {
        Some(id) => {
            let n = sqlx::query(
                "UPDATE products SET product_sku = ?, name = ?, specification = ?, category = ?, brand = ?, description = ?, images = ?,
                 status = coalesce(?, status), updated_at = ? WHERE id = ? AND bu_id = ?")
                .bind(&p.sku).bind(&p.name).bind(&p.specification).bind(&p.category).bind(&p.brand).bind(&p.description).bind(&p.images)
                .bind(p.status.map(|s| s.as_str())).bind(now).bind(&id).bind(&bu.id)
                .execute(&mut *conn).await?.rows_affected();
            if n == 0 {
                return Err(Error::not_found("Product", &id));
            }
            (id, "updated")
        }
        None => {
            let id = super::client_id(
                conn,
                ctx,
                "productId",
                p.id.as_deref(),
                prefix::PRODUCT,
                "products",
            )
            .await?;
            sqlx::query(
                "INSERT INTO products (id, bu_id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&id).bind(&bu.id).bind(&p.sku).bind(&p.name).bind(&p.specification).bind(&p.category).bind(&p.brand)
                .bind(&p.description).bind(&p.images).bind(p.status.unwrap_or(ProductStatus::Active).as_str()).bind(now).bind(now)
                .execute(&mut *conn).await?;
            (id, "created")
        }
    };
    idx.products.insert(p.sku.clone(), product_id.clone());
    // Updates one by one; new variants, and the tiers of all variants, in one statement each.
    let mut results = Vec::new();
    let mut fresh = Vec::new();
    let mut tier_rows: Vec<(String, &CleanTier)> = Vec::new();
    let mut replaced = Vec::new();
    let mut updated = Vec::new();
    for (v, existing) in p.variants.iter().zip(plan) {
        let vid = match existing {
            Some(vid) => {
                updated.push((vid.clone(), v));
                replaced.push(vid.clone());
                results.push(VariantResult {
                    variant_sku: v.sku.clone(),
                    operation: "update".into(),
                });
                vid
            }
            None => {
                let vid = super::client_id(
                    conn,
                    ctx,
                    "variantId",
                    v.id.as_deref(),
                    prefix::VARIANT,
                    "variants",
                )
                .await?;
                fresh.push((vid.clone(), v));
                idx.variants
                    .insert(v.sku.clone(), (vid.clone(), product_id.clone()));
                results.push(VariantResult {
                    variant_sku: v.sku.clone(),
                    operation: "create".into(),
                });
                vid
            }
        };
        tier_rows.extend(v.tiers.iter().map(|t| (vid.clone(), t)));
    }
    for fresh in fresh.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO variants (id, bu_id, product_id, variant_sku, variant_name, grade, condition, color_name, images, list_price, acquisition_cost, status, created_at, updated_at) ");
        qb.push_values(fresh, |mut b, (vid, v)| {
            b.push_bind(vid)
                .push_bind(&bu.id)
                .push_bind(&product_id)
                .push_bind(&v.sku)
                .push_bind(&v.name)
                .push_bind(&v.grade)
                .push_bind(&v.condition)
                .push_bind(&v.color_name)
                .push_bind(&v.images)
                .push_bind(v.list_price)
                .push_bind(v.acquisition_cost)
                .push_bind(v.status.unwrap_or(VariantStatus::Active).as_str())
                .push_bind(now)
                .push_bind(now);
        });
        qb.build().execute(&mut *conn).await?;
    }
    for chunk in updated.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE variants SET variant_name = u.column2, grade = u.column3, condition = u.column4, color_name = u.column5, images = u.column6,
             list_price = u.column7, acquisition_cost = u.column8, status = coalesce(u.column9, variants.status), updated_at = u.column10 FROM (");
        qb.push_values(chunk, |mut b, (vid, v)| {
            b.push_bind(vid)
                .push_bind(&v.name)
                .push_bind(&v.grade)
                .push_bind(&v.condition)
                .push_bind(&v.color_name)
                .push_bind(&v.images)
                .push_bind(v.list_price)
                .push_bind(v.acquisition_cost)
                .push_bind(v.status.map(|s| s.as_str()))
                .push_bind(now);
        });
        qb.push(") AS u WHERE variants.id = u.column1");
        qb.build().execute(&mut *conn).await?;
    }
    write_tiers(conn, &replaced, &tier_rows).await?;
    if audit {
        let created = results.iter().filter(|r| r.operation == "create").count();
        record(
            conn,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "product",
                entity_id: &product_id,
                action: operation,
                summary: format!(
                    "{} {} ({} variants, {} new)",
                    p.name,
                    operation,
                    results.len(),
                    created
                ),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    if crate::sync::wanted(conn, ctx).await? {
        let body = product_body(&product_in(conn, bu, &product_id).await?);
        let op = match target {
            Some(t) => Op::put(format!("/v1/products/{t}"), body),
            None => Op::post("/v1/products", body),
        };
        crate::sync::record(
            conn,
            ctx,
            op.touching([r("product", &product_id)])
                .saying(format!("Product {} {operation}", p.sku)),
        )
        .await?;
    }
    Ok(UpsertResult {
        product_id,
        product_sku: p.sku,
        operation: operation.into(),
        variant_results: results,
    })
}

/// Create a product, or update the one with the same `productSku` (FlexPortal's upsert).
pub async fn save_product(db: &Db, ctx: &Ctx, input: ProductInput) -> Result<UpsertResult> {
    let clean = clean_product(&ctx.bu, &input)?;
    let mut tx = db.write().await?;
    let now = ctx.now.clone();
    let r = upsert_tx(
        &mut tx,
        ctx,
        &mut SkuIndex::default(),
        clean,
        None,
        &now,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Update the product with this id (`PUT /v1/products/{id}`).
pub async fn update_product(
    db: &Db,
    ctx: &Ctx,
    product_id: &str,
    input: ProductInput,
) -> Result<UpsertResult> {
    let clean = clean_product(&ctx.bu, &input)?;
    let mut tx = db.write().await?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM products WHERE id = ? AND bu_id = ?")
            .bind(product_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    exists.ok_or_else(|| Error::not_found("Product", product_id))?;
    let now = ctx.now.clone();
    let r = upsert_tx(
        &mut tx,
        ctx,
        &mut SkuIndex::default(),
        clean,
        Some(product_id),
        &now,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Soft delete: the product becomes `discontinued` and all its variants `inactive`.
pub async fn delete_product(db: &Db, ctx: &Ctx, product_id: &str) -> Result<(String, String)> {
    let mut tx = db.write().await?;
    let sku: Option<String> =
        sqlx::query_scalar("SELECT product_sku FROM products WHERE id = ? AND bu_id = ?")
            .bind(product_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    let sku = sku.ok_or_else(|| Error::not_found("Product", product_id))?;
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id JOIN variants v ON v.id = i.variant_id
         WHERE v.product_id = ? AND o.status IN ('pending', 'confirmed', 'partial') LIMIT 1")
        .bind(product_id).fetch_optional(&mut *tx).await?;
    if open.is_some() {
        return Err(Error::new(
            ErrorCode::ProductHasActiveOrders,
            format!("Product {sku} is on open orders; cancel or fulfil them first."),
        ));
    }
    let now = ctx.now.clone();
    sqlx::query("UPDATE products SET status = 'discontinued', updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE variants SET status = 'inactive', updated_at = ? WHERE product_id = ?")
        .bind(&now)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "product",
            entity_id: product_id,
            action: "discontinued",
            summary: format!("Product {sku} discontinued; its variants are inactive"),
            before: None,
            after: None,
        },
    )
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::delete(format!("/v1/products/{product_id}"))
            .touching([r("product", product_id)])
            .saying(format!("Product {sku} discontinued")),
    )
    .await?;
    tx.commit().await?;
    Ok((product_id.to_string(), sku))
}

/// Turn one variant on or off (off is refused while it is on open orders).
pub async fn set_variant_status(
    db: &Db,
    ctx: &Ctx,
    variant_id: &str,
    status: VariantStatus,
) -> Result<Variant> {
    let mut tx = db.write().await?;
    let cur: Option<(String, String)> =
        sqlx::query_as("SELECT status, variant_sku FROM variants WHERE id = ? AND bu_id = ?")
            .bind(variant_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    let (cur, sku) = cur.ok_or_else(|| Error::not_found("Variant", variant_id))?;
    if status == VariantStatus::Inactive && variant_in_open_orders(&mut tx, variant_id).await? {
        return Err(Error::new(
            ErrorCode::VariantInUse,
            format!("Variant {sku} is on open orders and cannot be deactivated."),
        ));
    }
    let now = ctx.now.clone();
    sqlx::query("UPDATE variants SET status = ?, updated_at = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(&now)
        .bind(variant_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "variant",
            entity_id: variant_id,
            action: "status_changed",
            summary: format!("Variant {sku}: {cur} → {status}"),
            before: Some(serde_json::json!({"status": cur})),
            after: Some(serde_json::json!({"status": status})),
        },
    )
    .await?;
    if crate::sync::wanted(&mut tx, ctx).await? {
        // No v1 operation turns one variant on or off: the product is sent whole.
        let pid: String = sqlx::query_scalar("SELECT product_id FROM variants WHERE id = ?")
            .bind(variant_id)
            .fetch_one(&mut *tx)
            .await?;
        let body = product_body(&product_in(&mut tx, &ctx.bu, &pid).await?);
        crate::sync::record(
            &mut tx,
            ctx,
            Op::put(format!("/v1/products/{pid}"), body)
                .touching([r("product", &pid)])
                .saying(format!("Variant {sku} {status}")),
        )
        .await?;
    }
    tx.commit().await?;
    let mut v = load_variants(
        db.pool(),
        &ctx.bu,
        VariantScope::Ids(&[variant_id.to_string()]),
    )
    .await?;
    v.pop()
        .ok_or_else(|| Error::not_found("Variant", variant_id))
}

// ---------------------------------------------------------------------------------------------
// Reads

#[derive(sqlx::FromRow)]
struct VariantRow {
    id: String,
    product_id: String,
    product_sku: String,
    product_name: String,
    category: String,
    variant_sku: String,
    variant_name: String,
    grade: String,
    condition: Option<String>,
    color_name: Option<String>,
    images: String,
    list_price: Option<i64>,
    acquisition_cost: Option<i64>,
    status: String,
    created_at: String,
    updated_at: String,
    /// The variant's tiers as one JSON array (one row per variant keeps list pages cheap).
    tiers: String,
}

const VARIANT_COLS: &str = "v.id, v.product_id, p.product_sku, p.name AS product_name, p.category, v.variant_sku, v.variant_name, v.grade, v.condition, v.color_name, v.images,
     v.list_price, v.acquisition_cost, v.status, v.created_at, v.updated_at,
     (SELECT json_group_array(json_array(t.contract_length, t.monthly_price, t.setup_fee, t.discount, t.source, t.preset_used, t.calculated_at))
        FROM (SELECT * FROM pricing_tiers t WHERE t.variant_id = v.id ORDER BY t.contract_length) t) AS tiers";

enum VariantScope<'a> {
    Ids(&'a [String]),
    Products(&'a [String]),
}

async fn load_variants<'e, E>(
    exec: E,
    bu: &BusinessUnit,
    scope: VariantScope<'_>,
) -> Result<Vec<Variant>>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let (col, ids) = match scope {
        VariantScope::Ids(ids) => ("v.id", ids),
        VariantScope::Products(ids) => ("v.product_id", ids),
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<VariantRow> = sqlx::query_as(&format!(
        "SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = ? AND {col} IN (SELECT value FROM json_each(?)) ORDER BY v.variant_sku"))
        .bind(&bu.id).bind(serde_json::to_string(ids)?).fetch_all(exec).await?;
    rows_to_variants(bu, rows)
}

type TierTuple = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn rows_to_variants(bu: &BusinessUnit, rows: Vec<VariantRow>) -> Result<Vec<Variant>> {
    let mut tiers: HashMap<String, Vec<PricingTier>> = HashMap::new();
    for r in &rows {
        let list: Vec<TierTuple> = serde_json::from_str(&r.tiers)
            .map_err(|e| Error::internal(format!("tiers of {}: {e}", r.id)))?;
        tiers.insert(
            r.id.clone(),
            list.into_iter()
                .map(
                    |(len, price, fee, discount, source, preset, at)| PricingTier {
                        contract_length: len as u32,
                        monthly_price: bu.money(price),
                        setup_fee: bu.money_opt(fee),
                        discount: json_col(discount.as_deref()),
                        source,
                        calculated_at: at,
                        preset_used: preset,
                    },
                )
                .collect(),
        );
    }
    Ok(rows
        .into_iter()
        .map(|r| Variant {
            pricing: tiers.remove(&r.id).unwrap_or_default(),
            variant_id: r.id,
            tenant_id: bu.id.clone(),
            product_id: r.product_id,
            product_sku: r.product_sku,
            product_name: r.product_name,
            category: r.category,
            variant_sku: r.variant_sku,
            variant_name: r.variant_name,
            grade: r.grade,
            condition: r.condition,
            color_name: r.color_name,
            images: json_col(Some(&r.images)).unwrap_or_default(),
            list_price: bu.money_opt(r.list_price),
            acquisition_cost: bu.money_opt(r.acquisition_cost),
            status: VariantStatus::parse(&r.status).unwrap_or(VariantStatus::Inactive),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    product_sku: String,
    name: String,
    specification: String,
    category: String,
    brand: String,
    description: Option<String>,
    images: String,
    status: String,
    created_at: String,
    updated_at: String,
}

const PRODUCT_COLS: &str = "id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at";

async fn with_variants<'e, E>(
    exec: E,
    bu: &BusinessUnit,
    rows: Vec<ProductRow>,
) -> Result<Vec<Product>>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_product: HashMap<String, Vec<Variant>> = HashMap::new();
    for v in load_variants(exec, bu, VariantScope::Products(&ids)).await? {
        by_product.entry(v.product_id.clone()).or_default().push(v);
    }
    Ok(rows
        .into_iter()
        .map(|r| Product {
            variants: by_product.remove(&r.id).unwrap_or_default(),
            product_id: r.id,
            tenant_id: bu.id.clone(),
            product_sku: r.product_sku,
            name: r.name,
            specification: r.specification,
            category: r.category,
            brand: r.brand,
            description: r.description,
            images: json_col(Some(&r.images)).unwrap_or_default(),
            status: ProductStatus::parse(&r.status).unwrap_or(ProductStatus::Discontinued),
            sync: SyncInfo {
                source: "manual".into(),
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

pub async fn get_product(db: &Db, bu: &BusinessUnit, product_id: &str) -> Result<Product> {
    product_in(&mut *db.pool().acquire().await?, bu, product_id).await
}

async fn product_in(conn: &mut SqliteConnection, bu: &BusinessUnit, id: &str) -> Result<Product> {
    let row: Option<ProductRow> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLS} FROM products WHERE id = ? AND bu_id = ?"
    ))
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Product", id))?;
    Ok(with_variants(conn, bu, vec![row]).await?.remove(0))
}

/// A product as the body of its create or update (`POST /v1/products`, `PUT`): the fields its
/// owner sets, with the ids of the product and its variants.
fn product_body(p: &Product) -> Value {
    let mut v = crate::money::to_wire_value(p);
    let strip = |o: &mut Value, keys: &[&str]| {
        if let Some(o) = o.as_object_mut() {
            for k in keys {
                o.remove(*k);
            }
        }
    };
    strip(&mut v, &["tenantId", "_sync", "createdAt", "updatedAt"]);
    for var in v
        .get_mut("variants")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        strip(
            var,
            &[
                "tenantId",
                "productId",
                "productSku",
                "productName",
                "category",
                "createdAt",
                "updatedAt",
            ],
        );
    }
    v
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ProductQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    /// Desk search over name and SKU.
    pub q: Option<String>,
}

pub async fn list_products(db: &Db, bu: &BusinessUnit, q: &ProductQuery) -> Result<Page<Product>> {
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {PRODUCT_COLS} FROM products p WHERE p.bu_id = "
    ));
    qb.push_bind(bu.id.clone());
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        ProductStatus::parse_field("status", s)?;
        qb.push(" AND p.status = ").push_bind(s.to_string());
    }
    if let Some(c) = q.category.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.category = ").push_bind(c.to_string());
    }
    if let Some(b) = q.brand.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.brand = ").push_bind(b.to_string());
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", text.replace(['%', '_'], ""));
        qb.push(" AND (p.name LIKE ").push_bind(like.clone()).push(" OR p.product_sku LIKE ").push_bind(like.clone())
            .push(" OR p.brand LIKE ").push_bind(like.clone())
            .push(" OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND (v.variant_sku LIKE ").push_bind(like.clone())
            .push(" OR v.variant_name LIKE ").push_bind(like).push(")))");
    }
    super::changed_since(
        &mut qb,
        "p",
        "id",
        "product",
        &bu.id,
        q.changed_since.as_deref(),
    )?;
    super::keyset_tail(
        db,
        &mut qb,
        "products",
        "p",
        "id",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let rows: Vec<ProductRow> = qb.build_query_as().fetch_all(db.pool()).await?;
    let products = with_variants(db.pool(), bu, rows).await?;
    Ok(into_page(products, limit, |p| p.product_id.clone()))
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct VariantQuery {
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub product_sku: Option<String>,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub sku: Option<String>,
    /// Desk search over SKU, variant and product names.
    pub q: Option<String>,
}

pub async fn list_variants(db: &Db, bu: &BusinessUnit, q: &VariantQuery) -> Result<Page<Variant>> {
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = "));
    qb.push_bind(bu.id.clone());
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        VariantStatus::parse_field("status", s)?;
        qb.push(" AND v.status = ").push_bind(s.to_string());
    }
    if let Some(s) = q.product_sku.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.product_sku = ").push_bind(s.to_string());
    }
    if let Some(s) = q.grade.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND v.grade = ").push_bind(s.to_uppercase());
    }
    if let Some(s) = q.category.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.category = ").push_bind(s.to_string());
    }
    if let Some(s) = q.brand.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.brand = ").push_bind(s.to_string());
    }
    if let Some(s) = q.sku.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND v.variant_sku = ").push_bind(s.to_string());
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", text.replace(['%', '_'], ""));
        qb.push(" AND (v.variant_sku LIKE ")
            .push_bind(like.clone())
            .push(" OR v.variant_name LIKE ")
            .push_bind(like.clone())
            .push(" OR p.name LIKE ")
            .push_bind(like.clone())
            .push(" OR p.brand LIKE ")
            .push_bind(like)
            .push(")");
    }
    super::keyset_tail(
        db,
        &mut qb,
        "variants",
        "v",
        "id",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let rows: Vec<VariantRow> = qb.build_query_as().fetch_all(db.pool()).await?;
    let variants = rows_to_variants(bu, rows)?;
    Ok(into_page(variants, limit, |v| v.variant_id.clone()))
}

/// The active variant with this SKU, with its tiers (orders and asset intake use it).
pub async fn variant_by_sku(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    sku: &str,
) -> Result<Option<Variant>> {
    let row: Option<VariantRow> = sqlx::query_as(&format!("SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = ? AND v.variant_sku = ?"))
        .bind(&bu.id).bind(sku.trim()).fetch_optional(&mut *conn).await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(rows_to_variants(bu, vec![r])?.pop()),
    }
}

/// A variant that can be rented out now: `VARIANT_NOT_FOUND` for an unknown SKU,
/// `VARIANT_INACTIVE` when it or its product is no longer offered (orders and upgrades).
pub async fn offered_variant(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    sku: &str,
) -> Result<Variant> {
    let sku = sku.trim();
    let v = variant_by_sku(&mut *conn, bu, sku).await?.ok_or_else(|| {
        Error::new(
            ErrorCode::VariantNotFound,
            format!("No variant has the SKU {sku}."),
        )
    })?;
    let product_active: Option<String> =
        sqlx::query_scalar("SELECT status FROM products WHERE id = ?")
            .bind(&v.product_id)
            .fetch_optional(&mut *conn)
            .await?;
    if v.status != VariantStatus::Active || product_active.as_deref() != Some("active") {
        return Err(Error::new(
            ErrorCode::VariantInactive,
            format!("{} ({sku}) is not offered any more.", v.variant_name),
        ));
    }
    Ok(v)
}

pub async fn list_categories(db: &Db, bu: &BusinessUnit) -> Result<Vec<Category>> {
    Ok(sqlx::query_as("SELECT id, name, description, sort_order, serial_format FROM categories WHERE bu_id = ? ORDER BY sort_order, name")
        .bind(&bu.id).fetch_all(db.pool()).await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct CategoryInput {
    pub name: String,
    pub description: Option<String>,
    pub sort_order: Option<i64>,
    pub serial_format: Option<SerialFormat>,
}

/// Create or update a category by name.
pub async fn save_category(db: &Db, ctx: &Ctx, input: CategoryInput) -> Result<Category> {
    let mut c = Checks::new();
    c.require("name", &input.name, "Name");
    c.max_len("name", &input.name, 80, "Name");
    c.finish()?;
    let name = input.name.trim().to_string();
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO categories (id, bu_id, name, description, sort_order, serial_format) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (bu_id, name) DO UPDATE SET description = excluded.description, sort_order = excluded.sort_order, serial_format = excluded.serial_format")
        .bind(new_id(prefix::CATEGORY)).bind(&ctx.bu.id).bind(&name).bind(input.description.unwrap_or_default())
        .bind(input.sort_order.unwrap_or(0)).bind(input.serial_format.unwrap_or(SerialFormat::Any).as_str())
        .execute(&mut *tx).await?;
    let cat: Category = sqlx::query_as("SELECT id, name, description, sort_order, serial_format FROM categories WHERE bu_id = ? AND name = ?")
        .bind(&ctx.bu.id).bind(&name).fetch_one(&mut *tx).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "category",
            entity_id: &cat.id,
            action: "saved",
            summary: format!("Category {name} saved (serials: {})", cat.serial_format),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(cat)
}

/// Serial format required for assets of a variant's category.
pub async fn serial_format_of(
    conn: &mut SqliteConnection,
    bu_id: &str,
    category: &str,
) -> Result<SerialFormat> {
    let f: Option<String> =
        sqlx::query_scalar("SELECT serial_format FROM categories WHERE bu_id = ? AND name = ?")
            .bind(bu_id)
            .bind(category)
            .fetch_optional(conn)
            .await?;
    Ok(f.as_deref()
        .and_then(SerialFormat::parse)
        .unwrap_or(SerialFormat::Any))
}

// ---------------------------------------------------------------------------------------------
// CSV import

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub row: usize,
    pub sku: Option<String>,
    pub error: String,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub total_rows: usize,
    pub products_created: usize,
    pub products_updated: usize,
    pub variants_created: usize,
    pub variants_updated: usize,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub success: bool,
    pub message: String,
    /// Rows (variants) created and updated.
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<RowError>,
    pub summary: ImportSummary,
    /// True when nothing was written (a dry run, or all-or-nothing with errors).
    pub rolled_back: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportOptions {
    /// Check everything and write nothing.
    pub dry_run: bool,
    /// Write nothing if any row has an error.
    pub all_or_nothing: bool,
}

/// Import products from CSV (the FlexPortal column set). The whole file is one transaction: a
/// crash leaves nothing half-imported. Rows with errors are reported by line and skipped (or, with
/// `allOrNothing`, make the import write nothing); a product whose rows disagree is refused whole.
pub async fn import_csv(
    db: &Db,
    ctx: &Ctx,
    data: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport> {
    let bu = &ctx.bu;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid("csvFile", format!("The file is not CSV: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required = [
        "Product Name",
        "Product SKU",
        "Category",
        "Brand",
        "Specification",
        "Variant SKU",
        "List Price",
        "Acquisition Cost",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|h| col(h).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "csvFile",
            format!("The header row lacks: {}.", missing.join(", ")),
        ));
    }
    let price_cols: Vec<(u32, usize)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.to_ascii_lowercase();
            let n = h
                .strip_suffix("mo_price")?
                .trim_end_matches('_')
                .parse::<u32>()
                .ok()?;
            Some((n, i))
        })
        .collect();
    if price_cols.is_empty() {
        return Err(Error::invalid(
            "csvFile",
            "The header row has no price column (for example 12mo_Price).",
        ));
    }
    let (c_name, c_psku, c_cat, c_brand, c_spec, c_vsku, c_list, c_cost) = (
        col("Product Name").unwrap(),
        col("Product SKU").unwrap(),
        col("Category").unwrap(),
        col("Brand").unwrap(),
        col("Specification").unwrap(),
        col("Variant SKU").unwrap(),
        col("List Price").unwrap(),
        col("Acquisition Cost").unwrap(),
    );
    let (c_grade, c_color, c_vname, c_desc) = (
        col("Grade"),
        col("Color"),
        col("Variant Name"),
        col("Description"),
    );

    let mut errors = Vec::new();
    let mut total_rows = 0;
    // Product SKU -> (first line, input, lines of its variants)
    let mut groups: BTreeMap<String, (usize, ProductInput, Vec<usize>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        total_rows += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row: line,
                    sku: None,
                    error: format!("Unreadable row: {e}"),
                });
                continue;
            }
        };
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let vsku = get(c_vsku);
        let mut problems = Vec::new();
        for (label, c) in [
            ("Product Name", c_name),
            ("Product SKU", c_psku),
            ("Category", c_cat),
            ("Brand", c_brand),
            ("Specification", c_spec),
            ("Variant SKU", c_vsku),
        ] {
            if get(c).is_empty() {
                problems.push(format!("{label} is empty"));
            }
        }
        let money = |label: &str, text: String, problems: &mut Vec<String>| -> Option<Money> {
            if text.is_empty() {
                problems.push(format!("{label} is empty"));
                return None;
            }
            match crate::money::parse_amount(&text) {
                Ok(m) if !m.is_negative() => Some(m),
                _ => {
                    problems.push(format!("{label} '{text}' is not an amount"));
                    None
                }
            }
        };
        let list_price = money("List Price", get(c_list), &mut problems);
        let cost = money("Acquisition Cost", get(c_cost), &mut problems);
        let mut pricing = serde_json::Map::new();
        for (months, c) in &price_cols {
            let t = get(*c);
            if t.is_empty() {
                continue;
            }
            match crate::money::parse_amount(&t) {
                Ok(m) if !m.is_negative() => {
                    pricing.insert(months.to_string(), Value::String(m.to_string()));
                }
                _ => problems.push(format!("{months}mo_Price '{t}' is not an amount")),
            }
        }
        if pricing.is_empty() {
            problems.push("no monthly price is given".into());
        }
        if !problems.is_empty() {
            errors.push(RowError {
                row: line,
                sku: Some(vsku).filter(|s| !s.is_empty()),
                error: problems.join("; ") + ".",
            });
            continue;
        }
        let psku = get(c_psku);
        let grade = c_grade
            .map(get)
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| "A".into());
        let color = c_color.map(get).filter(|s| !s.is_empty());
        let vname = c_vname
            .map(get)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                [
                    Some(get(c_name)),
                    color.clone(),
                    Some(format!("Grade {grade}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
            });
        let variant = VariantInput {
            variant_sku: vsku,
            variant_name: vname,
            grade,
            color_name: color,
            list_price,
            acquisition_cost: cost,
            pricing: Value::Object(pricing),
            ..Default::default()
        };
        let entry = groups.entry(psku.clone()).or_insert_with(|| {
            order.push(psku.clone());
            (
                line,
                ProductInput {
                    product_sku: psku.clone(),
                    name: get(c_name),
                    specification: Value::String(get(c_spec)),
                    category: get(c_cat),
                    brand: get(c_brand),
                    description: c_desc.map(get).filter(|s| !s.is_empty()),
                    ..Default::default()
                },
                Vec::new(),
            )
        });
        entry.1.variants.push(variant);
        entry.2.push(line);
    }

    let mut tx = db.write().await?;
    let mut idx = SkuIndex::preload(&mut tx, &bu.id).await?;
    let mut summary = ImportSummary {
        total_rows,
        ..Default::default()
    };
    let now = ctx.now.clone();
    for psku in order {
        let (first_line, input, lines) = groups.remove(&psku).expect("grouped");
        let result = match clean_product(bu, &input) {
            // `upsert_tx` refuses a product before its first write, so a refused product leaves no
            // trace; a storage error after that fails the whole import (one transaction).
            Ok(clean) => upsert_tx(&mut tx, ctx, &mut idx, clean, None, &now, true).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => {
                if r.operation == "created" {
                    summary.products_created += 1
                } else {
                    summary.products_updated += 1
                }
                for v in &r.variant_results {
                    if v.operation == "create" {
                        summary.variants_created += 1
                    } else {
                        summary.variants_updated += 1
                    }
                }
            }
            Err(e) => {
                let detail = e
                    .details
                    .first()
                    .map(|d| format!(" ({})", d.path))
                    .unwrap_or_default();
                for (line, v) in lines.iter().zip(&input.variants) {
                    errors.push(RowError {
                        row: *line,
                        sku: Some(v.variant_sku.clone()),
                        error: format!("Product {psku} (line {first_line}): {}{detail}", e.message),
                    });
                }
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    let rolled_back = opts.dry_run || (opts.all_or_nothing && !errors.is_empty());
    if rolled_back {
        tx.rollback().await?;
    } else {
        record(
            &mut tx,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "import",
                entity_id: &new_id("imp"),
                action: "products_imported",
                summary: format!(
                    "CSV import: {} rows, {} products created, {} updated, {} errors",
                    total_rows,
                    summary.products_created,
                    summary.products_updated,
                    errors.len()
                ),
                before: None,
                after: Some(serde_json::to_value(&summary)?),
            },
        )
        .await?;
        tx.commit().await?;
    }
    let created = if rolled_back {
        0
    } else {
        summary.variants_created
    };
    let updated = if rolled_back {
        0
    } else {
        summary.variants_updated
    };
    let message = if opts.dry_run {
        format!(
            "Checked {total_rows} rows: {} errors; nothing was written.",
            errors.len()
        )
    } else if rolled_back {
        format!("{} rows have errors; nothing was imported.", errors.len())
    } else {
        format!("Imported {total_rows} rows: {created} variants created, {updated} updated, {} rows skipped.", errors.len())
    };
    Ok(ImportReport {
        success: errors.is_empty(),
        message,
        created,
        updated,
        errors,
        summary,
        rolled_back,
    })
}
