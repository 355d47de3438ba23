//! Catalog: products, their variants (SKU unique per business unit), a monthly price per contract
//! length (1–120 months), list price and acquisition cost per variant, categories (with the serial
//! format their assets must have), and the product CSV import.
//!
//! Upsert rules follow FlexPortal: a product is matched by `productSku`, its variants by
//! `variantSku`; variants missing from a request stay as they are and are never deleted.

use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::status::{ProductStatus, SerialFormat, VariantStatus};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::{new_id, prefix};
use crate::money::Money;
use crate::services::outbox::{r, Op, OpKind};
use crate::store::{json_col, record, Db, Entry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

mod categories;
mod import;
mod read;
mod validate;
mod write;

pub use categories::*;
pub use import::*;
pub use read::*;
use validate::*;
pub use write::*;

// ---------------------------------------------------------------------------------------------
// Read models (the FlexPortal v1 shapes)

pub use crate::domain::catalog::Discount;

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
    /// Units of this SKU available to rent now (FlexDesk; given by the desk's variant search).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub in_stock: Option<i64>,
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
    /// `any`, `alphanumeric`, `digits`, or `imei` (15 digits with a check digit).
    pub serial_format: String,
    /// Shortest serial accepted.
    pub serial_min_length: i64,
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
