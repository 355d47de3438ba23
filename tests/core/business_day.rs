//! A business unit's business day is its own time zone's date: at 23:30 local it is still that
//! day, at 00:30 the next, in Chicago and in Amsterdam, across their daylight-saving changes. A
//! start, a due date, overdue, late fees, the daily run and the dashboard's date all follow it.

use crate::subscriptions::{act, money, schedule, shop};
use crate::support::TestCore;
use chrono::{TimeZone, Utc};
use flexdesk::api::Caller;
use flexdesk::domain::settings::LateFeeKind;
use flexdesk::services::business_units::{self, BusinessUnitUpdate};
use flexdesk::services::runs;
use flexdesk::services::subscriptions as subs;
use serde_json::json;

/// A shop (see `subscriptions::shop`) in `zone`, with a flat late fee of 10 after 3 days.
async fn shop_in(zone: &str) -> TestCore {
    let mut t = shop().await;
    t.settings(|s| {
        s.late_fee_kind = LateFeeKind::Flat;
        s.late_fee_amount = money("10");
        s.late_fee_grace_days = 3;
    })
    .await;
    t.bu = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: Some(zone.into()),
            settings: None,
        },
    )
    .await
    .unwrap();
    t
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// The dashboard's date as the desk's UI asks for it (a signed-in administrator).
async fn dashboard_date(t: &TestCore) -> String {
    let caller = Caller {
        token: Some(t.core.sessions.start(&t.admin.id, t.clock_now())),
        bu_id: Some(t.bu.id.clone()),
        desktop: false,
    };
    let d = flexdesk::api::dispatch(&t.core, &caller, "dashboard.get", json!({}))
        .await
        .unwrap()
        .value;
    d["date"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn chicago_lives_on_its_own_date_at_half_past_eleven_and_half_past_midnight_across_dst() {
    let t = shop_in("America/Chicago").await;
    // 23:30 CST on Friday 6 March 2026 is 05:30 UTC on the 7th.
    t.clock.set(at(2026, 3, 7, 5, 30));
    assert_eq!(t.ctx().today().to_string(), "2026-03-06");
    assert_eq!(dashboard_date(&t).await, "2026-03-06");
    let order = t
        .confirmed_order(
            "late@x.example",
            json!([{"sku": "LAP", "quantity": 2, "contractLength": 12}]),
        )
        .await;
    let first = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    assert_eq!(first.start_date, "2026-03-06");
    assert_eq!(
        schedule(&t, &first.rental_id).await[0].due_date,
        "2026-03-06"
    );
    // 00:30 CST on the 7th: the next day.
    t.clock.set(at(2026, 3, 7, 6, 30));
    assert_eq!(dashboard_date(&t).await, "2026-03-07");
    let second = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    assert_eq!(second.start_date, "2026-03-07");

    // Clocks go forward on Sunday 8 March (02:00 CST → 03:00 CDT): 23:30 CDT on the 9th is
    // 04:30 UTC on the 10th; the first payment (due the 6th, unpaid) is 3 days late then, not 4.
    t.clock.set(at(2026, 3, 10, 4, 30));
    assert_eq!(t.ctx().today().to_string(), "2026-03-09");
    let p = &schedule(&t, &first.rental_id).await[0];
    assert_eq!((p.overdue, p.days_overdue), (true, 3));
    let report = runs::daily(&t.core.db, "D", t.clock_now()).await.unwrap();
    assert_eq!(report.units[0].date, "2026-03-09");
    assert_eq!(
        report.units[0].late_fees, 0,
        "three days late is within the grace"
    );
    // 00:30 CDT on the 10th: four days late, past the grace: the fee, once.
    t.clock.set(at(2026, 3, 10, 5, 30));
    let due = runs::daily_due(&t.core.db, "D", t.clock_now())
        .await
        .unwrap();
    assert_eq!(due.units.len(), 1, "the unit's day turned: its run is due");
    assert_eq!(due.units[0].late_fees, 1);
    assert!(runs::daily_due(&t.core.db, "D", t.clock_now())
        .await
        .unwrap()
        .units
        .is_empty());
    assert_eq!(
        schedule(&t, &first.rental_id).await[0].late_fee_amount,
        money("10.00")
    );
}

#[tokio::test]
async fn amsterdam_turns_its_day_at_its_own_midnight_in_winter_and_in_summer_time() {
    let t = shop_in("Europe/Amsterdam").await;
    // 23:30 CET on Saturday 28 March is 22:30 UTC; 00:30 CET on the 29th is 23:30 UTC on the 28th.
    for (utc, local) in [
        (at(2026, 3, 28, 22, 30), "2026-03-28"),
        (at(2026, 3, 28, 23, 30), "2026-03-29"),
        // Clocks go forward on the 29th (02:00 CET → 03:00 CEST): 23:30 CEST is 21:30 UTC.
        (at(2026, 3, 29, 21, 30), "2026-03-29"),
        (at(2026, 3, 29, 22, 30), "2026-03-30"),
        // Back on 25 October (03:00 CEST → 02:00 CET); a year end and a leap day for good measure.
        (at(2026, 10, 25, 22, 30), "2026-10-25"),
        (at(2026, 10, 25, 23, 30), "2026-10-26"),
        (at(2026, 12, 31, 22, 30), "2026-12-31"),
        (at(2026, 12, 31, 23, 30), "2027-01-01"),
        (at(2028, 2, 28, 23, 30), "2028-02-29"),
    ] {
        t.clock.set(utc);
        assert_eq!(t.ctx().today().to_string(), local, "{utc}");
    }
    // An activation at 00:30 local on New Year's Day starts on the 1st, with its first payment.
    t.clock.set(at(2026, 12, 31, 23, 30));
    let order = t
        .confirmed_order(
            "ny@x.example",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    assert_eq!(r.start_date, "2027-01-01");
    assert_eq!(dashboard_date(&t).await, "2027-01-01");
}

#[tokio::test]
async fn a_time_zone_this_desk_does_not_know_is_refused_at_its_field() {
    let t = TestCore::new().await;
    let e = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: Some("Mars/Olympus".into()),
            settings: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "timezone");
}
