//! Signing in and out, locking, and the people at the desk. The session token never reaches the
//! UI's code: `answer` takes it out of a sign-in's answer for the transport to hold.

use super::{Ack, Answer, Empty, Session, SessionChange};
use crate::error::{Error, Result};
use crate::services::signin::{self, SetBy};
use crate::services::users::{self, User};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The field of a sign-in's answer that carries the new token to the transport.
const TOKEN_FIELD: &str = "sessionToken";

/// A command's answer and its effect on the session: a sign-in's token is taken out of the
/// answer (the transport keeps it; the UI never sees it), a sign-out ends the session.
pub(super) fn answer(command: &str, mut value: Value) -> Answer {
    let session = match command {
        "session.signOut" => SessionChange::Ended,
        "session.signIn" | "session.setup" => match value
            .as_object_mut()
            .and_then(|o| o.remove(TOKEN_FIELD))
            .and_then(|t| t.as_str().map(str::to_string))
        {
            Some(token) => SessionChange::Started(token),
            None => SessionChange::Same,
        },
        _ => SessionChange::Same,
    };
    Answer { value, session }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct CurrentSession {
    /// The signed-in person, if the caller holds a session.
    pub user: Option<User>,
    /// Their session is locked: the PIN unlocks it.
    pub locked: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user: User,
    /// Taken out by `answer` before the UI sees the answer.
    #[ts(skip)]
    pub session_token: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInReq {
    pub user_id: String,
    /// The person's PIN or password.
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct SetupReq {
    /// The first administrator's name (kept as it is when not given).
    #[serde(default)]
    pub name: Option<String>,
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnlockReq {
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangeSecretReq {
    /// The PIN or password in use now.
    pub current: String,
    /// The new PIN (4–8 digits) or password (10 or more characters).
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdateReq {
    pub id: String,
    #[serde(flatten)]
    pub update: users::UserUpdate,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetSecretReq {
    pub user_id: String,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LockMinutes {
    /// Idle minutes before the desk locks (1 to 480).
    pub lock_minutes: u32,
}

pub type LockMinutesReq = LockMinutes;

pub async fn session_current(s: &Session<'_>, _: Empty) -> Result<CurrentSession> {
    Ok(CurrentSession {
        user: s.user.clone(),
        locked: s.locked,
    })
}

fn start(s: &Session<'_>, user: User) -> SignedIn {
    // A sign-in at a desk that held another session ends that one.
    if let Some(old) = &s.token {
        s.core.sessions.end(old);
    }
    SignedIn {
        session_token: s.core.sessions.start(&user.id, s.core.now()),
        user,
    }
}

pub async fn session_sign_in(s: &Session<'_>, r: SignInReq) -> Result<SignedIn> {
    let user = signin::check(&s.core.db, s.core.now(), &r.user_id, &r.secret).await?;
    Ok(start(s, user))
}

/// A new desk's first step: the first administrator chooses their PIN (and name). Only while no
/// one at the desk can sign in.
pub async fn session_setup(s: &Session<'_>, r: SetupReq) -> Result<SignedIn> {
    let user = signin::set_up(&s.core.db, s.core.now(), r.name.as_deref(), &r.secret).await?;
    Ok(start(s, user))
}

pub async fn session_lock(s: &Session<'_>, _: Empty) -> Result<Ack> {
    if let Some(t) = &s.token {
        s.core.sessions.lock(t);
    }
    Ok(Ack {
        ok: true,
        message: "Locked.".into(),
    })
}

pub async fn session_unlock(s: &Session<'_>, r: UnlockReq) -> Result<User> {
    let me = s.user()?;
    let user = signin::check(&s.core.db, s.core.now(), &me.id, &r.secret).await?;
    if let Some(t) = &s.token {
        s.core.sessions.unlock(t, s.core.now());
    }
    Ok(user)
}

pub async fn session_sign_out(s: &Session<'_>, _: Empty) -> Result<Ack> {
    if let Some(t) = &s.token {
        s.core.sessions.end(t);
    }
    Ok(Ack {
        ok: true,
        message: "Signed out.".into(),
    })
}

pub async fn session_change_secret(s: &Session<'_>, r: ChangeSecretReq) -> Result<User> {
    let me = s.user()?;
    crate::domain::secret::kind_of("secret", &r.secret)?;
    signin::check(&s.core.db, s.core.now(), &me.id, &r.current)
        .await
        .map_err(|e| match e.details.first() {
            Some(d) => Error::invalid("current", d.message.clone()),
            None => e,
        })?;
    signin::set_secret(
        &s.core.db,
        &me.actor(),
        s.core.now(),
        &me.id,
        &r.secret,
        SetBy::Themselves,
    )
    .await
}

pub async fn users_list(s: &Session<'_>, _: Empty) -> Result<Vec<User>> {
    users::list(&s.core.db).await
}

pub async fn users_create(s: &Session<'_>, r: users::NewUser) -> Result<User> {
    users::create(&s.core.db, &s.actor()?, s.core.now(), r).await
}

pub async fn users_update(s: &Session<'_>, r: UserUpdateReq) -> Result<User> {
    let (user, ends) =
        users::update(&s.core.db, &s.actor()?, s.core.now(), &r.id, r.update).await?;
    if ends {
        s.core.sessions.end_person(&user.id);
    }
    Ok(user)
}

/// An administrator sets or resets someone's PIN or password; that person's other sessions end.
pub async fn users_set_secret(s: &Session<'_>, r: SetSecretReq) -> Result<User> {
    let me = s.user()?;
    let user = signin::set_secret(
        &s.core.db,
        &me.actor(),
        s.core.now(),
        &r.user_id,
        &r.secret,
        if r.user_id == me.id {
            SetBy::Themselves
        } else {
            SetBy::Admin
        },
    )
    .await?;
    if user.id != me.id {
        s.core.sessions.end_person(&user.id);
    }
    Ok(user)
}

pub async fn desk_set_lock_minutes(s: &Session<'_>, r: LockMinutesReq) -> Result<LockMinutes> {
    let m = users::set_lock_minutes(&s.core.db, &s.actor()?, s.core.now(), r.lock_minutes).await?;
    s.core.sessions.set_lock_minutes(m);
    Ok(LockMinutes { lock_minutes: m })
}
