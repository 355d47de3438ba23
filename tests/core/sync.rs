//! Sync between processes on loopback: a hub (`flexdesk serve`) and two desks (each its own
//! `flexdesk serve` on its own file, syncing with the hub), driven through their v1 APIs and
//! the desk command `sync.now`, as a shop's desks and integrations would.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// Run the `flexdesk` command line on `db`; its last line of output (an id or a key).
pub fn cli(db: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let out = crate::support::flexdesk_bin()
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

/// A client for a node started with `extra`: one that trusts its certificate when it speaks TLS.
pub fn client_for(extra: &[&str]) -> reqwest::Client {
    let mut b = reqwest::Client::builder();
    if let Some(i) = extra.iter().position(|a| *a == "--tls-cert") {
        let pem = std::fs::read(extra[i + 1]).unwrap();
        b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

/// One FlexDesk process: its file, business unit, a local API key, and the server.
pub struct Node {
    pub db: PathBuf,
    pub bu: String,
    pub key: String,
    pub admin: String,
    /// The session cookie of the administrator signed in over HTTP.
    cookie: std::sync::Mutex<String>,
    pub url: String,
    pub listen: String,
    child: Option<Child>,
    http: reqwest::Client,
    secrets: PathBuf,
    extra: Vec<String>,
    /// The day this node's process runs on, when not the suite's pinned day (from its next start).
    pub today: Option<String>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Node {
    pub async fn new(dir: &Path, name: &str, listen: &str) -> Node {
        Node::new_with(dir, name, listen, &[]).await
    }

    pub async fn new_with(dir: &Path, name: &str, listen: &str, extra: &[&str]) -> Node {
        let db = dir.join(format!("{name}.db"));
        let bu = cli(
            &db,
            &[],
            &[
                "bu",
                "create",
                "--name",
                name,
                "--currency",
                "EUR",
                "--code",
                "NL",
            ],
        );
        let key = cli(
            &db,
            &[],
            &[
                "keys",
                "create",
                "--tenant",
                &bu,
                "--name",
                "desks",
                "--purpose",
                "sync",
            ],
        );
        let mut n = Node {
            db,
            bu,
            key,
            admin: String::new(),
            cookie: Default::default(),
            url: String::new(),
            listen: listen.to_string(),
            child: None,
            http: client_for(extra),
            secrets: dir.join("secrets"),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            today: None,
        };
        n.start();
        n.sign_in().await;
        n
    }

    /// Sign in as the first administrator (a restarted server has forgotten its sessions).
    pub async fn sign_in(&mut self) {
        self.admin = self.fresh_session().await;
    }

    async fn fresh_session(&self) -> String {
        let (cookie, user) = crate::support::http_sign_in(&self.http, &self.url).await;
        *self.cookie.lock().unwrap() = cookie;
        user["id"].as_str().unwrap().to_string()
    }

    pub fn cookie(&self) -> String {
        self.cookie.lock().unwrap().clone()
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("FLEXDESK_KEYRING", "off".into()),
            ("FLEXDESK_SECRET_DIR", self.secrets.display().to_string()),
        ];
        if let Some(day) = &self.today {
            env.push((flexdesk::clock::TODAY_ENV, day.clone()));
        }
        env
    }

    pub fn start(&mut self) {
        use std::io::BufRead;
        let mut child = crate::support::flexdesk_bin()
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--listen", &self.listen, "--sync-retry-ms", "100"])
            .args(&self.extra)
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
        self.sync_with_url(hub, &hub.url);
    }

    /// Point this desk at the hub's business unit, reached at `url`.
    pub fn sync_with_url(&self, hub: &Node, url: &str) {
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
                url,
                "--remote-tenant",
                &hub.bu,
                "--pull-every",
                "3600",
                // The tests' hubs run on this computer.
                "--allow-address",
            ],
        );
    }

    /// Point this desk at an address nobody answers, and wait out a pass in flight: from here
    /// nothing it does reaches the hub and nothing the hub has reaches it, whatever its own loop
    /// does, until `sync_with` again. (Stopping the hub instead leaves which desk's loop reaches
    /// it first, once it is back, to chance.)
    pub async fn go_offline(&self, hub: &Node) {
        self.sync_with_url(hub, &format!("http://{}", reserve_port()));
        let r = self.sync().await;
        assert_eq!(r["state"], "offline", "{r}");
    }

    pub async fn rpc(&self, command: &str, body: Value) -> Value {
        let (ok, v) = self.rpc_raw(command, body).await;
        assert!(ok, "{command}: {v}");
        v
    }

    /// Add a person with a PIN (as the administrator) and sign them in; their session cookie.
    pub async fn person(&self, name: &str, role: &str, pin: &str) -> String {
        let user = self
            .rpc(
                "users.create",
                json!({"name": name, "role": role, "secret": pin}),
            )
            .await;
        let r = self
            .http
            .post(format!("{}/rpc/session.signIn", self.url))
            .json(&json!({"userId": user["id"], "secret": pin}))
            .send()
            .await
            .unwrap();
        let cookie = r.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    /// A command as the person whose session cookie this is: its status and answer.
    pub async fn rpc_as(&self, cookie: &str, command: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/rpc/{command}", self.url))
            .header("Cookie", cookie)
            .header("X-FlexDesk-BU", &self.bu)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn rpc_raw(&self, command: &str, body: Value) -> (bool, Value) {
        let send = || {
            self.http
                .post(format!("{}/rpc/{command}", self.url))
                .header("Cookie", self.cookie())
                .header("X-FlexDesk-BU", &self.bu)
                .json(&body)
                .send()
        };
        let mut r = send().await.unwrap();
        if r.status() == reqwest::StatusCode::UNAUTHORIZED {
            // The server was restarted: its sessions are gone.
            self.fresh_session().await;
            r = send().await.unwrap();
        }
        let status = r.status();
        (status.is_success(), r.json().await.unwrap())
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

    /// The status's (waiting, conflicts).
    pub async fn counts(&self) -> (Option<i64>, Option<i64>) {
        let st = self.status().await;
        (st["waiting"].as_i64(), st["conflicts"].as_i64())
    }

    /// Resolve a conflict the simple ways (`retry`, `keep_theirs`).
    pub async fn resolve(&self, conflict: &Value, resolution: &str) -> Value {
        self.rpc(
            "sync.resolve",
            json!({"conflictId": conflict["id"], "resolution": resolution}),
        )
        .await
    }

    /// Every object of a v1 list (all pages), keyed and sorted by `id_field`, without the
    /// business unit's own id (each node has its own).
    pub async fn all(&self, path: &str, key: &str, id_field: &str) -> Vec<Value> {
        let mut out = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let q = match &cursor {
                Some(c) => format!("{path}{sep}limit=100&startAfter={c}"),
                None => format!("{path}{sep}limit=100"),
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
            (
                "products",
                self.all("/v1/products", "products", "productId").await,
            ),
            (
                "customers",
                self.all("/v1/customers", "customers", "customerId").await,
            ),
            (
                "assets",
                self.all("/v1/assets", "assets", "serialNumber").await,
            ),
            ("orders", self.all("/v1/orders", "orders", "orderId").await),
            (
                "subscriptions",
                self.all("/v1/subscriptions", "rentals", "rentalId").await,
            ),
            (
                "payments",
                // Every row, the lines of consolidated payments too.
                self.all("/v1/payments?changedSince=", "payments", "paymentId")
                    .await,
            ),
            (
                "billing groups",
                self.all("/v1/billing-groups", "billingGroups", "billingGroupId")
                    .await,
            ),
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

/// The laptop every sync test sells (product LAP, variant LAP-16 at 49 or 39 a month), with
/// `more` variants, in `node`'s catalog.
pub async fn add_laptops(node: &Node, more: &[Value]) {
    let mut variants = vec![
        json!({"variantSku": "LAP-16", "variantName": "16 GB", "grade": "A", "listPrice": 1200,
                                   "acquisitionCost": 900, "pricing": {"12": 49, "24": 39}}),
    ];
    variants.extend(more.iter().cloned());
    node.ok(
        "POST",
        "/v1/products",
        json!({"productSku": "LAP", "name": "Laptop 14", "category": "Laptops", "brand": "Acme", "specification": "16 GB",
               "variants": variants}),
    )
    .await;
}

/// The id of a subscription's first payment, as `desk` lists it.
pub async fn first_payment(desk: &Node, rental: &str) -> String {
    let pays = desk
        .ok(
            "GET",
            &format!("/v1/payments?rentalId={rental}&sortDir=asc"),
            Value::Null,
        )
        .await;
    pays["payments"][0]["paymentId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The hub with a catalog, and two desks that have pulled it.
/// Whether `node` lists an asset with this serial.
pub async fn has_asset(node: &Node, serial: &str) -> bool {
    node.all("/v1/assets", "assets", "serialNumber")
        .await
        .iter()
        .any(|a| a["serialNumber"] == serial)
}

pub async fn hub_and_desks(dir: &Path) -> (Node, Node, Node) {
    let hub = Node::new(dir, "hub", &reserve_port()).await;
    add_laptops(&hub, &[]).await;
    let a = Node::new(dir, "desk-a", "127.0.0.1:0").await;
    let b = Node::new(dir, "desk-b", "127.0.0.1:0").await;
    a.sync_with(&hub);
    b.sync_with(&hub);
    for d in [&a, &b] {
        let r = d.sync().await;
        assert_eq!(r["state"], "online", "{r}");
        let p = d.ok("GET", "/v1/products", Value::Null).await;
        assert_eq!(
            p["products"][0]["variants"][0]["variantSku"], "LAP-16",
            "{p}"
        );
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
    let customer = o["order"]["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    desk.ok("POST", &format!("/v1/orders/{id}/confirm"), json!({}))
        .await;
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

/// On `desk`, which sells the sync laptops: `serial` taken in, an order for `email` and the
/// serial activated on it. The subscription's id.
pub async fn rented(desk: &Node, serial: &str, email: &str) -> String {
    desk.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": serial, "sku": "LAP-16"}),
    )
    .await;
    let (order, customer) = new_order(desk, email).await;
    let (s, v) = activate(desk, &order, &customer, serial).await;
    assert_eq!(s, 201, "{v}");
    v["subscription"]["rentalId"]
        .as_str()
        .or(v["rental"]["rentalId"].as_str())
        .or(v["rentalId"].as_str())
        .unwrap()
        .to_string()
}

/// Whether every node's v1 lists are the first node's.
async fn same_lists(nodes: &[&Node]) -> bool {
    let first = nodes[0].everything().await;
    for n in &nodes[1..] {
        if n.everything().await != first {
            return false;
        }
    }
    true
}

pub async fn assert_converged(nodes: &[&Node]) {
    for n in nodes {
        // What the wire does not carry, a pulled subscription takes from its unit's settings.
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", n.db.display()))
            .await
            .unwrap();
        let starts: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT billing_start FROM subscriptions")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(
            starts
                .iter()
                .all(|b| { flexdesk::domain::settings::BillingStart::parse(b).is_some() }),
            "billing starts on {}: {starts:?}",
            n.db.display()
        );
        pool.close().await;
    }
    let first = nodes[0].everything().await;
    for n in &nodes[1..] {
        let other = n.everything().await;
        for ((list, mine), (_, theirs)) in first.iter().zip(other.iter()) {
            assert_eq!(
                mine.len(),
                theirs.len(),
                "{list}: {} on the hub, {} on {}",
                mine.len(),
                theirs.len(),
                n.db.display()
            );
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
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": s, "sku": "LAP-16"}),
        )
        .await;
    }
    a.sync().await;
    assert_eq!(a.status().await["waiting"], 0);
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
    assert_eq!(
        (st["state"].as_str(), st["waiting"].as_i64()),
        (Some("offline"), Some(4)),
        "{st}"
    );

    // Back online: the first activation to reach the hub wins; the other desk's is refused and
    // waits in its inbox. A syncs first, so it is normally B's; but each desk's own loop may push
    // too (a desk retrying on its own can reach the hub first), so the loser is found, not assumed.
    hub.start();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    let (ca, cb) = (a.counts().await, b.counts().await);
    assert!(
        matches!(
            (ca, cb),
            ((Some(0), Some(0)), (Some(0), Some(1))) | ((Some(0), Some(1)), (Some(0), Some(0)))
        ),
        "exactly one desk holds a conflict: {ca:?} {cb:?}"
    );
    let (won, lost, rental_won, rental_lost) = if cb.1 == Some(1) {
        (&a, &b, &rental_a, &rental_b)
    } else {
        (&b, &a, &rental_b, &rental_a)
    };
    let conflicts = lost.rpc("sync.conflicts", json!({})).await;
    let c = &conflicts[0];
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    assert_eq!(c["status"], "open");
    assert_eq!(
        c["theirs"]["asset:SN-0001"]["rentalId"], rental_won["rental"]["rentalId"],
        "{c}"
    );
    assert!(c["options"]
        .as_array()
        .unwrap()
        .contains(&json!("other_serial")));
    assert_eq!(lost.status().await["conflicts"], 1);

    // A serial that cannot be used changes nothing: the conflict stays open.
    let (ok, e) = b
        .rpc_raw(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "other_serial", "serialNumber": "NO-SUCH-1"}),
        )
        .await;
    assert!(!ok);
    assert_eq!(e["error"]["code"], "ASSET_NOT_FOUND", "{e}");
    assert_eq!(open_conflict(lost).await["id"], c["id"]);
    let (s, _) = b
        .v1(
            "GET",
            &format!(
                "/v1/subscriptions/{}",
                rental_lost["rental"]["rentalId"].as_str().unwrap()
            ),
            Value::Null,
        )
        .await;
    assert_eq!(s, 200, "the refused desk's own subscription is still there");

    // The refused desk picks another serial: its first subscription goes, a new one on SN-0002 takes its place.
    let resolved = b
        .rpc(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "other_serial", "serialNumber": "SN-0002"}),
        )
        .await;
    assert_eq!(resolved["status"], "resolved");
    lost.sync().await;
    won.sync().await;
    lost.sync().await;
    for n in [won, lost] {
        assert_eq!(n.counts().await, (Some(0), Some(0)));
    }

    let subs = hub.all("/v1/subscriptions", "rentals", "rentalId").await;
    let serials: Vec<&str> = subs
        .iter()
        .map(|s| s["assetSerialNumber"].as_str().unwrap())
        .collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(serials.contains(&"SN-0001") && serials.contains(&"SN-0002"));
    let on_s1 = subs
        .iter()
        .find(|s| s["assetSerialNumber"] == "SN-0001")
        .unwrap();
    assert_eq!(on_s1["rentalId"], rental_won["rental"]["rentalId"]);
    assert!(subs
        .iter()
        .all(|s| s["rentalId"] != rental_lost["rental"]["rentalId"]));
    assert_converged(&[&hub, &a, &b]).await;
}

// ---------------------------------------------------------------------------------------------
// Faults between a desk and the hub

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Close the connection without forwarding.
    Drop,
    /// Answer 500 without forwarding.
    ServerError,
    /// Say nothing until the desk gives up, then close.
    Stall,
    /// Forward (the hub commits), then close without answering.
    CutAfterCommit,
    /// Forward, tell the test, then stall (the desk is killed meanwhile).
    HoldAfterCommit,
}

type Script = std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<Fault>>>;

/// A loopback proxy in front of the hub that injects faults into writes (and, when asked, into
/// reads), one scripted fault per request, passing the rest through.
pub struct FaultProxy {
    pub url: String,
    pub writes: Script,
    pub reads: Script,
    pub held: std::sync::Arc<tokio::sync::Notify>,
    pub forwarded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl FaultProxy {
    pub async fn start(hub: String, stall: std::time::Duration) -> FaultProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let p = FaultProxy {
            url,
            writes: Default::default(),
            reads: Default::default(),
            held: Default::default(),
            forwarded: Default::default(),
        };
        let (writes, reads, held, forwarded) = (
            p.writes.clone(),
            p.reads.clone(),
            p.held.clone(),
            p.forwarded.clone(),
        );
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (hub, writes, reads, held, forwarded, http) = (
                    hub.clone(),
                    writes.clone(),
                    reads.clone(),
                    held.clone(),
                    forwarded.clone(),
                    http.clone(),
                );
                tokio::spawn(async move {
                    let _ = one(sock, &hub, &writes, &reads, &held, &forwarded, &http, stall).await;
                });
            }
        });
        p
    }
    pub fn script_writes(&self, faults: &[Fault]) {
        self.writes.lock().unwrap().extend(faults.iter().copied());
    }
    pub fn script_reads(&self, faults: &[Fault]) {
        self.reads.lock().unwrap().extend(faults.iter().copied());
    }
}

#[allow(clippy::too_many_arguments)]
async fn one(
    mut sock: tokio::net::TcpStream,
    hub: &str,
    writes: &Script,
    reads: &Script,
    held: &tokio::sync::Notify,
    forwarded: &std::sync::atomic::AtomicUsize,
    http: &reqwest::Client,
    stall: std::time::Duration,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // One request per connection: read the head, then the body by its length.
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or("GET").to_string();
    let path = first.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..head_end + len].to_vec();
    let script = if method == "GET" { reads } else { writes };
    let fault = script.lock().unwrap().pop_front();
    let forward = || async {
        let mut rb = http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{hub}{path}"),
        );
        for (k, v) in &headers {
            if !matches!(k.as_str(), "host" | "content-length" | "connection") {
                rb = rb.header(k, v);
            }
        }
        let r = rb.body(body.clone()).send().await.unwrap();
        forwarded.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let status = r.status();
        (status, r.bytes().await.unwrap())
    };
    match fault {
        Some(Fault::Drop) => return Ok(()),
        Some(Fault::ServerError) => {
            sock.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await?;
            return Ok(());
        }
        Some(Fault::Stall) => {
            tokio::time::sleep(stall).await;
            return Ok(());
        }
        Some(Fault::CutAfterCommit) => {
            forward().await;
            return Ok(());
        }
        Some(Fault::HoldAfterCommit) => {
            forward().await;
            held.notify_one();
            std::future::pending::<()>().await;
        }
        None => {}
    }
    let (status, bytes) = forward().await;
    sock.write_all(
        format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            bytes.len()
        )
        .as_bytes(),
    )
    .await?;
    sock.write_all(&bytes).await?;
    Ok(())
}

#[tokio::test]
async fn after_dropped_failed_stalled_and_cut_requests_and_a_killed_desk_everything_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, _a, b) = hub_and_desks(dir.path()).await;
    // Desk C talks to the hub through the faulty link, with a short request timeout.
    let proxy = FaultProxy::start(hub.url.clone(), std::time::Duration::from_millis(1500)).await;
    let mut c = Node::new_with(
        dir.path(),
        "desk-c",
        "127.0.0.1:0",
        &["--sync-timeout-ms", "800"],
    )
    .await;
    c.sync_with_url(&hub, &proxy.url);
    proxy.script_reads(&[Fault::Drop]);
    let r = c.sync().await;
    assert_eq!(r["state"], "offline", "a dropped read fails the pull: {r}");
    let r = c.sync().await;
    assert_eq!(r["state"], "online", "{r}");

    // Offline-made work: intake, three orders, their activations, a payment.
    let serials = ["FX-1", "FX-2", "FX-3"];
    for s in ["FX-1", "FX-2", "FX-3", "FX-4"] {
        c.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": s, "sku": "LAP-16"}),
        )
        .await;
    }
    let mut rentals = vec![];
    for (i, s) in serials.iter().enumerate() {
        let (order, customer) = new_order(&c, &format!("fault{i}@example.com")).await;
        let (st, v) = activate(&c, &order, &customer, s).await;
        assert_eq!(st, 201, "{v}");
        rentals.push(v["rental"]["rentalId"].as_str().unwrap().to_string());
    }
    let paid = first_payment(&c, &rentals[0]).await;
    c.ok(
        "POST",
        &format!("/v1/payments/{paid}/mark-paid"),
        json!({"paymentReference": "BANK-77"}),
    )
    .await;
    let waiting = c.status().await["waiting"].as_i64().unwrap();
    assert_eq!(
        waiting,
        4 + 3 * 4 + 1,
        "assets, (customer, order, confirm, activation) × 3, payment"
    );

    proxy.script_writes(&[
        Fault::Drop,
        Fault::ServerError,
        Fault::CutAfterCommit,
        Fault::Stall,
        Fault::CutAfterCommit,
        Fault::ServerError,
        Fault::CutAfterCommit,
    ]);
    // Each "Sync now" gets as far as the next fault (the desk's own loop pushes too); none may
    // lose or repeat an operation.
    for _ in 0..30 {
        let r = c.sync().await;
        assert_eq!(r["push"]["conflicts"], 0, "{r}");
        if c.status().await["waiting"] == 0 {
            break;
        }
    }
    assert!(
        proxy.writes.lock().unwrap().is_empty(),
        "every fault was met"
    );
    assert_eq!(c.status().await["waiting"], 0);

    // The desk is killed while the hub has applied an op and its answer has not come back.
    proxy.script_writes(&[Fault::HoldAfterCommit]);
    let waited = proxy.held.notified();
    tokio::pin!(waited);
    waited.as_mut().enable();
    let (order, customer) = new_order(&c, "killed@example.com").await;
    let (st, v) = activate(&c, &order, &customer, "FX-4").await;
    assert_eq!(st, 201, "{v}");
    let http = reqwest::Client::new();
    let sync_url = format!("{}/rpc/sync.now", c.url);
    let (cookie, bu) = (c.cookie(), c.bu.clone());
    let in_flight = tokio::spawn(async move {
        let _ = http
            .post(sync_url)
            .header("Cookie", cookie)
            .header("X-FlexDesk-BU", bu)
            .json(&json!({}))
            .send()
            .await;
    });
    tokio::time::timeout(std::time::Duration::from_secs(20), waited)
        .await
        .expect("the held op reached the hub");
    c.stop();
    in_flight.abort();
    c.start();
    for _ in 0..5 {
        c.sync().await;
        if c.status().await["waiting"] == 0 {
            break;
        }
    }
    let st = c.status().await;
    assert_eq!(
        (
            st["waiting"].as_i64(),
            st["conflicts"].as_i64(),
            st["state"].as_str()
        ),
        (Some(0), Some(0), Some("online")),
        "{st}"
    );
    // A pass through the faulty link can run out of time on a busy machine: pass again until
    // the lists agree (at most five times), then check them.
    for _ in 0..5 {
        b.sync().await;
        c.sync().await;
        if same_lists(&[&hub, &b, &c]).await {
            break;
        }
    }
    // Exactly once: four subscriptions, four orders, twelve scheduled payments each, one paid.
    let hub_subs = hub.all("/v1/subscriptions", "rentals", "rentalId").await;
    assert_eq!(hub_subs.len(), 4);
    assert_eq!(hub.all("/v1/orders", "orders", "orderId").await.len(), 4);
    assert_eq!(
        hub.all("/v1/customers", "customers", "customerId")
            .await
            .len(),
        4
    );
    let hub_pays = hub.all("/v1/payments", "payments", "paymentId").await;
    assert_eq!(hub_pays.len(), 48);
    let paid: Vec<&Value> = hub_pays.iter().filter(|p| p["status"] == "paid").collect();
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0]["paymentReference"], "BANK-77");
    assert!(proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst) > 16);
    assert_converged(&[&hub, &b, &c]).await;
}

pub async fn open_conflict(desk: &Node) -> Value {
    let all = desk.rpc("sync.conflicts", json!({})).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "open")
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_payment_paid_here_and_cancelled_there_and_an_order_cancelled_while_fulfilled_are_resolved_without_divergence(
) {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, b) = hub_and_desks(dir.path()).await;
    for s in ["PC-1", "PC-2", "PC-3"] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": s, "sku": "LAP-16"}),
        )
        .await;
    }
    let (order1, cust1) = new_order(&a, "paula@example.com").await;
    let (_, r1) = activate(&a, &order1, &cust1, "PC-1").await;
    let rental1 = r1["rental"]["rentalId"].as_str().unwrap().to_string();
    let (order2, _) = new_order(&a, "otto@example.com").await;
    a.sync().await;
    b.sync().await;
    let p1 = first_payment(&b, &rental1).await;

    // Offline: A marks the payment paid, B cancels it; A fulfils order 2, B cancels it.
    a.go_offline(&hub).await;
    b.go_offline(&hub).await;
    a.ok(
        "POST",
        &format!("/v1/payments/{p1}/mark-paid"),
        json!({"paymentReference": "TR-1"}),
    )
    .await;
    b.ok(
        "POST",
        &format!("/v1/payments/{p1}/cancel"),
        json!({"reason": "Customer moved"}),
    )
    .await;
    b.ok(
        "POST",
        &format!("/v1/orders/{order2}/cancel"),
        json!({"reason": "Changed mind"}),
    )
    .await;
    let cust2 = a
        .ok("GET", &format!("/v1/orders/{order2}"), Value::Null)
        .await["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = activate(&a, &order2, &cust2, "PC-2").await;
    assert_eq!(s, 201);

    // A reaches the hub first with the payment and with order 2.
    a.sync_with(&hub);
    a.sync().await; // payment paid ✓, activation on order 2 ✓ (B's cancel not there yet)
    assert_eq!(a.status().await["waiting"], 0);
    b.sync_with(&hub);
    b.sync().await; // cancel payment ✗ (already paid), cancel order ✗ (fulfilled)
    assert_eq!(b.status().await["conflicts"], 2);
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "ALREADY_PAID", "{c}");
    assert_eq!(
        c["theirs"][format!("payment:{p1}")]["status"],
        "paid",
        "{c}"
    );
    b.resolve(&c, "keep_theirs").await;
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "ORDER_NOT_CANCELLABLE", "{c}");
    assert!(!c["options"]
        .as_array()
        .unwrap()
        .contains(&json!("other_serial")));
    b.resolve(&c, "keep_theirs").await;
    let (_, p) = b
        .v1("GET", &format!("/v1/payments/{p1}"), Value::Null)
        .await;
    let p = &p["payment"];
    assert_eq!(
        (p["status"].as_str(), p["paymentReference"].as_str()),
        (Some("paid"), Some("TR-1")),
        "{p}"
    );
    let (_, o) = b
        .v1("GET", &format!("/v1/orders/{order2}"), Value::Null)
        .await;
    assert_eq!(o["status"], "fulfilled", "{o}");

    // A customer made here whose email the hub already has: keeping theirs removes ours. B is
    // offline while both are made, or its own loop (woken by the resolutions above) could read
    // the hub's Dora first and refuse ours as a duplicate.
    b.go_offline(&hub).await;
    hub.ok(
        "POST",
        "/v1/customers",
        json!({"email": "dora@example.com", "firstName": "Dora", "lastName": "Hub"}),
    )
    .await;
    let ours = b
        .ok(
            "POST",
            "/v1/customers",
            json!({"email": "dora@example.com", "firstName": "Dora", "lastName": "Desk"}),
        )
        .await;
    b.sync_with(&hub);
    b.sync().await;
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "CONFLICT", "{c}");
    b.resolve(&c, "keep_theirs").await;
    b.sync().await;
    let (s, _) = b
        .v1(
            "GET",
            &format!("/v1/customers/{}", ours["customerId"].as_str().unwrap()),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404, "the desk's own copy is gone");
    let found = b
        .ok("GET", "/v1/customers?email=dora@example.com", Value::Null)
        .await;
    assert_eq!(found["customers"][0]["lastName"], "Hub", "{found}");

    // Sending again: the hub takes PC-3 out of service; B's activation is refused; once the hub
    // puts it back, "Send again" goes through.
    let (order3, cust3) = new_order(&b, "rita@example.com").await;
    b.sync().await;
    hub.ok("PUT", "/v1/assets/PC-3", json!({"status": "unavailable"}))
        .await;
    let (s, _) = activate(&b, &order3, &cust3, "PC-3").await;
    assert_eq!(s, 201);
    b.sync().await;
    assert_eq!(b.status().await["conflicts"], 1);
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    hub.ok("PUT", "/v1/assets/PC-3", json!({"status": "available"}))
        .await;
    b.resolve(&c, "retry").await;
    // Sent again (by this pass, or already by the desk's own loop, which the retry wakes).
    b.sync().await;
    let (_, on_hub) = hub
        .v1("GET", "/v1/subscriptions?serialNumber=PC-3", Value::Null)
        .await;
    assert_eq!(
        on_hub["rentals"].as_array().map(Vec::len),
        Some(1),
        "{on_hub}"
    );
    a.sync().await;
    b.sync().await;
    for n in [&a, &b] {
        assert_eq!(n.counts().await, (Some(0), Some(0)));
    }
    assert_converged(&[&hub, &a, &b]).await;
}

#[tokio::test]
async fn catalog_edits_notes_returns_inspections_and_billing_groups_made_on_a_desk_reach_the_hub_and_the_other_desk(
) {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, b) = hub_and_desks(dir.path()).await;

    // The catalog, edited through A's own commands and its v1 API.
    let phone = |name: &str, price: u32| {
        json!({"productSku": "PHN", "name": name, "category": "Tablets", "brand": "Acme", "specification": "11 inch",
               "variants": [{"variantSku": "PHN-128", "variantName": "128 GB", "grade": "A", "listPrice": 600, "pricing": {"12": price}},
                            {"variantSku": "PHN-256", "variantName": "256 GB", "grade": "A", "listPrice": 700, "pricing": {"12": 35}}]})
    };
    let made = a.rpc("catalog.saveProduct", phone("Phone 6", 29)).await;
    let pid = made["productId"].as_str().unwrap().to_string();
    a.ok(
        "PUT",
        &format!("/v1/products/{pid}"),
        phone("Phone 6 Pro", 31),
    )
    .await;
    let p = a
        .ok("GET", &format!("/v1/products/{pid}"), Value::Null)
        .await;
    let v256 = p["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variantSku"] == "PHN-256")
        .unwrap()["variantId"]
        .clone();
    a.rpc(
        "catalog.setVariantStatus",
        json!({"variantId": v256, "status": "inactive"}),
    )
    .await;

    // Stock, subscriptions, notes, a billing group, and the returns desk.
    for s in ["LP-1", "LP-2", "LP-3", "LP-4"] {
        a.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": s, "sku": "LAP-16"}),
        )
        .await;
    }
    a.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "PH-1", "sku": "PHN-128"}),
    )
    .await;
    // Gina rents two laptops on one order.
    let o = a
        .ok(
            "POST",
            "/v1/orders",
            json!({"customer": {"email": "gina@example.com", "firstName": "Gina", "lastName": "Lopez"},
                   "billingAddress": {"contactName": "Gina", "streetAddress": "Dam 2", "city": "Amsterdam", "postalCode": "1012 JS", "country": "Netherlands"},
                   "items": [{"sku": "LAP-16", "quantity": 2, "contractLength": 12}]}),
        )
        .await;
    let o1 = o["orderId"].as_str().unwrap().to_string();
    let gina = o["order"]["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok("POST", &format!("/v1/orders/{o1}/confirm"), json!({}))
        .await;
    let (o3, c3) = new_order(&a, "hugo@example.com").await;
    let (o4, c4) = new_order(&a, "ines@example.com").await;
    let mut rentals = vec![];
    for (o, c, s) in [
        (&o1, &gina, "LP-1"),
        (&o1, &gina, "LP-2"),
        (&o3, &c3, "LP-3"),
        (&o4, &c4, "LP-4"),
    ] {
        let (st, r) = activate(&a, o, c, s).await;
        assert_eq!(st, 201, "{r}");
        rentals.push(r["rental"]["rentalId"].as_str().unwrap().to_string());
    }
    a.ok(
        "PATCH",
        &format!("/v1/orders/{o1}/notes"),
        json!({"notes": "Ring at the back door"}),
    )
    .await;
    a.ok(
        "PATCH",
        &format!("/v1/subscriptions/{}/notes", rentals[0]),
        json!({"notes": "Spare charger given"}),
    )
    .await;
    let g = a
        .ok(
            "POST",
            "/v1/billing-groups",
            json!({"customerId": gina, "groupName": "Gina's devices", "billingDay": 15, "rentalIds": [rentals[0], rentals[1]]}),
        )
        .await;
    let group = g["billingGroup"]["billingGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    // LP-3 comes back early and goes back on the shelf; LP-4's subscription was cancelled and
    // the device is collected.
    let got = a
        .rpc(
            "returns.receive",
            json!({"serialNumber": "LP-3", "returnCondition": "good"}),
        )
        .await;
    assert_eq!(got["case"], "early_return", "{got}");
    a.rpc(
        "assets.inspect",
        json!({"serialNumber": "LP-3", "outcome": "available", "condition": "good", "notes": "Cleaned"}),
    )
    .await;
    a.ok(
        "POST",
        &format!("/v1/subscriptions/{}/cancel", rentals[3]),
        json!({"reason": "customer_request"}),
    )
    .await;
    let got = a
        .rpc(
            "returns.receive",
            json!({"serialNumber": "LP-4", "returnCondition": "fair"}),
        )
        .await;
    assert_eq!(got["case"], "collection", "{got}");

    a.sync().await;
    assert_eq!(a.counts().await, (Some(0), Some(0)));
    // The hub has each change as A made it.
    let p = hub
        .ok("GET", &format!("/v1/products/{pid}"), Value::Null)
        .await;
    assert_eq!(p["name"], "Phone 6 Pro", "{p}");
    let status_of = |sku: &str| {
        p["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["variantSku"] == sku)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        (status_of("PHN-128"), status_of("PHN-256")),
        (json!("active"), json!("inactive"))
    );
    let o = hub
        .ok("GET", &format!("/v1/orders/{o1}"), Value::Null)
        .await;
    assert_eq!(o["notes"], "Ring at the back door");
    let r = hub
        .ok(
            "GET",
            &format!("/v1/subscriptions/{}", rentals[0]),
            Value::Null,
        )
        .await;
    assert_eq!(r["notes"], "Spare charger given");
    let hg = hub
        .ok("GET", &format!("/v1/billing-groups/{group}"), Value::Null)
        .await;
    assert_eq!(
        hg["billingGroup"]["rentalIds"],
        json!([rentals[0], rentals[1]]),
        "{hg}"
    );
    for (serial, status) in [("LP-3", "available"), ("LP-4", "returned")] {
        let x = hub
            .ok("GET", &format!("/v1/assets/{serial}"), Value::Null)
            .await;
        assert_eq!(x["status"], status, "{x}");
    }
    for (i, status) in [(2, "ended_early_return"), (3, "cancelled")] {
        let x = hub
            .ok(
                "GET",
                &format!("/v1/subscriptions/{}", rentals[i]),
                Value::Null,
            )
            .await;
        assert_eq!(x["status"], status, "{x}");
    }
    b.sync().await;
    assert_converged(&[&hub, &a, &b]).await;

    // B changes the group, then deletes it; A follows both.
    b.ok(
        "PATCH",
        &format!("/v1/billing-groups/{group}"),
        json!({"groupName": "Gina (phones)", "rentalIds": [rentals[0]]}),
    )
    .await;
    b.sync().await;
    a.sync().await;
    let ag = a
        .ok("GET", &format!("/v1/billing-groups/{group}"), Value::Null)
        .await;
    assert_eq!(
        (
            &ag["billingGroup"]["groupName"],
            &ag["billingGroup"]["rentalIds"]
        ),
        (&json!("Gina (phones)"), &json!([rentals[0]])),
        "{ag}"
    );
    assert_converged(&[&hub, &a, &b]).await;
    b.ok(
        "DELETE",
        &format!("/v1/billing-groups/{group}"),
        Value::Null,
    )
    .await;
    b.sync().await;
    a.sync().await;
    let (s, _) = a
        .v1("GET", &format!("/v1/billing-groups/{group}"), Value::Null)
        .await;
    assert_eq!(s, 404, "a group deleted on B is gone on A");
    assert_converged(&[&hub, &a, &b]).await;

    // The same product SKU made on both desks while B is offline: A's arrives first, B's is
    // refused, and keeping theirs replaces the desk's own product with the hub's.
    b.go_offline(&hub).await;
    let cam = |name: &str| {
        json!({"productSku": "CAM", "name": name, "category": "Cameras", "brand": "Acme", "specification": "4K",
               "variants": [{"variantSku": "CAM-4K", "variantName": "4K", "grade": "A", "pricing": {"12": 19}}]})
    };
    let on_a = a.rpc("catalog.saveProduct", cam("Camera (A)")).await;
    let on_b = b.rpc("catalog.saveProduct", cam("Camera (B)")).await;
    a.sync().await;
    b.sync_with(&hub);
    b.sync().await;
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "DUPLICATE_SKU", "{c}");
    b.resolve(&c, "keep_theirs").await;
    b.sync().await;
    let (s, _) = b
        .v1(
            "GET",
            &format!("/v1/products/{}", on_b["productId"].as_str().unwrap()),
            Value::Null,
        )
        .await;
    assert_eq!(s, 404, "B's own camera is gone");
    let theirs = b
        .ok(
            "GET",
            &format!("/v1/products/{}", on_a["productId"].as_str().unwrap()),
            Value::Null,
        )
        .await;
    assert_eq!(theirs["name"], "Camera (A)", "{theirs}");
    for n in [&a, &b] {
        assert_eq!(n.counts().await, (Some(0), Some(0)));
    }
    assert_converged(&[&hub, &a, &b]).await;
}

#[tokio::test]
async fn a_desk_that_worked_alone_sends_its_records_to_a_new_hub_and_a_clash_is_reported_not_merged(
) {
    let dir = tempfile::tempdir().unwrap();
    let hub = Node::new(dir.path(), "hub", &reserve_port()).await;
    // Desk C works alone for a while: catalog, stock, two subscriptions, a payment paid.
    let c = Node::new(dir.path(), "desk-c", "127.0.0.1:0").await;
    add_laptops(&c, &[]).await;
    for s in ["PC-1", "PC-2", "PC-3"] {
        c.ok(
            "POST",
            "/v1/assets",
            json!({"serialNumber": s, "sku": "LAP-16"}),
        )
        .await;
    }
    let (o1, c1) = new_order(&c, "lena@example.com").await;
    let (s1, r1) = activate(&c, &o1, &c1, "PC-1").await;
    assert_eq!(s1, 201, "{r1}");
    let (o2, c2) = new_order(&c, "mats@example.com").await;
    let (s2, _) = activate(&c, &o2, &c2, "PC-2").await;
    assert_eq!(s2, 201);
    let rental = r1["rental"]["rentalId"].as_str().unwrap();
    let p1 = first_payment(&c, rental).await;
    c.ok(
        "POST",
        &format!("/v1/payments/{p1}/mark-paid"),
        json!({"paymentReference": "CASH-7"}),
    )
    .await;
    // Nothing of this is in the outbox: the remote is set only now.
    c.sync_with(&hub);
    assert_eq!(c.status().await["waiting"], 0);
    let sent = c.rpc("sync.sendExisting", json!({})).await;
    let seed = &sent["seed"];
    assert_eq!(seed["refusedCount"], 0, "{sent}");
    assert_eq!(seed["written"], seed["sent"], "{sent}");
    assert_eq!(sent["sync"]["state"], "online", "{sent}");
    let p = hub
        .ok("GET", &format!("/v1/payments/{p1}"), Value::Null)
        .await;
    assert_eq!(p["payment"]["paymentReference"], "CASH-7", "{p}");
    assert_converged(&[&hub, &c]).await;
    // Sending again writes nothing new.
    let again = c.rpc("sync.sendExisting", json!({})).await;
    assert_eq!(
        (
            again["seed"]["written"].as_u64(),
            again["seed"]["present"].as_u64()
        ),
        (Some(0), seed["sent"].as_u64()),
        "{again}"
    );

    // Desk D also worked alone and has a customer with one of the same emails, under its own
    // id: that one is refused and reported; the rest of D's records go in.
    let d = Node::new(dir.path(), "desk-d", "127.0.0.1:0").await;
    let same = d
        .ok(
            "POST",
            "/v1/customers",
            json!({"email": "lena@example.com", "firstName": "Lena", "lastName": "D"}),
        )
        .await;
    d.ok(
        "POST",
        "/v1/customers",
        json!({"email": "noor@example.com", "firstName": "Noor", "lastName": "D"}),
    )
    .await;
    d.sync_with(&hub);
    let sent = d.rpc("sync.sendExisting", json!({})).await;
    let seed = &sent["seed"];
    assert_eq!(
        (
            seed["sent"].as_u64(),
            seed["written"].as_u64(),
            seed["refusedCount"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{sent}"
    );
    assert_eq!(
        seed["refused"][0]["ref"],
        format!("customer:{}", same["customerId"].as_str().unwrap()),
        "{sent}"
    );
    let found = hub
        .ok("GET", "/v1/customers?email=noor@example.com", Value::Null)
        .await;
    assert_eq!(
        found["customers"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
}

/// The OS keyring path of the remote's key. It needs a Secret Service, which a bare machine or a
/// CI runner lacks: `scripts/test.sh` runs it through `scripts/with-keyring.sh` (a private D-Bus
/// session with a fresh gnome-keyring), and it fails when the key did not go to the keyring.
#[tokio::test]
#[ignore = "needs a Secret Service: bash scripts/with-keyring.sh cargo test --test core keyring -- --ignored"]
async fn keyring_holds_the_remote_key_and_the_database_never_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Node::new(dir.path(), "hub", &reserve_port()).await;
    hub.ok(
        "POST",
        "/v1/products",
        json!({"productSku": "KEY", "name": "Keyboard", "category": "Laptops", "brand": "Acme", "specification": "US",
               "variants": [{"variantSku": "KEY-US", "variantName": "US", "grade": "A", "listPrice": 90, "pricing": {"12": 5}}]}),
    )
    .await;
    let db = dir.path().join("desk.db");
    let secrets = dir.path().join("desk-secrets");
    let run = |env: &[(&str, &str)], args: &[&str]| -> String {
        let out = crate::support::flexdesk_bin()
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("FLEXDESK_KEYRING")
            .env("FLEXDESK_SECRET_DIR", &secrets)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // What it says (stderr), then what it prints (stdout, last).
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    };
    let bu = run(
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
    let bu = bu.lines().last().unwrap().trim().to_string();
    let set = run(
        &[("FLEXDESK_REMOTE_KEY", &hub.key)],
        &[
            "remote",
            "set",
            "--tenant",
            &bu,
            "--url",
            &hub.url,
            "--remote-tenant",
            &hub.bu,
            "--allow-address",
        ],
    );
    assert!(set.contains("kept in the OS keyring"), "{set}");
    // Each sync reads the key back from the keyring.
    let synced = run(&[], &["sync", "--tenant", &bu]);
    let report: Value = serde_json::from_str(synced.lines().last().unwrap()).unwrap();
    assert_eq!(report["report"]["state"], "online", "{report}");
    let pulled = &report["report"]["pull"];
    assert!(
        pulled["adopted"].as_u64().unwrap() + pulled["copied"].as_u64().unwrap() >= 1,
        "{report}"
    );
    // Neither the database (with its WAL) nor a sealed-key file holds it.
    for f in ["desk.db", "desk.db-wal", "desk.db-shm"] {
        let bytes = std::fs::read(dir.path().join(f)).unwrap_or_default();
        assert!(
            !bytes
                .windows(hub.key.len())
                .any(|w| w == hub.key.as_bytes()),
            "the key is in {f}"
        );
    }
    assert!(!secrets.exists(), "nothing was sealed");
}

/// Ops are recorded typed (their kind and key; the request is made when they are pushed), and a
/// desk upgraded with ops still waiting that an older FlexDesk recorded as requests pushes those
/// as they were recorded.
#[tokio::test]
async fn typed_ops_and_ops_recorded_as_requests_before_them_both_reach_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let (mut hub, a, _b) = hub_and_desks(dir.path()).await;
    hub.stop();
    let mut ids = vec![];
    for (email, first) in [("olga@example.com", "Olga"), ("piet@example.com", "Piet")] {
        let c = a
            .ok(
                "POST",
                "/v1/customers",
                json!({"email": email, "firstName": first, "lastName": "Berg"}),
            )
            .await;
        ids.push(c["customerId"].as_str().unwrap().to_string());
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", a.db.display()))
        .await
        .unwrap();
    type Waiting = (i64, Option<String>, Option<String>, String, String);
    let waiting: Vec<Waiting> = sqlx::query_as(
        "SELECT seq, kind, op_key, method, path FROM sync_ops WHERE status = 'pending' ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    for (_, kind, key, method, path) in &waiting {
        assert_eq!(kind.as_deref(), Some("customer.create"));
        assert_eq!((key, method.as_str(), path.as_str()), (&None, "", ""));
    }
    // The first one as an older FlexDesk recorded it: the request itself.
    sqlx::query(
        "UPDATE sync_ops SET kind = NULL, method = 'POST', path = '/v1/customers' WHERE seq = ?",
    )
    .bind(waiting[0].0)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    hub.start();
    let r = a.sync().await;
    assert_eq!(r["state"], "online", "{r}");
    assert_eq!(a.counts().await.0, Some(0), "{}", a.status().await);
    for (id, email) in ids.iter().zip(["olga@example.com", "piet@example.com"]) {
        let c = hub
            .ok("GET", &format!("/v1/customers/{id}"), Value::Null)
            .await;
        assert_eq!(c["email"], email, "{c}");
    }
}

/// "Keep theirs" on an activation the remote refused would drop the desk's subscription, which
/// the remote never had. Once a payment of it was paid here, that money is never dropped
/// because the remote answers 404: the resolution says why, and everything stays.
#[tokio::test]
async fn keep_theirs_never_drops_a_payment_paid_here_because_the_remote_has_no_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, a, b) = hub_and_desks(dir.path()).await;
    a.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "SN-M1", "sku": "LAP-16"}),
    )
    .await;
    a.sync().await;
    b.sync().await;
    a.go_offline(&hub).await;
    b.go_offline(&hub).await;
    let (order_a, cust_a) = new_order(&a, "anna@example.com").await;
    assert_eq!(activate(&a, &order_a, &cust_a, "SN-M1").await.0, 201);
    let (order_b, cust_b) = new_order(&b, "bart@example.com").await;
    let (s, v) = activate(&b, &order_b, &cust_b, "SN-M1").await;
    assert_eq!(s, 201, "{v}");
    let rental_b = v["rental"]["rentalId"].as_str().unwrap().to_string();
    let paid = first_payment(&b, &rental_b).await;
    b.ok(
        "POST",
        &format!("/v1/payments/{paid}/mark-paid"),
        json!({"paymentReference": "CASH-1"}),
    )
    .await;
    a.sync_with(&hub);
    a.sync().await;
    b.sync_with(&hub);
    b.sync().await;
    let c = open_conflict(&b).await;
    assert_eq!(c["code"], "ASSET_NOT_AVAILABLE", "{c}");
    let (ok, e) = b
        .rpc_raw(
            "sync.resolve",
            json!({"conflictId": c["id"], "resolution": "keep_theirs"}),
        )
        .await;
    assert!(!ok, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("paid or invoiced"),
        "{e}"
    );
    assert_eq!(
        open_conflict(&b).await["id"],
        c["id"],
        "the conflict stays open"
    );
    let p = b
        .ok("GET", &format!("/v1/payments/{paid}"), Value::Null)
        .await;
    assert_eq!(p["payment"]["status"], "paid", "{p}");
}

/// A payment whose subscription has not come down yet waits for it. Written without it, it would
/// stay without it (the next pass reads only what changed since), and the subscription would
/// show no next billing date on this desk for good.
#[tokio::test]
async fn a_payment_pulled_before_its_subscription_waits_for_it() {
    let t = crate::support::TestCore::new().await;
    let payment = json!({"paymentId": "pay_early_1", "customerId": "cus_x", "rentalId": "rnt_not_here_yet",
        "paymentType": "individual", "billingPeriod": "2026-02", "dueDate": "2026-02-01", "subtotal": 49,
        "taxAmount": 10.29, "total": 59.29, "currency": "EUR", "status": "pending",
        "idempotencyKey": "rnt_not_here_yet:rent:1", "createdAt": "2026-01-15T12:00:00.000Z",
        "updatedAt": "2026-01-15T12:00:00.000Z"});
    let taken = flexdesk::sync::pull::take_records(&t.core.db, &t.bu, "payment", &[payment])
        .await
        .unwrap();
    assert_eq!(
        (taken.written, taken.refused.len()),
        (0, 1),
        "{:?}",
        taken.refused
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE id = 'pay_early_1'")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

/// What comes from a remote is written only into the unit it was read for: an id that is
/// another unit's record on this node is refused, and that record stays as it was.
#[tokio::test]
async fn a_pulled_record_never_overwrites_another_units_record_with_the_same_id() {
    use flexdesk::services::customers;
    let t = crate::support::TestCore::new().await;
    let mine = customers::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(
            json!({"email": "ann@x.example", "firstName": "Ann", "lastName": "Visser"}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let other = t.second_bu("BE", "EUR").await;
    let theirs = json!({"customerId": mine.customer_id, "email": "eve@x.example", "firstName": "Eve",
        "lastName": "Intruder", "customerType": "individual", "status": "active",
        "createdAt": "2026-01-15T12:00:00.000Z", "updatedAt": "2026-01-15T12:00:00.000Z"});
    let taken = flexdesk::sync::pull::take_records(&t.core.db, &other, "customer", &[theirs])
        .await
        .unwrap();
    assert_eq!(
        (taken.written, taken.refused.len()),
        (0, 1),
        "{:?}",
        taken.refused
    );
    assert!(
        taken.refused[0].1.contains("another business unit"),
        "{:?}",
        taken.refused
    );
    let still = customers::get(&t.core.db, &t.bu, &mine.customer_id)
        .await
        .unwrap();
    assert_eq!(
        (still.email.as_str(), still.last_name.as_str()),
        ("ann@x.example", "Visser")
    );
}
