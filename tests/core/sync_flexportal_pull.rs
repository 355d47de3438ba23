//! Reading from FlexPortal, which has no change feed: once read whole, a pass reads the windows
//! where things change (open orders, open and failed payments of the last weeks) and what left
//! them by id, plus a slice of the full read (`serve --full-read-pages`).

use crate::standin::StandIn;
use crate::sync::{add_laptops, Node};
use crate::sync_flexportal::{confirm, order, point_at_url, take_in};
use serde_json::{json, Value};

/// The stand-in's record of `path` whose `field` (a `/`-path) is `value`.
async fn remote_one(fp: &StandIn, path: &str, key: &str, field: &str, value: &str) -> Value {
    let (s, v) = fp.call("GET", path, None).await;
    assert_eq!(s, 200, "{path}: {v}");
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o.pointer(field).and_then(Value::as_str) == Some(value))
        .unwrap_or_else(|| panic!("{path}: no {field} = {value} in {v}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_read_whole_a_pass_reads_the_windows_and_a_slice_of_the_full_read() {
    let fp = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    // One page of the full read a pass: the lists are read again one page at a time.
    let desk = Node::new_with(
        dir.path(),
        "desk-a",
        "127.0.0.1:0",
        &["--full-read-pages", "1"],
    )
    .await;
    point_at_url(&desk, &fp, &fp.url);
    // The background loop's first pull reads FlexPortal whole (nothing there yet).
    for _ in 0..100 {
        if !desk.status().await["lastPullAt"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!desk.status().await["lastPullAt"].is_null());

    // The desk's morning: a product, three orders, four serials, two activations.
    add_laptops(&desk, &[]).await;
    let (o1, ann) = order(&desk, "ann@x.example", "Ann").await;
    let (o2, _ben) = order(&desk, "ben@x.example", "Ben").await;
    let (o3, cas) = order(&desk, "cas@x.example", "Cas").await;
    // Gus's order, which FlexPortal will not have (it is taken out of the stand-in below).
    order(&desk, "gus@x.example", "Gus").await;
    confirm(&desk, &[&o1, &o2, &o3]).await;
    take_in(&desk, &["FP-1", "FP-2", "FP-3", "FP-4"]).await;
    let (s, r1) = crate::sync::activate(&desk, &o1, &ann, "FP-1").await;
    assert_eq!(s, 201, "{r1}");
    let r1 = r1["rental"]["rentalId"].as_str().unwrap().to_string();
    let (s, r3) = crate::sync::activate(&desk, &o3, &cas, "FP-4").await;
    assert_eq!(s, 201, "{r3}");
    let r3 = r3["rental"]["rentalId"].as_str().unwrap().to_string();
    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    assert_eq!(desk.counts().await, (Some(0), Some(0)));

    let gus = remote_one(
        &fp,
        "/v1/orders",
        "orders",
        "/customer/email",
        "gus@x.example",
    )
    .await;
    let gus = gus["orderId"].as_str().unwrap().to_string();
    for sql in [
        "DELETE FROM order_items WHERE order_id = ?",
        "DELETE FROM orders WHERE id = ?",
    ] {
        sqlx::query(sql)
            .bind(&gus)
            .execute(fp.core.core.db.pool())
            .await
            .unwrap();
    }

    // Meanwhile on FlexPortal: a webshop's order for a new customer, the dashboard activating
    // Ben's order with FP-2, Ann's first payment collected, and FP-3 moved to another shelf.
    let shop = fp.webshop_order("dee@shop.example", "Dee").await;
    let shop_id = shop["orderId"].as_str().unwrap().to_string();
    let ben_order = remote_one(
        &fp,
        "/v1/orders",
        "orders",
        "/customer/email",
        "ben@x.example",
    )
    .await;
    let (s, made) = fp
        .call(
            "POST",
            "/v1/subscriptions",
            Some(json!({"orderId": ben_order["orderId"], "customerId": ben_order["customer"]["customerId"],
                        "assetSerialNumber": "FP-2"})),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let ben_rental = made["rental"]["rentalId"].as_str().unwrap().to_string();
    // Ann's and Cas's first payments, due the same day, collected.
    let mut collected_on = String::new();
    for serial in ["FP-1", "FP-4"] {
        let rental = remote_one(
            &fp,
            "/v1/subscriptions",
            "rentals",
            "/assetSerialNumber",
            serial,
        )
        .await;
        let (_, pays) = fp
            .call(
                "GET",
                &format!(
                    "/v1/payments?rentalId={}&status=pending",
                    rental["rentalId"].as_str().unwrap()
                ),
                None,
            )
            .await;
        let mut pays = pays["payments"].as_array().unwrap().clone();
        pays.sort_by_key(|p| p["dueDate"].as_str().unwrap().to_string());
        collected_on = pays[0]["dueDate"].as_str().unwrap().to_string();
        let (s, paid) = fp
            .call(
                "POST",
                &format!(
                    "/v1/payments/{}/mark-paid",
                    pays[0]["paymentId"].as_str().unwrap()
                ),
                Some(json!({"paymentReference": "STRIPE-1"})),
            )
            .await;
        assert_eq!(s, 200, "{paid}");
    }
    let fp3 = remote_one(&fp, "/v1/assets", "assets", "/serialNumber", "FP-3").await;
    let mut moved = fp3.clone();
    moved["location"] = json!("Shelf 9");
    let (s, v) = fp.call("PUT", "/v1/assets/FP-3", Some(moved)).await;
    assert_eq!(s, 200, "{v}");

    // One pass: the windows bring the webshop's order with its customer, Ben's subscription
    // with its payments, and the payments collected; the full read is at the customers.
    let before = fp.seen().len();
    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    assert_eq!(report["pull"]["skipped"], 0, "{report}");
    let (s, got) = desk
        .v1("GET", &format!("/v1/orders/{shop_id}"), Value::Null)
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["customer"]["email"], "dee@shop.example", "{got}");
    let (s, dee) = desk
        .v1(
            "GET",
            &format!(
                "/v1/customers/{}",
                got["customer"]["customerId"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await;
    assert_eq!(
        (s, dee["email"].clone()),
        (200, json!("dee@shop.example")),
        "{dee}"
    );
    let (s, ben) = desk
        .v1(
            "GET",
            &format!("/v1/subscriptions/{ben_rental}"),
            Value::Null,
        )
        .await;
    assert_eq!(s, 200, "{ben}");
    assert_eq!(ben["assetSerialNumber"], "FP-2", "{ben}");
    let ben_pays = desk
        .ok(
            "GET",
            &format!("/v1/payments?rentalId={ben_rental}"),
            Value::Null,
        )
        .await;
    assert!(
        !ben_pays["payments"].as_array().unwrap().is_empty(),
        "{ben_pays}"
    );
    for r in [&r1, &r3] {
        let mine = desk
            .ok(
                "GET",
                &format!("/v1/payments?rentalId={r}&sortDir=asc"),
                Value::Null,
            )
            .await;
        assert_eq!(mine["payments"][0]["status"], "paid", "{mine}");
    }
    let shelf = || async {
        let (_, a) = desk.v1("GET", "/v1/assets/FP-3", Value::Null).await;
        a["location"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(
        shelf().await,
        "Shelf 2",
        "the full read has not come to the assets yet"
    );

    // What the pass asked: FlexPortal's operations only, none of FlexDesk's query parameters,
    // and no whole list but the one page of the full read.
    let asked: Vec<_> = fp.seen()[before..]
        .iter()
        .filter(|s| s.method == "GET")
        .cloned()
        .collect();
    assert!(asked.iter().all(|s| s.operation.is_some()), "{asked:#?}");
    assert!(
        asked
            .iter()
            .all(|s| !s.query.contains("changedSince") && !s.query.contains("sortDir")),
        "{asked:#?}"
    );
    let whole: Vec<&str> = asked
        .iter()
        .filter(|s| {
            s.path.matches('/').count() == 2
                && !s.query.split('&').any(|p| {
                    ["status=", "orderId=", "rentalId=", "dueDateFrom="]
                        .iter()
                        .any(|f| p.starts_with(f))
                })
        })
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(whole, ["/v1/customers"], "{asked:#?}");
    // Two of the three payments due that day left the window: the day is read as a list (one
    // request) instead of each payment by its id.
    let day = format!("dueDateFrom={collected_on}&dueDateTo={collected_on}");
    assert!(
        asked
            .iter()
            .any(|s| s.path == "/v1/payments" && s.query.ends_with(&day)),
        "{asked:#?}"
    );
    assert!(
        !asked.iter().any(|s| s.path.starts_with("/v1/payments/")),
        "{asked:#?}"
    );

    // Gus's order, open here and not on FlexPortal, was looked up once; FlexPortal's 404 is
    // remembered, so the next pass does not ask again.
    let gus_path = format!("/v1/orders/{gus}");
    assert!(asked.iter().any(|s| s.path == gus_path), "{asked:#?}");

    // Billing groups, then the assets: FP-3's new shelf comes with the full read.
    let before = fp.seen().len();
    desk.sync().await;
    assert_eq!(shelf().await, "Shelf 2");
    assert!(
        !fp.seen()[before..].iter().any(|s| s.path == gus_path),
        "{:#?}",
        &fp.seen()[before..]
    );
    desk.sync().await;
    assert_eq!(shelf().await, "Shelf 9");
}
