//! The local HTTP server: the FlexPortal v1 API for integrations (`/v1/...`, Bearer key +
//! `Tenant-ID`), the desk's command table for a browser UI (`POST /rpc/{command}`), the OpenAPI
//! document (`/v1/openapi.json`), and optionally the built UI itself (`/`).

mod limits;
mod rpc;
mod same_site;
pub mod tls;
mod v1;

use crate::error::{Error, ErrorCode, Result};
use crate::Core;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The OpenAPI document of what this server speaks (the FlexPortal v1 schemas without prose,
/// limited to the operations served here, plus FlexDesk's extensions).
pub const OPENAPI: &str = include_str!("../../openapi/flexdesk-v1.json");

#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Serve the built desk UI from this folder at `/`.
    pub ui_dir: Option<PathBuf>,
    /// Names (besides `localhost` and IP addresses) this server answers to on `/rpc` and the UI,
    /// e.g. `hub.shop.lan`: the `Host` check refuses every other name (DNS rebinding).
    pub host_names: Vec<String>,
    /// Mint ids for what v1 callers create, ignoring the ids they send (as FlexPortal's cloud
    /// does), so a desk can be tried against a remote that assigns its own.
    pub own_ids: bool,
    /// Speak HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<tls::TlsFiles>,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub core: Core,
    pub own_ids: bool,
    /// What `Host` may say on `/rpc` and the UI, and the session cookie's name.
    pub site: std::sync::Arc<same_site::Site>,
    /// Addresses sending wrong API keys.
    pub bad_keys: std::sync::Arc<limits::BadKeys>,
}

/// An error as FlexPortal sends it: `{"error": {"code", "message", "details"?}}` with its status.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError(Error::new(
            ErrorCode::ValidationError,
            format!("The request body is not valid JSON: {e}"),
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A replayed op that was applied before (two copies racing): the first one's success.
        if let Some(replayed) = self.0.replayed {
            return already_applied(replayed.recorded);
        }
        let err = self.0.for_caller();
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = serde_json::json!({"code": err.code.as_str(), "message": err.message});
        if !err.details.is_empty() {
            body["details"] = serde_json::to_value(&err.details).unwrap_or_default();
        }
        let mut resp = (status, axum::Json(serde_json::json!({ "error": body }))).into_response();
        if err.code == ErrorCode::RateLimited {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RATE_LIMITED_RETRY_AFTER_S),
            );
        }
        if err.code == ErrorCode::Busy {
            // Another writer holds the database (a long run): come back in a moment.
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(BUSY_RETRY_AFTER_S),
            );
        }
        resp
    }
}

/// The wait a paused address is asked for, in seconds (the window it is paused in, at most).
const RATE_LIMITED_RETRY_AFTER_S: &str = "60";

/// The wait a busy answer asks for, in seconds.
const BUSY_RETRY_AFTER_S: &str = "2";

/// The answer to a write whose Idempotency-Key was applied before: success, with the fields of
/// the op as this server recorded it (the ids it gave to what the op created).
fn already_applied(recorded: Option<serde_json::Value>) -> Response {
    let mut body = match recorded {
        Some(serde_json::Value::Object(o)) => o,
        _ => Default::default(),
    };
    body.insert("success".into(), true.into());
    body.insert("message".into(), "Already applied".into());
    body.insert("alreadyApplied".into(), true.into());
    (StatusCode::OK, axum::Json(serde_json::Value::Object(body))).into_response()
}

/// The SHA-256 (hex) of a write's body sent with an Idempotency-Key, for the v1 caller's check
/// after authentication: the same key with another body is not the same request.
#[derive(Debug, Clone)]
pub(crate) struct BodyHash(pub String);

/// The largest v1 body read (a product CSV of 10 MB, with room for its multipart frame).
const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// Hash the body of a write that carries an Idempotency-Key. Nothing is looked up here: whether
/// the op was applied before is the authenticated caller's question (`v1::Tenant`), asked in
/// the caller's own business unit.
async fn hash_body(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use sha2::Digest;
    let keyed =
        req.method() != axum::http::Method::GET && req.headers().contains_key("idempotency-key");
    if !keyed {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError(Error::new(
            ErrorCode::ValidationError,
            "The request body is too large.",
        ))
        .into_response();
    };
    parts
        .extensions
        .insert(BodyHash(hex::encode(sha2::Sha256::digest(&bytes))));
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// axum's own refusals (a body too large, a method not served, a body that is not JSON) come as
/// plain text; they are answered in the FlexPortal error envelope like every other error.
async fn envelope(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return resp;
    }
    let text = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, message) = match status.as_u16() {
        404 => (ErrorCode::NotFound, "No such endpoint.".to_string()),
        405 => (
            ErrorCode::NotFound,
            "This endpoint does not answer that method.".to_string(),
        ),
        408 => (
            ErrorCode::Internal,
            "The request took too long and was stopped; nothing of it was kept.".to_string(),
        ),
        413 => (
            ErrorCode::ValidationError,
            "The request body is too large.".to_string(),
        ),
        s if s < 500 => (
            ErrorCode::ValidationError,
            if text.is_empty() {
                "The request could not be read.".to_string()
            } else {
                text
            },
        ),
        _ => (ErrorCode::Internal, text),
    };
    let mut out = ApiError(Error::new(code, message)).into_response();
    *out.status_mut() = status;
    out
}

pub fn router(core: Core, port: u16, opts: &ServeOptions) -> Router {
    let state = AppState {
        core,
        own_ids: opts.own_ids,
        site: std::sync::Arc::new(same_site::Site::new(
            port,
            &opts.host_names,
            opts.tls.is_some(),
        )),
        bad_keys: Default::default(),
    };
    let guard = axum::middleware::from_fn_with_state(state.clone(), same_site::guard);
    let mut app = Router::new()
        .merge(v1::routes().layer(axum::middleware::from_fn(hash_body)))
        .merge(rpc::routes().layer(guard.clone()))
        .route("/v1/openapi.json", axum::routing::get(openapi))
        .route("/health", axum::routing::get(|| async { "ok" }))
        .with_state(state);
    if let Some(dir) = &opts.ui_dir {
        let index = dir.join("index.html");
        let ui = Router::new()
            .fallback_service(
                tower_http::services::ServeDir::new(dir)
                    .fallback(tower_http::services::ServeFile::new(index)),
            )
            .layer(guard);
        app = app.fallback_service(ui);
    } else {
        app = app
            .fallback(|| async { ApiError(Error::new(ErrorCode::NotFound, "No such endpoint.")) });
    }
    app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits::REQUEST_TIMEOUT,
    ))
    .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
        limits::CONCURRENT_REQUESTS,
    ))
    .layer(axum::middleware::from_fn(envelope))
}

async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

pub struct RunningServer {
    pub addr: SocketAddr,
    tls: bool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }
    /// Stop accepting, finish in-flight requests, and return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
    /// Wait until the server ends (Ctrl-C for the CLI).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Bind and serve in the background. Port 0 picks a free port (tests).
pub async fn start(core: Core, addr: SocketAddr, opts: ServeOptions) -> Result<RunningServer> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::new(ErrorCode::Conflict, format!("Cannot listen on {addr}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::internal(e.to_string()))?;
    let tls = opts.tls.as_ref().map(tls::config).transpose()?;
    let app = router(core, addr.port(), &opts);
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = match tls.clone() {
        None => tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        }),
        Some(config) => {
            let listener = listener
                .into_std()
                .map_err(|e| Error::internal(e.to_string()))?;
            let handle = axum_server::Handle::new();
            let stopping = handle.clone();
            tokio::spawn(async move {
                let _ = rx.await;
                stopping.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            tokio::spawn(async move {
                let _ = axum_server::from_tcp_rustls(listener, config)
                    .handle(handle)
                    .serve(app)
                    .await;
            })
        }
    };
    Ok(RunningServer {
        addr,
        tls: tls.is_some(),
        shutdown: Some(tx),
        task,
    })
}
