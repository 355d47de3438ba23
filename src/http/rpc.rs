//! `POST /rpc/{command}`: the desk's command table over HTTP, for the UI in a browser. The person
//! comes from the session cookie (HttpOnly, SameSite=Strict, set by a sign-in's answer and never
//! readable by the page's scripts); the business unit travels in `X-FlexDesk-BU`. Answers use the
//! desk form (amounts as decimal strings), errors the FlexPortal envelope.

use super::{ApiError, AppState};
use crate::api::{dispatch, Caller, SessionChange};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use cookie::{Cookie, SameSite};
use serde_json::Value;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/rpc/{command}", post(call))
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// The session token in the request's cookies, if any.
fn session_cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(|c| c.ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The cookie that holds (or, with no token, forgets) a session: `Secure` over TLS.
fn set_cookie(site: &super::same_site::Site, token: Option<&str>) -> Option<HeaderValue> {
    let mut c = Cookie::build((
        site.cookie().to_string(),
        token.unwrap_or_default().to_string(),
    ))
    .http_only(true)
    .same_site(SameSite::Strict)
    .secure(site.tls)
    .path("/rpc");
    if token.is_none() {
        c = c.max_age(cookie::time::Duration::ZERO);
    }
    HeaderValue::from_str(&c.build().to_string()).ok()
}

async fn call(
    State(st): State<AppState>,
    Path(command): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let payload: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&body)?
    };
    let caller = Caller {
        token: session_cookie(&headers, st.site.cookie()),
        bu_id: header(&headers, "x-flexdesk-bu"),
        desktop: false,
    };
    let answer = dispatch(&st.core, &caller, &command, payload).await?;
    let mut resp = Json(answer.value).into_response();
    let cookie = match &answer.session {
        SessionChange::Same => None,
        SessionChange::Started(token) => set_cookie(&st.site, Some(token)),
        SessionChange::Ended => set_cookie(&st.site, None),
    };
    if let Some(c) = cookie {
        resp.headers_mut().insert(SET_COOKIE, c);
    }
    Ok(resp)
}
