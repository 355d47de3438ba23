//! FlexPortal v1 routes for billing groups, files (contracts in the local file store, with
//! signed download links) and the subscriptions export.

use super::{body, envelope, query, sync_token, wire, with_token, Reply, Tenant};
use crate::error::{Error, ErrorCode};
use crate::money::to_wire_value;
use crate::services::{billing, exports, files};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

pub(super) fn routes() -> Router<super::AppState> {
    Router::new()
        .route("/v1/billing-groups", get(list_groups).post(create_group))
        .route(
            "/v1/billing-groups/{id}",
            get(get_group).patch(update_group).delete(delete_group),
        )
        .route("/v1/files", get(list_files))
        .route("/v1/files/url", post(file_url))
        .route("/v1/files/contracts/generate", post(generate_contract))
        .route("/v1/files/{id}", get(get_file).delete(delete_file))
        .route("/v1/files/{id}/content", get(file_content))
        .route("/v1/exports/rentals", post(export_rentals))
}

async fn list_groups(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    let token = sync_token(&t, &q).await?;
    let page = billing::list(&t.core.db, &t.bu, &query(q)?).await?;
    let mut v = envelope("billingGroups", page);
    v["success"] = json!(true);
    with_token(&mut v, token);
    wire(StatusCode::OK, v)
}

async fn create_group(t: Tenant, b: Bytes) -> Reply {
    let g = billing::create(&t.core.db, &t.ctx(), body(&b)?).await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": format!("Billing group “{}” created", g.group_name), "billingGroup": to_wire_value(&g)}),
    )
}

async fn get_group(t: Tenant, Path(id): Path<String>) -> Reply {
    let g = billing::get(&t.core.db, &t.bu, &id).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "billingGroup": to_wire_value(&g)}),
    )
}

async fn update_group(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let g = billing::update(&t.core.db, &t.ctx(), &id, body(&b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Billing group updated", "billingGroup": to_wire_value(&g)}),
    )
}

async fn delete_group(t: Tenant, Path(id): Path<String>) -> Reply {
    billing::delete(&t.core.db, &t.ctx(), &id).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Billing group deleted; its subscriptions bill on their own again"}),
    )
}

fn store(t: &Tenant) -> files::FileStore {
    files::FileStore::beside(&t.core.path)
}

async fn list_files(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    let l = files::list(&t.core.db, &t.bu, &query(q)?).await?;
    wire(StatusCode::OK, l)
}

async fn get_file(t: Tenant, Path(id): Path<String>) -> Reply {
    wire(StatusCode::OK, files::get(&t.core.db, &t.bu, &id).await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DeleteBody {
    delete_from_storage: Option<bool>,
}

async fn delete_file(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let d: DeleteBody = body(&b)?;
    files::delete(
        &t.core.db,
        &store(&t),
        &t.ctx(),
        &id,
        d.delete_from_storage.unwrap_or(true),
    )
    .await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "File deleted", "fileId": id}),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ContractBody {
    order_id: String,
    contract_type: Option<String>,
    template_id: Option<String>,
}

async fn generate_contract(t: Tenant, b: Bytes) -> Reply {
    let c: ContractBody = body(&b)?;
    let f = files::generate_contract(
        &t.core.db,
        &store(&t),
        &t.ctx(),
        &c.order_id,
        c.contract_type.as_deref().or(c.template_id.as_deref()),
    )
    .await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": format!("Contract {} generated", f.filename), "fileId": f.file_id,
               "orderId": f.order_id, "tenantId": f.tenant_id}),
    )
}

/// The key that signs download links; links stop working when the server restarts.
fn signing_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(crate::ids::secret_hex)
}

fn signature(id: &str, expires: i64, action: &str) -> String {
    hex::encode(Sha256::digest(format!(
        "{}:{id}:{expires}:{action}",
        signing_key()
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct UrlBody {
    file_id: String,
    action: Option<String>,
    expires_in_minutes: Option<Value>,
}

/// A time-limited link to a file's bytes on this server (`view` inline, `download` as an
/// attachment).
async fn file_url(t: Tenant, headers: HeaderMap, b: Bytes) -> Reply {
    let u: UrlBody = body(&b)?;
    if u.file_id.trim().is_empty() {
        return Err(Error::invalid("fileId", "fileId is required.").into());
    }
    let action = match u.action.as_deref().map(str::trim).unwrap_or("view") {
        a @ ("view" | "download") => a.to_string(),
        o => {
            return Err(Error::invalid(
                "action",
                format!("action must be view or download, not '{o}'."),
            )
            .into())
        }
    };
    let minutes = match &u.expires_in_minutes {
        None => 60,
        Some(v) => match crate::services::whole_number(v) {
            Some(m) if (1..=1440).contains(&m) => m,
            _ => {
                return Err(Error::invalid(
                    "expiresInMinutes",
                    "expiresInMinutes must be a whole number from 1 to 1440.",
                )
                .into())
            }
        },
    };
    let f = files::get(&t.core.db, &t.bu, &u.file_id).await?;
    let expires = t.core.now().timestamp_millis() + minutes * 60_000;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = format!(
        "http://{host}/v1/files/{}/content?action={action}&expires={expires}&signature={}",
        f.file_id,
        signature(&f.file_id, expires, &action)
    );
    wire(
        StatusCode::OK,
        json!({"success": true, "url": url, "filename": f.filename, "contentType": f.content_type,
               "fileSize": f.file_size, "expiresAt": expires}),
    )
}

/// The bytes behind a signed link (no API key: the signature is the permission).
async fn file_content(
    State(st): State<super::AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let action = q.get("action").cloned().unwrap_or_else(|| "view".into());
    let expires: i64 = q.get("expires").and_then(|e| e.parse().ok()).unwrap_or(0);
    let sig = q.get("signature").cloned().unwrap_or_default();
    if sig != signature(&id, expires, &action) {
        return Err(Error::new(ErrorCode::InvalidToken, "This link is not valid.").into());
    }
    if st.core.now().timestamp_millis() > expires {
        return Err(Error::new(ErrorCode::InvalidToken, "This link has expired.").into());
    }
    let bu_id: Option<String> = sqlx::query_scalar("SELECT bu_id FROM files WHERE id = ?")
        .bind(&id)
        .fetch_optional(st.core.db.pool())
        .await
        .map_err(Error::from)?;
    let bu_id = bu_id.ok_or_else(|| Error::not_found("File", &id))?;
    let bu = crate::services::business_units::get(&st.core.db, &bu_id).await?;
    let (info, bytes) = files::read(
        &st.core.db,
        &files::FileStore::beside(&st.core.path),
        &bu,
        &id,
    )
    .await?;
    let disposition = format!(
        "{}; filename=\"{}\"",
        if action == "download" {
            "attachment"
        } else {
            "inline"
        },
        info.filename.replace('"', "")
    );
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, info.content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn export_rentals(t: Tenant, b: Bytes) -> Reply {
    let q: exports::RentalExport = body(&b)?;
    let r = exports::rentals(&t.core.db, &t.ctx(), &q).await?;
    wire(StatusCode::OK, r)
}
