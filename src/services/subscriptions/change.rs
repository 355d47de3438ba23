//! Changes to a running subscription: extend, replace the device (an upgrade to another product
//! is `upgrade.rs`).

use super::*;

// ---------------------------------------------------------------------------------------------
// Extend

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ExtendInput {
    #[ts(type = "number")]
    pub extension_months: Value,
    /// Defaults to the current monthly amount.
    pub new_monthly_amount: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Extended {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub old_end_date: String,
    pub new_end_date: String,
    pub extension_months: u32,
    pub old_contract_length: u32,
    pub new_contract_length: u32,
    pub rental: Rental,
}

pub(super) async fn extend_in(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    row: &Row,
    months: u32,
    new_monthly: i64,
    reason: Option<String>,
    notes: Option<String>,
) -> Result<(String, String, u32)> {
    let bu = &ctx.bu;
    let today = ctx.today();
    let old_len = row.contract_length as u32;
    let new_len = old_len + months;
    let start = row.start();
    let new_end = schedule::end_date(start, new_len);
    let mut after = row.clone();
    after.stored.contract_length = new_len as i64;
    after.stored.monthly_amount = new_monthly;
    let terms = after.terms(bu);
    let effective = today.max(start);
    if new_monthly != row.monthly_amount {
        payments::reprice_after(
            conn,
            &row.id,
            effective,
            row.tax(bu).split(new_monthly),
            &ctx.now,
        )
        .await?;
    }
    let slots: Vec<_> = (old_len..new_len)
        .map(|k| terms.month(k, new_monthly))
        .collect();
    let added = payments::insert_slots(conn, &row.payer(bu, &ctx.now), &slots).await?;
    webhooks::emit_scheduled(conn, ctx, &row.id, &added).await?;
    billing::regroup_member(conn, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let mut history: Vec<ExtensionEntry> =
        serde_json::from_str(row.extension_history.as_deref().unwrap_or("[]")).unwrap_or_default();
    history.push(ExtensionEntry {
        extension_months: months,
        old_contract_length: old_len,
        new_contract_length: new_len,
        old_monthly_amount: bu.money(row.monthly_amount),
        new_monthly_amount: bu.money(new_monthly),
        reason: reason.clone(),
        notes,
        extended_by: ActorRef::from(&ctx.actor),
        old_end_date: row.end_date.clone(),
        new_end_date: day_text(new_end),
        extended_at: ctx.now.clone(),
    });
    sqlx::query("UPDATE subscriptions SET contract_length = ?, end_date = ?, monthly_amount = ?, extension_history = ?, updated_at = ? WHERE id = ?")
        .bind(new_len as i64)
        .bind(day_text(new_end))
        .bind(new_monthly)
        .bind(serde_json::to_string(&history)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    event(conn, ctx, "subscription", &row.id, "extended", format!(
            "Extended by {months} months to {} ({} a month){}",
            day_text(new_end),
            bu.amount_text(new_monthly),
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        ), Some((serde_json::json!({ "contractLength": old_len, "endDate": row.end_date, "monthlyAmount": bu.money(row.monthly_amount) }), serde_json::json!({ "contractLength": new_len, "endDate": day_text(new_end), "monthlyAmount": bu.money(new_monthly) }))))
    .await?;
    Ok((row.end_date.clone(), day_text(new_end), new_len))
}

pub async fn extend(db: &Db, ctx: &Ctx, id: &str, input: ExtendInput) -> Result<Extended> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let months = crate::services::whole_number(&input.extension_months)
        .and_then(crate::domain::limits::ContractLength::new)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidExtensionMonths,
                format!(
                    "Extension months must be a whole number from {}.",
                    crate::domain::limits::ContractLength::range_text()
                ),
            )
        })?
        .months();
    let reason = text_field("reason", input.reason, 1000, "The reason")?;
    let notes = text_field(
        "notes",
        input.notes,
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    if row.contract_length as u32 + months > crate::domain::limits::ContractLength::MAX {
        return Err(Error::new(
            ErrorCode::InvalidExtensionMonths,
            format!(
                "A contract can run at most {} months; this one has {} already.",
                crate::domain::limits::ContractLength::MAX,
                row.contract_length
            ),
        ));
    }
    let new_monthly = match input.new_monthly_amount {
        Some(m) => bu.minor("newMonthlyAmount", m)?,
        None => row.monthly_amount,
    };
    let (old_end, new_end, new_len) =
        extend_in(&mut tx, ctx, &row, months, new_monthly, reason, notes).await?;
    let rental = get_in(&mut tx, bu, &row.id, ctx.today()).await?;
    emit_subscription(
        &mut tx,
        ctx,
        "subscription.extended",
        &rental,
        serde_json::json!({ "extensionMonths": months, "newEndDate": rental.end_date }),
    )
    .await?;
    action_op(&mut tx, ctx, &row, OpKind::SubscriptionExtend, op_body, []).await?;
    tx.commit().await?;
    Ok(Extended {
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        old_end_date: old_end,
        new_end_date: new_end,
        extension_months: months,
        old_contract_length: row.contract_length as u32,
        new_contract_length: new_len,
        rental,
    })
}

// ---------------------------------------------------------------------------------------------
// Replace

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ReplaceInput {
    pub new_serial_number: String,
    pub new_sku: Option<String>,
    #[serde(alias = "reason")]
    pub replacement_reason: Option<String>,
    pub damage_assessment: Option<String>,
    pub insurance_claim: Option<bool>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Replaced {
    pub rental_id: String,
    pub old_serial_number: String,
    pub new_serial_number: String,
    pub reason: String,
    pub rental: Rental,
}

pub async fn replace(db: &Db, ctx: &Ctx, id: &str, input: ReplaceInput) -> Result<Replaced> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let today = ctx.today();
    let reason = match opt_trim(input.replacement_reason.clone()) {
        Some(r) => ReplacementReason::parse_field("replacementReason", &r)?,
        None => {
            return Err(Error::invalid(
                "replacementReason",
                "Say why: damaged, stolen, defective or lost.",
            ))
        }
    };
    if input.new_serial_number.trim().is_empty() {
        return Err(Error::invalid(
            "newSerialNumber",
            "Scan or type the replacement's serial number.",
        ));
    }
    let damage = text_field(
        "damageAssessment",
        input.damage_assessment,
        2000,
        "The damage assessment",
    )?;
    let notes = text_field(
        "notes",
        input.notes,
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    if let Some(sku) = opt_trim(input.new_sku.clone()) {
        if sku != row.sku {
            return Err(Error::new(
                ErrorCode::SkuMismatch,
                format!(
                    "A replacement must be the same SKU ({}), not {sku}.",
                    row.sku
                ),
            ));
        }
    }
    let new = asset_by_serial(&mut tx, bu, &input.new_serial_number).await?;
    require_available(&new)?;
    if new.sku != row.sku {
        return Err(Error::new(
            ErrorCode::SkuMismatch,
            format!(
                "Serial {} is a {}; this subscription needs a {}.",
                new.serial_number, new.sku, row.sku
            ),
        ));
    }
    let old_condition = (reason == ReplacementReason::Damaged).then_some("damaged");
    set_asset(
        &mut tx,
        ctx,
        row.asset_id,
        AssetStatus::Unavailable,
        None,
        None,
        old_condition,
    )
    .await?;
    close_assignment(
        &mut tx,
        ctx,
        row.asset_id,
        &row.id,
        &row.customer_id,
        today,
        "replaced",
    )
    .await?;
    set_asset(
        &mut tx,
        ctx,
        new.id,
        AssetStatus::RentedOut,
        Some(&row.customer_id),
        Some(&row.id),
        None,
    )
    .await?;
    open_assignment(
        &mut tx,
        ctx,
        new.id,
        &row.id,
        &row.customer_id,
        today,
        "replacement",
    )
    .await?;
    payments::move_to_asset(&mut tx, &row.id, today, new.id).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let mut history: Vec<ReplacementEntry> =
        serde_json::from_str(row.replacement_history.as_deref().unwrap_or("[]"))
            .unwrap_or_default();
    history.push(ReplacementEntry {
        old_serial_number: row.serial_number.clone(),
        new_serial_number: new.serial_number.clone(),
        reason: reason.as_str().to_string(),
        damage_assessment: damage,
        insurance_claim: Some(input.insurance_claim.unwrap_or(false)),
        notes,
        replaced_by: ActorRef::from(&ctx.actor),
        replaced_at: ctx.now.clone(),
    });
    sqlx::query("UPDATE subscriptions SET asset_id = ?, serial_number = ?, replacement_history = ?, updated_at = ? WHERE id = ?")
        .bind(new.id)
        .bind(&new.serial_number)
        .bind(serde_json::to_string(&history)?)
        .bind(&ctx.now)
        .bind(&row.id)
        .execute(&mut *tx)
        .await?;
    let summary = format!(
        "Replaced {} with {} ({reason})",
        row.serial_number, new.serial_number
    );
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "replaced",
        summary.clone(),
        Some((
            serde_json::json!({ "serialNumber": row.serial_number }),
            serde_json::json!({ "serialNumber": new.serial_number }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &row.serial_number,
        "replaced",
        format!("Taken off subscription {} ({reason}); unavailable", row.id),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "unavailable" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &new.serial_number,
        "rented_out",
        format!(
            "Replacement for {} on subscription {}",
            row.serial_number, row.id
        ),
        Some((
            serde_json::json!({ "status": "available" }),
            serde_json::json!({ "status": "rented_out", "rentalId": row.id }),
        )),
    )
    .await?;
    let rental = get_in(&mut tx, bu, &row.id, today).await?;
    action_op(
        &mut tx,
        ctx,
        &row,
        OpKind::SubscriptionReplace,
        op_body,
        [r("asset", &new.serial_number)],
    )
    .await?;
    tx.commit().await?;
    Ok(Replaced {
        rental_id: row.id.clone(),
        old_serial_number: row.serial_number.clone(),
        new_serial_number: new.serial_number,
        reason: reason.as_str().to_string(),
        rental,
    })
}
