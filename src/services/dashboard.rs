//! The figures on the dashboard: subscriptions, monthly recurring revenue, what is overdue, the
//! fleet by status, and cost recovery by product. Each is one indexed aggregate.

use super::{day_text, BusinessUnit};
use crate::error::Result;
use crate::money::Money;
use crate::store::Db;
use chrono::NaiveDate;
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

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub date: String,
    pub currency: String,
    pub active_subscriptions: i64,
    /// Σ monthly amounts of active subscriptions.
    pub monthly_recurring_revenue: Money,
    pub overdue_count: i64,
    pub overdue_total: Money,
    /// Open payments due in the next 30 days.
    pub due_soon_count: i64,
    pub due_soon_total: Money,
    pub collected_this_month: Money,
    pub past_end_date: i64,
    pub awaiting_inspection: i64,
    pub orders_to_fulfil: i64,
    pub assets_by_status: Vec<StatusCount>,
    pub recovery_by_product: Vec<ProductRecovery>,
}

pub async fn figures(db: &Db, bu: &BusinessUnit, today: NaiveDate) -> Result<Dashboard> {
    let mut tx = db.read().await?;
    let t = day_text(today);
    let (active, mrr): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(monthly_amount), 0) FROM subscriptions WHERE bu_id = ? AND status = 'active'",
    )
    .bind(&bu.id)
    .fetch_one(&mut *tx)
    .await?;
    let mut overdue = (0i64, 0i64);
    for st in ["pending", "failed"] {
        let (n, sum): (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(total), 0) FROM payments WHERE bu_id = ? AND status = ? AND due_date < ?",
        )
        .bind(&bu.id)
        .bind(st)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await?;
        overdue = (overdue.0 + n, overdue.1 + sum);
    }
    let soon = day_text(today + chrono::Days::new(30));
    let (soon_n, soon_sum): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(total), 0) FROM payments WHERE bu_id = ? AND status = 'pending' AND due_date >= ? AND due_date <= ?",
    )
    .bind(&bu.id)
    .bind(&t)
    .bind(&soon)
    .fetch_one(&mut *tx)
    .await?;
    let month_start = today.format("%Y-%m-01T00:00:00").to_string();
    // Paid this month, by due date window of the last 13 months (paid_at is not indexed; the
    // due-date range keeps the scan to recent payments).
    let since = day_text(today - chrono::Days::new(400));
    let collected: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(total - tax_amount), 0) FROM payments WHERE bu_id = ? AND status = 'paid' AND due_date >= ? AND paid_at >= ?",
    )
    .bind(&bu.id)
    .bind(&since)
    .bind(&month_start)
    .fetch_one(&mut *tx)
    .await?;
    let past_end: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE bu_id = ? AND status = 'active' AND end_date <= ?")
        .bind(&bu.id)
        .bind(&t)
        .fetch_one(&mut *tx)
        .await?;
    let assets: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, count(*) FROM assets WHERE bu_id = ? AND deleted_at IS NULL GROUP BY status ORDER BY status",
    )
    .bind(&bu.id)
    .fetch_all(&mut *tx)
    .await?;
    let awaiting = assets.iter().find(|(s, _)| s == "returned").map(|(_, n)| *n).unwrap_or(0);
    let to_fulfil: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders WHERE bu_id = ? AND status IN ('confirmed', 'partial')",
    )
    .bind(&bu.id)
    .fetch_one(&mut *tx)
    .await?;
    let rec: Vec<(Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT product_id, count(*), sum(status = 'active'), coalesce(sum(acquisition_cost), 0), coalesce(sum(total_collected), 0)
         FROM subscriptions WHERE bu_id = ? GROUP BY product_id",
    )
    .bind(&bu.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut recovery_by_product = Vec::with_capacity(rec.len());
    for (pid, n, act, cost, coll) in rec {
        let Some(pid) = pid else { continue };
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM products WHERE id = ?")
            .bind(&pid)
            .fetch_optional(&mut *tx)
            .await?;
        recovery_by_product.push(ProductRecovery {
            product_name: name.unwrap_or_else(|| pid.clone()),
            product_id: pid,
            subscriptions: n,
            active: act,
            acquisition_cost: bu.money(cost),
            collected: bu.money(coll),
            cost_recovery_percent: (cost > 0).then(|| {
                (Decimal::from(coll) * Decimal::from(100) / Decimal::from(cost)).round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero).to_f64().unwrap_or(0.0)
            }),
        });
    }
    recovery_by_product.sort_by(|a, b| {
        b.cost_recovery_percent.unwrap_or(0.0).total_cmp(&a.cost_recovery_percent.unwrap_or(0.0))
    });
    Ok(Dashboard {
        date: t,
        currency: bu.currency.clone(),
        active_subscriptions: active,
        monthly_recurring_revenue: bu.money(mrr),
        overdue_count: overdue.0,
        overdue_total: bu.money(overdue.1),
        due_soon_count: soon_n,
        due_soon_total: bu.money(soon_sum),
        collected_this_month: bu.money(collected),
        past_end_date: past_end,
        awaiting_inspection: awaiting,
        orders_to_fulfil: to_fulfil,
        assets_by_status: assets.into_iter().map(|(status, count)| StatusCount { status, count }).collect(),
        recovery_by_product,
    })
}
