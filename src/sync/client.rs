//! Talking to the remote's v1 API: the auth headers, the FlexDesk headers that let a FlexDesk hub
//! replay an op exactly once at the time it was made, and what an answer means for the outbox.

use super::idmap::{IdMap, Way};
use super::remote::Remote;
use crate::net::guard::Guard;
use serde_json::Value;
use std::time::Duration;

/// What the remote said to one op.
#[derive(Debug)]
pub enum Answer {
    /// Accepted (2xx, or "already applied"): the answer's status and body.
    Done(u16, String),
    /// Refused because of the data: a conflict for the inbox.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The key or tenant was refused: nothing can be pushed until settings change.
    Unauthorized(String),
    /// Try again later (no answer, 5xx, 429); `after` when the remote said how long to wait.
    Later {
        reason: String,
        after: Option<Duration>,
    },
}

/// A failed read (pull): offline or refused.
#[derive(Debug)]
pub enum ReadError {
    Unauthorized(String),
    Unavailable(String),
}

impl ReadError {
    pub fn message(&self) -> &str {
        match self {
            ReadError::Unauthorized(m) | ReadError::Unavailable(m) => m,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    remote: Remote,
    /// The remote's ids of records made here: requests go out in them, answers come back in the
    /// desk's (see `idmap`).
    ids: IdMap,
    /// Why the remote's address may not be reached at all (an address, not a name, that its
    /// guard refuses): nothing is sent until the settings change.
    refused: Option<String>,
}

/// One op on the wire, in the desk's ids.
pub struct Request<'a> {
    pub op_id: &'a str,
    pub origin: &'a str,
    pub at: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub body: Option<&'a Value>,
    /// Ids the answer gives to records made here (see `wire::Outgoing::mints`).
    pub mints: &'a [(String, &'static str)],
}

impl Client {
    pub fn new(remote: Remote, timeout: Duration, db: &crate::store::Db) -> Client {
        let (guard, mut refused) = Guard::of_stored(&remote.base_url, remote.address_confirmed);
        let mut builder = guard.client();
        if let Some(pem) = &remote.ca_pem {
            match reqwest::Certificate::from_pem(pem.as_bytes()) {
                Ok(cert) => builder = builder.add_root_certificate(cert),
                Err(e) => refused = Some(format!("The remote's certificate cannot be read: {e}")),
            }
        }
        let http = builder
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("FlexDesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        let ids = IdMap::new(db.clone(), &remote.bu_id);
        Client {
            http,
            remote,
            ids,
            refused,
        }
    }

    pub fn ids(&self) -> &IdMap {
        &self.ids
    }

    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.remote.base_url, path)
    }

    fn authed(&self, b: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        b.bearer_auth(&self.remote.api_key)
            .header("Tenant-ID", &self.remote.tenant_id)
    }

    /// Send one op, written in the remote's ids; an accepted create teaches the desk the id the
    /// remote gave (before the op counts as done, so a lost lesson is learned again on retry).
    pub async fn send(&self, r: &Request<'_>) -> Answer {
        let (path, body) = match self.outbound(r).await {
            Ok(x) => x,
            Err(e) => {
                return Answer::Later {
                    reason: format!("Could not prepare the change: {}", e.message),
                    after: None,
                }
            }
        };
        let answer = self.send_raw(r, &path, body.as_ref()).await;
        match answer {
            Answer::Done(status, text) => self.taken(r, &path, body.as_ref(), status, text).await,
            other => other,
        }
    }

    /// An answer that says the op was taken (sent, or found already made): the ids it gives are
    /// learned before the op counts as done.
    pub(super) async fn taken(
        &self,
        r: &Request<'_>,
        path: &str,
        body: Option<&Value>,
        status: u16,
        text: String,
    ) -> Answer {
        match self.learn(r, path, body, &text).await {
            Ok(()) => Answer::Done(status, text),
            Err(e) => Answer::Later {
                reason: format!("Could not read the remote's ids: {}", e.message),
                after: None,
            },
        }
    }

    /// The op's path and body in the remote's ids. A payment the remote scheduled itself (for a
    /// subscription it knows by another id) is looked up first.
    pub(super) async fn outbound(&self, r: &Request<'_>) -> crate::Result<(String, Option<Value>)> {
        if let Some(pid) = r
            .path
            .strip_prefix("/v1/payments/")
            .and_then(|p| p.split('/').next())
        {
            self.find_payment(pid).await?;
        }
        let path = self.ids.path(r.path, Way::Out).await?;
        let body = match r.body {
            Some(b) => {
                let mut v = b.clone();
                self.ids.value(&mut v, Way::Out).await?;
                Some(v)
            }
            None => None,
        };
        Ok((path, body))
    }

    /// Learn the ids an accepted create minted: those the request names (`orderId`, a new
    /// customer's id inside the order, …) from the answer, and a product's variants from the
    /// remote's copy, matched by SKU.
    async fn learn(
        &self,
        r: &Request<'_>,
        path: &str,
        sent: Option<&Value>,
        answer: &str,
    ) -> crate::Result<()> {
        let Some(sent) = sent else {
            return Ok(());
        };
        let answer: Value = serde_json::from_str(answer).unwrap_or(Value::Null);
        let mut pairs = vec![];
        for (ours, at) in r.mints {
            if let Some(theirs) = super::idmap::answer_id(&answer, at) {
                pairs.push((ours.clone(), theirs));
            }
        }
        let product = match (r.method, path) {
            ("POST", "/v1/products") => super::idmap::answer_id(&answer, "productId"),
            ("PUT", p) => p
                .strip_prefix("/v1/products/")
                .filter(|id| !id.contains('/'))
                .map(str::to_string),
            _ => None,
        };
        if let Some(pid) = product {
            let theirs = self
                .get_raw(&format!("/v1/products/{pid}"), &[])
                .await
                .map_err(|e| crate::Error::new(crate::ErrorCode::RemoteUnavailable, e.message()))?
                .unwrap_or(Value::Null);
            let theirs = theirs.get("product").unwrap_or(&theirs);
            pairs.extend(super::idmap::variant_pairs(sent, theirs));
        }
        self.ids.learn_all(&pairs).await
    }

    /// A desk's payment whose subscription (or billing group) the remote knows by another id
    /// has another id there too: the remote's payments of that owner are read and paired with
    /// the desk's by idempotency key.
    async fn find_payment(&self, pid: &str) -> crate::Result<()> {
        if self.ids.mapped(pid).await? {
            return Ok(());
        }
        let owner: Option<(Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT rental_id, billing_group_id, payment_type FROM payments WHERE bu_id = ? AND id = ?",
        )
        .bind(self.ids.bu_id())
        .bind(pid)
        .fetch_optional(self.ids.db().pool())
        .await?;
        let owner = match owner {
            Some((_, Some(g), t)) if t == "consolidated" => super::r("billing_group", &g),
            Some((Some(rental), ..)) => super::r("rental", &rental),
            _ => return Ok(()),
        };
        let owner_id = owner.split_once(':').map(|(_, id)| id).unwrap_or_default();
        if !self.ids.mapped(owner_id).await? {
            return Ok(());
        }
        let found = remote_payments_of(self, std::slice::from_ref(&owner)).await?;
        let mut conn = self.ids.db().pool().acquire().await?;
        let mut pairs = vec![];
        for p in found.iter().flat_map(|(_, items)| items) {
            let (Some(theirs), Some(key)) = (
                p.get("paymentId").and_then(Value::as_str),
                p.get("idempotencyKey").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(ours) =
                super::idmap::payment_by_key(&mut conn, self.ids.bu_id(), key, theirs).await?
            {
                pairs.push((ours, theirs.to_string()));
            }
        }
        self.ids.learn_all(&pairs).await
    }

    async fn send_raw(&self, r: &Request<'_>, path: &str, body: Option<&Value>) -> Answer {
        if let Some(why) = &self.refused {
            return Answer::Unauthorized(why.clone());
        }
        let method =
            reqwest::Method::from_bytes(r.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut b = self
            .authed(self.http.request(method, self.url(path)))
            .header("Idempotency-Key", r.op_id)
            .header("FlexDesk-Origin", r.origin)
            .header("FlexDesk-Op-At", r.at);
        if let Some(body) = body {
            b = b
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let resp = match b.send().await {
            Ok(resp) => resp,
            Err(e) => {
                return Answer::Later {
                    reason: describe(&e),
                    after: None,
                }
            }
        };
        let status = resp.status().as_u16();
        let retry_after = crate::net::retry_after(resp.headers());
        let text = match crate::net::text_at_most(resp, crate::net::MAX_ANSWER_BYTES).await {
            Ok(t) => t,
            Err(reason) => {
                return Answer::Later {
                    reason,
                    after: None,
                }
            }
        };
        let (code, message) = error_of(&text);
        match status {
            200..=299 => Answer::Done(status, text),
            401 | 403 => Answer::Unauthorized(message),
            408 | 429 | 500..=599 => Answer::Later {
                reason: format!("HTTP {status}: {message}"),
                after: retry_after,
            },
            409 if text.contains(super::ALREADY_APPLIED) => Answer::Done(status, text),
            _ => Answer::Refused {
                status,
                code,
                message,
            },
        }
    }

    /// GET a path with a query, in the desk's ids both ways; the parsed body, or None for 404.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<Value>, ReadError> {
        let local = |e: crate::Error| ReadError::Unavailable(e.message);
        let path = self.ids.path(path, Way::Out).await.map_err(local)?;
        let query = self.ids.query(query, Way::Out).await.map_err(local)?;
        let q: Vec<(&str, String)> = query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let mut v = self.get_raw(&path, &q).await?;
        if let Some(v) = v.as_mut() {
            self.ids.value(v, Way::In).await.map_err(local)?;
        }
        Ok(v)
    }

    /// One record of a synced kind by its id (`GET {path}/{id}`), unwrapped where the remote
    /// wraps it (`{success, payment}`); None for 404.
    pub async fn get_one(
        &self,
        k: &super::kinds::Kind,
        id: &str,
    ) -> Result<Option<Value>, ReadError> {
        let v = self.get(&format!("{}/{id}", k.path), &[]).await?;
        Ok(match (v, k.one) {
            (Some(mut w), Some(key)) if w.get(key).is_some() => Some(w[key].take()),
            (other, _) => other,
        })
    }

    /// GET as the remote has it (its ids).
    pub(super) async fn get_raw(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<Value>, ReadError> {
        match self.get_text(path, query).await? {
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ReadError::Unavailable(format!("Unreadable answer from {path}: {e}"))),
            None => Ok(None),
        }
    }

    /// GET as the remote has it, the answer's text unread; None for 404.
    pub(super) async fn get_text(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<String>, ReadError> {
        if let Some(why) = &self.refused {
            return Err(ReadError::Unauthorized(why.clone()));
        }
        let resp = self
            .authed(self.http.get(self.url(path)))
            .query(query)
            .send()
            .await
            .map_err(|e| ReadError::Unavailable(describe(&e)))?;
        let status = resp.status().as_u16();
        let text = crate::net::text_at_most(resp, crate::net::MAX_ANSWER_BYTES)
            .await
            .map_err(|e| ReadError::Unavailable(format!("{path}: {e}")))?;
        match status {
            200..=299 => Ok(Some(text)),
            404 => Ok(None),
            401 | 403 => Err(ReadError::Unauthorized(error_of(&text).1)),
            _ => Err(ReadError::Unavailable(format!(
                "HTTP {status} from {path}: {}",
                error_of(&text).1
            ))),
        }
    }
}

/// The FlexPortal error envelope's code and message (or the start of whatever came back).
fn error_of(text: &str) -> (String, String) {
    let v: Option<Value> = serde_json::from_str(text).ok();
    let e = v.as_ref().and_then(|v| v.get("error"));
    let code = e
        .and_then(|e| e.get("code"))
        .and_then(Value::as_str)
        .unwrap_or("HTTP_ERROR")
        .to_string();
    let message = e
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text.chars().take(200).collect());
    (code, message)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "The remote did not answer in time".into()
    } else if e.is_connect() {
        format!(
            "Could not connect to the remote: {}",
            crate::net::root_cause(e)
        )
    } else {
        format!("The connection failed: {e}")
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the remote's side of given entities (the conflict inbox, a resolution, an id look-up)

pub(crate) fn unavailable(e: ReadError) -> crate::Error {
    match e {
        ReadError::Unauthorized(m) => crate::Error::new(crate::ErrorCode::AuthRequired, m),
        ReadError::Unavailable(m) => crate::Error::new(crate::ErrorCode::RemoteUnavailable, m),
    }
}

/// The remote's copy of each ref (null when it has none), for the conflict inbox and `readopt`.
pub async fn remote_state(client: &Client, refs: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for r in refs {
        let (kind, key) = r.split_once(':').unwrap_or((r.as_str(), ""));
        let Some(k) = super::kinds::kind_named(kind) else {
            continue;
        };
        if let Ok(v) = client.get_one(k, key).await {
            out.insert(r.clone(), v.unwrap_or(Value::Null));
        }
    }
    Value::Object(out)
}

/// The remote's payments of each subscription and billing group among `refs` (`rental:…` → its
/// payments, `billing_group:…` → the group's, every page), for a resolution that adopts them.
pub async fn remote_payments_of(
    client: &Client,
    refs: &[String],
) -> crate::error::Result<Vec<(String, Vec<Value>)>> {
    let mut out = vec![];
    for r in refs {
        let (filter, id) = match r.split_once(':') {
            Some(("rental", id)) => ("rentalId", id),
            Some(("billing_group", id)) => ("billingGroupId", id),
            _ => continue,
        };
        let mut items = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut q = vec![
                (filter, id.to_string()),
                // Every row, the lines of consolidated payments too.
                ("changedSince", String::new()),
                ("limit", super::kinds::PAGE.to_string()),
                ("sortDir", "asc".into()),
            ];
            if let Some(c) = &cursor {
                q.push(("startAfter", c.clone()));
            }
            let page = client
                .get("/v1/payments", &q)
                .await
                .map_err(unavailable)?
                .unwrap_or(Value::Null);
            items.extend(
                page.get("payments")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            cursor = page
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_string)
                .filter(|_| {
                    page.get("hasMore")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                });
            if cursor.is_none() {
                break;
            }
        }
        out.push((r.clone(), items));
    }
    Ok(out)
}

/// Like `remote_state`, but every ref must be read (a resolution cannot act on half the truth).
pub async fn remote_state_all(client: &Client, refs: &[String]) -> crate::error::Result<Value> {
    let v = remote_state(client, refs).await;
    if v.as_object().map(|m| m.len()) != Some(refs.len()) {
        return Err(crate::Error::new(
            crate::ErrorCode::RemoteUnavailable,
            "The remote could not be reached to read its side; try again when online.",
        ));
    }
    Ok(v)
}
