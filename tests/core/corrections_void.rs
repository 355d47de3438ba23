//! A mistaken activation voided the same day: the subscription ends as a voided cancellation, its
//! payments are cancelled, the order line is free, the unit is back in stock as never assigned;
//! refused once money is paid or the day has turned, changing nothing; synced to the hub.

use crate::subscriptions::{act, schedule, shop};
use flexdesk::domain::status::{AssetStatus, OrderStatus, PaymentStatus, SubscriptionStatus};
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions::{self as subs, VoidInput};
use flexdesk::services::{assets, orders};
use serde_json::json;

async fn count(t: &crate::support::TestCore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

fn why(r: &str) -> VoidInput {
    VoidInput {
        reason: Some(r.into()),
    }
}

async fn entry(t: &crate::support::TestCore, kind: &str, id: &str) -> (String, String) {
    sqlx::query_as(
        "SELECT action, summary FROM events WHERE entity_type = ? AND entity_id = ? ORDER BY rowid DESC LIMIT 1",
    )
    .bind(kind)
    .bind(id)
    .fetch_one(t.core.db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_mistaken_activation_is_voided_the_same_day_and_its_order_line_filled_again() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "scan@example.nl",
            json!([{"sku": "LAP", "quantity": 2, "contractLength": 6}]),
        )
        .await;
    let first = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let first_schedule = schedule(&t, &first.rental_id).await;
    let wrong = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap();
    assert_eq!(wrong.order_status, OrderStatus::Fulfilled);
    let rid = wrong.rental.rental_id.clone();
    assert!(!schedule(&t, &rid).await.is_empty());

    // A reason is required; without one nothing changes.
    let events = count(&t, "SELECT count(*) FROM events").await;
    let e = subs::void(db, &t.ctx(), &rid, why("  ")).await.unwrap_err();
    assert_eq!(e.details[0].path, "reason");
    assert_eq!(count(&t, "SELECT count(*) FROM events").await, events);

    let v = subs::void(db, &t.ctx(), &rid, why("Scanned the unit beside it"))
        .await
        .unwrap();
    assert_eq!(v.order_status, OrderStatus::Partial);
    assert_eq!(v.rental.status, SubscriptionStatus::Cancelled);
    let details = v.rental.cancellation_details.clone().unwrap();
    assert!(details.voided_at.is_some());
    assert!(details
        .notes
        .unwrap()
        .contains("Scanned the unit beside it"));
    // Its schedule is cancelled, none of it open or counted.
    let s = schedule(&t, &rid).await;
    assert!(s.iter().all(|p| p.status == PaymentStatus::Cancelled));
    assert_eq!(v.payments_cancelled as usize, s.len());
    // The unit is in stock, as if never assigned.
    let a = assets::get(db, &t.bu, "LAP-2").await.unwrap();
    assert_eq!(
        (a.status, a.rental_id.clone(), a.customer_id.clone()),
        (AssetStatus::Available, None, None)
    );
    assert_eq!(
        count(&t, "SELECT count(*) FROM asset_assignments x JOIN assets a ON a.id = x.asset_id WHERE a.serial_number = 'LAP-2'").await,
        0
    );
    // The order has one device out; the other subscription and its money are untouched.
    let o = orders::get(db, &t.bu, &order.order_id).await.unwrap();
    assert_eq!(
        (o.status, o.rental_progress.rented_devices),
        (OrderStatus::Partial, 1)
    );
    let still = schedule(&t, &first.rental_id).await;
    assert_eq!(still.len(), first_schedule.len());
    assert!(still
        .iter()
        .zip(&first_schedule)
        .all(|(a, b)| a.status == b.status && a.total == b.total));
    // The timeline says who and why, on the subscription, the unit and the order.
    let (action, summary) = entry(&t, "subscription", &rid).await;
    assert_eq!(action, "voided");
    assert!(summary.contains("Scanned the unit beside it"), "{summary}");
    assert!(summary.contains(&t.admin.name), "{summary}");
    assert_eq!(entry(&t, "asset", "LAP-2").await.0, "voided");
    assert_eq!(entry(&t, "order", &order.order_id).await.0, "voided");
    crate::support::assert_open_by_due_recounts(db).await;
    crate::support::assert_asset_counts_recount(db).await;

    // Voided once is enough.
    let e = subs::void(db, &t.ctx(), &rid, why("again"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "SUBSCRIPTION_NOT_ACTIVE");
    // The right unit fills the line; the voided unit can go to another order.
    let right = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-3"))
        .await
        .unwrap();
    assert_eq!(right.order_status, OrderStatus::Fulfilled);
}

#[tokio::test]
async fn a_void_is_refused_once_money_is_paid_or_the_day_has_turned_and_changes_nothing() {
    let t = shop().await;
    let db = &t.core.db;
    let one = |email: &'static str| {
        let t = &t;
        async move {
            t.confirmed_order(
                email,
                json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
            )
            .await
        }
    };
    // A single-device order voided goes back to confirmed.
    let o1 = one("a@example.nl").await;
    let r1 = subs::activate(db, &t.ctx(), act(&o1.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let v = subs::void(db, &t.ctx(), &r1.rental_id, why("Wrong customer's order"))
        .await
        .unwrap();
    assert_eq!(v.order_status, OrderStatus::Confirmed);

    // Paid money keeps the activation: take the payment back first.
    let o2 = one("b@example.nl").await;
    let r2 = subs::activate(db, &t.ctx(), act(&o2.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let p = schedule(&t, &r2.rental_id).await[0].payment_id.clone();
    payments::mark_paid(db, &t.ctx(), &p, MarkPaid::default())
        .await
        .unwrap();
    let events = count(&t, "SELECT count(*) FROM events").await;
    let e = subs::void(db, &t.ctx(), &r2.rental_id, why("mistake"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");
    assert!(e.message.contains("Take the payment back"), "{}", e.message);
    assert_eq!(count(&t, "SELECT count(*) FROM events").await, events);
    assert_eq!(
        assets::get(db, &t.bu, "LAP-2").await.unwrap().status,
        AssetStatus::RentedOut
    );

    // The next business day it is a cancellation or a return, not a void.
    let o3 = one("c@example.nl").await;
    let r3 = subs::activate(db, &t.ctx(), act(&o3.order_id, "LAP-3"))
        .await
        .unwrap()
        .rental;
    let next = t.day().succ_opt().unwrap();
    t.go_to(
        chrono::Datelike::year(&next),
        chrono::Datelike::month(&next),
        chrono::Datelike::day(&next),
    );
    let events = count(&t, "SELECT count(*) FROM events").await;
    let e = subs::void(db, &t.ctx(), &r3.rental_id, why("mistake"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");
    assert!(e.message.contains("earlier day"), "{}", e.message);
    assert_eq!(
        subs::get(db, &t.bu, &r3.rental_id, t.day())
            .await
            .unwrap()
            .status,
        SubscriptionStatus::Active
    );
    assert_eq!(count(&t, "SELECT count(*) FROM events").await, events);
}

#[tokio::test]
async fn a_void_on_a_desk_reaches_the_hub_and_the_other_desk() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, b) = crate::sync::hub_and_desks(dir.path()).await;
    crate::sync::add_laptops(&a, &[]).await;
    let rental = crate::sync::rented(&a, "VOID-1", "void@x.example").await;
    a.sync().await;
    b.sync().await;
    a.rpc(
        "subscriptions.void",
        json!({"id": rental, "reason": "Wrong unit scanned"}),
    )
    .await;
    a.sync().await;
    b.sync().await;
    eprintln!(
        "HUBSUB {}",
        hub.ok(
            "GET",
            &format!("/v1/subscriptions/{rental}"),
            serde_json::Value::Null
        )
        .await
    );
    eprintln!("OPS {}", a.db.display());
    std::mem::forget(dir);
    assert_eq!(
        a.counts().await,
        (Some(0), Some(0)),
        "{}",
        a.rpc("sync.conflicts", json!({})).await
    );
    let on_hub = hub
        .ok(
            "GET",
            &format!("/v1/subscriptions/{rental}"),
            serde_json::Value::Null,
        )
        .await;
    let sub = if on_hub.get("subscription").is_some() {
        on_hub["subscription"].clone()
    } else {
        on_hub
    };
    assert_eq!(sub["status"], "cancelled", "{sub}");
    let unit = hub
        .ok("GET", "/v1/assets/VOID-1", serde_json::Value::Null)
        .await;
    let unit = if unit.get("asset").is_some() {
        unit["asset"].clone()
    } else {
        unit
    };
    assert_eq!(unit["status"], "available", "{unit}");
    crate::sync::assert_converged(&[&hub, &a, &b]).await;
}
