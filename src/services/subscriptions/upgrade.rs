//! Upgrading a running subscription to another product: the old one ends, a new one starts today.

use super::*;
use crate::domain::cost::{source as cost_source, starting_cost, Cost, CostFacts};

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct UpgradeInput {
    /// The new subscription's id (a desk's, replayed on a hub); made here when absent.
    #[serde(alias = "newSubscriptionId")]
    pub new_rental_id: Option<String>,
    pub new_sku: String,
    pub new_serial_number: String,
    #[ts(optional, type = "number")]
    #[serde(alias = "newContractLength")]
    pub contract_length: Option<Value>,
    /// Defaults to the new variant's price for the contract length.
    pub new_monthly_amount: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Upgraded {
    pub old_rental_id: String,
    pub new_rental_id: String,
    pub old_device: String,
    pub new_device: String,
    pub new_monthly_amount: Money,
    pub currency: String,
    pub message: String,
    pub rental: Rental,
}

/// Immediate upgrade: the old subscription ends `ended_upgrade` (its later payments cancelled, its
/// device back for inspection) and a new one starts today on the new serial.
pub async fn upgrade(db: &Db, ctx: &Ctx, id: &str, input: UpgradeInput) -> Result<Upgraded> {
    let mut sent = input.clone();
    let new_rental_sent = input.new_rental_id.clone();
    let bu = &ctx.bu;
    let today = ctx.today();
    let mut c = crate::error::Checks::new();
    c.require("newSku", &input.new_sku, "The new SKU");
    c.require(
        "newSerialNumber",
        &input.new_serial_number,
        "The new serial number",
    );
    c.finish()?;
    let len = match &input.contract_length {
        None | Some(Value::Null) => bu.settings.default_contract_length as i64,
        Some(v) => crate::services::whole_number(v).unwrap_or(0),
    };
    let reason = text_field("reason", input.reason.clone(), 1000, "The reason")?;
    let notes = text_field(
        "notes",
        input.notes.clone(),
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let sku = input.new_sku.trim();
    let v = crate::services::catalog::offered_variant(&mut tx, bu, sku).await?;
    if crate::domain::limits::ContractLength::new(len).is_none() {
        return Err(Error::new(
            ErrorCode::InvalidContractLength,
            format!(
                "Contract length {len} is outside {} months.",
                crate::domain::limits::ContractLength::range_text()
            ),
        ));
    }
    let tier = v.pricing.iter().find(|t| t.contract_length as i64 == len);
    let monthly = match (input.new_monthly_amount, tier) {
        (Some(m), _) => bu.minor("newMonthlyAmount", m)?,
        (None, Some(t)) => bu.minor("newMonthlyAmount", t.monthly_price)?,
        (None, None) => {
            return Err(Error::new(
                ErrorCode::InvalidContractLength,
                format!("{sku} has no price for {len} months."),
            ))
        }
    };
    let new = asset_by_serial(&mut tx, bu, &input.new_serial_number).await?;
    require_available(&new)?;
    if new.sku != sku {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}, not a {sku}.",
                new.serial_number, new.sku
            ),
        ));
    }
    // End the old one.
    payments::cancel_after(
        &mut tx,
        &row.id,
        today.max(row.start()),
        "Upgraded",
        &ctx.now,
    )
    .await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    back_in(&mut tx, ctx, &row, today, None, "upgraded").await?;
    // Start the new one.
    let list_price = v
        .list_price
        .and_then(|m| m.to_minor(bu.currency_exponent).ok());
    let cost_variant = v
        .acquisition_cost
        .and_then(|m| m.to_minor(bu.currency_exponent).ok());
    let cost = starting_cost(CostFacts {
        order_override: None,
        asset: new.acquisition_cost,
        expected: Cost::or_unknown(cost_variant, cost_source::VARIANT),
        otherwise: Cost::or_unknown(list_price, cost_source::LIST_PRICE),
    });
    let product_name = v.product_name.clone();
    let new_id = start_subscription(
        &mut tx,
        ctx,
        NewSub {
            order_id: &row.order_id,
            item_idx: None,
            customer_id: &row.customer_id,
            customer_email: &row.customer_email,
            customer_name: &row.customer_name,
            asset: &new,
            product_id: Some(v.product_id.clone()),
            variant_id: Some(v.variant_id.clone()),
            sku,
            product_name: &product_name,
            product_image_url: v.images.first().cloned(),
            monthly,
            months: len as u32,
            start: today,
            list_price,
            list_price_source: if list_price.is_some() {
                "variant"
            } else {
                "unknown"
            }
            .into(),
            acquisition_cost: cost.amount,
            acquisition_cost_source: cost.source.into(),
            upgrade_from: Some(&row.id),
            billing_group_id: row.billing_group_id.clone(),
            notes: notes.clone(),
            start_reason: "upgrade",
            id: new_rental_sent.as_deref(),
        },
    )
    .await?;
    end_row(
        &mut tx,
        &row.id,
        Ending::Upgrade { to: &new_id },
        &day_text(today),
        &ctx.now,
    )
    .await?;
    let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "upgraded",
        format!("Upgraded to {sku} ({}) on {new_id}{why}", new.serial_number),
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_upgrade" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "subscription",
        &new_id,
        "activated",
        format!(
            "Started as the upgrade of {} ({}), {len} months at {}",
            row.id,
            row.serial_number,
            bu.amount_text(monthly)
        ),
        None,
    )
    .await?;
    let rental = get_in(&mut tx, bu, &new_id, today).await?;
    let old = get_in(&mut tx, bu, &row.id, today).await?;
    emit_subscription(
        &mut tx,
        ctx,
        "subscription.upgraded",
        &old,
        serde_json::json!({
            "newSubscriptionId": rental.rental_id,
            "newSerialNumber": rental.asset_serial_number,
            "newSku": rental.sku,
            "newSubscription": crate::money::to_wire_value(&rental),
        }),
    )
    .await?;
    sent.new_rental_id = Some(rental.rental_id.clone());
    let op_body = crate::money::to_wire_value(&sent);
    let more = [
        r("asset", &rental.asset_serial_number),
        r("rental", &rental.rental_id),
    ];
    action_op(
        &mut tx,
        ctx,
        &row,
        OpKind::SubscriptionUpgrade,
        op_body,
        more,
    )
    .await?;
    tx.commit().await?;
    Ok(Upgraded {
        message: format!(
            "{} replaced by {} on a new subscription.",
            row.serial_number, new.serial_number
        ),
        old_rental_id: row.id.clone(),
        new_rental_id: new_id,
        old_device: row.serial_number.clone(),
        new_device: new.serial_number.clone(),
        new_monthly_amount: bu.money(monthly),
        currency: bu.currency.clone(),
        rental,
    })
}
