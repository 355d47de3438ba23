//! Test fixtures: a core on a fresh database file with a fixed clock, a business unit and an
//! administrator, plus small builders for catalog data.

use flexdesk::clock::FixedClock;
use flexdesk::services::{business_units, catalog, users, BusinessUnit, Ctx};
use flexdesk::Core;
use serde_json::json;
use std::sync::Arc;
use tempfile::TempDir;

/// The `flexdesk` binary, as tests start it: on a pinned calendar, so what a spawned desk or hub
/// dates is the same on any day of the year — `FLEXDESK_TODAY` when the run sets it, else the
/// day in tests/pinned-today (which the e2e suites use too).
pub fn flexdesk_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flexdesk"));
    cmd.env(flexdesk::clock::TODAY_ENV, pinned_today());
    cmd
}

/// The day spawned processes run on: `FLEXDESK_TODAY` when the run sets it, else tests/pinned-today.
pub fn pinned_today() -> String {
    std::env::var(flexdesk::clock::TODAY_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| include_str!("../pinned-today").to_string())
        .trim()
        .to_string()
}

pub struct TestCore {
    pub core: Core,
    pub clock: Arc<FixedClock>,
    pub bu: BusinessUnit,
    pub admin: users::User,
    _dir: TempDir,
}

impl TestCore {
    pub async fn new() -> TestCore {
        TestCore::on(chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()).await
    }

    /// A core whose clock stands at `day`.
    pub async fn on(day: chrono::NaiveDate) -> TestCore {
        use chrono::Datelike;
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = FixedClock::at_date(day.year(), day.month(), day.day());
        let core = Core::open(&dir.path().join("desk.db"), clock.clone())
            .await
            .expect("open core");
        let admin = users::list(&core.db)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.role == "admin")
            .unwrap();
        let settings = flexdesk::domain::settings::BuSettings {
            tax_rate: rust_decimal::Decimal::from(21),
            ..Default::default()
        };
        let bu = business_units::create(
            &core.db,
            &admin.actor(),
            flexdesk::clock::Clock::now(&*clock),
            business_units::NewBusinessUnit {
                name: "Test NL".into(),
                currency: "EUR".into(),
                code: Some("TNL".into()),
                country: Some("NL".into()),
                timezone: None,
                settings: Some(settings),
            },
        )
        .await
        .expect("business unit");
        TestCore {
            core,
            clock,
            bu,
            admin,
            _dir: dir,
        }
    }

    pub fn ctx(&self) -> Ctx {
        Ctx::new(
            self.admin.actor(),
            self.bu.clone(),
            &self.core.desk.code,
            flexdesk::clock::Clock::now(&*self.clock),
        )
    }

    /// A new API key of the business unit: its secret.
    pub async fn api_key(&self, name: &str) -> String {
        self.key_for(name, "api").await
    }

    /// A key of this unit for `purpose` (`api` or `sync`).
    pub async fn key_for(&self, name: &str, purpose: &str) -> String {
        flexdesk::services::keys::create(
            &self.core.db,
            &self.admin.actor(),
            flexdesk::clock::Clock::now(&*self.clock),
            &self.bu.id,
            flexdesk::services::keys::NewKey {
                name: name.into(),
                purpose: Some(purpose.into()),
            },
        )
        .await
        .expect("API key")
        .secret
    }

    pub async fn second_bu(&self, code: &str, currency: &str) -> BusinessUnit {
        business_units::create(
            &self.core.db,
            &self.admin.actor(),
            flexdesk::clock::Clock::now(&*self.clock),
            business_units::NewBusinessUnit {
                name: format!("Unit {code}"),
                currency: currency.into(),
                code: Some(code.into()),
                country: None,
                timezone: None,
                settings: None,
            },
        )
        .await
        .unwrap()
    }

    /// A laptop product with one variant `sku` priced 119/89/59 for 6/12/24 months, list 1299, cost 1000.
    pub async fn laptop(&self, sku: &str) -> catalog::UpsertResult {
        catalog::save_product(
            &self.core.db,
            &self.ctx(),
            laptop_input(&format!("P-{sku}"), sku),
        )
        .await
        .expect("product")
    }

    /// A phone product (category Phones: serials must be IMEIs).
    pub async fn phone(&self, sku: &str) -> catalog::UpsertResult {
        let mut p = laptop_input(&format!("P-{sku}"), sku);
        p.category = "Phones".into();
        p.name = "Phone".into();
        catalog::save_product(&self.core.db, &self.ctx(), p)
            .await
            .expect("phone")
    }
}

pub fn laptop_input(product_sku: &str, variant_sku: &str) -> catalog::ProductInput {
    serde_json::from_value(json!({
        "productSku": product_sku, "name": "MacBook Air 13", "specification": {"cpu": "M3", "ram": "8 GB"},
        "category": "Laptops", "brand": "Apple",
        "variants": [{
            "variantSku": variant_sku, "variantName": "8/256 Midnight", "grade": "A", "colorName": "Midnight",
            "listPrice": 1299, "acquisitionCost": 1000,
            "pricing": [{"contractLength": 6, "monthlyPrice": 119}, {"contractLength": 12, "monthlyPrice": 89}, {"contractLength": 24, "monthlyPrice": 59.5}]
        }]
    })).unwrap()
}

pub fn address() -> serde_json::Value {
    json!({"contactName": "Emma de Vries", "streetAddress": "Keizersgracht 1", "city": "Amsterdam", "postalCode": "1015 CJ", "country": "Netherlands"})
}

pub fn order_input(
    email: &str,
    items: serde_json::Value,
) -> flexdesk::services::orders::OrderInput {
    serde_json::from_value(json!({
        "customer": {"email": email, "firstName": "Emma", "lastName": "de Vries"},
        "billingAddress": address(),
        "items": items,
    }))
    .unwrap()
}

/// Asserts an error code, with the message in the failure output.
#[macro_export]
macro_rules! assert_code {
    ($result:expr, $code:expr) => {
        match $result {
            Ok(_) => panic!("expected {:?}, got success", $code),
            Err(e) => assert_eq!(e.code, $code, "unexpected error: {}", e.message),
        }
    };
}

impl TestCore {
    /// Change this unit's settings (the fixture's `bu` follows).
    pub async fn settings(&mut self, f: impl FnOnce(&mut flexdesk::domain::settings::BuSettings)) {
        let mut s = self.bu.settings.clone();
        f(&mut s);
        self.bu = business_units::update(
            &self.core.db,
            &self.admin.actor(),
            flexdesk::clock::Clock::now(&*self.clock),
            business_units::BusinessUnitUpdate {
                id: self.bu.id.clone(),
                name: None,
                timezone: None,
                settings: Some(s),
            },
        )
        .await
        .expect("settings");
    }

    /// Take in one asset of `sku` (cost `cost` when given).
    pub async fn asset(&self, serial: &str, sku: &str) -> flexdesk::services::assets::Asset {
        flexdesk::services::assets::create(
            &self.core.db,
            &self.ctx(),
            serde_json::from_value(json!({"serialNumber": serial, "sku": sku})).unwrap(),
        )
        .await
        .expect("asset")
    }

    /// A confirmed order for `email` with these items (`[{"sku":…, "quantity":…, "contractLength":…}]`).
    pub async fn confirmed_order(
        &self,
        email: &str,
        items: serde_json::Value,
    ) -> flexdesk::services::orders::Order {
        let o = flexdesk::services::orders::create(
            &self.core.db,
            &self.ctx(),
            order_input(email, items),
        )
        .await
        .expect("order")
        .order;
        flexdesk::services::orders::confirm(&self.core.db, &self.ctx(), &o.order_id)
            .await
            .expect("confirm")
    }

    /// The unit's business day now (its own time zone's date).
    pub fn day(&self) -> chrono::NaiveDate {
        self.bu.day_at(flexdesk::clock::Clock::now(&*self.clock))
    }

    /// Move the clock to midday of this date.
    pub fn go_to(&self, y: i32, m: u32, d: u32) {
        self.clock.set(
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc(),
        );
    }
}

/// The PIN tests give a desk's first administrator when they sign in over HTTP.
pub const ADMIN_PIN: &str = "2468";

/// Sign in to a desk server over HTTP as its first administrator, the way the start screen does:
/// a new desk's setup (choosing the PIN) or, once set up, a sign-in with that PIN. Returns the
/// `Cookie` header the server's answer set, and the person.
pub async fn http_sign_in(http: &reqwest::Client, url: &str) -> (String, serde_json::Value) {
    let (set_cookie, user) = http_sign_in_raw(http, url).await;
    let cookie = set_cookie.split(';').next().unwrap_or_default().to_string();
    (cookie, user)
}

/// Sign in as `http_sign_in` does; the whole `Set-Cookie` header (with its attributes).
pub async fn http_sign_in_raw(http: &reqwest::Client, url: &str) -> (String, serde_json::Value) {
    let post = |cmd: &str, body: serde_json::Value| {
        http.post(format!("{url}/rpc/{cmd}")).json(&body).send()
    };
    let boot: serde_json::Value = post("app.bootstrap", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = if boot["setupNeeded"] == true {
        post("session.setup", json!({ "secret": ADMIN_PIN })).await
    } else {
        let admin = boot["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "admin")
            .unwrap()["id"]
            .clone();
        post(
            "session.signIn",
            json!({ "userId": admin, "secret": ADMIN_PIN }),
        )
        .await
    }
    .unwrap();
    let cookie = resp
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(
        status.is_success() && !cookie.is_empty(),
        "sign-in: {status} {body}"
    );
    (cookie, body["user"].clone())
}

/// The open money by due date that triggers keep (`open_by_due`) equals a recount of the open
/// payments (pending or failed, not folded into a consolidated payment).
pub async fn assert_open_by_due_recounts(db: &flexdesk::store::Db) {
    let kept: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT bu_id, due_date, count, total FROM open_by_due WHERE count <> 0 OR total <> 0 ORDER BY bu_id, due_date",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let recount: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT bu_id, due_date, count(*), sum(total - amount_received) FROM payments WHERE status IN ('pending', 'failed')
         AND consolidated_into IS NULL GROUP BY bu_id, due_date ORDER BY bu_id, due_date",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(kept, recount);
    assert!(!kept.is_empty(), "open payments to count");
}

/// The fleet by status that triggers keep (`asset_counts`) equals a recount of the assets not
/// deleted.
pub async fn assert_asset_counts_recount(db: &flexdesk::store::Db) {
    let kept: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT bu_id, status, count FROM asset_counts WHERE count <> 0 ORDER BY bu_id, status",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let recount: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT bu_id, status, count(*) FROM assets WHERE deleted_at IS NULL GROUP BY bu_id, status ORDER BY bu_id, status",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(kept, recount);
    assert!(!kept.is_empty(), "assets to count");
}

/// The desk's HTTP server (v1, /rpc) on a free loopback port.
pub async fn serve(t: &TestCore) -> flexdesk::http::RunningServer {
    flexdesk::http::start(
        t.core.clone(),
        "127.0.0.1:0".parse().unwrap(),
        Default::default(),
    )
    .await
    .unwrap()
}
