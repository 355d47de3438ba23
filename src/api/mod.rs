//! The command table: every action the desk UI can ask for, declared once. From this table come
//! `dispatch` (used by the Tauri shell's single `rpc` command and by `POST /rpc/{command}`), the
//! role each command requires, and the TypeScript `Commands` map the UI's typed client uses.

mod backups;
mod documents;
mod handlers;
mod integrations;
mod reports;
mod sessions;
mod vocabulary;

use crate::error::{Error, ErrorCode, Result};
use crate::services::users::User;
use crate::services::{BusinessUnit, Ctx};
use crate::Core;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// Which business unit the UI works in, sent with every call. Who is calling is never sent: it
/// comes from the caller's session, which the transport holds (`Caller`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct RpcContext {
    pub bu_id: Option<String>,
}

/// A call as its transport received it: the session token the transport holds for this caller
/// (the desktop shell in memory, the HTTP server from an HttpOnly cookie) and the business unit.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub token: Option<String>,
    pub bu_id: Option<String>,
    /// The call comes from the desktop window (the Tauri shell), not over HTTP.
    pub desktop: bool,
}

impl Caller {
    /// A call from the desktop window.
    pub fn desktop(token: Option<String>, ctx: RpcContext) -> Caller {
        Caller {
            token,
            bu_id: ctx.bu_id,
            desktop: true,
        }
    }
}

/// What a call did to its caller's session: the transport keeps a new token or forgets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    Same,
    Started(String),
    Ended,
}

/// A command's answer and what it did to the session.
#[derive(Debug, Clone)]
pub struct Answer {
    pub value: Value,
    pub session: SessionChange,
}

/// A resolved caller: the person (checked against the command's roles) and the business unit.
pub struct Session<'a> {
    pub core: &'a Core,
    pub user: Option<User>,
    pub bu: Option<BusinessUnit>,
    /// The caller's session token, and whether that session is locked.
    pub token: Option<String>,
    pub locked: bool,
    /// The call comes from the desktop window.
    pub desktop: bool,
}

impl Session<'_> {
    pub fn ctx(&self) -> Result<Ctx> {
        let user = self.user.as_ref().ok_or_else(sign_in_first)?;
        let bu = self.bu.clone().ok_or_else(|| {
            Error::new(ErrorCode::NoTenantAccess, "Choose a business unit first.")
        })?;
        Ok(Ctx::new(
            user.actor(),
            bu,
            &self.core.desk.code,
            self.core.now(),
        ))
    }
    pub fn bu(&self) -> Result<&BusinessUnit> {
        self.bu
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::NoTenantAccess, "Choose a business unit first."))
    }
    pub fn actor(&self) -> Result<crate::store::Actor> {
        self.user
            .as_ref()
            .map(User::actor)
            .ok_or_else(sign_in_first)
    }
    pub fn user(&self) -> Result<&User> {
        self.user.as_ref().ok_or_else(sign_in_first)
    }
}

fn sign_in_first() -> Error {
    Error::new(ErrorCode::AuthRequired, "Sign in first.")
}

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, before signing in (the start screen's commands).
    Public,
    /// A signed-in person, even while their session is locked (unlock, sign out).
    Session,
    /// Any person at the desk.
    Anyone,
    /// Only these roles (admin is always allowed).
    Roles(&'static [&'static str]),
}

const ADMIN: Access = Access::Roles(&[]);
const COUNTER: Access = Access::Roles(&["counter"]);
const FRONT: Access = Access::Roles(&["counter", "accountant"]);
const WAREHOUSE: Access = Access::Roles(&["warehouse"]);
const ACCOUNTS: Access = Access::Roles(&["accountant"]);
const DESK: Access = Access::Roles(&["warehouse", "counter"]);
/// A one-off charge: the returns desk (damage), the counter and the accountant.
const CHARGES: Access = Access::Roles(&["warehouse", "counter", "accountant"]);

macro_rules! commands {
    ($( $name:literal => $handler:ident ( $req:ty ) -> $res:ty, $access:expr $(, [ $($area:literal),* ])?; )*) => {
        /// Every command name, in table order.
        pub const COMMANDS: &[(&str, Access)] = &[ $( ($name, $access) ),* ];

        /// What each command changes: the areas (command prefixes, `*` for all) whose answers a
        /// client must read again after it. A read changes nothing. (What a sync pull or a kept
        /// remote version brings in depends on the answer; the client refreshes all then.)
        pub const CHANGES: &[(&str, &[&str])] = &[ $( ($name, &[ $($($area),*)? ]) ),* ];

        /// Run one command for a caller. The payload is the command's request as JSON.
        pub async fn dispatch(core: &Core, caller: &Caller, command: &str, payload: Value) -> Result<Answer> {
            run(core, caller, command, payload).await.map_err(Error::for_caller)
        }

        async fn run(core: &Core, caller: &Caller, command: &str, payload: Value) -> Result<Answer> {
            let access = COMMANDS.iter().find(|(n, _)| *n == command).map(|(_, a)| *a)
                .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("Unknown command '{command}'.")))?;
            let session = open_session(core, caller, access).await?;
            let payload = if payload.is_null() { Value::Object(Default::default()) } else { payload };
            let value = match command {
                $( $name => {
                    let req: $req = serde_json::from_value(payload).map_err(|e| Error::new(ErrorCode::ValidationError, format!("The request could not be read: {e}")))?;
                    // Boxed: the answer's future lives on the heap, so this match stays small
                    // however large the biggest command's future grows.
                    let res: $res = Box::pin($handler(&session, req)).await?;
                    serde_json::to_value(res)?
                } )*
                _ => unreachable!("listed in COMMANDS"),
            };
            Ok(sessions::answer(command, value))
        }

        /// TypeScript: the `Commands` map and every type it names, into `dir`.
        pub fn export_typescript(dir: &std::path::Path) -> std::result::Result<(), ts_rs::ExportError> {
            let cfg = ts_rs::Config::new().with_large_int("number").with_out_dir(dir);
            $( export_type::<$req>(&cfg)?; export_type::<$res>(&cfg)?; )*
            export_type::<crate::error::Error>(&cfg)?;
            export_type::<crate::error::ErrorCode>(&cfg)?;
            export_type::<RpcContext>(&cfg)?;
            // The types of the vocabulary lists (some are used by no command).
            export_type::<crate::domain::status::AssetCondition>(&cfg)?;
            export_type::<crate::domain::status::CustomerType>(&cfg)?;
            export_type::<crate::domain::status::SubscriptionStatus>(&cfg)?;
            let mut imports = std::collections::BTreeSet::new();
            $( collect_imports::<$req>(&cfg, &mut imports); collect_imports::<$res>(&cfg, &mut imports); )*
            let mut out = String::from("// Generated by `flexdesk gen-ts` from src/api/mod.rs. Do not edit.\n");
            for name in &imports {
                out.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
            }
            out.push_str("\nexport interface Commands {\n");
            $( out.push_str(&format!("  \"{}\": {{ req: {}; res: {} }};\n", $name, <$req as TS>::name(&cfg), <$res as TS>::name(&cfg))); )*
            out.push_str("}\n\nexport type CommandName = keyof Commands;\n");
            out.push_str("\n/** Who may run each command: \"public\" (before signing in), \"session\" (signed in, even locked), \"anyone\" signed in, or these roles. */\n");
            out.push_str("export const COMMAND_ACCESS: Record<CommandName, \"public\" | \"session\" | \"anyone\" | readonly string[]> = {\n");
            for (name, access) in COMMANDS {
                let a = match access {
                    Access::Public => "\"public\"".to_string(),
                    Access::Session => "\"session\"".to_string(),
                    Access::Anyone => "\"anyone\"".to_string(),
                    Access::Roles(r) => format!("[{}]", std::iter::once("admin").chain(r.iter().copied()).map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(", ")),
                };
                out.push_str(&format!("  \"{name}\": {a},\n"));
            }
            out.push_str("};\n");
            out.push_str("\n/** What each command changes: the command areas whose cached answers are stale after it (\"*\": all). */\n");
            out.push_str("export const COMMAND_CHANGES: Record<CommandName, readonly string[]> = {\n");
            for (name, areas) in CHANGES {
                let list = areas.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
                out.push_str(&format!("  \"{name}\": [{list}],\n"));
            }
            out.push_str("};\n");
            std::fs::write(dir.join("Commands.ts"), out)?;
            std::fs::write(dir.join("Vocabulary.ts"), vocabulary::vocabulary_ts())?;
            Ok(())
        }
    };
}

/// Export a type and what it uses; wrappers such as `Vec<T>` export their contents.
fn export_type<T: TS + ?Sized + 'static>(
    cfg: &ts_rs::Config,
) -> std::result::Result<(), ts_rs::ExportError> {
    struct Visit<'a>(
        &'a ts_rs::Config,
        std::result::Result<(), ts_rs::ExportError>,
    );
    impl ts_rs::TypeVisitor for Visit<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if self.1.is_ok() {
                self.1 = export_type::<U>(self.0);
            }
        }
    }
    if T::output_path().is_some() {
        T::export_all(cfg)?;
    }
    let mut v = Visit(cfg, Ok(()));
    T::visit_generics(&mut v);
    v.1
}

fn collect_imports<T: TS + ?Sized + 'static>(
    cfg: &ts_rs::Config,
    into: &mut std::collections::BTreeSet<String>,
) {
    struct Visit<'a>(
        &'a ts_rs::Config,
        &'a mut std::collections::BTreeSet<String>,
    );
    impl ts_rs::TypeVisitor for Visit<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if U::output_path().is_some() {
                self.1.insert(U::ident(self.0));
            }
            U::visit_generics(self);
        }
    }
    if T::output_path().is_some() {
        into.insert(T::ident(cfg));
    }
    T::visit_generics(&mut Visit(cfg, into));
}

async fn open_session<'a>(core: &'a Core, caller: &Caller, access: Access) -> Result<Session<'a>> {
    use crate::services::sessions::Standing;
    let token = caller.token.clone().filter(|t| !t.is_empty());
    let standing = match token.as_deref() {
        Some(t) => core.sessions.standing(t, core.now()),
        None => Standing::Unknown,
    };
    let (user_id, locked) = match (&standing, access) {
        (Standing::Open(id), _) => (Some(id.clone()), false),
        (Standing::Locked(id), Access::Public | Access::Session) => (Some(id.clone()), true),
        (Standing::Locked(_), _) => {
            return Err(Error::new(
                ErrorCode::SessionLocked,
                "The desk is locked; enter your PIN to go on.",
            ))
        }
        (Standing::Unknown, Access::Public) => (None, false),
        (Standing::Unknown, _) => return Err(sign_in_first()),
    };
    let user = match user_id {
        Some(id) => match crate::services::users::get(&core.db, &id).await {
            Ok(u) if u.active => Some(u),
            _ => {
                core.sessions.end_person(&id);
                if access == Access::Public {
                    None
                } else {
                    return Err(Error::new(
                        ErrorCode::AuthRequired,
                        "That person no longer works at this desk; sign in again.",
                    ));
                }
            }
        },
        None => None,
    };
    if let (Access::Roles(roles), Some(u)) = (access, &user) {
        if u.role != "admin" && !roles.contains(&u.role.as_str()) {
            return Err(Error::new(
                ErrorCode::InsufficientPermissions,
                format!(
                    "{} works as {}; this needs {}.",
                    u.name,
                    u.role,
                    std::iter::once("admin")
                        .chain(roles.iter().copied())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        }
    }
    let bu = match caller.bu_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) if user.is_some() => Some(
            crate::services::business_units::get(&core.db, id)
                .await
                .map_err(|_| {
                    Error::new(
                        ErrorCode::NoTenantAccess,
                        format!("Business unit {id} does not exist at this desk."),
                    )
                })?,
        ),
        _ => None,
    };
    Ok(Session {
        core,
        user,
        bu,
        token,
        locked,
        desktop: caller.desktop,
    })
}

use crate::services::{
    assets, billing, business_units as bus, catalog, customers, dashboard, exports, files,
    invoices, keys, orders, payments, runs, subscriptions as subs, timeline, users, webhooks, Page,
};
pub use backups::*;
pub use documents::*;
pub use handlers::*;
pub use integrations::*;
pub use reports::*;
pub use sessions::*;

commands! {
    "app.bootstrap" => app_bootstrap(Empty) -> Bootstrap, Access::Public;
    "app.shown" => app_shown(Empty) -> Ack, Access::Public;
    "session.current" => session_current(Empty) -> CurrentSession, Access::Public;
    "session.signIn" => session_sign_in(SignInReq) -> SignedIn, Access::Public, ["*"];
    "session.setup" => session_setup(SetupReq) -> SignedIn, Access::Public, ["*"];
    "session.lock" => session_lock(Empty) -> Ack, Access::Session;
    "session.unlock" => session_unlock(UnlockReq) -> users::User, Access::Session;
    "session.signOut" => session_sign_out(Empty) -> Ack, Access::Public;
    "session.changeSecret" => session_change_secret(ChangeSecretReq) -> users::User, Access::Anyone, ["users", "timeline"];
    "users.list" => users_list(Empty) -> Vec<users::User>, Access::Anyone;
    "users.create" => users_create(users::NewUser) -> users::User, ADMIN, ["users", "timeline"];
    "users.update" => users_update(UserUpdateReq) -> users::User, ADMIN, ["users", "timeline"];
    "users.setSecret" => users_set_secret(SetSecretReq) -> users::User, ADMIN, ["users", "timeline"];
    "desk.setLockMinutes" => desk_set_lock_minutes(LockMinutesReq) -> LockMinutes, ADMIN, ["app"];
    "backups.status" => backups_status(Empty) -> crate::services::backups::BackupStatus, ADMIN;
    "backups.health" => backups_health(Empty) -> crate::services::backups::BackupHealth, ADMIN;
    "backups.create" => backups_create(Empty) -> crate::store::backup::Made, ADMIN, ["backups"];
    "backups.settings" => backups_settings(crate::services::backups::BackupSettingsInput) -> crate::services::backups::BackupStatus, ADMIN, ["backups", "timeline"];
    "backups.restore" => backups_restore(BackupNameReq) -> crate::store::backup::Manifest, ADMIN, ["backups"];
    "backups.clearRestore" => backups_clear_restore(Empty) -> Ack, ADMIN, ["backups"];
    "bu.list" => bu_list(Empty) -> Vec<BusinessUnit>, Access::Anyone;
    "bu.get" => bu_get(Empty) -> BusinessUnit, Access::Anyone;
    "bu.create" => bu_create(bus::NewBusinessUnit) -> BusinessUnit, ADMIN, ["bu"];
    "bu.update" => bu_update(bus::BusinessUnitUpdate) -> BusinessUnit, ADMIN, ["bu", "orders", "subscriptions", "dunning"];
    "keys.list" => keys_list(Empty) -> Vec<keys::ApiKey>, ADMIN;
    "keys.create" => keys_create(keys::NewKey) -> keys::CreatedKey, ADMIN, ["keys", "timeline"];
    "keys.revoke" => keys_revoke(IdReq) -> keys::ApiKey, ADMIN, ["keys", "timeline"];
    "catalog.listProducts" => catalog_list_products(catalog::ProductQuery) -> Page<catalog::Product>, Access::Anyone;
    "catalog.getProduct" => catalog_get_product(IdReq) -> catalog::Product, Access::Anyone;
    "catalog.saveProduct" => catalog_save_product(catalog::ProductInput) -> catalog::UpsertResult, ADMIN, ["catalog", "timeline"];
    "catalog.deleteProduct" => catalog_delete_product(IdReq) -> Ack, ADMIN, ["catalog", "timeline"];
    "catalog.listVariants" => catalog_list_variants(catalog::VariantQuery) -> Page<catalog::Variant>, Access::Anyone;
    "catalog.setVariantStatus" => catalog_set_variant_status(VariantStatusReq) -> catalog::Variant, ADMIN, ["catalog", "timeline"];
    "catalog.listCategories" => catalog_list_categories(Empty) -> Vec<catalog::Category>, Access::Anyone;
    "catalog.saveCategory" => catalog_save_category(catalog::CategoryInput) -> catalog::Category, ADMIN, ["catalog", "timeline"];
    "catalog.importCsv" => catalog_import_csv(CsvImportReq) -> catalog::ImportReport, ADMIN, ["catalog", "timeline"];
    "customers.list" => customers_list(customers::CustomerQuery) -> Page<customers::Customer>, Access::Anyone;
    "customers.get" => customers_get(IdReq) -> customers::Customer, Access::Anyone;
    "customers.create" => customers_create(customers::NewCustomer) -> customers::Customer, FRONT, ["customers", "timeline"];
    "customers.update" => customers_update(customers::CustomerUpdate) -> customers::Customer, FRONT, ["customers", "orders", "timeline"];
    "customers.delete" => customers_delete(IdReq) -> Ack, COUNTER, ["customers", "timeline"];
    "orders.list" => orders_list(orders::OrderQuery) -> Page<orders::Order>, Access::Anyone;
    "orders.get" => orders_get(IdReq) -> orders::Order, Access::Anyone;
    "orders.quote" => orders_quote(QuoteReq) -> orders::Quote, Access::Anyone;
    "orders.create" => orders_create(orders::OrderInput) -> PlacedOrder, COUNTER, ["orders", "customers", "timeline", "dashboard"];
    "orders.confirm" => orders_confirm(IdReq) -> orders::Order, COUNTER, ["orders", "customers", "timeline", "dashboard"];
    "orders.cancel" => orders_cancel(CancelReq) -> orders::Order, COUNTER, ["orders", "customers", "timeline", "dashboard"];
    "orders.setNotes" => orders_set_notes(NotesReq) -> orders::Order, COUNTER, ["orders", "timeline"];
    "assets.list" => assets_list(assets::AssetQuery) -> Page<assets::Asset>, Access::Anyone;
    "assets.get" => assets_get(SerialReq) -> assets::Asset, Access::Anyone;
    "assets.create" => assets_create(assets::AssetInput) -> assets::Asset, WAREHOUSE, ["assets", "timeline", "dashboard"];
    "assets.update" => assets_update(AssetUpdateReq) -> assets::Asset, WAREHOUSE, ["assets", "timeline", "dashboard"];
    "assets.correctSerial" => assets_correct_serial(CorrectSerialReq) -> assets::Asset, WAREHOUSE, ["assets", "timeline", "dashboard"];
    "assets.delete" => assets_delete(SerialReq) -> Ack, WAREHOUSE, ["assets", "timeline", "dashboard"];
    "assets.importCsv" => assets_import_csv(CsvImportReq) -> assets::AssetImportReport, WAREHOUSE, ["assets", "timeline", "dashboard"];
    "assets.inspect" => assets_inspect(subs::InspectInput) -> assets::Asset, WAREHOUSE, ["assets", "returns", "timeline", "dashboard"];
    "assets.lifetime" => assets_lifetime(SerialReq) -> subs::AssetLifetime, Access::Anyone;
    "subscriptions.list" => subscriptions_list(subs::SubscriptionQuery) -> Page<subs::Rental>, Access::Anyone;
    "subscriptions.get" => subscriptions_get(IdReq) -> SubscriptionDetail, Access::Anyone;
    "subscriptions.activate" => subscriptions_activate(subs::ActivateInput) -> subs::Activation, WAREHOUSE, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.extend" => subscriptions_extend(ExtendReq) -> subs::Extended, FRONT, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.upgrade" => subscriptions_upgrade(UpgradeReq) -> subs::Upgraded, FRONT, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.replace" => subscriptions_replace(ReplaceReq) -> subs::Replaced, DESK, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.quoteBuyout" => subscriptions_quote_buyout(subs::QuoteInput) -> subs::BuyoutQuoteView, Access::Anyone;
    "subscriptions.quoteEarlyReturn" => subscriptions_quote_early_return(subs::QuoteInput) -> subs::EarlyReturnQuoteView, Access::Anyone;
    "subscriptions.buyout" => subscriptions_buyout(BuyoutReq) -> subs::BoughtOut, FRONT, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.earlyReturn" => subscriptions_early_return(EarlyReturnReq) -> subs::ReturnedEarly, DESK, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.cancel" => subscriptions_cancel(SubCancelReq) -> subs::Cancelled, FRONT, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.void" => subscriptions_void(VoidReq) -> subs::Voided, DESK, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "subscriptions.setNotes" => subscriptions_set_notes(NotesReq) -> subs::Rental, Access::Anyone, ["subscriptions", "timeline"];
    "returns.check" => returns_check(SerialReq) -> subs::ReturnCheck, Access::Anyone;
    "returns.receive" => returns_receive(subs::ReceiveInput) -> subs::Received, DESK, ["subscriptions", "assets", "orders", "payments", "billingGroups", "invoices", "returns", "timeline", "dashboard", "customers"];
    "payments.list" => payments_list(payments::PaymentQuery) -> Page<payments::Payment>, Access::Anyone;
    "payments.totals" => payments_totals(payments::PaymentQuery) -> payments::PaymentTotals, Access::Anyone;
    "payments.get" => payments_get(IdReq) -> payments::Payment, Access::Anyone;
    "payments.markPaid" => payments_mark_paid(MarkPaidReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.markPaidMany" => payments_mark_paid_many(MarkPaidManyReq) -> Vec<payments::Payment>, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.markFailed" => payments_mark_failed(CancelReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.receipts" => payments_receipts(IdReq) -> Vec<payments::Receipt>, Access::Anyone;
    "payments.receive" => payments_receive(ReceiptReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.refund" => payments_refund(ReceiptReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.charge" => payments_charge(payments::ChargeInput) -> payments::Payment, CHARGES, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.reverse" => payments_reverse(CancelReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "payments.cancel" => payments_cancel(CancelReq) -> payments::Payment, ACCOUNTS, ["payments", "billingGroups", "subscriptions", "invoices", "customers", "assets", "timeline", "dashboard", "dunning"];
    "billingGroups.list" => billing_groups_list(billing::GroupQuery) -> Page<billing::BillingGroup>, Access::Anyone;
    "billingGroups.get" => billing_groups_get(IdReq) -> billing::BillingGroup, Access::Anyone;
    "billingGroups.create" => billing_groups_create(billing::NewGroup) -> billing::BillingGroup, FRONT, ["billingGroups", "payments", "subscriptions", "orders", "timeline", "dashboard"];
    "billingGroups.update" => billing_groups_update(GroupUpdateReq) -> billing::BillingGroup, FRONT, ["billingGroups", "payments", "subscriptions", "orders", "timeline", "dashboard"];
    "billingGroups.delete" => billing_groups_delete(IdReq) -> Done, FRONT, ["billingGroups", "payments", "subscriptions", "orders", "timeline", "dashboard"];
    "invoices.list" => invoices_list(invoices::InvoiceQuery) -> Page<invoices::Invoice>, Access::Anyone;
    "invoices.totals" => invoices_totals(invoices::InvoiceQuery) -> invoices::InvoiceTotals, Access::Anyone;
    "invoices.get" => invoices_get(IdReq) -> invoices::InvoiceDetail, Access::Anyone;
    "invoices.issue" => invoices_issue(PaymentIdReq) -> invoices::Invoice, ACCOUNTS, ["invoices", "payments", "billingGroups", "timeline", "dashboard", "reports"];
    "invoices.credit" => invoices_credit(CancelReq) -> invoices::Invoice, ACCOUNTS, ["invoices", "payments", "billingGroups", "timeline", "dashboard", "reports"];
    "invoices.pdf" => invoices_pdf(IdReq) -> Document, Access::Anyone;
    "invoices.einvoice" => invoices_einvoice(EInvoiceReq) -> Document, Access::Anyone;
    "einvoicing.get" => einvoicing_get(crate::services::einvoicing::EInvoicingReq) -> crate::services::einvoicing::EInvoicing, Access::Anyone;
    "einvoicing.save" => einvoicing_save(crate::services::einvoicing::EInvoicingReq) -> crate::services::einvoicing::EInvoicing, FRONT, ["customers", "billingGroups", "timeline", "einvoicing"];
    "einvoicing.formats" => einvoicing_formats(Empty) -> Vec<crate::einvoice::FormatChoice>, Access::Anyone;
    "invoices.html" => invoices_html(IdReq) -> Html, Access::Anyone;
    "invoices.pending" => invoices_pending(RunReq) -> PendingCount, Access::Anyone;
    "invoices.run" => invoices_run(RunReq) -> invoices::RunProgress, ACCOUNTS, ["invoices", "payments", "billingGroups", "timeline", "dashboard", "reports"];
    "invoices.exportMonth" => invoices_export_month(MonthReq) -> ExportedFolder, ACCOUNTS, ["invoices"];
    "exports.rentals" => exports_rentals(exports::RentalExport) -> exports::RentalExportResult, FRONT;
    "exports.payments" => exports_payments(exports::PeriodExport) -> exports::CsvFile, ACCOUNTS;
    "exports.invoices" => exports_invoices(exports::PeriodExport) -> exports::CsvFile, ACCOUNTS;
    "exports.records" => exports_records(RecordsReq) -> exports::CsvFile, ACCOUNTS;
    "dunning.proposals" => dunning_proposals(DunningReq) -> crate::services::dunning::Proposals, ACCOUNTS;
    "dunning.sent" => dunning_sent(DunningReq) -> Vec<crate::services::dunning::Reminder>, ACCOUNTS;
    "dunning.letter" => dunning_letter(IdReq) -> Document, ACCOUNTS;
    "dunning.send" => dunning_send(crate::services::dunning::SendInput) -> Vec<crate::services::dunning::Reminder>, ACCOUNTS, ["payments", "customers", "timeline", "dashboard", "subscriptions", "invoices", "dunning"];
    "dunning.hold" => dunning_hold(crate::services::dunning::HoldInput) -> crate::services::dunning::Proposals, ACCOUNTS, ["customers", "timeline", "dunning"];
    "mail.get" => mail_get(Empty) -> crate::services::mail::SmtpView, ACCOUNTS;
    "mail.save" => mail_save(crate::services::mail::SmtpInput) -> crate::services::mail::SmtpView, ADMIN, ["mail"];
    "mail.log" => mail_log(Empty) -> Vec<crate::services::mail::MailRecord>, ACCOUNTS;
    "mail.sendNow" => mail_send_now(Empty) -> MailSent, ACCOUNTS, ["mail", "dunning"];
    "reports.vat" => reports_vat(exports::PeriodExport) -> exports::VatReport, ACCOUNTS;
    "reports.vatPdf" => reports_vat_pdf(exports::PeriodExport) -> Document, ACCOUNTS;
    "reports.vatCsv" => reports_vat_csv(exports::PeriodExport) -> exports::CsvFile, ACCOUNTS;
    "files.list" => files_list(files::FileQuery) -> files::FileList, Access::Anyone;
    "files.contract" => files_contract(ContractReq) -> files::FileInfo, FRONT, ["files", "timeline"];
    "files.pdf" => files_pdf(IdReq) -> Document, Access::Anyone;
    "files.delete" => files_delete(IdReq) -> Done, FRONT, ["files", "timeline"];
    "documents.labels" => labels_pdf(LabelsReq) -> Document, Access::Anyone;
    "documents.quote" => quote_pdf(QuotePdfReq) -> Document, FRONT;
    "documents.save" => documents_save(SaveReq) -> Saved, Access::Anyone;
    "dashboard.get" => dashboard_get(Empty) -> dashboard::Dashboard, Access::Anyone;
    "runs.daily" => runs_daily(Empty) -> runs::DailyReport, Access::Roles(&["accountant"]), ["payments", "subscriptions", "invoices", "billingGroups", "timeline", "dashboard"];
    "timeline.list" => timeline_list(timeline::TimelineQuery) -> Vec<timeline::Event>, Access::Anyone;
    "server.status" => server_status(Empty) -> ServerStatus, Access::Anyone;
    "server.start" => server_start(ServerStartReq) -> ServerStatus, ADMIN, ["server"];
    "server.stop" => server_stop(Empty) -> ServerStatus, ADMIN, ["server"];
    "webhooks.list" => webhooks_list(Empty) -> Vec<webhooks::Endpoint>, ADMIN;
    "webhooks.save" => webhooks_save(webhooks::EndpointInput) -> webhooks::Endpoint, ADMIN, ["webhooks"];
    "webhooks.delete" => webhooks_delete(IdReq) -> Done, ADMIN, ["webhooks"];
    "webhooks.test" => webhooks_test(IdReq) -> webhooks::Delivery, ADMIN, ["webhooks"];
    "webhooks.deliveries" => webhooks_deliveries(webhooks::DeliveryQuery) -> Vec<webhooks::Delivery>, ADMIN;
    "webhooks.delivery" => webhooks_delivery(IdReq) -> webhooks::DeliveryDetail, ADMIN;
    "webhooks.redeliver" => webhooks_redeliver(IdReq) -> webhooks::Delivery, ADMIN, ["webhooks"];
    "sync.status" => sync_status(Empty) -> crate::sync::SyncStatus, Access::Anyone;
    "sync.remote" => sync_remote(Empty) -> RemoteSettings, ADMIN;
    "sync.remote.save" => sync_remote_save(crate::sync::remote::RemoteInput) -> crate::sync::remote::RemoteView, ADMIN, ["sync"];
    "sync.remote.remove" => sync_remote_remove(Empty) -> Done, ADMIN, ["sync"];
    "sync.now" => sync_now(Empty) -> crate::sync::engine::SyncReport, Access::Anyone, ["sync"];
    "sync.sendExisting" => sync_send_existing(Empty) -> crate::sync::engine::SentExisting, ADMIN, ["*"];
    "sync.conflicts" => sync_conflicts(Empty) -> Vec<crate::sync::engine::Conflict>, Access::Anyone;
    "sync.resolve" => sync_resolve(crate::sync::engine::ResolveInput) -> crate::sync::engine::Conflict, Access::Anyone, ["sync"];
}
