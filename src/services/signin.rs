//! Proving who you are: each person's PIN (4–8 digits, for quick switching at a shared desk) or
//! password (10 characters or more), kept only as an Argon2id hash (RustCrypto's `argon2`, its
//! recommended parameters, a random salt per hash). Five wrong secrets in a row lock the person for
//! a pause that doubles with each further five (1, 2, 4 … at most 60 minutes); both the lock and
//! each change of a secret go on the person's timeline.

use crate::clock::stamp;
use crate::domain::secret;
use crate::error::{Error, ErrorCode, Result};
use crate::services::users::{self, User};
use crate::store::{record, Actor, Db, Entry};
use chrono::{DateTime, Duration, Utc};

/// Wrong secrets in a row before a pause.
pub const WRONG_IN_A_ROW: i64 = 5;
/// The longest pause, in minutes.
const MAX_PAUSE_MINUTES: i64 = 60;

/// Who sets a secret, for the timeline's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetBy {
    /// The person themselves (after proving the old one), or the first administrator at setup.
    Themselves,
    /// An administrator resetting someone's secret.
    Admin,
    /// The demo loader: the PIN is also kept to be shown on the start screen.
    Demo,
}

/// Give `user_id` a new secret; clears wrong tries and a lock. A reset by an administrator ends
/// the person's sessions (the caller does that: sessions live in the core).
pub async fn set_secret(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    user_id: &str,
    secret: &str,
    by: SetBy,
) -> Result<User> {
    let user = users::get(db, user_id).await?;
    let (kind, hashed) = users::hashed("secret", secret).await?;
    let mut tx = db.write().await?;
    sqlx::query(
        "UPDATE users SET secret_hash = ?, secret_kind = ?, failed_attempts = 0, locked_until = NULL, demo_pin = ? WHERE id = ?",
    )
    .bind(&hashed)
    .bind(kind.as_str())
    .bind((by == SetBy::Demo).then_some(secret))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let had = user.secret_kind.is_some();
    let summary = match by {
        SetBy::Themselves if had => format!("{} changed their {}", user.name, kind.word()),
        SetBy::Themselves | SetBy::Demo => format!("{} {} set", user.name, kind.word()),
        SetBy::Admin => format!("{} reset by {}", kind.word(), actor.name),
    };
    users::note(
        &mut tx,
        actor,
        now,
        ("user", user_id),
        "secret_set",
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(User {
        secret_kind: Some(kind.as_str().into()),
        failed_attempts: 0,
        locked_until: None,
        ..user
    })
}

/// A new desk's first step, in one transaction: while no one at the desk can sign in, its first
/// administrator takes a name (when given) and a secret.
pub async fn set_up(db: &Db, now: DateTime<Utc>, name: Option<&str>, secret: &str) -> Result<User> {
    let mut c = crate::error::Checks::new();
    if let Some(n) = name {
        users::name_checks(&mut c, n);
    }
    c.finish()?;
    let (kind, hashed) = users::hashed("secret", secret).await?;
    let mut tx = db.write().await?;
    if !users::needs_setup(&mut *tx).await? {
        return Err(Error::new(
            ErrorCode::InsufficientPermissions,
            "This desk is set up already; sign in as an administrator to add people.",
        ));
    }
    let (id, old_name): (String, String) = sqlx::query_as(
        "SELECT id, name FROM users WHERE role = 'admin' AND active = 1 ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::internal("the desk has no administrator"))?;
    let name = name.map(str::trim).unwrap_or(&old_name).to_string();
    sqlx::query(
        "UPDATE users SET name = ?, secret_hash = ?, secret_kind = ?, failed_attempts = 0, locked_until = NULL, demo_pin = NULL WHERE id = ?",
    )
    .bind(&name)
    .bind(&hashed)
    .bind(kind.as_str())
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    let actor = Actor {
        id: id.clone(),
        name: name.clone(),
        role: "admin".into(),
    };
    let summary = if name == old_name {
        format!("{name} {} set", kind.word())
    } else {
        format!("{name} (was {old_name}) {} set", kind.word())
    };
    users::note(&mut tx, &actor, now, ("user", &id), "secret_set", summary).await?;
    tx.commit().await?;
    users::get(db, &id).await
}

/// Check `secret` for `user_id` at `now`. A right one clears the wrong tries; a wrong one counts,
/// and the fifth in a row locks the person (on their timeline). Refusals are field errors on
/// `secret`, saying how many tries are left or until when the person is locked.
pub async fn check(db: &Db, now: DateTime<Utc>, user_id: &str, secret: &str) -> Result<User> {
    let user = users::get(db, user_id).await.map_err(|_| {
        Error::new(
            ErrorCode::AuthRequired,
            "That person is not known at this desk; choose again.",
        )
    })?;
    if !user.active {
        return Err(Error::new(
            ErrorCode::AuthRequired,
            format!("{} is no longer active at this desk.", user.name),
        ));
    }
    let Some(kind) = user.secret_kind.as_deref() else {
        return Err(Error::new(
            ErrorCode::AuthRequired,
            format!(
                "{} has no PIN yet; an administrator sets one in Settings → People.",
                user.name
            ),
        ));
    };
    let word = secret::Kind::stored(kind).word();
    if let Some(until) = user
        .locked_until
        .as_deref()
        .filter(|u| *u > stamp(now).as_str())
    {
        return Err(locked_error(&user.name, word, until, now));
    }
    let stored: Option<String> = sqlx::query_scalar("SELECT secret_hash FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    let stored = stored.unwrap_or_default();
    let given = secret.to_string();
    if users::blocking(move || secret::matches(&stored, &given)).await? {
        if user.failed_attempts > 0 || user.locked_until.is_some() {
            sqlx::query("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?")
                .bind(user_id)
                .execute(db.pool())
                .await?;
        }
        return Ok(User {
            failed_attempts: 0,
            locked_until: None,
            ..user
        });
    }
    let mut tx = db.write().await?;
    let failed: i64 = sqlx::query_scalar(
        "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if failed % WRONG_IN_A_ROW != 0 {
        tx.commit().await?;
        let left = WRONG_IN_A_ROW - failed % WRONG_IN_A_ROW;
        return Err(Error::invalid(
            "secret",
            format!(
                "That {word} is not right. {left} more {} before a pause.",
                if left == 1 { "try" } else { "tries" }
            ),
        ));
    }
    let rounds = (failed / WRONG_IN_A_ROW - 1).min(6) as u32;
    let pause = Duration::minutes((1i64 << rounds).min(MAX_PAUSE_MINUTES));
    let until = stamp(now + pause);
    sqlx::query("UPDATE users SET locked_until = ? WHERE id = ?")
        .bind(&until)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &Actor::system(),
        now,
        Entry {
            bu_id: None,
            entity_type: "user",
            entity_id: user_id,
            action: "locked",
            summary: format!(
                "{} wrong {word}s in a row: {} locked for {} minute{}",
                WRONG_IN_A_ROW,
                user.name,
                pause.num_minutes(),
                if pause.num_minutes() == 1 { "" } else { "s" }
            ),
            before: None,
            after: Some(serde_json::json!({ "failedAttempts": failed, "lockedUntil": until })),
        },
    )
    .await?;
    tx.commit().await?;
    Err(locked_error(&user.name, word, &until, now))
}

fn locked_error(name: &str, word: &str, until: &str, now: DateTime<Utc>) -> Error {
    let minutes = DateTime::parse_from_rfc3339(until)
        .map(|u| ((u.with_timezone(&Utc) - now).num_seconds() + 59) / 60)
        .unwrap_or(1)
        .max(1);
    Error::invalid(
        "secret",
        format!(
            "{name} is paused after {WRONG_IN_A_ROW} wrong {word}s in a row. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
    )
}
