//! Assets: physical units identified by serial number (unique per business unit), from intake
//! to sale or retirement. Intake takes a scanned or typed serial (normalised; IMEI-checked for
//! phone categories); hand edits may move an asset only along the transitions the domain allows,
//! and never while it is on a subscription.

use super::{opt_trim, BusinessUnit, Ctx, Page};
use crate::domain::serial;
use crate::domain::status::{AssetCondition, AssetStatus, SerialFormat, VariantStatus};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::money::Money;
use crate::services::list::{Keyset, Paging};
use crate::services::outbox::{r, Op, OpKind};
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct AssetInput {
    pub serial_number: String,
    pub sku: String,
    /// `available` (default) or `unavailable` at intake.
    pub status: Option<String>,
    pub location: Option<String>,
    pub condition: Option<String>,
    pub notes: Option<String>,
    /// Defaults to the variant's acquisition cost.
    pub acquisition_cost: Option<Money>,
    /// YYYY-MM-DD; defaults to today.
    pub acquisition_date: Option<String>,
}

fn parse_date(path: &str, s: &str) -> Result<String> {
    super::parse_day(path, s).map(super::day_text)
}

fn check_condition(c: &mut Checks, cond: &Option<String>) {
    if let Some(x) = cond.as_deref().filter(|s| !s.trim().is_empty()) {
        if AssetCondition::parse(&x.trim().to_lowercase()).is_none() {
            c.fail(
                "condition",
                "Condition must be new, excellent, good, fair, poor or damaged.",
            );
        }
    }
}

/// Add one asset inside the caller's transaction (intake scans and CSV rows share it).
async fn insert(conn: &mut SqliteConnection, ctx: &Ctx, input: &AssetInput) -> Result<Asset> {
    let bu = &ctx.bu;
    let mut c = Checks::new();
    let sn = match serial::normalize(&input.serial_number) {
        Ok(s) => Some(s),
        Err(e) => {
            c.fail("serialNumber", e.message);
            None
        }
    };
    c.require("sku", &input.sku, "SKU");
    check_condition(&mut c, &input.condition);
    let date = match input
        .acquisition_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        Some(d) => match parse_date("acquisitionDate", d) {
            Ok(d) => Some(d),
            Err(e) => {
                c.fail("acquisitionDate", e.message);
                None
            }
        },
        None => Some(ctx.at.date_naive().format("%Y-%m-%d").to_string()),
    };
    let status = match input.status.as_deref().filter(|s| !s.is_empty()) {
        None => AssetStatus::Available,
        Some(s) => match AssetStatus::parse(s) {
            Some(st @ (AssetStatus::Available | AssetStatus::Unavailable)) => st,
            Some(_) => return Err(Error::new(
                ErrorCode::InvalidStatus,
                "A new asset is available or unavailable; rented and sold come from subscriptions.",
            )),
            None => {
                c.fail("status", "Status must be available or unavailable.");
                AssetStatus::Available
            }
        },
    };
    c.finish()?;
    let sn = sn.expect("checked");
    let v = super::catalog::variant_by_sku(conn, bu, &input.sku)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::VariantNotFound,
                format!("No variant has the SKU {}.", input.sku.trim()),
            )
        })?;
    if v.status != VariantStatus::Active {
        return Err(Error::new(
            ErrorCode::VariantInactive,
            format!("{} ({}) is inactive.", v.variant_name, v.variant_sku),
        ));
    }
    if super::catalog::serial_format_of(conn, &bu.id, &v.category).await? == SerialFormat::Imei
        && !serial::is_valid_imei(&sn)
    {
        return Err(Error::invalid("serialNumber", format!("{sn} is not a valid IMEI: {} devices are identified by 15 digits with a check digit.", v.category)));
    }
    let exists: Option<String> =
        sqlx::query_scalar("SELECT status FROM assets WHERE bu_id = ? AND serial_number = ?")
            .bind(&bu.id)
            .bind(&sn)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(st) = exists {
        return Err(Error::new(
            ErrorCode::AssetExists,
            format!("Serial {sn} is already registered ({st})."),
        ));
    }
    let cost = match input.acquisition_cost {
        Some(m) => Some(bu.minor("acquisitionCost", m)?),
        None => v
            .acquisition_cost
            .map(|m| m.to_minor(bu.currency_exponent))
            .transpose()?,
    };
    let product_name = format!("{} — {}", v.product_name, v.variant_name);
    crate::store::assets::insert(
        conn,
        &crate::store::assets::AssetRow {
            bu_id: bu.id.clone(),
            serial_number: sn.clone(),
            sku: v.variant_sku.clone(),
            variant_id: Some(v.variant_id.clone()),
            product_id: Some(v.product_id.clone()),
            product_name,
            status: status.as_str().to_string(),
            location: opt_trim(input.location.clone()),
            condition: opt_trim(input.condition.clone()).map(|s| s.to_lowercase()),
            notes: opt_trim(input.notes.clone()),
            acquisition_cost: cost,
            acquisition_date: date.clone(),
            created_at: ctx.now.clone(),
            updated_at: ctx.now.clone(),
            created_by: ctx.actor.name.clone(),
            ..Default::default()
        },
    )
    .await?;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "asset",
            entity_id: &sn,
            action: "created",
            summary: format!(
                "{sn} ({}) taken in{}",
                v.variant_sku,
                opt_trim(input.location.clone())
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default()
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    let a = find(conn, bu, &sn)
        .await?
        .ok_or_else(|| Error::internal("asset vanished after insert"))?;
    let f = owner_fields(&a);
    let body = AssetInput {
        serial_number: a.serial_number.clone(),
        sku: a.sku.clone(),
        status: f.status,
        location: f.location,
        condition: f.condition,
        notes: f.notes,
        acquisition_cost: f.acquisition_cost,
        acquisition_date: f.acquisition_date,
    };
    crate::services::outbox::record(
        conn,
        ctx,
        Op::new(OpKind::AssetCreate, None, &body)
            .touching([r("asset", &a.serial_number)])
            .saying(format!("{} taken in", a.serial_number)),
    )
    .await?;
    Ok(a)
}

/// The fields an asset's owner sets, as they now are (the body of its update op).
fn owner_fields(a: &Asset) -> AssetUpdate {
    AssetUpdate {
        status: Some(a.status.as_str().to_string()),
        location: a.location.clone(),
        condition: a.condition.clone(),
        notes: a.notes.clone(),
        acquisition_cost: a.acquisition_cost,
        acquisition_date: a.acquisition_date.clone(),
    }
}

pub async fn create(db: &Db, ctx: &Ctx, input: AssetInput) -> Result<Asset> {
    let mut tx = db.write().await?;
    let a = insert(&mut tx, ctx, &input).await?;
    tx.commit().await?;
    Ok(a)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct AssetUpdate {
    pub status: Option<String>,
    pub location: Option<String>,
    pub condition: Option<String>,
    pub notes: Option<String>,
    pub acquisition_cost: Option<Money>,
    pub acquisition_date: Option<String>,
}

pub async fn update(db: &Db, ctx: &Ctx, serial_number: &str, upd: AssetUpdate) -> Result<Asset> {
    let status_sent = upd.status.is_some();
    let bu = &ctx.bu;
    let mut c = Checks::new();
    check_condition(&mut c, &upd.condition);
    let status = upd
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            AssetStatus::parse(s).ok_or_else(|| {
                Error::invalid(
                    "status",
                    "Status must be available, rented_out, returned, sold or unavailable.",
                )
            })
        })
        .transpose()?;
    let date = upd
        .acquisition_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|d| parse_date("acquisitionDate", d))
        .transpose()?;
    c.finish()?;
    let mut tx = db.write().await?;
    let before = find(&mut tx, bu, serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", serial_number.trim()))?;
    if let Some(to) = status {
        if to != before.status {
            if before.rental_id.is_some() || before.status == AssetStatus::RentedOut {
                return Err(Error::new(
                    ErrorCode::AssetInUse,
                    format!(
                        "{} is on subscription {}; end or replace it first.",
                        before.serial_number,
                        before.rental_id.clone().unwrap_or_default()
                    ),
                ));
            }
            if !before.status.manual_transition_allowed(to) {
                return Err(Error::new(
                    ErrorCode::InvalidStatus,
                    format!(
                        "{} cannot go from {} to {} by hand.",
                        before.serial_number, before.status, to
                    ),
                ));
            }
        }
    }
    let cost = upd
        .acquisition_cost
        .map(|m| bu.minor("acquisitionCost", m))
        .transpose()?;
    let new_status = status.unwrap_or(before.status);
    sqlx::query(
        "UPDATE assets SET status = ?, location = ?, condition = ?, notes = ?, acquisition_cost = coalesce(?, acquisition_cost),
         acquisition_date = coalesce(?, acquisition_date), deleted_at = CASE WHEN ? = 'available' THEN NULL ELSE deleted_at END, updated_at = ?
         WHERE bu_id = ? AND serial_number = ?")
        .bind(new_status.as_str())
        .bind(match &upd.location { Some(l) => opt_trim(Some(l.clone())), None => before.location.clone() })
        .bind(match &upd.condition { Some(l) => opt_trim(Some(l.to_lowercase())), None => before.condition.clone() })
        .bind(match &upd.notes { Some(l) => opt_trim(Some(l.clone())), None => before.notes.clone() })
        .bind(cost).bind(date).bind(new_status.as_str()).bind(&ctx.now).bind(&bu.id).bind(&before.serial_number)
        .execute(&mut *tx).await?;
    let after = find(&mut tx, bu, &before.serial_number)
        .await?
        .expect("exists");
    let summary = if after.status != before.status {
        format!(
            "{}: {} → {}",
            after.serial_number, before.status, after.status
        )
    } else {
        format!("{} updated", after.serial_number)
    };
    let pick = |a: &Asset| serde_json::json!({"status": a.status, "location": a.location, "condition": a.condition, "notes": a.notes, "acquisitionCost": a.acquisition_cost, "acquisitionDate": a.acquisition_date});
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "asset",
            entity_id: &after.serial_number,
            action: "updated",
            summary: summary.clone(),
            before: Some(pick(&before)),
            after: Some(pick(&after)),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::AssetUpdate,
            Some(&after.serial_number),
            &AssetUpdate {
                status: owner_fields(&after).status.filter(|_| status_sent),
                ..owner_fields(&after)
            },
        )
        .touching([r("asset", &after.serial_number)])
        .saying(summary),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Soft delete: the asset becomes `unavailable` (recover it by setting it `available`).
pub async fn delete(db: &Db, ctx: &Ctx, serial_number: &str) -> Result<String> {
    let bu = &ctx.bu;
    let mut tx = db.write().await?;
    let a = find(&mut tx, bu, serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", serial_number.trim()))?;
    if a.rental_id.is_some() || a.status == AssetStatus::RentedOut {
        return Err(Error::new(
            ErrorCode::AssetInUse,
            format!(
                "{} is on a subscription and cannot be deleted.",
                a.serial_number
            ),
        ));
    }
    if a.status == AssetStatus::Sold {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!("{} was sold; it stays on record.", a.serial_number),
        ));
    }
    sqlx::query("UPDATE assets SET status = 'unavailable', deleted_at = ?, updated_at = ? WHERE bu_id = ? AND serial_number = ?")
        .bind(&ctx.now).bind(&ctx.now).bind(&bu.id).bind(&a.serial_number).execute(&mut *tx).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "asset",
            entity_id: &a.serial_number,
            action: "deleted",
            summary: format!("{} deleted (now unavailable)", a.serial_number),
            before: Some(serde_json::json!({"status": a.status})),
            after: Some(serde_json::json!({"status": "unavailable"})),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::AssetDelete, Some(&a.serial_number))
            .touching([r("asset", &a.serial_number)])
            .saying(format!("{} deleted", a.serial_number)),
    )
    .await?;
    tx.commit().await?;
    Ok(a.serial_number)
}

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
}

pub async fn list(db: &Db, bu: &BusinessUnit, q: &AssetQuery) -> Result<Page<Asset>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new(format!("SELECT {COLS} FROM assets a WHERE a.bu_id = "));
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
    const ASSETS: Keyset = Keyset {
        key: "serial_number",
        ..Keyset::of("assets", "a", "asset")
    };
    let rows: Vec<Row> = ASSETS.rows(db, qb, &bu.id, &p).await?;
    let assets = rows.into_iter().map(|r| to_asset(bu, r)).collect();
    Ok(p.page(assets, |a: &Asset| a.serial_number.clone()))
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssetImportReport {
    pub success: bool,
    pub message: String,
    pub created: usize,
    pub errors: Vec<super::catalog::RowError>,
    pub rolled_back: bool,
}

/// Bulk intake from CSV (`Serial Number`, `SKU`, optional `Location`, `Condition`,
/// `Acquisition Cost`, `Acquisition Date`, `Notes`). One transaction; bad or duplicate rows are
/// reported by line and skipped, or, with `allOrNothing`, nothing is written.
pub async fn import_csv(
    db: &Db,
    ctx: &Ctx,
    data: &[u8],
    opts: super::catalog::ImportOptions,
) -> Result<AssetImportReport> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid("csvFile", format!("The file is not CSV: {e}")))?
        .clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(c_sn), Some(c_sku)) = (
        col(&["Serial Number", "serialNumber", "Serial"]),
        col(&["SKU", "Variant SKU", "sku"]),
    ) else {
        return Err(Error::invalid(
            "csvFile",
            "The header row needs Serial Number and SKU columns.",
        ));
    };
    let (c_loc, c_cond, c_cost, c_date, c_notes) = (
        col(&["Location"]),
        col(&["Condition"]),
        col(&["Acquisition Cost", "acquisitionCost"]),
        col(&["Acquisition Date", "acquisitionDate"]),
        col(&["Notes"]),
    );
    let mut tx = db.write().await?;
    let mut errors = Vec::new();
    let mut created = 0;
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(super::catalog::RowError {
                    row: line,
                    sku: None,
                    error: format!("Unreadable row: {e}"),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        let cost = match get(c_cost).map(|t| crate::money::parse_amount(&t)) {
            Some(Err(e)) => {
                errors.push(super::catalog::RowError {
                    row: line,
                    sku: get(Some(c_sku)),
                    error: e.message,
                });
                continue;
            }
            Some(Ok(m)) => Some(m),
            None => None,
        };
        let input = AssetInput {
            serial_number: get(Some(c_sn)).unwrap_or_default(),
            sku: get(Some(c_sku)).unwrap_or_default(),
            location: get(c_loc),
            condition: get(c_cond),
            acquisition_cost: cost,
            acquisition_date: get(c_date),
            notes: get(c_notes),
            status: None,
        };
        sqlx::query("SAVEPOINT asset_row").execute(&mut *tx).await?;
        match insert(&mut tx, ctx, &input).await {
            Ok(_) => {
                sqlx::query("RELEASE asset_row").execute(&mut *tx).await?;
                created += 1;
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO asset_row")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("RELEASE asset_row").execute(&mut *tx).await?;
                errors.push(super::catalog::RowError {
                    row: line,
                    sku: Some(input.sku),
                    error: format!("{}: {}", input.serial_number.trim(), e.message),
                });
            }
        }
    }
    let rolled_back = opts.dry_run || (opts.all_or_nothing && !errors.is_empty());
    if rolled_back {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    let message = if rolled_back {
        format!(
            "{created} assets would be added, {} rows have errors; nothing was written.",
            errors.len()
        )
    } else {
        format!("{created} assets added, {} rows skipped.", errors.len())
    };
    Ok(AssetImportReport {
        success: errors.is_empty(),
        message,
        created: if rolled_back { 0 } else { created },
        errors,
        rolled_back,
    })
}
