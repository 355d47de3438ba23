//! Webhooks: events queued with the action that causes them, signed deliveries to a real
//! receiver on loopback, retries with growing pauses, the delivery log, redelivery, and a queue
//! that survives the server being killed.

use crate::support::TestCore;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use flexdesk::services::{payments, subscriptions as subs, webhooks};
use flexdesk::webhooks::{deliver_due, verify, Policy};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What a receiver got: headers of interest and the raw body.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    signature: String,
    event: String,
    event_id: String,
    body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1: answers with the queued status codes (then 200) and keeps
/// every request.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn hook(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, &'static str) {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    r.got.lock().unwrap().push(Received {
        signature: h("flexdesk-signature"),
        event: h("flexdesk-event"),
        event_id: h("flexdesk-event-id"),
        body: body.to_vec(),
    });
    let code = r.answers.lock().unwrap().pop_front().unwrap_or(200);
    (
        StatusCode::from_u16(code).unwrap(),
        "router admin page: internal secrets",
    )
}

impl Receiver {
    /// Serve on `listener`; returns the hook URL.
    fn serve(&self, listener: tokio::net::TcpListener) -> String {
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }
    pub(crate) async fn start(&self) -> String {
        self.serve(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
    }
    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

async fn endpoint(t: &TestCore, url: &str, events: &[&str]) -> webhooks::Endpoint {
    webhooks::save_endpoint(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        &t.bu.id,
        webhooks::EndpointInput {
            url: Some(url.into()),
            events: Some(events.iter().map(|s| s.to_string()).collect()),
            // The tests' receivers run on this computer.
            allow_address: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

pub(crate) async fn deliveries(t: &TestCore, endpoint: &str) -> Vec<webhooks::Delivery> {
    webhooks::list_deliveries(
        &t.core.db,
        &t.bu.id,
        &webhooks::DeliveryQuery {
            endpoint_id: Some(endpoint.into()),
            limit: Some(500),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// Queue the test event for an endpoint.
pub(crate) async fn ping(t: &TestCore, endpoint: &str) -> webhooks::Delivery {
    webhooks::send_test(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        &t.bu.id,
        endpoint,
    )
    .await
    .unwrap()
}

fn count(list: &[webhooks::Delivery], event: &str) -> usize {
    list.iter().filter(|d| d.event == event).count()
}

#[tokio::test]
async fn an_activation_queues_its_events_for_the_endpoints_that_want_them_and_a_refused_one_queues_none(
) {
    let t = TestCore::new().await;
    t.laptop("LAP-16").await;
    t.laptop("LAP-32").await;
    let all = endpoint(&t, "http://127.0.0.1:9/all", &["*"]).await;
    let paid_only = endpoint(&t, "http://127.0.0.1:9/paid", &["payment.succeeded"]).await;
    let order = t
        .confirmed_order(
            "emma@x.example",
            json!([{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    t.asset("SN-OK-1", "LAP-16").await;
    t.asset("SN-OTHER", "LAP-32").await;
    // A refused scan (wrong SKU) changes nothing, so it queues nothing.
    let refused = subs::activate(
        &t.core.db,
        &t.ctx(),
        subs::ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "SN-OTHER".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(refused.is_err());
    let before = deliveries(&t, &all.id).await;
    assert_eq!(count(&before, "order.created"), 1);
    assert_eq!(before.len(), 1, "{before:?}");

    let a = subs::activate(
        &t.core.db,
        &t.ctx(),
        subs::ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "SN-OK-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let list = deliveries(&t, &all.id).await;
    assert_eq!(count(&list, "subscription.created"), 1);
    assert_eq!(count(&list, "asset.assigned"), 1);
    assert_eq!(count(&list, "order.fulfilled"), 1);
    assert_eq!(count(&list, "payment.scheduled"), 12);
    assert!(list
        .iter()
        .all(|d| d.status == "pending" && d.attempts == 0));
    assert!(deliveries(&t, &paid_only.id).await.is_empty());

    // The payload names the subscription and carries it whole, money as numbers.
    let created = list
        .iter()
        .find(|d| d.event == "subscription.created")
        .unwrap();
    let detail = webhooks::get_delivery(&t.core.db, &t.bu.id, &created.id)
        .await
        .unwrap();
    let p = &detail.payload;
    assert_eq!(p["event"], "subscription.created");
    assert_eq!(p["businessUnitId"], t.bu.id.as_str());
    assert_eq!(p["data"]["subscriptionId"], a.rental.rental_id.as_str());
    assert_eq!(p["data"]["orderId"], order.order_id.as_str());
    assert_eq!(p["data"]["serialNumber"], "SN-OK-1");
    assert!(p["data"]["subscription"]["monthlyAmount"].is_number());

    // Marking the first payment paid goes to both endpoints.
    let first = payments::list(
        &t.core.db,
        &t.bu,
        &payments::PaymentQuery {
            rental_id: Some(a.rental.rental_id.clone()),
            sort_dir: Some("asc".into()),
            ..Default::default()
        },
        t.day(),
    )
    .await
    .unwrap()
    .items
    .remove(0);
    payments::mark_paid(&t.core.db, &t.ctx(), &first.payment_id, Default::default())
        .await
        .unwrap();
    let paid = deliveries(&t, &paid_only.id).await;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].event, "payment.succeeded");
    assert_eq!(
        count(&deliveries(&t, &all.id).await, "payment.succeeded"),
        1
    );

    // A paused endpoint gets nothing new.
    webhooks::save_endpoint(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        &t.bu.id,
        webhooks::EndpointInput {
            id: Some(all.id.clone()),
            active: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let n = deliveries(&t, &all.id).await.len();
    t.confirmed_order(
        "noah@x.example",
        json!([{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]),
    )
    .await;
    assert_eq!(deliveries(&t, &all.id).await.len(), n);
}

#[tokio::test]
async fn bad_endpoint_settings_are_refused_with_the_field_named() {
    let t = TestCore::new().await;
    let actor = t.admin.actor();
    let save = |url: &str, events: Vec<String>| {
        webhooks::save_endpoint(
            &t.core.db,
            &actor,
            flexdesk::clock::Clock::now(&*t.clock),
            &t.bu.id,
            webhooks::EndpointInput {
                url: Some(url.into()),
                events: Some(events),
                ..Default::default()
            },
        )
    };
    let e = save("ftp://x.example/hook", vec!["*".into()])
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "VALIDATION_ERROR");
    assert!(e.message.contains("https://"), "{}", e.message);
    let e = save("https://x.example/hook", vec!["order.shipped".into()])
        .await
        .unwrap_err();
    assert!(e.message.contains("order.shipped"), "{}", e.message);
    let e = save("https://x.example/hook", vec![]).await.unwrap_err();
    assert_eq!(e.code.as_str(), "VALIDATION_ERROR");
    assert!(webhooks::list_endpoints(&t.core.db, &t.bu.id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_receiver_gets_signed_events_and_failures_are_retried_after_growing_pauses() {
    let t = TestCore::new().await;
    t.laptop("LAP-16").await;
    t.laptop("LAP-32").await;
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().extend([500, 503]);
    let url = receiver.start().await;
    let ep = endpoint(&t, &url, &["order.created"]).await;
    let order = t
        .confirmed_order(
            "emma@x.example",
            json!([{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let policy = Policy::default();
    let client = flexdesk::webhooks::client(&policy);

    // First attempt: 500. The delivery waits 30 s; nothing is due before then.
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 1);
    let d = deliveries(&t, &ep.id).await.remove(0);
    assert_eq!(
        (d.status.as_str(), d.attempts, d.last_status),
        ("pending", 1, Some(500))
    );
    assert_eq!(
        d.next_attempt_at.as_deref(),
        Some("2026-01-15T12:00:30.000Z")
    );
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 0);
    // Second attempt after 30 s: 503; the next pause is three times longer (90 s).
    t.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 1);
    let d = deliveries(&t, &ep.id).await.remove(0);
    assert_eq!((d.attempts, d.last_status), (2, Some(503)));
    assert_eq!(
        d.next_attempt_at.as_deref(),
        Some("2026-01-15T12:02:00.000Z")
    );
    t.clock.advance(chrono::Duration::seconds(89));
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 0);
    t.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 1);
    let d = deliveries(&t, &ep.id).await.remove(0);
    assert_eq!(
        (d.status.as_str(), d.attempts, d.last_status),
        ("delivered", 3, Some(200))
    );

    // Three requests, each the same signed body; the signature verifies with the secret.
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    let now = flexdesk::clock::Clock::now(&*t.clock).timestamp();
    for r in &got {
        assert_eq!(r.event, "order.created");
        assert_eq!(r.body, got[0].body);
        assert!(
            verify(&ep.secret, &r.signature, &r.body, now, 300),
            "{}",
            r.signature
        );
        assert!(!verify("whsec_wrong", &r.signature, &r.body, now, 300));
    }
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["event"], "order.created");
    assert_eq!(body["data"]["orderId"], order.order_id.as_str());
    assert_eq!(body["id"], got[0].event_id.as_str());

    // The log keeps every attempt; redelivery sends the same event (same id) once more.
    let detail = webhooks::get_delivery(&t.core.db, &t.bu.id, &d.id)
        .await
        .unwrap();
    let codes: Vec<_> = detail.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![Some(200), Some(503), Some(500)]);
    // The receiver is on this computer: what it answered is not kept.
    assert!(detail
        .attempts
        .iter()
        .all(|a| a.response.as_deref() == Some(flexdesk::webhooks::PRIVATE_ANSWER)));
    webhooks::redeliver(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        &t.bu.id,
        &d.id,
    )
    .await
    .unwrap();
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 1);
    let got = receiver.got();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].event_id, got[0].event_id);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_given_up_after_the_last_attempt_and_410_at_once() {
    let t = TestCore::new().await;
    // Nothing listens on this port: every attempt fails to connect.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let ep = endpoint(&t, &dead_url, &["*"]).await;
    let test = ping(&t, &ep.id).await;
    assert_eq!(test.event, "ping");
    let policy = Policy::default();
    let client = flexdesk::webhooks::client(&policy);
    for i in 1..=webhooks::MAX_ATTEMPTS {
        assert_eq!(
            deliver_due(&t.core, &client, &policy).await.unwrap(),
            1,
            "attempt {i}"
        );
        t.clock.advance(chrono::Duration::hours(6));
    }
    let d = deliveries(&t, &ep.id).await.remove(0);
    assert_eq!(
        (d.status.as_str(), d.attempts),
        ("failed", webhooks::MAX_ATTEMPTS)
    );
    // The reason is the connection's own: nobody listens there.
    let error = d.last_error.clone().unwrap_or_default();
    assert!(
        error.starts_with("Could not connect: ") && error.to_lowercase().contains("refused"),
        "{error}"
    );
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 0);

    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().push_back(410);
    let url = receiver.start().await;
    let gone = endpoint(&t, &url, &["*"]).await;
    ping(&t, &gone.id).await;
    assert_eq!(deliver_due(&t.core, &client, &policy).await.unwrap(), 1);
    let d = deliveries(&t, &gone.id).await.remove(0);
    assert_eq!(
        (d.status.as_str(), d.attempts, d.last_status),
        ("failed", 1, Some(410))
    );
}

/// `flexdesk serve` on a file, with fast retries; returns the process and its URL.
fn serve(db: &std::path::Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(db)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--webhook-retry-ms",
            "200",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    (child, url.trim().to_string())
}

#[tokio::test]
async fn no_event_is_lost_when_the_server_is_killed_before_the_receiver_comes_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let run = |args: &[&str]| super::sync::cli(&db, &[], args);
    let bu = run(&["bu", "create", "--name", "Hooks NL", "--currency", "EUR"]);
    let key = run(&["keys", "create", "--tenant", &bu, "--name", "shop"]);
    // The receiver's port is chosen now; nothing listens on it until later.
    let addr = super::sync::reserve_port();
    let hook_url = format!("http://{addr}/hook");

    let (mut first, url) = serve(&db);
    let http = reqwest::Client::new();
    let (cookie, _) = crate::support::http_sign_in(&http, &url).await;
    let saved = http
        .post(format!("{url}/rpc/webhooks.save"))
        .header("Cookie", &cookie)
        .header("X-FlexDesk-BU", &bu)
        .json(&json!({"url": hook_url, "events": ["*"], "allowAddress": true}))
        .send()
        .await
        .unwrap();
    assert!(
        saved.status().is_success(),
        "{}",
        saved.text().await.unwrap()
    );
    let mut ids = Vec::new();
    for i in 0..3 {
        let r: Value = http
            .post(format!("{url}/v1/customers"))
            .bearer_auth(&key)
            .header("Tenant-ID", &bu)
            .json(&json!({"email": format!("c{i}@x.example"), "firstName": "C", "lastName": format!("{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["customerId"].as_str().unwrap_or_default().to_string());
    }
    // Customers are not webhook events; orders are.
    let products = http
        .post(format!("{url}/v1/products"))
        .bearer_auth(&key)
        .header("Tenant-ID", &bu)
        .json(&json!({"productSku": "LAP", "name": "Laptop", "category": "Laptops", "brand": "Acme", "specification": {"ram": "16 GB"},
            "variants": [{"variantSku": "LAP-16", "variantName": "16 GB", "grade": "A", "pricing": {"12": 49}}]}))
        .send()
        .await
        .unwrap();
    assert!(
        products.status().is_success(),
        "{}",
        products.text().await.unwrap()
    );
    for i in 0..3 {
        let r = http
            .post(format!("{url}/v1/orders"))
            .bearer_auth(&key)
            .header("Tenant-ID", &bu)
            .json(&json!({
                "customer": {"email": format!("c{i}@x.example"), "firstName": "C", "lastName": format!("{i}")},
                "billingAddress": crate::support::address(),
                "items": [{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    }
    // Let the sender try (and fail: nobody listens), then kill the server outright.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    first.kill().unwrap();
    let _ = first.wait();

    let receiver = Receiver::default();
    receiver.serve(tokio::net::TcpListener::bind(addr).await.unwrap());
    let (mut second, _) = serve(&db);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while receiver.got().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    second.kill().unwrap();
    let _ = second.wait();
    let got = receiver.got();
    let mut events: Vec<&str> = got.iter().map(|r| r.event.as_str()).collect();
    events.sort();
    assert_eq!(events, vec!["order.created"; 3], "{got:?}");
    let mut distinct: Vec<&str> = got.iter().map(|r| r.event_id.as_str()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "each event once");
}

/// `payment.scheduled` names exactly the payments an action added: an extension's new months,
/// then a buyout's charge, each once, and nothing for the months a buyout cancels.
#[tokio::test]
async fn payment_scheduled_names_the_payments_each_action_added() {
    let t = TestCore::new().await;
    t.laptop("LAP-16").await;
    let all = endpoint(&t, "http://127.0.0.1:9/all", &["payment.scheduled"]).await;
    let order = t
        .confirmed_order(
            "nora@x.example",
            json!([{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    t.asset("SN-SCHED-1", "LAP-16").await;
    let a = subs::activate(
        &t.core.db,
        &t.ctx(),
        subs::ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "SN-SCHED-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = a.rental.rental_id.clone();
    let kinds = async |t: &TestCore| -> Vec<(String, String)> {
        let mut out = vec![];
        for d in deliveries(t, &all.id).await {
            let p = webhooks::get_delivery(&t.core.db, &t.bu.id, &d.id)
                .await
                .unwrap()
                .payload;
            assert_eq!(p["data"]["subscriptionId"], id.as_str());
            out.push((
                p["data"]["kind"].as_str().unwrap().to_string(),
                p["data"]["paymentId"].as_str().unwrap().to_string(),
            ));
        }
        out
    };
    assert_eq!(kinds(&t).await.len(), 12);
    subs::extend(
        &t.core.db,
        &t.ctx(),
        &id,
        subs::ExtendInput {
            extension_months: json!(3),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let after_extend = kinds(&t).await;
    assert_eq!(after_extend.len(), 15, "{after_extend:?}");
    subs::buyout(&t.core.db, &t.ctx(), &id, Default::default())
        .await
        .unwrap();
    let all_now = kinds(&t).await;
    assert_eq!(all_now.len(), 16, "{all_now:?}");
    let ids: std::collections::HashSet<&String> = all_now.iter().map(|(_, p)| p).collect();
    assert_eq!(ids.len(), 16, "each payment once: {all_now:?}");
    assert_eq!(
        all_now.iter().filter(|(k, _)| k == "buyout").count(),
        1,
        "{all_now:?}"
    );
}

/// The payments writer reports exactly the rows it added: all of them when all are new, only the
/// missing ones when part of a schedule is written again, none when all of it was there; a row
/// the table's checks refuse is an error, never skipped.
#[tokio::test]
async fn the_payments_writer_returns_only_the_rows_it_added() {
    use flexdesk::store::payments::{insert_new, PaymentRow};
    let t = TestCore::new().await;
    t.laptop("LAP-16").await;
    let order = t
        .confirmed_order(
            "omar@x.example",
            json!([{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    t.asset("SN-WRITER-1", "LAP-16").await;
    let a = subs::activate(
        &t.core.db,
        &t.ctx(),
        subs::ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "SN-WRITER-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rental = a.rental.rental_id.clone();
    let row = |seq: i64| PaymentRow {
        id: format!("pay_writer_{seq}"),
        bu_id: t.bu.id.clone(),
        customer_id: a.rental.customer_id.clone(),
        rental_id: Some(rental.clone()),
        payment_type: "individual".into(),
        kind: "rent".into(),
        seq,
        billing_period: "2027-12".into(),
        period_start: "2027-12-01".into(),
        period_end: "2027-12-31".into(),
        invoice_date: "2027-12-01".into(),
        due_date: "2027-12-15".into(),
        tax_rate: "21".into(),
        currency: "EUR".into(),
        status: "pending".into(),
        idempotency_key: format!("writer:{seq}"),
        created_at: "2026-11-18T12:00:00.000Z".into(),
        updated_at: "2026-11-18T12:00:00.000Z".into(),
        ..Default::default()
    };
    let mut tx = t.core.db.write().await.unwrap();
    let first = insert_new(&mut tx, &[row(101), row(102)]).await.unwrap();
    assert_eq!(first, vec!["pay_writer_101", "pay_writer_102"]);
    let again = insert_new(&mut tx, &[row(102), row(103), row(101)])
        .await
        .unwrap();
    assert_eq!(again, vec!["pay_writer_103"]);
    let none = insert_new(&mut tx, &[row(101), row(103)]).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
    // The same idempotency key under another id is the same payment.
    let mut renamed = row(101);
    renamed.id = "pay_writer_renamed".into();
    assert!(insert_new(&mut tx, &[renamed]).await.unwrap().is_empty());
    // A row the table refuses is an error, and none of the statement's rows is written.
    let mut bad = row(104);
    bad.status = "owed".into();
    assert!(insert_new(&mut tx, &[row(105), bad]).await.is_err());
    tx.commit().await.unwrap();
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payments WHERE id LIKE 'pay_writer_%'")
            .fetch_one(t.core.db.pool())
            .await
            .unwrap();
    assert_eq!(stored, 3);
}
