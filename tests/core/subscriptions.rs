//! Subscriptions: activation (check order, effects, one transaction), schedules under each
//! billing start, the lifecycle actions with their quotes and codes, returns and inspection, the
//! contract-end run and cost recovery.

use crate::assert_code;
use crate::support::TestCore;
use flexdesk::domain::settings::{BillingStart, ContractEnd, FirstPayment, LateFeeKind};
use flexdesk::domain::status::{AssetStatus, OrderStatus, PaymentStatus, SubscriptionStatus};
use flexdesk::money::Money;
use flexdesk::services::payments::{self, MarkPaid, PaymentQuery};
use flexdesk::services::subscriptions::{self as subs, ActivateInput};
use flexdesk::services::{assets, customers, dashboard, invoices, orders, runs};
use flexdesk::ErrorCode;
use rust_decimal::Decimal;
use serde_json::json;

fn act(order: &str, serial: &str) -> ActivateInput {
    ActivateInput {
        order_id: order.into(),
        asset_serial_number: serial.into(),
        ..Default::default()
    }
}

fn money(s: &str) -> Money {
    Money(s.parse::<Decimal>().unwrap())
}

async fn count(t: &TestCore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

async fn schedule(t: &TestCore, rental: &str) -> Vec<payments::Payment> {
    subs::schedule_of(&t.core.db, &t.bu, rental, t.day())
        .await
        .unwrap()
}

/// A unit with a laptop (LAP) and a second SKU (OTHER), assets LAP-1..LAP-4 and OTHER-1.
async fn shop() -> TestCore {
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
async fn payments_are_marked_paid_failed_or_cancelled_with_their_codes() {
    let mut t = shop().await;
    let db = t.core.db.clone();
    let order = t
        .confirmed_order(
            "pay@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let r = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &r.rental_id).await;
    let (p0, p1, p2, p3) = (
        &s[0].payment_id,
        &s[1].payment_id,
        &s[2].payment_id,
        &s[3].payment_id,
    );

    let paid = payments::mark_paid(
        &db,
        &t.ctx(),
        p0,
        MarkPaid {
            payment_reference: Some("NL12-2026-0001".into()),
            method: Some("bank_transfer".into()),
            paid_at: Some("2026-01-14".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert_eq!(
        (paid.payment_reference.as_deref(), paid.method.as_deref()),
        (Some("NL12-2026-0001"), Some("bank_transfer"))
    );
    assert!(paid.manually_marked);
    assert_eq!(paid.marked_by.as_deref(), Some(t.admin.name.as_str()));
    assert!(paid.paid_at.as_deref().unwrap().starts_with("2026-01-14"));
    assert_code!(
        payments::mark_paid(&db, &t.ctx(), p0, MarkPaid::default()).await,
        ErrorCode::AlreadyPaid
    );
    assert_code!(
        payments::cancel(&db, &t.ctx(), p0, "x").await,
        ErrorCode::AlreadyPaid
    );
    let future = MarkPaid {
        paid_at: Some("2026-02-01".into()),
        ..Default::default()
    };
    assert_code!(
        payments::mark_paid(&db, &t.ctx(), p1, future).await,
        ErrorCode::ValidationError
    );

    // Failed, then paid after all.
    let f = payments::mark_failed(&db, &t.ctx(), p1, "Card declined")
        .await
        .unwrap();
    assert_eq!((f.status, f.capture_attempts), (PaymentStatus::Failed, 1));
    assert_eq!(f.last_capture_error.unwrap().message, "Card declined");
    payments::mark_paid(&db, &t.ctx(), p1, MarkPaid::default())
        .await
        .unwrap();

    // Cancel needs a reason; cancelled payments cannot be paid or cancelled again.
    assert_code!(
        payments::cancel(&db, &t.ctx(), p2, "  ").await,
        ErrorCode::ValidationError
    );
    payments::cancel(&db, &t.ctx(), p2, "Goodwill: first month free")
        .await
        .unwrap();
    assert_code!(
        payments::cancel(&db, &t.ctx(), p2, "again").await,
        ErrorCode::AlreadyCancelled
    );
    assert_code!(
        payments::mark_paid(&db, &t.ctx(), p2, MarkPaid::default()).await,
        ErrorCode::PaymentCancelled
    );
    // A payment being processed cannot be cancelled.
    sqlx::query("UPDATE payments SET status = 'processing' WHERE id = ?")
        .bind(p3)
        .execute(db.pool())
        .await
        .unwrap();
    assert_code!(
        payments::cancel(&db, &t.ctx(), p3, "x").await,
        ErrorCode::PaymentProcessing
    );
    assert_code!(
        payments::get(&db, &t.bu, "pay_nope", t.day()).await,
        ErrorCode::NotFound
    );

    // Bulk: all or nothing.
    let rest: Vec<String> = s[4..].iter().map(|p| p.payment_id.clone()).collect();
    let mut with_paid = rest.clone();
    with_paid.push(p0.clone());
    assert_code!(
        payments::mark_paid_many(&db, &t.ctx(), &with_paid, MarkPaid::default()).await,
        ErrorCode::AlreadyPaid
    );
    let still: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payments WHERE rental_id = ? AND status = 'paid'")
            .bind(&r.rental_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(still, 2);
    let done = payments::mark_paid_many(
        &db,
        &t.ctx(),
        &rest,
        MarkPaid {
            payment_reference: Some("batch".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(done.iter().all(|p| p.status == PaymentStatus::Paid));

    // Filters: status (one or several), rental, customer, due-date range, overdue.
    let q = |f: serde_json::Value| serde_json::from_value::<PaymentQuery>(f).unwrap();
    let (bu0, clock) = (t.bu.clone(), t.clock.clone());
    let list = |q: PaymentQuery| {
        let db = db.clone();
        let bu = bu0.clone();
        let day = flexdesk::clock::Clock::now(&*clock).date_naive();
        async move { payments::list(&db, &bu, &q, day).await.unwrap() }
    };
    assert_eq!(list(q(json!({"status": "paid"}))).await.count, 4);
    assert_eq!(
        list(q(json!({"status": "cancelled,processing"})))
            .await
            .count,
        2
    );
    assert_eq!(list(q(json!({"rentalId": r.rental_id}))).await.count, 6);
    assert_eq!(
        list(q(json!({"customerId": order.customer.customer_id})))
            .await
            .count,
        6
    );
    assert_eq!(
        list(q(
            json!({"dueDateFrom": "2026-02-01", "dueDateTo": "2026-04-30"})
        ))
        .await
        .count,
        3
    );
    assert_code!(
        payments::list(&db, &t.bu, &q(json!({"status": "owed"})), t.day()).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        payments::list(&db, &t.bu, &q(json!({"dueDateFrom": "soon"})), t.day()).await,
        ErrorCode::ValidationError
    );
    // Keyset pages in due-date order.
    let p1 = list(q(json!({"limit": "4", "sortDir": "asc"}))).await;
    assert!(p1.has_more);
    let p2 = list(q(
        json!({"limit": "4", "sortDir": "asc", "startAfter": p1.next_cursor}),
    ))
    .await;
    assert_eq!(p2.count, 2);
    assert!(p1.items.last().unwrap().due_date <= p2.items[0].due_date);

    // Overdue and late fees (flat 10 after 7 days), applied once.
    t.settings(|s| {
        s.late_fee_kind = LateFeeKind::Flat;
        s.late_fee_amount = money("10");
        s.late_fee_grace_days = 7;
    })
    .await;
    let o2 = t
        .confirmed_order(
            "late@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let late = subs::activate(&db, &t.ctx(), act(&o2.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    t.go_to(2026, 1, 20);
    let overdue = list(q(json!({"overdue": true}))).await;
    assert_eq!(overdue.count, 1);
    assert_eq!(overdue.items[0].days_overdue, 5);
    runs::daily(&db, "D", t.clock_now()).await.unwrap();
    assert_eq!(
        schedule(&t, &late.rental_id).await[0].late_fee_amount,
        money("0.00"),
        "still within the grace days"
    );
    t.go_to(2026, 1, 23);
    runs::daily(&db, "D", t.clock_now()).await.unwrap();
    runs::daily(&db, "D", t.clock_now()).await.unwrap();
    let p = &schedule(&t, &late.rental_id).await[0];
    assert!(p.late_fee_applied);
    assert_eq!(
        (p.original_amount, p.late_fee_amount, p.total),
        (money("143.99"), money("10.00"), money("153.99"))
    );
    let totals = payments::totals(&db, &t.bu, &q(json!({"overdue": true})), t.day())
        .await
        .unwrap();
    assert_eq!((totals.count, totals.overdue_total), (1, money("153.99")));
    // Paying it counts the late fee as collected, tax stays out.
    payments::mark_paid(&db, &t.ctx(), &p.payment_id, MarkPaid::default())
        .await
        .unwrap();
    let r = subs::get(&db, &t.bu, &late.rental_id, t.day())
        .await
        .unwrap();
    assert_eq!(r.total_collected, money("129.00"));
}

#[tokio::test]
async fn extend_reprices_the_rest_and_appends_months() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "ext@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let ext = |m: serde_json::Value, amount: Option<&str>| subs::ExtendInput {
        extension_months: m,
        new_monthly_amount: amount.map(money),
        reason: Some("Customer asked".into()),
        notes: None,
    };
    for bad in [json!(0), json!(-1), json!(121), json!(2.5), json!("x")] {
        assert_code!(
            subs::extend(db, &t.ctx(), &r.rental_id, ext(bad, None)).await,
            ErrorCode::InvalidExtensionMonths
        );
    }
    assert_code!(
        subs::extend(db, &t.ctx(), &r.rental_id, ext(json!(109), None)).await,
        ErrorCode::InvalidExtensionMonths
    );
    t.go_to(2026, 3, 20);
    let e = subs::extend(db, &t.ctx(), &r.rental_id, ext(json!(6), Some("79")))
        .await
        .unwrap();
    assert_eq!(
        (e.old_end_date.as_str(), e.new_end_date.as_str()),
        ("2027-01-15", "2027-07-15")
    );
    assert_eq!((e.old_contract_length, e.new_contract_length), (12, 18));
    assert_eq!(
        (e.rental.original_contract_length, e.rental.contract_length),
        (12, 18)
    );
    assert_eq!(e.rental.monthly_amount, money("79.00"));
    let h = &e.rental.extension_history[0];
    assert_eq!(
        (
            h.extension_months,
            h.old_monthly_amount,
            h.new_monthly_amount
        ),
        (6, money("89.00"), money("79.00"))
    );
    assert_eq!(h.extended_by.user_id, t.admin.id);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 18);
    // Periods that started by the extension keep the old price; later ones take the new.
    let amounts: Vec<Money> = s.iter().map(|p| p.subtotal).collect();
    assert_eq!(
        &amounts[..3],
        &[money("89.00"), money("89.00"), money("89.00")]
    );
    assert!(amounts[3..].iter().all(|a| *a == money("79.00")));
    assert_eq!(s[17].due_date, "2027-06-15");
}

#[tokio::test]
async fn buyout_quotes_and_ends_with_the_asset_sold() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "buy@example.nl",
            json!([{"sku": "LAP", "quantity": 2, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    t.go_to(2026, 9, 1);
    // Remaining: periods starting after Sep 1 (Sep 15 … Dec 15) = 4; 4 × 89 + 50 % of 1299.
    let q = subs::quote_buyout(
        db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(q.remaining_payments, 4);
    assert_eq!(
        q.calculation_breakdown.remaining_months_payment,
        money("356.00")
    );
    assert_eq!(q.calculation_breakdown.list_price_amount, money("649.50"));
    assert_eq!(q.buyout_price, money("1005.50"));
    assert_eq!(q.depreciated_value, money("1000.00"));
    let neg = subs::BuyoutInput {
        buyout_price: Some(money("-1")),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, neg).await,
        ErrorCode::InvalidBuyoutPrice
    );
    let bad_reason = subs::BuyoutInput {
        reason: Some("because".into()),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, bad_reason).await,
        ErrorCode::ValidationError
    );
    let b = subs::buyout(
        db,
        &t.ctx(),
        &r.rental_id,
        subs::BuyoutInput {
            reason: Some("end_of_contract".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (b.buyout_price, b.effective_date.as_str()),
        (money("1005.50"), "2026-09-01")
    );
    let d = b.rental.buyout_details.clone().unwrap();
    assert_eq!(
        (
            d.calculation_method.as_str(),
            d.calculation_breakdown.remaining_months
        ),
        ("auto_calculated", 4)
    );
    assert_eq!(b.rental.status, SubscriptionStatus::EndedBuyout);
    let asset = assets::get(db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(asset.status, AssetStatus::Sold);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(
        s.iter()
            .filter(|p| p.status == PaymentStatus::Cancelled)
            .count(),
        4
    );
    let fin = s.iter().find(|p| p.kind.as_str() == "buyout").unwrap();
    assert_eq!(
        (fin.subtotal, fin.due_date.as_str()),
        (money("1005.50"), "2026-09-01")
    );
    // Ended: no more lifecycle actions.
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, Default::default()).await,
        ErrorCode::SubscriptionNotActive
    );
    assert_code!(
        subs::quote_buyout(
            db,
            &t.ctx(),
            subs::QuoteInput {
                rental_id: r.rental_id.clone(),
                effective_date: None
            }
        )
        .await,
        ErrorCode::SubscriptionNotActive
    );
    // A manual price is recorded as such.
    let r2 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let b2 = subs::buyout(
        db,
        &t.ctx(),
        &r2.rental_id,
        subs::BuyoutInput {
            buyout_price: Some(money("400")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        b2.rental.buyout_details.unwrap().calculation_method,
        "manual_override"
    );
}

#[tokio::test]
async fn quotes_state_vat_what_stays_due_and_may_look_ahead() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "vat@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let quote = |date: Option<&str>| subs::QuoteInput {
        rental_id: r.rental_id.clone(),
        effective_date: date.map(Into::into),
    };
    // On the first day 11 months × 89 + 50 % of 1,299 is above the list price: staff are warned.
    let q = subs::quote_buyout(db, &t.ctx(), quote(None)).await.unwrap();
    assert!(
        q.warnings
            .iter()
            .any(|w| w.contains("above the device's list price (€1,299.00)")),
        "{:?}",
        q.warnings
    );
    t.go_to(2026, 9, 1);
    let q = subs::quote_buyout(db, &t.ctx(), quote(None)).await.unwrap();
    assert_eq!(q.buyout_price, money("1005.50"));
    assert!(q.warnings.is_empty(), "{:?}", q.warnings);
    // VAT added on top at the subscription's 21 %: what the invoice will say.
    assert_eq!(
        (q.charge.net, q.charge.tax, q.charge.gross),
        (money("1005.50"), money("211.16"), money("1216.66"))
    );
    assert_eq!(
        (
            q.charge.tax_rate.as_str(),
            q.charge.tax_inclusive,
            q.charge.reverse_charge
        ),
        ("21", false, false)
    );
    // What stays due: the open payments for periods up to Sep 1, as the schedule has them.
    let s = schedule(&t, &r.rental_id).await;
    let open: Vec<_> = s
        .iter()
        .filter(|p| p.status == PaymentStatus::Pending && p.period_start.as_str() <= "2026-09-01")
        .collect();
    assert!(open.len() >= 8, "{}", open.len());
    assert_eq!(q.still_due.payments as usize, open.len());
    assert_eq!(
        q.still_due.total.0,
        open.iter().map(|p| p.total.0).sum::<Decimal>()
    );
    // Looking ahead a month: one period fewer to buy out, one more still due.
    let later = subs::quote_buyout(db, &t.ctx(), quote(Some("2026-10-01")))
        .await
        .unwrap();
    assert_eq!(later.remaining_payments, q.remaining_payments - 1);
    assert_eq!(later.still_due.payments, q.still_due.payments + 1);
    assert_eq!(later.effective_date, "2026-10-01");
    // The quote's PDF says the same.
    let doc = flexdesk::api::dispatch(
        &t.core,
        &flexdesk::api::RpcContext {
            user_id: Some(t.admin.id.clone()),
            bu_id: Some(t.bu.id.clone()),
        },
        "documents.quote",
        json!({"rentalId": r.rental_id, "kind": "buyout"}),
    )
    .await
    .unwrap();
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        doc["base64"].as_str().unwrap(),
    )
    .unwrap();
    let text = crate::billing::pdftotext(&bytes);
    for part in [
        "Buyout price (excl. VAT)",
        "VAT 21 %",
        "To be invoiced",
        "1,216.66",
        "for periods after 2026-09-01 are cancelled",
        "Still due besides",
    ] {
        assert!(text.contains(part), "{part} in: {text}");
    }
    assert!(!text.contains("no further monthly payments"), "{text}");
    // Not past the contract's end; and the buyout itself is never dated ahead.
    assert_code!(
        subs::quote_buyout(db, &t.ctx(), quote(Some("2027-03-01"))).await,
        ErrorCode::ValidationError
    );
    let ahead = subs::BuyoutInput {
        effective_date: Some("2026-10-01".into()),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, ahead).await,
        ErrorCode::ValidationError
    );
    // The early-return fee is stated the same way, and leaves the same due.
    let e = subs::quote_early_return(db, &t.ctx(), quote(None))
        .await
        .unwrap();
    assert_eq!(e.charge.net, e.early_return_fee);
    assert_eq!(e.still_due.payments, q.still_due.payments);
}

/// A subscription's first monthly payment.
async fn first_rent(t: &TestCore, rental: &str) -> payments::Payment {
    schedule(t, rental)
        .await
        .into_iter()
        .find(|p| p.kind.as_str() == "rent")
        .unwrap()
}

#[tokio::test]
async fn a_return_within_the_grace_period_undoes_the_first_month() {
    let mut t = shop().await;
    let db = t.core.db.clone();
    let order = t
        .confirmed_order(
            "mind@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let mut rentals = vec![];
    for sn in ["LAP-1", "LAP-2", "LAP-3"] {
        rentals.push(
            subs::activate(&db, &t.ctx(), act(&order.order_id, sn))
                .await
                .unwrap()
                .rental,
        );
    }
    // LAP-1's first month is invoiced, LAP-2's is paid; LAP-3's is only due.
    let p1 = first_rent(&t, &rentals[0].rental_id).await;
    let inv = invoices::issue(&db, &t.ctx(), &p1.payment_id)
        .await
        .unwrap();
    let p2 = first_rent(&t, &rentals[1].rental_id).await;
    payments::mark_paid(&db, &t.ctx(), &p2.payment_id, MarkPaid::default())
        .await
        .unwrap();
    t.go_to(2026, 1, 25);
    let back = |ctx: flexdesk::services::Ctx, r: &str| {
        let (db, r) = (db.clone(), r.to_string());
        async move {
            subs::early_return(
                &db,
                &ctx,
                &r,
                subs::EarlyReturnInput {
                    return_condition: Some("good".into()),
                    reason: Some("Changed my mind".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    // The quote already says nothing stays due.
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: rentals[0].rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(q.grace_period_applied);
    assert_eq!(q.still_due.payments, 0);
    let done = back(t.ctx(), &rentals[0].rental_id).await;
    assert!(
        done.message.contains("1 invoice(s) credited"),
        "{}",
        done.message
    );
    let credited = invoices::get(&db, &t.bu, &inv.invoice_id).await.unwrap();
    assert!(
        credited.invoice.credited_by.is_some(),
        "a credit note corrects it"
    );
    assert_eq!(
        first_rent(&t, &rentals[0].rental_id).await.status,
        PaymentStatus::Cancelled
    );
    // Paid: it stays paid, and the message says what to pay back.
    let done = back(t.ctx(), &rentals[1].rental_id).await;
    assert!(done.message.contains("to refund"), "{}", done.message);
    assert_eq!(
        first_rent(&t, &rentals[1].rental_id).await.status,
        PaymentStatus::Paid
    );
    // With the unit's setting off, the first month stays due as before.
    t.settings(|s| s.grace_return_undoes_first_month = false)
        .await;
    let done = back(t.ctx(), &rentals[2].rental_id).await;
    assert!(!done.message.contains("grace"), "{}", done.message);
    assert_eq!(
        first_rent(&t, &rentals[2].rental_id).await.status,
        PaymentStatus::Pending
    );
}

#[tokio::test]
async fn early_return_fee_grace_period_and_inspection() {
    let mut t = shop().await;
    t.settings(|s| s.early_return_pct = Decimal::from(50)).await;
    let db = t.core.db.clone();
    let order = t
        .confirmed_order(
            "er@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    // Within 14 days: no fee.
    t.go_to(2026, 1, 29);
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(q.grace_period_applied);
    assert_eq!((q.days_from_start, q.early_return_fee), (14, money("0.00")));
    t.go_to(2026, 1, 30);
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(!q.grace_period_applied);
    // 11 months to come × 89 × 50 %.
    assert_eq!(
        (q.remaining_months, q.early_return_fee, q.penalty_percentage),
        (11, money("489.50"), 50.0)
    );

    let input = |cond: Option<&str>, fee: Option<&str>| subs::EarlyReturnInput {
        return_condition: cond.map(Into::into),
        early_return_fee: fee.map(money),
        reason: Some("Moving abroad".into()),
        ..Default::default()
    };
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, input(None, None)).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, input(Some("good"), Some("-5"))).await,
        ErrorCode::InvalidFee
    );
    let mut no_reason = input(Some("good"), None);
    no_reason.reason = None;
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, no_reason).await,
        ErrorCode::ValidationError
    );
    let e = subs::early_return(&db, &t.ctx(), &r.rental_id, input(Some("fair"), None))
        .await
        .unwrap();
    assert_eq!(
        (e.early_return_fee, e.actual_months_rented),
        (money("489.50"), 0)
    );
    let d = e.rental.early_return_details.clone().unwrap();
    assert_eq!(
        (
            d.calculation_breakdown.method.as_str(),
            d.calculation_breakdown.remaining_months
        ),
        ("remaining_months", 11)
    );
    assert_eq!(e.rental.status, SubscriptionStatus::EndedEarlyReturn);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(
        s.iter()
            .filter(|p| p.status == PaymentStatus::Cancelled)
            .count(),
        11
    );
    assert_eq!(
        s.iter()
            .find(|p| p.kind.as_str() == "early_return_fee")
            .unwrap()
            .subtotal,
        money("489.50")
    );
    // The asset is back, awaiting inspection, with its condition.
    let a = assets::get(&db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(
        (a.status, a.condition.as_deref(), a.rental_id.as_deref()),
        (AssetStatus::Returned, Some("fair"), None)
    );
    assert_code!(
        subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1")).await,
        ErrorCode::AssetNotAvailable
    );
    let insp = |outcome: &str| subs::InspectInput {
        serial_number: "LAP-1".into(),
        outcome: outcome.into(),
        condition: Some("good".into()),
        notes: Some("Cleaned".into()),
    };
    assert_code!(
        subs::inspect(&db, &t.ctx(), insp("sold")).await,
        ErrorCode::ValidationError
    );
    let a = subs::inspect(&db, &t.ctx(), insp("available"))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.condition.as_deref()),
        (AssetStatus::Available, Some("good"))
    );
    assert_code!(
        subs::inspect(&db, &t.ctx(), insp("available")).await,
        ErrorCode::InvalidStatus
    );
    // Back in stock, it can go out again; its history shows both customers' stints.
    subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap();
    assert_eq!(
        subs::asset_lifetime(&db, &t.bu, "LAP-1", t.day())
            .await
            .unwrap()
            .history
            .len(),
        2
    );

    // Waived and manual fees.
    let r2 = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let mut w = input(Some("good"), None);
    w.waive_fee = Some(true);
    let e = subs::early_return(&db, &t.ctx(), &r2.rental_id, w)
        .await
        .unwrap();
    let d = e.rental.early_return_details.unwrap();
    assert!(d.fee_waived);
    assert_eq!(
        (d.fee, d.calculation_method.as_str()),
        (money("0.00"), "manual_override")
    );
    assert!(d.payment_id.is_none());
}

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

use chrono::Datelike;

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
}
