//! Sync with a remote that gives records its own ids, as FlexPortal's cloud does: a hub started
//! with `flexdesk serve --own-ids` ignores the ids desks send. Desks keep theirs, learn the
//! remote's from its answers (and payments by their idempotency key), and converge through them.

use super::sync::{
    activate, add_laptops, cli, first_payment, new_order, reserve_port, Fault, FaultProxy, Node,
};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The ids the remote gave to records made on this desk (`flexdesk remote ids`).
fn ids(desk: &Node) -> HashMap<String, String> {
    let out = cli(&desk.db, &[], &["remote", "ids", "--tenant", &desk.bu]);
    serde_json::from_str(&out).unwrap()
}

/// Write a desk's value in the remote's ids (whole strings and `:`-parts, as the desk does).
fn as_remote(v: &mut Value, map: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            let parts: Vec<String> = s
                .split(':')
                .map(|p| map.get(p).cloned().unwrap_or_else(|| p.to_string()))
                .collect();
            *s = map
                .get(s.as_str())
                .cloned()
                .unwrap_or_else(|| parts.join(":"));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| as_remote(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| as_remote(x, map)),
        _ => {}
    }
}

/// Variants in SKU order (a desk lists them in its own ids' order).
fn variants_by_sku(v: &mut Value) {
    if let Some(list) = v.get_mut("variants").and_then(Value::as_array_mut) {
        list.sort_by(|a, b| a["variantSku"].as_str().cmp(&b["variantSku"].as_str()));
    }
}

/// Every list of `desk`, written in the remote's ids, equals the hub's.
async fn assert_converged_through_ids(hub: &Node, desks: &[&Node]) {
    const KEYS: [&str; 7] = [
        "productId",
        "customerId",
        "serialNumber",
        "orderId",
        "rentalId",
        "paymentId",
        "billingGroupId",
    ];
    let mut theirs = hub.everything().await;
    for (_, items) in theirs.iter_mut() {
        items.iter_mut().for_each(variants_by_sku);
    }
    for desk in desks {
        let map = ids(desk);
        let mine = desk.everything().await;
        for (((list, items), key), (_, hub_items)) in mine.into_iter().zip(KEYS).zip(&theirs) {
            let mut items: Vec<Value> = items
                .into_iter()
                .map(|mut x| {
                    as_remote(&mut x, &map);
                    variants_by_sku(&mut x);
                    x
                })
                .collect();
            items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
            assert_eq!(
                items.len(),
                hub_items.len(),
                "{list} on {}",
                desk.db.display()
            );
            for (x, y) in items.iter().zip(hub_items) {
                assert_eq!(
                    x,
                    y,
                    "{list} differ between the hub and {}",
                    desk.db.display()
                );
            }
        }
    }
}

/// Sync until nothing waits (faults make some passes stop early); no pass may see a conflict.
async fn sync_out(desk: &Node) {
    for _ in 0..10 {
        let r = desk.sync().await;
        assert_eq!(r["push"]["conflicts"], 0, "{r}");
        if desk.status().await["waiting"] == 0 {
            return;
        }
    }
    panic!("{} still has changes waiting", desk.db.display());
}

#[tokio::test]
async fn a_remote_that_mints_its_own_ids_teaches_them_to_the_desks_even_when_the_answer_is_lost_and_all_converge(
) {
    let dir = tempfile::tempdir().unwrap();
    let hub = Node::new_with(dir.path(), "hub", &reserve_port(), &["--own-ids"]).await;
    add_laptops(&hub, &[]).await;
    // The hub keeps none of the ids a caller sends.
    let sent = hub
        .ok(
            "POST",
            "/v1/customers",
            json!({"customerId": "cus_chosenbythecaller", "email": "walkin@example.com", "firstName": "Walk", "lastName": "In"}),
        )
        .await;
    assert_ne!(sent["customerId"], "cus_chosenbythecaller", "{sent}");

    // Desk A reaches the hub through a link that loses answers; desk B directly.
    let proxy = FaultProxy::start(hub.url.clone(), std::time::Duration::from_millis(1500)).await;
    let a = Node::new_with(
        dir.path(),
        "desk-a",
        "127.0.0.1:0",
        &["--sync-timeout-ms", "800"],
    )
    .await;
    a.sync_with_url(&hub, &proxy.url);
    let b = Node::new(dir.path(), "desk-b", "127.0.0.1:0").await;
    b.sync_with(&hub);
    for d in [&a, &b] {
        assert_eq!(d.sync().await["state"], "online");
    }
    assert!(ids(&a).is_empty(), "what was pulled keeps the hub's ids");

    // A, offline: a product of its own, two devices in, an order for Ann.
    let phone = |name: &str| {
        json!({"productSku": "PHN", "name": name, "category": "Tablets", "brand": "Acme", "specification": "11 inch",
               "variants": [{"variantSku": "PHN-128", "variantName": "128 GB", "grade": "A", "listPrice": 600, "pricing": {"12": 29}},
                            {"variantSku": "PHN-256", "variantName": "256 GB", "grade": "A", "listPrice": 700, "pricing": {"12": 35}}]})
    };
    let made = a.rpc("catalog.saveProduct", phone("Phone 6")).await;
    let product = made["productId"].as_str().unwrap().to_string();
    for (serial, sku) in [("ID-1", "LAP-16"), ("ID-2", "PHN-128")] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": serial, "sku": sku}),
        )
        .await;
    }
    let (order, ann) = new_order(&a, "ann@example.com").await;
    // The product's create reaches the hub but its answer is lost: the retry is answered with
    // the ids the hub gave, and nothing is made twice.
    proxy.script_writes(&[Fault::CutAfterCommit]);
    sync_out(&a).await;
    assert!(proxy.writes.lock().unwrap().is_empty());
    let map = ids(&a);
    assert_eq!(
        a.status().await["remoteIds"].as_u64(),
        Some(map.len() as u64),
        "the status counts them"
    );
    let p = a
        .ok("GET", &format!("/v1/products/{product}"), Value::Null)
        .await;
    for id in [&product, &order, &ann].into_iter().cloned().chain(
        p["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["variantId"].as_str().unwrap().to_string()),
    ) {
        assert!(
            map.contains_key(&id),
            "the hub's id for {id} is known: {map:?}"
        );
        assert_ne!(map[&id], id);
    }
    let (st, _) = hub
        .v1("GET", &format!("/v1/orders/{order}"), Value::Null)
        .await;
    assert_eq!(st, 404, "the hub knows the order by its own id only");
    let on_hub = hub
        .ok("GET", &format!("/v1/orders/{}", map[&order]), Value::Null)
        .await;
    assert_eq!(
        on_hub["customer"]["customerId"],
        map[&ann].as_str(),
        "{on_hub}"
    );
    let phones = hub.ok("GET", "/v1/products?limit=100", Value::Null).await;
    let n_phn = phones["products"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["productSku"] == "PHN")
        .count();
    assert_eq!(n_phn, 1, "the product was made once");

    // A, offline again: the activation (its answer lost too), the first payment paid, a year
    // more. The hub schedules the payments itself, under its own ids.
    let (st, v) = activate(&a, &order, &ann, "ID-1").await;
    assert_eq!(st, 201, "{v}");
    let rental = v["rental"]["rentalId"].as_str().unwrap().to_string();
    let first = first_payment(&a, &rental).await;
    a.ok(
        "POST",
        &format!("/v1/payments/{first}/mark-paid"),
        json!({"paymentReference": "BANK-1"}),
    )
    .await;
    a.ok(
        "POST",
        &format!("/v1/subscriptions/{rental}/extend"),
        json!({"extensionMonths": 12}),
    )
    .await;
    proxy.script_writes(&[Fault::CutAfterCommit]);
    sync_out(&a).await;
    let map = ids(&a);
    for id in [&rental, &first] {
        assert!(
            map.contains_key(id.as_str()),
            "the hub's id for {id}: {map:?}"
        );
    }
    let paid = hub
        .ok("GET", &format!("/v1/payments/{}", map[&first]), Value::Null)
        .await;
    assert_eq!(paid["payment"]["status"], "paid", "{paid}");
    assert_eq!(paid["payment"]["paymentReference"], "BANK-1");
    let sub = hub
        .ok(
            "GET",
            &format!("/v1/subscriptions/{}", map[&rental]),
            Value::Null,
        )
        .await;
    assert_eq!(
        sub["contractLength"], 24,
        "the extension reached the hub: {sub}"
    );

    // B, meanwhile, sells one of the hub's laptops to Bob.
    b.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "ID-3", "sku": "LAP-16"}),
    )
    .await;
    let (order_b, bob) = new_order(&b, "bob@example.com").await;
    let (st, v) = activate(&b, &order_b, &bob, "ID-3").await;
    assert_eq!(st, 201, "{v}");
    sync_out(&b).await;
    // A reads B's records under the hub's ids and changes them and its own; B follows.
    a.sync().await;
    let order_b_on_hub = ids(&b)[&order_b].clone();
    a.ok(
        "PATCH",
        &format!("/v1/orders/{order_b_on_hub}/notes"),
        json!({"notes": "Bob collects on Friday"}),
    )
    .await;
    a.ok("PUT", &format!("/v1/products/{product}"), phone("Phone 7"))
        .await;
    sync_out(&a).await;
    b.sync().await;
    let on_b = b
        .ok("GET", &format!("/v1/orders/{order_b}"), Value::Null)
        .await;
    assert_eq!(on_b["notes"], "Bob collects on Friday", "{on_b}");
    let phone_on_hub = hub
        .ok(
            "GET",
            &format!("/v1/products/{}", map[&product]),
            Value::Null,
        )
        .await;
    assert_eq!(phone_on_hub["name"], "Phone 7");

    // Nothing doubled on the hub, and every desk equals it once written in its ids.
    let count = |v: Value, key: &str| v[key].as_array().unwrap().len();
    assert_eq!(
        count(
            hub.ok("GET", "/v1/orders?limit=100", Value::Null).await,
            "orders"
        ),
        2
    );
    assert_eq!(
        count(
            hub.ok("GET", "/v1/subscriptions?limit=100", Value::Null)
                .await,
            "rentals"
        ),
        2
    );
    assert_converged_through_ids(&hub, &[&a, &b]).await;
}

#[tokio::test]
async fn against_a_remote_with_its_own_ids_a_serial_activated_on_two_desks_an_upgrade_and_a_billing_group_converge(
) {
    let dir = tempfile::tempdir().unwrap();
    let hub = Node::new_with(dir.path(), "hub", &reserve_port(), &["--own-ids"]).await;
    add_laptops(
        &hub,
        &[
            json!({"variantSku": "LAP-32", "variantName": "32 GB", "grade": "A", "listPrice": 1600,
                 "acquisitionCost": 1200, "pricing": {"12": 69, "24": 59}}),
        ],
    )
    .await;
    let a = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    let b = Node::new(dir.path(), "desk-b", "127.0.0.1:0").await;
    a.sync_with(&hub);
    b.sync_with(&hub);
    for d in [&a, &b] {
        assert_eq!(d.sync().await["state"], "online");
    }
    for (serial, sku) in [
        ("DA-1", "LAP-16"),
        ("DA-2", "LAP-16"),
        ("DA-3", "LAP-32"),
        ("DA-4", "LAP-16"),
    ] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": serial, "sku": sku}),
        )
        .await;
    }
    sync_out(&a).await;
    b.sync().await;

    // Both desks lose the hub; both rent out DA-1.
    a.go_offline(&hub).await;
    b.go_offline(&hub).await;
    let (order_a, cust_a) = new_order(&a, "anna@example.com").await;
    let (s, v) = activate(&a, &order_a, &cust_a, "DA-1").await;
    assert_eq!(s, 201, "{v}");
    let rental_a = v["rental"]["rentalId"].as_str().unwrap().to_string();
    let (order_b, cust_b) = new_order(&b, "bart@example.com").await;
    let (s, v) = activate(&b, &order_b, &cust_b, "DA-1").await;
    assert_eq!(s, 201, "{v}");
    let rental_b = v["rental"]["rentalId"].as_str().unwrap().to_string();
    // A also rents Anna a second laptop, upgrades it to 32 GB, and puts both her devices in one
    // billing group.
    let o = a
        .ok(
            "POST",
            "/v1/orders",
            json!({"customer": {"email": "anna@example.com", "firstName": "Kim", "lastName": "anna"},
                   "billingAddress": {"contactName": "Kim", "streetAddress": "Dam 1", "city": "Amsterdam", "postalCode": "1012 JS", "country": "Netherlands"},
                   "items": [{"sku": "LAP-16", "quantity": 1, "contractLength": 24}]}),
        )
        .await;
    let order_a2 = o["orderId"].as_str().unwrap().to_string();
    a.ok("POST", &format!("/v1/orders/{order_a2}/confirm"), json!({}))
        .await;
    let (s, v) = activate(&a, &order_a2, &cust_a, "DA-4").await;
    assert_eq!(s, 201, "{v}");
    let rental_a2 = v["rental"]["rentalId"].as_str().unwrap().to_string();
    let up = a
        .ok(
            "POST",
            &format!("/v1/subscriptions/{rental_a2}/upgrade"),
            json!({"newSku": "LAP-32", "newSerialNumber": "DA-3", "contractLength": 12}),
        )
        .await;
    let upgraded = up["newRentalId"].as_str().unwrap().to_string();
    let g = a
        .ok(
            "POST",
            "/v1/billing-groups",
            json!({"customerId": cust_a, "groupName": "Anna's devices", "billingDay": 1, "rentalIds": [rental_a, upgraded]}),
        )
        .await;
    let group = g["billingGroup"]["billingGroupId"]
        .as_str()
        .unwrap()
        .to_string();

    // Back online: A lands first; B's activation of DA-1 is refused.
    a.sync_with(&hub);
    sync_out(&a).await;
    let map_a = ids(&a);
    for id in [&order_a, &cust_a, &rental_a, &rental_a2, &upgraded, &group] {
        assert!(map_a.contains_key(id.as_str()), "{id} in {map_a:?}");
    }
    b.sync_with(&hub);
    b.sync().await;
    assert_eq!(b.counts().await, (Some(0), Some(1)));
    let conflicts = b.rpc("sync.conflicts", json!({})).await;
    let c = &conflicts[0];
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    assert_eq!(
        c["theirs"]["asset:DA-1"]["rentalId"],
        map_a[&rental_a].as_str(),
        "B sees the hub's subscription of DA-1: {c}"
    );
    // B rents out DA-2 instead; the new activation gets the hub's id too.
    let resolved = b
        .rpc(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "other_serial", "serialNumber": "DA-2"}),
        )
        .await;
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    sync_out(&b).await;
    a.sync().await;
    b.sync().await;
    for n in [&a, &b] {
        assert_eq!(n.counts().await, (Some(0), Some(0)));
    }
    let map_b = ids(&b);
    let subs = hub.all("/v1/subscriptions", "rentals", "rentalId").await;
    assert_eq!(subs.len(), 4, "A's two, the upgrade, B's on DA-2: {subs:?}");
    assert!(subs.iter().all(|s| s["rentalId"] != rental_b.as_str()
        && Some(&s["rentalId"]) != map_b.get(&rental_b).map(|r| json!(r)).as_ref()));
    let on_da2 = subs
        .iter()
        .find(|s| s["assetSerialNumber"] == "DA-2")
        .unwrap();
    assert_eq!(on_da2["customerId"], map_b[&cust_b].as_str());
    // The group's payments are consolidated on the hub under its own ids, and on the desks.
    let pays = hub
        .ok(
            "GET",
            &format!(
                "/v1/payments?billingGroupId={}&changedSince=",
                map_a[&group]
            ),
            Value::Null,
        )
        .await;
    assert!(
        pays["payments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["paymentType"] == "consolidated"),
        "{pays}"
    );
    assert_converged_through_ids(&hub, &[&a, &b]).await;
}
