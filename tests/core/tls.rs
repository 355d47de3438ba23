//! A hub on a LAN speaks HTTPS (`serve --tls-cert --tls-key`) with a certificate of its own
//! (`flexdesk tls-cert`): a desk that trusts that certificate (`remote set --ca-cert`) syncs, one
//! that does not reaches nothing, and the session cookie is `Secure`.

use crate::sync::{add_laptops, cli, reserve_port, Node};
use serde_json::json;

fn set_remote(desk: &Node, hub: &Node, ca: Option<&std::path::Path>) {
    let secrets = desk.db.with_file_name("secrets");
    let mut args = vec![
        "remote",
        "set",
        "--tenant",
        &desk.bu,
        "--url",
        &hub.url,
        "--remote-tenant",
        &hub.bu,
        "--pull-every",
        "3600",
        "--allow-address",
    ];
    if let Some(ca) = ca {
        args.extend(["--ca-cert", ca.to_str().unwrap()]);
    }
    cli(
        &desk.db,
        &[
            ("FLEXDESK_REMOTE_KEY", &hub.key),
            ("FLEXDESK_KEYRING", "off"),
            ("FLEXDESK_SECRET_DIR", secrets.to_str().unwrap()),
        ],
        &args,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_speaks_https_with_its_own_certificate_and_only_a_desk_that_trusts_it_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("hub.pem"), dir.path().join("hub.key"));
    let fingerprint = cli(
        &dir.path().join("none.db"),
        &[],
        &[
            "tls-cert",
            "--name",
            "127.0.0.1",
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(fingerprint.split(':').count(), 32, "{fingerprint}");
    let hub = Node::new_with(
        dir.path(),
        "hub",
        &reserve_port(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    assert!(hub.url.starts_with("https://127.0.0.1:"), "{}", hub.url);
    add_laptops(&hub, &[]).await;

    // Signing in over TLS: the session cookie is Secure (and still HttpOnly, SameSite=Strict).
    let http = crate::sync::client_for(&["--tls-cert", cert.to_str().unwrap()]);
    let (set_cookie, _) = crate::support::http_sign_in_raw(&http, &hub.url).await;
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    // A page of the plain-http origin is not this server's.
    let r = http
        .post(format!("{}/rpc/app.bootstrap", hub.url))
        .header("Origin", hub.url.replace("https://", "http://"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Nobody speaks plain HTTP to it.
    let plain = reqwest::Client::new()
        .get(format!(
            "{}/v1/openapi.json",
            hub.url.replace("https://", "http://")
        ))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));

    // A desk that trusts the hub's certificate syncs over TLS.
    let desk = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    set_remote(&desk, &hub, Some(&cert));
    let r = desk.sync().await;
    assert_eq!(r["state"], "online", "{r}");
    let remote = desk.rpc("sync.remote", json!({})).await;
    assert_eq!(
        remote["remote"]["caFingerprint"],
        fingerprint.as_str(),
        "{remote}"
    );
    desk.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "TLS-1", "sku": "LAP-16"}),
    )
    .await;
    let r = desk.sync().await;
    assert!(crate::sync::has_asset(&hub, "TLS-1").await, "{r}");

    // One that does not trust it reaches nothing, and says it is the certificate.
    let other = Node::new(dir.path(), "desk-b", "127.0.0.1:0").await;
    set_remote(&other, &hub, None);
    let r = other.sync().await;
    assert_ne!(r["state"], "online", "{r}");
    let st = other.status().await;
    assert!(
        st["lastError"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("certificate"),
        "{st}"
    );
}

#[test]
fn a_certificate_file_that_is_not_one_stops_serve_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let out = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(dir.path().join("x.db"))
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&bad)
        .arg("--tls-key")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.pem cannot be used"), "{err}");
}
