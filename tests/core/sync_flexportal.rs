//! Sync with FlexPortal itself: a desk (a `flexdesk serve` process) set to a FlexPortal remote,
//! against the stand-in that is as strict as FlexPortal's published contract (`standin`).

use crate::standin::StandIn;
use crate::sync::{add_laptops, cli, first_payment, Node};
use serde_json::{json, Value};

/// Point `desk` at the stand-in as a FlexPortal remote.
fn point_at(desk: &Node, fp: &StandIn) {
    point_at_url(desk, fp, &fp.url);
}

/// Point `desk` at the stand-in as a FlexPortal remote reached at `url` (a proxy in front of it).
pub(crate) fn point_at_url(desk: &Node, fp: &StandIn, url: &str) {
    set_remote(desk, "flexportal", url, &fp.tenant, &fp.key);
}

/// `flexdesk remote set` for `desk`: a remote of `kind` at `url`, its tenant and key.
pub(crate) fn set_remote(desk: &Node, kind: &str, url: &str, tenant: &str, key: &str) {
    let secrets = desk.db.with_file_name("secrets");
    cli(
        &desk.db,
        &[
            ("FLEXDESK_REMOTE_KEY", key),
            ("FLEXDESK_KEYRING", "off"),
            ("FLEXDESK_SECRET_DIR", secrets.to_str().unwrap()),
        ],
        &[
            "remote",
            "set",
            "--tenant",
            &desk.bu,
            "--kind",
            kind,
            "--url",
            url,
            "--remote-tenant",
            tenant,
            "--pull-every",
            "3600",
            // The tests' remotes run on this computer.
            "--allow-address",
        ],
    );
}

/// An order for a new customer (no confirmation: FlexPortal has none).
pub(crate) async fn order(desk: &Node, email: &str, first: &str) -> (String, String) {
    let o = desk
        .ok(
            "POST",
            "/v1/orders",
            json!({"customer": {"email": email, "firstName": first, "lastName": "Visser"},
                   "billingAddress": {"contactName": first, "streetAddress": "Dam 1", "city": "Amsterdam", "postalCode": "1012 JS", "country": "Netherlands"},
                   "items": [{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]}),
        )
        .await;
    (
        o["orderId"].as_str().unwrap().to_string(),
        o["order"]["customer"]["customerId"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// Confirm these orders at the desk (kept on the desk for FlexPortal).
pub(crate) async fn confirm(desk: &Node, orders: &[&String]) {
    for o in orders {
        desk.ok("POST", &format!("/v1/orders/{o}/confirm"), json!({}))
            .await;
    }
}

/// Take these serials of LAP-16 in on shelf 2.
pub(crate) async fn take_in(desk: &Node, serials: &[&str]) {
    for sn in serials {
        desk.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "LAP-16", "location": "Shelf 2"}),
        )
        .await;
    }
}

/// The stand-in's list as (its key, a few fields), sorted.
async fn listed(fp: &StandIn, path: &str, key: &str, fields: &[&str]) -> Vec<Vec<Value>> {
    let (s, v) = fp.call("GET", path, None).await;
    assert_eq!(s, 200, "{path}: {v}");
    let mut out: Vec<Vec<Value>> = v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| fields.iter().map(|f| o[*f].clone()).collect())
        .collect();
    out.sort_by_key(|r| r.iter().map(Value::to_string).collect::<Vec<_>>().join("|"));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_day_at_one_desk_reaches_flexportal_whole_and_the_webshops_order_comes_back() {
    let fp = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let desk = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    point_at(&desk, &fp);

    // The day: a product, three orders with new customers (each confirmed), four serials in,
    // two activations, a payment paid, an extension, an early return, a cancelled order and an
    // edited customer.
    add_laptops(&desk, &[]).await;
    let (o1, ann) = order(&desk, "ann@x.example", "Ann").await;
    let (o2, ben) = order(&desk, "ben@x.example", "Ben").await;
    let (o3, _cas) = order(&desk, "cas@x.example", "Cas").await;
    let (o4, _dan) = order(&desk, "dan@x.example", "Dan").await;
    confirm(&desk, &[&o1, &o2, &o3, &o4]).await;
    take_in(&desk, &["FP-1", "FP-2", "FP-3", "FP-4"]).await;
    let r1 = crate::sync::activate(&desk, &o1, &ann, "FP-1").await;
    assert_eq!(r1.0, 201, "{}", r1.1);
    let r1 = r1.1["rental"]["rentalId"].as_str().unwrap().to_string();
    let r2 = crate::sync::activate(&desk, &o2, &ben, "FP-2").await;
    assert_eq!(r2.0, 201, "{}", r2.1);
    let r2 = r2.1["rental"]["rentalId"].as_str().unwrap().to_string();
    let p1 = first_payment(&desk, &r1).await;
    desk.ok(
        "POST",
        &format!("/v1/payments/{p1}/mark-paid"),
        json!({"paymentReference": "BANK-7"}),
    )
    .await;
    let pays = desk
        .ok(
            "GET",
            &format!("/v1/payments?rentalId={r1}&sortDir=asc"),
            Value::Null,
        )
        .await;
    let p2 = pays["payments"][1]["paymentId"]
        .as_str()
        .unwrap()
        .to_string();
    desk.ok(
        "POST",
        &format!("/v1/payments/{p2}/mark-failed"),
        json!({"reason": "Card declined"}),
    )
    .await;
    desk.ok(
        "POST",
        &format!("/v1/subscriptions/{r1}/extend"),
        json!({"extensionMonths": 12}),
    )
    .await;
    desk.ok(
        "POST",
        &format!("/v1/subscriptions/{r2}/early-return"),
        json!({"returnCondition": "good", "reason": "Moving abroad"}),
    )
    .await;
    desk.ok(
        "POST",
        &format!("/v1/orders/{o3}/cancel"),
        json!({"reason": "Changed their mind"}),
    )
    .await;
    desk.ok(
        "PUT",
        &format!("/v1/customers/{ann}"),
        json!({"customerId": ann, "phone": "+31 6 1234 5678"}),
    )
    .await;

    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");

    // Every write the desk sent was one of FlexPortal's operations, and each was taken.
    let writes: Vec<_> = fp.seen().into_iter().filter(|s| s.is_write()).collect();
    let refused: Vec<_> = writes.iter().filter(|s| !s.taken()).collect();
    assert!(refused.is_empty(), "refused writes: {refused:#?}");
    assert!(writes.iter().all(|s| s.operation.is_some()));
    let ops: Vec<&str> = writes
        .iter()
        .filter_map(|s| s.operation.as_deref())
        .collect();
    assert_eq!(
        ops,
        [
            "createProduct",
            "createOrder",
            "createOrder",
            "createOrder",
            "createOrder",
            "createAsset",
            "createAsset",
            "createAsset",
            "createAsset",
            "createSubscription",
            "createSubscription",
            "markPaymentPaid",
            "extendSubscription",
            "earlyReturnSubscription",
            "cancelOrder",
            "updateCustomer"
        ],
        "each of the day's writes once, in order"
    );
    let (waiting, conflicts) = desk.counts().await;
    assert_eq!(
        (waiting, conflicts),
        (Some(0), Some(0)),
        "{}",
        desk.status().await
    );

    // What FlexPortal has no operation for stayed here, and says so.
    let st = desk.status().await;
    assert_eq!(st["keptOnDesk"]["order.confirm"], 4, "{st}");
    assert_eq!(st["keptOnDesk"]["payment.mark_failed"], 1, "{st}");

    // FlexPortal holds the desk's day.
    assert_eq!(
        listed(&fp, "/v1/customers", "customers", &["email", "phone"]).await,
        vec![
            vec![json!("ann@x.example"), json!("+31 6 1234 5678")],
            vec![json!("ben@x.example"), Value::Null],
            vec![json!("cas@x.example"), Value::Null],
            vec![json!("dan@x.example"), Value::Null],
        ]
    );
    assert_eq!(
        listed(&fp, "/v1/assets", "assets", &["serialNumber", "status"]).await,
        vec![
            vec![json!("FP-1"), json!("rented_out")],
            vec![json!("FP-2"), json!("returned")],
            vec![json!("FP-3"), json!("available")],
            vec![json!("FP-4"), json!("available")],
        ]
    );
    assert_eq!(
        listed(
            &fp,
            "/v1/subscriptions",
            "rentals",
            &["assetSerialNumber", "status", "contractLength"]
        )
        .await,
        vec![
            vec![json!("FP-1"), json!("active"), json!(24)],
            vec![json!("FP-2"), json!("ended_early_return"), json!(12)],
        ]
    );
    let orders = listed(&fp, "/v1/orders", "orders", &["status"]).await;
    assert_eq!(
        orders,
        vec![
            vec![json!("cancelled")],
            vec![json!("fulfilled")],
            vec![json!("fulfilled")],
            vec![json!("pending")]
        ]
    );
    let (_, paid) = fp.call("GET", "/v1/payments?status=paid", None).await;
    let paid = paid["payments"].as_array().unwrap();
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(paid[0]["paymentReference"], "BANK-7");

    // A webshop's order on FlexPortal reaches the desk after one pull, with FlexPortal's ids.
    let shop = fp.webshop_order("dee@shop.example", "Dee").await;
    let shop_id = shop["orderId"].as_str().unwrap().to_string();
    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    // What was kept here stays after the pull, though FlexPortal still has it otherwise.
    let (_, o) = desk
        .v1("GET", &format!("/v1/orders/{o4}"), Value::Null)
        .await;
    assert_eq!(o["status"], "confirmed", "{o}");
    // Its number is the desk's: FlexPortal's order has none.
    assert!(o["orderNumber"].as_str().unwrap().starts_with("NL-"), "{o}");
    let p = desk
        .ok("GET", &format!("/v1/payments/{p2}"), Value::Null)
        .await;
    assert_eq!(p["payment"]["status"], "failed", "{p}");
    let (s, got) = desk
        .v1("GET", &format!("/v1/orders/{shop_id}"), Value::Null)
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["customer"]["email"], "dee@shop.example", "{got}");
}

/// Activation of an order FlexPortal still has as pending, where FlexPortal wants it confirmed:
/// the refusal says what to do (FlexPortal's dashboard), and a retry after that goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activation_flexportal_refuses_as_unconfirmed_says_to_confirm_in_its_dashboard_and_a_retry_goes_through(
) {
    let mut fp = StandIn::start().await;
    fp.require_confirmed_orders(true).await;
    let dir = tempfile::tempdir().unwrap();
    let desk = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    point_at(&desk, &fp);
    add_laptops(&desk, &[]).await;
    let (o1, ann) = order(&desk, "ann@x.example", "Ann").await;
    desk.ok("POST", &format!("/v1/orders/{o1}/confirm"), json!({}))
        .await;
    desk.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "FP-9", "sku": "LAP-16"}),
    )
    .await;
    let (s, v) = crate::sync::activate(&desk, &o1, &ann, "FP-9").await;
    assert_eq!(s, 201, "{v}");
    desk.sync().await;
    let all = desk.rpc("sync.conflicts", json!({})).await;
    let open: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "open")
        .collect();
    assert_eq!(open.len(), 1, "{all}");
    assert_eq!(open[0]["code"], "ORDER_NOT_CONFIRMED", "{}", open[0]);
    let msg = open[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("FlexPortal's dashboard") && msg.contains("Retry"),
        "{msg}"
    );

    let (_, orders) = fp.call("GET", "/v1/orders", None).await;
    let theirs = orders["orders"][0]["orderId"].as_str().unwrap().to_string();
    fp.confirm_in_dashboard(&theirs).await;
    // Resolving can throw a change away: not for another role than the change's author's.
    let sam = desk.person("Sam", "warehouse", "2580").await;
    let (status, refused) = desk
        .rpc_as(
            &sam,
            "sync.resolve",
            json!({"conflictId": open[0]["id"], "resolution": "keep_theirs"}),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("administrator"),
        "{refused}"
    );
    desk.rpc(
        "sync.resolve",
        json!({"conflictId": open[0]["id"], "resolution": "retry"}),
    )
    .await;
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{}",
        desk.status().await
    );
    let (_, subs) = fp.call("GET", "/v1/subscriptions", None).await;
    assert_eq!(subs["rentals"][0]["assetSerialNumber"], "FP-9", "{subs}");
}

/// `remote set` as a user runs it: the kind follows the address unless given, and a new address
/// needs the key again (the stored one was given for the old address).
#[tokio::test]
async fn a_remote_takes_its_kind_from_its_address_and_a_new_address_needs_the_key_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let bu = cli(
        &db,
        &[],
        &[
            "bu",
            "create",
            "--name",
            "Desk",
            "--currency",
            "EUR",
            "--code",
            "NL",
        ],
    );
    let secrets = dir.path().join("secrets");
    let env = |key: Option<&str>| {
        let mut cmd = crate::support::flexdesk_bin();
        cmd.arg("--db")
            .arg(&db)
            .env("FLEXDESK_KEYRING", "off")
            .env("FLEXDESK_SECRET_DIR", &secrets);
        if let Some(k) = key {
            cmd.env("FLEXDESK_REMOTE_KEY", k);
        }
        cmd
    };
    let set = |key: Option<&str>, url: &str, kind: Option<&str>| {
        let mut cmd = env(key);
        cmd.args([
            "remote",
            "set",
            "--tenant",
            &bu,
            "--url",
            url,
            "--remote-tenant",
            "T1",
        ]);
        if let Some(k) = kind {
            cmd.args(["--kind", k]);
        }
        cmd.output().unwrap()
    };
    let kind = || {
        let out = env(None)
            .args(["remote", "status", "--tenant", &bu])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["kind"].clone()
    };
    assert!(
        set(Some("pk_live_one"), "https://api-eu.flexportal.io", None)
            .status
            .success()
    );
    assert_eq!(kind(), "flexportal");
    // The same address without the key keeps the stored one; the kind can be given.
    assert!(set(None, "https://api-eu.flexportal.io", Some("hub"))
        .status
        .success());
    assert_eq!(kind(), "hub");
    // Another address without the key is refused, and nothing changes.
    let out = set(None, "http://192.168.1.20:8787", None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs its API key again"), "{err}");
    let out = env(None)
        .args(["remote", "status", "--tenant", &bu])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["baseUrl"], "https://api-eu.flexportal.io", "{v}");
    // With the key it is taken, as a hub (an address that is not FlexPortal's).
    assert!(set(Some("pk_hub_two"), "http://192.168.1.20:8787", None)
        .status
        .success());
    assert_eq!(kind(), "hub");
    let out = set(Some("pk_x"), "http://192.168.1.20:8787", Some("cloud"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("kind"));
}

/// The returns desk against FlexPortal, which has no completion or collection operation (its
/// dashboard records returns): both stay on this desk, counted as kept, and a pull does not undo
/// them. For a completion FlexPortal still says `active` with its device rented out; for a
/// collection after a cancel, the device still out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_returns_desk_keeps_completions_and_collections_here_through_a_pull() {
    let fp = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let desk = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    point_at(&desk, &fp);
    add_laptops(&desk, &[]).await;
    let (o1, ann) = order(&desk, "ann@x.example", "Ann").await;
    let (o2, ben) = order(&desk, "ben@x.example", "Ben").await;
    for (o, sn) in [(&o1, "FP-E1"), (&o2, "FP-E2")] {
        desk.ok("POST", &format!("/v1/orders/{o}/confirm"), json!({}))
            .await;
        desk.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "LAP-16"}),
        )
        .await;
    }
    // Ann's twelve months end today; Ben's start today.
    let start = chrono::NaiveDate::parse_from_str(&crate::support::pinned_today(), "%Y-%m-%d")
        .unwrap()
        - chrono::Months::new(12);
    let (s, r) = desk
        .v1(
            "POST",
            "/v1/subscriptions",
            json!({"orderId": o1, "customerId": ann, "assetSerialNumber": "FP-E1",
                   "startDate": start.to_string(), "contractLength": 12}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let rental = r["rental"]["rentalId"].as_str().unwrap().to_string();
    let (s, r2) = crate::sync::activate(&desk, &o2, &ben, "FP-E2").await;
    assert_eq!(s, 201, "{r2}");
    let r2 = r2["rental"]["rentalId"].as_str().unwrap().to_string();
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{}",
        desk.status().await
    );
    let writes_before = fp.seen().iter().filter(|s| s.is_write()).count();

    let got = desk
        .rpc(
            "returns.receive",
            json!({"serialNumber": "FP-E1", "returnCondition": "fair"}),
        )
        .await;
    assert_eq!(got["case"], "completion", "{got}");
    let report = desk.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{}",
        desk.status().await
    );
    assert_eq!(
        fp.seen().iter().filter(|s| s.is_write()).count(),
        writes_before,
        "nothing of a completion goes to FlexPortal"
    );
    let st = desk.status().await;
    assert_eq!(st["keptOnDesk"]["return.receive"], 1, "{st}");

    // FlexPortal still has it active; after a pull it stays completed here, its device back,
    // its schedule as the completion left it.
    let schedule = || async {
        let pays = desk
            .ok(
                "GET",
                &format!("/v1/payments?rentalId={rental}&limit=100"),
                Value::Null,
            )
            .await;
        pays["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["dueDate"].clone(), p["status"].clone()))
            .collect::<Vec<_>>()
    };
    let before = schedule().await;
    let (_, theirs) = fp
        .call("GET", "/v1/subscriptions?status=active", None)
        .await;
    assert_eq!(theirs["rentals"].as_array().unwrap().len(), 2, "{theirs}");
    let report = desk.sync().await;
    assert!(report["pull"]["read"].as_i64().unwrap_or(0) > 0, "{report}");
    let (_, here) = desk
        .v1("GET", &format!("/v1/subscriptions/{rental}"), Value::Null)
        .await;
    assert_eq!(here["status"], "ended_completed", "{here}");
    let (_, a) = desk.v1("GET", "/v1/assets/FP-E1", Value::Null).await;
    assert_ne!(a["status"], "rented_out", "{a}");
    assert_eq!(schedule().await, before);

    // Ben cancels (that goes to FlexPortal); the device is collected here.
    desk.ok(
        "POST",
        &format!("/v1/subscriptions/{r2}/cancel"),
        json!({"reason": "customer_request"}),
    )
    .await;
    let got = desk
        .rpc(
            "returns.receive",
            json!({"serialNumber": "FP-E2", "returnCondition": "good"}),
        )
        .await;
    assert_eq!(got["case"], "collection", "{got}");
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{}",
        desk.status().await
    );
    let last = fp.seen().into_iter().rfind(|s| s.is_write()).unwrap();
    assert_eq!(
        last.operation.as_deref(),
        Some("cancelSubscription"),
        "{last:?}"
    );
    assert_eq!(desk.status().await["keptOnDesk"]["return.receive"], 2);
    let (_, theirs) = fp.call("GET", "/v1/assets/FP-E2", None).await;
    assert_eq!(theirs["status"], "rented_out", "{theirs}");
    desk.sync().await;
    for sn in ["FP-E1", "FP-E2"] {
        let (_, a) = desk
            .v1("GET", &format!("/v1/assets/{sn}"), Value::Null)
            .await;
        assert_ne!(a["status"], "rented_out", "back here: {a}");
        assert!(a["rentalId"].is_null(), "{a}");
    }
}
