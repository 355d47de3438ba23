//! What a key may do over the v1 API: an integration's key (a webshop, a script) uses FlexPortal's
//! v1 as FlexPortal offers it and acts now, as itself; only a key made for syncing desks may say
//! when and on which desk a change was made, or send a desk's earlier records.

use crate::support::TestCore;
use flexdesk::http::{start, ServeOptions};
use serde_json::{json, Value};

#[tokio::test]
async fn an_integrations_key_acts_now_as_itself_and_only_a_desks_key_may_replay_or_send_records() {
    let t = TestCore::new().await;
    let shop = t.key_for("webshop", "api").await;
    let desk = t.key_for("desks", "sync").await;
    let server = start(
        t.core.clone(),
        "127.0.0.1:0".parse().unwrap(),
        ServeOptions::default(),
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let post = |key: &str, path: &str, body: Value, op: Option<&str>| {
        let mut b = http
            .post(format!("{}{path}", server.url()))
            .bearer_auth(key)
            .header("Tenant-ID", &t.bu.id)
            .json(&body);
        if let Some(op) = op {
            b = b
                .header("Idempotency-Key", op)
                .header("FlexDesk-Origin", "DESK7")
                .header("FlexDesk-Op-At", "2026-01-02T09:30:00Z");
        }
        b.send()
    };
    t.laptop("LAP-16").await;

    // Records from a desk joining: refused to the webshop's key, and nothing is written.
    let records = json!({"kind": "asset", "items": [
        {"serialNumber": "REC-1", "sku": "LAP-16", "productName": "Laptop", "status": "available"}]});
    let r = post(&shop, "/v1/sync/records", records.clone(), None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "INSUFFICIENT_PERMISSIONS", "{v}");
    let none: Option<String> =
        sqlx::query_scalar("SELECT serial_number FROM assets WHERE serial_number = 'REC-1'")
            .fetch_optional(t.core.db.pool())
            .await
            .unwrap();
    assert_eq!(none, None);
    // Nor may it copy the unit as a new desk does.
    let r = http
        .get(format!("{}/v1/sync/snapshot", server.url()))
        .bearer_auth(&shop)
        .header("Tenant-ID", &t.bu.id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = post(&desk, "/v1/sync/records", records, None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());

    // The same replayed write from each: the webshop's happens now, the desk's when it was made.
    for (key, serial, op) in [
        (&shop, "SHOP-1", "op_shop_1"),
        (&desk, "DESK-1", "op_desk_1"),
    ] {
        let r = post(
            key,
            "/v1/assets",
            json!({"serialNumber": serial, "sku": "LAP-16"}),
            Some(op),
        )
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    }
    let made = |serial: &'static str| {
        let db = t.core.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT created_at FROM assets WHERE serial_number = ?")
                .bind(serial)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert!(
        made("SHOP-1").await.starts_with("2026-01-15"),
        "the webshop acts now"
    );
    assert!(
        made("DESK-1").await.starts_with("2026-01-02T09:30"),
        "the desk's op keeps its time"
    );
    // A desk's op keeps its id (its retries come back under it); an integration's key is kept
    // under the API key, so another key's same words are another request.
    let origins: Vec<(String, String)> = sqlx::query_as(
        "SELECT op_id, origin FROM sync_ops WHERE op_id = 'op_desk_1' OR op_id LIKE '%:op_shop_1' ORDER BY origin",
    )
    .fetch_all(t.core.db.pool())
    .await
    .unwrap();
    let shop_id: String = sqlx::query_scalar("SELECT id FROM api_keys WHERE name = 'webshop'")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(
        origins,
        vec![
            ("op_desk_1".to_string(), "DESK7".to_string()),
            (format!("{shop_id}:op_shop_1"), "api".to_string())
        ]
    );
}
