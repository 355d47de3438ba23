//! Assets: physical units identified by serial number (unique per business unit), from intake
//! to sale or retirement. Intake takes a scanned or typed serial (normalised; IMEI-checked for
//! phone categories); hand edits may move an asset only along the transitions the domain allows,
//! and never while it is on a subscription.

use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::serial;
use crate::domain::status::{AssetCondition, AssetStatus, VariantStatus};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::money::Money;
use crate::services::list::{total, Keyset, Paging, Sorts};
use crate::store::{record, Db, Entry};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use ts_rs::TS;

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Asset {
    pub serial_number: String,
    pub tenant_id: String,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub status: AssetStatus,
    pub location: Option<String>,
    pub condition: Option<String>,
    pub customer_id: Option<String>,
    pub rental_id: Option<String>,
    pub notes: Option<String>,
    pub acquisition_cost: Option<Money>,
    pub acquisition_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    serial_number: String,
    product_id: Option<String>,
    variant_id: Option<String>,
    sku: String,
    product_name: String,
    status: String,
    location: Option<String>,
    condition: Option<String>,
    customer_id: Option<String>,
    rental_id: Option<String>,
    notes: Option<String>,
    acquisition_cost: Option<i64>,
    acquisition_date: Option<String>,
    created_at: String,
    updated_at: String,
}

const COLS: &str = "a.serial_number, a.product_id, a.variant_id, a.sku, a.product_name, a.status, a.location, a.condition, a.customer_id, a.rental_id,
    a.notes, a.acquisition_cost, a.acquisition_date, a.created_at, a.updated_at";

fn to_asset(bu: &BusinessUnit, r: Row) -> Asset {
    Asset {
        tenant_id: bu.id.clone(),
        status: AssetStatus::parse(&r.status).unwrap_or(AssetStatus::Unavailable),
        acquisition_cost: bu.money_opt(r.acquisition_cost),
        serial_number: r.serial_number,
        product_id: r.product_id,
        variant_id: r.variant_id,
        sku: r.sku,
        product_name: r.product_name,
        location: r.location,
        condition: r.condition,
        customer_id: r.customer_id,
        rental_id: r.rental_id,
        notes: r.notes,
        acquisition_date: r.acquisition_date,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

pub(crate) async fn find(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    serial_number: &str,
) -> Result<Option<Asset>> {
    let Ok(sn) = serial::normalize(serial_number) else {
        return Ok(None);
    };
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM assets a WHERE a.bu_id = ? AND a.serial_number = ?"
    ))
    .bind(&bu.id)
    .bind(&sn)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| to_asset(bu, r)))
}

/// Exact lookup by serial (as scanned: it is normalised first).
pub async fn get(db: &Db, bu: &BusinessUnit, serial_number: &str) -> Result<Asset> {
    let mut conn = db.pool().acquire().await?;
    find(&mut conn, bu, serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", serial_number.trim()))
}

mod correct;
mod import;
mod write;
pub use correct::correct_serial;
pub use correct::CorrectSerial;
pub use import::*;
pub use write::*;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct AssetQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub sku: Option<String>,
    pub customer_id: Option<String>,
    pub rental_id: Option<String>,
    pub location: Option<String>,
    /// Serial numbers starting with this text.
    pub q: Option<String>,
    /// FlexDesk: `createdAt` (default) or `serialNumber`.
    pub sort_by: Option<String>,
    /// FlexDesk: count every matching asset (`total` of the page).
    pub include_total: Option<bool>,
}

/// The assets' list orders (`sortBy`): when taken in, or by serial number.
const ASSET_SORTS: Sorts = &[
    ("createdAt", "created_at"),
    ("serialNumber", "serial_number"),
    ("status", "status, created_at"),
];

pub async fn list(db: &Db, bu: &BusinessUnit, q: &AssetQuery) -> Result<Page<Asset>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {select} FROM assets a WHERE a.bu_id = "));
        qb.push_bind(bu.id.clone());
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            AssetStatus::parse_field("status", s)?;
            qb.push(" AND a.status = ").push_bind(s.to_string());
        }
        if let Some(s) = q.sku.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND a.sku = ").push_bind(s.trim().to_string());
        }
        if let Some(s) = q.customer_id.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND a.customer_id = ").push_bind(s.to_string());
        }
        if let Some(s) = q.rental_id.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND a.rental_id = ").push_bind(s.to_string());
        }
        if let Some(s) = q.location.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND a.location = ").push_bind(s.to_string());
        }
        if let Some(s) =
            q.q.as_deref()
                .map(|s| s.trim().to_uppercase())
                .filter(|s| !s.is_empty())
        {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            qb.push(" AND a.serial_number >= ")
                .push_bind(s.clone())
                .push(" AND a.serial_number < ")
                .push_bind(format!("{s}\u{10FFFF}"));
        }
        Ok(qb)
    };
    const ASSETS: Keyset = Keyset {
        key: "serial_number",
        ..Keyset::of("assets", "a", "asset")
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = ASSETS
        .sorted(ASSET_SORTS, q.sort_by.as_deref())?
        .rows_on(&mut conn, filtered(COLS)?, &bu.id, &p)
        .await?;
    let assets = rows.into_iter().map(|r| to_asset(bu, r)).collect();
    let mut page = p.page(assets, |a: &Asset| a.serial_number.clone());
    if q.include_total == Some(true) {
        page.total = Some(total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
}
