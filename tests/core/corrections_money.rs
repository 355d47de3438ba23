//! Money recorded as it moved: part payments leave the rest open (and overdue), the last part
//! pays it; refunds give money back on a paid payment; one-off charges (a damage fee, the
//! tier's setup fee) are payments and invoice lines of their own. Cost recovery and money
//! collected follow each exactly; bad input changes nothing; a hub follows.

use crate::subscriptions::{act, schedule, shop};
use flexdesk::domain::status::{PaymentKind, PaymentStatus};
use flexdesk::money::Money;
use flexdesk::services::payments::{self, ChargeInput, ReceiptInput};
use flexdesk::services::subscriptions as subs;
use flexdesk::services::{catalog, invoices};
use serde_json::json;

fn m(s: &str) -> Money {
    Money(s.parse().unwrap())
}

fn paid(amount: &str) -> ReceiptInput {
    ReceiptInput {
        amount: Some(m(amount)),
        method: Some("bank_transfer".into()),
        reference: Some("NL12-PART".into()),
        ..Default::default()
    }
}

async fn scalar(t: &crate::support::TestCore, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

async fn collected(t: &crate::support::TestCore, rental: &str) -> i64 {
    scalar(
        t,
        "SELECT total_collected FROM subscriptions WHERE id = ?",
        rental,
    )
    .await
}

async fn collected_in_months(t: &crate::support::TestCore) -> i64 {
    scalar(
        t,
        "SELECT coalesce(sum(net), 0) FROM collected_by_month WHERE bu_id = ?",
        &t.bu.id,
    )
    .await
}

async fn events(t: &crate::support::TestCore) -> i64 {
    scalar(t, "SELECT count(*) FROM events WHERE ? <> ''", "x").await
}

#[tokio::test]
async fn part_payments_leave_the_rest_open_and_the_last_part_pays_it() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "parts@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let p = schedule(&t, &rental.rental_id).await[0].clone();
    let total = p.total;
    let net: Money = p.total - p.tax_amount;
    let start = collected(&t, &rental.rental_id).await;
    let months_before = collected_in_months(&t).await;

    // Refused, changing nothing: more than is open, nothing, a day to come.
    let before = events(&t).await;
    for (input, path) in [
        (paid("9999"), "amount"),
        (paid("0"), "amount"),
        (
            ReceiptInput {
                received_on: Some(flexdesk::services::day_text(t.day().succ_opt().unwrap())),
                ..paid("10")
            },
            "receivedOn",
        ),
    ] {
        let e = payments::receive(db, &t.ctx(), &p.payment_id, input)
            .await
            .unwrap_err();
        assert_eq!(e.details[0].path, path, "{}", e.message);
    }
    assert_eq!(events(&t).await, before);
    let e = payments::refund(db, &t.ctx(), &p.payment_id, paid("1"))
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");

    // 40 received: still pending, the rest open, its share in cost recovery and money collected.
    let part = payments::receive(db, &t.ctx(), &p.payment_id, paid("40.00"))
        .await
        .unwrap();
    assert_eq!(part.status, PaymentStatus::Pending);
    assert_eq!(part.amount_received, m("40.00"));
    assert_eq!(part.amount_open, total - m("40.00"));
    let share = collected(&t, &rental.rental_id).await - start;
    assert!(share > 0 && share < 4000, "{share}");
    assert_eq!(collected_in_months(&t).await - months_before, share);
    crate::support::assert_open_by_due_recounts(db).await;
    let totals = payments::totals(
        db,
        &t.bu,
        &payments::PaymentQuery {
            rental_id: Some(rental.rental_id.clone()),
            ..Default::default()
        },
        t.day(),
    )
    .await
    .unwrap();
    assert_eq!(totals.paid_total, m("40.00"));
    let receipts = payments::receipts(db, &t.bu, &p.payment_id).await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(
        (receipts[0].kind.as_str(), receipts[0].reference.as_deref()),
        ("part", Some("NL12-PART"))
    );

    // The rest pays it: paid on that day, the whole net in cost recovery and money collected
    // once, not twice.
    let rest = total - m("40.00");
    let done = payments::receive(db, &t.ctx(), &p.payment_id, paid(&rest.to_string()))
        .await
        .unwrap();
    assert_eq!(done.status, PaymentStatus::Paid);
    assert_eq!(done.amount_open, m("0"));
    let net_minor = net.to_minor(2).unwrap();
    assert_eq!(collected(&t, &rental.rental_id).await - start, net_minor);
    assert_eq!(collected_in_months(&t).await - months_before, net_minor);
    crate::support::assert_open_by_due_recounts(db).await;
    let (action, summary): (String, String) = sqlx::query_as(
        "SELECT action, summary FROM events WHERE entity_type = 'payment' AND entity_id = ? AND action = 'part_received' ORDER BY rowid DESC LIMIT 1",
    )
    .bind(&p.payment_id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(action, "part_received");
    assert!(summary.contains("paid in full"), "{summary}");

    // A refund gives money back: it stays paid, cost recovery and money collected lose its share.
    let e = payments::refund(db, &t.ctx(), &p.payment_id, paid("9999"))
        .await
        .unwrap_err();
    assert_eq!(e.details[0].path, "amount");
    let refunded = payments::refund(db, &t.ctx(), &p.payment_id, paid("10.00"))
        .await
        .unwrap();
    assert_eq!(
        (refunded.status, refunded.amount_refunded),
        (PaymentStatus::Paid, m("10.00"))
    );
    let after_refund = collected(&t, &rental.rental_id).await - start;
    assert!(after_refund < net_minor && after_refund > net_minor - 1000);
    assert_eq!(collected_in_months(&t).await - months_before, after_refund);
    let e = payments::reverse(db, &t.ctx(), &p.payment_id, "mistake")
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "INVALID_STATUS");
    assert_eq!(
        payments::receipts(db, &t.bu, &p.payment_id)
            .await
            .unwrap()
            .iter()
            .map(|r| r.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["part", "part", "refund"]
    );
}

#[tokio::test]
async fn a_part_paid_payment_stays_overdue_for_the_rest() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "late@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let p = schedule(&t, &rental.rental_id).await[0].clone();
    payments::receive(db, &t.ctx(), &p.payment_id, paid("50.00"))
        .await
        .unwrap();
    let due = chrono::NaiveDate::parse_from_str(&p.due_date, "%Y-%m-%d").unwrap();
    let later = due + chrono::Days::new(10);
    t.go_to(
        chrono::Datelike::year(&later),
        chrono::Datelike::month(&later),
        chrono::Datelike::day(&later),
    );
    let now = payments::get(db, &t.bu, &p.payment_id, t.day())
        .await
        .unwrap();
    assert!(now.overdue && now.days_overdue >= 10);
    assert_eq!(now.amount_open, p.total - m("50.00"));
    let totals = payments::totals(
        db,
        &t.bu,
        &payments::PaymentQuery {
            rental_id: Some(rental.rental_id.clone()),
            ..Default::default()
        },
        t.day(),
    )
    .await
    .unwrap();
    assert_eq!(totals.overdue_total, p.total - m("50.00"));
}

#[tokio::test]
async fn a_one_off_charge_is_a_payment_and_an_invoice_line_of_its_own() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "damage@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-3"))
        .await
        .unwrap()
        .rental;
    let before_schedule = schedule(&t, &rental.rental_id).await;
    assert!(before_schedule
        .iter()
        .all(|p| p.kind != PaymentKind::Charge));
    let charge = |label: Option<&str>, amount: &str| ChargeInput {
        rental_id: rental.rental_id.clone(),
        label: label.map(str::to_string),
        amount: Some(m(amount)),
        ..Default::default()
    };
    let before = events(&t).await;
    for (input, path) in [
        (charge(None, "75"), "label"),
        (charge(Some("Damage fee"), "0"), "amount"),
        (charge(Some("Damage fee"), "75.001"), "amount"),
    ] {
        let e = payments::charge(db, &t.ctx(), input).await.unwrap_err();
        assert_eq!(e.details[0].path, path, "{}", e.message);
    }
    assert_eq!(events(&t).await, before);

    let fee = payments::charge(
        db,
        &t.ctx(),
        charge(Some("Damage fee: cracked screen"), "75.00"),
    )
    .await
    .unwrap();
    assert_eq!(fee.kind, PaymentKind::Charge);
    assert_eq!(
        fee.charge_label.as_deref(),
        Some("Damage fee: cracked screen")
    );
    assert_eq!(fee.status, PaymentStatus::Pending);
    assert!(fee.total >= m("75.00"));
    let after = schedule(&t, &rental.rental_id).await;
    assert_eq!(after.len(), before_schedule.len() + 1);
    let on_timeline: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE entity_type = 'subscription' AND entity_id = ? AND action = 'charged'",
    )
    .bind(&rental.rental_id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(on_timeline, 1);
    // Its invoice has one line, with its label.
    let inv = invoices::issue(db, &t.ctx(), &fee.payment_id)
        .await
        .unwrap();
    let detail = invoices::get(db, &t.bu, &inv.invoice_id).await.unwrap();
    assert_eq!(detail.lines.len(), 1);
    assert!(
        detail.lines[0]
            .description
            .starts_with("Damage fee: cracked screen"),
        "{}",
        detail.lines[0].description
    );
    assert_eq!(detail.invoice.gross, fee.total);
    // A second charge is numbered after the first.
    let second = payments::charge(db, &t.ctx(), charge(Some("Lost charger"), "29"))
        .await
        .unwrap();
    assert_ne!(second.payment_id, fee.payment_id);
}

#[tokio::test]
async fn the_tiers_setup_fee_is_charged_at_activation_with_the_first_payment() {
    let t = shop().await;
    let db = &t.core.db;
    let mut p = crate::support::laptop_input("P-SETUP", "SETUP");
    p.variants[0].pricing = serde_json::from_value(json!([
        {"contractLength": 12, "monthlyPrice": 49, "setupFee": 25}
    ]))
    .unwrap();
    catalog::save_product(db, &t.ctx(), p).await.unwrap();
    t.asset("SETUP-1", "SETUP").await;
    let order = t
        .confirmed_order(
            "setup@example.nl",
            json!([{"sku": "SETUP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let rental = subs::activate(db, &t.ctx(), act(&order.order_id, "SETUP-1"))
        .await
        .unwrap()
        .rental;
    let s = schedule(&t, &rental.rental_id).await;
    let fees: Vec<_> = s.iter().filter(|p| p.kind == PaymentKind::Charge).collect();
    assert_eq!(fees.len(), 1);
    assert_eq!(fees[0].charge_label.as_deref(), Some("Setup fee"));
    let first_rent = s
        .iter()
        .filter(|p| p.kind != PaymentKind::Charge)
        .map(|p| p.due_date.clone())
        .min()
        .unwrap();
    assert_eq!(fees[0].due_date, first_rent);
    // A tier without one charges nothing more (the shop's laptops).
    let o2 = t
        .confirmed_order(
            "nosetup@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r2 = subs::activate(db, &t.ctx(), act(&o2.order_id, "LAP-4"))
        .await
        .unwrap()
        .rental;
    assert!(schedule(&t, &r2.rental_id)
        .await
        .iter()
        .all(|p| p.kind != PaymentKind::Charge));
}

#[tokio::test]
async fn part_payments_refunds_and_charges_made_on_a_desk_reach_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, b) = crate::sync::hub_and_desks(dir.path()).await;
    crate::sync::add_laptops(&a, &[]).await;
    let rental = crate::sync::rented(&a, "MONEY-1", "money@x.example").await;
    let pay = crate::sync::first_payment(&a, &rental).await;
    a.sync().await;
    a.rpc(
        "payments.receive",
        json!({"id": pay, "amount": "20.00", "reference": "P1"}),
    )
    .await;
    let charged = a
        .rpc(
            "payments.charge",
            json!({"rentalId": rental, "label": "Damage fee", "amount": "50.00"}),
        )
        .await;
    let fee = charged["paymentId"].as_str().unwrap().to_string();
    a.rpc("payments.markPaid", json!({"id": fee})).await;
    a.rpc(
        "payments.refund",
        json!({"id": fee, "amount": "5.00", "notes": "Goodwill"}),
    )
    .await;
    a.sync().await;
    b.sync().await;
    assert_eq!(
        a.counts().await,
        (Some(0), Some(0)),
        "{}",
        a.rpc("sync.conflicts", json!({})).await
    );
    let on_hub = |id: String| {
        let hub = &hub;
        async move {
            let v = hub
                .ok(
                    "GET",
                    &format!("/v1/payments/{id}"),
                    serde_json::Value::Null,
                )
                .await;
            if v.get("payment").is_some() {
                v["payment"].clone()
            } else {
                v
            }
        }
    };
    let p = on_hub(pay).await;
    assert_eq!(
        (p["status"].as_str(), p["amountReceived"].as_f64()),
        (Some("pending"), Some(20.0)),
        "{p}"
    );
    let f = on_hub(fee).await;
    assert_eq!(
        (
            f["kind"].as_str(),
            f["chargeLabel"].as_str(),
            f["status"].as_str(),
            f["amountRefunded"].as_f64()
        ),
        (Some("charge"), Some("Damage fee"), Some("paid"), Some(5.0)),
        "{f}"
    );
    crate::sync::assert_converged(&[&hub, &a, &b]).await;
}
