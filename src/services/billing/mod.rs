//! Billing groups: one business customer's subscriptions billed together. From a group's creation
//! on, its members' monthly payments are gathered into one consolidated payment per billing day,
//! with one line per subscription (serial, product, service period, net, tax). The members'
//! own payments stay in the store as the lines (they point at the consolidated payment through
//! `consolidated_into`), so every lifecycle rule keeps working per subscription; `regroup`
//! rebuilds the open consolidated payments whenever a group or one of its members changes.

use super::{day_text, opt_trim, whole_number, BusinessUnit, Ctx, Page};
use crate::error::{Checks, Error, ErrorCode, Result};
use crate::ids::prefix;
use crate::money::Money;
use crate::services::list::{Keyset, Paging};
use crate::services::outbox::{r, Op, OpKind};
use crate::store::{json_col, record, Db, Entry};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::BTreeMap;
use ts_rs::TS;

mod consolidate;

pub(crate) use consolidate::*;

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct BillingGroup {
    pub billing_group_id: String,
    pub tenant_id: String,
    pub customer_id: String,
    pub group_name: String,
    pub rental_ids: Vec<String>,
    pub billing_day: i64,
    /// Sum of the active members' monthly amounts.
    pub total_monthly_amount: Money,
    pub active_rental_count: i64,
    pub currency: String,
    /// `active` or `inactive` (an inactive group stops consolidating; members bill on their own).
    pub status: String,
    pub created_by: String,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    // FlexDesk additions.
    pub customer_name: String,
    /// The day from which the members' payments are consolidated (the group's creation day).
    pub consolidate_from: String,
    /// The next open consolidated payment's due date.
    pub next_billing_date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    customer_id: String,
    name: String,
    billing_day: i64,
    status: String,
    consolidate_from: String,
    notes: Option<String>,
    created_by: String,
    created_at: String,
    updated_at: String,
    customer_name: Option<String>,
    rental_ids: Option<String>,
    monthly: i64,
    active: i64,
    next_billing: Option<String>,
}

const COLS: &str = concat!(
        "g.id, g.customer_id, g.name, g.billing_day, g.status, g.consolidate_from, g.notes, g.created_by, g.created_at, g.updated_at,
    (SELECT ",
        crate::customer_name_sql!(),
        " FROM customers c WHERE c.id = g.customer_id) AS customer_name,
    (SELECT json_group_array(s.id) FROM (SELECT id FROM subscriptions WHERE billing_group_id = g.id ORDER BY created_at, rowid) s) AS rental_ids,
    (SELECT coalesce(sum(monthly_amount), 0) FROM subscriptions WHERE billing_group_id = g.id AND status = 'active') AS monthly,
    (SELECT count(*) FROM subscriptions WHERE billing_group_id = g.id AND status = 'active') AS active,
    (SELECT min(due_date) FROM payments WHERE billing_group_id = g.id AND payment_type = 'consolidated' AND status IN ('pending', 'failed')) AS next_billing"
    );

fn to_group(bu: &BusinessUnit, r: Row) -> BillingGroup {
    BillingGroup {
        billing_group_id: r.id,
        tenant_id: bu.id.clone(),
        customer_id: r.customer_id,
        group_name: r.name,
        rental_ids: json_col(r.rental_ids.as_deref()).unwrap_or_default(),
        billing_day: r.billing_day,
        total_monthly_amount: bu.money(r.monthly),
        active_rental_count: r.active,
        currency: bu.currency.clone(),
        status: r.status,
        created_by: r.created_by,
        notes: r.notes,
        created_at: r.created_at,
        updated_at: r.updated_at,
        customer_name: r.customer_name.unwrap_or_default(),
        consolidate_from: r.consolidate_from,
        next_billing_date: r.next_billing,
    }
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<BillingGroup> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM billing_groups g WHERE g.id = ? AND g.bu_id = ?"
    ))
    .bind(id.trim())
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(to_group(
        bu,
        row.ok_or_else(|| Error::not_found("Billing group", id.trim()))?,
    ))
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str) -> Result<BillingGroup> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct GroupQuery {
    /// FlexDesk sync extension: only groups changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub customer_id: Option<String>,
    pub status: Option<String>,
    pub sort_dir: Option<String>,
    /// FlexDesk: count every matching group (`total` of the page).
    pub include_total: Option<bool>,
}

pub async fn list(db: &Db, bu: &BusinessUnit, q: &GroupQuery) -> Result<Page<BillingGroup>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {select} FROM billing_groups g WHERE g.bu_id = "
        ));
        qb.push_bind(bu.id.clone());
        if let Some(c) = opt_trim(q.customer_id.clone()) {
            qb.push(" AND g.customer_id = ").push_bind(c);
        }
        if let Some(s) = opt_trim(q.status.clone()) {
            let s = group_status("status", &s)?;
            qb.push(" AND g.status = ").push_bind(s);
        }
        Ok(qb)
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = Keyset::of("billing_groups", "g", "billing_group")
        .rows_on(&mut conn, filtered(COLS)?, &bu.id, &p)
        .await?;
    let items = rows.into_iter().map(|r| to_group(bu, r)).collect();
    let mut page = p.page(items, |g: &BillingGroup| g.billing_group_id.clone());
    if q.include_total == Some(true) {
        page.total = Some(crate::services::list::total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
}

fn group_status(path: &str, s: &str) -> Result<String> {
    match s.trim() {
        "active" | "inactive" => Ok(s.trim().to_string()),
        o => Err(Error::invalid(
            path,
            format!("status must be active or inactive, not '{o}'."),
        )),
    }
}

/// `billingDay` as sent: a whole number from 1 to 28 (every month has those days).
fn billing_day(v: &serde_json::Value) -> Result<i64> {
    match whole_number(v) {
        Some(d) if (1..=28).contains(&d) => Ok(d),
        _ => Err(Error::new(
            ErrorCode::InvalidBillingDay,
            format!("billingDay must be a whole number from 1 to 28, not {v}."),
        )),
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct NewGroup {
    /// The id a desk gave the group, replayed on a hub; made here when absent.
    pub billing_group_id: Option<String>,
    pub customer_id: String,
    pub group_name: String,
    #[ts(type = "number")]
    pub billing_day: serde_json::Value,
    pub rental_ids: Vec<String>,
    pub notes: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct GroupUpdate {
    pub group_name: Option<String>,
    #[ts(type = "number | null")]
    pub billing_day: Option<serde_json::Value>,
    /// Replaces the whole member list: send every id.
    pub rental_ids: Option<Vec<String>>,
    pub notes: Option<String>,
    pub status: Option<String>,
}

fn check_name(c: &mut Checks, name: &str) {
    c.require("groupName", name, "A group name");
    c.max_len("groupName", name, 200, "The group name");
}

/// Every id names an active subscription of this unit that belongs to `customer_id` and is in
/// no other group. Duplicates are ignored. The first failure wins.
async fn check_members(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    customer_id: &str,
    group_id: Option<&str>,
    ids: &[String],
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in ids.iter().enumerate() {
        let id = raw.trim().to_string();
        if id.is_empty() {
            return Err(Error::invalid(
                &format!("rentalIds[{i}]"),
                "A subscription id is empty.",
            ));
        }
        if out.contains(&id) {
            continue;
        }
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT customer_id, status, billing_group_id FROM subscriptions WHERE id = ? AND bu_id = ?",
        )
        .bind(&id)
        .bind(&bu.id)
        .fetch_optional(&mut *conn)
        .await?;
        let (cust, status, group) = row.ok_or_else(|| {
            Error::new(
                ErrorCode::SubscriptionNotFound,
                format!("Subscription {id} was not found."),
            )
        })?;
        if cust != customer_id {
            return Err(Error::new(
                ErrorCode::SubscriptionDifferentCustomer,
                format!("Subscription {id} belongs to another customer; a billing group bills one customer."),
            ));
        }
        let member_already = group_id.is_some() && group.as_deref() == group_id;
        if let Some(g) = group.filter(|g| Some(g.as_str()) != group_id) {
            return Err(Error::new(
                ErrorCode::Conflict,
                format!("Subscription {id} is already billed in group {g}; remove it there first."),
            ));
        }
        // Members that have ended stay listed; only new members must be active.
        if status != "active" && !member_already {
            return Err(Error::new(
                ErrorCode::SubscriptionNotActive,
                format!("Subscription {id} is {status}; only active subscriptions can join a billing group."),
            ));
        }
        out.push(id);
    }
    Ok(out)
}

pub async fn create(db: &Db, ctx: &Ctx, input: NewGroup) -> Result<BillingGroup> {
    let bu = &ctx.bu;
    let name = input.group_name.trim().to_string();
    let mut c = Checks::new();
    c.require("customerId", &input.customer_id, "The customer");
    check_name(&mut c, &name);
    if input.rental_ids.is_empty() {
        c.fail("rentalIds", "Choose at least one subscription.");
    }
    c.finish()?;
    let day = billing_day(&input.billing_day)?;
    let notes = opt_trim(input.notes);
    let mut tx = db.write().await?;
    let customer_id = input.customer_id.trim().to_string();
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ? AND bu_id = ?")
            .bind(&customer_id)
            .bind(&bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_none() {
        return Err(Error::new(
            ErrorCode::CustomerNotFound,
            format!("Customer {customer_id} was not found."),
        ));
    }
    let members = check_members(&mut tx, bu, &customer_id, None, &input.rental_ids).await?;
    let id = super::client_id(
        &mut tx,
        ctx,
        "billingGroupId",
        input.billing_group_id.as_deref(),
        prefix::BILLING_GROUP,
        "billing_groups",
    )
    .await?;
    sqlx::query(
        "INSERT INTO billing_groups (id, bu_id, customer_id, name, billing_day, status, consolidate_from, notes, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&bu.id)
    .bind(&customer_id)
    .bind(&name)
    .bind(day)
    .bind(day_text(ctx.today()))
    .bind(&notes)
    .bind(&ctx.actor.name)
    .bind(&ctx.now)
    .bind(&ctx.now)
    .execute(&mut *tx)
    .await?;
    set_members(&mut tx, ctx, &id, &members).await?;
    let lines = regroup(&mut tx, bu, &id, &ctx.now).await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "billing_group",
            entity_id: &id,
            action: "created",
            summary: format!(
                "Billing group “{name}” created: {} subscription(s) billed on day {day}; {lines} monthly payment(s) consolidated",
                members.len()
            ),
            before: None,
            after: Some(serde_json::json!({ "rentalIds": members, "billingDay": day })),
        },
    )
    .await?;
    let g = get_in(&mut tx, bu, &id).await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(
            OpKind::BillingGroupCreate,
            None,
            &NewGroup {
                billing_group_id: Some(id.clone()),
                customer_id: customer_id.clone(),
                group_name: name.clone(),
                billing_day: day.into(),
                rental_ids: members.clone(),
                notes: notes.clone(),
            },
        )
        .touching(group_refs(&id, &members, &[]))
        .saying(format!("Billing group “{name}” created")),
    )
    .await?;
    tx.commit().await?;
    Ok(g)
}

/// Make `members` the group's subscriptions: others leave it (back to billing on their own).
async fn set_members(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    group_id: &str,
    members: &[String],
) -> Result<()> {
    let list = serde_json::to_string(members)?;
    sqlx::query(
        "UPDATE subscriptions SET billing_group_id = NULL, updated_at = ?
         WHERE billing_group_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(&ctx.now)
    .bind(group_id)
    .bind(&list)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE subscriptions SET billing_group_id = ?, updated_at = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND billing_group_id IS NOT ?",
    )
    .bind(group_id)
    .bind(&ctx.now)
    .bind(&list)
    .bind(group_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update(db: &Db, ctx: &Ctx, id: &str, upd: GroupUpdate) -> Result<BillingGroup> {
    let op_body = serde_json::to_value(&upd)?;
    let bu = &ctx.bu;
    let mut c = Checks::new();
    if let Some(n) = &upd.group_name {
        check_name(&mut c, n.trim());
    }
    if let Some(ids) = &upd.rental_ids {
        if ids.is_empty() {
            c.fail(
                "rentalIds",
                "A group needs at least one subscription; delete the group instead.",
            );
        }
    }
    c.finish()?;
    let day = upd.billing_day.as_ref().map(billing_day).transpose()?;
    let status = upd
        .status
        .as_deref()
        .map(|s| group_status("status", s))
        .transpose()?;
    let mut tx = db.write().await?;
    let before = get_in(&mut tx, bu, id).await?;
    let id = before.billing_group_id.clone();
    let members = match &upd.rental_ids {
        Some(ids) => Some(check_members(&mut tx, bu, &before.customer_id, Some(&id), ids).await?),
        None => None,
    };
    sqlx::query(
        "UPDATE billing_groups SET name = coalesce(?, name), billing_day = coalesce(?, billing_day), status = coalesce(?, status),
             notes = CASE WHEN ? THEN ? ELSE notes END, updated_at = ? WHERE id = ?",
    )
    .bind(upd.group_name.as_deref().map(str::trim))
    .bind(day)
    .bind(&status)
    .bind(upd.notes.is_some())
    .bind(opt_trim(upd.notes.clone()))
    .bind(&ctx.now)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    if let Some(m) = &members {
        set_members(&mut tx, ctx, &id, m).await?;
    }
    let left: Vec<String> = match &members {
        Some(m) => before
            .rental_ids
            .iter()
            .filter(|r| !m.contains(r))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    regroup(&mut tx, bu, &id, &ctx.now).await?;
    let after = get_in(&mut tx, bu, &id).await?;
    let mut said = Vec::new();
    if after.group_name != before.group_name {
        said.push(format!("renamed “{}”", after.group_name));
    }
    if after.billing_day != before.billing_day {
        said.push(format!("billing day {}", after.billing_day));
    }
    if after.status != before.status {
        said.push(after.status.clone());
    }
    if after.rental_ids != before.rental_ids {
        said.push(format!(
            "{} subscription(s){}",
            after.rental_ids.len(),
            if left.is_empty() {
                String::new()
            } else {
                format!(", {} back to billing on their own", left.len())
            }
        ));
    }
    if after.notes != before.notes {
        said.push("notes".into());
    }
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "billing_group",
            entity_id: &id,
            action: "updated",
            summary: if said.is_empty() {
                "Billing group saved unchanged".into()
            } else {
                format!("Billing group updated: {}", said.join(", "))
            },
            before: Some(serde_json::json!({
                "billingDay": before.billing_day, "status": before.status, "rentalIds": before.rental_ids })),
            after: Some(serde_json::json!({
                "billingDay": after.billing_day, "status": after.status, "rentalIds": after.rental_ids })),
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::new(OpKind::BillingGroupUpdate, Some(&id), &op_body)
            .touching(group_refs(&id, &before.rental_ids, &after.rental_ids))
            .saying(format!("Billing group “{}” updated", after.group_name)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Delete a group: its members go back to billing on their own (nothing is cancelled). Open
/// consolidated payments that were neither invoiced nor paid dissolve into the members' own
/// payments; invoiced or paid ones stay as they are, as history.
pub async fn delete(db: &Db, ctx: &Ctx, id: &str) -> Result<()> {
    let bu = &ctx.bu;
    let mut tx = db.write().await?;
    let g = get_in(&mut tx, bu, id).await?;
    set_members(&mut tx, ctx, &g.billing_group_id, &[]).await?;
    regroup(&mut tx, bu, &g.billing_group_id, &ctx.now).await?;
    sqlx::query("DELETE FROM billing_groups WHERE id = ?")
        .bind(&g.billing_group_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: "billing_group",
            entity_id: &g.billing_group_id,
            action: "deleted",
            summary: format!(
                "Billing group “{}” deleted; {} subscription(s) bill on their own again",
                g.group_name,
                g.rental_ids.len()
            ),
            before: Some(serde_json::json!({ "rentalIds": g.rental_ids })),
            after: None,
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::BillingGroupDelete, Some(&g.billing_group_id))
            .touching(group_refs(&g.billing_group_id, &g.rental_ids, &[]))
            .saying(format!("Billing group “{}” deleted", g.group_name)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The refs of a change to a group: the group and every subscription that is or was in it.
fn group_refs(id: &str, before: &[String], after: &[String]) -> Vec<String> {
    let mut refs = vec![r("billing_group", id)];
    for m in before.iter().chain(after) {
        let m = r("rental", m);
        if !refs.contains(&m) {
            refs.push(m);
        }
    }
    refs
}
