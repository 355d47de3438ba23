//! Inputs that cannot hurt: each bad input gets its clear error and changes nothing, exports never
//! carry a formula, errors never carry storage internals, and saving a document is the desktop
//! window's, for the desk's own PDFs and CSVs only.

use crate::support::{http_sign_in, TestCore};
use flexdesk::api::Caller;
use flexdesk::services::subscriptions::{self as subs, ActivateInput};
use flexdesk::services::{customers, exports, payments};
use flexdesk::ErrorCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_start_or_paid_date_outside_the_desks_window_is_refused_and_nothing_is_written() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let order = t
        .confirmed_order(
            "dates@mail.example",
            json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    t.asset("DT-1", "LAP-1").await;
    for (start, why) in [("1900-01-01", "2000-01-01"), ("2206-01-15", "2036-01-15")] {
        let e = subs::activate(
            &t.core.db,
            &t.ctx(),
            ActivateInput {
                order_id: order.order_id.clone(),
                asset_serial_number: "DT-1".into(),
                start_date: Some(start.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert_eq!(e.details[0].path, "startDate");
        assert!(e.details[0].message.contains(why), "{e:?}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was activated");
    let r = subs::activate(
        &t.core.db,
        &t.ctx(),
        ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "DT-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let first = payments::list(
        &t.core.db,
        &t.bu,
        &payments::PaymentQuery {
            rental_id: Some(r.rental.rental_id.clone()),
            ..Default::default()
        },
        t.day(),
    )
    .await
    .unwrap()
    .items
    .remove(0);
    let e = payments::mark_paid(
        &t.core.db,
        &t.ctx(),
        &first.payment_id,
        payments::MarkPaid {
            paid_at: Some("0001-01-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "paidAt");
    assert!(e.details[0].message.contains("outside the dates"), "{e:?}");
}

#[tokio::test]
async fn an_amount_past_the_bound_is_a_validation_error_naming_it_over_v1() {
    let t = TestCore::new().await;
    let key = t.api_key("shop").await;
    let server = crate::support::serve(&t).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/v1/products", server.url()))
        .bearer_auth(&key)
        .header("Tenant-ID", &t.bu.id)
        .json(&json!({"productSku": "HUGE", "name": "Huge", "category": "Laptops", "brand": "X",
            "specification": "s", "variants": [{"variantSku": "HUGE-1", "variantName": "1", "grade": "A",
            "listPrice": 1e27, "acquisitionCost": 100, "pricing": [{"contractLength": 12, "monthlyPrice": 10}]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "VALIDATION_ERROR", "{v}");
    assert!(v.to_string().contains("too large"), "{v}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM products WHERE sku = 'HUGE'")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap_or(0);
    assert_eq!(n, 0);
    // axum's own refusals come in the FlexPortal envelope too.
    let r = http
        .post(format!("{}/v1/customers", server.url()))
        .bearer_auth(&key)
        .header("Tenant-ID", &t.bu.id)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    let v: Value = r.json().await.unwrap();
    assert!(v["error"]["code"].is_string(), "{v}");
    let r = http
        .delete(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "NOT_FOUND", "{v}");
    server.stop().await;
}

#[tokio::test]
async fn exported_text_never_runs_as_a_formula_and_amounts_stay_numbers() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let order = t
        .confirmed_order(
            "formula@mail.example",
            json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    customers::update(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({"customerId": order.customer.customer_id,
            "firstName": "=HYPERLINK(\"http://evil\")", "lastName": "@SUM(A1)"}))
        .unwrap(),
    )
    .await
    .unwrap();
    t.asset("FX-1", "LAP-1").await;
    subs::activate(
        &t.core.db,
        &t.ctx(),
        ActivateInput {
            order_id: order.order_id.clone(),
            asset_serial_number: "FX-1".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let csv = exports::rentals(&t.core.db, &t.ctx(), &Default::default())
        .await
        .unwrap()
        .csv_data;
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let header = rd.headers().unwrap().clone();
    let rec = rd.records().next().unwrap().unwrap();
    let name = header.iter().position(|h| h == "customerName").unwrap();
    assert!(
        rec[name].starts_with("'=HYPERLINK"),
        "the name cell is {:?}",
        &rec[name]
    );
    let monthly = header
        .iter()
        .position(|h| h.starts_with("monthly"))
        .unwrap();
    assert!(
        rec[monthly].parse::<f64>().is_ok(),
        "amounts stay numbers: {:?}",
        &rec[monthly]
    );
}

#[tokio::test]
async fn saving_a_document_is_the_desktop_windows_for_the_desks_own_pdfs_and_csvs() {
    let t = TestCore::new().await;
    let token = t.core.sessions.start(&t.admin.id, t.clock_now());
    let save = |desktop: bool, filename: &str, bytes: &[u8]| {
        let caller = Caller {
            token: Some(token.clone()),
            bu_id: Some(t.bu.id.clone()),
            desktop,
        };
        let body = json!({"filename": filename,
            "base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)});
        let core = t.core.clone();
        async move { flexdesk::api::dispatch(&core, &caller, "documents.save", body).await }
    };
    // Over HTTP (a browser, or anyone reaching a server): refused, a browser downloads instead.
    let e = save(false, "x.pdf", b"%PDF-1.7 ...").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    // From the window, only what the desk makes: no scripts or programs under any name.
    for (name, bytes) in [
        ("run.sh", b"#!/bin/sh\nrm -rf ~".as_slice()),
        ("invoice.pdf", b"MZ\x90\x00 not a pdf".as_slice()),
        ("list.csv", b"a,b\x00,c".as_slice()),
    ] {
        let e = save(true, name, bytes).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError, "{name}");
    }
}

#[tokio::test]
async fn an_internal_error_reaches_the_caller_as_a_reference_without_storage_text() {
    let t = TestCore::new().await;
    let server = crate::support::serve(&t).await;
    let http = reqwest::Client::new();
    let (cookie, _) = http_sign_in(&http, &server.url()).await;
    // Break a table behind the desk's back: the next read fails inside SQLite.
    sqlx::query("ALTER TABLE customers RENAME TO customers_gone")
        .execute(t.core.db.pool())
        .await
        .unwrap();
    let r = http
        .post(format!("{}/rpc/customers.list", server.url()))
        .header("Cookie", &cookie)
        .header("X-FlexDesk-BU", &t.bu.id)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let v: Value = r.json().await.unwrap();
    let msg = v["error"]["message"].as_str().unwrap();
    assert_eq!(v["error"]["code"], "INTERNAL_ERROR");
    assert!(msg.contains("reference"), "{msg}");
    for leak in ["SELECT", "customers", "sqlite", "storage", "/tmp", ".db"] {
        assert!(
            !msg.to_lowercase().contains(&leak.to_lowercase()),
            "{leak} in {msg}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn an_idempotency_key_is_checked_after_the_api_key_in_its_own_unit_and_names_one_request() {
    let t = TestCore::new().await;
    let shop = t.api_key("shop").await;
    let other_bu = t.second_bu("BE", "EUR").await;
    let other = flexdesk::services::keys::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        &other_bu.id,
        serde_json::from_value(json!({"name": "other shop"})).unwrap(),
    )
    .await
    .unwrap()
    .secret;
    let server = crate::support::serve(&t).await;
    let http = reqwest::Client::new();
    let post = |key: Option<&str>, tenant: &str, body: Value| {
        let mut r = http
            .post(format!("{}/v1/customers", server.url()))
            .header("Tenant-ID", tenant)
            .header("Idempotency-Key", "order-42")
            .json(&body);
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send()
    };
    let ann = json!({"email": "ann@idem.example", "firstName": "Ann", "lastName": "Idem"});
    let first = post(Some(&shop), &t.bu.id, ann.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    // Without the key nothing is answered, not even "applied before".
    let r = post(None, &t.bu.id, ann.clone()).await.unwrap();
    assert_eq!(r.status(), 401);
    // The same request again: applied before, nothing new.
    let again = post(Some(&shop), &t.bu.id, ann.clone()).await.unwrap();
    assert_eq!(again.status(), 200);
    let v: Value = again.json().await.unwrap();
    assert_eq!(v["alreadyApplied"], true, "{v}");
    // The same key with another request: refused.
    let r = post(
        Some(&shop),
        &t.bu.id,
        json!({"email": "bob@idem.example", "firstName": "Bob", "lastName": "Idem"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "IDEMPOTENCY_MISMATCH");
    // Another unit's key may use the same words: its write is its own.
    let r = post(Some(&other), &other_bu.id, ann.clone()).await.unwrap();
    assert_eq!(r.status(), 201);
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM customers WHERE email = 'ann@idem.example'")
            .fetch_one(t.core.db.pool())
            .await
            .unwrap();
    assert_eq!(n, 2, "one in each unit");
    server.stop().await;
}

#[tokio::test]
async fn an_address_that_keeps_sending_wrong_api_keys_is_paused() {
    let t = TestCore::new().await;
    let key = t.api_key("shop").await;
    let server = crate::support::serve(&t).await;
    let http = reqwest::Client::new();
    let get = |k: String| {
        http.get(format!("{}/v1/customers", server.url()))
            .bearer_auth(k)
            .header("Tenant-ID", &t.bu.id)
            .send()
    };
    assert_eq!(get(key.clone()).await.unwrap().status(), 200);
    for i in 0..10 {
        let r = get(format!("pk_live_wrong{i}")).await.unwrap();
        assert_eq!(r.status(), 401, "wrong key {i}");
    }
    for k in ["pk_live_wrong_again".to_string(), key.clone()] {
        let r = get(k).await.unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "RATE_LIMITED", "{v}");
    }
    server.stop().await;
}
