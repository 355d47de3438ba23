//! The `flexdesk` command line as a script uses it: create a database, a business unit and a key
//! (each printing its id or key as the last line), then serve and call the v1 API.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn flexdesk(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run flexdesk");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or("").trim().to_string()
}

#[tokio::test]
async fn a_script_starts_from_nothing_with_the_cli_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let (ok, out, err) = flexdesk(
        &db,
        &[
            "bu",
            "create",
            "--name",
            "FlexRent NL",
            "--currency",
            "EUR",
            "--tax-rate",
            "21",
        ],
    );
    assert!(ok, "{err}");
    let bu = last_line(&out);
    assert!(bu.starts_with("bu_"), "the id is the last line: {out}");
    let (ok, _, err) = flexdesk(
        &db,
        &["bu", "create", "--name", "Bad", "--currency", "EURO"],
    );
    assert!(
        !ok && err.contains("VALIDATION_ERROR"),
        "bad input fails with the code: {err}"
    );
    let (ok, out, err) = flexdesk(
        &db,
        &["keys", "create", "--tenant", &bu, "--name", "webshop"],
    );
    assert!(ok, "{err}");
    let key = last_line(&out);
    assert!(key.starts_with("pk_live_"));

    let mut child = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "serve prints its URL: {url}"
    );
    let http = reqwest::Client::new();
    let created = http.post(format!("{url}/v1/customers")).bearer_auth(&key).header("Tenant-ID", &bu)
        .json(&serde_json::json!({"email": "emma@x.example", "firstName": "Emma", "lastName": "de Vries"})).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let list: serde_json::Value = http
        .get(format!("{url}/v1/customers"))
        .bearer_auth(&key)
        .header("Tenant-ID", &bu)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["customers"][0]["email"], "emma@x.example");
    child.kill().unwrap();
    let _ = child.wait();

    let (ok, out, _) = flexdesk(&db, &["keys", "list", "--tenant", &bu]);
    assert!(ok && out.contains("webshop"));
}

#[tokio::test]
async fn the_demo_business_loads_once_into_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (ok, out, err) = flexdesk(&db, &["demo"]);
    assert!(ok, "{err}");
    assert_eq!(last_line(&out), "demo data loaded");
    let (_, out, _) = flexdesk(&db, &["demo"]);
    assert_eq!(last_line(&out), "database not empty; nothing loaded");
    let (_, out, _) = flexdesk(&db, &["bu", "list"]);
    assert!(
        out.contains("EUR") && out.contains("USD"),
        "two business units: {out}"
    );
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    let assets: i64 = sqlx::query_scalar("SELECT count(*) FROM assets")
        .fetch_one(&pool)
        .await
        .unwrap();
    let categories: i64 = sqlx::query_scalar("SELECT count(DISTINCT category) FROM products")
        .fetch_one(&pool)
        .await
        .unwrap();
    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM orders ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    let types: i64 = sqlx::query_scalar("SELECT count(DISTINCT customer_type) FROM customers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(assets >= 300, "a few hundred assets, got {assets}");
    assert_eq!(categories, 5, "laptops, phones, e-bikes, chairs, strollers");
    assert_eq!(
        statuses,
        vec!["cancelled", "confirmed", "fulfilled", "partial", "pending"],
        "orders in every status"
    );
    let sub_statuses: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT status FROM subscriptions ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    for s in ["active", "cancelled", "ended_buyout", "ended_early_return"] {
        assert!(
            sub_statuses.iter().any(|x| x == s),
            "a {s} subscription in the demo: {sub_statuses:?}"
        );
    }
    let pay: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM payments ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(pay, vec!["cancelled", "failed", "paid", "pending"]);
    // The demo is made as of the desk's (pinned) today, not SQLite's date('now').
    let today = crate::support::pinned_today();
    let overdue: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payments WHERE status IN ('pending', 'failed') AND due_date < ?",
    )
    .bind(&today)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(overdue > 0, "some payments are overdue");
    assert_eq!(types, 2, "individual and business customers");
    let tiers: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT contract_length FROM pricing_tiers ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(tiers, vec![6, 12, 24, 36]);
    // Month end is done: a billing group with consolidated invoices (some paid), every due
    // payment invoiced, and one credit note.
    let groups: i64 = sqlx::query_scalar("SELECT count(*) FROM billing_groups")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(groups, 1);
    let consolidated: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT status FROM payments WHERE payment_type = 'consolidated' AND invoice_id IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        consolidated.contains(&"paid".to_string()),
        "{consolidated:?}"
    );
    let uninvoiced: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled' AND invoice_date <= ?")
        .bind(&today)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(uninvoiced, 0, "every due payment is invoiced");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT kind FROM invoices ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(kinds, vec!["credit_note", "invoice"]);
}

#[tokio::test]
async fn processes_opening_one_new_file_at_once_all_succeed_and_set_it_up_once() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(format!("shared-{round}.db"));
        let children: Vec<_> = (0..6)
            .map(|_| {
                crate::support::flexdesk_bin()
                    .arg("--db")
                    .arg(&db)
                    .args(["bu", "list"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let core = flexdesk::Core::open(&db, flexdesk::clock::FixedClock::at_date(2026, 3, 1))
            .await
            .unwrap();
        let count = |sql: &'static str| {
            let pool = core.db.pool().clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            count("SELECT count(*) FROM desk").await,
            1,
            "one desk identity"
        );
        assert_eq!(
            count("SELECT count(*) FROM users WHERE role = 'admin'").await,
            1,
            "one administrator, created once"
        );
        core.db.close().await;
    }
}

#[tokio::test]
async fn flexdesk_today_pins_the_calendar_and_a_bad_value_stops_the_start_changing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("leap.db");
    let out = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(&db)
        .args(["bu", "create", "--name", "Leap day", "--currency", "EUR"])
        .env(flexdesk::clock::TODAY_ENV, "2028-02-29")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("pinned to 2028-02-29"), "{err}");
    let id = last_line(&String::from_utf8_lossy(&out.stdout));
    let core = flexdesk::Core::open(&db, flexdesk::clock::FixedClock::at_date(2026, 3, 1))
        .await
        .unwrap();
    let bu = flexdesk::services::business_units::get(&core.db, &id)
        .await
        .unwrap();
    assert!(
        bu.created_at.starts_with("2028-02-29T12:00:"),
        "made at {} on a desk pinned to 2028-02-29",
        bu.created_at
    );

    for bad in ["2027-02-29", "31-01-2027", "2027-1-31", "tomorrow"] {
        let fresh = dir.path().join(format!("bad-{bad}.db"));
        for args in [
            &["bu", "list"][..],
            &["serve", "--listen", "127.0.0.1:0"][..],
        ] {
            let out = crate::support::flexdesk_bin()
                .arg("--db")
                .arg(&fresh)
                .args(args)
                .env(flexdesk::clock::TODAY_ENV, bad)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{bad} {args:?} was accepted");
            assert!(
                err.contains(&format!("FLEXDESK_TODAY is '{bad}'"))
                    && err.contains("YYYY-MM-DD")
                    && err.contains("VALIDATION_ERROR"),
                "{bad} {args:?}: {err}"
            );
            assert!(
                out.stdout.is_empty(),
                "{bad} {args:?} printed {:?}",
                out.stdout
            );
            assert!(!fresh.exists(), "{bad} {args:?} made the database");
        }
    }
}
