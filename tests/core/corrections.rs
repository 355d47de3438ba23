//! Mistakes put right: a payment marked paid by mistake is taken back (open again, out of cost
//! recovery, on the timeline, as an event and a synced op); one already on an invoice is not,
//! the answer naming the credit note as the way.

use crate::subscriptions::{act, schedule, shop};
use crate::sync::{first_payment, hub_and_desks};
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions as subs;
use flexdesk::services::{invoices, webhooks};
use serde_json::json;

async fn collected(t: &crate::support::TestCore, rental: &str) -> i64 {
    sqlx::query_scalar("SELECT total_collected FROM subscriptions WHERE id = ?")
        .bind(rental)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

async fn count(t: &crate::support::TestCore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_payment_marked_paid_by_mistake_is_taken_back_and_one_on_an_invoice_is_not() {
    let t = shop().await;
    let db = &t.core.db;
    webhooks::save_endpoint(
        db,
        &t.admin.actor(),
        t.clock_now(),
        &t.bu.id,
        webhooks::EndpointInput {
            url: Some("https://hooks.example.org/flexdesk".into()),
            events: Some(vec!["payment.reversed".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let order = t
        .confirmed_order(
            "oops@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &rental.rental_id).await;
    let (p0, p1) = (s[0].payment_id.clone(), s[1].payment_id.clone());
    let before = collected(&t, &rental.rental_id).await;
    let paid = |id: String| {
        let ctx = t.ctx();
        async move {
            payments::mark_paid(
                db,
                &ctx,
                &id,
                MarkPaid {
                    payment_reference: Some("WRONG-CUSTOMER-1".into()),
                    method: Some("bank_transfer".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    paid(p0.clone()).await;
    assert!(collected(&t, &rental.rental_id).await > before);
    let timeline_before = count(&t, "SELECT count(*) FROM events").await;

    // A reason is required, and only a paid payment is taken back; neither changes anything.
    let e = payments::reverse(db, &t.ctx(), &p0, " ").await.unwrap_err();
    assert_eq!(e.details[0].path, "reason");
    let e = payments::reverse(db, &t.ctx(), &p1, "mistake")
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");
    assert_eq!(
        count(&t, "SELECT count(*) FROM events").await,
        timeline_before
    );

    let back = payments::reverse(db, &t.ctx(), &p0, "Booked on the wrong customer")
        .await
        .unwrap();
    assert_eq!(back.status.as_str(), "pending");
    assert_eq!(
        (back.paid_at.clone(), back.payment_reference.clone()),
        (None, None)
    );
    assert_eq!(collected(&t, &rental.rental_id).await, before);
    let entry: String = sqlx::query_scalar(
        "SELECT summary FROM events WHERE entity_type = 'payment' AND entity_id = ? ORDER BY rowid DESC LIMIT 1",
    )
    .bind(&p0)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(entry.contains("Booked on the wrong customer"), "{entry}");
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM webhook_events WHERE event = 'payment.reversed'"
        )
        .await,
        1
    );
    // Nothing else moved: the other payments are as they were.
    let after = schedule(&t, &rental.rental_id).await;
    assert_eq!(after.len(), s.len());
    assert!(after[1..]
        .iter()
        .zip(&s[1..])
        .all(|(a, b)| a.status == b.status && a.total == b.total && a.due_date == b.due_date));
    assert_eq!(after[0].total, s[0].total);

    // Paid again and invoiced: the invoice stays as issued; a credit note is the way.
    paid(p0.clone()).await;
    let invoice = invoices::issue(db, &t.ctx(), &p0).await.unwrap();
    let e = payments::reverse(db, &t.ctx(), &p0, "mistake")
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "ALREADY_INVOICED");
    assert!(
        e.message.contains(&invoice.number) && e.message.contains("credit note"),
        "{}",
        e.message
    );
    assert_eq!(
        schedule(&t, &rental.rental_id).await[0].status.as_str(),
        "paid"
    );
}

#[tokio::test]
async fn a_payment_taken_back_on_a_desk_is_taken_back_on_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, _b) = hub_and_desks(dir.path()).await;
    crate::sync::add_laptops(&a, &[]).await;
    let rental = crate::sync::rented(&a, "REV-1", "rev@x.example").await;
    let pay = first_payment(&a, &rental).await;
    a.ok(
        "POST",
        &format!("/v1/payments/{pay}/mark-paid"),
        json!({"paymentReference": "OOPS"}),
    )
    .await;
    a.sync().await;
    assert_eq!(status_on(&hub, &pay).await, "paid");
    a.rpc(
        "payments.reverse",
        json!({"id": pay, "reason": "Paid by another customer"}),
    )
    .await;
    a.sync().await;
    assert_eq!(a.counts().await, (Some(0), Some(0)));
    assert_eq!(status_on(&hub, &pay).await, "pending");
}

async fn status_on(node: &crate::sync::Node, payment: &str) -> String {
    let v = node
        .ok(
            "GET",
            &format!("/v1/payments/{payment}"),
            serde_json::Value::Null,
        )
        .await;
    v["payment"]["status"]
        .as_str()
        .or(v["status"].as_str())
        .unwrap_or("")
        .to_string()
}
