//! The daily run: contract-end rules and late fees for every business unit. It runs when the desk
//! or the server starts and once a day while it stays open; running it twice on the same day
//! changes nothing. A unit's run is written in short transactions (`DAILY_RUN_CHUNK`
//! subscriptions or payments each), so the desks of a hub that runs it are not kept waiting;
//! one that stops half-way is finished by the next run.

use super::subscriptions::{self, ContractEndReport};
use super::{business_units, payments, Ctx};
use crate::domain::limits::DAILY_RUN_CHUNK;
use crate::error::Result;
use crate::store::{record, Actor, Db, Entry};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct UnitRun {
    pub bu_id: String,
    pub bu_name: String,
    /// The unit's business day the run was for.
    pub date: String,
    pub contract_end: ContractEndReport,
    pub late_fees: u64,
    /// Why this unit's run stopped (what it did before stays done; the next run goes on).
    pub error: Option<String>,
}

/// A unit's last daily run on this desk, for its dashboard.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct LastRun {
    pub ran_for: String,
    pub finished_at: String,
    pub error: Option<String>,
}

pub async fn last_run(db: &Db, bu_id: &str) -> Result<Option<LastRun>> {
    Ok(
        sqlx::query_as("SELECT ran_for, finished_at, error FROM daily_runs WHERE bu_id = ?")
            .bind(bu_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DailyReport {
    pub date: String,
    pub units: Vec<UnitRun>,
}

/// Run the daily rules for every business unit as of `at` (each on its own business day).
pub async fn daily(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<DailyReport> {
    daily_in_chunks(db, desk_code, at, DAILY_RUN_CHUNK).await
}

/// The daily rules for the units whose business day has turned since their last run here (the
/// desk and `serve` look every few minutes: a unit in Chicago runs after its own midnight, not
/// UTC's). None due: an empty report.
pub async fn daily_due(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<DailyReport> {
    let ran: std::collections::HashMap<String, String> =
        sqlx::query_as("SELECT bu_id, ran_for FROM daily_runs")
            .fetch_all(db.pool())
            .await?
            .into_iter()
            .collect();
    let due = business_units::list(db)
        .await?
        .into_iter()
        .filter(|bu| ran.get(&bu.id) != Some(&bu.day_at(at).format("%Y-%m-%d").to_string()))
        .collect();
    run_units(db, desk_code, at, DAILY_RUN_CHUNK, due).await
}

/// The daily run, `chunk` subscriptions or payments a transaction.
pub async fn daily_in_chunks(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
    chunk: i64,
) -> Result<DailyReport> {
    let all = business_units::list(db).await?;
    run_units(db, desk_code, at, chunk, all).await
}

async fn run_units(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
    chunk: i64,
    units_to_run: Vec<super::BusinessUnit>,
) -> Result<DailyReport> {
    let chunk = chunk.max(1);
    let mut units = Vec::new();
    // Each unit on its own: one that fails is recorded with its reason and the others run.
    for bu in units_to_run {
        let ctx = Ctx::new(Actor::system(), bu, desk_code, at);
        let run = match run_unit(db, &ctx, chunk).await {
            Ok(run) => run,
            Err(e) => UnitRun {
                bu_id: ctx.bu.id.clone(),
                bu_name: ctx.bu.name.clone(),
                date: ctx.today().format("%Y-%m-%d").to_string(),
                contract_end: ContractEndReport::default(),
                late_fees: 0,
                error: Some(e.message),
            },
        };
        sqlx::query(
            "INSERT INTO daily_runs (bu_id, ran_for, finished_at, error) VALUES (?, ?, ?, ?)
             ON CONFLICT (bu_id) DO UPDATE SET ran_for = excluded.ran_for, finished_at = excluded.finished_at, error = excluded.error",
        )
        .bind(&run.bu_id)
        .bind(&run.date)
        .bind(crate::clock::stamp(at))
        .bind(&run.error)
        .execute(db.pool())
        .await?;
        units.push(run);
    }
    Ok(DailyReport {
        date: at.date_naive().format("%Y-%m-%d").to_string(),
        units,
    })
}

/// One unit's daily run: contract ends, then late fees, `chunk` rows a transaction.
async fn run_unit(db: &Db, ctx: &Ctx, chunk: i64) -> Result<UnitRun> {
    let mut contract_end = ContractEndReport::default();
    let mut after = String::new();
    loop {
        let mut tx = db.write().await?;
        let (done, last) = subscriptions::contract_end(&mut tx, ctx, &after, chunk).await?;
        tx.commit().await?;
        contract_end.add(&done);
        match last {
            Some(id) => after = id,
            None => break,
        }
    }
    let mut late_fees = 0;
    let mut after = String::new();
    loop {
        let mut tx = db.write().await?;
        let (n, last) = payments::apply_late_fees(&mut tx, ctx, &after, chunk).await?;
        tx.commit().await?;
        late_fees += n;
        match last {
            Some(id) => after = id,
            None => break,
        }
    }
    let mut tx = db.write().await?;
    let changed = contract_end.renewal_payments
        + contract_end.renewed_terms
        + contract_end.completed
        + late_fees;
    if changed > 0 {
        record(&mut tx, &ctx.actor, ctx.at, Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "business_unit",
            entity_id: &ctx.bu.id,
            action: "daily_run",
            summary: format!(
                "Daily run: {} renewal payments, {} terms renewed, {} contracts completed, {} late fees",
                contract_end.renewal_payments, contract_end.renewed_terms, contract_end.completed, late_fees
            ),
            before: None,
            after: None,
        })
        .await?;
    }
    tx.commit().await?;
    Ok(UnitRun {
        bu_id: ctx.bu.id.clone(),
        bu_name: ctx.bu.name.clone(),
        date: ctx.today().format("%Y-%m-%d").to_string(),
        contract_end,
        late_fees,
        error: None,
    })
}
