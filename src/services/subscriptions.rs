//! Subscriptions (FlexPortal "rentals"): one asset on one order-item unit, from the scan that
//! activates it to the return, buyout, upgrade or cancellation that ends it. Every action is one
//! transaction with all its effects: the subscription, its asset, its order's progress, its
//! payments and the timeline.

use super::billing;
use super::payments::{self, Payer};
use super::webhooks;
use super::{day_text, opt_trim, parse_day, parse_limit, BusinessUnit, Ctx, Page, SortDir};
use crate::domain::lifecycle::{self, pct_f64};
use crate::domain::schedule::{self, TaxRule, Terms};
use crate::domain::serial;
use crate::domain::settings::{
    BillingStart, BuyoutMethod, ContractEnd, EarlyReturnFee, FirstPayment,
};
use crate::domain::status::{
    AssetStatus, BuyoutReason, CancellationReason, OrderStatus, PaymentKind, ReplacementReason,
    ReturnCondition, SubscriptionStatus,
};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::store::{json_col, record, Actor, Db, Entry};
use crate::sync::{r, Op};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use ts_rs::TS;

// ---------------------------------------------------------------------------------------------
// The rental object

/// Who did something, as the rental schema records it.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ActorRef {
    pub user_id: String,
    pub display_name: Option<String>,
    pub role: Option<String>,
}

impl From<&Actor> for ActorRef {
    fn from(a: &Actor) -> ActorRef {
        ActorRef {
            user_id: a.id.clone(),
            display_name: Some(a.name.clone()),
            role: Some(a.role.clone()),
        }
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ExtensionEntry {
    pub extension_months: u32,
    pub old_contract_length: u32,
    pub new_contract_length: u32,
    pub old_monthly_amount: Money,
    pub new_monthly_amount: Money,
    pub reason: Option<String>,
    pub notes: Option<String>,
    pub extended_by: ActorRef,
    pub old_end_date: String,
    pub new_end_date: String,
    pub extended_at: String,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ReplacementEntry {
    pub old_serial_number: String,
    pub new_serial_number: String,
    pub reason: String,
    pub damage_assessment: Option<String>,
    pub insurance_claim: Option<bool>,
    pub notes: Option<String>,
    pub replaced_by: ActorRef,
    pub replaced_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuyoutBreakdown {
    pub remaining_months: u32,
    pub remaining_months_payment: Money,
    pub list_price_percentage: f64,
    pub list_price_amount: Money,
    pub flat_fee: Money,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BuyoutDetails {
    pub buyout_price: Money,
    /// `auto_calculated` or `manual_override`.
    pub calculation_method: String,
    pub calculation_breakdown: BuyoutBreakdown,
    pub reason: BuyoutReason,
    pub notes: Option<String>,
    pub processed_by: ActorRef,
    pub buyout_date: String,
    /// The final payment for the price (FlexDesk).
    pub payment_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EarlyReturnBreakdown {
    /// `remaining_months`, `flat_fee`, `no_fee` or `manual`.
    pub method: String,
    pub remaining_months: u32,
    pub grace_period_applied: bool,
    pub days_from_start: u32,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct EarlyReturnDetails {
    pub fee: Money,
    pub fee_waived: bool,
    pub calculation_method: String,
    pub calculation_breakdown: EarlyReturnBreakdown,
    pub return_condition: ReturnCondition,
    pub reason: String,
    pub damage_assessment: Option<String>,
    pub notes: Option<String>,
    pub processed_by: ActorRef,
    pub returned_at: String,
    pub payment_id: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct CancellationDetails {
    pub reason: CancellationReason,
    pub notes: Option<String>,
    pub processed_by: ActorRef,
    pub cancelled_at: String,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct Rental {
    pub rental_id: String,
    pub tenant_id: String,
    pub asset_serial_number: String,
    pub customer_id: String,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub product_image_url: Option<String>,
    pub monthly_amount: Money,
    pub currency: String,
    pub status: SubscriptionStatus,
    pub billing_group_id: Option<String>,
    pub original_contract_length: u32,
    pub contract_length: u32,
    pub start_date: String,
    pub end_date: String,
    pub next_billing_date: Option<String>,
    pub last_modified_date: String,
    pub extension_history: Vec<ExtensionEntry>,
    /// Whole months from the start to the end (or to today while active).
    pub actual_months_rented: u32,
    /// Contract months not used because it ended early.
    pub months_saved: u32,
    pub list_price: Option<Money>,
    pub list_price_source: String,
    pub list_price_captured_at: String,
    pub acquisition_cost: Option<Money>,
    pub acquisition_cost_source: String,
    pub acquisition_cost_captured_at: String,
    /// Net amount of paid payments.
    pub total_collected: Money,
    pub cost_recovery_percent: Option<f64>,
    pub current_profit: Option<Money>,
    pub breakeven_months: Option<f64>,
    pub has_reached_breakeven: bool,
    /// `profitable`, `recovering`, `at_risk` or `no_data`.
    pub recovery_status: String,
    pub replacement_history: Vec<ReplacementEntry>,
    pub buyout_details: Option<BuyoutDetails>,
    pub early_return_details: Option<EarlyReturnDetails>,
    pub cancellation_details: Option<CancellationDetails>,
    pub order_id: String,
    pub upgrade_from_rental_id: Option<String>,
    pub customer_email: String,
    pub customer_name: String,
    #[ts(type = "Record<string, unknown>")]
    pub custom_fields: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub notes: Option<String>,
    // FlexDesk additions.
    pub order_number: Option<String>,
    /// The order item (0-based) this unit fulfils; absent for upgrades.
    pub order_item_index: Option<i64>,
    pub upgraded_to_rental_id: Option<String>,
    /// The day it ended (status other than active).
    pub ended_on: Option<String>,
    /// Past its end date while the business unit's contract-end setting asks staff to act.
    pub needs_action: bool,
    /// Past its end date and still running month by month.
    pub renewing: bool,
}

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct Row {
    pub id: String,
    pub order_id: String,
    pub item_idx: Option<i64>,
    pub customer_id: String,
    pub customer_email: String,
    pub customer_name: String,
    pub asset_id: i64,
    pub serial_number: String,
    pub product_id: Option<String>,
    pub variant_id: Option<String>,
    pub sku: String,
    pub product_name: String,
    pub product_image_url: Option<String>,
    pub monthly_amount: i64,
    pub currency: String,
    pub status: String,
    pub billing_group_id: Option<String>,
    pub original_contract_length: i64,
    pub contract_length: i64,
    pub start_date: String,
    pub end_date: String,
    pub ended_on: Option<String>,
    pub billing_start: String,
    pub payment_terms_days: i64,
    pub tax_rate: String,
    pub tax_inclusive: bool,
    pub list_price: Option<i64>,
    pub list_price_source: String,
    pub acquisition_cost: Option<i64>,
    pub acquisition_cost_source: String,
    pub captured_at: String,
    pub total_collected: i64,
    pub extension_history: String,
    pub replacement_history: String,
    pub buyout_details: Option<String>,
    pub early_return_details: Option<String>,
    pub cancellation_details: Option<String>,
    pub upgrade_from_rental_id: Option<String>,
    pub upgraded_to_rental_id: Option<String>,
    pub custom_fields: Option<String>,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    pub order_number: Option<String>,
    pub next_billing_date: Option<String>,
}

const COLS: &str = "s.id, s.order_id, s.item_idx, s.customer_id, s.customer_email, s.customer_name, s.asset_id, s.serial_number, s.product_id,
    s.variant_id, s.sku, s.product_name, s.product_image_url, s.monthly_amount, s.currency, s.status, s.billing_group_id,
    s.original_contract_length, s.contract_length, s.start_date, s.end_date, s.ended_on, s.billing_start, s.payment_terms_days, s.tax_rate,
    s.tax_inclusive, s.list_price, s.list_price_source, s.acquisition_cost, s.acquisition_cost_source, s.captured_at, s.total_collected,
    s.extension_history, s.replacement_history, s.buyout_details, s.early_return_details, s.cancellation_details, s.upgrade_from_rental_id,
    s.upgraded_to_rental_id, s.custom_fields, s.notes, s.created_at, s.updated_at, s.created_by,
    (SELECT order_number FROM orders o WHERE o.id = s.order_id) AS order_number,
    (SELECT min(due_date) FROM payments p WHERE p.rental_id = s.id AND p.status IN ('pending', 'failed', 'processing')) AS next_billing_date";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

/// Whole months from `a` to `b` (the largest m with a + m months <= b).
pub fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    if b <= a {
        return 0;
    }
    let mut m = ((b.year_ce().1 as i64 - a.year_ce().1 as i64) * 12 + b.month0() as i64
        - a.month0() as i64)
        .max(0) as u32;
    while m > 0 && schedule::add_months(a, m) > b {
        m -= 1;
    }
    m
}

use chrono::Datelike;

impl Row {
    pub(crate) fn status(&self) -> SubscriptionStatus {
        SubscriptionStatus::parse(&self.status).unwrap_or(SubscriptionStatus::Active)
    }
    pub(crate) fn start(&self) -> NaiveDate {
        date(&self.start_date)
    }
    pub(crate) fn end(&self) -> NaiveDate {
        date(&self.end_date)
    }
    pub(crate) fn tax(&self, bu: &BusinessUnit) -> TaxRule {
        TaxRule {
            rate: self.tax_rate.parse().unwrap_or_default(),
            inclusive: self.tax_inclusive,
            exponent: bu.currency_exponent,
        }
    }
    pub(crate) fn terms(&self, bu: &BusinessUnit) -> Terms {
        Terms {
            start: self.start(),
            months: self.contract_length as u32,
            monthly: self.monthly_amount,
            billing_start: BillingStart::parse(&self.billing_start)
                .unwrap_or(BillingStart::Immediate),
            first_payment: FirstPayment::FullMonth,
            terms_days: self.payment_terms_days as u32,
            tax: self.tax(bu),
        }
    }
    fn payer<'a>(&'a self, bu: &'a BusinessUnit, now: &'a str) -> Payer<'a> {
        Payer {
            bu_id: &bu.id,
            customer_id: &self.customer_id,
            rental_id: &self.id,
            asset_id: self.asset_id,
            currency: &self.currency,
            tax_rate: &self.tax_rate,
            now,
        }
    }
    fn to_rental(&self, bu: &BusinessUnit, today: NaiveDate) -> Rental {
        let status = self.status();
        let (start, end) = (self.start(), self.end());
        let until = match (status, self.ended_on.as_deref()) {
            (SubscriptionStatus::Active, _) | (_, None) => today,
            (_, Some(e)) => date(e),
        };
        let actual = months_between(start, until);
        let monthly_net = self.tax(bu).split(self.monthly_amount).net;
        let rec = lifecycle::recovery(
            self.acquisition_cost,
            self.total_collected,
            monthly_net,
            lifecycle::completion(start, end, until),
        );
        let past_end = status == SubscriptionStatus::Active && end <= today;
        Rental {
            rental_id: self.id.clone(),
            tenant_id: bu.id.clone(),
            asset_serial_number: self.serial_number.clone(),
            customer_id: self.customer_id.clone(),
            product_id: self.product_id.clone(),
            variant_id: self.variant_id.clone(),
            sku: self.sku.clone(),
            product_name: self.product_name.clone(),
            product_image_url: self.product_image_url.clone(),
            monthly_amount: bu.money(self.monthly_amount),
            currency: self.currency.clone(),
            status,
            billing_group_id: self.billing_group_id.clone(),
            original_contract_length: self.original_contract_length as u32,
            contract_length: self.contract_length as u32,
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            next_billing_date: self.next_billing_date.clone(),
            last_modified_date: self.updated_at.clone(),
            extension_history: serde_json::from_str(&self.extension_history).unwrap_or_default(),
            actual_months_rented: actual,
            months_saved: if status == SubscriptionStatus::Active {
                0
            } else {
                (self.contract_length as u32).saturating_sub(actual)
            },
            list_price: bu.money_opt(self.list_price),
            list_price_source: self.list_price_source.clone(),
            list_price_captured_at: self.captured_at.clone(),
            acquisition_cost: bu.money_opt(self.acquisition_cost),
            acquisition_cost_source: self.acquisition_cost_source.clone(),
            acquisition_cost_captured_at: self.captured_at.clone(),
            total_collected: bu.money(self.total_collected),
            cost_recovery_percent: rec.percent.map(pct_f64),
            current_profit: rec.profit.map(|p| bu.money(p)),
            breakeven_months: rec.breakeven_months.map(pct_f64),
            has_reached_breakeven: rec.reached_breakeven,
            recovery_status: rec.status.as_str().to_string(),
            replacement_history: serde_json::from_str(&self.replacement_history)
                .unwrap_or_default(),
            buyout_details: json_col(self.buyout_details.as_deref()),
            early_return_details: json_col(self.early_return_details.as_deref()),
            cancellation_details: json_col(self.cancellation_details.as_deref()),
            order_id: self.order_id.clone(),
            upgrade_from_rental_id: self.upgrade_from_rental_id.clone(),
            customer_email: self.customer_email.clone(),
            customer_name: self.customer_name.clone(),
            custom_fields: json_col(self.custom_fields.as_deref()),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            created_by: self.created_by.clone(),
            notes: self.notes.clone(),
            order_number: self.order_number.clone(),
            order_item_index: self.item_idx,
            upgraded_to_rental_id: self.upgraded_to_rental_id.clone(),
            ended_on: self.ended_on.clone(),
            needs_action: past_end && bu.settings.contract_end == ContractEnd::RequireAction,
            renewing: past_end && bu.settings.contract_end == ContractEnd::AutoRenewMonthly,
        }
    }
}

pub(crate) async fn row_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<Row> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM subscriptions s WHERE s.id = ? AND s.bu_id = ?"
    ))
    .bind(id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| Error::not_found("Subscription", id.trim()))
}

async fn active_row(conn: &mut SqliteConnection, bu: &BusinessUnit, id: &str) -> Result<Row> {
    let row = row_in(conn, bu, id).await?;
    if row.status() != SubscriptionStatus::Active {
        return Err(Error::new(
            ErrorCode::SubscriptionNotActive,
            format!(
                "Subscription {} is {}; only active subscriptions can change.",
                row.id, row.status
            ),
        ));
    }
    Ok(row)
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
    today: NaiveDate,
) -> Result<Rental> {
    Ok(row_in(conn, bu, id).await?.to_rental(bu, today))
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str, today: NaiveDate) -> Result<Rental> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id, today).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct SubscriptionQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<String>,
    pub order_id: Option<String>,
    #[serde(alias = "assetSerialNumber")]
    pub serial_number: Option<String>,
    pub sku: Option<String>,
    /// Ending on or after (YYYY-MM-DD).
    pub end_date_from: Option<String>,
    /// Ending on or before (YYYY-MM-DD).
    pub end_date_to: Option<String>,
    /// Active subscriptions past their end date (contract-end follow-up).
    pub past_end: Option<bool>,
    pub sort_dir: Option<String>,
}

/// Subscriptions newest first (keyset), with the documented filters and a few of FlexDesk's.
pub async fn list(
    db: &Db,
    bu: &BusinessUnit,
    q: &SubscriptionQuery,
    today: NaiveDate,
) -> Result<Page<Rental>> {
    let limit = parse_limit(q.limit.as_deref())?;
    let dir = SortDir::parse(q.sort_dir.as_deref())?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "SELECT {COLS} FROM subscriptions s WHERE s.bu_id = "
    ));
    qb.push_bind(bu.id.clone());
    if let Some(s) = opt_trim(q.status.clone()) {
        SubscriptionStatus::parse_field("status", &s)?;
        qb.push(" AND s.status = ").push_bind(s);
    }
    if let Some(c) = opt_trim(q.customer_id.clone()) {
        qb.push(" AND s.customer_id = ").push_bind(c);
    }
    if let Some(o) = opt_trim(q.order_id.clone()) {
        qb.push(" AND s.order_id = ").push_bind(o);
    }
    if let Some(sn) = opt_trim(q.serial_number.clone()) {
        let sn = serial::normalize(&sn).map_err(|e| Error::invalid("serialNumber", e.message))?;
        qb.push(" AND s.serial_number = ").push_bind(sn);
    }
    if let Some(sku) = opt_trim(q.sku.clone()) {
        qb.push(" AND s.sku = ").push_bind(sku);
    }
    if let Some(f) = opt_trim(q.end_date_from.clone()) {
        qb.push(" AND s.end_date >= ")
            .push_bind(day_text(parse_day("endDateFrom", &f)?));
    }
    if let Some(t) = opt_trim(q.end_date_to.clone()) {
        qb.push(" AND s.end_date <= ")
            .push_bind(day_text(parse_day("endDateTo", &t)?));
    }
    if q.past_end == Some(true) {
        qb.push(" AND s.status = 'active' AND s.end_date <= ")
            .push_bind(day_text(today));
    }
    super::changed_since(
        &mut qb,
        "s",
        "id",
        "rental",
        &bu.id,
        q.changed_since.as_deref(),
    )?;
    super::keyset_tail(
        db,
        &mut qb,
        "subscriptions",
        "s",
        "id",
        &bu.id,
        q.start_after.as_deref(),
        dir,
        limit,
    )
    .await?;
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
    let items = rows.iter().map(|r| r.to_rental(bu, today)).collect();
    Ok(super::into_page(items, limit, |r: &Rental| {
        r.rental_id.clone()
    }))
}

/// The subscription's whole schedule, in period order (detail screen; the caller has read the
/// subscription, so an unknown id simply has no payments).
pub async fn schedule_of(
    db: &Db,
    bu: &BusinessUnit,
    id: &str,
    today: NaiveDate,
) -> Result<Vec<payments::Payment>> {
    let mut all = Vec::new();
    let mut q = payments::PaymentQuery {
        rental_id: Some(id.to_string()),
        limit: Some("100".into()),
        sort_dir: Some("asc".into()),
        ..Default::default()
    };
    loop {
        let page = payments::list(db, bu, &q, today).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => q.start_after = Some(c),
            None => break,
        }
    }
    Ok(all)
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of the actions

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: i64,
    serial_number: String,
    sku: String,
    status: String,
    rental_id: Option<String>,
    acquisition_cost: Option<i64>,
}

async fn asset_by_serial(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    raw: &str,
) -> Result<AssetRow> {
    let not_found = || {
        Error::new(
            ErrorCode::AssetNotFound,
            format!("No asset has the serial number {}.", raw.trim()),
        )
    };
    let sn = serial::normalize(raw).map_err(|_| not_found())?;
    sqlx::query_as(
        "SELECT id, serial_number, sku, status, rental_id, acquisition_cost FROM assets WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&bu.id)
    .bind(&sn)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)
}

fn require_available(a: &AssetRow) -> Result<()> {
    if a.status != "available" {
        let why = match a.status.as_str() {
            "rented_out" => "is rented out".to_string(),
            "returned" => "is back from a customer and waits for inspection".to_string(),
            "sold" => "was sold".to_string(),
            other => format!("is {other}"),
        };
        return Err(Error::new(
            ErrorCode::AssetNotAvailable,
            format!(
                "Serial {} {why}; only available assets can go out.",
                a.serial_number
            ),
        ));
    }
    Ok(())
}

async fn set_asset(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    status: AssetStatus,
    customer_id: Option<&str>,
    rental_id: Option<&str>,
    condition: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE assets SET status = ?, customer_id = ?, rental_id = ?, condition = coalesce(?, condition), updated_at = ? WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(customer_id)
    .bind(rental_id)
    .bind(condition)
    .bind(&ctx.now)
    .bind(asset_id)
    .execute(conn)
    .await?;
    Ok(())
}

async fn open_assignment(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<()> {
    emit_asset(
        conn,
        ctx,
        "asset.assigned",
        asset_id,
        rental_id,
        customer_id,
        reason,
    )
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO asset_assignments (asset_id, rental_id, customer_id, started_on, start_reason) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(asset_id)
    .bind(rental_id)
    .bind(customer_id)
    .bind(day_text(on))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

async fn close_assignment(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<()> {
    // A bought-out device stays with the customer: it ends its assignment without coming back.
    if reason != "bought_out" {
        emit_asset(
            conn,
            ctx,
            "asset.returned",
            asset_id,
            rental_id,
            customer_id,
            reason,
        )
        .await?;
    }
    sqlx::query(
        "UPDATE asset_assignments SET ended_on = ?, end_reason = ? WHERE asset_id = ? AND rental_id = ? AND ended_on IS NULL",
    )
    .bind(day_text(on))
    .bind(reason)
    .bind(asset_id)
    .bind(rental_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queue `asset.assigned` / `asset.returned` for an asset (when some endpoint wants it).
async fn emit_asset(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    reason: &str,
) -> Result<()> {
    let hooks = webhooks::Hooks::of(conn, ctx).await?;
    if !hooks.wants(event) {
        return Ok(());
    }
    let (serial, sku): (String, String) =
        sqlx::query_as("SELECT serial_number, sku FROM assets WHERE id = ?")
            .bind(asset_id)
            .fetch_one(&mut *conn)
            .await?;
    let data = serde_json::json!({
        "serialNumber": serial,
        "sku": sku,
        "subscriptionId": rental_id,
        "customerId": customer_id,
        "reason": reason,
    });
    hooks.emit(conn, ctx, event, data).await
}

/// Queue a `subscription.*` event: the ids a receiver routes on, `extra` facts of the action,
/// and the whole subscription as `GET /v1/subscriptions/{id}` returns it.
async fn emit_subscription(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    r: &Rental,
    extra: Value,
) -> Result<()> {
    webhooks::emit(conn, ctx, event, || {
        let mut data = serde_json::json!({
            "subscriptionId": r.rental_id,
            "customerId": r.customer_id,
            "orderId": r.order_id,
            "serialNumber": r.asset_serial_number,
            "status": r.status,
        });
        if let (Value::Object(d), Value::Object(x)) = (&mut data, extra) {
            d.extend(x);
        }
        data["subscription"] = crate::money::to_wire_value(r);
        data
    })
    .await
}

/// A timeline entry of this action; `change` is the (before, after) pair where it matters.
async fn event(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    entity_type: &str,
    entity_id: &str,
    action: &str,
    summary: String,
    change: Option<(Value, Value)>,
) -> Result<()> {
    let (before, after) = change.unzip();
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type,
            entity_id,
            action,
            summary,
            before,
            after,
        },
    )
    .await
}

/// An effective date sent with an action: not before the start, not after today.
fn effective_date(raw: Option<&str>, row: &Row, today: NaiveDate) -> Result<NaiveDate> {
    let Some(t) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(today.max(row.start()));
    };
    let d = parse_day("effectiveDate", t)?;
    if d > today {
        return Err(Error::invalid(
            "effectiveDate",
            "The effective date cannot be in the future.",
        ));
    }
    if d < row.start() {
        return Err(Error::invalid(
            "effectiveDate",
            format!(
                "The effective date cannot be before the start ({}).",
                row.start_date
            ),
        ));
    }
    Ok(d)
}

fn text_field(path: &str, v: Option<String>, max: usize, label: &str) -> Result<Option<String>> {
    let v = opt_trim(v);
    if let Some(t) = &v {
        if t.chars().count() > max {
            return Err(Error::invalid(
                path,
                format!("{label} must be at most {max} characters."),
            ));
        }
    }
    Ok(v)
}

struct NewSub<'a> {
    order_id: &'a str,
    item_idx: Option<i64>,
    customer_id: &'a str,
    customer_email: &'a str,
    customer_name: &'a str,
    asset: &'a AssetRow,
    product_id: Option<String>,
    variant_id: Option<String>,
    sku: &'a str,
    product_name: &'a str,
    product_image_url: Option<String>,
    monthly: i64,
    months: u32,
    start: NaiveDate,
    list_price: Option<i64>,
    list_price_source: String,
    acquisition_cost: Option<i64>,
    acquisition_cost_source: String,
    upgrade_from: Option<&'a str>,
    notes: Option<String>,
    start_reason: &'a str,
    billing_group_id: Option<String>,
    /// The id sent by the caller, if any.
    id: Option<&'a str>,
}

/// Insert a subscription with its schedule, put its asset out, open the assignment.
async fn start_subscription(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    n: NewSub<'_>,
) -> Result<String> {
    let bu = &ctx.bu;
    let s = &bu.settings;
    let id = super::client_id(conn, ctx, "rentalId", n.id, prefix::RENTAL, "subscriptions").await?;
    // A business in another EU member state with a VAT ID accounts for the VAT itself.
    let rate = if super::invoices::reverse_charge_applies(conn, bu, n.customer_id).await? {
        Decimal::ZERO
    } else {
        s.tax_rate
    };
    let terms = Terms {
        start: n.start,
        months: n.months,
        monthly: n.monthly,
        billing_start: s.billing_start,
        first_payment: s.first_payment,
        terms_days: s.payment_terms_days,
        tax: TaxRule {
            rate,
            inclusive: s.tax_inclusive,
            exponent: bu.currency_exponent,
        },
    };
    let tax_rate = rate.normalize().to_string();
    sqlx::query(
        "INSERT INTO subscriptions (id, bu_id, order_id, item_idx, customer_id, customer_email, customer_name, asset_id, serial_number, product_id,
             variant_id, sku, product_name, product_image_url, monthly_amount, currency, status, original_contract_length, contract_length,
             start_date, end_date, billing_start, payment_terms_days, tax_rate, tax_inclusive, list_price, list_price_source, acquisition_cost,
             acquisition_cost_source, captured_at, upgrade_from_rental_id, notes, created_at, updated_at, created_by, billing_group_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&bu.id)
    .bind(n.order_id)
    .bind(n.item_idx)
    .bind(n.customer_id)
    .bind(n.customer_email)
    .bind(n.customer_name)
    .bind(n.asset.id)
    .bind(&n.asset.serial_number)
    .bind(&n.product_id)
    .bind(&n.variant_id)
    .bind(n.sku)
    .bind(n.product_name)
    .bind(&n.product_image_url)
    .bind(n.monthly)
    .bind(&bu.currency)
    .bind(n.months as i64)
    .bind(n.months as i64)
    .bind(day_text(n.start))
    .bind(day_text(terms.end_date()))
    .bind(s.billing_start.as_str())
    .bind(s.payment_terms_days as i64)
    .bind(&tax_rate)
    .bind(s.tax_inclusive)
    .bind(n.list_price)
    .bind(&n.list_price_source)
    .bind(n.acquisition_cost)
    .bind(&n.acquisition_cost_source)
    .bind(&ctx.now)
    .bind(n.upgrade_from)
    .bind(&n.notes)
    .bind(&ctx.now)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .bind(&n.billing_group_id)
    .execute(&mut *conn)
    .await?;
    let payer = Payer {
        bu_id: &bu.id,
        customer_id: n.customer_id,
        rental_id: &id,
        asset_id: n.asset.id,
        currency: &bu.currency,
        tax_rate: &tax_rate,
        now: &ctx.now,
    };
    payments::insert_slots(conn, &payer, &terms.schedule()).await?;
    webhooks::emit_scheduled(conn, ctx, &id).await?;
    billing::regroup_member(conn, bu, n.billing_group_id.as_deref(), &ctx.now).await?;
    set_asset(
        conn,
        ctx,
        n.asset.id,
        AssetStatus::RentedOut,
        Some(n.customer_id),
        Some(&id),
        None,
    )
    .await?;
    open_assignment(
        conn,
        ctx,
        n.asset.id,
        &id,
        n.customer_id,
        n.start,
        n.start_reason,
    )
    .await?;
    event(
        conn,
        ctx,
        "asset",
        &n.asset.serial_number,
        "rented_out",
        format!("Rented out to {} on subscription {id}", n.customer_name),
        Some((
            serde_json::json!({ "status": n.asset.status }),
            serde_json::json!({ "status": "rented_out", "rentalId": id }),
        )),
    )
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Activation

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ActivateInput {
    /// The subscription id to use (a desk's, replayed on a hub); made here when absent.
    #[serde(alias = "subscriptionId")]
    pub rental_id: Option<String>,
    /// Order id or number.
    pub order_id: String,
    #[serde(alias = "serialNumber")]
    pub asset_serial_number: String,
    /// Must be the order's customer when given (the v1 API requires it; the desk leaves it out).
    pub customer_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// Defaults to today.
    pub start_date: Option<String>,
    /// Defaults to the order item's contract length.
    #[ts(optional, type = "number")]
    pub contract_length: Option<Value>,
    pub notes: Option<String>,
}

/// The order's progress after a scan, for the scan station.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Activation {
    pub rental: Rental,
    pub order_number: String,
    pub order_status: OrderStatus,
    pub rented_devices: i64,
    pub total_devices: i64,
    pub message: String,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    idx: i64,
    sku: String,
    quantity: i64,
    filled: i64,
    product_id: Option<String>,
    variant_id: Option<String>,
    product_name: String,
    product_image_url: Option<String>,
    unit_price: i64,
    contract_length: i64,
    list_price: Option<i64>,
    list_price_source: String,
    acquisition_cost: Option<i64>,
    acquisition_cost_source: String,
    acquisition_cost_override: Option<i64>,
}

/// Assign a serial to the first unit of the order that wants its SKU. The checks run in the
/// order spec/decisions.md gives; the first failure wins and nothing is written.
pub async fn activate(db: &Db, ctx: &Ctx, input: ActivateInput) -> Result<Activation> {
    let mut tx = db.write().await?;
    let a = activate_in(&mut tx, ctx, input).await?;
    tx.commit().await?;
    Ok(a)
}

/// `activate` inside the caller's transaction (a conflict resolved with another serial does both
/// in one).
pub(crate) async fn activate_in(
    tx: &mut SqliteConnection,
    ctx: &Ctx,
    input: ActivateInput,
) -> Result<Activation> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let mut c = crate::error::Checks::new();
    c.require("orderId", &input.order_id, "The order");
    c.require(
        "assetSerialNumber",
        &input.asset_serial_number,
        "The serial number",
    );
    let start = match opt_trim(input.start_date.clone()) {
        Some(s) => match parse_day("startDate", &s) {
            Ok(d) => Some(d),
            Err(e) => {
                c.fail("startDate", e.message);
                None
            }
        },
        None => Some(today),
    };
    let months = match &input.contract_length {
        None | Some(Value::Null) => None,
        Some(v) => match super::whole_number(v).filter(|n| (1..=120).contains(n)) {
            Some(n) => Some(n as u32),
            None => {
                c.fail(
                    "contractLength",
                    "The contract length must be a whole number of months from 1 to 120.",
                );
                None
            }
        },
    };
    let notes = text_field("notes", input.notes.clone(), 5000, "Notes")?;
    c.finish()?;
    let start = start.unwrap_or(today);

    // 1. The order.
    let order: Option<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, order_number, status, customer_id, total_devices, rented_devices FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?",
    )
    .bind(input.order_id.trim())
    .bind(input.order_id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *tx)
    .await?;
    let (order_id, number, status, customer_id, total, rented) = order.ok_or_else(|| {
        Error::new(
            ErrorCode::OrderNotFound,
            format!("No order {} in this business unit.", input.order_id.trim()),
        )
    })?;
    if let Some(cid) = opt_trim(input.customer_id.clone()) {
        if cid != customer_id {
            return Err(Error::invalid(
                "customerId",
                format!("Order {number} belongs to another customer."),
            ));
        }
    }
    // The billing group to join: of this unit, active, and billing this order's customer.
    let group_id = match opt_trim(input.billing_group_id.clone()) {
        None => None,
        Some(g) => {
            let found: Option<(String, String)> = sqlx::query_as(
                "SELECT customer_id, status FROM billing_groups WHERE id = ? AND bu_id = ?",
            )
            .bind(&g)
            .bind(&bu.id)
            .fetch_optional(&mut *tx)
            .await?;
            let (group_customer, group_status) =
                found.ok_or_else(|| Error::not_found("Billing group", &g))?;
            if group_customer != customer_id {
                return Err(Error::new(
                    ErrorCode::SubscriptionDifferentCustomer,
                    format!("Billing group {g} bills another customer than order {number}'s."),
                ));
            }
            if group_status != "active" {
                return Err(Error::invalid(
                    "billingGroupId",
                    format!("Billing group {g} is inactive."),
                ));
            }
            Some(g)
        }
    };
    // 2. Confirmed (or already partly fulfilled).
    let status = OrderStatus::parse(&status).unwrap_or(OrderStatus::Pending);
    match status {
        OrderStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::OrderNotConfirmed,
                format!("Order {number} was cancelled."),
            ));
        }
        OrderStatus::Pending if bu.settings.require_confirmed_orders => {
            return Err(Error::new(
                ErrorCode::OrderNotConfirmed,
                format!("Order {number} is not confirmed yet; confirm it first."),
            ));
        }
        _ => {}
    }
    // 3. Anything left to fulfil.
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT i.idx, i.sku, i.quantity,
             (SELECT count(*) FROM subscriptions s WHERE s.order_id = i.order_id AND s.item_idx = i.idx) AS filled,
             i.product_id, i.variant_id, i.product_name, i.product_image_url, i.unit_price, i.contract_length, i.list_price, i.list_price_source,
             i.acquisition_cost, i.acquisition_cost_source, i.acquisition_cost_override
         FROM order_items i WHERE i.order_id = ? ORDER BY i.idx",
    )
    .bind(&order_id)
    .fetch_all(&mut *tx)
    .await?;
    if items.iter().all(|i| i.filled >= i.quantity) {
        return Err(Error::new(
            ErrorCode::ItemFullyFulfilled,
            format!("Every unit of order {number} already has a device."),
        ));
    }
    // 4–5. The asset, available.
    let asset = asset_by_serial(tx, bu, &input.asset_serial_number).await?;
    if asset.status == "rented_out" {
        if let Some(rid) = &asset.rental_id {
            let same: Option<String> =
                sqlx::query_scalar("SELECT id FROM subscriptions WHERE id = ? AND order_id = ?")
                    .bind(rid)
                    .bind(&order_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if same.is_some() {
                return Err(Error::new(
                    ErrorCode::AssetNotAvailable,
                    format!(
                        "Serial {} is already activated on this order.",
                        asset.serial_number
                    ),
                ));
            }
        }
    }
    require_available(&asset)?;
    // 6–7. An item of the order wants this SKU and has a free unit.
    let with_sku: Vec<&ItemRow> = items.iter().filter(|i| i.sku == asset.sku).collect();
    if with_sku.is_empty() {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}; order {number} wants {}.",
                asset.serial_number,
                asset.sku,
                items
                    .iter()
                    .filter(|i| i.filled < i.quantity)
                    .map(|i| i.sku.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let Some(item) = with_sku.into_iter().find(|i| i.filled < i.quantity) else {
        return Err(Error::new(
            ErrorCode::ItemFullyFulfilled,
            format!("Order {number} already has every {} it needs.", asset.sku),
        ));
    };
    let (cust_email, cust_name): (String, String) = sqlx::query_as(
        "SELECT email, coalesce(nullif(company, ''), trim(first_name || ' ' || last_name)) FROM customers WHERE id = ?",
    )
    .bind(&customer_id)
    .fetch_one(&mut *tx)
    .await?;
    let (cost, cost_source) = match (item.acquisition_cost_override, asset.acquisition_cost) {
        (Some(o), _) => (Some(o), "order_override".to_string()),
        (None, Some(a)) if Some(a) == item.acquisition_cost => {
            (Some(a), item.acquisition_cost_source.clone())
        }
        (None, Some(a)) => (Some(a), "manual".to_string()),
        (None, None) => (item.acquisition_cost, item.acquisition_cost_source.clone()),
    };
    let months = months.unwrap_or(item.contract_length as u32);
    let id = start_subscription(
        tx,
        ctx,
        NewSub {
            order_id: &order_id,
            item_idx: Some(item.idx),
            customer_id: &customer_id,
            customer_email: &cust_email,
            customer_name: &cust_name,
            asset: &asset,
            product_id: item.product_id.clone(),
            variant_id: item.variant_id.clone(),
            sku: &item.sku,
            product_name: &item.product_name,
            product_image_url: item.product_image_url.clone(),
            monthly: item.unit_price,
            months,
            start,
            list_price: item.list_price,
            list_price_source: item.list_price_source.clone(),
            acquisition_cost: cost,
            acquisition_cost_source: cost_source,
            upgrade_from: None,
            notes,
            start_reason: "activated",
            billing_group_id: group_id.clone(),
            id: input.rental_id.as_deref(),
        },
    )
    .await?;
    let rented = rented + 1;
    let new_status = if rented >= total {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::Partial
    };
    sqlx::query("UPDATE orders SET rented_devices = ?, status = ?, updated_at = ? WHERE id = ?")
        .bind(rented)
        .bind(new_status.as_str())
        .bind(&ctx.now)
        .bind(&order_id)
        .execute(&mut *tx)
        .await?;
    if new_status != status {
        event(
            tx,
            ctx,
            "order",
            &order_id,
            new_status.as_str(),
            format!("Order {number} is {new_status} ({rented} of {total} devices out)"),
            Some((
                serde_json::json!({ "status": status }),
                serde_json::json!({ "status": new_status }),
            )),
        )
        .await?;
    }
    event(
        tx,
        ctx,
        "subscription",
        &id,
        "activated",
        format!(
            "Activated {} ({}) for {cust_name} on order {number}, {months} months from {}",
            asset.serial_number,
            item.sku,
            day_text(start)
        ),
        None,
    )
    .await?;
    let rental = get_in(tx, bu, &id, today).await?;
    crate::sync::record(
        tx,
        ctx,
        Op::post(
            "/v1/subscriptions",
            serde_json::json!({
                "rentalId": id, "orderId": order_id, "assetSerialNumber": asset.serial_number,
                "customerId": customer_id, "billingGroupId": group_id, "startDate": day_text(start),
                "contractLength": months, "notes": rental.notes,
            }),
        )
        .touching([
            r("rental", &id),
            r("asset", &asset.serial_number),
            r("order", &order_id),
        ])
        .saying(format!("Activated {} on {number}", asset.serial_number)),
    )
    .await?;
    emit_subscription(tx, ctx, "subscription.created", &rental, Value::Null).await?;
    if new_status == OrderStatus::Fulfilled && status != OrderStatus::Fulfilled {
        webhooks::emit(tx, ctx, "order.fulfilled", || {
            serde_json::json!({
                "orderId": order_id,
                "orderNumber": number,
                "customerId": rental.customer_id,
                "rentedDevices": rented,
                "totalDevices": total,
            })
        })
        .await?;
    }
    Ok(Activation {
        message: format!(
            "{} activated on {number} ({rented} of {total}).",
            rental.asset_serial_number
        ),
        rental,
        order_number: number,
        order_status: new_status,
        rented_devices: rented,
        total_devices: total,
    })
}

/// A subscription action (`extend`, `buyout`, …) as its v1 op: touching the subscription, its
/// asset and `more`.
async fn action_op<const N: usize>(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    action: &str,
    body: Value,
    more: [String; N],
) -> Result<()> {
    let mut refs = vec![r("rental", &row.id), r("asset", &row.serial_number)];
    refs.extend(more);
    // FlexPortal's lifecycle bodies name the subscription too.
    let mut body = body;
    if let Some(o) = body.as_object_mut() {
        o.entry("rentalId").or_insert_with(|| row.id.clone().into());
    }
    crate::sync::record(
        conn,
        ctx,
        Op::post(format!("/v1/subscriptions/{}/{action}", row.id), body)
            .touching(refs)
            .saying(format!("{action} {} ({})", row.id, row.serial_number)),
    )
    .await
}

/// The end of a subscription by one of its v1 actions: the subscription as it now is, its
/// `subscription.ended` event and the action's op.
async fn ended(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    reason: &str,
    action: &str,
    op_body: Value,
) -> Result<Rental> {
    let rental = get_in(conn, &ctx.bu, &row.id, ctx.today()).await?;
    emit_subscription(
        conn,
        ctx,
        "subscription.ended",
        &rental,
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    action_op(conn, ctx, row, action, op_body, []).await?;
    Ok(rental)
}

// ---------------------------------------------------------------------------------------------
// Extend

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ExtendInput {
    #[ts(type = "number")]
    pub extension_months: Value,
    /// Defaults to the current monthly amount.
    pub new_monthly_amount: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Extended {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub old_end_date: String,
    pub new_end_date: String,
    pub extension_months: u32,
    pub old_contract_length: u32,
    pub new_contract_length: u32,
    pub rental: Rental,
}

async fn extend_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    months: u32,
    new_monthly: i64,
    reason: Option<String>,
    notes: Option<String>,
) -> Result<(String, String, u32)> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let old_len = row.contract_length as u32;
    let new_len = old_len + months;
    let start = row.start();
    let new_end = schedule::end_date(start, new_len);
    let mut after = row.clone();
    after.contract_length = new_len as i64;
    after.monthly_amount = new_monthly;
    let terms = after.terms(bu);
    let effective = today.max(start);
    if new_monthly != row.monthly_amount {
        payments::reprice_after(
            conn,
            &row.id,
            effective,
            row.tax(bu).split(new_monthly),
            &ctx.now,
        )
        .await?;
    }
    let slots: Vec<_> = (old_len..new_len)
        .map(|k| terms.month(k, new_monthly))
        .collect();
    payments::insert_slots(conn, &row.payer(bu, &ctx.now), &slots).await?;
    webhooks::emit_scheduled(conn, ctx, &row.id).await?;
    billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let mut history: Vec<ExtensionEntry> =
        serde_json::from_str(&row.extension_history).unwrap_or_default();
    history.push(ExtensionEntry {
        extension_months: months,
        old_contract_length: old_len,
        new_contract_length: new_len,
        old_monthly_amount: bu.money(row.monthly_amount),
        new_monthly_amount: bu.money(new_monthly),
        reason: reason.clone(),
        notes,
        extended_by: ActorRef::from(&ctx.actor),
        old_end_date: row.end_date.clone(),
        new_end_date: day_text(new_end),
        extended_at: ctx.now.clone(),
    });
    sqlx::query("UPDATE subscriptions SET contract_length = ?, end_date = ?, monthly_amount = ?, extension_history = ?, updated_at = ? WHERE id = ?")
        .bind(new_len as i64)
        .bind(day_text(new_end))
        .bind(new_monthly)
        .bind(serde_json::to_string(&history)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    event(conn, ctx, "subscription", &row.id, "extended", format!(
            "Extended by {months} months to {} ({} a month){}",
            day_text(new_end),
            bu.amount_text(new_monthly),
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        ), Some((serde_json::json!({ "contractLength": old_len, "endDate": row.end_date, "monthlyAmount": bu.money(row.monthly_amount) }), serde_json::json!({ "contractLength": new_len, "endDate": day_text(new_end), "monthlyAmount": bu.money(new_monthly) }))))
    .await?;
    Ok((row.end_date.clone(), day_text(new_end), new_len))
}

pub async fn extend(db: &Db, ctx: &Ctx, id: &str, input: ExtendInput) -> Result<Extended> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let months = super::whole_number(&input.extension_months)
        .filter(|n| (1..=120).contains(n))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidExtensionMonths,
                "Extension months must be a whole number from 1 to 120.",
            )
        })? as u32;
    let reason = text_field("reason", input.reason, 1000, "The reason")?;
    let notes = text_field("notes", input.notes, 5000, "Notes")?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    if row.contract_length as u32 + months > 120 {
        return Err(Error::new(
            ErrorCode::InvalidExtensionMonths,
            format!(
                "A contract can run at most 120 months; this one has {} already.",
                row.contract_length
            ),
        ));
    }
    let new_monthly = match input.new_monthly_amount {
        Some(m) => bu.minor("newMonthlyAmount", m)?,
        None => row.monthly_amount,
    };
    let (old_end, new_end, new_len) =
        extend_in(&mut tx, ctx, &row, months, new_monthly, reason, notes).await?;
    let rental = get_in(&mut tx, bu, &row.id, ctx.today()).await?;
    emit_subscription(
        &mut tx,
        ctx,
        "subscription.extended",
        &rental,
        serde_json::json!({ "extensionMonths": months, "newEndDate": rental.end_date }),
    )
    .await?;
    action_op(&mut tx, ctx, &row, "extend", op_body, []).await?;
    tx.commit().await?;
    Ok(Extended {
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        old_end_date: old_end,
        new_end_date: new_end,
        extension_months: months,
        old_contract_length: row.contract_length as u32,
        new_contract_length: new_len,
        rental,
    })
}

// ---------------------------------------------------------------------------------------------
// Replace

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ReplaceInput {
    pub new_serial_number: String,
    pub new_sku: Option<String>,
    #[serde(alias = "reason")]
    pub replacement_reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub insurance_claim: Option<bool>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Replaced {
    pub rental_id: String,
    pub old_serial_number: String,
    pub new_serial_number: String,
    pub reason: String,
    pub rental: Rental,
}

pub async fn replace(db: &Db, ctx: &Ctx, id: &str, input: ReplaceInput) -> Result<Replaced> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let today = ctx.today();
    let reason = match opt_trim(input.replacement_reason.clone()) {
        Some(r) => ReplacementReason::parse_field("replacementReason", &r)?,
        None => {
            return Err(Error::invalid(
                "replacementReason",
                "Say why: damaged, stolen, defective or lost.",
            ))
        }
    };
    if input.new_serial_number.trim().is_empty() {
        return Err(Error::invalid(
            "newSerialNumber",
            "Scan or type the replacement's serial number.",
        ));
    }
    let damage = text_field(
        "damageAssessment",
        input.damage_assessment,
        2000,
        "The damage assessment",
    )?;
    let notes = text_field("notes", input.notes, 5000, "Notes")?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    if let Some(sku) = opt_trim(input.new_sku.clone()) {
        if sku != row.sku {
            return Err(Error::new(
                ErrorCode::SkuMismatch,
                format!(
                    "A replacement must be the same SKU ({}), not {sku}.",
                    row.sku
                ),
            ));
        }
    }
    let new = asset_by_serial(&mut tx, bu, &input.new_serial_number).await?;
    require_available(&new)?;
    if new.sku != row.sku {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}; this subscription needs a {}.",
                new.serial_number, new.sku, row.sku
            ),
        ));
    }
    let old_condition = (reason == ReplacementReason::Damaged).then_some("damaged");
    set_asset(
        &mut tx,
        ctx,
        row.asset_id,
        AssetStatus::Unavailable,
        None,
        None,
        old_condition,
    )
    .await?;
    close_assignment(
        &mut tx,
        ctx,
        row.asset_id,
        &row.id,
        &row.customer_id,
        today,
        "replaced",
    )
    .await?;
    set_asset(
        &mut tx,
        ctx,
        new.id,
        AssetStatus::RentedOut,
        Some(&row.customer_id),
        Some(&row.id),
        None,
    )
    .await?;
    open_assignment(
        &mut tx,
        ctx,
        new.id,
        &row.id,
        &row.customer_id,
        today,
        "replacement",
    )
    .await?;
    payments::move_to_asset(&mut tx, &row.id, today, new.id).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let mut history: Vec<ReplacementEntry> =
        serde_json::from_str(&row.replacement_history).unwrap_or_default();
    history.push(ReplacementEntry {
        old_serial_number: row.serial_number.clone(),
        new_serial_number: new.serial_number.clone(),
        reason: reason.as_str().to_string(),
        damage_assessment: damage,
        insurance_claim: Some(input.insurance_claim.unwrap_or(false)),
        notes,
        replaced_by: ActorRef::from(&ctx.actor),
        replaced_at: ctx.now.clone(),
    });
    sqlx::query("UPDATE subscriptions SET asset_id = ?, serial_number = ?, replacement_history = ?, updated_at = ? WHERE id = ?")
        .bind(new.id)
        .bind(&new.serial_number)
        .bind(serde_json::to_string(&history)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    let summary = format!(
        "Replaced {} with {} ({reason})",
        row.serial_number, new.serial_number
    );
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "replaced",
        summary.clone(),
        Some((
            serde_json::json!({ "serialNumber": row.serial_number }),
            serde_json::json!({ "serialNumber": new.serial_number }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &row.serial_number,
        "replaced",
        format!("Taken off subscription {} ({reason}); unavailable", row.id),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "unavailable" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &new.serial_number,
        "rented_out",
        format!(
            "Replacement for {} on subscription {}",
            row.serial_number, row.id
        ),
        Some((
            serde_json::json!({ "status": "available" }),
            serde_json::json!({ "status": "rented_out", "rentalId": row.id }),
        )),
    )
    .await?;
    let rental = get_in(&mut tx, bu, &row.id, today).await?;
    action_op(
        &mut tx,
        ctx,
        &row,
        "replace",
        op_body,
        [r("asset", &new.serial_number)],
    )
    .await?;
    tx.commit().await?;
    Ok(Replaced {
        rental_id: row.id.clone(),
        old_serial_number: row.serial_number.clone(),
        new_serial_number: new.serial_number,
        reason: reason.as_str().to_string(),
        rental,
    })
}

// ---------------------------------------------------------------------------------------------
// Quotes

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct QuoteInput {
    #[serde(alias = "subscriptionId")]
    pub rental_id: String,
    /// Defaults to today.
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuyoutQuoteView {
    pub rental_id: String,
    pub buyout_price: Money,
    /// Monthly payments still to come (the ones a buyout cancels).
    pub remaining_payments: u32,
    /// Acquisition cost minus what has been collected, never below 0.
    pub depreciated_value: Money,
    pub currency: String,
    pub method: BuyoutMethod,
    pub calculation_breakdown: BuyoutBreakdown,
    pub monthly_amount: Money,
    pub list_price: Option<Money>,
    pub acquisition_cost: Option<Money>,
    pub total_collected: Money,
    /// Collected plus the buyout price.
    pub projected_after_buyout: Money,
    pub projected_margin: Option<Money>,
    pub effective_date: String,
    pub serial_number: String,
    pub product_name: String,
    pub customer_name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EarlyReturnQuoteView {
    pub rental_id: String,
    pub early_return_fee: Money,
    pub remaining_months: u32,
    pub penalty_percentage: f64,
    pub method: EarlyReturnFee,
    pub grace_period_applied: bool,
    pub grace_period_days: u32,
    pub days_from_start: u32,
    pub monthly_amount: Money,
    pub currency: String,
    pub total_collected: Money,
    pub projected_with_fee: Money,
    pub effective_date: String,
    pub end_date: String,
    pub serial_number: String,
    pub product_name: String,
    pub customer_name: String,
}

fn buyout_view(
    bu: &BusinessUnit,
    row: &Row,
    eff: NaiveDate,
    remaining: u32,
) -> (BuyoutQuoteView, lifecycle::BuyoutQuote) {
    let q = lifecycle::buyout_quote(
        &bu.settings,
        bu.currency_exponent,
        remaining,
        row.monthly_amount,
        row.list_price,
    );
    let view = BuyoutQuoteView {
        rental_id: row.id.clone(),
        buyout_price: bu.money(q.price),
        remaining_payments: remaining,
        depreciated_value: bu.money(
            row.acquisition_cost
                .map(|c| (c - row.total_collected).max(0))
                .unwrap_or(0),
        ),
        currency: bu.currency.clone(),
        method: q.method,
        calculation_breakdown: breakdown(bu, &q),
        monthly_amount: bu.money(row.monthly_amount),
        list_price: bu.money_opt(row.list_price),
        acquisition_cost: bu.money_opt(row.acquisition_cost),
        total_collected: bu.money(row.total_collected),
        projected_after_buyout: bu.money(row.total_collected + q.price),
        projected_margin: row
            .acquisition_cost
            .map(|c| bu.money(row.total_collected + q.price - c)),
        effective_date: day_text(eff),
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        customer_name: row.customer_name.clone(),
    };
    (view, q)
}

fn breakdown(bu: &BusinessUnit, q: &lifecycle::BuyoutQuote) -> BuyoutBreakdown {
    BuyoutBreakdown {
        remaining_months: q.remaining_months,
        remaining_months_payment: bu.money(q.remaining_months_payment),
        list_price_percentage: pct_f64(q.list_price_percentage),
        list_price_amount: bu.money(q.list_price_amount),
        flat_fee: bu.money(q.flat_fee),
    }
}

fn early_view(
    bu: &BusinessUnit,
    row: &Row,
    eff: NaiveDate,
    remaining: u32,
) -> (EarlyReturnQuoteView, lifecycle::EarlyReturnQuote) {
    let days = schedule::days_between(row.start(), eff);
    let q = lifecycle::early_return_quote(
        &bu.settings,
        bu.currency_exponent,
        remaining,
        row.monthly_amount,
        days,
    );
    let view = EarlyReturnQuoteView {
        rental_id: row.id.clone(),
        early_return_fee: bu.money(q.fee),
        remaining_months: remaining,
        penalty_percentage: pct_f64(q.penalty_percentage),
        method: q.method,
        grace_period_applied: q.grace_period_applied,
        grace_period_days: bu.settings.grace_period_days,
        days_from_start: days,
        monthly_amount: bu.money(row.monthly_amount),
        currency: bu.currency.clone(),
        total_collected: bu.money(row.total_collected),
        projected_with_fee: bu.money(row.total_collected + q.fee),
        effective_date: day_text(eff),
        end_date: row.end_date.clone(),
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        customer_name: row.customer_name.clone(),
    };
    (view, q)
}

pub async fn quote_buyout(db: &Db, ctx: &Ctx, input: QuoteInput) -> Result<BuyoutQuoteView> {
    let mut conn = db.pool().acquire().await?;
    let row = active_row(&mut conn, &ctx.bu, &input.rental_id).await?;
    let eff = effective_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut conn, &row.id, eff).await?;
    Ok(buyout_view(&ctx.bu, &row, eff, remaining).0)
}

pub async fn quote_early_return(
    db: &Db,
    ctx: &Ctx,
    input: QuoteInput,
) -> Result<EarlyReturnQuoteView> {
    let mut conn = db.pool().acquire().await?;
    let row = active_row(&mut conn, &ctx.bu, &input.rental_id).await?;
    let eff = effective_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut conn, &row.id, eff).await?;
    Ok(early_view(&ctx.bu, &row, eff, remaining).0)
}

// ---------------------------------------------------------------------------------------------
// Buyout

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct BuyoutInput {
    /// A price set by hand (`manual_override`); otherwise the business unit's method.
    pub buyout_price: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoughtOut {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub buyout_price: Money,
    pub currency: String,
    pub effective_date: String,
    pub message: String,
    pub rental: Rental,
}

pub async fn buyout(db: &Db, ctx: &Ctx, id: &str, input: BuyoutInput) -> Result<BoughtOut> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let reason = match opt_trim(input.reason.clone()) {
        Some(r) => BuyoutReason::parse_field("reason", &r)?,
        None => BuyoutReason::CustomerRequest,
    };
    let manual = match input.buyout_price {
        Some(p) if p.is_negative() => {
            return Err(Error::new(
                ErrorCode::InvalidBuyoutPrice,
                "The buyout price cannot be negative.",
            ))
        }
        Some(p) => Some(p.to_minor(bu.currency_exponent).map_err(|_| {
            Error::new(
                ErrorCode::InvalidBuyoutPrice,
                format!("{p} has more decimals than {} allows.", bu.currency),
            )
        })?),
        None => None,
    };
    let notes = text_field("notes", input.notes, 5000, "Notes")?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let eff = effective_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut tx, &row.id, eff).await?;
    let (_, q) = buyout_view(bu, &row, eff, remaining);
    let price = manual.unwrap_or(q.price);
    let cancelled = payments::cancel_after(&mut tx, &row.id, eff, "Bought out", &ctx.now).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let payment_id = if price > 0 {
        Some(
            payments::insert_charge(
                &mut tx,
                &row.payer(bu, &ctx.now),
                PaymentKind::Buyout,
                eff,
                row.tax(bu).split(price),
            )
            .await?,
        )
    } else {
        None
    };
    webhooks::emit_scheduled(&mut tx, ctx, &row.id).await?;
    let details = BuyoutDetails {
        buyout_price: bu.money(price),
        calculation_method: if manual.is_some() {
            "manual_override"
        } else {
            "auto_calculated"
        }
        .into(),
        calculation_breakdown: breakdown(bu, &q),
        reason,
        notes,
        processed_by: ActorRef::from(&ctx.actor),
        buyout_date: day_text(eff),
        payment_id,
    };
    sqlx::query("UPDATE subscriptions SET status = 'ended_buyout', ended_on = ?, buyout_details = ?, updated_at = ? WHERE id = ?")
        .bind(day_text(eff))
        .bind(serde_json::to_string(&details)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    // The customer owns the device now: it stays on record as sold, with them.
    set_asset(
        &mut tx,
        ctx,
        row.asset_id,
        AssetStatus::Sold,
        Some(&row.customer_id),
        None,
        None,
    )
    .await?;
    close_assignment(
        &mut tx,
        ctx,
        row.asset_id,
        &row.id,
        &row.customer_id,
        eff,
        "bought_out",
    )
    .await?;
    let summary = format!(
        "Bought out for {} ({} future payments cancelled)",
        bu.amount_text(price),
        cancelled
    );
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "bought_out",
        summary,
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_buyout" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &row.serial_number,
        "sold",
        format!("Sold to {} (buyout of {})", row.customer_name, row.id),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "sold" }),
        )),
    )
    .await?;
    let rental = ended(&mut tx, ctx, &row, "buyout", "buyout", op_body).await?;
    tx.commit().await?;
    Ok(BoughtOut {
        message: format!(
            "{} bought out for {}.",
            row.serial_number,
            bu.amount_text(price)
        ),
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        buyout_price: bu.money(price),
        currency: bu.currency.clone(),
        effective_date: day_text(eff),
        rental,
    })
}

// ---------------------------------------------------------------------------------------------
// Early return, completion and the returns desk

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct EarlyReturnInput {
    pub return_condition: Option<String>,
    /// A fee set by hand (`manual`); otherwise the business unit's policy.
    pub early_return_fee: Option<Money>,
    pub waive_fee: Option<bool>,
    pub reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub notes: Option<String>,
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnedEarly {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub early_return_fee: Money,
    pub currency: String,
    pub actual_months_rented: u32,
    pub return_date: String,
    pub message: String,
    pub rental: Rental,
}

struct EarlyArgs {
    condition: ReturnCondition,
    manual_fee: Option<i64>,
    waive: bool,
    reason: String,
    damage: Option<String>,
    notes: Option<String>,
}

fn early_args(bu: &BusinessUnit, input: EarlyReturnInput) -> Result<EarlyArgs> {
    let condition = match opt_trim(input.return_condition) {
        Some(c) => ReturnCondition::parse_field("returnCondition", &c.to_lowercase())?,
        None => {
            return Err(Error::invalid(
                "returnCondition",
                "Record the condition: excellent, good, fair, poor or damaged.",
            ))
        }
    };
    let manual_fee = match input.early_return_fee {
        Some(f) if f.is_negative() => {
            return Err(Error::new(
                ErrorCode::InvalidFee,
                "The early-return fee cannot be negative.",
            ))
        }
        Some(f) => Some(f.to_minor(bu.currency_exponent).map_err(|_| {
            Error::new(
                ErrorCode::InvalidFee,
                format!("{f} has more decimals than {} allows.", bu.currency),
            )
        })?),
        None => None,
    };
    let reason = text_field("reason", input.reason, 1000, "The reason")?.ok_or_else(|| {
        Error::invalid(
            "reason",
            "Say why it came back early (a reason is required).",
        )
    })?;
    Ok(EarlyArgs {
        condition,
        manual_fee,
        waive: input.waive_fee.unwrap_or(false),
        reason,
        damage: text_field(
            "damageAssessment",
            input.damage_assessment,
            2000,
            "The damage assessment",
        )?,
        notes: text_field("notes", input.notes, 5000, "Notes")?,
    })
}

async fn early_return_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    eff: NaiveDate,
    a: EarlyArgs,
) -> Result<(i64, u32)> {
    let bu = &ctx.bu;
    let remaining = payments::remaining_months(conn, &row.id, eff).await?;
    let (_, q) = early_view(bu, row, eff, remaining);
    let (fee, method, calc) = match (a.waive, a.manual_fee) {
        (true, _) => (0, "manual".to_string(), "manual_override"),
        (false, Some(f)) => (f, "manual".to_string(), "manual_override"),
        (false, None) => (q.fee, q.method.as_str().to_string(), "auto_calculated"),
    };
    let cancelled = payments::cancel_after(conn, &row.id, eff, "Returned early", &ctx.now).await?;
    billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let payment_id = if fee > 0 {
        Some(
            payments::insert_charge(
                conn,
                &row.payer(bu, &ctx.now),
                PaymentKind::EarlyReturnFee,
                eff,
                row.tax(bu).split(fee),
            )
            .await?,
        )
    } else {
        None
    };
    webhooks::emit_scheduled(conn, ctx, &row.id).await?;
    let details = EarlyReturnDetails {
        fee: bu.money(fee),
        fee_waived: a.waive,
        calculation_method: calc.into(),
        calculation_breakdown: EarlyReturnBreakdown {
            method,
            remaining_months: remaining,
            grace_period_applied: q.grace_period_applied,
            days_from_start: q.days_from_start,
        },
        return_condition: a.condition,
        reason: a.reason.clone(),
        damage_assessment: a.damage,
        notes: a.notes,
        processed_by: ActorRef::from(&ctx.actor),
        returned_at: ctx.now.clone(),
        payment_id,
    };
    sqlx::query("UPDATE subscriptions SET status = 'ended_early_return', ended_on = ?, early_return_details = ?, updated_at = ? WHERE id = ?")
        .bind(day_text(eff))
        .bind(serde_json::to_string(&details)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    back_in(conn, ctx, row, eff, Some(a.condition), "returned_early").await?;
    let fee_text = if a.waive {
        "fee waived".to_string()
    } else {
        format!("fee {}", bu.amount_text(fee))
    };
    event(
        conn,
        ctx,
        "subscription",
        &row.id,
        "early_return",
        format!(
            "Returned early on {} ({fee_text}; {cancelled} future payments cancelled): {}",
            day_text(eff),
            a.reason
        ),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_early_return" }),
        )),
    )
    .await?;
    Ok((fee, months_between(row.start(), eff)))
}

/// The device is back at the warehouse: `returned` (awaiting inspection) with its condition.
async fn back_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    on: NaiveDate,
    condition: Option<ReturnCondition>,
    why: &str,
) -> Result<()> {
    set_asset(
        conn,
        ctx,
        row.asset_id,
        AssetStatus::Returned,
        None,
        None,
        condition.map(|c| c.as_str()),
    )
    .await?;
    close_assignment(conn, ctx, row.asset_id, &row.id, &row.customer_id, on, why).await?;
    event(
        conn,
        ctx,
        "asset",
        &row.serial_number,
        "returned",
        format!(
            "Back from {}{}; awaiting inspection",
            row.customer_name,
            condition.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "returned", "condition": condition }),
        )),
    )
    .await
}

pub async fn early_return(
    db: &Db,
    ctx: &Ctx,
    id: &str,
    input: EarlyReturnInput,
) -> Result<ReturnedEarly> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let eff_raw = input.effective_date.clone();
    let args = early_args(bu, input)?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let eff = effective_date(eff_raw.as_deref(), &row, ctx.today())?;
    let (fee, months) = early_return_in(&mut tx, ctx, &row, eff, args).await?;
    let rental = ended(&mut tx, ctx, &row, "early_return", "early-return", op_body).await?;
    tx.commit().await?;
    Ok(ReturnedEarly {
        message: format!(
            "{} returned early; fee {}.",
            row.serial_number,
            bu.amount_text(fee)
        ),
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        early_return_fee: bu.money(fee),
        currency: bu.currency.clone(),
        actual_months_rented: months,
        return_date: day_text(eff),
        rental,
    })
}

/// What scanning a serial at the returns desk means.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReturnCheck {
    /// `early_return` (before the end date, a fee may apply), `completion` (on or after the end
    /// date) or `collection` (its subscription has already ended; the device is coming home).
    pub case: String,
    pub serial_number: String,
    pub product_name: String,
    pub rental: Rental,
    pub early_return_quote: Option<EarlyReturnQuoteView>,
}

async fn return_case(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    serial_number: &str,
) -> Result<(Row, String, Option<EarlyReturnQuoteView>)> {
    let bu = &ctx.bu;
    let asset = asset_by_serial(conn, bu, serial_number).await?;
    let rid = match (&asset.rental_id, asset.status.as_str()) {
        (Some(rid), "rented_out") => rid.clone(),
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidStatus,
                format!(
                    "Serial {} is {}, not out with a customer; nothing to return.",
                    asset.serial_number,
                    asset.status.replace('_', " ")
                ),
            ))
        }
    };
    let row = row_in(conn, bu, &rid).await?;
    let today = ctx.today();
    if row.status() != SubscriptionStatus::Active {
        return Ok((row, "collection".into(), None));
    }
    if today >= row.end() {
        return Ok((row, "completion".into(), None));
    }
    let remaining = payments::remaining_months(conn, &row.id, today).await?;
    let q = early_view(bu, &row, today.max(row.start()), remaining).0;
    Ok((row, "early_return".into(), Some(q)))
}

pub async fn check_return(db: &Db, ctx: &Ctx, serial_number: &str) -> Result<ReturnCheck> {
    let mut conn = db.pool().acquire().await?;
    let (row, case, quote) = return_case(&mut conn, ctx, serial_number).await?;
    Ok(ReturnCheck {
        case,
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        rental: row.to_rental(&ctx.bu, ctx.today()),
        early_return_quote: quote,
    })
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ReceiveInput {
    pub serial_number: String,
    pub return_condition: Option<String>,
    pub early_return_fee: Option<Money>,
    pub waive_fee: Option<bool>,
    pub reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub case: String,
    pub rental: Rental,
    pub fee: Money,
    pub message: String,
}

/// Book a device in at the returns desk: early return (with the fee), completion, or the
/// collection of a device whose subscription had already ended. The asset becomes `returned`.
pub async fn receive_return(db: &Db, ctx: &Ctx, input: ReceiveInput) -> Result<Received> {
    let mut op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let today = ctx.today();
    let serial_number = input.serial_number.clone();
    let mut tx = db.write().await?;
    let (row, case, _) = return_case(&mut tx, ctx, &serial_number).await?;
    let condition = match opt_trim(input.return_condition.clone()) {
        Some(c) => ReturnCondition::parse_field("returnCondition", &c.to_lowercase())?,
        None => {
            return Err(Error::invalid(
                "returnCondition",
                "Record the condition: excellent, good, fair, poor or damaged.",
            ))
        }
    };
    let (fee, message) = match case.as_str() {
        "early_return" => {
            let reason = opt_trim(input.reason.clone())
                .unwrap_or_else(|| "Returned at the desk before the end date".into());
            let eff = today.max(row.start());
            let early = EarlyReturnInput {
                return_condition: Some(condition.as_str().into()),
                early_return_fee: input.early_return_fee,
                waive_fee: input.waive_fee,
                reason: Some(reason),
                damage_assessment: input.damage_assessment.clone(),
                notes: input.notes.clone(),
                effective_date: None,
            };
            // Pushed as the documented early return, on the day it happened here.
            op_body = crate::money::to_wire_value(&EarlyReturnInput {
                effective_date: Some(day_text(eff)),
                ..early.clone()
            });
            let args = early_args(bu, early)?;
            let (fee, _) = early_return_in(&mut tx, ctx, &row, eff, args).await?;
            (
                fee,
                format!(
                    "{} returned early; fee {}.",
                    row.serial_number,
                    bu.amount_text(fee)
                ),
            )
        }
        "completion" => {
            let cancelled = payments::cancel_after(
                &mut tx,
                &row.id,
                today,
                "Returned at contract end",
                &ctx.now,
            )
            .await?;
            billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
            sqlx::query("UPDATE subscriptions SET status = 'ended_completed', ended_on = ?, updated_at = ? WHERE id = ?")
                .bind(day_text(today))
                .bind(&ctx.now)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
            back_in(&mut tx, ctx, &row, today, Some(condition), "completed").await?;
            event(
                &mut tx,
                ctx,
                "subscription",
                &row.id,
                "completed",
                format!(
                    "Completed: device returned on {} ({cancelled} later payments cancelled)",
                    day_text(today)
                ),
                Some((
                    serde_json::json!({ "status": "active" }),
                    serde_json::json!({ "status": "ended_completed" }),
                )),
            )
            .await?;
            (
                0,
                format!("{} returned; subscription completed.", row.serial_number),
            )
        }
        _ => {
            back_in(&mut tx, ctx, &row, today, Some(condition), "collected").await?;
            (
                0,
                format!("{} is back from {}.", row.serial_number, row.customer_name),
            )
        }
    };
    let rental = if case == "early_return" {
        ended(&mut tx, ctx, &row, "early_return", "early-return", op_body).await?
    } else {
        let rental = get_in(&mut tx, bu, &row.id, today).await?;
        if case == "completion" {
            emit_subscription(
                &mut tx,
                ctx,
                "subscription.ended",
                &rental,
                serde_json::json!({ "reason": "completed" }),
            )
            .await?;
        }
        // A completion or a collection has no v1 operation of its own: FlexDesk's returns desk.
        crate::sync::record(
            &mut tx,
            ctx,
            Op::post("/v1/returns", op_body)
                .touching([r("rental", &row.id), r("asset", &row.serial_number)])
                .saying(format!("{} received back ({case})", row.serial_number)),
        )
        .await?;
        rental
    };
    tx.commit().await?;
    Ok(Received {
        case,
        rental,
        fee: bu.money(fee),
        message,
    })
}

// ---------------------------------------------------------------------------------------------
// Cancel, notes

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct CancelInput {
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Cancelled {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub previous_status: SubscriptionStatus,
    pub cancelled_at: String,
    pub message: String,
    pub rental: Rental,
}

/// Terminate a subscription (payment failure, fraud, admin decision). No fee; open payments for
/// later periods are voided; the device is expected back (the returns desk books it in).
pub async fn cancel(db: &Db, ctx: &Ctx, id: &str, input: CancelInput) -> Result<Cancelled> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let reason = match opt_trim(input.reason.clone()) {
        Some(r) => CancellationReason::parse_field("reason", &r)?,
        None => {
            return Err(Error::invalid(
                "reason",
                "Say why: customer_request, payment_failure, fraud, admin_decision or other.",
            ))
        }
    };
    let notes = text_field("notes", input.notes, 1000, "Notes")?;
    let mut tx = db.write().await?;
    let row = row_in(&mut tx, bu, id).await?;
    match row.status() {
        SubscriptionStatus::Active => {}
        SubscriptionStatus::Cancelled => {
            return Err(Error::new(
                ErrorCode::AlreadyCancelled,
                format!("Subscription {} is already cancelled.", row.id),
            ))
        }
        other => {
            return Err(Error::new(
                ErrorCode::AlreadyEnded,
                format!("Subscription {} has already ended ({other}).", row.id),
            ))
        }
    }
    let today = ctx.today().max(row.start());
    let n =
        payments::cancel_after(&mut tx, &row.id, today, "Subscription cancelled", &ctx.now).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let details = CancellationDetails {
        reason,
        notes,
        processed_by: ActorRef::from(&ctx.actor),
        cancelled_at: ctx.now.clone(),
    };
    sqlx::query("UPDATE subscriptions SET status = 'cancelled', ended_on = ?, cancellation_details = ?, updated_at = ? WHERE id = ?")
        .bind(day_text(today))
        .bind(serde_json::to_string(&details)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "cancelled",
        format!("Cancelled ({reason}); {n} future payments voided; device expected back"),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "cancelled" }),
        )),
    )
    .await?;
    let rental = ended(&mut tx, ctx, &row, "cancelled", "cancel", op_body).await?;
    tx.commit().await?;
    Ok(Cancelled {
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        previous_status: SubscriptionStatus::Active,
        cancelled_at: ctx.now.clone(),
        message: format!("Subscription {} cancelled.", row.id),
        rental,
    })
}

pub async fn set_notes(db: &Db, ctx: &Ctx, id: &str, notes: &str) -> Result<Rental> {
    if notes.chars().count() > 5000 {
        return Err(Error::invalid(
            "notes",
            "Notes must be at most 5000 characters.",
        ));
    }
    let mut tx = db.write().await?;
    let row = row_in(&mut tx, &ctx.bu, id).await?;
    sqlx::query("UPDATE subscriptions SET notes = ?, updated_at = ? WHERE id = ?")
        .bind(notes)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "notes",
        "Notes changed".into(),
        Some((
            serde_json::json!({ "notes": row.notes }),
            serde_json::json!({ "notes": notes }),
        )),
    )
    .await?;
    crate::sync::record(
        &mut tx,
        ctx,
        Op::patch(
            format!("/v1/subscriptions/{}/notes", row.id),
            serde_json::json!({ "notes": notes }),
        )
        .touching([r("rental", &row.id)])
        .saying(format!("Notes of {} changed", row.id)),
    )
    .await?;
    let r = get_in(&mut tx, &ctx.bu, &row.id, ctx.today()).await?;
    tx.commit().await?;
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Upgrade

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct UpgradeInput {
    /// The new subscription's id (a desk's, replayed on a hub); made here when absent.
    #[serde(alias = "newSubscriptionId")]
    pub new_rental_id: Option<String>,
    pub new_sku: String,
    pub new_serial_number: String,
    #[ts(optional, type = "number")]
    #[serde(alias = "newContractLength")]
    pub contract_length: Option<Value>,
    /// Defaults to the new variant's price for the contract length.
    pub new_monthly_amount: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Upgraded {
    pub old_rental_id: String,
    pub new_rental_id: String,
    pub old_device: String,
    pub new_device: String,
    pub new_monthly_amount: Money,
    pub currency: String,
    pub message: String,
    pub rental: Rental,
}

/// Immediate upgrade: the old subscription ends `ended_upgrade` (its later payments cancelled, its
/// device back for inspection) and a new one starts today on the new serial.
pub async fn upgrade(db: &Db, ctx: &Ctx, id: &str, input: UpgradeInput) -> Result<Upgraded> {
    let mut op_body = crate::money::to_wire_value(&input);
    let new_rental_sent = input.new_rental_id.clone();
    let bu = &ctx.bu;
    let today = ctx.today();
    let mut c = crate::error::Checks::new();
    c.require("newSku", &input.new_sku, "The new SKU");
    c.require(
        "newSerialNumber",
        &input.new_serial_number,
        "The new serial number",
    );
    c.finish()?;
    let len = match &input.contract_length {
        None | Some(Value::Null) => bu.settings.default_contract_length as i64,
        Some(v) => super::whole_number(v).unwrap_or(0),
    };
    let reason = text_field("reason", input.reason.clone(), 1000, "The reason")?;
    let notes = text_field("notes", input.notes.clone(), 5000, "Notes")?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let sku = input.new_sku.trim();
    let v = super::catalog::offered_variant(&mut tx, bu, sku).await?;
    if !(1..=120).contains(&len) {
        return Err(Error::new(
            ErrorCode::InvalidContractLength,
            format!("Contract length {len} is outside 1 to 120 months."),
        ));
    }
    let tier = v.pricing.iter().find(|t| t.contract_length as i64 == len);
    let monthly = match (input.new_monthly_amount, tier) {
        (Some(m), _) => bu.minor("newMonthlyAmount", m)?,
        (None, Some(t)) => bu.minor("newMonthlyAmount", t.monthly_price)?,
        (None, None) => {
            return Err(Error::new(
                ErrorCode::InvalidContractLength,
                format!("{sku} has no price for {len} months."),
            ))
        }
    };
    let new = asset_by_serial(&mut tx, bu, &input.new_serial_number).await?;
    require_available(&new)?;
    if new.sku != sku {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}, not a {sku}.",
                new.serial_number, new.sku
            ),
        ));
    }
    // End the old one.
    payments::cancel_after(
        &mut tx,
        &row.id,
        today.max(row.start()),
        "Upgraded",
        &ctx.now,
    )
    .await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    back_in(&mut tx, ctx, &row, today, None, "upgraded").await?;
    // Start the new one.
    let list_price = v
        .list_price
        .and_then(|m| m.to_minor(bu.currency_exponent).ok());
    let cost_variant = v
        .acquisition_cost
        .and_then(|m| m.to_minor(bu.currency_exponent).ok());
    let (cost, cost_source) = match (new.acquisition_cost, cost_variant) {
        (Some(a), Some(vc)) if a == vc => (Some(a), "variant"),
        (Some(a), _) => (Some(a), "manual"),
        (None, Some(vc)) => (Some(vc), "variant"),
        (None, None) => (
            list_price,
            if list_price.is_some() {
                "list_price"
            } else {
                "unknown"
            },
        ),
    };
    let product_name = v.product_name.clone();
    let new_id = start_subscription(
        &mut tx,
        ctx,
        NewSub {
            order_id: &row.order_id,
            item_idx: None,
            customer_id: &row.customer_id,
            customer_email: &row.customer_email,
            customer_name: &row.customer_name,
            asset: &new,
            product_id: Some(v.product_id.clone()),
            variant_id: Some(v.variant_id.clone()),
            sku,
            product_name: &product_name,
            product_image_url: v.images.first().cloned(),
            monthly,
            months: len as u32,
            start: today,
            list_price,
            list_price_source: if list_price.is_some() {
                "variant"
            } else {
                "unknown"
            }
            .into(),
            acquisition_cost: cost,
            acquisition_cost_source: cost_source.into(),
            upgrade_from: Some(&row.id),
            billing_group_id: row.billing_group_id.clone(),
            notes: notes.clone(),
            start_reason: "upgrade",
            id: new_rental_sent.as_deref(),
        },
    )
    .await?;
    sqlx::query("UPDATE subscriptions SET status = 'ended_upgrade', ended_on = ?, upgraded_to_rental_id = ?, updated_at = ? WHERE id = ?")
        .bind(day_text(today))
        .bind(&new_id)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "upgraded",
        format!("Upgraded to {sku} ({}) on {new_id}{why}", new.serial_number),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_upgrade" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &new_id,
        "activated",
        format!(
            "Started as the upgrade of {} ({}), {len} months at {}",
            row.id,
            row.serial_number,
            bu.amount_text(monthly)
        ),
        None,
    )
    .await?;
    let rental = get_in(&mut tx, bu, &new_id, today).await?;
    let old = get_in(&mut tx, bu, &row.id, today).await?;
    emit_subscription(
        &mut tx,
        ctx,
        "subscription.upgraded",
        &old,
        serde_json::json!({
            "newSubscriptionId": rental.rental_id,
            "newSerialNumber": rental.asset_serial_number,
            "newSku": rental.sku,
            "newSubscription": crate::money::to_wire_value(&rental),
        }),
    )
    .await?;
    op_body["newRentalId"] = rental.rental_id.clone().into();
    let more = [
        r("asset", &rental.asset_serial_number),
        r("rental", &rental.rental_id),
    ];
    action_op(&mut tx, ctx, &row, "upgrade", op_body, more).await?;
    tx.commit().await?;
    Ok(Upgraded {
        message: format!(
            "{} replaced by {} on a new subscription.",
            row.serial_number, new.serial_number
        ),
        old_rental_id: row.id.clone(),
        new_rental_id: new_id,
        old_device: row.serial_number.clone(),
        new_device: new.serial_number.clone(),
        new_monthly_amount: bu.money(monthly),
        currency: bu.currency.clone(),
        rental,
    })
}

// ---------------------------------------------------------------------------------------------
// Contract end (the daily run)

/// What one run of the contract-end rules did.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContractEndReport {
    /// Month-by-month payments added after the end date (`auto_renew_monthly`).
    pub renewal_payments: u64,
    /// Terms renewed (`auto_renew_same_term`).
    pub renewed_terms: u64,
    /// Ended `ended_completed` on their end date (`auto_terminate`).
    pub completed: u64,
    /// Past their end date, waiting for staff (`require_action`).
    pub needs_action: u64,
}

/// Apply the business unit's contract-end setting to every active subscription past its end
/// date. Running it again the same day changes nothing.
pub(crate) async fn contract_end(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
) -> Result<ContractEndReport> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM subscriptions s WHERE s.bu_id = ? AND s.status = 'active' AND s.end_date <= ?"
    ))
    .bind(&bu.id)
    .bind(day_text(today))
    .fetch_all(&mut *conn)
    .await?;
    let mut rep = ContractEndReport::default();
    for row in rows {
        match bu.settings.contract_end {
            ContractEnd::AutoRenewMonthly => {
                let terms = row.terms(bu);
                let mut slots = Vec::new();
                let mut k = row.contract_length as u32;
                loop {
                    let slot = terms.month(k, row.monthly_amount);
                    if slot.period_start > today || k >= 1200 {
                        break;
                    }
                    slots.push(slot);
                    k += 1;
                }
                rep.renewal_payments +=
                    payments::insert_slots(conn, &row.payer(bu, &ctx.now), &slots).await?;
                webhooks::emit_scheduled(conn, ctx, &row.id).await?;
                billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now)
                    .await?;
            }
            ContractEnd::AutoRenewSameTerm => {
                let mut cur = row.clone();
                let term = (row.original_contract_length as u32).max(1);
                while cur.end() <= today && cur.contract_length as u32 + term <= 1200 {
                    extend_in(
                        conn,
                        ctx,
                        &cur,
                        term,
                        cur.monthly_amount,
                        Some("Renewed automatically for the same term".into()),
                        None,
                    )
                    .await?;
                    cur = row_in(conn, bu, &row.id).await?;
                    rep.renewed_terms += 1;
                }
            }
            ContractEnd::AutoTerminate => {
                sqlx::query("UPDATE subscriptions SET status = 'ended_completed', ended_on = end_date, updated_at = ? WHERE id = ?")
                    .bind(&ctx.now)
                    .bind(&row.id)
                    .execute(&mut *conn)
                    .await?;
                payments::cancel_after(conn, &row.id, row.end(), "Contract ended", &ctx.now)
                    .await?;
                billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now)
                    .await?;
                event(
                    conn,
                    ctx,
                    "subscription",
                    &row.id,
                    "completed",
                    format!("Contract ended on {}; device expected back", row.end_date),
                    Some((
                        serde_json::json!({ "status": "active" }),
                        serde_json::json!({ "status": "ended_completed" }),
                    )),
                )
                .await?;
                let r = get_in(conn, bu, &row.id, today).await?;
                emit_subscription(
                    conn,
                    ctx,
                    "subscription.ended",
                    &r,
                    serde_json::json!({ "reason": "completed" }),
                )
                .await?;
                rep.completed += 1;
            }
            ContractEnd::RequireAction => rep.needs_action += 1,
        }
    }
    Ok(rep)
}

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
    let rows: Vec<StintRow> = sqlx::query_as(
        "SELECT aa.rental_id, aa.customer_id, s.customer_name, aa.started_on, aa.ended_on, aa.start_reason, aa.end_reason, s.status, s.monthly_amount,
             (SELECT coalesce(sum(p.total - p.tax_amount), 0) FROM payments p WHERE p.rental_id = aa.rental_id AND p.asset_id = aa.asset_id AND p.status = 'paid') AS collected
         FROM asset_assignments aa JOIN subscriptions s ON s.id = aa.rental_id WHERE aa.asset_id = ? ORDER BY aa.started_on DESC, aa.rental_id DESC",
    )
    .bind(a.id)
    .fetch_all(&mut *conn)
    .await?;
    let collected: i64 = sqlx::query_scalar("SELECT coalesce(sum(total - tax_amount), 0) FROM payments WHERE asset_id = ? AND status = 'paid'")
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

pub async fn inspect(db: &Db, ctx: &Ctx, input: InspectInput) -> Result<super::assets::Asset> {
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
    let notes = text_field("notes", input.notes.clone(), 5000, "Notes")?;
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
    crate::sync::record(
        &mut tx,
        ctx,
        Op::post(
            format!("/v1/assets/{}/inspect", a.serial_number),
            serde_json::json!({ "outcome": outcome, "condition": condition, "notes": notes }),
        )
        .touching([r("asset", &a.serial_number)])
        .saying(format!("{} inspected: {outcome}", a.serial_number)),
    )
    .await?;
    let asset = super::assets::find(&mut tx, bu, &a.serial_number)
        .await?
        .ok_or_else(|| Error::not_found("Asset", &a.serial_number))?;
    tx.commit().await?;
    Ok(asset)
}
