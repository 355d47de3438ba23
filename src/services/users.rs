//! The desk's identity and the people who work at it. A person signs in at start-up with their
//! PIN or password (`signin`); their role decides which actions the command table lets them run,
//! and every action records them. Administrators add people, change roles and deactivate them;
//! the last active administrator stays.

use crate::clock::stamp;
use crate::domain::secret;
use crate::domain::status::Role;
use crate::error::{Checks, Error, Result};
use crate::ids::{new_id, prefix};
use crate::store::{record, Actor, Db, Entry};
use crate::Desk;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub created_at: String,
    /// How the person signs in: "pin", "password", or none set yet.
    pub secret_kind: Option<String>,
    /// Wrong secrets in a row since the last right one.
    pub failed_attempts: i64,
    /// Paused after wrong secrets until this instant (RFC 3339), if it is still ahead.
    pub locked_until: Option<String>,
}

/// The columns of `User`, in its order.
const COLS: &str = "id, name, role, active, created_at, secret_kind, failed_attempts, locked_until";

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
        }
    }
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    /// Their PIN (4–8 digits) or password; without one they cannot sign in until it is set.
    #[serde(default)]
    #[ts(optional)]
    pub secret: Option<String>,
}

/// A change to a person: only the fields given change.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// A person as the start screen lists them, before anyone has signed in.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct StartPerson {
    pub id: String,
    pub name: String,
    pub role: String,
    /// Whether they can sign in (a PIN or password is set).
    pub can_sign_in: bool,
    /// "pin" or "password", when set.
    pub secret_kind: Option<String>,
    /// A demo person's PIN, shown on a demo database's start screen only.
    pub demo_pin: Option<String>,
}

/// The active people, for the start screen.
pub async fn start_list(db: &Db) -> Result<Vec<StartPerson>> {
    Ok(sqlx::query_as(
        "SELECT id, name, role, secret_hash IS NOT NULL AS can_sign_in, secret_kind, demo_pin
         FROM users WHERE active = 1 ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, created_at, name",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Whether the desk still needs its first administrator's secret: no one can sign in yet.
pub async fn needs_setup<'e>(ex: impl sqlx::SqliteExecutor<'e>) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE active = 1 AND secret_hash IS NOT NULL",
    )
    .fetch_one(ex)
    .await?;
    Ok(n == 0)
}

/// A person's name: required, at most 80 characters.
pub(crate) fn name_checks(c: &mut Checks, name: &str) {
    c.require("name", name, "Name");
    c.max_len("name", name, 80, "Name");
}

pub async fn ensure_desk(db: &Db, now: DateTime<Utc>) -> Result<Desk> {
    let mut tx = db.write().await?;
    let existing: Option<(String, String, String, String)> =
        sqlx::query_as("SELECT id, code, name, created_at FROM desk LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let desk = match existing {
        Some((id, code, name, created_at)) => Desk {
            id,
            code,
            name,
            created_at,
        },
        None => {
            let id = new_id(prefix::DESK);
            // Four characters from the random tail of a fresh UUID: short enough to print in
            // invoice numbers, random enough that a business's desks do not share one.
            let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let bytes = uuid::Uuid::new_v4().into_bytes();
            let code: String = std::iter::once('D')
                .chain(
                    bytes[..3]
                        .iter()
                        .map(|b| alphabet[(*b as usize) % alphabet.len()] as char),
                )
                .collect();
            let desk = Desk {
                id,
                code,
                name: "This desk".into(),
                created_at: stamp(now),
            };
            sqlx::query("INSERT INTO desk (id, code, name, created_at) VALUES (?, ?, ?, ?)")
                .bind(&desk.id)
                .bind(&desk.code)
                .bind(&desk.name)
                .bind(&desk.created_at)
                .execute(&mut *tx)
                .await?;
            desk
        }
    };
    tx.commit().await?;
    Ok(desk)
}

/// An entry on a person's timeline (or the desk's: `entity` "desk"), in the action's transaction.
pub(crate) async fn note(
    conn: &mut sqlx::SqliteConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    (entity, id): (&str, &str),
    action: &str,
    summary: String,
) -> Result<()> {
    record(
        conn,
        actor,
        now,
        Entry {
            bu_id: None,
            entity_type: entity,
            entity_id: id,
            action,
            summary,
            before: None,
            after: None,
        },
    )
    .await
}

/// Argon2 takes tens of milliseconds by design: off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("hashing stopped: {e}")))
}

/// A new secret checked (field `field`) and hashed: its kind and its PHC string.
pub async fn hashed(field: &str, secret: &str) -> Result<(secret::Kind, String)> {
    let kind = secret::kind_of(field, secret)?;
    let owned = secret.to_string();
    Ok((kind, blocking(move || secret::hash(&owned)).await??))
}

/// The desk's idle minutes before it locks.
pub async fn lock_minutes(db: &Db) -> Result<u32> {
    let m: i64 = sqlx::query_scalar("SELECT lock_minutes FROM desk LIMIT 1")
        .fetch_one(db.pool())
        .await?;
    Ok(u32::try_from(m).unwrap_or(crate::services::sessions::DEFAULT_LOCK_MINUTES))
}

/// Set the desk's idle minutes before it locks (1 to 480).
pub async fn set_lock_minutes(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    minutes: u32,
) -> Result<u32> {
    let range = crate::services::sessions::LOCK_MINUTES;
    if !range.contains(&minutes) {
        return Err(Error::invalid(
            "lockMinutes",
            format!(
                "The desk locks after {} to {} idle minutes.",
                range.start(),
                range.end()
            ),
        ));
    }
    let mut tx = db.write().await?;
    let id: String = sqlx::query_scalar("UPDATE desk SET lock_minutes = ? RETURNING id")
        .bind(minutes)
        .fetch_one(&mut *tx)
        .await?;
    note(
        &mut tx,
        actor,
        now,
        ("desk", &id),
        "updated",
        format!("The desk locks after {minutes} idle minutes"),
    )
    .await?;
    tx.commit().await?;
    Ok(minutes)
}

pub async fn ensure_admin(db: &Db, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write().await?;
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(&mut *tx)
            .await?;
    if n == 0 {
        let id = new_id(prefix::USER);
        sqlx::query("INSERT INTO users (id, name, role, active, created_at) VALUES (?, 'Administrator', 'admin', 1, ?)")
            .bind(&id).bind(stamp(now)).execute(&mut *tx).await?;
        note(
            &mut tx,
            &Actor::system(),
            now,
            ("user", &id),
            "created",
            "Administrator account created on first start".into(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list(db: &Db) -> Result<Vec<User>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLS} FROM users ORDER BY active DESC, name"
    ))
    .fetch_all(db.pool())
    .await?)
}

pub async fn get(db: &Db, id: &str) -> Result<User> {
    sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("User", id))
}

pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, new: NewUser) -> Result<User> {
    let mut c = Checks::new();
    name_checks(&mut c, &new.name);
    c.finish()?;
    let secret = match new.secret.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(hashed("secret", s).await?),
        None => None,
    };
    let id = new_id(prefix::USER);
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO users (id, name, role, active, created_at, secret_hash, secret_kind) VALUES (?, ?, ?, 1, ?, ?, ?)")
        .bind(&id)
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(stamp(now))
        .bind(secret.as_ref().map(|(_, h)| h))
        .bind(secret.as_ref().map(|(k, _)| k.as_str()))
        .execute(&mut *tx)
        .await?;
    let user: User = sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE id = ?"))
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
    note(
        &mut tx,
        actor,
        now,
        ("user", &user.id),
        "created",
        format!("{} added as {}", user.name, user.role),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Change a person's name, role or whether they are active. The last active administrator can
/// neither lose the role nor be deactivated. Returns the person and whether they can no longer
/// work as before (deactivated or given another role: their sessions end).
pub async fn update(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    id: &str,
    up: UserUpdate,
) -> Result<(User, bool)> {
    let mut c = Checks::new();
    if let Some(name) = &up.name {
        name_checks(&mut c, name);
    }
    c.finish()?;
    let mut tx = db.write().await?;
    let before: User = sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found("User", id))?;
    let name = up
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.name)
        .to_string();
    let role = up
        .role
        .map(|r| r.as_str().to_string())
        .unwrap_or(before.role.clone());
    let active = up.active.unwrap_or(before.active);
    if before.role == "admin" && before.active && (role != "admin" || !active) {
        let others: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if others == 0 {
            let field = if active { "role" } else { "active" };
            return Err(Error::invalid(
                field,
                format!("{} is the last active administrator; make someone else an administrator first.", before.name),
            ));
        }
    }
    sqlx::query("UPDATE users SET name = ?, role = ?, active = ? WHERE id = ?")
        .bind(&name)
        .bind(&role)
        .bind(active)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut changes = Vec::new();
    if name != before.name {
        changes.push(format!("renamed from {}", before.name));
    }
    if role != before.role {
        changes.push(format!("now works as {role} (was {})", before.role));
    }
    if active != before.active {
        changes.push(if active {
            "active again".to_string()
        } else {
            "deactivated".to_string()
        });
    }
    if !changes.is_empty() {
        note(
            &mut tx,
            actor,
            now,
            ("user", id),
            "updated",
            format!("{}: {}", name, changes.join(", ")),
        )
        .await?;
    }
    let user: User = sqlx::query_as(&format!("SELECT {COLS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let ends = !active || role != before.role;
    Ok((user, ends))
}
