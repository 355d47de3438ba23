//! Talking to the remote's v1 API: the auth headers, the FlexDesk headers that let a FlexDesk hub
//! replay an op exactly once at the time it was made, and what an answer means for the outbox.

use super::remote::Remote;
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
}

/// One op on the wire.
pub struct Request<'a> {
    pub op_id: &'a str,
    pub origin: &'a str,
    pub at: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub body: Option<&'a str>,
}

impl Client {
    pub fn new(remote: Remote, timeout: Duration) -> Client {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("FlexDesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Client { http, remote }
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

    pub async fn send(&self, r: &Request<'_>) -> Answer {
        let method =
            reqwest::Method::from_bytes(r.method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut b = self
            .authed(self.http.request(method, self.url(r.path)))
            .header("Idempotency-Key", r.op_id)
            .header("FlexDesk-Origin", r.origin)
            .header("FlexDesk-Op-At", r.at);
        if let Some(body) = r.body {
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
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                return Answer::Later {
                    reason: describe(&e),
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

    /// GET a path with a query; the parsed body, or None for 404.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<Value>, ReadError> {
        let resp = self
            .authed(self.http.get(self.url(path)))
            .query(query)
            .send()
            .await
            .map_err(|e| ReadError::Unavailable(describe(&e)))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| ReadError::Unavailable(describe(&e)))?;
        match status {
            200..=299 => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ReadError::Unavailable(format!("Unreadable answer from {path}: {e}"))),
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
        "Could not connect to the remote".into()
    } else {
        format!("The connection failed: {e}")
    }
}
