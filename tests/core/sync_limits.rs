//! Remotes at their limits. A hub whose database another writer holds past SQLite's wait
//! answers 503 `BUSY` with `Retry-After`, and the desk waits and sends again: nothing becomes a
//! conflict. A remote that answers too much, or pages in a circle, is not read on: the pass ends
//! with the reason and the desk stays usable.

use crate::sync::{hub_and_desks, Node};
use serde_json::{json, Value};
use sqlx::{Connection, SqliteConnection};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Hold the write lock of `node`'s database from this process for `hold` (as a long run on a
/// hub would), with one row written so it is a real write transaction.
async fn hold_write_lock(node: &Node, hold: std::time::Duration) -> tokio::task::JoinHandle<()> {
    let url = format!("sqlite:{}", node.db.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE business_units SET updated_at = updated_at")
        .execute(&mut conn)
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        sqlx::query("COMMIT").execute(&mut conn).await.unwrap();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_hub_asks_the_desk_to_come_back_and_the_change_arrives_without_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, _b) = hub_and_desks(dir.path()).await;
    a.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "BZ-1", "sku": "LAP-16"}),
    )
    .await;

    // While it is held the hub answers 503 BUSY with when to come back, to the desk pushing
    // and to anyone else; the desk's change waits and nothing is in its inbox.
    let held = hold_write_lock(&hub, std::time::Duration::from_secs(8)).await;
    let direct = async {
        reqwest::Client::new()
            .post(format!("{}/v1/assets", hub.url))
            .bearer_auth(&hub.key)
            .header("Tenant-ID", &hub.bu)
            .json(&json!({"serialNumber": "BZ-0", "sku": "LAP-16"}))
            .send()
            .await
            .unwrap()
    };
    let (report, r) = tokio::join!(a.sync(), direct);
    assert_eq!(r.status().as_u16(), 503);
    assert!(
        r.headers().get("retry-after").is_some(),
        "{:?}",
        r.headers()
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BUSY", "{body}");
    assert!(report["push"]["stopped"].is_string(), "{report}");
    assert_eq!(a.counts().await, (Some(1), Some(0)), "{}", a.status().await);
    held.await.unwrap();

    // Once the run is over the change goes through.
    let report = a.sync().await;
    assert_eq!(report["state"], "online", "{report}");
    assert_eq!(a.counts().await, (Some(0), Some(0)), "{}", a.status().await);
    let (s, got) = hub.v1("GET", "/v1/assets/BZ-1", Value::Null).await;
    assert_eq!(s, 200, "{got}");
    let (s, _) = hub.v1("GET", "/v1/assets/BZ-0", Value::Null).await;
    assert_eq!(s, 404, "the refused write changed nothing");
}

/// A remote whose every answer is `page` (counting the requests for the product list).
async fn remote_answering(page: String) -> (String, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let page = page.clone();
        let counter = counter.clone();
        async move {
            if uri.path().starts_with("/v1/products") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            ([("content-type", "application/json")], page)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn point_at(desk: &Node, url: &str) {
    crate::sync_flexportal::set_remote(desk, "hub", url, "T1", "pk_live_any");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_that_pages_in_a_circle_or_answers_too_much_is_not_read_on() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Node::new(dir.path(), "desk", "127.0.0.1:0").await;

    // Every list says there is more, always at the same cursor.
    let circle = json!({"products": [], "customers": [], "orders": [], "assets": [], "rentals": [],
        "payments": [], "billingGroups": [], "hasMore": true, "nextCursor": "again"});
    let (url, seen) = remote_answering(circle.to_string()).await;
    point_at(&desk, &url);
    let report = desk.sync().await;
    assert_eq!(report["state"], "offline", "{report}");
    let why = report["error"].as_str().unwrap_or_default();
    assert!(why.contains("same page again"), "{report}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "the second page showed the circle"
    );

    // One answer of 40 MiB.
    let filler = "x".repeat(40 * 1024 * 1024);
    let (url, _) = remote_answering(json!({"products": [], "filler": filler}).to_string()).await;
    point_at(&desk, &url);
    let report = desk.sync().await;
    assert_eq!(report["state"], "offline", "{report}");
    assert!(
        report["error"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than 32 MiB"),
        "{report}"
    );
    // The desk still works.
    desk.ok("GET", "/v1/products", Value::Null).await;
}

/// The suite's day moved on by `days`.
fn days_on(days: i64) -> String {
    let day =
        chrono::NaiveDate::parse_from_str(&crate::support::pinned_today(), "%Y-%m-%d").unwrap();
    (day + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_offline_more_than_thirty_days_ago_is_refused_and_retry_sends_it_as_of_now() {
    let dir = tempfile::tempdir().unwrap();
    let (mut hub, mut a, _b) = hub_and_desks(dir.path()).await;
    // Made while the hub is out of reach; both come back 40 days later.
    hub.stop();
    a.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "OLD-1", "sku": "LAP-16"}),
    )
    .await;
    for n in [&mut hub, &mut a] {
        n.stop();
        n.today = Some(days_on(40));
        n.start();
        n.sign_in().await;
    }
    a.sync().await;
    let conflict = crate::sync::open_conflict(&a).await;
    assert_eq!(conflict["code"], "OP_TOO_OLD", "{conflict}");
    assert!(
        conflict["message"]
            .as_str()
            .unwrap()
            .contains("more than 30 days ago"),
        "{conflict}"
    );
    assert!(
        !crate::sync::has_asset(&hub, "OLD-1").await,
        "nothing was written on the hub"
    );

    // Retry: sent as of now, and the hub keeps today's time.
    a.resolve(&conflict, "retry").await;
    a.sync().await;
    assert_eq!(a.counts().await, (Some(0), Some(0)));
    let made: String =
        sqlx::query_scalar("SELECT created_at FROM assets WHERE serial_number = 'OLD-1'")
            .fetch_one(
                &sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", hub.db.display()))
                    .await
                    .unwrap(),
            )
            .await
            .unwrap();
    assert!(made.starts_with(&days_on(40)), "{made}");
}

#[tokio::test]
async fn a_desks_op_made_within_thirty_days_keeps_its_time_and_an_older_one_is_refused_whatever_is_resent(
) {
    let t = crate::support::TestCore::new().await;
    let desk = t.key_for("desks", "sync").await;
    let server = crate::support::serve(&t).await;
    t.laptop("LAP-16").await;
    let post = |serial: &str, op: &str, at: &str| {
        reqwest::Client::new()
            .post(format!("{}/v1/assets", server.url()))
            .bearer_auth(&desk)
            .header("Tenant-ID", &t.bu.id)
            .header("Idempotency-Key", op)
            .header("FlexDesk-Origin", "DESK7")
            .header("FlexDesk-Op-At", at)
            .json(&json!({"serialNumber": serial, "sku": "LAP-16"}))
            .send()
    };
    // The core stands at 2026-01-15: thirty days back is 2025-12-16 (a year end between).
    let r = post("AT-1", "op_at_1", "2025-12-16T12:00:00Z")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let r = post("AT-2", "op_at_2", "2025-12-15T23:00:00Z")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "OP_TOO_OLD", "{v}");
    assert_eq!(v["error"]["details"][0]["path"], "FlexDesk-Op-At", "{v}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE serial_number = 'AT-2'")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A change applied before is answered as it was, however old its time now is.
    t.clock.advance(chrono::Duration::days(45));
    let r = post("AT-1", "op_at_1", "2025-12-16T12:00:00Z")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["alreadyApplied"], true, "{v}");
}
