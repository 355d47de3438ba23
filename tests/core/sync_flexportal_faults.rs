//! Two desks and a webshop on one FlexPortal, with the connection cut after FlexPortal has
//! taken a write and before the desk hears so. FlexPortal keeps no `Idempotency-Key`, so each
//! retry first looks the change up by FlexPortal's natural keys: no write is taken twice and
//! everyone ends with the same business.

use crate::standin::StandIn;
use crate::sync::{activate, add_laptops, first_payment, Fault, FaultProxy, Node};
use crate::sync_flexportal::{order, point_at_url};
use serde_json::{json, Value};

/// Sync `desk` until nothing waits (each "Sync now" retries at once), at most `max` times.
async fn sync_until_settled(desk: &Node, max: usize) -> usize {
    for i in 1..=max {
        let report = desk.sync().await;
        let (waiting, conflicts) = desk.counts().await;
        assert_eq!(
            conflicts,
            Some(0),
            "{report}: {}",
            desk.rpc("sync.conflicts", json!({})).await
        );
        if waiting == Some(0) {
            return i;
        }
    }
    panic!("still waiting after {max} syncs: {}", desk.status().await);
}

/// A v1 list as rows of the given JSON pointers, sorted: what two sides compare on (their ids
/// differ; the business does not).
async fn rows(list: Value, key: &str, fields: &[&str]) -> Vec<Vec<Value>> {
    let mut out: Vec<Vec<Value>> = list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|o| {
            fields
                .iter()
                .map(|f| o.pointer(f).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect();
    out.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("|"));
    out
}

/// What a desk and FlexPortal must agree on, list by list.
const LISTS: &[(&str, &str, &[&str])] = &[
    (
        "/v1/customers?limit=100",
        "customers",
        &["/email", "/phone"],
    ),
    (
        "/v1/orders?limit=100",
        "orders",
        &["/customer/email", "/status", "/items/0/sku"],
    ),
    (
        "/v1/assets?limit=100",
        "assets",
        &["/serialNumber", "/status"],
    ),
    (
        "/v1/subscriptions?limit=100",
        "rentals",
        &[
            "/assetSerialNumber",
            "/status",
            "/contractLength",
            "/endDate",
        ],
    ),
    (
        "/v1/payments?limit=100",
        "payments",
        &["/dueDate", "/status", "/paymentReference"],
    ),
];

async fn business_of_desk(desk: &Node) -> Vec<Vec<Vec<Value>>> {
    let mut out = vec![];
    for (path, key, fields) in LISTS {
        out.push(rows(desk.ok("GET", path, Value::Null).await, key, fields).await);
    }
    out
}

async fn business_of_flexportal(fp: &StandIn) -> Vec<Vec<Vec<Value>>> {
    let mut out = vec![];
    for (path, key, fields) in LISTS {
        let (s, v) = fp.call("GET", path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        out.push(rows(v, key, fields).await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_and_a_webshop_reach_flexportal_through_cut_connections_without_a_duplicate() {
    let fp = StandIn::start().await;
    let proxy = FaultProxy::start(fp.url.clone(), std::time::Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let a = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    let b = Node::new(dir.path(), "desk-b", "127.0.0.1:0").await;
    point_at_url(&a, &fp, &proxy.url);
    point_at_url(&b, &fp, &proxy.url);

    // Desk A's morning: the product, two orders with new customers, two serials in, one
    // activation, its first payment paid, an extension, a cancelled order, an edited customer:
    // ten writes for FlexPortal (the confirmation stays on the desk, the new customers travel
    // in their orders).
    add_laptops(&a, &[]).await;
    let (o1, ann) = order(&a, "ann@x.example", "Ann").await;
    let (o2, _ben) = order(&a, "ben@x.example", "Ben").await;
    for sn in ["FA-1", "FA-2"] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "LAP-16"}),
        )
        .await;
    }
    a.ok("POST", &format!("/v1/orders/{o1}/confirm"), json!({}))
        .await;
    let (s, r1) = activate(&a, &o1, &ann, "FA-1").await;
    assert_eq!(s, 201, "{r1}");
    let r1 = r1["rental"]["rentalId"].as_str().unwrap().to_string();
    let p1 = first_payment(&a, &r1).await;
    a.ok(
        "POST",
        &format!("/v1/payments/{p1}/mark-paid"),
        json!({"paymentReference": "BANK-1"}),
    )
    .await;
    a.ok(
        "POST",
        &format!("/v1/subscriptions/{r1}/extend"),
        json!({"extensionMonths": 12}),
    )
    .await;
    a.ok(
        "POST",
        &format!("/v1/orders/{o2}/cancel"),
        json!({"reason": "Changed their mind"}),
    )
    .await;
    a.ok(
        "PUT",
        &format!("/v1/customers/{ann}"),
        json!({"customerId": ann, "phone": "+31 6 1234 5678"}),
    )
    .await;

    // Every write's first attempt is cut after FlexPortal committed it.
    proxy.script_writes(&[Fault::CutAfterCommit; 10]);
    let syncs = sync_until_settled(&a, 40).await;
    assert!(syncs > 5, "the cuts made the desk retry ({syncs} syncs)");
    assert!(
        proxy.writes.lock().unwrap().is_empty(),
        "every cut was used"
    );

    // Desk B joins: it pulls A's day from FlexPortal, then takes its own order in, activates
    // it and takes the unit back early.
    b.sync().await;
    let (o3, cas) = order(&b, "cas@x.example", "Cas").await;
    b.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "FB-1", "sku": "LAP-16"}),
    )
    .await;
    b.ok("POST", &format!("/v1/orders/{o3}/confirm"), json!({}))
        .await;
    let (s, r3) = activate(&b, &o3, &cas, "FB-1").await;
    assert_eq!(s, 201, "{r3}");
    let r3 = r3["rental"]["rentalId"].as_str().unwrap().to_string();
    b.ok(
        "POST",
        &format!("/v1/subscriptions/{r3}/early-return"),
        json!({"returnCondition": "good", "reason": "Moving abroad"}),
    )
    .await;
    proxy.script_writes(&[Fault::CutAfterCommit; 4]);
    sync_until_settled(&b, 20).await;

    // The same device rented at both desks: A's activation reaches FlexPortal first; B, which
    // has not read FlexPortal since, rents it too. The one real conflict, at B, which then
    // activates its order with another serial. B's background loop reads FlexPortal once after
    // its cut connections are behind it (then hourly): that read is waited for (at most 6 s; it
    // may have come already).
    let read_at = b.status().await["lastPullAt"].clone();
    for _ in 0..60 {
        if b.status().await["lastPullAt"] != read_at {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (o5, eve) = order(&a, "eve@x.example", "Eve").await;
    a.ok("POST", &format!("/v1/orders/{o5}/confirm"), json!({}))
        .await;
    let (s, v) = activate(&a, &o5, &eve, "FA-2").await;
    assert_eq!(s, 201, "{v}");
    sync_until_settled(&a, 3).await;
    let (o6, fay) = order(&b, "fay@x.example", "Fay").await;
    b.ok("POST", &format!("/v1/orders/{o6}/confirm"), json!({}))
        .await;
    let (s, v) = activate(&b, &o6, &fay, "FA-2").await;
    assert_eq!(s, 201, "{v}");
    b.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "FB-2", "sku": "LAP-16"}),
    )
    .await;
    b.sync().await;
    assert_eq!(b.counts().await, (Some(0), Some(1)));
    let conflicts = b.rpc("sync.conflicts", json!({})).await;
    let c = &conflicts[0];
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    let resolved = b
        .rpc(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "other_serial", "serialNumber": "FB-2"}),
        )
        .await;
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    sync_until_settled(&b, 3).await;

    // The webshop sells one more laptop on FlexPortal.
    fp.webshop_order("dee@shop.example", "Dee").await;
    sync_until_settled(&a, 3).await;
    sync_until_settled(&b, 3).await;

    // Each write was taken once: a retry that found its change on FlexPortal sent nothing.
    let mut taken: Vec<String> = fp
        .seen()
        .into_iter()
        .filter(|s| s.is_write() && s.taken())
        .filter_map(|s| s.operation)
        .collect();
    taken.sort();
    let mut want = vec![
        "createProduct",
        "createOrder",
        "createOrder",
        "createOrder",
        "createOrder", // the webshop's
        "createOrder", // Eve's, at A
        "createOrder", // Fay's, at B
        "createAsset",
        "createAsset",
        "createAsset",
        "createAsset", // FB-2
        "createSubscription",
        "createSubscription",
        "createSubscription", // FA-2 at A
        "createSubscription", // FB-2 at B, after the conflict
        "markPaymentPaid",
        "extendSubscription",
        "cancelOrder",
        "earlyReturnSubscription",
        // A PUT leaves the same state when sent again, so a cut one is sent again.
        "updateCustomer",
        "updateCustomer",
    ];
    want.sort();
    assert_eq!(taken, want);
    // One write refused: B's activation of the device A had rented first.
    let refused: Vec<_> = fp
        .seen()
        .into_iter()
        .filter(|s| s.is_write() && !s.taken())
        .collect();
    assert_eq!(refused.len(), 1, "refused: {refused:#?}");
    assert_eq!(
        (refused[0].operation.as_deref(), refused[0].code.as_deref()),
        (Some("createSubscription"), Some("ASSET_NOT_AVAILABLE")),
        "{refused:#?}"
    );

    // FlexPortal, desk A and desk B hold the same business.
    let theirs = business_of_flexportal(&fp).await;
    assert_eq!(
        theirs[0],
        vec![
            vec![json!("ann@x.example"), json!("+31 6 1234 5678")],
            vec![json!("ben@x.example"), Value::Null],
            vec![json!("cas@x.example"), Value::Null],
            vec![json!("dee@shop.example"), Value::Null],
            vec![json!("eve@x.example"), Value::Null],
            vec![json!("fay@x.example"), Value::Null],
        ],
        "one customer each, none twice"
    );
    assert_eq!(theirs[1].len(), 6, "{:?}", theirs[1]);
    assert_eq!(theirs[3].len(), 4, "{:?}", theirs[3]);
    assert_eq!(business_of_desk(&a).await, theirs, "desk A");
    assert_eq!(business_of_desk(&b).await, theirs, "desk B");
}
