//! Payments marked paid, failed or cancelled, with their codes.

use crate::assert_code;
use crate::subscriptions::{act, money, schedule, shop};
use flexdesk::domain::settings::LateFeeKind;
use flexdesk::domain::status::PaymentStatus;
use flexdesk::services::payments::{self, MarkPaid, PaymentQuery};
use flexdesk::services::runs;
use flexdesk::services::subscriptions as subs;
use flexdesk::ErrorCode;
use serde_json::json;

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
