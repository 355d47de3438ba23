//! Subscriptions: activation (check order, effects, one transaction), schedules under each
//! billing start and cost recovery; the helpers the other subscription tests share.

use crate::assert_code;
use crate::support::TestCore;
use flexdesk::domain::settings::{BillingStart, FirstPayment};
use flexdesk::domain::status::{AssetStatus, OrderStatus, SubscriptionStatus};
use flexdesk::money::Money;
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions::{self as subs, ActivateInput};
use flexdesk::services::{assets, customers, orders};
use flexdesk::ErrorCode;
use rust_decimal::Decimal;
use serde_json::json;

pub(crate) fn act(order: &str, serial: &str) -> ActivateInput {
    ActivateInput {
        order_id: order.into(),
        asset_serial_number: serial.into(),
        ..Default::default()
    }
}

pub(crate) fn money(s: &str) -> Money {
    Money(s.parse::<Decimal>().unwrap())
}

pub(crate) async fn count(t: &TestCore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

pub(crate) async fn schedule(t: &TestCore, rental: &str) -> Vec<payments::Payment> {
    subs::schedule_of(&t.core.db, &t.bu, rental, t.day())
        .await
        .unwrap()
}

/// A unit with a laptop (LAP) and a second SKU (OTHER), assets LAP-1..LAP-4 and OTHER-1.
pub(crate) async fn shop() -> TestCore {
    let t = TestCore::new().await;
    t.laptop("LAP").await;
    t.laptop("OTHER").await;
    for s in ["LAP-1", "LAP-2", "LAP-3", "LAP-4"] {
        t.asset(s, "LAP").await;
    }
    t.asset("OTHER-1", "OTHER").await;
    t
}

#[tokio::test]
async fn activation_checks_run_in_the_documented_order_and_change_nothing_when_they_fail() {
    let mut t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "emma@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let pending = orders::create(
        db,
        &t.ctx(),
        crate::support::order_input("p@example.nl", json!([{"sku": "LAP", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    let cancelled = t
        .confirmed_order("c@example.nl", json!([{"sku": "LAP", "quantity": 1}]))
        .await;
    orders::cancel(db, &t.ctx(), &cancelled.order_id, None)
        .await
        .unwrap();
    assets::update(
        db,
        &t.ctx(),
        "LAP-4",
        serde_json::from_value(json!({"status": "unavailable"})).unwrap(),
    )
    .await
    .unwrap();
    let before = (
        count(&t, "subscriptions").await,
        count(&t, "payments").await,
        count(&t, "events").await,
    );

    // 1. Unknown order.
    assert_code!(
        subs::activate(db, &t.ctx(), act("ord_nope", "LAP-1")).await,
        ErrorCode::OrderNotFound
    );
    // 2. Pending (with requireConfirmedOrders on) and cancelled orders.
    assert_code!(
        subs::activate(db, &t.ctx(), act(&pending.order_id, "LAP-1")).await,
        ErrorCode::OrderNotConfirmed
    );
    assert_code!(
        subs::activate(db, &t.ctx(), act(&cancelled.order_id, "LAP-1")).await,
        ErrorCode::OrderNotConfirmed
    );
    // 4. Unknown serial; 5. not available; 6. wrong SKU.
    assert_code!(
        subs::activate(db, &t.ctx(), act(&order.order_id, "NOPE-9")).await,
        ErrorCode::AssetNotFound
    );
    assert_code!(
        subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-4")).await,
        ErrorCode::AssetNotAvailable
    );
    assert_code!(
        subs::activate(db, &t.ctx(), act(&order.order_id, "OTHER-1")).await,
        ErrorCode::SkuMismatch
    );
    // The customer must be the order's.
    let mut wrong = act(&order.order_id, "LAP-1");
    wrong.customer_id = Some("cus_someone_else".into());
    assert_code!(
        subs::activate(db, &t.ctx(), wrong).await,
        ErrorCode::ValidationError
    );
    assert_eq!(
        before,
        (
            count(&t, "subscriptions").await,
            count(&t, "payments").await,
            count(&t, "events").await
        ),
        "failed scans write nothing"
    );

    // Three scans: partial, partial, fulfilled. The order number works as well as its id; the
    // scanner's trailing newline and lower case are normalised.
    let a1 = subs::activate(db, &t.ctx(), act(&order.order_number, "lap-1\r\n"))
        .await
        .unwrap();
    assert_eq!(
        (a1.order_status, a1.rented_devices, a1.total_devices),
        (OrderStatus::Partial, 1, 3)
    );
    assert_eq!(a1.rental.asset_serial_number, "LAP-1");
    // The same serial again says so.
    let again = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::AssetNotAvailable);
    assert!(
        again.message.contains("already activated on this order"),
        "{}",
        again.message
    );
    subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap();
    let a3 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-3"))
        .await
        .unwrap();
    assert_eq!(
        (a3.order_status, a3.rented_devices),
        (OrderStatus::Fulfilled, 3)
    );
    // 3. Full order: ITEM_FULLY_FULFILLED comes before the asset checks.
    assert_code!(
        subs::activate(db, &t.ctx(), act(&order.order_id, "NOPE-9")).await,
        ErrorCode::ItemFullyFulfilled
    );

    // Effects: asset out with the customer, order items carry their rentals, customer figures.
    let asset = assets::get(db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(asset.status, AssetStatus::RentedOut);
    assert_eq!(
        asset.rental_id.as_deref(),
        Some(a1.rental.rental_id.as_str())
    );
    assert_eq!(
        asset.customer_id.as_deref(),
        Some(order.customer.customer_id.as_str())
    );
    let o = orders::get(db, &t.bu, &order.order_id).await.unwrap();
    assert_eq!(o.items[0].rental_ids.len(), 3);
    assert_eq!(o.items[0].rental_status.as_str(), "completed");
    assert_eq!(o.rental_ids.len(), 3);
    assert_code!(
        orders::cancel(db, &t.ctx(), &order.order_id, None).await,
        ErrorCode::OrderNotCancellable
    );
    let c = customers::get(db, &t.bu, &order.customer.customer_id)
        .await
        .unwrap();
    assert_eq!(
        (
            c.total_devices_rented,
            c.total_monthly_revenue,
            c.rental_ids.len()
        ),
        (3, money("267.00"), 3)
    );
    assert_code!(
        customers::delete(db, &t.ctx(), &c.customer_id).await,
        ErrorCode::CustomerHasActiveSubscriptions
    );

    // The rental object: terms, costs captured from the order item, cost recovery at 0.
    let r = &a1.rental;
    assert_eq!(
        (r.status, r.contract_length, r.original_contract_length),
        (SubscriptionStatus::Active, 12, 12)
    );
    assert_eq!(
        (r.start_date.as_str(), r.end_date.as_str()),
        ("2026-01-15", "2027-01-15")
    );
    assert_eq!(r.monthly_amount, money("89.00"));
    assert_eq!(r.acquisition_cost, Some(money("1000.00")));
    assert_eq!(r.list_price, Some(money("1299.00")));
    assert_eq!(r.recovery_status, "recovering");
    assert_eq!(r.cost_recovery_percent, Some(0.0));
    assert_eq!(r.next_billing_date.as_deref(), Some("2026-01-15"));

    // With requireConfirmedOrders off, a pending order takes activations.
    t.settings(|s| s.require_confirmed_orders = false).await;
    let a = subs::activate(&t.core.db, &t.ctx(), act(&pending.order_id, "LAP-4x")).await;
    assert_code!(a, ErrorCode::AssetNotFound);
    assets::update(
        &t.core.db,
        &t.ctx(),
        "LAP-4",
        serde_json::from_value(json!({"status": "available"})).unwrap(),
    )
    .await
    .unwrap();
    let a = subs::activate(&t.core.db, &t.ctx(), act(&pending.order_id, "LAP-4"))
        .await
        .unwrap();
    assert_eq!(a.order_status, OrderStatus::Fulfilled);
}

#[tokio::test]
async fn the_first_item_with_a_free_unit_is_fulfilled_and_full_skus_are_refused() {
    let t = shop().await;
    let db = &t.core.db;
    t.asset("OTHER-2", "OTHER").await;
    let order = t
        .confirmed_order(
            "mix@example.nl",
            json!([
                {"sku": "LAP", "quantity": 1, "contractLength": 6},
                {"sku": "OTHER", "quantity": 1, "contractLength": 24},
                {"sku": "LAP", "quantity": 1, "contractLength": 24}
            ]),
        )
        .await;
    let a = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap();
    assert_eq!(
        (a.rental.order_item_index, a.rental.contract_length),
        (Some(0), 6)
    );
    let b = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap();
    assert_eq!(
        (b.rental.order_item_index, b.rental.contract_length),
        (Some(2), 24)
    );
    assert_eq!(b.rental.monthly_amount, money("59.50"));
    // 7. Every LAP unit has a device; OTHER still wants one.
    assert_code!(
        subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-3")).await,
        ErrorCode::ItemFullyFulfilled
    );
    let c = subs::activate(db, &t.ctx(), act(&order.order_id, "OTHER-1"))
        .await
        .unwrap();
    assert_eq!(c.order_status, OrderStatus::Fulfilled);
}

#[tokio::test]
async fn schedules_follow_the_billing_start_setting_with_month_end_clamping() {
    let mut t = shop().await;
    t.go_to(2026, 1, 31);
    let order = t
        .confirmed_order(
            "s@example.nl",
            json!([{"sku": "LAP", "quantity": 4, "contractLength": 12}]),
        )
        .await;
    // immediate: due on start + k months, clamped (Jan 31, Feb 28, Mar 31, ...).
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 12);
    let dues: Vec<&str> = s.iter().take(4).map(|p| p.due_date.as_str()).collect();
    assert_eq!(
        dues,
        ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    );
    assert_eq!(s[11].due_date, "2026-12-31");
    assert_eq!(s[0].billing_period, "2026-01");
    assert_eq!(
        (s[0].subtotal, s[0].tax_amount, s[0].total),
        (money("89.00"), money("18.69"), money("107.69"))
    );
    assert_eq!(r.end_date, "2027-01-31");

    // same_day_next_month with 14 days' terms: invoiced a month later, due 14 days after.
    t.settings(|s| {
        s.billing_start = BillingStart::SameDayNextMonth;
        s.payment_terms_days = 14;
    })
    .await;
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 12);
    assert_eq!(
        (s[0].invoice_date.as_str(), s[0].due_date.as_str()),
        ("2026-02-28", "2026-03-14")
    );

    // first_of_next_month, prorated: the last day of January, then twelve full months from Feb 1.
    t.settings(|s| {
        s.billing_start = BillingStart::FirstOfNextMonth;
        s.first_payment = FirstPayment::Prorated;
        s.payment_terms_days = 0;
    })
    .await;
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-3"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 13);
    assert_eq!(s[0].kind.as_str(), "prorated");
    // 89 × 1 / 31 = 2.87.
    assert_eq!(
        (
            s[0].subtotal,
            s[0].period_start.as_str(),
            s[0].period_end.as_str()
        ),
        (money("2.87"), "2026-01-31", "2026-02-01")
    );
    assert_eq!(s[1].due_date, "2026-02-01");
    assert_eq!(s[12].due_date, "2027-01-01");

    // Tax-inclusive prices: the monthly amount is the total.
    t.settings(|s| {
        s.billing_start = BillingStart::Immediate;
        s.tax_inclusive = true;
    })
    .await;
    t.go_to(2028, 2, 29);
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-4"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(
        (s[0].subtotal, s[0].tax_amount, s[0].total),
        (money("73.55"), money("15.45"), money("89.00"))
    );
    assert_eq!(s[1].due_date, "2028-03-29");
    assert_eq!(r.end_date, "2029-02-28");
}

#[tokio::test]
async fn one_and_one_hundred_twenty_month_contracts() {
    let t = shop().await;
    let one = t
        .confirmed_order(
            "one@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let mut a = act(&one.order_id, "LAP-1");
    a.contract_length = Some(json!(1));
    let r = subs::activate(&t.core.db, &t.ctx(), a)
        .await
        .unwrap()
        .rental;
    assert_eq!((r.contract_length, r.end_date.as_str()), (1, "2026-02-15"));
    assert_eq!(schedule(&t, &r.rental_id).await.len(), 1);
    let long = t
        .confirmed_order(
            "long@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let mut a = act(&long.order_id, "LAP-2");
    a.contract_length = Some(json!(120));
    let r = subs::activate(&t.core.db, &t.ctx(), a)
        .await
        .unwrap()
        .rental;
    assert_eq!(r.end_date, "2036-01-15");
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 120);
    assert_eq!(s[119].due_date, "2035-12-15");
    let mut bad = act(&long.order_id, "LAP-3");
    bad.contract_length = Some(json!(121));
    assert_code!(
        subs::activate(&t.core.db, &t.ctx(), bad).await,
        ErrorCode::ValidationError
    );
}

#[tokio::test]
async fn cost_recovery_follows_the_seed_example() {
    let mut t = shop().await;
    t.settings(|s| s.tax_rate = Decimal::ZERO).await;
    let order = t
        .confirmed_order(
            "cr@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(&t.core.db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    let mut seen = Vec::new();
    for (i, p) in s.iter().enumerate() {
        payments::mark_paid(&t.core.db, &t.ctx(), &p.payment_id, MarkPaid::default())
            .await
            .unwrap();
        if [0, 5, 11].contains(&i) {
            let r = subs::get(&t.core.db, &t.bu, &r.rental_id, t.day())
                .await
                .unwrap();
            seen.push((
                r.cost_recovery_percent,
                r.recovery_status.clone(),
                r.has_reached_breakeven,
            ));
        }
    }
    assert_eq!(
        seen,
        vec![
            (Some(8.9), "recovering".to_string(), false),
            (Some(53.4), "recovering".to_string(), false),
            (Some(106.8), "profitable".to_string(), true)
        ]
    );
    let r = subs::get(&t.core.db, &t.bu, &r.rental_id, t.day())
        .await
        .unwrap();
    assert_eq!(
        (r.total_collected, r.current_profit),
        (money("1068.00"), Some(money("68.00")))
    );
    assert_eq!(r.breakeven_months, Some(11.2));
    // The same figures per asset, across its life.
    let life = subs::asset_lifetime(&t.core.db, &t.bu, "LAP-1", t.day())
        .await
        .unwrap();
    assert_eq!(
        (life.cost_recovery_percent, life.total_collected),
        (Some(106.8), money("1068.00"))
    );
    assert_eq!(life.history.len(), 1);
    // totalCollected always equals the paid payments' net sum.
    let sum: i64 = sqlx::query_scalar(
        "SELECT sum(total - tax_amount) FROM payments WHERE rental_id = ? AND status = 'paid'",
    )
    .bind(&r.rental_id)
    .fetch_one(t.core.db.pool())
    .await
    .unwrap();
    assert_eq!(sum, 106_800);
}

#[tokio::test]
async fn lists_sort_by_their_main_columns_and_count_what_matches() {
    use flexdesk::services::payments::PaymentQuery;
    let t = shop().await;
    let db = &t.core.db;
    // Two orders: one laptop for 12 months, one for 24 (cheaper a month).
    for (email, months) in [("a@example.nl", 12), ("b@example.nl", 24)] {
        let o = t
            .confirmed_order(
                email,
                json!([{"sku": "LAP", "quantity": 1, "contractLength": months}]),
            )
            .await;
        subs::activate(
            db,
            &t.ctx(),
            act(&o.order_id, if months == 12 { "LAP-1" } else { "LAP-2" }),
        )
        .await
        .unwrap();
    }
    let sq = |sort_by: &str, dir: &str| subs::SubscriptionQuery {
        sort_by: Some(sort_by.into()),
        sort_dir: Some(dir.into()),
        include_total: Some(true),
        limit: Some("1".into()),
        ..Default::default()
    };
    let page = subs::list(db, &t.bu, &sq("monthlyAmount", "asc"), t.day())
        .await
        .unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(page.items[0].contract_length, 24, "the cheaper month first");
    let next = subs::list(
        db,
        &t.bu,
        &subs::SubscriptionQuery {
            start_after: page.next_cursor.clone(),
            ..sq("monthlyAmount", "asc")
        },
        t.day(),
    )
    .await
    .unwrap();
    assert_eq!(next.items[0].contract_length, 12);
    assert!(!next.has_more);
    let by_name = subs::list(db, &t.bu, &sq("customerName", "asc"), t.day())
        .await
        .unwrap();
    let names: Vec<String> = subs::list(db, &t.bu, &Default::default(), t.day())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.customer_name)
        .collect();
    assert_eq!(
        Some(&by_name.items[0].customer_name),
        names.iter().min(),
        "the first name in order"
    );
    let by_end = subs::list(db, &t.bu, &sq("endDate", "desc"), t.day())
        .await
        .unwrap();
    assert_eq!(by_end.items[0].contract_length, 24, "the later end first");
    assert_code!(
        subs::list(db, &t.bu, &sq("colour", "asc"), t.day()).await,
        ErrorCode::ValidationError
    );
    // Payments by amount: the 12-month laptop's are dearer.
    let pay = payments::list(
        db,
        &t.bu,
        &PaymentQuery {
            sort_by: Some("amount".into()),
            sort_dir: Some("desc".into()),
            limit: Some("1".into()),
            ..Default::default()
        },
        t.day(),
    )
    .await
    .unwrap();
    let dearest = pay.items[0].total;
    let all = schedule(&t, &pay.items[0].rental_id.clone().unwrap()).await;
    assert!(all.iter().all(|p| p.total == dearest));
    // Counts with filters: orders, customers, assets.
    let orders = orders::list(
        db,
        &t.bu,
        &orders::OrderQuery {
            include_total: Some(true),
            sort_by: Some("total".into()),
            limit: Some("1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((orders.items.len(), orders.total), (1, Some(2)));
    let custs = customers::list(
        db,
        &t.bu,
        &customers::CustomerQuery {
            include_total: Some(true),
            sort_by: Some("lastName".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(custs.total, Some(custs.items.len() as i64));
    let available = assets::list(
        db,
        &t.bu,
        &assets::AssetQuery {
            status: Some("available".into()),
            include_total: Some(true),
            sort_by: Some("serialNumber".into()),
            sort_dir: Some("asc".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(available.total, Some(3), "LAP-3, LAP-4 and OTHER-1");
    let serials: Vec<_> = available
        .items
        .iter()
        .map(|a| a.serial_number.as_str())
        .collect();
    assert_eq!(serials, vec!["LAP-3", "LAP-4", "OTHER-1"]);
    // By status (then date), paged one at a time across the statuses: each asset once, in order.
    let mut seen = Vec::new();
    let mut q = assets::AssetQuery {
        sort_by: Some("status".into()),
        sort_dir: Some("asc".into()),
        limit: Some("1".into()),
        ..Default::default()
    };
    loop {
        let page = assets::list(db, &t.bu, &q).await.unwrap();
        seen.extend(
            page.items
                .iter()
                .map(|a| (a.status.as_str().to_string(), a.serial_number.clone())),
        );
        match page.next_cursor {
            Some(c) => q.start_after = Some(c),
            None => break,
        }
    }
    let statuses: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted, "statuses in order across pages");
    assert_eq!(
        statuses,
        vec![
            "available",
            "available",
            "available",
            "rented_out",
            "rented_out"
        ]
    );
    let mut serials: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 5, "each asset once");
    // Without includeTotal nothing is counted.
    assert_eq!(
        subs::list(db, &t.bu, &Default::default(), t.day())
            .await
            .unwrap()
            .total,
        None
    );
}
