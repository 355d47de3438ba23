//! The figures on the dashboard: subscriptions, monthly recurring revenue, what is overdue (and
//! by age), the fleet by status, cost recovery by product, and 12 months of recurring revenue
//! and money collected. Each is one indexed aggregate or a read of a table kept by triggers.

use super::{day_text, BusinessUnit};
use crate::error::Result;
use crate::money::Money;
use crate::store::Db;
use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductRecovery {
    pub product_id: String,
    pub product_name: String,
    pub subscriptions: i64,
    pub active: i64,
    /// Acquisition cost of the devices on these subscriptions.
    pub acquisition_cost: Money,
    pub collected: Money,
    pub cost_recovery_percent: Option<f64>,
}

/// One month of the dashboard's 12-month chart.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthFigure {
    /// `YYYY-MM`.
    pub month: String,
    /// Recurring revenue of the month, net: rent for service periods starting in it.
    pub revenue: Money,
    /// Money collected in the month, net.
    pub collected: Money,
}

/// Overdue money of one age: open payments whose due date lies in `[dueFrom, dueTo]`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct AgeBucket {
    /// "1–30 days", "31–60 days", "61–90 days", "over 90 days".
    pub label: String,
    /// None for the oldest bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_from: Option<String>,
    pub due_to: String,
    pub count: i64,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub date: String,
    /// This unit's last daily run on this desk (its reason, when it stopped).
    pub last_run: Option<super::runs::LastRun>,
    pub currency: String,
    pub active_subscriptions: i64,
    /// Σ monthly amounts of active subscriptions.
    pub monthly_recurring_revenue: Money,
    pub overdue_count: i64,
    pub overdue_total: Money,
    /// Open (pending or failed) payments due today or in the next 30 days.
    pub due_soon_count: i64,
    pub due_soon_total: Money,
    pub collected_this_month: Money,
    pub past_end_date: i64,
    pub awaiting_inspection: i64,
    pub orders_to_fulfil: i64,
    pub assets_by_status: Vec<StatusCount>,
    pub recovery_by_product: Vec<ProductRecovery>,
    /// The last 12 months, oldest first, ending with this month.
    pub months: Vec<MonthFigure>,
    /// Overdue money by days past due, youngest first; together they make `overdue_total`.
    pub overdue_by_age: Vec<AgeBucket>,
}

/// Ages of overdue money: days past due, from and to (inclusive); the last is open-ended.
const AGES: [(i64, Option<i64>); 4] = [(1, Some(30)), (31, Some(60)), (61, Some(90)), (91, None)];

/// Count and sum of the open payments due in `[from, to)`: a range of `open_by_due`, the open
/// money per due date that triggers keep (migration 24).
async fn open_sum(
    tx: &mut sqlx::SqliteConnection,
    bu: &BusinessUnit,
    from: &str,
    to: &str,
) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT coalesce(sum(count), 0), coalesce(sum(total), 0) FROM open_by_due
         WHERE bu_id = ? AND due_date >= ? AND due_date < ?",
    )
    .bind(&bu.id)
    .bind(from)
    .bind(to)
    .fetch_one(tx)
    .await?)
}

/// The 12 months ending with `today`'s, oldest first (`YYYY-MM`).
fn last_12_months(today: NaiveDate) -> Vec<String> {
    let first = today.with_day(1).expect("day 1");
    (0..12u32)
        .rev()
        .map(|k| (first - chrono::Months::new(k)).format("%Y-%m").to_string())
        .collect()
}

pub async fn figures(db: &Db, bu: &BusinessUnit, today: NaiveDate) -> Result<Dashboard> {
    let mut tx = db.read().await?;
    let t = day_text(today);
    // Per-product figures, money by month, open money by due date and the fleet by status are
    // kept by triggers (migrations 4, 20, 24, 27); the other counts read an index.
    #[derive(sqlx::FromRow)]
    struct ProductRow {
        product_id: String,
        name: Option<String>,
        subscriptions: i64,
        active: i64,
        mrr: i64,
        cost: i64,
        collected: i64,
    }
    let rec: Vec<ProductRow> = sqlx::query_as(
        "SELECT f.product_id, p.name, f.subscriptions, f.active, f.mrr, f.cost, f.collected
         FROM product_figures f LEFT JOIN products p ON p.id = f.product_id WHERE f.bu_id = ?",
    )
    .bind(&bu.id)
    .fetch_all(&mut *tx)
    .await?;
    let active: i64 = rec.iter().map(|r| r.active).sum();
    let mrr: i64 = rec.iter().map(|r| r.mrr).sum();
    // Open payments due today or in the next 30 days; the overdue ones are summed by age below.
    let due_soon = open_sum(&mut tx, bu, &t, &day_text(today + chrono::Days::new(31))).await?;
    let collected: Option<i64> =
        sqlx::query_scalar("SELECT net FROM collected_by_month WHERE bu_id = ? AND month = ?")
            .bind(&bu.id)
            .bind(today.format("%Y-%m").to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let past_end: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE bu_id = ? AND status = 'active' AND end_date <= ?")
        .bind(&bu.id)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await?;
    // The fleet by status, deleted assets left out (kept by triggers, migration 27).
    let counted: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count FROM asset_counts WHERE bu_id = ? AND count > 0")
            .bind(&bu.id)
            .fetch_all(&mut *tx)
            .await?;
    let assets: Vec<(String, i64)> = crate::domain::status::AssetStatus::ALL
        .iter()
        .filter_map(|st| counted.iter().find(|(s, _)| s == st.as_str()).cloned())
        .collect();
    let awaiting = assets
        .iter()
        .find(|(s, _)| s == "returned")
        .map(|(_, n)| *n)
        .unwrap_or(0);
    let to_fulfil: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM orders WHERE bu_id = ?1 AND status = 'confirmed') + (SELECT count(*) FROM orders WHERE bu_id = ?1 AND status = 'partial')",
    )
    .bind(&bu.id)
    .fetch_one(&mut *tx)
    .await?;
    let mut recovery_by_product: Vec<ProductRecovery> = rec
        .into_iter()
        .filter(|r| !r.product_id.is_empty() && r.subscriptions > 0)
        .map(|r| ProductRecovery {
            product_name: r.name.unwrap_or_else(|| r.product_id.clone()),
            product_id: r.product_id,
            subscriptions: r.subscriptions,
            active: r.active,
            acquisition_cost: bu.money(r.cost),
            collected: bu.money(r.collected),
            cost_recovery_percent: (r.cost > 0).then(|| {
                (Decimal::from(r.collected) * Decimal::from(100) / Decimal::from(r.cost))
                    .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                    .to_f64()
                    .unwrap_or(0.0)
            }),
        })
        .collect();
    let months = last_12_months(today);
    let mut by_month: std::collections::HashMap<(&str, String), i64> = Default::default();
    for table in ["revenue_by_month", "collected_by_month"] {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT month, net FROM {table} WHERE bu_id = ? AND month >= ? AND month <= ?"
        ))
        .bind(&bu.id)
        .bind(&months[0])
        .bind(&months[months.len() - 1])
        .fetch_all(&mut *tx)
        .await?;
        for (m, net) in rows {
            by_month.insert((table, m), net);
        }
    }
    let months: Vec<MonthFigure> = months
        .into_iter()
        .map(|m| MonthFigure {
            revenue: bu.money(
                by_month
                    .get(&("revenue_by_month", m.clone()))
                    .copied()
                    .unwrap_or(0),
            ),
            collected: bu.money(
                by_month
                    .get(&("collected_by_month", m.clone()))
                    .copied()
                    .unwrap_or(0),
            ),
            month: m,
        })
        .collect();
    let mut overdue_by_age = Vec::new();
    for (from_days, to_days) in AGES {
        // Days past due d means a due date of today − d.
        let due_to = today - chrono::Days::new(from_days as u64);
        let due_from = to_days.map(|d| today - chrono::Days::new(d as u64));
        let (count, total) = open_sum(
            &mut tx,
            bu,
            &due_from.map(day_text).unwrap_or_default(),
            &day_text(due_to + chrono::Days::new(1)),
        )
        .await?;
        overdue_by_age.push(AgeBucket {
            label: match to_days {
                Some(d) => format!("{from_days}–{d} days"),
                None => format!("over {} days", from_days - 1),
            },
            due_from: due_from.map(day_text),
            due_to: day_text(due_to),
            count,
            total: bu.money(total),
        });
    }
    // The ages cover every due date before today: together they are what is overdue.
    let overdue_count: i64 = overdue_by_age.iter().map(|a| a.count).sum();
    let overdue_total = overdue_by_age.iter().map(|a| a.total).sum();
    recovery_by_product.sort_by(|a, b| {
        b.cost_recovery_percent
            .unwrap_or(0.0)
            .total_cmp(&a.cost_recovery_percent.unwrap_or(0.0))
    });
    Ok(Dashboard {
        last_run: super::runs::last_run(db, &bu.id).await?,
        date: t,
        currency: bu.currency.clone(),
        active_subscriptions: active,
        monthly_recurring_revenue: bu.money(mrr),
        overdue_count,
        overdue_total,
        due_soon_count: due_soon.0,
        due_soon_total: bu.money(due_soon.1),
        collected_this_month: bu.money(collected.unwrap_or(0)),
        past_end_date: past_end,
        awaiting_inspection: awaiting,
        orders_to_fulfil: to_fulfil,
        assets_by_status: assets
            .into_iter()
            .map(|(status, count)| StatusCount { status, count })
            .collect(),
        recovery_by_product,
        months,
        overdue_by_age,
    })
}
