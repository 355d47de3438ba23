//! Business units: isolated tenants with their own currency (fixed at creation), tax, catalog,
//! customers, orders, assets, keys and numbering. Every other service is scoped by one.

use super::BusinessUnit;
use crate::clock::stamp;
use crate::domain::settings::BuSettings;
use crate::error::{Checks, Error, Result};
use crate::ids::{new_id, prefix};
use crate::money::currency_exponent;
use crate::store::{record, Actor, Db, Entry};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use ts_rs::TS;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    code: String,
    currency: String,
    country: String,
    timezone: String,
    status: String,
    settings: String,
    created_at: String,
    updated_at: String,
}

impl Row {
    fn into_bu(self) -> Result<BusinessUnit> {
        let settings: BuSettings = serde_json::from_str(&self.settings)
            .map_err(|e| Error::internal(format!("settings of {} are unreadable: {e}", self.id)))?;
        Ok(BusinessUnit {
            currency_exponent: currency_exponent(&self.currency).unwrap_or(2),
            id: self.id,
            name: self.name,
            code: self.code,
            currency: self.currency,
            tax_name: crate::domain::tax::tax_name(&self.country).to_string(),
            locale: crate::domain::locale::locale_of(&settings.locale, &self.country),
            country: self.country,
            timezone: self.timezone,
            status: self.status,
            settings,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLS: &str =
    "id, name, code, currency, country, timezone, status, settings, created_at, updated_at";

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct NewBusinessUnit {
    pub name: String,
    /// ISO 4217 code; cannot be changed later.
    pub currency: String,
    pub code: Option<String>,
    pub country: Option<String>,
    pub timezone: Option<String>,
    pub settings: Option<BuSettings>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BusinessUnitUpdate {
    pub id: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub settings: Option<BuSettings>,
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewBusinessUnit,
) -> Result<BusinessUnit> {
    let mut c = Checks::new();
    c.require("name", &new.name, "Name");
    c.max_len("name", &new.name, 120, "Name");
    let currency = new.currency.trim().to_uppercase();
    if currency_exponent(&currency).is_none() {
        c.fail(
            "currency",
            format!("'{}' is not an ISO 4217 currency code.", new.currency),
        );
    }
    let code = new
        .code
        .clone()
        .unwrap_or_else(|| {
            new.name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(3)
                .collect()
        })
        .to_uppercase();
    if code.is_empty() || code.len() > 5 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        c.fail("code", "The code is 1 to 5 letters or digits.");
    }
    check_zone(&mut c, new.timezone.as_deref());
    let settings = new.settings.clone().unwrap_or_default();
    if let Err(e) = settings.validate(currency_exponent(&currency).unwrap_or(2)) {
        for d in e.details {
            c.fail(format!("settings.{}", d.path), d.message);
        }
    }
    c.finish()?;
    let id = new_id(prefix::BUSINESS_UNIT);
    let at = stamp(now);
    let mut tx = db.write().await?;
    let clash: Option<String> = sqlx::query_scalar("SELECT id FROM business_units WHERE code = ?")
        .bind(&code)
        .fetch_optional(&mut *tx)
        .await?;
    if clash.is_some() {
        return Err(Error::invalid(
            "code",
            format!("Another business unit already uses the code {code}."),
        ));
    }
    sqlx::query("INSERT INTO business_units (id, name, code, currency, country, timezone, status, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)")
        .bind(&id).bind(new.name.trim()).bind(&code).bind(&currency)
        .bind(new.country.unwrap_or_default()).bind(new.timezone.unwrap_or_else(|| "UTC".into()))
        .bind(serde_json::to_string(&settings)?).bind(&at).bind(&at)
        .execute(&mut *tx).await?;
    record(
        &mut tx,
        actor,
        now,
        Entry {
            bu_id: Some(&id),
            entity_type: "business_unit",
            entity_id: &id,
            action: "created",
            summary: format!("Business unit {} ({currency}) created", new.name.trim()),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    get(db, &id).await
}

pub async fn get(db: &Db, id: &str) -> Result<BusinessUnit> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLS} FROM business_units WHERE id = ?"))
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    row.ok_or_else(|| Error::not_found("Business unit", id))?
        .into_bu()
}

pub async fn list(db: &Db) -> Result<Vec<BusinessUnit>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM business_units ORDER BY created_at"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(Row::into_bu).collect()
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
    upd: BusinessUnitUpdate,
) -> Result<BusinessUnit> {
    let before = get(db, &upd.id).await?;
    let mut c = Checks::new();
    if let Some(n) = &upd.name {
        c.require("name", n, "Name");
    }
    check_zone(&mut c, upd.timezone.as_deref());
    if let Some(s) = &upd.settings {
        if let Err(e) = s.validate(before.currency_exponent) {
            for d in e.details {
                c.fail(format!("settings.{}", d.path), d.message);
            }
        }
    }
    c.finish()?;
    let name = upd
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or(&before.name)
        .to_string();
    let timezone = upd
        .timezone
        .clone()
        .unwrap_or_else(|| before.timezone.clone());
    let settings = upd
        .settings
        .clone()
        .unwrap_or_else(|| before.settings.clone());
    let mut tx = db.write().await?;
    sqlx::query("UPDATE business_units SET name = ?, timezone = ?, settings = ?, updated_at = ? WHERE id = ?")
        .bind(&name).bind(&timezone).bind(serde_json::to_string(&settings)?).bind(stamp(now)).bind(&upd.id)
        .execute(&mut *tx).await?;
    record(&mut tx, actor, now, Entry {
        bu_id: Some(&upd.id), entity_type: "business_unit", entity_id: &upd.id, action: "settings_changed",
        summary: format!("Settings of {name} changed"),
        before: Some(serde_json::json!({"name": before.name, "timezone": before.timezone, "settings": before.settings})),
        after: Some(serde_json::json!({"name": name, "timezone": timezone, "settings": settings})),
    }).await?;
    tx.commit().await?;
    get(db, &upd.id).await
}

/// A unit's time zone is an IANA name this desk knows (`Europe/Amsterdam`, `America/Chicago`):
/// its business day follows it.
fn check_zone(c: &mut Checks, zone: Option<&str>) {
    if let Some(z) = zone.map(str::trim).filter(|z| !z.is_empty()) {
        if z.parse::<chrono_tz::Tz>().is_err() {
            c.fail(
                "timezone",
                format!("'{z}' is not a time zone; use a name such as Europe/Amsterdam or America/Chicago."),
            );
        }
    }
}
