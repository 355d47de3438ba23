//! Putting right what intake got wrong, while a unit has never been rented: its SKU (a hand edit
//! of the asset), its serial (the mistyped record is deleted and the right one takes its place,
//! which is how both remotes can follow), and a deleted serial taken in again.

use super::*;
use crate::services::catalog::Variant;
use crate::services::outbox::{r, Op, OpKind};

/// Whether the unit has ever been on a subscription (then its SKU and serial are history).
pub(super) async fn ever_rented(
    conn: &mut SqliteConnection,
    bu_id: &str,
    serial_number: &str,
) -> Result<bool> {
    let rented: i64 = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assets a WHERE a.bu_id = ? AND a.serial_number = ?
           AND (a.rental_id IS NOT NULL
             OR EXISTS (SELECT 1 FROM asset_assignments x WHERE x.asset_id = a.id)
             OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.asset_id = a.id)))",
    )
    .bind(bu_id)
    .bind(serial_number)
    .fetch_one(conn)
    .await?;
    Ok(rented == 1)
}

/// The active variant a SKU names, and that `serial` follows its category's rule.
pub(super) async fn variant_for(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    sku: &str,
    serial: &str,
) -> Result<Variant> {
    let v = crate::services::catalog::variant_by_sku(conn, bu, sku)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::VariantNotFound,
                format!("No variant has the SKU {}.", sku.trim()),
            )
        })?;
    if v.status != VariantStatus::Active {
        return Err(Error::new(
            ErrorCode::VariantInactive,
            format!("{} ({}) is inactive.", v.variant_name, v.variant_sku),
        ));
    }
    crate::services::catalog::serial_rule_of(conn, &bu.id, &v.category)
        .await?
        .check(serial, &v.category)?;
    Ok(v)
}

fn history_stays(serial: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::AssetInUse,
        format!("{serial} has been rented, so its {what} is part of its history and stays."),
    )
}

/// A hand edit's new SKU, inside the edit's transaction: refused once the unit has been rented.
/// Returns the SKU it had, when it changed.
pub(super) async fn resku(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    a: &Asset,
    sku: &str,
) -> Result<Option<String>> {
    if sku.trim().is_empty() || sku.trim() == a.sku {
        return Ok(None);
    }
    if ever_rented(conn, &ctx.bu.id, &a.serial_number).await? {
        return Err(history_stays(&a.serial_number, "SKU"));
    }
    let v = variant_for(conn, &ctx.bu, sku, &a.serial_number).await?;
    sqlx::query(
        "UPDATE assets SET sku = ?, variant_id = ?, product_id = ?, product_name = ? WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&v.variant_sku)
    .bind(&v.variant_id)
    .bind(&v.product_id)
    .bind(format!("{} — {}", v.product_name, v.variant_name))
    .bind(&ctx.bu.id)
    .bind(&a.serial_number)
    .execute(conn)
    .await?;
    Ok(Some(a.sku.clone()))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct CorrectSerial {
    /// The serial as it really is (normalised like a scan).
    pub new_serial_number: String,
    /// Why (kept on the timeline).
    pub reason: Option<String>,
}

/// A mistyped serial put right: the record under the wrong serial is deleted (it stays, marked
/// with what it became) and the unit is recorded under the right one with everything it had.
pub async fn correct_serial(
    db: &Db,
    ctx: &Ctx,
    serial_number: &str,
    input: CorrectSerial,
) -> Result<Asset> {
    let bu = &ctx.bu;
    let new = serial::normalize(&input.new_serial_number)
        .map_err(|e| Error::invalid("newSerialNumber", e.message))?;
    let reason = crate::services::text_field("reason", input.reason, 500, "The reason")?;
    let mut tx = db.write().await?;
    let old = find(&mut tx, bu, serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", serial_number.trim()))?;
    if new == old.serial_number {
        return Err(Error::invalid(
            "newSerialNumber",
            "The new serial is the one the asset already has.",
        ));
    }
    if ever_rented(&mut tx, &bu.id, &old.serial_number).await? {
        return Err(history_stays(&old.serial_number, "serial"));
    }
    let deleted: Option<String> =
        sqlx::query_scalar("SELECT deleted_at FROM assets WHERE bu_id = ? AND serial_number = ?")
            .bind(&bu.id)
            .bind(&old.serial_number)
            .fetch_one(&mut *tx)
            .await?;
    if deleted.is_some() {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!("{} is deleted; restore it (make it available) before correcting it, or take the right serial in.", old.serial_number),
        ));
    }
    if old.status == AssetStatus::Sold {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!("{} was sold; it stays on record.", old.serial_number),
        ));
    }
    if let Some(taken) = find(&mut tx, bu, &new).await? {
        return Err(Error::new(
            ErrorCode::AssetExists,
            format!("Serial {new} is already registered ({}).", taken.status),
        ));
    }
    variant_for(&mut tx, bu, &old.sku, &new)
        .await
        .map_err(|mut e| {
            for d in &mut e.details {
                if d.path == "serialNumber" {
                    d.path = "newSerialNumber".into();
                }
            }
            e
        })?;
    // The right record, as the wrong one was (who took it in and when stay).
    sqlx::query(
        "INSERT INTO assets (bu_id, serial_number, sku, variant_id, product_id, product_name, status, location, condition, notes,
             acquisition_cost, acquisition_date, created_at, updated_at, created_by)
         SELECT bu_id, ?, sku, variant_id, product_id, product_name, status, location, condition, notes,
             acquisition_cost, acquisition_date, created_at, ?, created_by FROM assets WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&new)
    .bind(&ctx.now)
    .bind(&bu.id)
    .bind(&old.serial_number)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE assets SET status = 'unavailable', deleted_at = ?, updated_at = ?,
             notes = trim(coalesce(notes || ' ', '') || ?) WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&ctx.now)
    .bind(&ctx.now)
    .bind(format!("Serial corrected to {new}."))
    .bind(&bu.id)
    .bind(&old.serial_number)
    .execute(&mut *tx)
    .await?;
    let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
    for (serial, action, summary) in [
        (
            &old.serial_number,
            "corrected",
            format!("Serial corrected: {} → {new}{why}", old.serial_number),
        ),
        (
            &new,
            "created",
            format!(
                "{new} ({}) recorded in place of mistyped {}{why}",
                old.sku, old.serial_number
            ),
        ),
    ] {
        record(
            &mut tx,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "asset",
                entity_id: serial,
                action,
                summary,
                before: Some(serde_json::json!({ "serialNumber": old.serial_number })),
                after: Some(serde_json::json!({ "serialNumber": new })),
            },
        )
        .await?;
    }
    let a = find(&mut tx, bu, &new).await?.expect("inserted");
    // The remotes follow with the operations they have: the wrong record deleted, the right one
    // taken in.
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::AssetDelete, Some(&old.serial_number))
            .touching([r("asset", &old.serial_number)])
            .saying(format!(
                "{} deleted (serial corrected to {new})",
                old.serial_number
            )),
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(OpKind::AssetCreate, None, &intake_body(&a))
            .touching([r("asset", &new)])
            .saying(format!(
                "{new} taken in (corrected from {})",
                old.serial_number
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// An asset's intake op body: how it is now.
pub(super) fn intake_body(a: &Asset) -> AssetInput {
    let f = owner_fields(a);
    AssetInput {
        serial_number: a.serial_number.clone(),
        sku: a.sku.clone(),
        status: f.status,
        location: f.location,
        condition: f.condition,
        notes: f.notes,
        acquisition_cost: f.acquisition_cost,
        acquisition_date: f.acquisition_date,
    }
}

/// A serial already in the unit at intake: taken in again when it was deleted and never rented
/// (its record is written afresh; the op is an update, as both remotes know the serial),
/// refused otherwise. `None` when the serial is new.
pub(super) async fn taken_in_again(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    sn: &str,
    row: &crate::store::assets::AssetRow,
) -> Result<Option<Asset>> {
    let bu = &ctx.bu;
    let exists: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT status, deleted_at FROM assets WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&bu.id)
    .bind(sn)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((status, deleted)) = exists else {
        return Ok(None);
    };
    if deleted.is_none() {
        return Err(Error::new(
            ErrorCode::AssetExists,
            format!("Serial {sn} is already registered ({status})."),
        ));
    }
    if ever_rented(conn, &bu.id, sn).await? {
        return Err(Error::new(
            ErrorCode::AssetExists,
            format!("Serial {sn} was deleted after it had been rented: restore it (make it available) instead of taking it in again."),
        ));
    }
    sqlx::query(
        "UPDATE assets SET sku = ?, variant_id = ?, product_id = ?, product_name = ?, status = ?, location = ?, condition = ?,
             notes = ?, acquisition_cost = ?, acquisition_date = ?, customer_id = NULL, rental_id = NULL, deleted_at = NULL,
             updated_at = ? WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&row.sku)
    .bind(&row.variant_id)
    .bind(&row.product_id)
    .bind(&row.product_name)
    .bind(&row.status)
    .bind(&row.location)
    .bind(&row.condition)
    .bind(&row.notes)
    .bind(row.acquisition_cost)
    .bind(&row.acquisition_date)
    .bind(&ctx.now)
    .bind(&bu.id)
    .bind(sn)
    .execute(&mut *conn)
    .await?;
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "asset",
            entity_id: sn,
            action: "created",
            summary: format!("{sn} ({}) taken in again after it was deleted", row.sku),
            before: Some(serde_json::json!({ "status": status, "deleted": true })),
            after: Some(serde_json::json!({ "status": row.status, "sku": row.sku })),
        },
    )
    .await?;
    let a = find(conn, bu, sn).await?.expect("exists");
    crate::services::outbox::record(
        conn,
        ctx,
        Op::new(OpKind::AssetUpdate, Some(sn), &owner_fields(&a))
            .touching([r("asset", sn)])
            .saying(format!("{sn} taken in again")),
    )
    .await?;
    Ok(Some(a))
}
