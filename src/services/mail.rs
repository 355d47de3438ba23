//! Outgoing mail: a business unit's SMTP account, and the reminder letters queued in the database
//! with the action that sends them, delivered with `lettre` (rustls) when the desk is online and
//! retried with growing waits when it is not. Each mail's fate is kept (the delivery log).

use super::{opt_trim, BusinessUnit, Ctx};
use crate::error::{Checks, Error, Result};
use crate::store::Db;
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::SqliteConnection;
use ts_rs::TS;

crate::str_enum!(Security { StartTls = "starttls", Tls = "tls", None = "none" });

/// Waits between attempts (minutes); after the last, a mail is given up as failed.
const RETRY_MINUTES: [i64; 6] = [1, 5, 15, 60, 240, 720];

fn secret_name(bu_id: &str) -> String {
    format!("smtp/{bu_id}")
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct SmtpInput {
    pub host: String,
    pub port: Option<u16>,
    /// starttls (the default), tls or none.
    pub security: Option<String>,
    pub username: Option<String>,
    /// Left out, the stored password stays; empty removes it.
    pub password: Option<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    pub enabled: Option<bool>,
    /// The administrator allows a host FlexDesk would not reach unasked (`net::guard`).
    pub allow_address: Option<bool>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct SmtpView {
    pub configured: bool,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<String>,
    pub username: Option<String>,
    pub has_password: bool,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub enabled: bool,
    /// Where the password is kept: keyring or sealed.
    pub password_store: Option<String>,
    /// An administrator allowed this host (it stays allowed while the host, port and security
    /// stay the same).
    pub address_confirmed: bool,
}

#[derive(sqlx::FromRow)]
struct Account {
    host: String,
    port: i64,
    security: String,
    username: Option<String>,
    password_store: Option<String>,
    password_sealed: Option<String>,
    from_address: String,
    from_name: Option<String>,
    enabled: bool,
    address_confirmed: bool,
}

async fn account(conn: &mut SqliteConnection, bu_id: &str) -> Result<Option<Account>> {
    Ok(sqlx::query_as(
        "SELECT host, port, security, username, password_store, password_sealed, from_address, from_name, enabled, address_confirmed
         FROM smtp_accounts WHERE bu_id = ?",
    )
    .bind(bu_id)
    .fetch_optional(conn)
    .await?)
}

fn view(a: Option<Account>) -> SmtpView {
    match a {
        None => SmtpView {
            configured: false,
            host: None,
            port: None,
            security: None,
            username: None,
            has_password: false,
            from_address: None,
            from_name: None,
            enabled: false,
            password_store: None,
            address_confirmed: false,
        },
        Some(a) => SmtpView {
            configured: true,
            host: Some(a.host),
            port: Some(a.port as u16),
            security: Some(a.security),
            username: a.username,
            has_password: a.password_store.is_some(),
            from_address: Some(a.from_address),
            from_name: a.from_name,
            enabled: a.enabled,
            password_store: a.password_store,
            address_confirmed: a.address_confirmed,
        },
    }
}

pub async fn get(db: &Db, bu: &BusinessUnit) -> Result<SmtpView> {
    let mut conn = db.pool().acquire().await?;
    Ok(view(account(&mut conn, &bu.id).await?))
}

/// The host as the net guard reads it: encrypted SMTP like https, plain like http.
fn guard_url(host: &str, port: u16, security: Security) -> Option<reqwest::Url> {
    let scheme = if security == Security::None {
        "http"
    } else {
        "https"
    };
    reqwest::Url::parse(&format!("{scheme}://{host}:{port}")).ok()
}

/// Save the unit's SMTP account (administrators).
pub async fn save(db: &Db, ctx: &Ctx, desk_id: &str, i: SmtpInput) -> Result<SmtpView> {
    let mut c = Checks::new();
    let host = i.host.trim().to_string();
    c.require("host", &host, "The SMTP server");
    let security = match opt_trim(i.security.clone()) {
        Some(s) => Security::parse_field("security", &s)?,
        None => Security::StartTls,
    };
    let port = i.port.unwrap_or(match security {
        Security::StartTls => 587,
        Security::Tls => 465,
        Security::None => 25,
    });
    if i.from_address.trim().parse::<Mailbox>().is_err() {
        c.fail("fromAddress", "Give the address the letters come from.");
    }
    c.finish()?;
    let url = guard_url(&host, port, security)
        .ok_or_else(|| Error::invalid("host", format!("'{host}' is not a host name.")))?;
    let bu = &ctx.bu;
    let known = {
        let mut conn = db.pool().acquire().await?;
        account(&mut conn, &bu.id).await?
    };
    // An allowance belongs to one server: the same host, port and security keep it.
    let same = known.as_ref().is_some_and(|a| {
        a.address_confirmed
            && a.host == host
            && a.port == i64::from(port)
            && a.security == security.as_str()
    });
    let allow = match i.allow_address {
        Some(a) => a,
        None => same,
    };
    crate::net::guard::check("host", &url, allow).await?;
    let mut tx = db.write().await?;
    let before = account(&mut tx, &bu.id).await?;
    let (store, sealed) = match i.password.as_deref() {
        None => (
            before.as_ref().and_then(|a| a.password_store.clone()),
            before.as_ref().and_then(|a| a.password_sealed.clone()),
        ),
        Some("") => {
            crate::secrets::forget(desk_id, &secret_name(&bu.id));
            (None, None)
        }
        Some(p) => match crate::secrets::store(desk_id, &secret_name(&bu.id), p)? {
            crate::secrets::Stored::Keyring => (Some("keyring".to_string()), None),
            crate::secrets::Stored::Sealed(t) => (Some("sealed".to_string()), Some(t)),
        },
    };
    sqlx::query(
        "INSERT INTO smtp_accounts (bu_id, host, port, security, username, password_store, password_sealed, from_address, from_name,
             enabled, address_confirmed, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bu_id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
           username = excluded.username, password_store = excluded.password_store, password_sealed = excluded.password_sealed,
           from_address = excluded.from_address, from_name = excluded.from_name, enabled = excluded.enabled,
           address_confirmed = excluded.address_confirmed, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&bu.id)
    .bind(&host)
    .bind(port)
    .bind(security.as_str())
    .bind(opt_trim(i.username.clone()))
    .bind(&store)
    .bind(&sealed)
    .bind(i.from_address.trim())
    .bind(opt_trim(i.from_name.clone()))
    .bind(i.enabled.unwrap_or(true))
    .bind(allow)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .execute(&mut *tx)
    .await?;
    let saved = account(&mut tx, &bu.id).await?;
    tx.commit().await?;
    Ok(view(saved))
}

/// Queue a reminder's letter for `to`, inside the sending action's transaction, when the unit
/// has a mail account switched on. Returns whether it was queued.
pub(crate) async fn queue_reminder(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    reminder_id: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<bool> {
    let on: Option<bool> = sqlx::query_scalar("SELECT enabled FROM smtp_accounts WHERE bu_id = ?")
        .bind(&ctx.bu.id)
        .fetch_optional(&mut *conn)
        .await?;
    if on != Some(true) || to.trim().parse::<Mailbox>().is_err() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO mail_queue (id, bu_id, reminder_id, to_address, subject, body, status, next_try_at, queued_at)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
    )
    .bind(crate::ids::new_id(crate::ids::prefix::MAIL))
    .bind(&ctx.bu.id)
    .bind(reminder_id)
    .bind(to.trim())
    .bind(subject)
    .bind(body)
    .bind(&ctx.now)
    .bind(&ctx.now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct Queued {
    id: String,
    bu_id: String,
    reminder_id: Option<String>,
    to_address: String,
    subject: String,
    body: String,
    attempts: i64,
}

/// A letter's PDF being printed (its file name and bytes).
pub type LetterFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(String, Vec<u8>)>> + Send + 'a>>;

/// What prints a queued mail's letter from its reminder (the dunning's `letter_for_mail`): given
/// by the caller, so mail does not depend on what it carries.
pub type Letters = for<'a> fn(&'a Db, &'a BusinessUnit, &'a str) -> LetterFuture<'a>;

/// Send every queued mail that is due (`now`), printing each letter with `letters`. Returns how
/// many went out.
pub async fn deliver_due(
    db: &Db,
    desk_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    letters: Letters,
) -> Result<usize> {
    let stamp = crate::clock::stamp(now);
    let due: Vec<Queued> = sqlx::query_as(
        "SELECT id, bu_id, reminder_id, to_address, subject, body, attempts FROM mail_queue
         WHERE status = 'queued' AND next_try_at <= ? ORDER BY next_try_at, id LIMIT 100",
    )
    .bind(&stamp)
    .fetch_all(db.pool())
    .await?;
    let mut sent = 0;
    // Each unit's account, read and allowed once a round (or why its mail cannot go).
    let mut units: std::collections::HashMap<String, Result<Sender>> = Default::default();
    for m in due {
        if !units.contains_key(&m.bu_id) {
            let ready = sender(db, &m.bu_id).await;
            units.insert(m.bu_id.clone(), ready);
        }
        let outcome = match &units[&m.bu_id] {
            Ok(s) => deliver(db, desk_id, &m, s, letters).await,
            Err(e) => Err(e.clone()),
        };
        let attempts = m.attempts + 1;
        match outcome {
            Ok(()) => {
                sqlx::query("UPDATE mail_queue SET status = 'sent', attempts = ?, last_error = NULL, sent_at = ? WHERE id = ?")
                    .bind(attempts)
                    .bind(&stamp)
                    .bind(&m.id)
                    .execute(db.pool())
                    .await?;
                sent += 1;
            }
            Err(e) => {
                let wait = RETRY_MINUTES.get(m.attempts as usize);
                let next = wait.map(|w| crate::clock::stamp(now + chrono::Duration::minutes(*w)));
                sqlx::query("UPDATE mail_queue SET status = ?, attempts = ?, last_error = ?, next_try_at = coalesce(?, next_try_at) WHERE id = ?")
                    .bind(if next.is_some() { "queued" } else { "failed" })
                    .bind(attempts)
                    .bind(&e.message)
                    .bind(next)
                    .bind(&m.id)
                    .execute(db.pool())
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// A unit's mail account, ready to send: its unit, and the server the net guard allowed.
struct Sender {
    account: Account,
    security: Security,
    bu: BusinessUnit,
}

async fn sender(db: &Db, bu_id: &str) -> Result<Sender> {
    let mut conn = db.pool().acquire().await?;
    let account = account(&mut conn, bu_id)
        .await?
        .ok_or_else(|| Error::invalid("smtp", "The unit has no mail account any more."))?;
    drop(conn);
    let bu = crate::services::business_units::get(db, bu_id).await?;
    let security = Security::parse(&account.security).unwrap_or(Security::StartTls);
    let url = guard_url(&account.host, account.port as u16, security)
        .ok_or_else(|| Error::invalid("host", "The mail server's host is not valid."))?;
    crate::net::guard::check("host", &url, account.address_confirmed).await?;
    Ok(Sender {
        account,
        security,
        bu,
    })
}

async fn deliver(db: &Db, desk_id: &str, m: &Queued, s: &Sender, letters: Letters) -> Result<()> {
    let (a, security, bu) = (&s.account, s.security, &s.bu);
    let from = match &a.from_name {
        Some(n) => format!("{n} <{}>", a.from_address),
        None => a.from_address.clone(),
    };
    let bad = |what: &str, e: String| Error::invalid("mail", format!("{what}: {e}"));
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.clone()));
    if let Some(r) = &m.reminder_id {
        let (name, pdf) = letters(db, bu, r).await?;
        let kind = ContentType::parse("application/pdf")
            .map_err(|e| bad("content type", e.to_string()))?;
        parts = parts.singlepart(Attachment::new(name).body(pdf, kind));
    }
    let email = Message::builder()
        .from(
            from.parse()
                .map_err(|e: lettre::address::AddressError| bad("from", e.to_string()))?,
        )
        .to(m
            .to_address
            .parse()
            .map_err(|e: lettre::address::AddressError| bad("to", e.to_string()))?)
        .subject(m.subject.clone())
        .multipart(parts)
        .map_err(|e| bad("message", e.to_string()))?;
    let builder = match security {
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&a.host),
        Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&a.host)
            .map_err(|e| bad("server", e.to_string()))?,
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&a.host)
            .map_err(|e| bad("server", e.to_string()))?,
    };
    let mut builder = builder
        .port(a.port as u16)
        .timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(user), Some(store)) = (&a.username, &a.password_store) {
        let password = crate::secrets::load(
            desk_id,
            &secret_name(&m.bu_id),
            store,
            a.password_sealed.as_deref(),
        )?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    builder.build().send(email).await.map_err(|e| {
        Error::new(
            crate::ErrorCode::RemoteUnavailable,
            format!("The mail server did not take the mail: {e}"),
        )
    })?;
    Ok(())
}

/// One mail as the delivery log shows it.
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct MailRecord {
    pub mail_id: String,
    pub reminder_id: Option<String>,
    pub to: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub queued_at: String,
    pub next_try_at: String,
    pub sent_at: Option<String>,
}

/// The unit's latest 200 mails, newest first.
pub async fn log(db: &Db, bu: &BusinessUnit) -> Result<Vec<MailRecord>> {
    Ok(sqlx::query_as(
        "SELECT id AS mail_id, reminder_id, to_address AS \"to\", subject, status, attempts, last_error, queued_at, next_try_at, sent_at
         FROM mail_queue WHERE bu_id = ? ORDER BY queued_at DESC, id DESC LIMIT 200",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?)
}
