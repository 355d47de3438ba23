//! Adopters: one per list, the remote's v1 object written into the local table as the remote has it, and a subscription's payments made exactly the remote's.

use super::*;

/// Make each subscription's payments (and each group's consolidated ones) exactly the remote's:
/// those only here go, the rest are written as the remote has them.
pub(crate) async fn adopt_payments(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    by_owner: &[(String, Vec<Value>)],
) -> Result<()> {
    for (owner, items) in by_owner {
        // Written first: a payment the remote knows by another id is paired with this desk's.
        let mut keep = vec![];
        for p in items {
            keep.push(payment(conn, bu, p).await?);
        }
        let whose = match owner.split_once(':') {
            Some(("billing_group", _)) => "billing_group_id = ? AND payment_type = 'consolidated'",
            _ => "rental_id = ?",
        };
        sqlx::query(&format!(
            // Money collected or invoiced here stays, whatever the remote's list lacks, and so do
            // one-off charges (FlexPortal has no operation to add one).
            "DELETE FROM payments WHERE bu_id = ? AND {whose} AND id NOT IN (SELECT value FROM json_each(?))
               AND status <> 'paid' AND invoice_id IS NULL AND kind <> 'charge' AND amount_received = 0"
        ))
        .bind(&bu.id)
        .bind(owner.split_once(':').map(|(_, id)| id).unwrap_or(owner))
        .bind(serde_json::to_string(&keep)?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether subscription `s`'s device came back at this desk's returns desk in an op kept on
/// this desk (FlexPortal has no operation for a completion or a collection), or its activation
/// was voided here (FlexPortal learns a cancellation, and has no operation to take the unit back):
/// what the remote still says (the device rented out; for a completion the subscription `active`
/// and its later payments pending) does not undo that here.
const BACK_HERE: &str =
    "EXISTS (SELECT 1 FROM sync_ops k WHERE k.bu_id = s.bu_id AND k.op_key = s.id
    AND ((k.kind = 'return.receive' AND k.kept IS NOT NULL) OR k.kind = 'subscription.void'))";

// ---------------------------------------------------------------------------------------------
// Adopters: one per list, the v1 object's fields into the table's columns. Columns the wire does
// not carry keep their local value on update and take the business unit's setting on insert.

pub(super) async fn product(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    o: &Value,
) -> Result<()> {
    let id = req(o, "productId")?;
    let images = o.get("images").cloned().unwrap_or(Value::Array(vec![]));
    let spec = match o.get("specification") {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => String::new(),
    };
    let category = text(o, "category").unwrap_or_default();
    sqlx::query(
        "INSERT INTO products (id, bu_id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET product_sku = excluded.product_sku, name = excluded.name, specification = excluded.specification,
           category = excluded.category, brand = excluded.brand, description = excluded.description, images = excluded.images,
           status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at
         WHERE products.bu_id = excluded.bu_id",
    )
    .bind(&id).bind(&bu.id).bind(req(o, "productSku")?).bind(req(o, "name")?).bind(spec).bind(&category)
    .bind(text(o, "brand").unwrap_or_default()).bind(text(o, "description")).bind(images.to_string())
    .bind(text(o, "status").unwrap_or_else(|| "active".into())).bind(req(o, "createdAt")?).bind(req(o, "updatedAt")?)
    .execute(&mut *conn).await.map_err(deferrable).and_then(written)?;
    if !category.is_empty() {
        crate::services::catalog::ensure_category(conn, &bu.id, &category).await?;
    }
    for v in o
        .get("variants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let vid = req(v, "variantId")?;
        sqlx::query(
            "INSERT INTO variants (id, bu_id, product_id, variant_sku, variant_name, grade, condition, color_name, images, list_price, acquisition_cost, status, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, variant_sku = excluded.variant_sku, variant_name = excluded.variant_name,
               grade = excluded.grade, condition = excluded.condition, color_name = excluded.color_name, images = excluded.images,
               list_price = excluded.list_price, acquisition_cost = excluded.acquisition_cost, status = excluded.status,
               created_at = excluded.created_at, updated_at = excluded.updated_at
             WHERE variants.bu_id = excluded.bu_id",
        )
        .bind(&vid).bind(&bu.id).bind(&id).bind(req(v, "variantSku")?).bind(req(v, "variantName")?)
        .bind(text(v, "grade").unwrap_or_default()).bind(text(v, "condition")).bind(text(v, "colorName"))
        .bind(v.get("images").cloned().unwrap_or(Value::Array(vec![])).to_string())
        .bind(minor(bu, v, "listPrice")?).bind(minor(bu, v, "acquisitionCost")?)
        .bind(text(v, "status").unwrap_or_else(|| "active".into())).bind(req(v, "createdAt")?).bind(req(v, "updatedAt")?)
        .execute(&mut *conn).await.map_err(deferrable).and_then(written)?;
        sqlx::query("DELETE FROM pricing_tiers WHERE variant_id = ?")
            .bind(&vid)
            .execute(&mut *conn)
            .await?;
        for t in v
            .get("pricing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sqlx::query(
                "INSERT INTO pricing_tiers (variant_id, contract_length, monthly_price, setup_fee, discount, source, preset_used, calculated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&vid).bind(int(t, "contractLength")).bind(minor0(bu, t, "monthlyPrice")?).bind(minor(bu, t, "setupFee")?)
            .bind(json(t, "discount")).bind(text(t, "source")).bind(text(t, "presetUsed")).bind(text(t, "calculatedAt"))
            .execute(&mut *conn).await.map_err(deferrable)?;
        }
    }
    Ok(())
}

pub(super) async fn billing_group(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    o: &Value,
) -> Result<()> {
    let created = req(o, "createdAt")?;
    // A remote without FlexDesk's `consolidateFrom` consolidates from the group's creation.
    let from = text(o, "consolidateFrom").unwrap_or_else(|| created.chars().take(10).collect());
    sqlx::query(
        "INSERT INTO billing_groups (id, bu_id, customer_id, name, billing_day, status, consolidate_from, notes, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, name = excluded.name, billing_day = excluded.billing_day,
           status = excluded.status, consolidate_from = excluded.consolidate_from, notes = excluded.notes,
           created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at
         WHERE billing_groups.bu_id = excluded.bu_id",
    )
    .bind(req(o, "billingGroupId")?).bind(&bu.id).bind(req(o, "customerId")?).bind(req(o, "groupName")?)
    .bind(int(o, "billingDay").unwrap_or(1)).bind(text(o, "status").unwrap_or_else(|| "active".into())).bind(from)
    .bind(text(o, "notes")).bind(text(o, "createdBy").unwrap_or_else(|| "sync".into())).bind(&created).bind(req(o, "updatedAt")?)
    .execute(&mut *conn).await.map_err(deferrable).and_then(written)?;
    Ok(())
}

/// An upsert scoped to the unit that wrote nothing: the id is another business unit's record.
fn written(done: sqlx::sqlite::SqliteQueryResult) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(Error::invalid("id", crate::store::rows::OTHER_UNIT));
    }
    Ok(())
}

pub(super) async fn customer(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    o: &Value,
) -> Result<()> {
    let email = req(o, "email")?;
    let row = crate::store::customers::CustomerRow {
        id: req(o, "customerId")?,
        bu_id: bu.id.clone(),
        email_norm: email.to_lowercase(),
        email,
        first_name: req(o, "firstName")?,
        last_name: req(o, "lastName")?,
        company: text(o, "company"),
        phone: text(o, "phone"),
        customer_type: text(o, "customerType").unwrap_or_else(|| "individual".into()),
        status: text(o, "status").unwrap_or_else(|| "active".into()),
        vat_id: text(o, "vatId"),
        registration_number: text(o, "registrationNumber"),
        billing_address: json(o, "lastBillingAddress"),
        shipping_address: json(o, "lastShippingAddress"),
        custom_fields: json(o, "customFields"),
        notes: text(o, "notes"),
        created_at: req(o, "createdAt")?,
        updated_at: req(o, "updatedAt")?,
        created_by: text(o, "createdBy").unwrap_or_else(|| "sync".into()),
    };
    crate::store::customers::upsert(conn, &row)
        .await
        .map_err(deferrable)?;
    Ok(())
}

pub(super) async fn asset(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let serial = req(o, "serialNumber")?;
    let mut status = req(o, "status")?;
    let (mut condition, mut customer_id, mut rental_id) = (
        text(o, "condition"),
        text(o, "customerId"),
        text(o, "rentalId"),
    );
    // Back here at the returns desk, still rented out on the remote.
    if status == "rented_out" && rental_id.is_some() {
        type Here = (String, Option<String>, Option<String>, Option<String>);
        let here: Option<Here> = sqlx::query_as(&format!(
            "SELECT a.status, a.condition, a.customer_id, a.rental_id FROM assets a, subscriptions s
             WHERE a.bu_id = ?1 AND a.serial_number = ?2 AND s.id = ?3 AND {BACK_HERE}"
        ))
        .bind(&bu.id)
        .bind(&serial)
        .bind(&rental_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(h) = here {
            (status, condition, customer_id, rental_id) = h;
        }
    }
    let row = crate::store::assets::AssetRow {
        bu_id: bu.id.clone(),
        serial_number: serial,
        sku: req(o, "sku")?,
        variant_id: text(o, "variantId"),
        product_id: text(o, "productId"),
        product_name: text(o, "productName").unwrap_or_default(),
        status,
        location: text(o, "location"),
        condition,
        customer_id,
        rental_id,
        notes: text(o, "notes"),
        acquisition_cost: minor(bu, o, "acquisitionCost")?,
        acquisition_date: text(o, "acquisitionDate"),
        created_at: req(o, "createdAt")?,
        updated_at: req(o, "updatedAt")?,
        created_by: "sync".into(),
    };
    crate::store::assets::upsert(conn, &row)
        .await
        .map_err(deferrable)?;
    Ok(())
}

pub(super) async fn order(conn: &mut SqliteConnection, bu: &BusinessUnit, o: &Value) -> Result<()> {
    let id = req(o, "orderId")?;
    // What the wire does not carry (FlexPortal's orders have no number, tax rate or
    // confirmation) keeps its value here; a new order takes its id as its number and the
    // unit's tax rate.
    #[derive(sqlx::FromRow)]
    struct Here {
        order_number: String,
        tax_rate: String,
        tax_inclusive: bool,
        confirmed_at: Option<String>,
    }
    let here: Option<Here> = sqlx::query_as(
        "SELECT order_number, tax_rate, tax_inclusive, confirmed_at FROM orders WHERE bu_id = ? AND id = ?",
    )
    .bind(&bu.id)
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?;
    let mut status = req(o, "status")?;
    let mut confirmed_at = text(o, "confirmedAt");
    // A confirmation kept on this desk (FlexPortal has no confirm operation) is not undone by
    // the remote's `pending`, whatever the order's status here (an activation the remote
    // refused had made it `fulfilled`; taking the remote's side leaves it confirmed).
    if let Some(h) = here
        .as_ref()
        .filter(|h| h.confirmed_at.is_some() && status == "pending")
    {
        status = "confirmed".into();
        confirmed_at = h.confirmed_at.clone();
    }
    let empty = Value::Object(Default::default());
    let totals = o.get("totals").unwrap_or(&empty);
    let progress = o.get("rentalProgress").unwrap_or(&empty);
    let cust = o.get("customer").unwrap_or(&empty);
    let tax_rate = totals.get("taxRate").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let row = crate::store::orders::OrderRow {
        id: id.clone(),
        bu_id: bu.id.clone(),
        order_number: text(o, "orderNumber")
            .or_else(|| here.as_ref().map(|h| h.order_number.clone()))
            .unwrap_or_else(|| id.clone()),
        status,
        order_type: text(o, "orderType").unwrap_or_else(|| "standard".into()),
        customer_id: req(cust, "customerId")?,
        customer: cust.to_string(),
        billing_address: json(o, "billingAddress").unwrap_or_else(|| "{}".into()),
        shipping_address: json(o, "shippingAddress").unwrap_or_else(|| "{}".into()),
        subtotal: minor0(bu, totals, "subtotal")?,
        tax_amount: minor0(bu, totals, "taxAmount")?,
        total: minor0(bu, totals, "total")?,
        currency: text(totals, "currency").unwrap_or_else(|| bu.currency.clone()),
        total_devices: int(progress, "totalDevices").unwrap_or(0),
        rented_devices: int(progress, "rentedDevices").unwrap_or(0),
        notes: text(o, "notes"),
        custom_fields: json(o, "customFields"),
        extension_details: json(o, "extensionDetails"),
        upgrade_details: json(o, "upgradeDetails"),
        billing_group_id: text(o, "billingGroupId"),
        idem_key: format!("sync:{id}"),
        cancel_reason: text(o, "cancelReason"),
        confirmed_at,
        cancelled_at: text(o, "cancelledAt"),
        created_at: req(o, "createdAt")?,
        updated_at: req(o, "updatedAt")?,
        created_by: text(o, "createdBy").unwrap_or_else(|| "sync".into()),
        tax_rate: tax_rate
            .or_else(|| here.as_ref().map(|h| h.tax_rate.clone()))
            .unwrap_or_else(|| bu.settings.tax_rate.normalize().to_string()),
        tax_inclusive: match totals.get("taxInclusive").and_then(Value::as_bool) {
            Some(b) => b,
            None => here
                .as_ref()
                .map(|h| h.tax_inclusive)
                .unwrap_or(bu.settings.tax_inclusive),
        },
    };
    let mut items = vec![];
    for (idx, it) in o
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        items.push(crate::store::orders::OrderItemRow {
            order_id: id.clone(),
            idx: idx as i64,
            product_id: text(it, "productId"),
            variant_id: text(it, "variantId"),
            sku: req(it, "sku")?,
            product_name: text(it, "productName").unwrap_or_default(),
            product_image_url: text(it, "productImageUrl"),
            quantity: int(it, "quantity").unwrap_or(1),
            unit_price: minor0(bu, it, "unitPrice")?,
            contract_length: int(it, "contractLength").unwrap_or(1),
            list_price: minor(bu, it, "listPrice")?,
            list_price_source: text(it, "listPriceSource").unwrap_or_else(|| "unknown".into()),
            acquisition_cost: minor(bu, it, "acquisitionCost")?,
            acquisition_cost_source: text(it, "acquisitionCostSource")
                .unwrap_or_else(|| "unknown".into()),
            list_price_override: minor(bu, it, "listPriceOverride")?,
            acquisition_cost_override: minor(bu, it, "acquisitionCostOverride")?,
            used_list_price_as_acquisition: flag(it, "usedListPriceAsAcquisition"),
        });
    }
    crate::store::orders::upsert(conn, &row, &items)
        .await
        .map_err(deferrable)?;
    Ok(())
}

pub(super) async fn rental(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    o: &Value,
) -> Result<()> {
    let s = &bu.settings;
    let start = req(o, "startDate")?;
    let mut status = req(o, "status")?;
    let mut ended_on = text(o, "endedOn").filter(|_| status != "active");
    let serial = req(o, "assetSerialNumber")?;
    let id = req(o, "rentalId")?;
    // One look-up: its asset here, and whether this desk completed it at the returns desk in
    // an op kept on this desk (FlexPortal has no operation for a completion), which the
    // remote's `active` does not undo.
    let (asset_id, completed_here, line_here): (Option<i64>, Option<String>, Option<i64>) =
        sqlx::query_as(&format!(
            "SELECT (SELECT id FROM assets WHERE bu_id = ?1 AND serial_number = ?2),
                (SELECT s.ended_on FROM subscriptions s WHERE s.bu_id = ?1 AND s.id = ?3
                   AND ?4 = 'active' AND s.status = 'ended_completed' AND {BACK_HERE}),
                (SELECT s.item_idx FROM subscriptions s WHERE s.bu_id = ?1 AND s.id = ?3)"
        ))
        .bind(&bu.id)
        .bind(&serial)
        .bind(&id)
        .bind(&status)
        .fetch_one(&mut *conn)
        .await?;
    if let Some(day) = completed_here {
        status = "ended_completed".into();
        ended_on = Some(day);
    }
    let Some(asset_id) = asset_id else {
        // Its asset has not come down yet: read again on the next pass.
        return Err(Error::new(
            crate::ErrorCode::Conflict,
            format!("The asset {serial} is not on this desk yet."),
        ));
    };
    let voided = o
        .get("cancellationDetails")
        .and_then(|c| c.get("voidedAt"))
        .is_some_and(|v| !v.is_null());
    let row = crate::store::subscriptions::SubscriptionRow {
        id,
        bu_id: bu.id.clone(),
        order_id: req(o, "orderId")?,
        // The order line it fills, as the remote says; none once voided; FlexPortal does not
        // say, so the line this desk knows stays.
        item_idx: match o.get("orderItemIndex").and_then(Value::as_i64) {
            Some(i) => Some(i),
            None if voided => None,
            None => line_here,
        },
        customer_id: req(o, "customerId")?,
        customer_email: text(o, "customerEmail").unwrap_or_default(),
        customer_name: text(o, "customerName").unwrap_or_default(),
        asset_id,
        serial_number: serial,
        product_id: text(o, "productId"),
        variant_id: text(o, "variantId"),
        sku: req(o, "sku")?,
        product_name: text(o, "productName").unwrap_or_default(),
        product_image_url: text(o, "productImageUrl"),
        monthly_amount: minor0(bu, o, "monthlyAmount")?,
        currency: text(o, "currency").unwrap_or_else(|| bu.currency.clone()),
        status,
        billing_group_id: text(o, "billingGroupId"),
        original_contract_length: int(o, "originalContractLength").unwrap_or(1),
        contract_length: int(o, "contractLength").unwrap_or(1),
        start_date: start.clone(),
        end_date: req(o, "endDate")?,
        ended_on,
        // Not on the wire: a new copy takes the unit's settings, a known one keeps its own.
        billing_start: s.billing_start.as_str().into(),
        payment_terms_days: s.payment_terms_days as i64,
        tax_rate: s.tax_rate.to_string(),
        tax_inclusive: s.tax_inclusive,
        list_price: minor(bu, o, "listPrice")?,
        list_price_source: text(o, "listPriceSource").unwrap_or_else(|| "unknown".into()),
        acquisition_cost: minor(bu, o, "acquisitionCost")?,
        acquisition_cost_source: text(o, "acquisitionCostSource")
            .unwrap_or_else(|| "unknown".into()),
        captured_at: text(o, "listPriceCapturedAt").unwrap_or_else(|| start.clone()),
        total_collected: minor0(bu, o, "totalCollected")?,
        extension_history: json(o, "extensionHistory"),
        replacement_history: json(o, "replacementHistory"),
        buyout_details: json(o, "buyoutDetails"),
        early_return_details: json(o, "earlyReturnDetails"),
        cancellation_details: json(o, "cancellationDetails"),
        upgrade_from_rental_id: text(o, "upgradeFromRentalId"),
        upgraded_to_rental_id: text(o, "upgradedToRentalId"),
        custom_fields: json(o, "customFields"),
        notes: text(o, "notes"),
        created_at: req(o, "createdAt")?,
        updated_at: req(o, "updatedAt")?,
        created_by: text(o, "createdBy").unwrap_or_else(|| "sync".into()),
    };
    crate::store::subscriptions::adopt(conn, &row)
        .await
        .map_err(deferrable)?;
    Ok(())
}

/// Write a pulled payment; its id here (another than the remote's when the remote scheduled
/// it itself for a subscription made here: paired by idempotency key, and the pair learned).
pub(super) async fn payment(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    o: &Value,
) -> Result<String> {
    let key = req(o, "idempotencyKey")?;
    let mut id = req(o, "paymentId")?;
    if let Some(ours) = crate::sync::idmap::payment_by_key(conn, &bu.id, &key, &id).await? {
        crate::sync::idmap::learn(conn, &bu.id, &ours, &id).await?;
        // Lines written before their consolidated payment was paired name it by the remote's id.
        sqlx::query(
            "UPDATE payments SET consolidated_into = ? WHERE bu_id = ? AND consolidated_into = ?",
        )
        .bind(&ours)
        .bind(&bu.id)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
        id = ours;
    }
    let consolidated_into = match text(o, "consolidatedInto") {
        Some(c) => Some(
            crate::sync::idmap::local_of(conn, &bu.id, &c)
                .await?
                .unwrap_or(c),
        ),
        None => None,
    };
    let seq = key
        .rsplit(':')
        .next()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let ptype = text(o, "paymentType").unwrap_or_else(|| "individual".into());
    let lines = if ptype == "consolidated" {
        json(o, "lineItems")
    } else {
        None
    };
    let last_error = o
        .get("lastCaptureError")
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let tax_rate = o
        .get("taxRate")
        .and_then(|v| <rust_decimal::Decimal as std::str::FromStr>::from_str(&v.to_string()).ok())
        .map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "0".into());
    // One look-up: an asset this desk does not have is not named; a subscription it does not
    // have yet defers the payment, which is read again once its subscription is here (written
    // without it, it would stay without it: the next pass reads only what changed since); and
    // whether this desk marked the payment failed.
    #[derive(sqlx::FromRow)]
    struct Here {
        rental_id: Option<String>,
        /// Its subscription was completed on this desk.
        completed: bool,
        asset_id: Option<i64>,
        status: Option<String>,
        failed_at: Option<String>,
        last_error: Option<String>,
        cancel_reason: Option<String>,
    }
    let here: Here = sqlx::query_as(&format!(
        "SELECT s.id AS rental_id, coalesce(s.status IN ('ended_completed', 'cancelled') AND {BACK_HERE}, 0) AS completed,
                (SELECT id FROM assets WHERE bu_id = ?2 AND serial_number = ?3) AS asset_id,
                p.status, p.failed_at, p.last_error, p.cancel_reason
         FROM (SELECT 1) LEFT JOIN subscriptions s ON s.id = ?1
           LEFT JOIN payments p ON p.bu_id = ?2 AND p.id = ?4"
    ))
    .bind(text(o, "rentalId"))
    .bind(&bu.id)
    .bind(text(o, "serialNumber"))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await?;
    let rental_id = here.rental_id.clone();
    if rental_id.is_none() && text(o, "rentalId").is_some() {
        return Err(Error::new(
            crate::ErrorCode::Conflict,
            "The payment's subscription is not here yet.",
        ));
    }
    // FlexPortal's payments carry a due date only: invoiced that day, for the month from it.
    let due_date = req(o, "dueDate")?;
    let day = |t: String| t.get(..10).map(str::to_string).unwrap_or(t);
    let invoice_date = text(o, "invoiceDate").unwrap_or_else(|| day(due_date.clone()));
    let period_start = text(o, "periodStart").unwrap_or_else(|| invoice_date.clone());
    let period_end = match text(o, "periodEnd") {
        Some(e) => e,
        None => chrono::NaiveDate::parse_from_str(&period_start, "%Y-%m-%d")
            .map(|d| {
                crate::domain::schedule::add_months(d, 1)
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .map_err(|_| {
                Error::invalid("dueDate", "The remote's payment has no readable due date.")
            })?,
    };
    // A payment marked failed here (FlexPortal has no operation for it) stays failed while the
    // remote still has it pending; paid or cancelled there, the remote's word is taken.
    let mut status = req(o, "status")?;
    let failed = status == "pending" && here.status.as_deref() == Some("failed");
    if failed {
        status = "failed".into();
    }
    // Likewise a payment cancelled here because the device came back at contract end (the
    // completion stays on this desk) stays cancelled while the remote still has it pending.
    let cancelled_here =
        status == "pending" && here.completed && here.status.as_deref() == Some("cancelled");
    if cancelled_here {
        status = "cancelled".into();
    }
    let row = crate::store::payments::PaymentRow {
        id: id.clone(),
        bu_id: bu.id.clone(),
        customer_id: req(o, "customerId")?,
        rental_id,
        billing_group_id: text(o, "billingGroupId"),
        asset_id: here.asset_id,
        payment_type: ptype,
        kind: text(o, "kind").unwrap_or_else(|| "rent".into()),
        seq,
        billing_period: req(o, "billingPeriod")?,
        period_start,
        period_end,
        invoice_date,
        due_date,
        subtotal: minor0(bu, o, "subtotal")?,
        tax_rate,
        tax_amount: minor0(bu, o, "taxAmount")?,
        late_fee_amount: minor0(bu, o, "lateFeeAmount")?,
        total: minor0(bu, o, "total")?,
        currency: text(o, "currency").unwrap_or_else(|| bu.currency.clone()),
        line_items: lines,
        status,
        provider: text(o, "provider"),
        method: text(o, "method"),
        transaction_id: text(o, "transactionId"),
        manually_marked: flag(o, "manuallyMarked"),
        payment_reference: text(o, "paymentReference"),
        marked_by: text(o, "markedBy"),
        capture_attempts: int(o, "captureAttempts").unwrap_or(0),
        last_error: if failed { here.last_error } else { last_error },
        failed_at: if failed {
            here.failed_at
        } else {
            text(o, "failedAt")
        },
        cancel_reason: if cancelled_here {
            here.cancel_reason
        } else {
            text(o, "cancelReason")
        },
        idempotency_key: key.clone(),
        notes: text(o, "notes"),
        paid_at: text(o, "paidAt"),
        created_at: req(o, "createdAt")?,
        updated_at: req(o, "updatedAt")?,
        consolidated_into,
        charge_label: text(o, "chargeLabel"),
    };
    crate::store::payments::upsert(conn, &row)
        .await
        .map_err(deferrable)?;
    // Part payments and refunds, as a FlexDesk hub carries them (FlexPortal's payments do not:
    // those recorded here stay).
    if let (Some(received), Some(refunded)) = (
        minor(bu, o, "amountReceived")?,
        minor(bu, o, "amountRefunded")?,
    ) {
        let net =
            crate::services::payments::net_share(row.total - row.tax_amount, received, row.total);
        sqlx::query(
            "UPDATE payments SET amount_received = ?, amount_refunded = ?, net_received = ? WHERE id = ?",
        )
        .bind(received)
        .bind(refunded)
        .bind(net)
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}
