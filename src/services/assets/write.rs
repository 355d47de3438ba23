//! Taking units in and editing them: intake (a scan or a CSV row), hand edits along the allowed
//! transitions, soft delete.

use super::*;
use crate::services::outbox::{r, Op, OpKind};

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
    crate::services::parse_day(path, s).map(crate::services::day_text)
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
pub(super) async fn insert(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    input: &AssetInput,
) -> Result<Asset> {
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
        None => Some(ctx.today().format("%Y-%m-%d").to_string()),
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
    let v = super::correct::variant_for(conn, bu, &input.sku, &sn).await?;
    let cost = match input.acquisition_cost {
        Some(m) => Some(bu.minor("acquisitionCost", m)?),
        None => v
            .acquisition_cost
            .map(|m| m.to_minor(bu.currency_exponent))
            .transpose()?,
    };
    let product_name = format!("{} — {}", v.product_name, v.variant_name);
    let row = crate::store::assets::AssetRow {
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
    };
    if let Some(a) = super::correct::taken_in_again(conn, ctx, &sn, &row).await? {
        return Ok(a);
    }
    crate::store::assets::insert(conn, &row).await?;
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
    crate::services::outbox::record(
        conn,
        ctx,
        Op::new(OpKind::AssetCreate, None, &super::correct::intake_body(&a))
            .touching([r("asset", &a.serial_number)])
            .saying(format!("{} taken in", a.serial_number)),
    )
    .await?;
    Ok(a)
}

/// The fields an asset's owner sets, as they now are (the body of its update op).
pub(super) fn owner_fields(a: &Asset) -> AssetUpdate {
    AssetUpdate {
        sku: Some(a.sku.clone()),
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
    /// Another SKU: only while the unit has never been rented (a correction of its intake).
    pub sku: Option<String>,
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
    let old_sku =
        super::correct::resku(&mut tx, ctx, &before, upd.sku.as_deref().unwrap_or("")).await?;
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
    } else if let Some(old) = &old_sku {
        format!(
            "{}: SKU corrected {old} → {}",
            after.serial_number, after.sku
        )
    } else {
        format!("{} updated", after.serial_number)
    };
    let pick = |a: &Asset| serde_json::json!({"sku": a.sku, "status": a.status, "location": a.location, "condition": a.condition, "notes": a.notes, "acquisitionCost": a.acquisition_cost, "acquisitionDate": a.acquisition_date});
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
