//! `POST /rpc/{command}`: the desk's command table over HTTP, for the UI in a browser. The person
//! and business unit travel in `X-FlexDesk-User` and `X-FlexDesk-BU`; answers use the desk form
//! (amounts as decimal strings), errors the FlexPortal envelope.

use super::{ApiError, AppState};
use crate::api::{dispatch, RpcContext};
use crate::error::{Error, ErrorCode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
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

async fn call(
    State(st): State<AppState>,
    Path(command): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if let Some(token) = &st.rpc_token {
        let given = header(&headers, "authorization");
        if given.as_deref().and_then(|g| g.strip_prefix("Bearer ")) != Some(token.as_str()) {
            return Err(Error::new(
                ErrorCode::InvalidToken,
                "This desk server needs its UI token.",
            )
            .into());
        }
    }
    let payload: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&body)?
    };
    let ctx = RpcContext {
        user_id: header(&headers, "x-flexdesk-user"),
        bu_id: header(&headers, "x-flexdesk-bu"),
    };
    Ok(Json(dispatch(&st.core, &ctx, &command, payload).await?))
}
