//! A business unit's remote: what it is (FlexPortal's cloud or a FlexDesk hub), where it syncs
//! (base URL, Tenant-ID) and with which API key. The key goes to `secrets`; the database keeps
//! only where it is and its last four characters.

use crate::error::{Checks, Error, ErrorCode, Result};
use crate::secrets;
use crate::services::Ctx;
use crate::store::Db;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

crate::str_enum! {
    /// What a remote is, which decides how the desk's ops are written for it (`sync::wire`):
    /// FlexPortal's cloud takes only its published contract; a FlexDesk hub takes FlexPortal's
    /// v1 with FlexDesk's extensions.
    RemoteKind { Flexportal = "flexportal", Hub = "hub" }
}

impl RemoteKind {
    /// FlexPortal for one of its addresses (`https://api-eu.flexportal.io`, …), a hub otherwise.
    pub fn for_url(url: &reqwest::Url) -> RemoteKind {
        match url.host_str() {
            Some(h) if h == "flexportal.io" || h.ends_with(".flexportal.io") => {
                RemoteKind::Flexportal
            }
            _ => RemoteKind::Hub,
        }
    }
}

/// The remote as settings show it (never the key itself).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteView {
    pub kind: RemoteKind,
    pub base_url: String,
    pub tenant_id: String,
    /// `keyring` or `sealed`.
    pub key_store: String,
    /// The key's last four characters, e.g. `…3f9a`.
    pub key_hint: String,
    pub enabled: bool,
    pub pull_every_s: i64,
    /// An administrator allowed this address although it is this computer, link-local, or
    /// plain http on the internet (`net::guard`).
    pub address_confirmed: bool,
    /// The SHA-256 fingerprint of the certificate the remote's must chain to, when one is set.
    pub ca_fingerprint: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct RemoteInput {
    /// Left out: FlexPortal for one of its addresses, a FlexDesk hub otherwise.
    pub kind: Option<String>,
    pub base_url: String,
    pub tenant_id: String,
    /// Required the first time and for a new address; left out, the stored key stays.
    pub api_key: Option<String>,
    pub enabled: Option<bool>,
    pub pull_every_s: Option<i64>,
    /// The administrator allows the address although FlexDesk would not reach it unasked
    /// (`net::guard`); left out, the same address keeps its confirmation.
    pub allow_address: Option<bool>,
    /// A certificate (PEM) the remote's TLS certificate must chain to, for a hub with its own
    /// (`flexdesk tls-cert`); empty to drop it, left out to keep it.
    pub ca_cert: Option<String>,
}

/// A remote ready to talk to: settings plus the key, for the sync engine only.
#[derive(Clone)]
pub struct Remote {
    pub bu_id: String,
    pub kind: RemoteKind,
    pub base_url: String,
    pub tenant_id: String,
    pub api_key: String,
    pub pull_every_s: i64,
    pub address_confirmed: bool,
    pub ca_pem: Option<String>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("bu_id", &self.bu_id)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("tenant_id", &self.tenant_id)
            .field("api_key", &"<hidden>")
            .finish()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    base_url: String,
    tenant_id: String,
    key_store: String,
    key_sealed: Option<String>,
    key_hint: String,
    enabled: i64,
    pull_every_s: i64,
    address_confirmed: bool,
    ca_pem: Option<String>,
}

impl Row {
    fn kind(&self) -> RemoteKind {
        RemoteKind::parse(&self.kind).unwrap_or(RemoteKind::Hub)
    }
}

async fn row(db: &Db, bu_id: &str) -> Result<Option<Row>> {
    Ok(sqlx::query_as(
        "SELECT kind, base_url, tenant_id, key_store, key_sealed, key_hint, enabled, pull_every_s, address_confirmed, ca_pem FROM sync_remotes WHERE bu_id = ?",
    )
    .bind(bu_id)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn get(db: &Db, bu_id: &str) -> Result<Option<RemoteView>> {
    Ok(row(db, bu_id).await?.map(|r| RemoteView {
        kind: r.kind(),
        base_url: r.base_url,
        tenant_id: r.tenant_id,
        key_store: r.key_store,
        key_hint: r.key_hint,
        enabled: r.enabled == 1,
        pull_every_s: r.pull_every_s,
        address_confirmed: r.address_confirmed,
        ca_fingerprint: r
            .ca_pem
            .as_deref()
            .and_then(|p| crate::net::cert::fingerprint(p).ok()),
    }))
}

/// The enabled remote of a business unit with its key, or None.
pub async fn load(db: &Db, desk_id: &str, bu_id: &str) -> Result<Option<Remote>> {
    let Some(r) = row(db, bu_id).await? else {
        return Ok(None);
    };
    if r.enabled != 1 {
        return Ok(None);
    }
    let api_key = secrets::load(desk_id, bu_id, &r.key_store, r.key_sealed.as_deref())?;
    Ok(Some(Remote {
        bu_id: bu_id.to_string(),
        kind: r.kind(),
        base_url: r.base_url,
        tenant_id: r.tenant_id,
        api_key,
        pull_every_s: r.pull_every_s,
        address_confirmed: r.address_confirmed,
        ca_pem: r.ca_pem,
    }))
}

/// Business units with an enabled remote.
pub async fn enabled_units(db: &Db) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT bu_id FROM sync_remotes WHERE enabled = 1 ORDER BY bu_id")
            .fetch_all(db.pool())
            .await?,
    )
}

pub async fn save(db: &Db, ctx: &Ctx, desk_id: &str, input: RemoteInput) -> Result<RemoteView> {
    let mut c = Checks::new();
    let url = input.base_url.trim().trim_end_matches('/').to_string();
    let mut kind = RemoteKind::Hub;
    let mut parsed = None;
    match reqwest::Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            kind = RemoteKind::for_url(&u);
            parsed = Some(u);
        }
        _ => c.fail(
            "baseUrl",
            "Give the remote's address, e.g. https://api-eu.flexportal.io or http://192.168.1.20:8787.",
        ),
    }
    if let Some(k) = input
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        match RemoteKind::parse(k) {
            Some(k) => kind = k,
            None => c.fail(
                "kind",
                "The remote is FlexPortal (flexportal) or a FlexDesk hub (hub).",
            ),
        }
    }
    c.require("tenantId", &input.tenant_id, "Tenant-ID");
    let every = input.pull_every_s.unwrap_or(60);
    if !(5..=86_400).contains(&every) {
        c.fail("pullEveryS", "Pull every 5 seconds to 24 hours.");
    }
    let existing = row(db, &ctx.bu.id).await?;
    let key = input
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    match &existing {
        None if key.is_none() => c.fail("apiKey", "The remote's API key is required."),
        // The stored key was given for the old address; it is not sent anywhere else.
        Some(old) if key.is_none() && old.base_url != url => c.fail(
            "apiKey",
            "A new address needs its API key again: the stored key was given for the old one.",
        ),
        _ => {}
    }
    let ca = input.ca_cert.as_deref().map(str::trim);
    if let Some(pem) = ca.filter(|p| !p.is_empty()) {
        if crate::net::cert::fingerprint(pem).is_err() {
            c.fail(
                "caCert",
                "Paste the hub's certificate as PEM (-----BEGIN CERTIFICATE----- …).",
            );
        }
    }
    c.finish()?;
    // The same address keeps its confirmation unless the administrator says otherwise.
    let confirmed = input.allow_address.unwrap_or_else(|| {
        existing
            .as_ref()
            .is_some_and(|old| old.base_url == url && old.address_confirmed)
    });
    if let Some(u) = &parsed {
        crate::net::guard::check("baseUrl", u, confirmed).await?;
    }
    // The key is stored before the row: a failure leaves the old settings whole.
    let stored = key
        .map(|k| {
            secrets::store(desk_id, &ctx.bu.id, k).map(|s| {
                let hint = format!("…{}", &k[k.len().saturating_sub(4)..]);
                (s, hint)
            })
        })
        .transpose()?;
    let mut tx = db.write().await?;
    let enabled = input.enabled.unwrap_or(true);
    match stored {
        Some((s, hint)) => {
            let (store, sealed) = match s {
                secrets::Stored::Keyring => ("keyring", None),
                secrets::Stored::Sealed(t) => ("sealed", Some(t)),
            };
            sqlx::query(
                "INSERT INTO sync_remotes (bu_id, kind, base_url, tenant_id, key_store, key_sealed, key_hint, enabled, pull_every_s, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (bu_id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, tenant_id = excluded.tenant_id,
                   key_store = excluded.key_store, key_sealed = excluded.key_sealed, key_hint = excluded.key_hint,
                   enabled = excluded.enabled, pull_every_s = excluded.pull_every_s, state = 'never', last_error = NULL,
                   updated_at = excluded.updated_at",
            )
            .bind(&ctx.bu.id)
            .bind(kind.as_str())
            .bind(&url)
            .bind(input.tenant_id.trim())
            .bind(store)
            .bind(sealed)
            .bind(hint)
            .bind(enabled)
            .bind(every)
            .bind(&ctx.now)
            .bind(&ctx.now)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query(
                "UPDATE sync_remotes SET kind = ?, base_url = ?, tenant_id = ?, enabled = ?, pull_every_s = ?, updated_at = ? WHERE bu_id = ?",
            )
            .bind(kind.as_str())
            .bind(&url)
            .bind(input.tenant_id.trim())
            .bind(enabled)
            .bind(every)
            .bind(&ctx.now)
            .bind(&ctx.bu.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query("UPDATE sync_remotes SET address_confirmed = ?, ca_pem = CASE WHEN ? THEN ? ELSE ca_pem END WHERE bu_id = ?")
        .bind(confirmed)
        .bind(ca.is_some())
        .bind(ca.filter(|p| !p.is_empty()))
        .bind(&ctx.bu.id)
        .execute(&mut *tx)
        .await?;
    // Another remote (or another tenant on it): where the old one's lists were read up to says
    // nothing about the new one's. (The ids a remote gave stay, kept under that remote's name.)
    let moved = existing.as_ref().is_some_and(|old| {
        old.base_url != url || old.tenant_id != input.tenant_id.trim() || old.kind() != kind
    });
    if moved {
        forget_positions(&mut tx, &ctx.bu.id).await?;
    }
    crate::store::record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        crate::store::Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "business_unit",
            entity_id: &ctx.bu.id,
            action: "sync_remote_saved",
            summary: format!(
                "Sync remote set to {} at {url} (Tenant-ID {})",
                match kind {
                    RemoteKind::Flexportal => "FlexPortal",
                    RemoteKind::Hub => "a FlexDesk hub",
                },
                input.tenant_id.trim()
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    get(db, &ctx.bu.id)
        .await?
        .ok_or_else(|| Error::internal("The remote was not saved."))
}

/// Stop syncing: the remote and its key are removed; this desk's waiting ops stay in the outbox.
pub async fn remove(db: &Db, ctx: &Ctx, desk_id: &str) -> Result<()> {
    let mut tx = db.write().await?;
    let n = sqlx::query("DELETE FROM sync_remotes WHERE bu_id = ?")
        .bind(&ctx.bu.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::new(
            ErrorCode::NotFound,
            "This business unit has no remote.",
        ));
    }
    // The next remote set, whichever it is, is read from the start.
    forget_positions(&mut tx, &ctx.bu.id).await?;
    tx.commit().await?;
    secrets::forget(desk_id, &ctx.bu.id);
    Ok(())
}

/// Forget where a unit's lists were read up to (the next pull reads everything), and which
/// records the remote did not have.
async fn forget_positions(conn: &mut sqlx::SqliteConnection, bu_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sync_cursors WHERE bu_id = ?")
        .bind(bu_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sync_absent WHERE bu_id = ?")
        .bind(bu_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
