//! The desk's identity and the people who work at it. A person is picked at start-up; their role
//! decides which actions the command table lets them run, and every action records them.

use crate::clock::stamp;
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
}

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
        record(
            &mut tx,
            &Actor::system(),
            now,
            Entry {
                bu_id: None,
                entity_type: "user",
                entity_id: &id,
                action: "created",
                summary: "Administrator account created on first start".into(),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list(db: &Db) -> Result<Vec<User>> {
    Ok(sqlx::query_as(
        "SELECT id, name, role, active, created_at FROM users ORDER BY active DESC, name",
    )
    .fetch_all(db.pool())
    .await?)
}

pub async fn get(db: &Db, id: &str) -> Result<User> {
    sqlx::query_as("SELECT id, name, role, active, created_at FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("User", id))
}

pub async fn create(db: &Db, actor: &Actor, now: DateTime<Utc>, new: NewUser) -> Result<User> {
    let mut c = Checks::new();
    c.require("name", &new.name, "Name");
    c.max_len("name", &new.name, 80, "Name");
    c.finish()?;
    let user = User {
        id: new_id(prefix::USER),
        name: new.name.trim().into(),
        role: new.role.as_str().into(),
        active: true,
        created_at: stamp(now),
    };
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO users (id, name, role, active, created_at) VALUES (?, ?, ?, 1, ?)")
        .bind(&user.id)
        .bind(&user.name)
        .bind(&user.role)
        .bind(&user.created_at)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: None,
            entity_type: "user",
            entity_id: &user.id,
            action: "created",
            summary: format!("{} added as {}", user.name, user.role),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}
