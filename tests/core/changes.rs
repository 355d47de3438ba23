//! Cancel and the returns desk, replacement and upgrade.

use crate::assert_code;
use crate::subscriptions::{act, money, schedule, shop};
use flexdesk::domain::status::{AssetStatus, PaymentStatus, SubscriptionStatus};
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions as subs;
use flexdesk::services::{assets, orders};
use flexdesk::ErrorCode;
use serde_json::json;

#[tokio::test]
async fn cancel_and_the_returns_desk() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "rd@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 6}]),
        )
        .await;
    let r1 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let r2 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let r3 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-3"))
        .await
        .unwrap()
        .rental;
    let cancel = |reason: Option<&str>| subs::CancelInput {
        reason: reason.map(Into::into),
        notes: None,
    };
    assert_code!(
        subs::cancel(db, &t.ctx(), &r1.rental_id, cancel(None)).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        subs::cancel(db, &t.ctx(), "rnt_nope", cancel(Some("fraud"))).await,
        ErrorCode::NotFound
    );
    t.go_to(2026, 2, 20);
    let c = subs::cancel(db, &t.ctx(), &r1.rental_id, cancel(Some("payment_failure")))
        .await
        .unwrap();
    assert_eq!(
        (c.previous_status, c.rental.status),
        (SubscriptionStatus::Active, SubscriptionStatus::Cancelled)
    );
    assert_eq!(
        c.rental
            .cancellation_details
            .as_ref()
            .unwrap()
            .reason
            .as_str(),
        "payment_failure"
    );
    assert_code!(
        subs::cancel(db, &t.ctx(), &r1.rental_id, cancel(Some("fraud"))).await,
        ErrorCode::AlreadyCancelled
    );
    // Periods after Feb 20 are voided; Jan 15 and Feb 15 stay due.
    let s = schedule(&t, &r1.rental_id).await;
    assert_eq!(
        s.iter()
            .filter(|p| p.status == PaymentStatus::Pending)
            .count(),
        2
    );
    // The device is still with the customer until it comes back.
    assert_eq!(
        assets::get(db, &t.bu, "LAP-1").await.unwrap().status,
        AssetStatus::RentedOut
    );

    // Returns desk: a cancelled subscription's device is collected.
    let chk = subs::check_return(db, &t.ctx(), "lap-1").await.unwrap();
    assert_eq!(chk.case, "collection");
    let recv = |sn: &str| subs::ReceiveInput {
        serial_number: sn.into(),
        return_condition: Some("good".into()),
        ..Default::default()
    };
    let got = subs::receive_return(db, &t.ctx(), recv("LAP-1"))
        .await
        .unwrap();
    assert_eq!(got.case, "collection");
    assert_eq!(
        assets::get(db, &t.bu, "LAP-1").await.unwrap().status,
        AssetStatus::Returned
    );
    // Before the end date: an early return with the fee quote.
    let chk = subs::check_return(db, &t.ctx(), "LAP-2").await.unwrap();
    assert_eq!(chk.case, "early_return");
    let quote = chk.early_return_quote.unwrap();
    assert_eq!(quote.remaining_months, 4);
    let got = subs::receive_return(db, &t.ctx(), recv("LAP-2"))
        .await
        .unwrap();
    assert_eq!(
        (got.rental.status, got.fee),
        (SubscriptionStatus::EndedEarlyReturn, quote.early_return_fee)
    );
    // On or after the end date: completion, no fee.
    t.go_to(2026, 7, 15);
    assert_eq!(
        subs::check_return(db, &t.ctx(), "LAP-3")
            .await
            .unwrap()
            .case,
        "completion"
    );
    let got = subs::receive_return(db, &t.ctx(), recv("LAP-3"))
        .await
        .unwrap();
    assert_eq!(
        (got.rental.status, got.fee),
        (SubscriptionStatus::EndedCompleted, money("0.00"))
    );
    assert_eq!(got.rental.rental_id, r3.rental_id);
    // Ended: cancel says so; an asset in stock has nothing to return.
    assert_code!(
        subs::cancel(db, &t.ctx(), &r2.rental_id, cancel(Some("other"))).await,
        ErrorCode::AlreadyEnded
    );
    assert_code!(
        subs::check_return(db, &t.ctx(), "LAP-4").await,
        ErrorCode::InvalidStatus
    );
    assert_code!(
        subs::check_return(db, &t.ctx(), "NOPE").await,
        ErrorCode::AssetNotFound
    );
    // Notes replace, up to 5000 characters.
    let n = subs::set_notes(db, &t.ctx(), &r2.rental_id, "Scratch on lid")
        .await
        .unwrap();
    assert_eq!(n.notes.as_deref(), Some("Scratch on lid"));
    assert_code!(
        subs::set_notes(db, &t.ctx(), &r2.rental_id, &"x".repeat(5001)).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        subs::set_notes(db, &t.ctx(), "rnt_nope", "x").await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn replace_keeps_terms_and_moves_open_payments_to_the_new_device() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "rp@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    payments::mark_paid(db, &t.ctx(), &s[0].payment_id, MarkPaid::default())
        .await
        .unwrap();
    let rep = |sn: &str, reason: Option<&str>| subs::ReplaceInput {
        new_serial_number: sn.into(),
        replacement_reason: reason.map(Into::into),
        ..Default::default()
    };
    assert_code!(
        subs::replace(db, &t.ctx(), &r.rental_id, rep("LAP-2", None)).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        subs::replace(db, &t.ctx(), &r.rental_id, rep("NOPE", Some("damaged"))).await,
        ErrorCode::AssetNotFound
    );
    assert_code!(
        subs::replace(db, &t.ctx(), &r.rental_id, rep("OTHER-1", Some("damaged"))).await,
        ErrorCode::SkuMismatch
    );
    assert_code!(
        subs::replace(db, &t.ctx(), &r.rental_id, rep("LAP-1", Some("damaged"))).await,
        ErrorCode::AssetNotAvailable
    );
    let mut other_sku = rep("LAP-2", Some("damaged"));
    other_sku.new_sku = Some("OTHER".into());
    assert_code!(
        subs::replace(db, &t.ctx(), &r.rental_id, other_sku).await,
        ErrorCode::SkuMismatch
    );
    t.go_to(2026, 3, 1);
    let done = subs::replace(db, &t.ctx(), &r.rental_id, rep("LAP-2", Some("damaged")))
        .await
        .unwrap();
    assert_eq!(
        (
            done.old_serial_number.as_str(),
            done.new_serial_number.as_str()
        ),
        ("LAP-1", "LAP-2")
    );
    assert_eq!(done.rental.asset_serial_number, "LAP-2");
    assert_eq!(
        (done.rental.contract_length, done.rental.monthly_amount),
        (12, money("89.00"))
    );
    assert_eq!(done.rental.replacement_history[0].reason, "damaged");
    let old = assets::get(db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(
        (old.status, old.condition.as_deref()),
        (AssetStatus::Unavailable, Some("damaged"))
    );
    assert_eq!(
        assets::get(db, &t.bu, "LAP-2").await.unwrap().status,
        AssetStatus::RentedOut
    );
    // Paid before the swap counts for LAP-1; what is paid from March on counts for LAP-2.
    let s = schedule(&t, &r.rental_id).await;
    let march = s.iter().find(|p| p.period_start == "2026-03-15").unwrap();
    payments::mark_paid(db, &t.ctx(), &march.payment_id, MarkPaid::default())
        .await
        .unwrap();
    let l1 = subs::asset_lifetime(db, &t.bu, "LAP-1", t.day())
        .await
        .unwrap();
    let l2 = subs::asset_lifetime(db, &t.bu, "LAP-2", t.day())
        .await
        .unwrap();
    assert_eq!(
        (l1.total_collected, l2.total_collected),
        (money("89.00"), money("89.00"))
    );
    assert_eq!(l1.history[0].end_reason.as_deref(), Some("replaced"));
    assert_eq!(
        subs::get(db, &t.bu, &r.rental_id, t.day())
            .await
            .unwrap()
            .total_collected,
        money("178.00")
    );
}

#[tokio::test]
async fn upgrade_ends_the_old_subscription_and_starts_a_new_one() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "up@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let up = |sku: &str, sn: &str, len: serde_json::Value| subs::UpgradeInput {
        new_sku: sku.into(),
        new_serial_number: sn.into(),
        contract_length: Some(len),
        new_monthly_amount: None,
        reason: Some("Needs more memory".into()),
        notes: None,
        new_rental_id: None,
    };
    assert_code!(
        subs::upgrade(db, &t.ctx(), &r.rental_id, up("NOPE", "OTHER-1", json!(12))).await,
        ErrorCode::VariantNotFound
    );
    assert_code!(
        subs::upgrade(
            db,
            &t.ctx(),
            &r.rental_id,
            up("OTHER", "OTHER-1", json!(36))
        )
        .await,
        ErrorCode::InvalidContractLength
    );
    assert_code!(
        subs::upgrade(db, &t.ctx(), &r.rental_id, up("OTHER", "LAP-2", json!(24))).await,
        ErrorCode::SkuMismatch
    );
    flexdesk::services::catalog::set_variant_status(
        db,
        &t.ctx(),
        &flexdesk::services::catalog::variant_by_sku(
            &mut t.core.db.pool().acquire().await.unwrap(),
            &t.bu,
            "OTHER",
        )
        .await
        .unwrap()
        .unwrap()
        .variant_id,
        flexdesk::domain::status::VariantStatus::Inactive,
    )
    .await
    .unwrap();
    assert_code!(
        subs::upgrade(
            db,
            &t.ctx(),
            &r.rental_id,
            up("OTHER", "OTHER-1", json!(24))
        )
        .await,
        ErrorCode::VariantInactive
    );
    flexdesk::services::catalog::set_variant_status(
        db,
        &t.ctx(),
        &flexdesk::services::catalog::variant_by_sku(
            &mut t.core.db.pool().acquire().await.unwrap(),
            &t.bu,
            "OTHER",
        )
        .await
        .unwrap()
        .unwrap()
        .variant_id,
        flexdesk::domain::status::VariantStatus::Active,
    )
    .await
    .unwrap();
    t.go_to(2026, 4, 2);
    let u = subs::upgrade(
        db,
        &t.ctx(),
        &r.rental_id,
        up("OTHER", "OTHER-1", json!(24)),
    )
    .await
    .unwrap();
    assert_eq!(
        (
            u.old_device.as_str(),
            u.new_device.as_str(),
            u.new_monthly_amount
        ),
        ("LAP-1", "OTHER-1", money("59.50"))
    );
    let old = subs::get(db, &t.bu, &r.rental_id, t.day()).await.unwrap();
    assert_eq!(
        (old.status, old.upgraded_to_rental_id.as_deref()),
        (
            SubscriptionStatus::EndedUpgrade,
            Some(u.new_rental_id.as_str())
        )
    );
    assert_eq!(
        u.rental.upgrade_from_rental_id.as_deref(),
        Some(r.rental_id.as_str())
    );
    assert_eq!(
        (u.rental.start_date.as_str(), u.rental.contract_length),
        ("2026-04-02", 24)
    );
    assert_eq!(
        assets::get(db, &t.bu, "LAP-1").await.unwrap().status,
        AssetStatus::Returned
    );
    assert_eq!(schedule(&t, &u.new_rental_id).await.len(), 24);
    assert_code!(
        subs::extend(
            db,
            &t.ctx(),
            &r.rental_id,
            subs::ExtendInput {
                extension_months: json!(3),
                ..Default::default()
            }
        )
        .await,
        ErrorCode::SubscriptionNotActive
    );
    // The order still counts one unit fulfilled (upgrades carry no order item).
    let o = orders::get(db, &t.bu, &order.order_id).await.unwrap();
    assert_eq!(o.items[0].rental_ids, vec![r.rental_id.clone()]);
    assert_eq!(o.rental_ids.len(), 2);
}
