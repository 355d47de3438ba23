//! Addresses an administrator types (webhook endpoints, sync remotes) reach only what
//! `net::guard` allows unless the administrator confirms them: never this computer or a
//! link-local address (the cloud metadata service), and plain http only on private networks. The
//! rule holds when saving and again when connecting, so an unconfirmed address saved before, or
//! a name that points here, reaches nothing.

use crate::support::TestCore;
use crate::webhooks::{deliveries, ping, Receiver};
use flexdesk::services::webhooks::{self, EndpointInput};
use flexdesk::webhooks::{deliver_due, Policy};

async fn save(t: &TestCore, input: EndpointInput) -> flexdesk::error::Result<webhooks::Endpoint> {
    webhooks::save_endpoint(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        &t.bu.id,
        input,
    )
    .await
}

fn at(url: &str) -> EndpointInput {
    EndpointInput {
        url: Some(url.into()),
        events: Some(vec!["*".into()]),
        ..Default::default()
    }
}

async fn endpoints(t: &TestCore) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_webhook_to_this_computer_link_local_or_plain_http_on_the_internet_needs_confirmation() {
    let t = TestCore::new().await;
    let receiver = Receiver::default();
    let here = receiver.start().await;
    let port = here
        .split(':')
        .nth(2)
        .unwrap()
        .trim_end_matches("/hook")
        .to_string();
    for (url, says) in [
        (here.as_str(), "this computer"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]:9/hook", "this computer"),
        ("http://8.8.8.8/hook", "use https://"),
        (&format!("http://localhost:{port}/hook"), "this computer"),
    ] {
        let e = save(&t, at(url)).await.unwrap_err();
        assert_eq!(e.code.as_str(), "VALIDATION_ERROR", "{url}");
        assert_eq!(
            (e.details[0].path.as_str(), e.details[0].code.as_str()),
            ("url", "confirm_address"),
            "{url}"
        );
        assert!(e.message.contains(says), "{url}: {}", e.message);
    }
    assert_eq!(endpoints(&t).await, 0, "nothing was saved");
    // The LAN over http and the internet over https need nobody's word.
    for url in ["http://192.168.1.20:8080/hook", "https://8.8.8.8/hook"] {
        assert!(!save(&t, at(url)).await.unwrap().address_confirmed, "{url}");
    }

    // Confirmed, it is saved and reached; the same URL keeps its confirmation when edited.
    let ep = save(
        &t,
        EndpointInput {
            allow_address: Some(true),
            ..at(&here)
        },
    )
    .await
    .unwrap();
    assert!(ep.address_confirmed);
    let edited = save(
        &t,
        EndpointInput {
            id: Some(ep.id.clone()),
            description: Some("Till printer".into()),
            ..at(&here)
        },
    )
    .await
    .unwrap();
    assert!(edited.address_confirmed);
    ping(&t, &ep.id).await;
    let policy = Policy::default();
    let clients = flexdesk::webhooks::client(&policy);
    deliver_due(&t.core, &clients, &policy).await.unwrap();
    assert_eq!(receiver.got().len(), 1);
    // Another URL is asked about again.
    let e = save(
        &t,
        EndpointInput {
            id: Some(ep.id.clone()),
            ..at(&format!("http://localhost:{port}/other"))
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].code, "confirm_address");
}

#[tokio::test]
async fn an_unconfirmed_address_on_this_computer_is_not_reached_when_sending_by_address_or_by_name()
{
    let t = TestCore::new().await;
    let receiver = Receiver::default();
    let here = receiver.start().await;
    let by_name = here.replace("127.0.0.1", "localhost");
    let policy = Policy::default();
    let clients = flexdesk::webhooks::client(&policy);
    for (url, says) in [(&here, "is this computer"), (&by_name, "is this computer")] {
        // Saved confirmed, then unconfirmed in the file (as an address saved before the rule).
        let ep = save(
            &t,
            EndpointInput {
                allow_address: Some(true),
                ..at(url)
            },
        )
        .await
        .unwrap();
        sqlx::query("UPDATE webhook_endpoints SET address_confirmed = 0 WHERE id = ?")
            .bind(&ep.id)
            .execute(t.core.db.pool())
            .await
            .unwrap();
        ping(&t, &ep.id).await;
        deliver_due(&t.core, &clients, &policy).await.unwrap();
        let d = deliveries(&t, &ep.id).await.remove(0);
        let error = d.last_error.clone().unwrap_or_default();
        assert!(error.contains(says), "{url}: {d:?}");
        assert_eq!(d.last_status, None, "{url}: no request was made");
    }
    assert!(receiver.got().is_empty(), "the receiver heard nothing");
}

#[tokio::test]
async fn a_sync_remote_on_this_computer_needs_allow_address_and_an_unconfirmed_one_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let hub = crate::sync::Node::new(dir.path(), "hub", "127.0.0.1:0").await;
    crate::sync::add_laptops(&hub, &[]).await;
    let desk = crate::sync::Node::new(dir.path(), "desk", "127.0.0.1:0").await;
    let secrets = dir.path().join("secrets");
    let set = |extra: &[&str]| {
        crate::support::flexdesk_bin()
            .arg("--db")
            .arg(&desk.db)
            .args(["remote", "set", "--tenant", &desk.bu, "--url", &hub.url])
            .args(["--remote-tenant", &hub.bu])
            .args(extra)
            .env("FLEXDESK_REMOTE_KEY", &hub.key)
            .env("FLEXDESK_KEYRING", "off")
            .env("FLEXDESK_SECRET_DIR", &secrets)
            .output()
            .unwrap()
    };
    let out = set(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is this computer"), "{err}");
    assert!(desk.rpc("sync.remote", serde_json::json!({})).await["remote"].is_null());

    assert!(set(&["--allow-address"]).status.success());
    let r = desk.sync().await;
    assert_eq!(r["state"], "online", "{r}");

    // Unconfirmed in the file: the desk sends nothing and says why.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", desk.db.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE sync_remotes SET address_confirmed = 0")
        .execute(&pool)
        .await
        .unwrap();
    desk.ok(
        "POST",
        "/v1/assets",
        serde_json::json!({"serialNumber": "GUARD-1", "sku": "LAP-16"}),
    )
    .await;
    let r = desk.sync().await;
    assert!(r.to_string().contains("is this computer"), "{r}");
    assert!(!crate::sync::has_asset(&hub, "GUARD-1").await);
    // Allowed again, it arrives: what was refused was the address, not the change.
    sqlx::query("UPDATE sync_remotes SET address_confirmed = 1")
        .execute(&pool)
        .await
        .unwrap();
    desk.sync().await;
    assert!(crate::sync::has_asset(&hub, "GUARD-1").await);
}
