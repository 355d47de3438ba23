//! Reading orders: one with its items and customer, and the filtered list.

use super::*;
use crate::services::list::{total, Keyset, Paging, Sorts};
use crate::services::{day_text, parse_day};

// Reads

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    pub(super) id: String,
    pub(super) order_number: String,
    pub(super) status: String,
    pub(super) order_type: String,
    pub(super) customer: String,
    pub(super) billing_address: String,
    pub(super) shipping_address: String,
    pub(super) subtotal: i64,
    pub(super) tax_amount: i64,
    pub(super) total: i64,
    pub(super) currency: String,
    pub(super) total_devices: i64,
    pub(super) rented_devices: i64,
    pub(super) notes: Option<String>,
    pub(super) custom_fields: Option<String>,
    pub(super) extension_details: Option<String>,
    pub(super) upgrade_details: Option<String>,
    pub(super) billing_group_id: Option<String>,
    pub(super) cancel_reason: Option<String>,
    pub(super) confirmed_at: Option<String>,
    pub(super) cancelled_at: Option<String>,
    pub(super) created_at: String,
    pub(super) updated_at: String,
    pub(super) created_by: String,
    pub(super) tax_rate: String,
    pub(super) tax_inclusive: bool,
}

#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) order_id: String,
    pub(super) product_id: Option<String>,
    pub(super) variant_id: Option<String>,
    pub(super) sku: String,
    pub(super) product_name: String,
    pub(super) product_image_url: Option<String>,
    pub(super) quantity: i64,
    pub(super) unit_price: i64,
    pub(super) contract_length: i64,
    pub(super) list_price: Option<i64>,
    pub(super) list_price_source: String,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) acquisition_cost_source: String,
    pub(super) list_price_override: Option<i64>,
    pub(super) acquisition_cost_override: Option<i64>,
    pub(super) used_list_price_as_acquisition: bool,
}

pub(super) const COLS: &str = "o.id, o.order_number, o.status, o.order_type, o.customer, o.billing_address, o.shipping_address, o.subtotal, o.tax_amount, o.total, o.currency,
    o.total_devices, o.rented_devices, o.notes, o.custom_fields, o.extension_details, o.upgrade_details, o.billing_group_id, o.cancel_reason,
    o.confirmed_at, o.cancelled_at, o.created_at, o.updated_at, o.created_by, o.tax_rate, o.tax_inclusive";

pub(super) async fn hydrate(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    rows: Vec<Row>,
) -> Result<Vec<Order>> {
    let mut items: HashMap<String, Vec<OrderItem>> = HashMap::new();
    if !rows.is_empty() {
        // One statement text whatever the page size (a JSON list of ids), so it stays prepared.
        let ids = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())?;
        let irows: Vec<ItemRow> = sqlx::query_as(
            "SELECT order_id, product_id, variant_id, sku, product_name, product_image_url, quantity, unit_price, contract_length, list_price, list_price_source,
             acquisition_cost, acquisition_cost_source, list_price_override, acquisition_cost_override, used_list_price_as_acquisition
             FROM order_items WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, idx")
            .bind(ids).fetch_all(&mut *conn).await?;
        for i in irows {
            items
                .entry(i.order_id.clone())
                .or_default()
                .push(OrderItem {
                    product_id: i.product_id,
                    product_image_url: i.product_image_url,
                    variant_id: i.variant_id,
                    sku: i.sku,
                    product_name: i.product_name,
                    quantity: i.quantity,
                    unit_price: bu.money(i.unit_price),
                    contract_length: i.contract_length,
                    list_price: bu.money_opt(i.list_price),
                    list_price_source: i.list_price_source,
                    acquisition_cost: bu.money_opt(i.acquisition_cost),
                    acquisition_cost_source: i.acquisition_cost_source,
                    list_price_override: bu.money_opt(i.list_price_override),
                    acquisition_cost_override: bu.money_opt(i.acquisition_cost_override),
                    used_list_price_as_acquisition: i.used_list_price_as_acquisition,
                    rental_ids: Vec::new(),
                    rental_status: ItemRentalStatus::Pending,
                    line_total: bu.money(i.unit_price * i.quantity),
                    contract_value: bu.money(i.unit_price * i.quantity * i.contract_length),
                });
        }
    }
    // Which subscriptions fulfil which item (upgrades carry no item).
    let mut fulfilment: HashMap<(String, i64), Vec<String>> = HashMap::new();
    let mut order_rentals: HashMap<String, Vec<String>> = HashMap::new();
    if !rows.is_empty() {
        let ids = serde_json::to_string(&rows.iter().map(|r| &r.id).collect::<Vec<_>>())?;
        let subs: Vec<(String, Option<i64>, String)> = sqlx::query_as(
            "SELECT order_id, item_idx, id FROM subscriptions WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid",
        )
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
        for (oid, idx, rid) in subs {
            order_rentals
                .entry(oid.clone())
                .or_default()
                .push(rid.clone());
            if let Some(idx) = idx {
                fulfilment.entry((oid, idx)).or_default().push(rid);
            }
        }
    }
    for (oid, list) in items.iter_mut() {
        for (idx, item) in list.iter_mut().enumerate() {
            if let Some(r) = fulfilment.remove(&(oid.clone(), idx as i64)) {
                item.rental_status = ItemRentalStatus::of(r.len() as i64, item.quantity);
                item.rental_ids = r;
            }
        }
    }
    rows.into_iter()
        .map(|r| {
            let items = items.remove(&r.id).unwrap_or_default();
            let rental_ids = order_rentals.remove(&r.id).unwrap_or_default();
            let customer: OrderCustomer = serde_json::from_str(&r.customer)
                .map_err(|e| Error::internal(format!("order {} customer: {e}", r.id)))?;
            let rule = crate::domain::schedule::TaxRule {
                rate: r.tax_rate.parse().unwrap_or_default(),
                inclusive: r.tax_inclusive,
                exponent: bu.currency_exponent,
            };
            let lines: Vec<PricedLine> = items
                .iter()
                .map(|i| PricedLine {
                    unit_price: i.unit_price.to_minor(bu.currency_exponent).unwrap_or(0),
                    quantity: i.quantity,
                    months: i.contract_length,
                })
                .collect();
            Ok(Order {
                contract_value: items.iter().map(|i| i.contract_value).sum(),
                prices: Prices::of(rule, &lines),
                items,
                order_id: r.id,
                order_number: r.order_number,
                tenant_id: bu.id.clone(),
                status: OrderStatus::parse(&r.status).unwrap_or(OrderStatus::Pending),
                order_type: OrderType::parse(&r.order_type).unwrap_or(OrderType::Standard),
                customer,
                billing_address: json_col(Some(&r.billing_address)).unwrap_or_default(),
                shipping_address: json_col(Some(&r.shipping_address)).unwrap_or_default(),
                totals: Totals {
                    subtotal: bu.money(r.subtotal),
                    tax_rate: r.tax_rate.parse().unwrap_or_default(),
                    tax_inclusive: r.tax_inclusive,
                    tax_amount: bu.money(r.tax_amount),
                    total: bu.money(r.total),
                    currency: r.currency,
                    total_devices: r.total_devices,
                },
                custom_fields: json_col(r.custom_fields.as_deref()),
                rental_progress: RentalProgress {
                    total_devices: r.total_devices,
                    rented_devices: r.rented_devices,
                },
                rental_ids,
                billing_group_id: r.billing_group_id,
                notes: r.notes,
                extension_details: json_col(r.extension_details.as_deref()),
                upgrade_details: json_col(r.upgrade_details.as_deref()),
                confirmed_at: r.confirmed_at,
                cancelled_at: r.cancelled_at,
                cancel_reason: r.cancel_reason,
                created_at: r.created_at,
                updated_at: r.updated_at,
                created_by: r.created_by,
            })
        })
        .collect()
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id_or_number: &str,
) -> Result<Order> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM orders o WHERE (o.id = ? OR o.order_number = ?) AND o.bu_id = ?"
    ))
    .bind(id_or_number)
    .bind(id_or_number)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Order", id_or_number))?;
    Ok(hydrate(conn, bu, vec![row]).await?.remove(0))
}

/// An order by id or by its printed number.
pub async fn get(db: &Db, bu: &BusinessUnit, id_or_number: &str) -> Result<Order> {
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, id_or_number).await
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct OrderQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<String>,
    /// FlexDesk: placed on or after this day (YYYY-MM-DD, the unit's calendar).
    pub created_from: Option<String>,
    /// FlexDesk: placed on or before this day.
    pub created_to: Option<String>,
    /// FlexDesk: `createdAt` (default) or `total`.
    pub sort_by: Option<String>,
    /// FlexDesk: count every matching order (`total` of the page).
    pub include_total: Option<bool>,
}

/// The orders' list orders (`sortBy`): when placed, or by monthly total.
const ORDER_SORTS: Sorts = &[
    ("createdAt", "created_at"),
    ("total", "total"),
    ("status", "status, created_at"),
];

pub async fn list(db: &Db, bu: &BusinessUnit, q: &OrderQuery) -> Result<Page<Order>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let keyset = Keyset::of("orders", "o", "order").sorted(ORDER_SORTS, q.sort_by.as_deref())?;
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {select} FROM orders o WHERE o.bu_id = "));
        qb.push_bind(bu.id.clone());
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            OrderStatus::parse_field("status", s)?;
            qb.push(" AND o.status = ").push_bind(s.to_string());
        }
        if let Some(s) = q.customer_id.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND o.customer_id = ").push_bind(s.to_string());
        }
        // Days as the desk's business day counts them (`Ctx::today`): created_at is an RFC 3339
        // instant, so a day's rows sort from its date to the next one's.
        if let Some(d) = q.created_from.as_deref().filter(|s| !s.is_empty()) {
            let day = parse_day("createdFrom", d)?;
            qb.push(" AND o.created_at >= ").push_bind(day_text(day));
        }
        if let Some(d) = q.created_to.as_deref().filter(|s| !s.is_empty()) {
            let day = parse_day("createdTo", d)? + chrono::Days::new(1);
            qb.push(" AND o.created_at < ").push_bind(day_text(day));
        }
        Ok(qb)
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<Row> = keyset
        .rows_on(&mut conn, filtered(COLS)?, &bu.id, &p)
        .await?;
    let orders = hydrate(&mut conn, bu, rows).await?;
    let mut page = p.page(orders, |o| o.order_id.clone());
    if q.include_total == Some(true) {
        page.total = Some(total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
}
