//! The daily run and the contract-end run, remaining months, and the dashboard's figures.

use crate::subscriptions::{act, money, schedule, shop};
use chrono::Datelike;
use flexdesk::domain::settings::{ContractEnd, LateFeeKind};
use flexdesk::domain::status::{AssetStatus, SubscriptionStatus};
use flexdesk::money::Money;
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions as subs;
use flexdesk::services::{assets, dashboard, runs};
use serde_json::json;

/// The daily run in transactions of one subscription or payment each does what one transaction
/// does: every subscription past its end and every late payment, none twice, and it ends.
#[tokio::test]
async fn the_daily_run_in_short_transactions_reaches_every_row_once() {
    let mut t = shop().await;
    let order = t
        .confirmed_order(
            "chunks@example.nl",
            json!([{"sku": "LAP", "quantity": 4, "contractLength": 6}]),
        )
        .await;
    for sn in ["LAP-1", "LAP-2", "LAP-3", "LAP-4"] {
        subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, sn))
            .await
            .unwrap();
    }
    t.go_to(2026, 9, 20);
    t.settings(|s| {
        s.contract_end = ContractEnd::RequireAction;
        s.late_fee_kind = LateFeeKind::Flat;
        s.late_fee_amount = money("10");
        s.late_fee_grace_days = 7;
    })
    .await;
    let rep = runs::daily_in_chunks(&t.core.db, "D", t.clock_now(), 1)
        .await
        .unwrap();
    assert_eq!(rep.units[0].contract_end.needs_action, 4, "{rep:?}");
    let fees = rep.units[0].late_fees;
    assert!(fees > 4, "every open payment past its grace days: {rep:?}");
    let again = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(again.units[0].late_fees, 0, "none left, none twice");
    // Month by month after the end, one renewal at a time, then nothing more.
    t.settings(|s| s.contract_end = ContractEnd::AutoRenewMonthly)
        .await;
    let rep = runs::daily_in_chunks(&t.core.db, "D", t.clock_now(), 1)
        .await
        .unwrap();
    assert_eq!(rep.units[0].contract_end.renewal_payments, 12, "{rep:?}");
    let again = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(again.units[0].contract_end.renewal_payments, 0);
}

#[tokio::test]
async fn the_contract_end_run_applies_each_setting_idempotently() {
    let mut t = shop().await;
    let order = t
        .confirmed_order(
            "end@example.nl",
            json!([{"sku": "LAP", "quantity": 4, "contractLength": 6}]),
        )
        .await;
    let mut ids = Vec::new();
    for (sn, setting) in [
        ("LAP-1", ContractEnd::AutoRenewMonthly),
        ("LAP-2", ContractEnd::AutoRenewSameTerm),
        ("LAP-3", ContractEnd::RequireAction),
        ("LAP-4", ContractEnd::AutoTerminate),
    ] {
        let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, sn))
            .await
            .unwrap()
            .rental;
        ids.push((r.rental_id, setting));
    }
    // Each unit has one setting; run each against the subscription it is meant for by
    // switching the unit's setting and ending the others first is not needed: the run applies
    // to all active subscriptions, so check each setting on a fresh day in turn.
    t.go_to(2026, 9, 20);
    // auto_renew_monthly: months after Jul 15 that have started (Jul 15, Aug 15, Sep 15).
    t.settings(|s| s.contract_end = ContractEnd::AutoRenewMonthly)
        .await;
    let rep = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(
        rep.units[0].contract_end.renewal_payments, 12,
        "three renewal months for each of the four"
    );
    let again = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(again.units[0].contract_end.renewal_payments, 0);
    let r1 = subs::get(&t.core.db, &t.bu, &ids[0].0, t.day())
        .await
        .unwrap();
    assert!(r1.renewing);
    assert_eq!(schedule(&t, &ids[0].0).await.len(), 9);
    // A desk scan now completes it, cancelling nothing already due.
    let got = subs::receive_return(
        &t.core.db,
        &t.ctx(),
        subs::ReceiveInput {
            serial_number: "LAP-1".into(),
            return_condition: Some("good".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(got.case, "completion");

    // require_action: nothing changes; the subscriptions are listed for staff.
    t.settings(|s| s.contract_end = ContractEnd::RequireAction)
        .await;
    let rep = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(rep.units[0].contract_end.needs_action, 3);
    let q: subs::SubscriptionQuery = serde_json::from_value(json!({"pastEnd": true})).unwrap();
    let listed = subs::list(&t.core.db, &t.bu, &q, t.day()).await.unwrap();
    assert_eq!(listed.count, 3);
    assert!(listed.items.iter().all(|r| r.needs_action));

    // auto_renew_same_term: renewed by 6 months until the end is in the future, once.
    t.settings(|s| s.contract_end = ContractEnd::AutoRenewSameTerm)
        .await;
    let rep = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(rep.units[0].contract_end.renewed_terms, 3);
    let r2 = subs::get(&t.core.db, &t.bu, &ids[1].0, t.day())
        .await
        .unwrap();
    assert_eq!(
        (r2.contract_length, r2.end_date.as_str()),
        (12, "2027-01-15")
    );
    assert_eq!(r2.extension_history.len(), 1);
    assert_eq!(r2.extension_history[0].extended_by.user_id, "system");
    assert_eq!(
        runs::daily(&t.core.db, "D", t.clock_now())
            .await
            .unwrap()
            .units[0]
            .contract_end
            .renewed_terms,
        0
    );

    // auto_terminate: ended_completed on the end date; the device is expected back.
    t.go_to(2027, 1, 16);
    t.settings(|s| s.contract_end = ContractEnd::AutoTerminate)
        .await;
    let rep = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(rep.units[0].contract_end.completed, 3);
    let r4 = subs::get(&t.core.db, &t.bu, &ids[3].0, t.day())
        .await
        .unwrap();
    assert_eq!(
        (r4.status, r4.ended_on.as_deref()),
        (SubscriptionStatus::EndedCompleted, Some("2027-01-15"))
    );
    assert_eq!(
        assets::get(&t.core.db, &t.bu, "LAP-4")
            .await
            .unwrap()
            .status,
        AssetStatus::RentedOut
    );
    assert_eq!(
        runs::daily(&t.core.db, "D", t.clock_now())
            .await
            .unwrap()
            .units[0]
            .contract_end
            .completed,
        0
    );
    assert_eq!(
        subs::check_return(&t.core.db, &t.ctx(), "LAP-4")
            .await
            .unwrap()
            .case,
        "collection"
    );
}

#[tokio::test]
async fn remaining_months_are_never_negative_and_match_the_schedule() {
    let t = shop().await;
    let order = t
        .confirmed_order(
            "rm@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let mut last = u32::MAX;
    for day in 0..260 {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap() + chrono::Days::new(day);
        t.go_to(d.year(), d.month(), d.day());
        let q = subs::quote_early_return(
            &t.core.db,
            &t.ctx(),
            subs::QuoteInput {
                rental_id: r.rental_id.clone(),
                effective_date: None,
            },
        )
        .await
        .unwrap();
        assert!(q.remaining_months <= 6);
        assert!(
            q.remaining_months <= last,
            "remaining months never grow as time passes"
        );
        last = q.remaining_months;
        let expected = schedule(&t, &r.rental_id)
            .await
            .iter()
            .filter(|p| p.period_start.as_str() > q.effective_date.as_str())
            .count() as u32;
        assert_eq!(q.remaining_months, expected);
    }
    assert_eq!(last, 0);
}

#[tokio::test]
async fn dashboard_figures_add_up() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "dash@example.nl",
            json!([{"sku": "LAP", "quantity": 2, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap();
    let s = schedule(&t, &r.rental_id).await;
    payments::mark_paid(db, &t.ctx(), &s[0].payment_id, MarkPaid::default())
        .await
        .unwrap();
    t.go_to(2026, 2, 20);
    let d = dashboard::figures(db, &t.bu, t.day()).await.unwrap();
    assert_eq!(
        (d.active_subscriptions, d.monthly_recurring_revenue),
        (2, money("178.00"))
    );
    // Overdue: LAP-2's Jan 15 and both Feb 15 payments, 107.69 each.
    assert_eq!((d.overdue_count, d.overdue_total), (3, money("323.07")));
    let rented = d
        .assets_by_status
        .iter()
        .find(|c| c.status == "rented_out")
        .unwrap()
        .count;
    assert_eq!(rented, 2);
    let lap = &d.recovery_by_product[0];
    assert_eq!(
        (lap.subscriptions, lap.collected, lap.cost_recovery_percent),
        (2, money("89.00"), Some(4.5))
    );
    assert_eq!(
        d.collected_this_month,
        money("0.00"),
        "the January payment was paid in January"
    );
    assert_eq!(d.due_soon_count, 2, "both March payments");
    // Twelve months ending with this one: recurring revenue by service month (net), money
    // collected by month of payment (net).
    assert_eq!(d.months.len(), 12);
    assert_eq!(
        (d.months[0].month.as_str(), d.months[11].month.as_str()),
        ("2025-03", "2026-02")
    );
    let jan = &d.months[10];
    assert_eq!(
        (jan.month.as_str(), jan.revenue, jan.collected),
        ("2026-01", money("178.00"), money("89.00"))
    );
    assert_eq!(
        (d.months[11].revenue, d.months[11].collected),
        (money("178.00"), money("0.00"))
    );
    assert_eq!(d.months[9].revenue, money("0.00"));
    // Overdue by age: both February payments are 5 days late, LAP-2's January one 36.
    let ages: Vec<(&str, i64, Money)> = d
        .overdue_by_age
        .iter()
        .map(|a| (a.label.as_str(), a.count, a.total))
        .collect();
    assert_eq!(
        ages,
        vec![
            ("1–30 days", 2, money("215.38")),
            ("31–60 days", 1, money("107.69")),
            ("61–90 days", 0, money("0.00")),
            ("over 90 days", 0, money("0.00")),
        ]
    );
    assert_eq!(
        (
            d.overdue_by_age[0].due_from.as_deref(),
            d.overdue_by_age[0].due_to.as_str()
        ),
        (Some("2026-01-21"), "2026-02-19")
    );
    assert_eq!(d.overdue_by_age[3].due_from, None);

    // The trigger-kept figures equal a recount after every kind of change.
    let s2 = schedule(&t, &r.rental_id).await;
    payments::mark_paid(db, &t.ctx(), &s2[1].payment_id, MarkPaid::default())
        .await
        .unwrap();
    subs::extend(
        db,
        &t.ctx(),
        &r.rental_id,
        subs::ExtendInput {
            extension_months: json!(2),
            new_monthly_amount: Some(money("80")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    subs::buyout(db, &t.ctx(), &r.rental_id, Default::default())
        .await
        .unwrap();
    let d = dashboard::figures(db, &t.bu, t.day()).await.unwrap();
    let (active, mrr, cost, coll): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT sum(status = 'active'), sum(CASE WHEN status = 'active' THEN monthly_amount ELSE 0 END), sum(acquisition_cost), sum(total_collected) FROM subscriptions",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(
        (d.active_subscriptions, d.monthly_recurring_revenue),
        (active, t.bu.money(mrr))
    );
    assert_eq!(
        (
            d.recovery_by_product[0].acquisition_cost,
            d.recovery_by_product[0].collected
        ),
        (t.bu.money(cost), t.bu.money(coll))
    );
    assert_eq!((active, coll), (1, 17_800));
    assert_eq!(d.collected_this_month, money("89.00"), "paid in February");
    // Revenue by month equals a recount after the extension repriced and the buyout cancelled.
    let kept: Vec<(String, i64)> =
        sqlx::query_as("SELECT month, net FROM revenue_by_month WHERE net <> 0 ORDER BY month")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let recount: Vec<(String, i64)> = sqlx::query_as(
        "SELECT billing_period, sum(subtotal) FROM payments WHERE payment_type = 'individual' AND kind IN ('rent', 'prorated')
         AND status <> 'cancelled' GROUP BY billing_period HAVING sum(subtotal) <> 0 ORDER BY billing_period",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(kept, recount);
    assert!(kept.len() >= 2, "{kept:?}");
    // Open money by due date (the overdue ages and due soon) equals a recount too.
    crate::support::assert_open_by_due_recounts(db).await;
    crate::support::assert_asset_counts_recount(db).await;
}

#[tokio::test]
async fn a_unit_whose_run_fails_is_recorded_with_its_reason_and_the_other_units_still_run() {
    let mut t = shop().await; // 2026-01-15
    let db = t.core.db.clone();
    t.settings(|s| {
        s.late_fee_kind = LateFeeKind::Flat;
        s.late_fee_amount = money("10");
        s.late_fee_grace_days = 7;
    })
    .await;
    // A fee of 10.005 EUR cannot be charged: refused when saved, named at its field.
    let mut bad = t.bu.settings.clone();
    bad.late_fee_amount = money("10.005");
    let e = flexdesk::services::business_units::update(
        &db,
        &t.admin.actor(),
        t.clock_now(),
        flexdesk::services::business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(bad),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "settings.lateFeeAmount", "{e:?}");
    assert!(e.message.contains("more decimals"), "{}", e.message);

    // A late payment in this unit, and a second unit that runs fine.
    let order = t
        .confirmed_order(
            "late@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let other = flexdesk::services::business_units::create(
        &db,
        &t.admin.actor(),
        t.clock_now(),
        serde_json::from_value(json!({"name": "Second shop", "currency": "EUR", "code": "SEC"}))
            .unwrap(),
    )
    .await
    .unwrap();
    // Settings written before amounts were checked (an older FlexDesk): the fee has three decimals.
    sqlx::query(
        "UPDATE business_units SET settings = json_set(settings, '$.lateFeeAmount', '10.005') WHERE id = ?",
    )
    .bind(&t.bu.id)
    .execute(db.pool())
    .await
    .unwrap();
    t.go_to(2026, 2, 20);
    let report = runs::daily(&db, "D", t.clock_now()).await.unwrap();
    let of = |id: &str| report.units.iter().find(|u| u.bu_id == id).unwrap().clone();
    let failed = of(&t.bu.id);
    assert!(
        failed.error.as_deref().unwrap_or("").contains("late fee"),
        "{failed:?}"
    );
    assert_eq!(of(&other.id).error, None);
    // Nothing was charged as a fee of nothing, and the dashboard says why the run stopped.
    assert_eq!(
        schedule(&t, &rental.rental_id).await[0].late_fee_amount,
        money("0.00")
    );
    let d = dashboard::figures(&db, &t.bu, t.day()).await.unwrap();
    let last = d.last_run.unwrap();
    assert_eq!(last.ran_for, "2026-02-20");
    assert!(last.error.unwrap().contains("late fee"));
    let d = dashboard::figures(&db, &other, t.day()).await.unwrap();
    assert_eq!(d.last_run.unwrap().error, None);
}
