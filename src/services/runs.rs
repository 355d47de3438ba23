//! The daily run: contract-end rules and late fees for every business unit, each unit in one
//! transaction. It runs when the desk or the server starts and once a day while it stays open;
//! running it twice on the same day changes nothing.

use super::subscriptions::{self, ContractEndReport};
use super::{business_units, payments, Ctx};
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
    let mut units = Vec::new();
    for bu in business_units::list(db).await? {
        let ctx = Ctx::new(Actor::system(), bu, desk_code, at);
        let mut tx = db.write().await?;
        let contract_end = subscriptions::contract_end(&mut tx, &ctx).await?;
        let late_fees = payments::apply_late_fees(&mut tx, &ctx).await?;
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
