//! Subscriptions (FlexPortal "rentals"): one asset on one order-item unit, from the scan that
//! activates it to the return, buyout, upgrade or cancellation that ends it. Every action is one
//! transaction with all its effects: the subscription, its asset, its order's progress, its
//! payments and the timeline.

use super::billing;
use super::list::Paging;
use super::payments::{self, Payer};
use super::webhooks;
use super::{day_text, opt_trim, parse_day, BusinessUnit, Ctx, Page};
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
use crate::services::outbox::{r, NotesBody, Op, OpKind};
use crate::store::subscriptions::{end as end_row, Ending, SubscriptionRow};
use crate::store::{json_col, record, Actor, Db, Entry};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use ts_rs::TS;

mod activate;
mod buyout;
mod change;
mod end;
mod history;
mod returns;
mod shared;
mod upgrade;
mod void;

pub use activate::*;
pub use buyout::*;
pub use change::*;
pub use end::*;
pub use history::*;
pub use returns::*;
use shared::*;
pub use upgrade::*;
pub use void::*;

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
    /// FlexDesk: when the cancellation undid a mistaken activation (`void`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided_at: Option<String>,
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

/// A subscription as read for an action or a view: the stored row (`store::subscriptions`) and
/// two facts read beside it.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct Row {
    #[sqlx(flatten)]
    pub stored: SubscriptionRow,
    pub order_number: Option<String>,
    pub next_billing_date: Option<String>,
}

impl std::ops::Deref for Row {
    type Target = SubscriptionRow;
    fn deref(&self) -> &SubscriptionRow {
        &self.stored
    }
}

/// The select list of a `Row`: every stored column, then the order number and the next due date.
fn cols() -> &'static str {
    static COLS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    COLS.get_or_init(|| {
        let stored: Vec<String> = crate::store::subscriptions::COLUMNS
            .split(',')
            .map(|c| format!("s.{}", c.trim()))
            .collect();
        format!(
            "{}, (SELECT order_number FROM orders o WHERE o.id = s.order_id) AS order_number,
             (SELECT min(due_date) FROM payments p WHERE p.rental_id = s.id AND p.status IN ('pending', 'failed', 'processing')) AS next_billing_date",
            stored.join(", ")
        )
    })
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

pub use crate::domain::schedule::months_between;

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
        self.stored.tax_rule(bu.currency_exponent)
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
            extension_history: serde_json::from_str(
                self.extension_history.as_deref().unwrap_or("[]"),
            )
            .unwrap_or_default(),
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
            replacement_history: serde_json::from_str(
                self.replacement_history.as_deref().unwrap_or("[]"),
            )
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
        "SELECT {} FROM subscriptions s WHERE s.id = ? AND s.bu_id = ?",
        cols()
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
    /// FlexDesk: `createdAt` (default), `endDate`, `monthlyAmount`, `status` or `customerName`.
    pub sort_by: Option<String>,
    /// FlexDesk: count every matching subscription (`total` of the page).
    pub include_total: Option<bool>,
}

/// The subscriptions' list orders (`sortBy`): when made, by contract end, or by monthly amount.
const SUBSCRIPTION_SORTS: super::list::Sorts = &[
    ("createdAt", "created_at"),
    ("endDate", "end_date"),
    ("monthlyAmount", "monthly_amount"),
    ("status", "status, created_at"),
    ("customerName", "customer_name"),
];

/// Subscriptions newest first (keyset), with the documented filters and a few of FlexDesk's.
pub async fn list(
    db: &Db,
    bu: &BusinessUnit,
    q: &SubscriptionQuery,
    today: NaiveDate,
) -> Result<Page<Rental>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let keyset = super::list::Keyset::of("subscriptions", "s", "rental")
        .sorted(SUBSCRIPTION_SORTS, q.sort_by.as_deref())?;
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {select} FROM subscriptions s WHERE s.bu_id = "
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
            let sn =
                serial::normalize(&sn).map_err(|e| Error::invalid("serialNumber", e.message))?;
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
        Ok(qb)
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = keyset
        .rows_on(&mut conn, filtered(cols())?, &bu.id, &p)
        .await?;
    let items = rows.iter().map(|r| r.to_rental(bu, today)).collect();
    let mut page = p.page(items, |r: &Rental| r.rental_id.clone());
    if q.include_total == Some(true) {
        page.total = Some(super::list::total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
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
