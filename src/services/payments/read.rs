//! Reading payments: the filtered list, its totals and a subscription's schedule.

use super::*;
use crate::services::list::{Keyset, Paging, Sorts};

// Reading

pub(super) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
    today: NaiveDate,
) -> Result<Payment> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS}{FROM} WHERE p.id = ? AND p.bu_id = ?"
    ))
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| to_payment(bu, r, today))
        .ok_or_else(|| Error::not_found("Payment", id))
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str, today: NaiveDate) -> Result<Payment> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id, today).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct PaymentQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    /// One status, or several separated by commas (`pending,failed`).
    pub status: Option<String>,
    pub customer_id: Option<String>,
    #[serde(alias = "subscriptionId")]
    pub rental_id: Option<String>,
    pub billing_group_id: Option<String>,
    /// Due on or after (YYYY-MM-DD).
    pub due_date_from: Option<String>,
    /// Due on or before (YYYY-MM-DD).
    pub due_date_to: Option<String>,
    /// Only open payments past their due date (FlexDesk).
    pub overdue: Option<bool>,
    /// `asc` (oldest due first) or `desc` (default).
    pub sort_dir: Option<String>,
    /// FlexDesk: `dueDate` (default) or `amount`.
    pub sort_by: Option<String>,
}

/// Count and sums of a filtered set of payments (the payments screen's footer).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PaymentTotals {
    pub count: i64,
    pub total: Money,
    pub open_total: Money,
    pub paid_total: Money,
    pub overdue_count: i64,
    pub overdue_total: Money,
    pub currency: String,
}

pub(super) fn push_filters(
    qb: &mut QueryBuilder<'_, Sqlite>,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<()> {
    // A member's own payment inside a consolidated one is a line of it, not a payment to list;
    // a desk syncing (`changedSince`) reads every row, the lines too.
    qb.push(" WHERE p.bu_id = ").push_bind(bu.id.clone());
    if q.changed_since.is_none() {
        qb.push(" AND p.consolidated_into IS NULL");
    }
    if let Some(s) = opt_trim(q.status.clone()) {
        let list: Vec<String> = s
            .split(',')
            .map(|x| PaymentStatus::parse_field("status", x.trim()).map(|v| v.as_str().to_string()))
            .collect::<Result<_>>()?;
        if list.len() == 1 {
            qb.push(" AND p.status = ").push_bind(list[0].clone());
        } else {
            qb.push(" AND p.status IN (SELECT value FROM json_each(")
                .push_bind(serde_json::to_string(&list)?)
                .push("))");
        }
        // The partial status indexes serve a query only when it repeats their condition word for
        // word: pending payments are read through payments_open, the others through
        // payments_status_due (migration 6).
        let pending = list.iter().any(|s| s == "pending");
        if pending && list.iter().all(|s| s == "pending" || s == "failed") {
            qb.push(OPEN_TERM);
        } else if !pending {
            qb.push(" AND p.status IN ('paid', 'processing', 'failed', 'cancelled')");
        }
    }
    if let Some(c) = opt_trim(q.customer_id.clone()) {
        qb.push(" AND p.customer_id = ").push_bind(c);
    }
    if let Some(r) = opt_trim(q.rental_id.clone()) {
        // Its own payments, and the consolidated payments it is a line of.
        qb.push(" AND (p.rental_id = ")
            .push_bind(r.clone())
            .push(" OR p.id IN (SELECT m.consolidated_into FROM payments m WHERE m.rental_id = ")
            .push_bind(r)
            .push(" AND m.consolidated_into IS NOT NULL))");
    }
    if let Some(g) = opt_trim(q.billing_group_id.clone()) {
        qb.push(" AND p.billing_group_id = ").push_bind(g);
    }
    if let Some(f) = opt_trim(q.due_date_from.clone()) {
        qb.push(" AND p.due_date >= ")
            .push_bind(day_text(parse_day("dueDateFrom", &f)?));
    }
    if let Some(t) = opt_trim(q.due_date_to.clone()) {
        qb.push(" AND p.due_date <= ")
            .push_bind(day_text(parse_day("dueDateTo", &t)?));
    }
    if q.overdue == Some(true) {
        qb.push(OPEN_TERM)
            .push(" AND p.due_date < ")
            .push_bind(day_text(today));
    }
    Ok(())
}

/// The condition of the payments_open index, as queries must spell it to use it.
pub(super) const OPEN_TERM: &str =
    " AND p.status IN ('pending', 'failed') AND p.consolidated_into IS NULL";

/// Payments in due-date order (latest first; `sortDir=asc` for oldest first), keyset-paginated.
pub async fn list(
    db: &Db,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<Page<Payment>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    // The overdue view walks the open payments' index in due-date order.
    let from = if q.overdue == Some(true) && opt_trim(q.status.clone()).is_none() {
        FROM.replacen(
            "FROM payments p",
            "FROM payments p INDEXED BY payments_open",
            1,
        )
    } else {
        FROM.to_string()
    };
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {COLS}{from}"));
    push_filters(&mut qb, bu, q, today)?;
    const PAYMENTS: Keyset = Keyset {
        order: "due_date",
        ..Keyset::of("payments", "p", "payment")
    };
    /// The payments' list orders (`sortBy`): by due date, or by amount (total).
    const PAYMENT_SORTS: Sorts = &[
        ("dueDate", "due_date"),
        ("amount", "total"),
        ("status", "status, due_date"),
    ];
    let rows: Vec<Row> = PAYMENTS
        .sorted(PAYMENT_SORTS, q.sort_by.as_deref())?
        .rows(db, qb, &bu.id, &p)
        .await?;
    let items = rows.into_iter().map(|r| to_payment(bu, r, today)).collect();
    Ok(p.page(items, |x: &Payment| x.payment_id.clone()))
}

pub async fn totals(
    db: &Db,
    bu: &BusinessUnit,
    q: &PaymentQuery,
    today: NaiveDate,
) -> Result<PaymentTotals> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT count(*), coalesce(sum(p.total), 0),
            coalesce(sum(CASE WHEN p.status IN ('pending', 'failed', 'processing') THEN p.total - p.amount_received END), 0),
            coalesce(sum(CASE WHEN p.status = 'paid' THEN p.total - p.amount_refunded ELSE p.amount_received END), 0),
            count(CASE WHEN p.status IN ('pending', 'failed') AND p.due_date < ",
    );
    qb.push_bind(day_text(today))
        .push(" THEN 1 END), coalesce(sum(CASE WHEN p.status IN ('pending', 'failed') AND p.due_date < ")
        .push_bind(day_text(today))
        .push(" THEN p.total - p.amount_received END), 0) FROM payments p");
    push_filters(&mut qb, bu, q, today)?;
    let (count, total, open, paid, oc, ot): (i64, i64, i64, i64, i64, i64) =
        qb.build_query_as().fetch_one(db.pool()).await?;
    Ok(PaymentTotals {
        count,
        total: bu.money(total),
        open_total: bu.money(open),
        paid_total: bu.money(paid),
        overdue_count: oc,
        overdue_total: bu.money(ot),
        currency: bu.currency.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
