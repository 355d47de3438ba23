//! Sync between processes on loopback: a hub (`flexdesk serve`) and two desks (each its own
//! `flexdesk serve` on its own file, syncing with the hub), driven through their v1 APIs and
//! the desk command `sync.now`, as a shop's desks and integrations would.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn cli(db: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flexdesk"))
        .arg("--db")
        .arg(db)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "flexdesk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// One FlexDesk process: its file, business unit, a local API key, and the server.
pub struct Node {
    pub db: PathBuf,
    pub bu: String,
    pub key: String,
    pub admin: String,
    pub url: String,
    pub listen: String,
    child: Option<Child>,
    http: reqwest::Client,
    secrets: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Node {
    pub async fn new(dir: &Path, name: &str, listen: &str) -> Node {
        let db = dir.join(format!("{name}.db"));
        let bu = cli(
            &db,
            &[],
            &["bu", "create", "--name", name, "--currency", "EUR", "--code", "NL"],
        );
        let key = cli(&db, &[], &["keys", "create", "--tenant", &bu, "--name", "test"]);
        let mut n = Node {
            db,
            bu,
            key,
            admin: String::new(),
            url: String::new(),
            listen: listen.to_string(),
            child: None,
            http: reqwest::Client::new(),
            secrets: dir.join("secrets"),
        };
        n.start();
        let users: Value = n.rpc("users.list", json!({})).await;
        n.admin = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == "admin")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        n
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("FLEXDESK_KEYRING", "off".into()),
            ("FLEXDESK_SECRET_DIR", self.secrets.display().to_string()),
        ]
    }

    pub fn start(&mut self) {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexdesk"))
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--listen", &self.listen, "--sync-retry-ms", "100"])
            .envs(self.env())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut url = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        self.url = url.trim().to_string();
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Point this desk at the hub.
    pub fn sync_with(&self, hub: &Node) {
        let mut env: Vec<(&str, &str)> = vec![("FLEXDESK_REMOTE_KEY", &hub.key)];
        let own = self.env();
        env.extend(own.iter().map(|(k, v)| (*k, v.as_str())));
        cli(
            &self.db,
            &env,
            &[
                "remote",
                "set",
                "--tenant",
                &self.bu,
                "--url",
                &hub.url,
                "--remote-tenant",
                &hub.bu,
                "--pull-every",
                "3600",
            ],
        );
    }

    pub async fn rpc(&self, command: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/rpc/{command}", self.url))
            .header("X-FlexDesk-User", &self.admin)
            .header("X-FlexDesk-BU", &self.bu)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{command}: {v}");
        v
    }

    pub async fn v1(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = self
            .http
            .request(m, format!("{}{path}", self.url))
            .bearer_auth(&self.key)
            .header("Tenant-ID", &self.bu)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.v1(method, path, body).await;
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    pub async fn sync(&self) -> Value {
        self.rpc("sync.now", json!({})).await
    }

    pub async fn status(&self) -> Value {
        self.rpc("sync.status", json!({})).await
    }

    /// Every object of a v1 list (all pages), keyed and sorted by `id_field`, without the
    /// business unit's own id (each node has its own).
    pub async fn all(&self, path: &str, key: &str, id_field: &str) -> Vec<Value> {
        let mut out = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let q = match &cursor {
                Some(c) => format!("{path}?limit=100&startAfter={c}"),
                None => format!("{path}?limit=100"),
            };
            let page = self.ok("GET", &q, Value::Null).await;
            for mut item in page[key].as_array().cloned().unwrap_or_default() {
                strip(&mut item);
                out.push(item);
            }
            match page["nextCursor"].as_str() {
                Some(c) if page["hasMore"] == true => cursor = Some(c.to_string()),
                _ => break,
            }
        }
        out.sort_by(|a, b| a[id_field].as_str().cmp(&b[id_field].as_str()));
        out
    }

    /// Every synced entity of this node, list by list.
    pub async fn everything(&self) -> Vec<(&'static str, Vec<Value>)> {
        vec![
            ("products", self.all("/v1/products", "products", "productId").await),
            ("customers", self.all("/v1/customers", "customers", "customerId").await),
            ("assets", self.all("/v1/assets", "assets", "serialNumber").await),
            ("orders", self.all("/v1/orders", "orders", "orderId").await),
            ("subscriptions", self.all("/v1/subscriptions", "rentals", "rentalId").await),
            ("payments", self.all("/v1/payments", "payments", "paymentId").await),
        ]
    }
}

/// Fields that name the node itself rather than the business's data.
fn strip(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("tenantId");
            for x in m.values_mut() {
                strip(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip),
        _ => {}
    }
}

pub fn reserve_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a.to_string()
}

/// The hub with a catalog, and two desks that have pulled it.
pub async fn hub_and_desks(dir: &Path) -> (Node, Node, Node) {
    let hub = Node::new(dir, "hub", &reserve_port()).await;
    hub.ok(
        "POST",
        "/v1/products",
        json!({"productSku": "LAP", "name": "Laptop 14", "category": "Laptops", "brand": "Acme", "specification": "16 GB",
               "variants": [{"variantSku": "LAP-16", "variantName": "16 GB", "grade": "A", "listPrice": 1200, "acquisitionCost": 900,
                             "pricing": {"12": 49, "24": 39}}]}),
    )
    .await;
    let a = Node::new(dir, "desk-a", "127.0.0.1:0").await;
    let b = Node::new(dir, "desk-b", "127.0.0.1:0").await;
    a.sync_with(&hub);
    b.sync_with(&hub);
    for d in [&a, &b] {
        let r = d.sync().await;
        assert_eq!(r["state"], "online", "{r}");
        let p = d.ok("GET", "/v1/products", Value::Null).await;
        assert_eq!(p["products"][0]["variants"][0]["variantSku"], "LAP-16", "{p}");
    }
    (hub, a, b)
}

pub async fn new_order(desk: &Node, email: &str) -> (String, String) {
    let o = desk
        .ok(
            "POST",
            "/v1/orders",
            json!({"customer": {"email": email, "firstName": "Kim", "lastName": email.split('@').next().unwrap()},
                   "billingAddress": {"contactName": "Kim", "streetAddress": "Dam 1", "city": "Amsterdam", "postalCode": "1012 JS", "country": "Netherlands"},
                   "items": [{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]}),
        )
        .await;
    let id = o["orderId"].as_str().unwrap().to_string();
    let customer = o["order"]["customer"]["customerId"].as_str().unwrap().to_string();
    desk.ok("POST", &format!("/v1/orders/{id}/confirm"), json!({})).await;
    (id, customer)
}

pub async fn activate(desk: &Node, order: &str, customer: &str, serial: &str) -> (u16, Value) {
    desk.v1(
        "POST",
        "/v1/subscriptions",
        json!({"orderId": order, "customerId": customer, "assetSerialNumber": serial}),
    )
    .await
}

pub async fn assert_converged(nodes: &[&Node]) {
    let first = nodes[0].everything().await;
    for n in &nodes[1..] {
        let other = n.everything().await;
        for ((list, mine), (_, theirs)) in first.iter().zip(other.iter()) {
            assert_eq!(mine.len(), theirs.len(), "{list}: {} on the hub, {} on {}", mine.len(), theirs.len(), n.db.display());
            for (x, y) in mine.iter().zip(theirs.iter()) {
                assert_eq!(x, y, "{list} differ between the hub and {}", n.db.display());
            }
        }
    }
}

#[tokio::test]
async fn two_desks_working_offline_converge_and_a_serial_activated_on_both_leaves_one_subscription_and_a_conflict(
) {
    let dir = tempfile::tempdir().unwrap();
    let (mut hub, a, b) = hub_and_desks(dir.path()).await;

    // Intake at desk A reaches desk B through the hub.
    for s in ["SN-0001", "SN-0002"] {
        a.ok("POST", "/v1/assets", json!({"serialNumber": s, "sku": "LAP-16"})).await;
    }
    assert_eq!(a.sync().await["push"]["sent"], 2);
    b.sync().await;
    let (_, s1) = b.v1("GET", "/v1/assets/SN-0001", Value::Null).await;
    assert_eq!(s1["status"], "available", "{s1}");

    // The hub goes away; both desks keep working, and both rent out SN-0001.
    hub.stop();
    let (order_a, cust_a) = new_order(&a, "anna@example.com").await;
    let (s, rental_a) = activate(&a, &order_a, &cust_a, "SN-0001").await;
    assert_eq!(s, 201, "{rental_a}");
    let (order_b, cust_b) = new_order(&b, "bart@example.com").await;
    let (s, rental_b) = activate(&b, &order_b, &cust_b, "SN-0001").await;
    assert_eq!(s, 201, "{rental_b}");
    let r = a.sync().await;
    assert_eq!(r["state"], "offline", "{r}");
    let st = a.status().await;
    assert_eq!((st["state"].as_str(), st["waiting"].as_i64()), (Some("offline"), Some(4)), "{st}");

    // Back online: A's changes land first; B's activation is refused and waits in B's inbox.
    hub.start();
    let r = a.sync().await;
    assert_eq!((r["push"]["sent"].as_u64(), r["push"]["conflicts"].as_u64()), (Some(4), Some(0)), "{r}");
    let r = b.sync().await;
    assert_eq!((r["push"]["sent"].as_u64(), r["push"]["conflicts"].as_u64()), (Some(3), Some(1)), "{r}");
    let conflicts = b.rpc("sync.conflicts", json!({})).await;
    let c = &conflicts[0];
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    assert_eq!(c["status"], "open");
    assert_eq!(c["theirs"]["asset:SN-0001"]["rentalId"], rental_a["rental"]["rentalId"], "{c}");
    assert!(c["options"].as_array().unwrap().contains(&json!("other_serial")));
    assert_eq!(b.status().await["conflicts"], 1);

    // B picks another serial: its first subscription goes, a new one on SN-0002 takes its place.
    let resolved = b
        .rpc(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "other_serial", "serialNumber": "SN-0002"}),
        )
        .await;
    assert_eq!(resolved["status"], "resolved");
    let r = b.sync().await;
    assert_eq!(r["push"]["sent"], 1, "{r}");
    a.sync().await;
    b.sync().await;
    for n in [&a, &b] {
        let st = n.status().await;
        assert_eq!((st["waiting"].as_i64(), st["conflicts"].as_i64()), (Some(0), Some(0)), "{st}");
    }

    let subs = hub.all("/v1/subscriptions", "rentals", "rentalId").await;
    let serials: Vec<&str> = subs.iter().map(|s| s["assetSerialNumber"].as_str().unwrap()).collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(serials.contains(&"SN-0001") && serials.contains(&"SN-0002"));
    let on_s1 = subs.iter().find(|s| s["assetSerialNumber"] == "SN-0001").unwrap();
    assert_eq!(on_s1["rentalId"], rental_a["rental"]["rentalId"]);
    assert!(subs.iter().all(|s| s["rentalId"] != rental_b["rental"]["rentalId"]));
    assert_converged(&[&hub, &a, &b]).await;
}
