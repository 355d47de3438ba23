//! Intake mistakes put right: a unit's SKU and serial are corrected while it has never been
//! rented (on the timeline, as ops both remotes have), never after; a deleted serial is taken in
//! again or restored.

use crate::subscriptions::{act, shop};
use flexdesk::domain::status::AssetStatus;
use flexdesk::services::assets::{self, AssetInput, AssetUpdate, CorrectSerial};
use flexdesk::services::subscriptions as subs;
use serde_json::json;

async fn count(t: &crate::support::TestCore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

async fn last_entry(t: &crate::support::TestCore, serial: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT action, summary FROM events WHERE entity_type = 'asset' AND entity_id = ? ORDER BY rowid DESC LIMIT 1",
    )
    .bind(serial)
    .fetch_one(t.core.db.pool())
    .await
    .unwrap()
}

fn sku(to: &str) -> AssetUpdate {
    AssetUpdate {
        sku: Some(to.into()),
        ..Default::default()
    }
}

fn serial(to: &str) -> CorrectSerial {
    CorrectSerial {
        new_serial_number: to.into(),
        reason: Some("Typed from the box label".into()),
    }
}

#[tokio::test]
async fn a_units_sku_and_serial_are_corrected_while_it_has_never_been_rented() {
    let t = shop().await;
    let db = &t.core.db;

    // The wrong SKU: the unit becomes the other variant, its location and cost kept.
    assets::update(
        db,
        &t.ctx(),
        "LAP-1",
        AssetUpdate {
            location: Some("Shelf 4".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let a = assets::update(db, &t.ctx(), "lap-1", sku("OTHER"))
        .await
        .unwrap();
    assert_eq!(
        (a.sku.as_str(), a.status),
        ("OTHER", AssetStatus::Available)
    );
    assert_eq!(a.location.as_deref(), Some("Shelf 4"));
    let (action, summary) = last_entry(&t, "LAP-1").await;
    assert_eq!(action, "updated");
    assert!(summary.contains("SKU corrected LAP → OTHER"), "{summary}");
    // An unknown SKU changes nothing.
    let e = assets::update(db, &t.ctx(), "LAP-1", sku("NOPE"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "VARIANT_NOT_FOUND");
    assert_eq!(assets::get(db, &t.bu, "LAP-1").await.unwrap().sku, "OTHER");

    // The mistyped serial: the right one takes its place with what it had; the wrong one is
    // deleted, saying what it became.
    let events = count(&t, "SELECT count(*) FROM events").await;
    for (to, code, path) in [
        ("LAP-3", "ASSET_EXISTS", None),
        ("lap-2", "VALIDATION_ERROR", Some("newSerialNumber")),
        ("LAP 2!", "VALIDATION_ERROR", Some("newSerialNumber")),
        ("AB", "VALIDATION_ERROR", Some("newSerialNumber")),
    ] {
        let e = assets::correct_serial(db, &t.ctx(), "LAP-2", serial(to))
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), code, "{to}: {}", e.message);
        if let Some(p) = path {
            assert_eq!(e.details[0].path, p, "{to}");
        }
    }
    assert_eq!(count(&t, "SELECT count(*) FROM events").await, events);
    let right = assets::correct_serial(db, &t.ctx(), "LAP-2", serial("lap-20"))
        .await
        .unwrap();
    assert_eq!(
        (
            right.serial_number.as_str(),
            right.sku.as_str(),
            right.status
        ),
        ("LAP-20", "LAP", AssetStatus::Available)
    );
    let wrong = assets::get(db, &t.bu, "LAP-2").await.unwrap();
    assert_eq!(wrong.status, AssetStatus::Unavailable);
    assert!(wrong.notes.unwrap().contains("corrected to LAP-20"));
    assert!(last_entry(&t, "LAP-2").await.1.contains("LAP-2 → LAP-20"));
    let (action, summary) = last_entry(&t, "LAP-20").await;
    assert_eq!(action, "created");
    assert!(summary.contains("in place of mistyped LAP-2: Typed from the box label"));
    // The deleted, mistyped record is not corrected a second time.
    let e = assets::correct_serial(db, &t.ctx(), "LAP-2", serial("LAP-21"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");
    // The corrected unit is the one a scan activates.
    let order = t
        .confirmed_order(
            "fix@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-20"))
        .await
        .unwrap();

    // Once rented, SKU and serial are history: both refused, nothing changes.
    let events = count(&t, "SELECT count(*) FROM events").await;
    let e = assets::update(db, &t.ctx(), "LAP-20", sku("OTHER"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "ASSET_IN_USE");
    assert!(e.message.contains("has been rented"), "{}", e.message);
    let e = assets::correct_serial(db, &t.ctx(), "LAP-20", serial("LAP-21"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "ASSET_IN_USE");
    assert_eq!(count(&t, "SELECT count(*) FROM events").await, events);
    assert_eq!(assets::get(db, &t.bu, "LAP-20").await.unwrap().sku, "LAP");
}

#[tokio::test]
async fn a_deleted_serial_is_taken_in_again_or_restored() {
    let t = shop().await;
    let db = &t.core.db;
    let intake = |serial: &str, sku: &str| AssetInput {
        serial_number: serial.into(),
        sku: sku.into(),
        location: Some("Intake".into()),
        ..Default::default()
    };
    // Never rented, deleted: the serial is taken in again, as whatever it now is.
    assets::delete(db, &t.ctx(), "LAP-1").await.unwrap();
    let e = assets::create(db, &t.ctx(), intake("LAP-3", "LAP"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "ASSET_EXISTS");
    let again = assets::create(db, &t.ctx(), intake("lap-1", "OTHER"))
        .await
        .unwrap();
    assert_eq!(
        (again.sku.as_str(), again.status, again.location.as_deref()),
        ("OTHER", AssetStatus::Available, Some("Intake"))
    );
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM assets WHERE serial_number = 'LAP-1' AND deleted_at IS NULL"
        )
        .await,
        1
    );
    assert!(last_entry(&t, "LAP-1").await.1.contains("taken in again"));

    // Rented, returned and deleted: its history stays, so it is restored, not taken in again.
    let order = t
        .confirmed_order(
            "back@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    subs::cancel(
        db,
        &t.ctx(),
        &rental.rental_id,
        subs::CancelInput {
            reason: Some("customer_request".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    subs::receive_return(
        db,
        &t.ctx(),
        subs::ReceiveInput {
            serial_number: "LAP-2".into(),
            return_condition: Some("good".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assets::delete(db, &t.ctx(), "LAP-2").await.unwrap();
    let e = assets::create(db, &t.ctx(), intake("LAP-2", "OTHER"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "ASSET_EXISTS");
    assert!(e.message.contains("restore it"), "{}", e.message);
    let restored = assets::update(
        db,
        &t.ctx(),
        "LAP-2",
        AssetUpdate {
            status: Some("available".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (restored.status, restored.sku.as_str()),
        (AssetStatus::Available, "LAP")
    );
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM assets WHERE serial_number = 'LAP-2' AND deleted_at IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn corrections_made_on_a_desk_reach_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, _b) = crate::sync::hub_and_desks(dir.path()).await;
    crate::sync::add_laptops(
        &a,
        &[
            json!({"variantSku": "LAP-13", "variantName": "8 GB", "grade": "A", "listPrice": 900,
                 "acquisitionCost": 700, "pricing": {"12": 39}}),
        ],
    )
    .await;
    for sn in ["FIX-1", "FIX-2", "FIX-3"] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "LAP-16"}),
        )
        .await;
    }
    a.sync().await;
    a.rpc(
        "assets.update",
        json!({"serialNumber": "FIX-1", "sku": "LAP-13"}),
    )
    .await;
    a.rpc(
        "assets.correctSerial",
        json!({"serialNumber": "FIX-2", "newSerialNumber": "FIX-20", "reason": "Mistyped"}),
    )
    .await;
    a.ok("DELETE", "/v1/assets/FIX-3", serde_json::Value::Null)
        .await;
    a.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "FIX-3", "sku": "LAP-13"}),
    )
    .await;
    a.sync().await;
    assert_eq!(a.counts().await, (Some(0), Some(0)));
    let on_hub = |sn: &'static str| {
        let hub = &hub;
        async move {
            let v = hub
                .ok("GET", &format!("/v1/assets/{sn}"), serde_json::Value::Null)
                .await;
            let v = if v.get("asset").is_some() {
                v["asset"].clone()
            } else {
                v
            };
            (
                v["sku"].as_str().unwrap_or("").to_string(),
                v["status"].as_str().unwrap_or("").to_string(),
            )
        }
    };
    assert_eq!(on_hub("FIX-1").await, ("LAP-13".into(), "available".into()));
    assert_eq!(
        on_hub("FIX-2").await,
        ("LAP-16".into(), "unavailable".into())
    );
    assert_eq!(
        on_hub("FIX-20").await,
        ("LAP-16".into(), "available".into())
    );
    assert_eq!(on_hub("FIX-3").await, ("LAP-13".into(), "available".into()));
}
