//! API keys of the local v1 server. A key belongs to one business unit; only its SHA-256 hash is
//! stored (keys are 256 random bits, so a fast hash is enough), and the plain key is shown once.

use crate::clock::stamp;
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::{new_id, prefix, secret_hex};
use crate::store::{record, Actor, Db, Entry};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

crate::str_enum! {
    /// What a key is for. `api`: an integration (a webshop, a script) using FlexPortal's v1 as
    /// FlexPortal offers it. `sync`: a desk syncing with this node, which may also send when it
    /// made each change (`FlexDesk-Op-At`), which desk it is (`FlexDesk-Origin`) and its earlier
    /// records (`POST /v1/sync/records`).
    KeyPurpose { Api = "api", Sync = "sync" }
}

impl TryFrom<String> for KeyPurpose {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        KeyPurpose::parse(&s).ok_or_else(|| format!("unknown key purpose '{s}'"))
    }
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub bu_id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub purpose: KeyPurpose,
    /// The first characters of the key, to recognise it in lists.
    pub key_prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
    pub usage_count: i64,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CreatedKey {
    pub key: ApiKey,
    /// The secret, shown once: FlexDesk keeps only its hash.
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewKey {
    pub name: String,
    /// `api` (the default) or `sync`.
    #[serde(default)]
    #[ts(optional)]
    pub purpose: Option<String>,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

const COLS: &str = "id, bu_id, name, purpose, key_prefix, created_at, created_by, last_used_at, usage_count, revoked_at";

pub async fn create(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    new: NewKey,
) -> Result<CreatedKey> {
    let mut c = Checks::new();
    c.require("name", &new.name, "Name");
    c.max_len("name", &new.name, 80, "Name");
    c.finish()?;
    let purpose = match new
        .purpose
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => KeyPurpose::parse_field("purpose", p)?,
        None => KeyPurpose::Api,
    };
    let secret = format!("pk_live_{}", secret_hex());
    let key = ApiKey {
        id: new_id(prefix::API_KEY),
        bu_id: bu_id.into(),
        name: new.name.trim().into(),
        purpose,
        key_prefix: secret[..16].into(),
        created_at: stamp(now),
        created_by: actor.name.clone(),
        last_used_at: None,
        usage_count: 0,
        revoked_at: None,
    };
    let mut tx = db.write().await?;
    let bu: Option<String> = sqlx::query_scalar("SELECT id FROM business_units WHERE id = ?")
        .bind(bu_id)
        .fetch_optional(&mut *tx)
        .await?;
    bu.ok_or_else(|| Error::not_found("Business unit", bu_id))?;
    sqlx::query("INSERT INTO api_keys (id, bu_id, name, purpose, key_prefix, key_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(&key.id).bind(&key.bu_id).bind(&key.name).bind(key.purpose.as_str()).bind(&key.key_prefix).bind(hash(&secret)).bind(&key.created_at).bind(&key.created_by)
        .execute(&mut *tx).await?;
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "api_key",
            entity_id: &key.id,
            action: "created",
            summary: match key.purpose {
                KeyPurpose::Api => format!("API key '{}' created", key.name),
                KeyPurpose::Sync => format!("API key '{}' created for syncing desks", key.name),
            },
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedKey { key, secret })
}

pub async fn list(db: &Db, bu_id: &str) -> Result<Vec<ApiKey>> {
    let mut keys: Vec<ApiKey> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM api_keys WHERE bu_id = ? ORDER BY created_at DESC"
    ))
    .bind(bu_id)
    .fetch_all(db.pool())
    .await?;
    let map = unwritten();
    for k in &mut keys {
        k.usage_count += map.get(&k.id).copied().unwrap_or(0);
    }
    Ok(keys)
}

pub async fn revoke(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    bu_id: &str,
    id: &str,
) -> Result<ApiKey> {
    let mut tx = db.write().await?;
    let n = sqlx::query(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND bu_id = ?",
    )
    .bind(stamp(now))
    .bind(id)
    .bind(bu_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::not_found("API key", id));
    }
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(bu_id),
            entity_type: "api_key",
            entity_id: id,
            action: "revoked",
            summary: "API key revoked".into(),
            before: None,
            after: None,
        },
    )
    .await?;
    let key: ApiKey = sqlx::query_as(&format!("SELECT {COLS} FROM api_keys WHERE id = ?"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(key)
}

/// A key's use is written to its row at most this often: checking a key is a read, and a request
/// does not wait for a durable write of its own (measured: a push to a hub 18 % faster an op).
const USE_WRITTEN_EVERY_S: i64 = 60;

/// Calls of each key (by id) counted since its row was last written. The list of keys adds them,
/// so the count shown is exact while the process runs; one that stops loses at most a minute's.
static UNWRITTEN: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, i64>>> =
    std::sync::LazyLock::new(Default::default);

fn unwritten() -> std::sync::MutexGuard<'static, std::collections::HashMap<String, i64>> {
    UNWRITTEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Check a presented key and count its use. Returns the key (with its business unit).
pub async fn authenticate(db: &Db, now: DateTime<Utc>, secret: &str) -> Result<ApiKey> {
    let key: Option<ApiKey> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL"
    ))
    .bind(hash(secret))
    .fetch_optional(db.pool())
    .await?;
    let mut key = key.ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidToken,
            "The API key is invalid or has been revoked.",
        )
    })?;
    let due = key
        .last_used_at
        .as_deref()
        .is_none_or(|t| t <= stamp(now - chrono::Duration::seconds(USE_WRITTEN_EVERY_S)).as_str());
    let calls = {
        let mut map = unwritten();
        let n = map.entry(key.id.clone()).or_insert(0);
        *n += 1;
        if due {
            std::mem::take(n)
        } else {
            key.usage_count += *n;
            0
        }
    };
    if due {
        let wrote = sqlx::query(
            "UPDATE api_keys SET last_used_at = ?, usage_count = usage_count + ? WHERE id = ?",
        )
        .bind(stamp(now))
        .bind(calls)
        .bind(&key.id)
        .execute(db.pool())
        .await;
        if let Err(e) = wrote {
            *unwritten().entry(key.id.clone()).or_insert(0) += calls;
            return Err(e.into());
        }
        key.last_used_at = Some(stamp(now));
        key.usage_count += calls;
    }
    Ok(key)
}
