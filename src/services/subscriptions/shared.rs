//! Shared pieces of the subscription actions: the asset side (look-up, availability, status and
//! assignments), webhook payloads, timeline entries, input helpers and the start of a subscription.

use super::*;

// ---------------------------------------------------------------------------------------------
// Shared pieces of the actions

#[derive(sqlx::FromRow)]
pub(super) struct AssetRow {
    pub(super) id: i64,
    pub(super) serial_number: String,
    pub(super) sku: String,
    pub(super) status: String,
    pub(super) rental_id: Option<String>,
    pub(super) acquisition_cost: Option<i64>,
}

pub(super) async fn asset_by_serial(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    raw: &str,
) -> Result<AssetRow> {
    let not_found = || {
        Error::new(
            ErrorCode::AssetNotFound,
            format!("No asset has the serial number {}.", raw.trim()),
        )
    };
    let sn = serial::normalize(raw).map_err(|_| not_found())?;
    sqlx::query_as(
        "SELECT id, serial_number, sku, status, rental_id, acquisition_cost FROM assets WHERE bu_id = ? AND serial_number = ?",
    )
    .bind(&bu.id)
    .bind(&sn)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)
}

pub(super) fn require_available(a: &AssetRow) -> Result<()> {
    if a.status != "available" {
        let why = match a.status.as_str() {
            "rented_out" => "is rented out".to_string(),
            "returned" => "is back from a customer and waits for inspection".to_string(),
            "sold" => "was sold".to_string(),
            other => format!("is {other}"),
        };
        return Err(Error::new(
            ErrorCode::AssetNotAvailable,
            format!(
                "Serial {} {why}; only available assets can go out.",
                a.serial_number
            ),
        ));
    }
    Ok(())
}

pub(super) async fn set_asset(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    status: AssetStatus,
    customer_id: Option<&str>,
    rental_id: Option<&str>,
    condition: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE assets SET status = ?, customer_id = ?, rental_id = ?, condition = coalesce(?, condition), updated_at = ? WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(customer_id)
    .bind(rental_id)
    .bind(condition)
    .bind(&ctx.now)
    .bind(asset_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn open_assignment(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<()> {
    emit_asset(
        conn,
        ctx,
        "asset.assigned",
        asset_id,
        rental_id,
        customer_id,
        reason,
    )
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO asset_assignments (asset_id, rental_id, customer_id, started_on, start_reason) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(asset_id)
    .bind(rental_id)
    .bind(customer_id)
    .bind(day_text(on))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn close_assignment(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<()> {
    // A bought-out device stays with the customer: it ends its assignment without coming back.
    if reason != "bought_out" {
        emit_asset(
            conn,
            ctx,
            "asset.returned",
            asset_id,
            rental_id,
            customer_id,
            reason,
        )
        .await?;
    }
    sqlx::query(
        "UPDATE asset_assignments SET ended_on = ?, end_reason = ? WHERE asset_id = ? AND rental_id = ? AND ended_on IS NULL",
    )
    .bind(day_text(on))
    .bind(reason)
    .bind(asset_id)
    .bind(rental_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queue `asset.assigned` / `asset.returned` for an asset (when some endpoint wants it).
pub(super) async fn emit_asset(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    asset_id: i64,
    rental_id: &str,
    customer_id: &str,
    reason: &str,
) -> Result<()> {
    let hooks = webhooks::Hooks::of(conn, ctx).await?;
    if !hooks.wants(event) {
        return Ok(());
    }
    let (serial, sku): (String, String) =
        sqlx::query_as("SELECT serial_number, sku FROM assets WHERE id = ?")
            .bind(asset_id)
            .fetch_one(&mut *conn)
            .await?;
    let data = serde_json::json!({
        "serialNumber": serial,
        "sku": sku,
        "subscriptionId": rental_id,
        "customerId": customer_id,
        "reason": reason,
    });
    hooks.emit(conn, ctx, event, data).await
}

/// Queue a `subscription.*` event: the ids a receiver routes on, `extra` facts of the action,
/// and the whole subscription as `GET /v1/subscriptions/{id}` returns it.
pub(super) async fn emit_subscription(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    event: &str,
    r: &Rental,
    extra: Value,
) -> Result<()> {
    webhooks::emit(conn, ctx, event, || {
        let mut data = serde_json::json!({
            "subscriptionId": r.rental_id,
            "customerId": r.customer_id,
            "orderId": r.order_id,
            "serialNumber": r.asset_serial_number,
            "status": r.status,
        });
        if let (Value::Object(d), Value::Object(x)) = (&mut data, extra) {
            d.extend(x);
        }
        data["subscription"] = crate::money::to_wire_value(r);
        data
    })
    .await
}

/// A timeline entry of this action; `change` is the (before, after) pair where it matters.
pub(super) async fn event(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    entity_type: &str,
    entity_id: &str,
    action: &str,
    summary: String,
    change: Option<(Value, Value)>,
) -> Result<()> {
    let (before, after) = change.unzip();
    record(
        conn,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type,
            entity_id,
            action,
            summary,
            before,
            after,
        },
    )
    .await
}

/// An effective date sent with an action: not before the start, not after today.
pub(super) fn effective_date(raw: Option<&str>, row: &Row, today: NaiveDate) -> Result<NaiveDate> {
    let d = quote_date(raw, row, today)?;
    if d > today {
        return Err(Error::invalid(
            "effectiveDate",
            "The effective date cannot be in the future.",
        ));
    }
    Ok(d)
}

/// The date a quote is for: today by default; a later day ("what if it is bought out next
/// month") up to the contract's end, but never before its start.
pub(super) fn quote_date(raw: Option<&str>, row: &Row, today: NaiveDate) -> Result<NaiveDate> {
    let Some(t) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(today.max(row.start()));
    };
    let d = parse_day("effectiveDate", t)?;
    if d > today && d > row.end() {
        return Err(Error::invalid(
            "effectiveDate",
            format!(
                "A quote can look ahead to the contract's end ({}) at most.",
                row.end_date
            ),
        ));
    }
    if d < row.start() {
        return Err(Error::invalid(
            "effectiveDate",
            format!(
                "The effective date cannot be before the start ({}).",
                row.start_date
            ),
        ));
    }
    Ok(d)
}

pub(super) use crate::services::text_field;

pub(super) struct NewSub<'a> {
    pub(super) order_id: &'a str,
    pub(super) item_idx: Option<i64>,
    pub(super) customer_id: &'a str,
    pub(super) customer_email: &'a str,
    pub(super) customer_name: &'a str,
    pub(super) asset: &'a AssetRow,
    pub(super) product_id: Option<String>,
    pub(super) variant_id: Option<String>,
    pub(super) sku: &'a str,
    pub(super) product_name: &'a str,
    pub(super) product_image_url: Option<String>,
    pub(super) monthly: i64,
    pub(super) months: u32,
    pub(super) start: NaiveDate,
    pub(super) list_price: Option<i64>,
    pub(super) list_price_source: String,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) acquisition_cost_source: String,
    pub(super) upgrade_from: Option<&'a str>,
    pub(super) notes: Option<String>,
    pub(super) start_reason: &'a str,
    pub(super) billing_group_id: Option<String>,
    /// The id sent by the caller, if any.
    pub(super) id: Option<&'a str>,
}

/// Insert a subscription with its schedule, put its asset out, open the assignment.
pub(super) async fn start_subscription(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    n: NewSub<'_>,
) -> Result<String> {
    let bu = &ctx.bu;
    let s = &bu.settings;
    let id =
        crate::services::client_id(conn, ctx, "rentalId", n.id, prefix::RENTAL, "subscriptions")
            .await?;
    // A business in another EU member state with a VAT ID accounts for the VAT itself.
    let rate = crate::domain::tax::schedule_rate(
        crate::services::invoices::reverse_charge_applies(conn, bu, n.customer_id).await?,
        s.tax_rate,
    );
    let terms = Terms {
        start: n.start,
        months: n.months,
        monthly: n.monthly,
        billing_start: s.billing_start,
        first_payment: s.first_payment,
        terms_days: s.payment_terms_days,
        tax: TaxRule {
            rate,
            inclusive: s.tax_inclusive,
            exponent: bu.currency_exponent,
        },
    };
    let tax_rate = rate.normalize().to_string();
    let row = crate::store::subscriptions::SubscriptionRow {
        id: id.clone(),
        bu_id: bu.id.clone(),
        order_id: n.order_id.to_string(),
        item_idx: n.item_idx,
        customer_id: n.customer_id.to_string(),
        customer_email: n.customer_email.to_string(),
        customer_name: n.customer_name.to_string(),
        asset_id: n.asset.id,
        serial_number: n.asset.serial_number.clone(),
        product_id: n.product_id.clone(),
        variant_id: n.variant_id.clone(),
        sku: n.sku.to_string(),
        product_name: n.product_name.to_string(),
        product_image_url: n.product_image_url.clone(),
        monthly_amount: n.monthly,
        currency: bu.currency.clone(),
        status: "active".into(),
        billing_group_id: n.billing_group_id.clone(),
        original_contract_length: n.months as i64,
        contract_length: n.months as i64,
        start_date: day_text(n.start),
        end_date: day_text(terms.end_date()),
        billing_start: s.billing_start.as_str().into(),
        payment_terms_days: s.payment_terms_days as i64,
        tax_rate: tax_rate.clone(),
        tax_inclusive: s.tax_inclusive,
        list_price: n.list_price,
        list_price_source: n.list_price_source.clone(),
        acquisition_cost: n.acquisition_cost,
        acquisition_cost_source: n.acquisition_cost_source.clone(),
        captured_at: ctx.now.clone(),
        upgrade_from_rental_id: n.upgrade_from.map(str::to_string),
        notes: n.notes.clone(),
        created_at: ctx.now.clone(),
        updated_at: ctx.now.clone(),
        created_by: ctx.actor.name.clone(),
        ..Default::default()
    };
    crate::store::subscriptions::insert(conn, &row).await?;
    let payer = Payer {
        bu_id: &bu.id,
        customer_id: n.customer_id,
        rental_id: &id,
        asset_id: n.asset.id,
        currency: &bu.currency,
        tax_rate: &tax_rate,
        now: &ctx.now,
    };
    let added = payments::insert_slots(conn, &payer, &terms.schedule()).await?;
    webhooks::emit_scheduled(conn, ctx, &id, &added).await?;
    billing::regroup_member(conn, bu, n.billing_group_id.as_deref(), &ctx.now).await?;
    set_asset(
        conn,
        ctx,
        n.asset.id,
        AssetStatus::RentedOut,
        Some(n.customer_id),
        Some(&id),
        None,
    )
    .await?;
    open_assignment(
        conn,
        ctx,
        n.asset.id,
        &id,
        n.customer_id,
        n.start,
        n.start_reason,
    )
    .await?;
    event(
        conn,
        ctx,
        "asset",
        &n.asset.serial_number,
        "rented_out",
        format!("Rented out to {} on subscription {id}", n.customer_name),
        Some((
            serde_json::json!({ "status": n.asset.status }),
            serde_json::json!({ "status": "rented_out", "rentalId": id }),
        )),
    )
    .await?;
    Ok(id)
}
