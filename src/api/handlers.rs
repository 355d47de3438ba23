//! Command handlers: turn a command's request into a service call and its result into the
//! response. No rules live here; they are in `services`.

use super::Session;
use crate::error::{Error, ErrorCode, Result};
use crate::services::{
    assets, business_units as bus, catalog, customers, keys, orders, timeline, users, BusinessUnit,
    Page,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct Empty {}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdReq {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SerialReq {
    pub serial_number: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VariantStatusReq {
    pub variant_id: String,
    pub status: crate::domain::status::VariantStatus,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CsvImportReq {
    /// The file's text.
    pub csv: String,
    #[serde(default)]
    pub options: catalog::ImportOptions,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuoteReq {
    pub items: Vec<orders::OrderItemInput>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlacedOrder {
    pub order: orders::Order,
    /// False when the same order, placed moments before, was returned instead.
    pub created: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct CancelReq {
    pub id: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotesReq {
    pub id: String,
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssetUpdateReq {
    pub serial_number: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub update: assets::AssetUpdate,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CorrectSerialReq {
    pub serial_number: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub correction: assets::CorrectSerial,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Bootstrap {
    pub desk: crate::Desk,
    /// The active people, as the start screen lists them.
    pub people: Vec<users::StartPerson>,
    /// No one can sign in yet: the first administrator chooses their PIN.
    pub setup_needed: bool,
    /// Idle minutes before the desk locks.
    pub lock_minutes: u32,
    pub business_units: Vec<BusinessUnit>,
    pub version: String,
    /// The demo business is still loading (first start); lists fill in over a few seconds.
    pub demo_loading: bool,
    /// The desk's clock as it answered (RFC 3339, UTC): the UI's "today" is the desk's, pinned or not.
    pub now: String,
    /// The day the desk's calendar is pinned to (`FLEXDESK_TODAY`), shown in the top bar so a
    /// pinned desk is never mistaken for a live one; `null` on a live desk.
    pub pinned_to: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ServerStatus {
    pub running: bool,
    /// e.g. `http://127.0.0.1:8787`
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct ServerStartReq {
    /// Address to listen on; default 127.0.0.1:8787.
    pub listen: Option<String>,
}

pub async fn app_bootstrap(s: &Session<'_>, _: Empty) -> Result<Bootstrap> {
    let core = s.core;
    Ok(Bootstrap {
        desk: core.desk.clone(),
        people: users::start_list(&core.db).await?,
        setup_needed: users::needs_setup(core.db.pool()).await?,
        lock_minutes: core.sessions.lock_minutes(),
        // Business units (names, currencies) are for signed-in people only.
        business_units: if s.user.is_some() {
            bus::list(&core.db).await?
        } else {
            Vec::new()
        },
        version: env!("CARGO_PKG_VERSION").into(),
        demo_loading: core.demo_loading.load(std::sync::atomic::Ordering::SeqCst),
        now: core.now_stamp(),
        pinned_to: core.clock.pinned_to().map(crate::services::day_text),
    })
}

/// The UI's start screen is on screen. The desktop shell uses this to begin loading the rest of
/// a first start's demo business; elsewhere it only acknowledges.
pub async fn app_shown(_: &Session<'_>, _: Empty) -> Result<Ack> {
    Ok(Ack {
        ok: true,
        message: "Noted.".into(),
    })
}

pub async fn bu_list(s: &Session<'_>, _: Empty) -> Result<Vec<BusinessUnit>> {
    bus::list(&s.core.db).await
}

pub async fn bu_get(s: &Session<'_>, _: Empty) -> Result<BusinessUnit> {
    Ok(s.bu()?.clone())
}

pub async fn bu_create(s: &Session<'_>, r: bus::NewBusinessUnit) -> Result<BusinessUnit> {
    bus::create(&s.core.db, &s.actor()?, s.core.now(), r).await
}

pub async fn bu_update(s: &Session<'_>, r: bus::BusinessUnitUpdate) -> Result<BusinessUnit> {
    bus::update(&s.core.db, &s.actor()?, s.core.now(), r).await
}

pub async fn keys_list(s: &Session<'_>, _: Empty) -> Result<Vec<keys::ApiKey>> {
    keys::list(&s.core.db, &s.bu()?.id).await
}

pub async fn keys_create(s: &Session<'_>, r: keys::NewKey) -> Result<keys::CreatedKey> {
    keys::create(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, r).await
}

pub async fn keys_revoke(s: &Session<'_>, r: IdReq) -> Result<keys::ApiKey> {
    keys::revoke(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, &r.id).await
}

pub async fn catalog_list_products(
    s: &Session<'_>,
    q: catalog::ProductQuery,
) -> Result<Page<catalog::Product>> {
    catalog::list_products(&s.core.db, s.bu()?, &q).await
}

pub async fn catalog_get_product(s: &Session<'_>, r: IdReq) -> Result<catalog::Product> {
    catalog::get_product(&s.core.db, s.bu()?, &r.id).await
}

pub async fn catalog_save_product(
    s: &Session<'_>,
    r: catalog::ProductInput,
) -> Result<catalog::UpsertResult> {
    catalog::save_product(&s.core.db, &s.ctx()?, r).await
}

pub async fn catalog_delete_product(s: &Session<'_>, r: IdReq) -> Result<Ack> {
    let (_, sku) = catalog::delete_product(&s.core.db, &s.ctx()?, &r.id).await?;
    Ok(Ack {
        ok: true,
        message: format!("Product {sku} discontinued."),
    })
}

pub async fn catalog_list_variants(
    s: &Session<'_>,
    q: catalog::VariantQuery,
) -> Result<Page<catalog::Variant>> {
    catalog::list_variants(&s.core.db, s.bu()?, &q).await
}

pub async fn catalog_set_variant_status(
    s: &Session<'_>,
    r: VariantStatusReq,
) -> Result<catalog::Variant> {
    catalog::set_variant_status(&s.core.db, &s.ctx()?, &r.variant_id, r.status).await
}

pub async fn catalog_list_categories(s: &Session<'_>, _: Empty) -> Result<Vec<catalog::Category>> {
    catalog::list_categories(&s.core.db, s.bu()?).await
}

pub async fn catalog_save_category(
    s: &Session<'_>,
    r: catalog::CategoryInput,
) -> Result<catalog::Category> {
    catalog::save_category(&s.core.db, &s.ctx()?, r).await
}

pub async fn catalog_import_csv(s: &Session<'_>, r: CsvImportReq) -> Result<catalog::ImportReport> {
    catalog::import_csv(&s.core.db, &s.ctx()?, r.csv.as_bytes(), r.options).await
}

pub async fn customers_list(
    s: &Session<'_>,
    q: customers::CustomerQuery,
) -> Result<Page<customers::Customer>> {
    customers::list(&s.core.db, s.bu()?, &q).await
}

pub async fn customers_get(s: &Session<'_>, r: IdReq) -> Result<customers::Customer> {
    customers::get(&s.core.db, s.bu()?, &r.id).await
}

pub async fn customers_create(
    s: &Session<'_>,
    r: customers::NewCustomer,
) -> Result<customers::Customer> {
    customers::create(&s.core.db, &s.ctx()?, r).await
}

pub async fn customers_update(
    s: &Session<'_>,
    r: customers::CustomerUpdate,
) -> Result<customers::Customer> {
    customers::update(&s.core.db, &s.ctx()?, r).await
}

pub async fn customers_delete(s: &Session<'_>, r: IdReq) -> Result<Ack> {
    customers::delete(&s.core.db, &s.ctx()?, &r.id).await?;
    Ok(Ack {
        ok: true,
        message: "Customer deactivated.".into(),
    })
}

pub async fn orders_list(s: &Session<'_>, q: orders::OrderQuery) -> Result<Page<orders::Order>> {
    orders::list(&s.core.db, s.bu()?, &q).await
}

pub async fn orders_get(s: &Session<'_>, r: IdReq) -> Result<orders::Order> {
    orders::get(&s.core.db, s.bu()?, r.id.trim()).await
}

pub async fn orders_quote(s: &Session<'_>, r: QuoteReq) -> Result<orders::Quote> {
    orders::quote(&s.core.db, s.bu()?, &r.items).await
}

pub async fn orders_create(s: &Session<'_>, r: orders::OrderInput) -> Result<PlacedOrder> {
    let placed = orders::create(&s.core.db, &s.ctx()?, r).await?;
    Ok(PlacedOrder {
        order: placed.order,
        created: placed.created,
    })
}

pub async fn orders_confirm(s: &Session<'_>, r: IdReq) -> Result<orders::Order> {
    orders::confirm(&s.core.db, &s.ctx()?, &r.id).await
}

pub async fn orders_cancel(s: &Session<'_>, r: CancelReq) -> Result<orders::Order> {
    orders::cancel(&s.core.db, &s.ctx()?, &r.id, r.reason).await
}

pub async fn orders_set_notes(s: &Session<'_>, r: NotesReq) -> Result<orders::Order> {
    orders::set_notes(&s.core.db, &s.ctx()?, &r.id, &r.notes).await
}

pub async fn assets_list(s: &Session<'_>, q: assets::AssetQuery) -> Result<Page<assets::Asset>> {
    assets::list(&s.core.db, s.bu()?, &q).await
}

pub async fn assets_get(s: &Session<'_>, r: SerialReq) -> Result<assets::Asset> {
    assets::get(&s.core.db, s.bu()?, &r.serial_number).await
}

pub async fn assets_create(s: &Session<'_>, r: assets::AssetInput) -> Result<assets::Asset> {
    assets::create(&s.core.db, &s.ctx()?, r).await
}

pub async fn assets_update(s: &Session<'_>, r: AssetUpdateReq) -> Result<assets::Asset> {
    assets::update(&s.core.db, &s.ctx()?, &r.serial_number, r.update).await
}

pub async fn assets_correct_serial(s: &Session<'_>, r: CorrectSerialReq) -> Result<assets::Asset> {
    assets::correct_serial(&s.core.db, &s.ctx()?, &r.serial_number, r.correction).await
}

pub async fn assets_delete(s: &Session<'_>, r: SerialReq) -> Result<Ack> {
    let sn = assets::delete(&s.core.db, &s.ctx()?, &r.serial_number).await?;
    Ok(Ack {
        ok: true,
        message: format!("{sn} is now unavailable."),
    })
}

pub async fn assets_import_csv(
    s: &Session<'_>,
    r: CsvImportReq,
) -> Result<assets::AssetImportReport> {
    assets::import_csv(&s.core.db, &s.ctx()?, r.csv.as_bytes(), r.options).await
}

pub async fn timeline_list(
    s: &Session<'_>,
    q: timeline::TimelineQuery,
) -> Result<Vec<timeline::Event>> {
    timeline::list(&s.core.db, &s.bu()?.id, &q).await
}

pub async fn server_status(s: &Session<'_>, _: Empty) -> Result<ServerStatus> {
    let url = s.core.server_url().await;
    Ok(ServerStatus {
        running: url.is_some(),
        url,
    })
}

pub async fn server_start(s: &Session<'_>, r: ServerStartReq) -> Result<ServerStatus> {
    let listen = r.listen.unwrap_or_else(|| "127.0.0.1:8787".into());
    let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
        Error::invalid(
            "listen",
            format!("'{listen}' is not an address such as 127.0.0.1:8787."),
        )
    })?;
    let url = s.core.start_server(addr).await?;
    Ok(ServerStatus {
        running: true,
        url: Some(url),
    })
}

pub async fn server_stop(s: &Session<'_>, _: Empty) -> Result<ServerStatus> {
    if !s.core.stop_server().await {
        return Err(Error::new(
            ErrorCode::InvalidStatus,
            "The local API is not running.",
        ));
    }
    Ok(ServerStatus {
        running: false,
        url: None,
    })
}

// ----- subscriptions, returns, payments, dashboard ------------------------------------------

use crate::services::{dashboard, payments, runs, subscriptions as subs};

/// A subscription with its whole payment schedule (detail screen).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionDetail {
    pub rental: subs::Rental,
    pub payments: Vec<payments::Payment>,
}

macro_rules! with_id {
    ($name:ident, $inner:ty) => {
        #[derive(Debug, Clone, Deserialize, TS)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub id: String,
            #[serde(flatten)]
            #[ts(flatten)]
            pub input: $inner,
        }
    };
}

with_id!(ExtendReq, subs::ExtendInput);
with_id!(ReplaceReq, subs::ReplaceInput);
with_id!(UpgradeReq, subs::UpgradeInput);
with_id!(BuyoutReq, subs::BuyoutInput);
with_id!(EarlyReturnReq, subs::EarlyReturnInput);
with_id!(SubCancelReq, subs::CancelInput);
with_id!(VoidReq, subs::VoidInput);
with_id!(ReceiptReq, payments::ReceiptInput);
with_id!(MarkPaidReq, payments::MarkPaid);

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MarkPaidManyReq {
    pub payment_ids: Vec<String>,
    #[serde(flatten)]
    #[ts(flatten)]
    pub input: payments::MarkPaid,
}

/// The unit's business day now (UTC's when no unit is chosen).
fn today(s: &Session<'_>) -> chrono::NaiveDate {
    let now = s.core.now();
    s.bu().map(|b| b.day_at(now)).unwrap_or(now.date_naive())
}

pub async fn subscriptions_list(
    s: &Session<'_>,
    q: subs::SubscriptionQuery,
) -> Result<Page<subs::Rental>> {
    subs::list(&s.core.db, s.bu()?, &q, today(s)).await
}

pub async fn subscriptions_get(s: &Session<'_>, r: IdReq) -> Result<SubscriptionDetail> {
    let bu = s.bu()?;
    Ok(SubscriptionDetail {
        rental: subs::get(&s.core.db, bu, &r.id, today(s)).await?,
        payments: subs::schedule_of(&s.core.db, bu, &r.id, today(s)).await?,
    })
}

pub async fn subscriptions_activate(
    s: &Session<'_>,
    r: subs::ActivateInput,
) -> Result<subs::Activation> {
    subs::activate(&s.core.db, &s.ctx()?, r).await
}

pub async fn subscriptions_extend(s: &Session<'_>, r: ExtendReq) -> Result<subs::Extended> {
    subs::extend(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_replace(s: &Session<'_>, r: ReplaceReq) -> Result<subs::Replaced> {
    subs::replace(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_upgrade(s: &Session<'_>, r: UpgradeReq) -> Result<subs::Upgraded> {
    subs::upgrade(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_quote_buyout(
    s: &Session<'_>,
    r: subs::QuoteInput,
) -> Result<subs::BuyoutQuoteView> {
    subs::quote_buyout(&s.core.db, &s.ctx()?, r).await
}

pub async fn subscriptions_quote_early_return(
    s: &Session<'_>,
    r: subs::QuoteInput,
) -> Result<subs::EarlyReturnQuoteView> {
    subs::quote_early_return(&s.core.db, &s.ctx()?, r).await
}

pub async fn subscriptions_buyout(s: &Session<'_>, r: BuyoutReq) -> Result<subs::BoughtOut> {
    subs::buyout(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_early_return(
    s: &Session<'_>,
    r: EarlyReturnReq,
) -> Result<subs::ReturnedEarly> {
    subs::early_return(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_cancel(s: &Session<'_>, r: SubCancelReq) -> Result<subs::Cancelled> {
    subs::cancel(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_void(s: &Session<'_>, r: VoidReq) -> Result<subs::Voided> {
    subs::void(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn subscriptions_set_notes(s: &Session<'_>, r: NotesReq) -> Result<subs::Rental> {
    subs::set_notes(&s.core.db, &s.ctx()?, &r.id, &r.notes).await
}

pub async fn returns_check(s: &Session<'_>, r: SerialReq) -> Result<subs::ReturnCheck> {
    subs::check_return(&s.core.db, &s.ctx()?, &r.serial_number).await
}

pub async fn returns_receive(s: &Session<'_>, r: subs::ReceiveInput) -> Result<subs::Received> {
    subs::receive_return(&s.core.db, &s.ctx()?, r).await
}

pub async fn assets_inspect(s: &Session<'_>, r: subs::InspectInput) -> Result<assets::Asset> {
    subs::inspect(&s.core.db, &s.ctx()?, r).await
}

pub async fn assets_lifetime(s: &Session<'_>, r: SerialReq) -> Result<subs::AssetLifetime> {
    subs::asset_lifetime(&s.core.db, s.bu()?, &r.serial_number, today(s)).await
}

pub async fn payments_list(
    s: &Session<'_>,
    q: payments::PaymentQuery,
) -> Result<Page<payments::Payment>> {
    payments::list(&s.core.db, s.bu()?, &q, today(s)).await
}

pub async fn payments_totals(
    s: &Session<'_>,
    q: payments::PaymentQuery,
) -> Result<payments::PaymentTotals> {
    payments::totals(&s.core.db, s.bu()?, &q, today(s)).await
}

pub async fn payments_get(s: &Session<'_>, r: IdReq) -> Result<payments::Payment> {
    payments::get(&s.core.db, s.bu()?, &r.id, today(s)).await
}

pub async fn payments_mark_paid(s: &Session<'_>, r: MarkPaidReq) -> Result<payments::Payment> {
    payments::mark_paid(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn payments_mark_paid_many(
    s: &Session<'_>,
    r: MarkPaidManyReq,
) -> Result<Vec<payments::Payment>> {
    payments::mark_paid_many(&s.core.db, &s.ctx()?, &r.payment_ids, r.input).await
}

pub async fn payments_receive(s: &Session<'_>, r: ReceiptReq) -> Result<payments::Payment> {
    payments::receive(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn payments_refund(s: &Session<'_>, r: ReceiptReq) -> Result<payments::Payment> {
    payments::refund(&s.core.db, &s.ctx()?, &r.id, r.input).await
}

pub async fn payments_charge(
    s: &Session<'_>,
    r: payments::ChargeInput,
) -> Result<payments::Payment> {
    payments::charge(&s.core.db, &s.ctx()?, r).await
}

pub async fn payments_receipts(s: &Session<'_>, r: IdReq) -> Result<Vec<payments::Receipt>> {
    payments::receipts(&s.core.db, s.bu()?, &r.id).await
}

pub async fn payments_reverse(s: &Session<'_>, r: CancelReq) -> Result<payments::Payment> {
    payments::reverse(
        &s.core.db,
        &s.ctx()?,
        &r.id,
        r.reason.as_deref().unwrap_or(""),
    )
    .await
}

pub async fn payments_mark_failed(s: &Session<'_>, r: CancelReq) -> Result<payments::Payment> {
    payments::mark_failed(
        &s.core.db,
        &s.ctx()?,
        &r.id,
        r.reason.as_deref().unwrap_or(""),
    )
    .await
}

pub async fn payments_cancel(s: &Session<'_>, r: CancelReq) -> Result<payments::Payment> {
    payments::cancel(
        &s.core.db,
        &s.ctx()?,
        &r.id,
        r.reason.as_deref().unwrap_or(""),
    )
    .await
}

pub async fn dashboard_get(s: &Session<'_>, _: Empty) -> Result<dashboard::Dashboard> {
    dashboard::figures(&s.core.db, s.bu()?, today(s)).await
}

pub async fn runs_daily(s: &Session<'_>, _: Empty) -> Result<runs::DailyReport> {
    s.actor()?;
    runs::daily(&s.core.db, &s.core.desk.code, s.core.now()).await
}
