//! Orders: taken at the counter or through the v1 API from active variants, priced from the
//! variant's tier for the contract length, linked to the customer with that email (or creating
//! one), numbered per business unit and desk, then confirmed or cancelled. Totals are monthly;
//! the contract value is shown beside them.

use super::customers::{self, Address, NewCustomer};
use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::status::{CustomerType, ItemRentalStatus, OrderStatus, OrderType};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::services::outbox::{r, NotesBody, Op, OpKind, ReasonBody};
use crate::store::{json_col, next_in_series, record, Db, Entry};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;
use ts_rs::TS;

mod create;
mod read;
mod state;

pub use create::*;
pub use read::*;
pub use state::*;

/// Repeating the same order (same email, same items) within this window returns the first one.
pub const IDEMPOTENCY_WINDOW_SECS: i64 = 120;

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct OrderCustomer {
    pub customer_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub customer_type: CustomerType,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct OrderItem {
    pub product_id: Option<String>,
    pub product_image_url: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub quantity: i64,
    /// Monthly price per unit.
    pub unit_price: Money,
    pub contract_length: i64,
    pub list_price: Option<Money>,
    pub list_price_source: String,
    pub acquisition_cost: Option<Money>,
    pub acquisition_cost_source: String,
    pub list_price_override: Option<Money>,
    pub acquisition_cost_override: Option<Money>,
    pub used_list_price_as_acquisition: bool,
    pub rental_ids: Vec<String>,
    pub rental_status: ItemRentalStatus,
    /// unitPrice × quantity: what this line adds to the monthly subtotal.
    pub line_total: Money,
    /// unitPrice × quantity × contractLength.
    pub contract_value: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub subtotal: Money,
    /// The business unit's tax rate applied, in percent.
    #[ts(type = "string")]
    pub tax_rate: Decimal,
    /// Prices include the tax (true) or it is added on top (false).
    pub tax_inclusive: bool,
    pub tax_amount: Money,
    pub total: Money,
    pub currency: String,
    pub total_devices: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RentalProgress {
    pub total_devices: i64,
    pub rented_devices: i64,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Order {
    pub order_id: String,
    /// Human-friendly number, printed and scannable: `{BU}-{desk}-{000042}`.
    pub order_number: String,
    pub tenant_id: String,
    pub status: OrderStatus,
    pub order_type: OrderType,
    pub customer: OrderCustomer,
    pub billing_address: Address,
    pub shipping_address: Address,
    pub items: Vec<OrderItem>,
    pub totals: Totals,
    /// Σ contract values of the items (monthly × months × quantity).
    pub contract_value: Money,
    /// The prices as they will be invoiced, under the tax rule the order was placed with
    /// (FlexDesk).
    pub prices: Prices,
    #[ts(type = "Record<string, unknown> | null")]
    pub custom_fields: Option<Value>,
    pub rental_progress: RentalProgress,
    pub rental_ids: Vec<String>,
    pub billing_group_id: Option<String>,
    pub notes: Option<String>,
    #[ts(type = "Record<string, unknown>")]
    pub extension_details: Option<Value>,
    #[ts(type = "Record<string, unknown>")]
    pub upgrade_details: Option<Value>,
    pub confirmed_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

// ---------------------------------------------------------------------------------------------
