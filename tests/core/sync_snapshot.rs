//! A new desk's first pull from a hub: a copy of the unit's tables (`sync::snapshot`), then the
//! ordinary lists from the position the hub gave. A desk that already has records reads the
//! lists as before.

use crate::sync::{
    activate, add_laptops, assert_converged, first_payment, new_order, reserve_port, Node,
};
use serde_json::{json, Value};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;

/// A file's indexes (name and definition) and how many wait in `indexes_set_aside`.
async fn schema_of(db: &Path) -> (Vec<(String, String)>, i64) {
    let mut c = SqliteConnection::connect(&format!("sqlite:{}?mode=ro", db.display()))
        .await
        .unwrap();
    let ix = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let waiting = sqlx::query_scalar("SELECT count(*) FROM indexes_set_aside")
        .fetch_one(&mut c)
        .await
        .unwrap();
    (ix, waiting)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_desk_copies_the_hubs_tables_then_follows_its_changes_by_the_lists() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Node::new(dir.path(), "hub", &reserve_port()).await;
    // The hub's business: a product, stock, two customers with a subscription each (one
    // payment paid), a billing group, and one unit still on the shelf.
    add_laptops(&hub, &[]).await;
    let mut rentals = vec![];
    for (email, sn) in [("ida@x.example", "SN-1"), ("jo@x.example", "SN-2")] {
        hub.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "LAP-16"}),
        )
        .await;
        let (o, c) = new_order(&hub, email).await;
        let (s, r) = activate(&hub, &o, &c, sn).await;
        assert_eq!(s, 201, "{r}");
        rentals.push((c, r["rental"]["rentalId"].as_str().unwrap().to_string()));
    }
    hub.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "SN-3", "sku": "LAP-16"}),
    )
    .await;
    let p = first_payment(&hub, &rentals[0].1).await;
    hub.ok(
        "POST",
        &format!("/v1/payments/{p}/mark-paid"),
        json!({"paymentReference": "BANK-1"}),
    )
    .await;
    hub.ok(
        "POST",
        "/v1/billing-groups",
        json!({"customerId": rentals[1].0, "groupName": "Jo's devices", "billingDay": 1, "rentalIds": [rentals[1].1]}),
    )
    .await;

    // A new desk joins: its first pull is the copy, and it holds what the hub holds.
    let desk = Node::new(dir.path(), "desk", "127.0.0.1:0").await;
    desk.sync_with(&hub);
    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    let pull = &report["pull"];
    assert!(pull["copied"].as_u64().unwrap() >= 30, "{report}");
    assert_eq!(pull["problems"], json!([]), "{report}");
    assert_eq!(pull["read"], 0, "nothing changed since the copy: {report}");
    assert_converged(&[&hub, &desk]).await;
    // The lists' indexes, set aside while the new desk filled its tables, are all back.
    let (desk_ix, hub_ix) = (schema_of(&desk.db).await, schema_of(&hub.db).await);
    assert!(desk_ix.0.len() > 30, "{desk_ix:?}");
    assert_eq!(desk_ix, hub_ix);
    // The copy is the desk's own: its devices are found by serial, its search finds customers.
    let (s, a) = desk.v1("GET", "/v1/assets/SN-1", Value::Null).await;
    assert_eq!((s, a["status"].clone()), (200, json!("rented_out")), "{a}");
    let found = desk.ok("GET", "/v1/customers?q=ida", Value::Null).await;
    assert!(found.to_string().contains("ida@x.example"), "{found}");

    // What changes on the hub afterwards comes by the lists.
    let p2 = first_payment(&hub, &rentals[1].1).await;
    hub.ok(
        "POST",
        &format!("/v1/payments/{p2}/mark-paid"),
        json!({"paymentReference": "BANK-2"}),
    )
    .await;
    let report = desk.sync().await;
    assert_eq!(report["pull"]["copied"], 0, "{report}");
    assert!(report["pull"]["read"].as_u64().unwrap() >= 1, "{report}");
    assert_converged(&[&hub, &desk]).await;

    // A desk with records of its own reads the lists: nothing of it is overwritten by a copy.
    let other = Node::new(dir.path(), "other", "127.0.0.1:0").await;
    other
        .ok(
            "POST",
            "/v1/customers",
            json!({"email": "kim@x.example", "firstName": "Kim", "lastName": "Own"}),
        )
        .await;
    other.sync_with(&hub);
    let report = other.sync().await;
    assert_eq!(report["pull"]["copied"], 0, "{report}");
    assert!(report["pull"]["read"].as_u64().unwrap() > 0, "{report}");
}
