//! One function per user action. Each write action runs in one `BEGIN IMMEDIATE` transaction that
//! also appends its timeline entry, so a crash leaves all of it or none. Each area keeps its
//! queries next to its rules; `Ctx` says who acts and in which business unit.

pub mod assets;
pub mod backups;
pub mod billing;
pub mod business_units;
pub mod catalog;
pub mod csv_file;
pub mod customers;
pub mod dashboard;
pub mod dunning;
pub mod einvoicing;
pub mod exports;
pub mod files;
pub mod invoices;
pub mod keys;
pub(crate) mod list;
pub mod mail;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod runs;
pub mod sessions;
pub mod signin;
pub mod subscriptions;
pub mod timeline;
pub mod users;
pub mod webhooks;

use crate::domain::limits::Currency;
use crate::domain::settings::BuSettings;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::store::Actor;
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite};
use ts_rs::TS;

/// A business unit as the services need it: isolation key, currency and settings.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BusinessUnit {
    pub id: String,
    pub name: String,
    /// Short code (1–5 letters) used in numbering, e.g. `NL` in `NL-D1-000042`.
    pub code: String,
    pub currency: String,
    /// Decimals of the currency (EUR 2, JPY 0).
    pub currency_exponent: u32,
    pub country: String,
    /// What the tax is called where the unit sells ("VAT", "Sales tax", "GST"), for labels.
    pub tax_name: String,
    /// How the unit writes amounts and dates (BCP 47): its setting, or its country's (`nl-NL`).
    pub locale: String,
    pub timezone: String,
    pub status: String,
    pub settings: BuSettings,
    pub created_at: String,
    pub updated_at: String,
}

impl BusinessUnit {
    /// The unit's time zone (`timezone`, an IANA name); UTC when it names none this desk knows.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.timezone.trim().parse().unwrap_or(chrono_tz::UTC)
    }

    /// The unit's business day at `at`: the date on its own clocks. Every business date (a
    /// start, a due date, overdue, late fees, contract ends, invoice dates, "this month") is
    /// this; timestamps stay UTC.
    pub fn day_at(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        at.with_timezone(&self.zone()).date_naive()
    }

    /// Amounts and dates as this unit's documents write them (one per document: it holds the
    /// locale's data).
    pub fn doc_format(&self) -> crate::domain::locale::DocFormat {
        crate::domain::locale::DocFormat::new(&self.locale)
    }
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency_exponent)
    }
    pub fn money_opt(&self, minor: Option<i64>) -> Option<Money> {
        minor.map(|m| self.money(m))
    }
    /// An amount with its currency for sentences and the timeline: `89.00 EUR`.
    pub fn amount_text(&self, minor: i64) -> String {
        format!(
            "{} {}",
            self.money(minor).with_scale(self.currency_exponent),
            self.currency
        )
    }
    /// Store form of a user-given amount: exact minor units, never negative.
    pub fn minor(&self, path: &str, m: Money) -> Result<i64> {
        self.amounts().minor(path, m)
    }
    /// The unit's currency, as the domain's amount checks take it.
    pub fn amounts(&self) -> Currency<'_> {
        Currency {
            code: &self.currency,
            exponent: self.currency_exponent,
        }
    }
}

/// Who acts, in which business unit, and when (taken once from the core's clock per action).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub bu: BusinessUnit,
    /// This desk's short code, part of its numbering series.
    pub desk_code: String,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `at` in the store's text form.
    pub now: String,
    /// The business unit's active webhook endpoints, read once per action by its first event.
    pub(crate) hooks: tokio::sync::OnceCell<webhooks::Hooks>,
    /// Whether this business unit syncs with a remote, read once per action by its first op.
    pub(crate) syncs: tokio::sync::OnceCell<bool>,
    /// Set when this action replays another desk's operation (a hub applying a push): its
    /// Idempotency-Key and origin, recorded in the action's own transaction.
    pub replay: Option<crate::services::outbox::Replay>,
    /// Mint ids for what this action creates, whatever ids the caller sent.
    pub own_ids: bool,
}

impl Ctx {
    pub fn new(
        actor: Actor,
        bu: BusinessUnit,
        desk_code: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Ctx {
        Ctx {
            actor,
            bu,
            desk_code: desk_code.to_string(),
            at,
            now: crate::clock::stamp(at),
            hooks: Default::default(),
            syncs: Default::default(),
            replay: None,
            own_ids: false,
        }
    }
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Page<T: TS> {
    pub items: Vec<T>,
    pub count: usize,
    pub limit: i64,
    pub has_more: bool,
    pub next_cursor: Option<String>,
    /// FlexDesk: how many rows the list's filters match in all, when asked (`includeTotal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub total: Option<i64>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 100;

/// `limit` as sent (a string on the wire): default 50, 1..=100, anything else is a validation error.
pub fn parse_limit(raw: Option<&str>) -> Result<i64> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Error::invalid(
                "limit",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}."),
            )),
        },
    }
}

/// Cut a fetched `limit + 1` rows into a page; the cursor is the last item's id.
pub fn into_page<T: TS>(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> String) -> Page<T> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(&id_of)
    } else {
        None
    };
    Page {
        count: rows.len(),
        limit,
        has_more,
        next_cursor,
        items: rows,
        total: None,
    }
}

/// Sort direction of a list (`sortDir`), by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

impl SortDir {
    pub fn parse(raw: Option<&str>) -> Result<SortDir> {
        match raw {
            None | Some("desc") | Some("") => Ok(SortDir::Desc),
            Some("asc") => Ok(SortDir::Asc),
            Some(o) => Err(Error::invalid(
                "sortDir",
                format!("sortDir must be asc or desc, not '{o}'."),
            )),
        }
    }
    pub fn cmp(self) -> &'static str {
        match self {
            SortDir::Asc => ">",
            SortDir::Desc => "<",
        }
    }
    pub fn order(self) -> &'static str {
        match self {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        }
    }
}

/// The id a create uses: the one sent (a desk's, replayed on a hub), checked for its prefix and
/// that it is new, or a fresh one. A server that mints its own ids (`serve --own-ids`, as
/// FlexPortal's cloud does) ignores the one sent.
pub(crate) async fn client_id(
    conn: &mut sqlx::SqliteConnection,
    ctx: &Ctx,
    field: &str,
    sent: Option<&str>,
    prefix: &str,
    table: &str,
) -> Result<String> {
    let Some(id) = sent
        .map(str::trim)
        .filter(|s| !s.is_empty() && !ctx.own_ids)
    else {
        return Ok(crate::ids::new_id(prefix));
    };
    let ok = id
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('_'))
        .is_some_and(|r| {
            !r.is_empty()
                && r.len() <= 64
                && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !ok {
        return Err(Error::invalid(
            field,
            format!("{field} must look like {prefix}_<letters and digits>."),
        ));
    }
    let taken: Option<i64> = sqlx::query_scalar(&format!("SELECT 1 FROM {table} WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(Error::new(
            crate::ErrorCode::Conflict,
            format!("{id} already exists."),
        ));
    }
    Ok(id.to_string())
}

pub fn opt_trim(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Optional free text, trimmed, at most `max` characters.
pub fn text_field(
    path: &str,
    v: Option<String>,
    max: usize,
    label: &str,
) -> Result<Option<String>> {
    let v = opt_trim(v);
    if let Some(t) = &v {
        if t.chars().count() > max {
            return Err(Error::invalid(
                path,
                format!("{label} must be at most {max} characters."),
            ));
        }
    }
    Ok(v)
}

/// FlexDesk's sync extension to the v1 lists: with `changedSince` (a list's `syncToken`), only
/// rows changed after it, as the change feed recorded them (docs/sync.md). Absent or empty: all
/// (a first pass).
pub(crate) fn changed_since(
    qb: &mut QueryBuilder<'_, Sqlite>,
    alias: &str,
    key_col: &str,
    kind: &'static str,
    bu_id: &str,
    token: Option<&str>,
) -> Result<()> {
    let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let rev: i64 = t.parse().map_err(|_| {
        Error::invalid(
            "changedSince",
            "changedSince is not a syncToken from this server.",
        )
    })?;
    qb.push(format!(
        " AND {alias}.{key_col} IN (SELECT key FROM sync_changes WHERE kind = "
    ))
    .push_bind(kind)
    .push(" AND bu_id = ")
    .push_bind(bu_id.to_string())
    .push(" AND rev > ")
    .push_bind(rev)
    .push(")");
    Ok(())
}

/// A date field as sent (`YYYY-MM-DD`, or the date part of an RFC 3339 instant).
pub fn parse_day(path: &str, s: &str) -> Result<chrono::NaiveDate> {
    let t = s.trim();
    chrono::NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d")
        .map_err(|_| Error::invalid(path, format!("'{t}' is not a date (YYYY-MM-DD).")))
}

/// The first day a business date may fall on (contract starts, payments): nothing the desk keeps
/// is older. The last is ten years after the desk's today.
pub const FIRST_BUSINESS_DAY: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
{
    Some(d) => d,
    None => panic!("2000-01-01 is a day"),
};
const YEARS_AHEAD: u32 = 10;

/// A business date sent with an action (a contract's start, a payment's day), within
/// `FIRST_BUSINESS_DAY` and ten years after `today`: a typo such as 0226 or 2206 is refused with
/// the window, not kept as a century of schedule.
pub fn business_day(path: &str, s: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate> {
    let d = parse_day(path, s)?;
    in_business_window(path, d, today)
}

/// `d` if it lies within the business window around `today`.
pub fn in_business_window(
    path: &str,
    d: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate> {
    let last = today
        .checked_add_months(chrono::Months::new(12 * YEARS_AHEAD))
        .unwrap_or(today);
    if d < FIRST_BUSINESS_DAY || d > last {
        return Err(Error::invalid(
            path,
            format!(
                "{} is outside the dates this desk keeps ({} to {}).",
                day_text(d),
                day_text(FIRST_BUSINESS_DAY),
                day_text(last)
            ),
        ));
    }
    Ok(d)
}

/// A whole number as sent: a JSON integer (or a float without fraction) or a numeric string.
pub fn whole_number(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A month as sent (`YYYY-MM`, field `month`): its first day and the first day of the next.
pub fn month_bounds(month: &str) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
    let m = month.trim();
    let first = chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
        .map_err(|_| Error::invalid("month", format!("'{m}' is not a month (YYYY-MM).")))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    Ok((first, next))
}

pub fn day_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Ctx {
    /// The business day of this action: the unit's own date.
    pub fn today(&self) -> chrono::NaiveDate {
        self.bu.day_at(self.at)
    }
}
