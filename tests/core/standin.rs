//! A stand-in for FlexPortal's cloud, as strict as its published contract: the document in
//! `openapi/flexportal-v1.json` (a copy of FlexPortal's own `openapi.json`, kept identical),
//! read through the desk's `sync::wire::contract`.
//!
//! - Only its operations: anything else is 404 `NOT_FOUND`.
//! - A request body its schema rejects is 400 `VALIDATION_ERROR`, naming the field; an accepted
//!   body is cut to the fields the schema documents (FlexPortal ignores the rest).
//! - Query parameters the operation does not document, and every header but `Authorization`,
//!   `Tenant-ID` and `Content-Type`, are dropped (so `changedSince`, `sortDir`,
//!   `Idempotency-Key` and `FlexDesk-*` mean nothing here).
//! - Answers carry only the fields its response schemas document.
//! - It gives its own ids.
//!
//! Behind the front a FlexDesk core does the business (with confirmation optional, as
//! FlexPortal's docs say); the front is what makes it FlexPortal-shaped. Every request is logged
//! so a test can say what the desk sent and what was taken.

use crate::support::TestCore;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use flexdesk::http::{start, RunningServer, ServeOptions};
use flexdesk::services::business_units;
use flexdesk::sync::wire::contract::{self, prune, Operation};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// One request the stand-in saw (what a failing test prints).
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The query as sent (empty without one).
    pub query: String,
    /// The operation it matched (`createOrder`), none for a request FlexPortal has no operation for.
    pub operation: Option<String>,
    pub status: u16,
    /// The error code of a refused request.
    pub code: Option<String>,
    /// The refusal, as answered.
    pub error: Option<Value>,
}

impl Seen {
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
    pub fn taken(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub struct StandIn {
    pub url: String,
    /// The business unit's id: the Tenant-ID a desk sends.
    pub tenant: String,
    pub key: String,
    /// The business behind the front (what FlexPortal's dashboard would change).
    pub core: TestCore,
    log: Arc<Mutex<Vec<Seen>>>,
    _inner: RunningServer,
    _front: tokio::task::JoinHandle<()>,
}

struct Front {
    components: Value,
    inner: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    /// A stand-in whose calendar is the spawned desks' (the pinned day).
    pub async fn start() -> StandIn {
        let day = chrono::NaiveDate::parse_from_str(&crate::support::pinned_today(), "%Y-%m-%d")
            .expect("the pinned day");
        let mut t = TestCore::on(day).await;
        // FlexPortal: "confirming an order is optional".
        set_confirmed_orders(&mut t, false).await;
        let key = t.api_key("stand-in").await;
        let inner = start(
            t.core.clone(),
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions {
                own_ids: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let log = Arc::new(Mutex::new(vec![]));
        let front = Arc::new(Front {
            components: contract::document()["components"].clone(),
            inner: inner.url(),
            http: reqwest::Client::new(),
            log: log.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let front = front.clone();
                async move { front.handle(method, uri, headers, body).await }
            },
        );
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        StandIn {
            url,
            tenant: t.bu.id.clone(),
            key,
            core: t,
            log,
            _inner: inner,
            _front: task,
        }
    }

    /// Whether activation needs a confirmed order (FlexPortal's dashboard has the switch and
    /// the button; its API has neither).
    pub async fn require_confirmed_orders(&mut self, on: bool) {
        set_confirmed_orders(&mut self.core, on).await;
    }

    /// Confirm an order as FlexPortal's dashboard does.
    pub async fn confirm_in_dashboard(&self, order_id: &str) {
        flexdesk::services::orders::confirm(&self.core.core.db, &self.core.ctx(), order_id)
            .await
            .unwrap();
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// A webshop's order on FlexPortal for a new customer (a 12-month LAP-16); the order as
    /// answered.
    pub async fn webshop_order(&self, email: &str, first: &str) -> Value {
        let (s, shop) = self
            .call(
                "POST",
                "/v1/orders",
                Some(json!({"customer": {"email": email, "firstName": first, "lastName": "Jansen"},
                    "billingAddress": {"contactName": first, "streetAddress": "Laan 3", "city": "Utrecht", "country": "Netherlands"},
                    "items": [{"sku": "LAP-16", "quantity": 1, "contractLength": 12}]})),
            )
            .await;
        assert_eq!(s, 201, "{shop}");
        shop
    }

    /// A call as another system would make it (the webshop, the dashboard).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut b = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .bearer_auth(&self.key)
            .header("Tenant-ID", &self.tenant);
        if let Some(body) = body {
            b = b.json(&body);
        }
        let resp = b.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    details: Option<Value>,
) -> (StatusCode, Value) {
    let mut e = json!({"code": code, "message": message});
    if let Some(d) = details {
        e["details"] = d;
    }
    (status, json!({ "error": e }))
}

impl Front {
    fn schema(&self, s: &Value) -> Value {
        let mut s = s.clone();
        if s.is_object() {
            s["components"] = self.components.clone();
        }
        s
    }

    async fn handle(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let path = uri.path().to_string();
        let op = contract::operation(method.as_str(), &path);
        let (status, answer) = match op {
            None => error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("{method} {path} is not an operation of this API."),
                None,
            ),
            Some(op) => self.forward(op, &method, &uri, &headers, &body).await,
        };
        self.log.lock().unwrap().push(Seen {
            method: method.to_string(),
            path,
            query: uri.query().unwrap_or_default().to_string(),
            operation: op.map(|o| o.id.clone()),
            status: status.as_u16(),
            code: answer["error"]["code"].as_str().map(str::to_string),
            error: answer.get("error").cloned(),
        });
        (status, axum::Json(answer)).into_response()
    }

    async fn forward(
        &self,
        op: &Operation,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> (StatusCode, Value) {
        let mut sent: Option<Value> = None;
        if let Some(request_schema) = op.request_schema() {
            let mut v: Value = if body.is_empty() {
                json!({})
            } else {
                match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(_) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            "VALIDATION_ERROR",
                            "Invalid request body",
                            None,
                        )
                    }
                }
            };
            let validator = jsonschema::validator_for(&self.schema(request_schema)).unwrap();
            let details: Vec<Value> = validator
                .iter_errors(&v)
                .map(|e| {
                    let at = e.instance_path.to_string();
                    let mut path = at.trim_start_matches('/').replace('/', ".");
                    if let jsonschema::error::ValidationErrorKind::Required { property } = &e.kind {
                        let p = property.as_str().unwrap_or_default();
                        path = if path.is_empty() {
                            p.to_string()
                        } else {
                            format!("{path}.{p}")
                        };
                    }
                    json!({"path": path, "message": e.to_string(), "code": "invalid"})
                })
                .collect();
            if !details.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "VALIDATION_ERROR",
                    "Invalid request body",
                    Some(Value::Array(details)),
                );
            }
            prune(&mut v, request_schema);
            sent = Some(v);
        }
        let documented = op.query_names();
        let query: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x{uri}"))
            .map(|u| {
                u.query_pairs()
                    .into_owned()
                    .filter(|(k, _)| documented.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut b = self
            .http
            .request(method.clone(), format!("{}{}", self.inner, uri.path()))
            .query(&query);
        for h in ["authorization", "tenant-id"] {
            if let Some(v) = headers.get(h) {
                b = b.header(h, v.as_bytes());
            }
        }
        if let Some(v) = sent {
            b = b.json(&v);
        }
        let resp = b.send().await.unwrap();
        let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
        let mut answer: Value = resp.json().await.unwrap_or(Value::Null);
        let documented =
            &op.spec["responses"][status.as_str()]["content"]["application/json"]["schema"];
        if documented.is_object() {
            prune(&mut answer, documented);
        } else if !status.is_success() {
            prune(&mut answer, &self.components["schemas"]["Error"]);
        }
        (status, answer)
    }
}

/// Switch the stand-in business's "activation needs a confirmed order" setting.
async fn set_confirmed_orders(t: &mut TestCore, on: bool) {
    let mut settings = t.bu.settings.clone();
    settings.require_confirmed_orders = on;
    t.bu = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(settings),
        },
    )
    .await
    .unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The desk's copy is FlexPortal's document as published (checked wherever the reference is
    /// there: on a development machine, beside the project).
    #[test]
    fn the_contract_copy_is_flexportals_document() {
        let published = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/flexportal-docs/openapi.json");
        if let Ok(text) = std::fs::read_to_string(&published) {
            assert!(
                text == contract::DOCUMENT,
                "openapi/flexportal-v1.json differs from {}",
                published.display()
            );
        }
    }
}
