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
pub struct UnitRun {
    pub bu_id: String,
    pub bu_name: String,
    pub contract_end: ContractEndReport,
    pub late_fees: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DailyReport {
    pub date: String,
    pub units: Vec<UnitRun>,
}

/// Run the daily rules for every business unit as of `at`.
pub async fn daily(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<DailyReport> {
    daily_in_chunks(db, desk_code, at, DAILY_RUN_CHUNK).await
}

/// The daily run, `chunk` subscriptions or payments a transaction.
pub async fn daily_in_chunks(
    db: &Db,
    desk_code: &str,
    at: chrono::DateTime<chrono::Utc>,
    chunk: i64,
) -> Result<DailyReport> {
    let chunk = chunk.max(1);
    let mut units = Vec::new();
    for bu in business_units::list(db).await? {
        let ctx = Ctx::new(Actor::system(), bu, desk_code, at);
        let mut contract_end = ContractEndReport::default();
        let mut after = String::new();
        loop {
            let mut tx = db.write().await?;
            let (done, last) = subscriptions::contract_end(&mut tx, &ctx, &after, chunk).await?;
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
            let (n, last) = payments::apply_late_fees(&mut tx, &ctx, &after, chunk).await?;
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
            record(&mut tx, &ctx.actor, at, Entry {
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
        units.push(UnitRun {
            bu_id: ctx.bu.id.clone(),
            bu_name: ctx.bu.name.clone(),
            contract_end,
            late_fees,
        });
    }
    Ok(DailyReport {
        date: at.date_naive().format("%Y-%m-%d").to_string(),
        units,
    })
}
