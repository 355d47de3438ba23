use crate::assert_code;
use crate::support::TestCore;
use flexdesk::clock::FixedClock;
use flexdesk::domain::status::Role;
use flexdesk::services::{business_units, customers, keys, timeline, users};
use flexdesk::store::indexes;
use flexdesk::{Core, ErrorCode};
use rust_decimal::Decimal;

#[tokio::test]
async fn the_database_is_a_wal_file_that_keeps_the_desk_identity_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/desk.db");
    let clock = FixedClock::at_date(2026, 3, 1);
    let first = Core::open(&path, clock.clone()).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(first.db.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(first.db.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are enforced");
    let desk = first.desk.clone();
    assert!(
        desk.code.starts_with('D') && desk.code.len() == 4,
        "short desk code, got {}",
        desk.code
    );
    first.db.close().await;
    let again = Core::open(&path, clock).await.unwrap();
    assert_eq!(again.desk.id, desk.id, "the desk keeps its identity");
    let admins = users::list(&again.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == "admin")
        .count();
    assert_eq!(admins, 1, "exactly one administrator is created, once");
}

/// The file's index names.
async fn index_names(core: &Core) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .fetch_all(core.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn indexes_set_aside_for_a_bulk_copy_are_made_again_even_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let clock = FixedClock::at_date(2028, 2, 29);
    let core = Core::open(&path, clock.clone()).await.unwrap();
    let all = index_names(&core).await;
    let mut conn = core.db.pool().acquire().await.unwrap();
    let n = indexes::set_aside(&mut conn, &["payments", "assets"])
        .await
        .unwrap();
    drop(conn);
    let left = index_names(&core).await;
    assert!(n >= 10, "{n}");
    assert_eq!(left.len(), all.len() - n);
    assert!(!left.contains(&"payments_open".to_string()), "{left:?}");
    // The unique serial (an index SQLite made for a constraint) is never set aside.
    assert!(
        left.iter()
            .any(|i| i.starts_with("sqlite_autoindex_assets")),
        "{left:?}"
    );
    // The desk stops before the copy ends: opening the file makes them again.
    core.db.close().await;
    drop(core);
    let again = Core::open(&path, clock).await.unwrap();
    assert_eq!(index_names(&again).await, all);
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM indexes_set_aside")
        .fetch_one(again.db.pool())
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    let mut conn = again.db.pool().acquire().await.unwrap();
    assert_eq!(
        indexes::restore(&mut conn).await.unwrap(),
        0,
        "nothing is left to make"
    );
}

#[tokio::test]
async fn a_business_unit_needs_an_iso_currency_and_a_free_code() {
    let t = TestCore::new().await;
    let bad = business_units::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        business_units::NewBusinessUnit {
            name: "X".into(),
            currency: "EURO".into(),
            code: Some("X".into()),
            country: None,
            timezone: None,
            settings: None,
        },
    )
    .await;
    assert_code!(bad, ErrorCode::ValidationError);
    let dup = business_units::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        business_units::NewBusinessUnit {
            name: "Other".into(),
            currency: "USD".into(),
            code: Some("TNL".into()),
            country: None,
            timezone: None,
            settings: None,
        },
    )
    .await;
    assert_code!(dup, ErrorCode::ValidationError);
    let jpy = t.second_bu("JP", "JPY").await;
    assert_eq!(jpy.currency_exponent, 0);
}

#[tokio::test]
async fn settings_are_validated_stored_and_recorded_with_before_and_after() {
    let t = TestCore::new().await;
    let mut s = t.bu.settings.clone();
    s.default_contract_length = 7;
    let bad = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(s),
        },
    )
    .await;
    assert_code!(bad, ErrorCode::ValidationError);
    let mut s = t.bu.settings.clone();
    s.grace_period_days = 30;
    s.require_confirmed_orders = false;
    s.tax_rate = Decimal::new(9, 0);
    let bu = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: Some("Renamed".into()),
            timezone: None,
            settings: Some(s),
        },
    )
    .await
    .unwrap();
    assert_eq!(bu.settings.grace_period_days, 30);
    assert!(!bu.settings.require_confirmed_orders);
    assert_eq!(bu.name, "Renamed");
    let events = timeline::list(
        &t.core.db,
        &t.bu.id,
        &timeline::TimelineQuery {
            entity_type: Some("business_unit".into()),
            entity_id: Some(t.bu.id.clone()),
            limit: None,
        },
    )
    .await
    .unwrap();
    let change = events
        .iter()
        .find(|e| e.action == "settings_changed")
        .expect("settings change on the timeline");
    assert_eq!(
        change.before.as_ref().unwrap()["settings"]["gracePeriodDays"],
        14
    );
    assert_eq!(
        change.after.as_ref().unwrap()["settings"]["gracePeriodDays"],
        30
    );
    assert_eq!(change.actor_name, "Administrator");
}

#[tokio::test]
async fn business_units_are_isolated() {
    let t = TestCore::new().await;
    let other = t.second_bu("US", "USD").await;
    let c = customers::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(
            serde_json::json!({"email": "a@b.example", "firstName": "A", "lastName": "B"}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_code!(
        customers::get(&t.core.db, &other, &c.customer_id).await,
        ErrorCode::NotFound
    );
    let page = customers::list(&t.core.db, &other, &Default::default())
        .await
        .unwrap();
    assert!(
        page.items.is_empty(),
        "another unit sees none of these customers"
    );
    // The same email may exist once per unit.
    let mut ctx = t.ctx();
    ctx.bu = other.clone();
    customers::create(
        &t.core.db,
        &ctx,
        serde_json::from_value(
            serde_json::json!({"email": "A@b.example", "firstName": "A", "lastName": "B"}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn api_keys_are_stored_hashed_shown_once_and_revocable() {
    let t = TestCore::new().await;
    let created = keys::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        &t.bu.id,
        keys::NewKey {
            name: "shop".into(),
            purpose: None,
        },
    )
    .await
    .unwrap();
    assert!(created.secret.starts_with("pk_live_") && created.secret.len() > 60);
    assert_eq!(
        created.key.purpose,
        keys::KeyPurpose::Api,
        "an integration's by default"
    );
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = ?")
        .bind(&created.key.id)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert!(
        !stored.contains(&created.secret[8..]),
        "the plain key is not stored"
    );
    let k = keys::authenticate(&t.core.db, t.clock_now(), &created.secret)
        .await
        .unwrap();
    assert_eq!(k.bu_id, t.bu.id);
    assert_eq!(k.usage_count, 1, "use is counted");
    // Within the minute a call is counted without a write; the list shows the exact count, the
    // row catches up with the next call a minute later.
    let written = |id: String| {
        let db = t.core.db.clone();
        async move {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT usage_count, last_used_at FROM api_keys WHERE id = ?",
            )
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap()
        }
    };
    let first_use = written(k.id.clone()).await;
    t.clock.advance(chrono::Duration::seconds(30));
    let k2 = keys::authenticate(&t.core.db, t.clock_now(), &created.secret)
        .await
        .unwrap();
    assert_eq!(k2.usage_count, 2);
    assert_eq!(
        written(k.id.clone()).await,
        first_use,
        "no write within the minute"
    );
    let listed = keys::list(&t.core.db, &t.bu.id).await.unwrap();
    assert_eq!(listed.iter().find(|x| x.id == k.id).unwrap().usage_count, 2);
    t.clock.advance(chrono::Duration::seconds(31));
    keys::authenticate(&t.core.db, t.clock_now(), &created.secret)
        .await
        .unwrap();
    let (count, at) = written(k.id.clone()).await;
    assert_eq!(count, 3);
    assert_eq!(at, flexdesk::clock::stamp(t.clock_now()));
    assert_code!(
        keys::authenticate(&t.core.db, t.clock_now(), "pk_live_wrong").await,
        ErrorCode::InvalidToken
    );
    keys::revoke(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        &t.bu.id,
        &created.key.id,
    )
    .await
    .unwrap();
    assert_code!(
        keys::authenticate(&t.core.db, t.clock_now(), &created.secret).await,
        ErrorCode::InvalidToken
    );
}

#[tokio::test]
async fn people_have_roles_and_their_actions_carry_their_name() {
    let t = TestCore::new().await;
    let sam = users::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        users::NewUser {
            name: "Sam".into(),
            role: Role::Warehouse,
            secret: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(sam.role, "warehouse");
    assert_code!(
        users::create(
            &t.core.db,
            &t.admin.actor(),
            t.clock_now(),
            users::NewUser {
                name: " ".into(),
                role: Role::Counter,
                secret: None,
            }
        )
        .await,
        ErrorCode::ValidationError
    );
    let mut ctx = t.ctx();
    ctx.actor = sam.actor();
    t.laptop("LAP-1").await;
    flexdesk::services::assets::create(
        &t.core.db,
        &ctx,
        serde_json::from_value(serde_json::json!({"serialNumber": "sn-1", "sku": "LAP-1"}))
            .unwrap(),
    )
    .await
    .unwrap();
    let events = timeline::list(
        &t.core.db,
        &t.bu.id,
        &timeline::TimelineQuery {
            entity_type: Some("asset".into()),
            entity_id: Some("SN-1".into()),
            limit: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(events[0].actor_name, "Sam");
    assert_eq!(events[0].actor_role, "warehouse");
    assert_eq!(
        events[0].at, "2026-01-15T12:00:00.000Z",
        "time comes from the injected clock"
    );
}

impl TestCore {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        flexdesk::clock::Clock::now(&*self.clock)
    }
}
