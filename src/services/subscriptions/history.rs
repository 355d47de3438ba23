//! An asset's history and lifetime cost recovery across its subscriptions, and inspection after a return.

use super::*;

// ---------------------------------------------------------------------------------------------
// Asset history and lifetime recovery

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct AssetStint {
    pub rental_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub start_reason: String,
    pub end_reason: Option<String>,
    pub rental_status: SubscriptionStatus,
    pub monthly_amount: Money,
    /// Net collected for this asset while it was on this subscription.
    pub collected: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssetLifetime {
    pub serial_number: String,
    pub acquisition_cost: Option<Money>,
    pub total_collected: Money,
    pub cost_recovery_percent: Option<f64>,
    pub current_profit: Option<Money>,
    pub has_reached_breakeven: bool,
    pub recovery_status: String,
    pub subscriptions: u32,
    pub months_rented: u32,
    pub history: Vec<AssetStint>,
}

/// The net money a payment `p` kept: all of it once paid, the part payments while open, less
/// refunds (what cost recovery counts).
const KEPT_NET: &str = "CASE WHEN p.status = 'paid' THEN p.total - p.tax_amount ELSE p.net_received END
    - (SELECT coalesce(sum(r.net), 0) FROM payment_receipts r WHERE r.payment_id = p.id AND r.kind = 'refund')";

/// Every customer and subscription an asset has had, and its cost recovery over all of them.
pub async fn asset_lifetime(
    db: &Db,
    bu: &BusinessUnit,
    serial_number: &str,
    today: NaiveDate,
) -> Result<AssetLifetime> {
    let mut conn = db.pool().acquire().await?;
    let a = asset_by_serial(&mut conn, bu, serial_number)
        .await
        .map_err(|_| Error::not_found("Asset", serial_number.trim()))?;
    #[derive(sqlx::FromRow)]
    struct StintRow {
        rental_id: String,
        customer_id: String,
        customer_name: String,
        started_on: String,
        ended_on: Option<String>,
        start_reason: String,
        end_reason: Option<String>,
        status: String,
        monthly_amount: i64,
        collected: i64,
    }
    let rows: Vec<StintRow> = sqlx::query_as(&format!(
        "SELECT aa.rental_id, aa.customer_id, s.customer_name, aa.started_on, aa.ended_on, aa.start_reason, aa.end_reason, s.status, s.monthly_amount,
             (SELECT coalesce(sum({KEPT_NET}), 0) FROM payments p WHERE p.rental_id = aa.rental_id AND p.asset_id = aa.asset_id) AS collected
         FROM asset_assignments aa JOIN subscriptions s ON s.id = aa.rental_id WHERE aa.asset_id = ? ORDER BY aa.started_on DESC, aa.rental_id DESC",
    ))
    .bind(a.id)
    .fetch_all(&mut *conn)
    .await?;
    let collected: i64 = sqlx::query_scalar(&format!(
        "SELECT coalesce(sum({KEPT_NET}), 0) FROM payments p WHERE p.asset_id = ?"
    ))
    .bind(a.id)
    .fetch_one(&mut *conn)
    .await?;
    let mut months = 0;
    let history: Vec<AssetStint> = rows
        .into_iter()
        .map(|r| {
            let end = r.ended_on.as_deref().map(date).unwrap_or(today);
            months += months_between(date(&r.started_on), end);
            AssetStint {
                rental_status: SubscriptionStatus::parse(&r.status)
                    .unwrap_or(SubscriptionStatus::Active),
                monthly_amount: bu.money(r.monthly_amount),
                collected: bu.money(r.collected),
                rental_id: r.rental_id,
                customer_id: r.customer_id,
                customer_name: r.customer_name,
                started_on: r.started_on,
                ended_on: r.ended_on,
                start_reason: r.start_reason,
                end_reason: r.end_reason,
            }
        })
        .collect();
    let rec = lifecycle::recovery(a.acquisition_cost, collected, 0, Decimal::ZERO);
    Ok(AssetLifetime {
        serial_number: a.serial_number,
        acquisition_cost: bu.money_opt(a.acquisition_cost),
        total_collected: bu.money(collected),
        cost_recovery_percent: rec.percent.map(pct_f64),
        current_profit: rec.profit.map(|p| bu.money(p)),
        has_reached_breakeven: rec.reached_breakeven,
        recovery_status: rec.status.as_str().to_string(),
        subscriptions: history.len() as u32,
        months_rented: months,
        history,
    })
}

/// Inspection of a returned device: back to stock (`available`) or out of service
/// (`unavailable`), with its condition.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct InspectInput {
    pub serial_number: String,
    /// `available` or `unavailable`.
    pub outcome: String,
    pub condition: Option<String>,
    pub notes: Option<String>,
}

pub async fn inspect(
    db: &Db,
    ctx: &Ctx,
    input: InspectInput,
) -> Result<crate::services::assets::Asset> {
    let bu = &ctx.bu;
    let outcome = match input.outcome.trim() {
        "available" => AssetStatus::Available,
        "unavailable" => AssetStatus::Unavailable,
        other => {
            return Err(Error::invalid(
                "outcome",
                format!("'{other}' is not available or unavailable."),
            ))
        }
    };
    let condition = match opt_trim(input.condition.clone()) {
        Some(c) => Some(ReturnCondition::parse_field(
            "condition",
            &c.to_lowercase(),
        )?),
        None => None,
    };
    let notes = text_field(
        "notes",
        input.notes.clone(),
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    let mut tx = db.write().await?;
    let a = asset_by_serial(&mut tx, bu, &input.serial_number).await?;
    if a.status != "returned" {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            format!(
                "Serial {} is {}; only returned devices are inspected.",
                a.serial_number,
                a.status.replace('_', " ")
            ),
        ));
    }
    sqlx::query("UPDATE assets SET status = ?, condition = coalesce(?, condition), notes = coalesce(?, notes), updated_at = ? WHERE id = ?")
        .bind(outcome.as_str())
        .bind(condition.map(|c| c.as_str()))
        .bind(&notes)
        .bind(&ctx.now)
        .bind(a.id)
        .execute(&mut *tx)
        .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &a.serial_number,
        "inspected",
        format!(
            "Inspected: {}{}{}",
            if outcome == AssetStatus::Available {
                "back in stock"
            } else {
                "out of service"
            },
            condition.map(|c| format!(", {c}")).unwrap_or_default(),
            notes
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default()
        ),
        Some((
            serde_json::json!({ "status": "returned" }),
            serde_json::json!({ "status": outcome, "condition": condition }),
        )),
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::AssetInspect,
            Some(&a.serial_number),
            &InspectInput {
                serial_number: a.serial_number.clone(),
                outcome: outcome.as_str().to_string(),
                condition: condition.map(|c| c.as_str().to_string()),
                notes: notes.clone(),
            },
        )
        .touching([r("asset", &a.serial_number)])
        .saying(format!("{} inspected: {outcome}", a.serial_number)),
    )
    .await?;
    let asset = crate::services::assets::find(&mut tx, bu, &a.serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", &a.serial_number))?;
    tx.commit().await?;
    Ok(asset)
}
