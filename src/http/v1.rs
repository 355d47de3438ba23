//! FlexPortal v1 routes: products, customers, orders and assets, in the contract's exact shapes
//! (camelCase, list envelopes, `{success, message, ...}` on writes, amounts as JSON numbers).

use super::{ApiError, AppState};
use crate::error::{Error, ErrorCode, Result};
use crate::money::to_wire_value;
use crate::services::{assets, catalog, customers, keys, orders, BusinessUnit, Ctx, Page};
use crate::store::Actor;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Multipart, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

mod billing;
mod subscriptions;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .merge(subscriptions::routes())
        .merge(billing::routes())
        .route("/v1/products", post(create_product).get(list_products))
        .route("/v1/products/csv", post(import_products))
        .route("/v1/products/variants", get(list_variants))
        .route(
            "/v1/products/{id}",
            get(get_product).put(update_product).delete(delete_product),
        )
        .route("/v1/customers", get(list_customers).post(create_customer))
        .route(
            "/v1/customers/{id}",
            get(get_customer)
                .put(update_customer)
                .delete(delete_customer),
        )
        .route("/v1/orders", post(create_order).get(list_orders))
        .route("/v1/orders/{id}", get(get_order))
        .route("/v1/orders/{id}/notes", patch(order_notes))
        .route("/v1/orders/{id}/cancel", post(cancel_order))
        .route("/v1/orders/{id}/confirm", post(confirm_order))
        .route("/v1/sync/records", post(take_records))
        .route("/v1/sync/snapshot", get(snapshot_head))
        .route("/v1/sync/snapshot/{table}", get(snapshot_page))
        .route("/v1/assets", post(create_asset).get(list_assets))
        .route(
            "/v1/assets/{serial}",
            get(get_asset).put(update_asset).delete(delete_asset),
        )
}

/// An authenticated v1 caller: a live API key whose business unit is the `Tenant-ID` sent.
pub(super) struct Tenant {
    core: crate::Core,
    bu: BusinessUnit,
    actor: Actor,
    /// Another desk's op replayed here (Idempotency-Key, FlexDesk-Origin, FlexDesk-Op-At).
    replay: Option<crate::sync::Replay>,
    at: Option<chrono::DateTime<chrono::Utc>>,
    own_ids: bool,
    purpose: keys::KeyPurpose,
}

impl Tenant {
    fn ctx(&self) -> Ctx {
        let mut ctx = Ctx::new(
            self.actor.clone(),
            self.bu.clone(),
            &self.core.desk.code,
            self.at.unwrap_or_else(|| self.core.now()),
        );
        ctx.replay = self.replay.clone();
        ctx.own_ids = self.own_ids;
        ctx
    }
}

/// The FlexDesk sync headers of a replayed op. The op's time is when the desk made the change
/// (never later than now here), so a schedule made offline is the same on the hub.
fn replay_of(
    h: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(
    Option<crate::sync::Replay>,
    Option<chrono::DateTime<chrono::Utc>>,
)> {
    let get = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let Some(key) = get("idempotency-key") else {
        return Ok((None, None));
    };
    if key.len() > 200 {
        return Err(Error::invalid(
            "Idempotency-Key",
            "The Idempotency-Key is too long.",
        ));
    }
    let at = get("flexdesk-op-at")
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&chrono::Utc).min(now))
                .map_err(|_| {
                    Error::invalid("FlexDesk-Op-At", "FlexDesk-Op-At is not an RFC 3339 time.")
                })
        })
        .transpose()?;
    Ok((
        Some(crate::sync::Replay {
            op_id: key.to_string(),
            origin: get("flexdesk-origin")
                .unwrap_or("api")
                .chars()
                .take(40)
                .collect(),
            request_hash: None,
        }),
        at,
    ))
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState,
    ) -> std::result::Result<Self, ApiError> {
        let h = &parts.headers;
        let auth = h
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::AuthRequired,
                    "Send the API key as 'Authorization: Bearer <key>'.",
                )
            })?;
        let secret = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::AuthRequired,
                    "The Authorization header must be 'Bearer <key>'.",
                )
            })?;
        // An address that keeps sending wrong keys waits before its next key is checked.
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(wait) = ip.and_then(|ip| st.bad_keys.paused(ip)) {
            return Err(Error::new(
                ErrorCode::RateLimited,
                format!(
                    "Too many wrong API keys from this address; try again in {} s.",
                    wait.as_secs().max(1)
                ),
            )
            .into());
        }
        let key = match keys::authenticate(&st.core.db, st.core.now(), secret).await {
            Ok(k) => k,
            Err(e) => {
                if let Some(ip) = ip {
                    st.bad_keys.wrong(ip);
                }
                return Err(e.into());
            }
        };
        let tenant = h
            .get("tenant-id")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NoTenantAccess,
                    "Send the business unit id in the Tenant-ID header.",
                )
            })?;
        if tenant != key.bu_id {
            return Err(Error::new(
                ErrorCode::NoTenantAccess,
                "This API key has no access to that Tenant-ID.",
            )
            .into());
        }
        let bu = crate::services::business_units::get(&st.core.db, tenant)
            .await
            .map_err(|_| Error::new(ErrorCode::NoTenantAccess, "Unknown Tenant-ID."))?;
        // Only a desk's key may say when and where an op was made; an integration's ops
        // happen now, wherever it says they came from.
        let (replay, at) = replay_of(h, st.core.now())?;
        let (mut replay, at) = match key.purpose {
            keys::KeyPurpose::Sync => (replay, at),
            // An integration's Idempotency-Key is its own: kept under the key, so two keys (or
            // two units) may use the same words without one swallowing the other's write.
            keys::KeyPurpose::Api => (
                replay.map(|r| crate::sync::Replay {
                    op_id: format!("{}:{}", key.id, r.op_id),
                    origin: "api".into(),
                    ..r
                }),
                None,
            ),
        };
        // Applied before, in this unit? The same request is answered as it was; the same key
        // with another request is refused.
        if let Some(r) = replay.as_mut() {
            r.request_hash = parts
                .extensions
                .get::<super::BodyHash>()
                .map(|h| h.0.clone());
            if let Some((recorded, hash)) =
                crate::sync::applied(&st.core.db, &bu.id, &r.op_id).await?
            {
                if hash.is_some() && r.request_hash.is_some() && hash != r.request_hash {
                    return Err(Error::new(
                        ErrorCode::IdempotencyMismatch,
                        "This Idempotency-Key was used before for a different request; use a new key for a new request.",
                    )
                    .into());
                }
                return Err(crate::sync::already_applied(&r.op_id, recorded).into());
            }
        }
        // A new op from a desk: taken at its time only within the last OP_AGE_DAYS (one sent
        // before and applied is answered above however old it is).
        if let Some(at) = at {
            let oldest = st.core.now() - chrono::Duration::days(crate::sync::OP_AGE_DAYS);
            if at < oldest {
                return Err(Error::at_field(
                    ErrorCode::OpTooOld,
                    "FlexDesk-Op-At",
                    format!(
                        "This change was made on {}, more than {} days ago; the hub takes a desk's changes at their own time only within {} days. Retry sends it as of now.",
                        at.format("%Y-%m-%d"),
                        crate::sync::OP_AGE_DAYS,
                        crate::sync::OP_AGE_DAYS
                    ),
                )
                .into());
            }
        }
        Ok(Tenant {
            purpose: key.purpose,
            replay,
            at,
            own_ids: st.own_ids,
            core: st.core.clone(),
            bu,
            actor: Actor {
                id: key.id.clone(),
                name: format!("API key '{}'", key.name),
                role: "api".into(),
            },
        })
    }
}

type Reply = std::result::Result<Response, ApiError>;

/// Answer in the wire form. Objects nested in a `json!` body must be converted with
/// `to_wire_value` where they are placed, since `json!` serializes them on the spot.
fn wire(status: StatusCode, body: impl Serialize) -> Reply {
    Ok((status, Json(to_wire_value(&body))).into_response())
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return serde_json::from_value(json!({})).map_err(|e| {
            Error::new(
                ErrorCode::ValidationError,
                format!("The request body is missing: {e}"),
            )
        });
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorCode::ValidationError,
            format!("The request body is not valid: {e}"),
        )
    })
}

fn query<T: DeserializeOwned>(q: HashMap<String, String>) -> Result<T> {
    serde_json::from_value(serde_json::to_value(q)?)
        .map_err(|e| Error::invalid("query", format!("Unreadable query: {e}")))
}

fn envelope<T: ts_rs::TS + Serialize>(key: &str, page: Page<T>) -> Value {
    json!({ key: to_wire_value(&page.items), "count": page.count, "limit": page.limit, "hasMore": page.has_more, "nextCursor": page.next_cursor })
}

/// A list answer; with `changedSince` asked, also the `syncToken` to ask with next time (read
/// before the list, so nothing changed meanwhile is missed).
async fn listed<T, F>(t: &Tenant, q: HashMap<String, String>, key: &str, list: F) -> Reply
where
    T: ts_rs::TS + Serialize,
    F: AsyncFnOnce(HashMap<String, String>) -> Result<Page<T>>,
{
    let token = sync_token(t, &q).await?;
    let mut v = envelope(key, list(q).await?);
    with_token(&mut v, token);
    wire(StatusCode::OK, v)
}

/// With `changedSince` asked: the change feed's position, taken before the list is read.
pub(super) async fn sync_token(t: &Tenant, q: &HashMap<String, String>) -> Result<Option<String>> {
    match q.contains_key("changedSince") {
        true => Ok(Some(crate::sync::feed_token(&t.core.db).await?)),
        false => Ok(None),
    }
}

pub(super) fn with_token(v: &mut Value, token: Option<String>) {
    if let Some(tk) = token {
        v["syncToken"] = tk.into();
    }
}

// ----- sync ---------------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Records {
    kind: String,
    items: Vec<Value>,
}

impl Tenant {
    /// Refused unless the key was made for syncing desks (`doing` says what was asked).
    fn syncing_desk(&self, doing: &str) -> Result<()> {
        match self.purpose {
            keys::KeyPurpose::Sync => Ok(()),
            keys::KeyPurpose::Api => Err(Error::new(
                ErrorCode::InsufficientPermissions,
                format!("Only a key made for syncing desks may {doing}; this one is for an integration."),
            )),
        }
    }
}

/// A new desk's first pull, as a copy of the unit's tables (`sync::snapshot`).
async fn snapshot_head(t: Tenant) -> Reply {
    t.syncing_desk("copy the business unit")?;
    let body = crate::sync::snapshot::head(&t.core.db, &t.bu).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

async fn snapshot_page(
    t: Tenant,
    Path(table): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    t.syncing_desk("copy the business unit")?;
    let num = |k: &str, d: i64| -> Result<i64> {
        match q.get(k) {
            Some(v) => v
                .parse()
                .map_err(|_| Error::invalid(k, format!("{k} must be a whole number."))),
            None => Ok(d),
        }
    };
    let body = crate::sync::snapshot::page(
        &t.core.db,
        &t.bu,
        &table,
        num("after", 0)?,
        num("upTo", i64::MAX)?,
        num("limit", crate::sync::snapshot::PAGE_ROWS)?,
    )
    .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// A desk's earlier records, sent once when it joins this hub (`sync::seed`).
async fn take_records(t: Tenant, b: Bytes) -> Reply {
    t.syncing_desk("send records")?;
    let r: Records = body(&b)?;
    if r.items.len() > 1000 {
        return Err(Error::invalid("items", "At most 1000 records at a time.").into());
    }
    let taken = crate::sync::pull::take_records(&t.core.db, &t.bu, &r.kind, &r.items).await?;
    let refused: Vec<Value> = taken
        .refused
        .iter()
        .map(|(r, m)| json!({"ref": r, "message": m}))
        .collect();
    wire(
        StatusCode::OK,
        json!({"success": true, "written": taken.written, "present": taken.present, "refused": refused}),
    )
}

// ----- products -----------------------------------------------------------------------------

async fn create_product(t: Tenant, b: Bytes) -> Reply {
    let r = catalog::save_product(&t.core.db, &t.ctx(), body(&b)?).await?;
    let msg = format!("Product {} {}", r.product_sku, r.operation);
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": msg, "productId": r.product_id, "productSku": r.product_sku, "operation": r.operation, "variantResults": r.variant_results}),
    )
}

async fn update_product(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let r = catalog::update_product(&t.core.db, &t.ctx(), &id, body(&b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Product {} updated", r.product_sku), "productId": r.product_id, "productSku": r.product_sku, "operation": r.operation, "variantResults": r.variant_results}),
    )
}

async fn list_products(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    listed(&t, q, "products", async |q| {
        catalog::list_products(&t.core.db, &t.bu, &query(q)?).await
    })
    .await
}

async fn list_variants(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    let page = catalog::list_variants(&t.core.db, &t.bu, &query(q)?).await?;
    wire(StatusCode::OK, envelope("variants", page))
}

async fn get_product(t: Tenant, Path(id): Path<String>) -> Reply {
    wire(
        StatusCode::OK,
        catalog::get_product(&t.core.db, &t.bu, &id).await?,
    )
}

async fn delete_product(t: Tenant, Path(id): Path<String>) -> Reply {
    let (id, sku) = catalog::delete_product(&t.core.db, &t.ctx(), &id).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Product {sku} discontinued; its variants are inactive"), "productId": id, "productSku": sku}),
    )
}

/// CSV as `multipart/form-data` (field `csvFile`) or as a raw `text/csv` body.
async fn import_products(t: Tenant, headers: HeaderMap, req: axum::extract::Request) -> Reply {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let data: Vec<u8> = if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| Error::invalid("csvFile", format!("Unreadable upload: {e}")))?;
        let mut found = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| Error::invalid("csvFile", format!("Unreadable upload: {e}")))?
        {
            if field.name() == Some("csvFile") {
                found = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| Error::invalid("csvFile", e.to_string()))?
                        .to_vec(),
                );
            }
        }
        found.ok_or_else(|| Error::invalid("csvFile", "The upload has no csvFile field."))?
    } else {
        axum::body::to_bytes(req.into_body(), 10 * 1024 * 1024)
            .await
            .map_err(|_| Error::invalid("csvFile", "The file is larger than 10 MB."))?
            .to_vec()
    };
    if data.len() > 10 * 1024 * 1024 {
        return Err(Error::invalid("csvFile", "The file is larger than 10 MB.").into());
    }
    // FlexPortal's import: bad rows do not abort it (the other products are written).
    let lenient = catalog::ImportOptions {
        dry_run: false,
        all_or_nothing: false,
    };
    let r = catalog::import_csv(&t.core.db, &t.ctx(), &data, lenient).await?;
    let errors: Vec<Value> = r
        .errors
        .iter()
        .map(|e| json!({"row": e.row, "sku": e.sku, "error": e.error}))
        .collect();
    wire(
        StatusCode::CREATED,
        json!({"success": r.success, "message": r.message, "created": r.created, "updated": r.updated, "errors": errors, "summary": r.summary}),
    )
}

use axum::extract::FromRequest;

// ----- customers ----------------------------------------------------------------------------

async fn list_customers(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    listed(&t, q, "customers", async |q| {
        customers::list(&t.core.db, &t.bu, &query(q)?).await
    })
    .await
}

async fn get_customer(t: Tenant, Path(id): Path<String>) -> Reply {
    wire(
        StatusCode::OK,
        customers::get(&t.core.db, &t.bu, &id).await?,
    )
}

async fn create_customer(t: Tenant, b: Bytes) -> Reply {
    let c = customers::create(&t.core.db, &t.ctx(), body(&b)?).await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": "Customer created", "customerId": c.customer_id, "customer": to_wire_value(&c)}),
    )
}

async fn update_customer(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let mut upd: customers::CustomerUpdate = body(&b)?;
    if !upd.customer_id.is_empty() && upd.customer_id != id {
        return Err(Error::invalid(
            "customerId",
            "customerId in the body differs from the path.",
        )
        .into());
    }
    upd.customer_id = id;
    let c = customers::update(&t.core.db, &t.ctx(), upd).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Customer updated", "customerId": c.customer_id, "customer": to_wire_value(&c)}),
    )
}

async fn delete_customer(t: Tenant, Path(id): Path<String>) -> Reply {
    customers::delete(&t.core.db, &t.ctx(), &id).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Customer deactivated", "customerId": id}),
    )
}

// ----- orders -------------------------------------------------------------------------------

async fn create_order(t: Tenant, b: Bytes) -> Reply {
    let placed = orders::create(&t.core.db, &t.ctx(), body(&b)?).await?;
    let msg = if placed.created {
        "Order created"
    } else {
        "An identical order was placed moments ago; it is returned instead of a duplicate"
    };
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": msg, "orderId": placed.order.order_id, "order": to_wire_value(&placed.order)}),
    )
}

async fn list_orders(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    listed(&t, q, "orders", async |q| {
        orders::list(&t.core.db, &t.bu, &query(q)?).await
    })
    .await
}

async fn get_order(t: Tenant, Path(id): Path<String>) -> Reply {
    wire(StatusCode::OK, orders::get(&t.core.db, &t.bu, &id).await?)
}

#[derive(serde::Deserialize)]
struct NotesBody {
    notes: Option<String>,
}

async fn order_notes(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let nb: NotesBody = body(&b)?;
    let notes = nb
        .notes
        .ok_or_else(|| Error::invalid("notes", "notes is required."))?;
    let o = orders::set_notes(&t.core.db, &t.ctx(), &id, &notes).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": "Notes updated", "orderId": o.order_id}),
    )
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CancelBody {
    reason: Option<String>,
}

async fn cancel_order(t: Tenant, Path(id): Path<String>, b: Bytes) -> Reply {
    let cb: CancelBody = body(&b)?;
    let o = orders::cancel(&t.core.db, &t.ctx(), &id, cb.reason).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Order {} cancelled", o.order_number), "orderId": o.order_id}),
    )
}

async fn confirm_order(t: Tenant, Path(id): Path<String>) -> Reply {
    let o = orders::confirm(&t.core.db, &t.ctx(), &id).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Order {} confirmed", o.order_number), "orderId": o.order_id, "order": to_wire_value(&o)}),
    )
}

// ----- assets -------------------------------------------------------------------------------

async fn create_asset(t: Tenant, b: Bytes) -> Reply {
    let a = assets::create(&t.core.db, &t.ctx(), body(&b)?).await?;
    wire(
        StatusCode::CREATED,
        json!({"success": true, "message": format!("Asset {} created", a.serial_number), "asset": to_wire_value(&a)}),
    )
}

async fn list_assets(t: Tenant, Query(q): Query<HashMap<String, String>>) -> Reply {
    listed(&t, q, "assets", async |q| {
        assets::list(&t.core.db, &t.bu, &query(q)?).await
    })
    .await
}

async fn get_asset(t: Tenant, Path(serial): Path<String>) -> Reply {
    wire(
        StatusCode::OK,
        assets::get(&t.core.db, &t.bu, &serial).await?,
    )
}

async fn update_asset(t: Tenant, Path(serial): Path<String>, b: Bytes) -> Reply {
    let a = assets::update(&t.core.db, &t.ctx(), &serial, body(&b)?).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Asset {} updated", a.serial_number), "asset": to_wire_value(&a)}),
    )
}

async fn delete_asset(t: Tenant, Path(serial): Path<String>) -> Reply {
    let sn = assets::delete(&t.core.db, &t.ctx(), &serial).await?;
    wire(
        StatusCode::OK,
        json!({"success": true, "message": format!("Asset {sn} deleted (now unavailable)"), "serialNumber": sn}),
    )
}
