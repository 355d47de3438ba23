//! Buyout and early-return quotes, and the buyout itself.

use super::*;

// ---------------------------------------------------------------------------------------------
// Quotes

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct QuoteInput {
    #[serde(alias = "subscriptionId")]
    pub rental_id: String,
    /// Defaults to today.
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BuyoutQuoteView {
    pub rental_id: String,
    pub buyout_price: Money,
    /// Monthly payments still to come (the ones a buyout cancels).
    pub remaining_payments: u32,
    /// Acquisition cost minus what has been collected, never below 0.
    pub depreciated_value: Money,
    pub currency: String,
    pub method: BuyoutMethod,
    pub calculation_breakdown: BuyoutBreakdown,
    pub monthly_amount: Money,
    pub list_price: Option<Money>,
    pub acquisition_cost: Option<Money>,
    pub total_collected: Money,
    /// Collected plus the buyout price.
    pub projected_after_buyout: Money,
    pub projected_margin: Option<Money>,
    pub effective_date: String,
    pub serial_number: String,
    pub product_name: String,
    pub customer_name: String,
    /// The buyout price as the invoice that follows will state it.
    pub charge: QuoteCharge,
    /// What the buyout leaves due: open payments for periods up to the effective date.
    pub still_due: StillDue,
    /// What staff should look at before quoting (a price above the device's list price).
    pub warnings: Vec<String>,
}

/// A quoted amount as it will be invoiced: net, VAT and gross, at the subscription's VAT rate and
/// the unit's rule (prices with VAT included, or VAT added on top), or with no VAT where the
/// customer's supplies are reverse-charged.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuoteCharge {
    pub net: Money,
    /// Percent as text, e.g. "21" or "5.5".
    pub tax_rate: String,
    pub tax: Money,
    /// What the customer will be invoiced.
    pub gross: Money,
    /// The quoted price includes the VAT (a tax-inclusive unit) rather than having it added.
    pub tax_inclusive: bool,
    pub reverse_charge: bool,
}

/// Open payments (pending, failed or being collected) for periods that start on or before the
/// effective date: a buyout or a return cancels only the later ones.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StillDue {
    pub payments: u32,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EarlyReturnQuoteView {
    pub rental_id: String,
    pub early_return_fee: Money,
    pub remaining_months: u32,
    pub penalty_percentage: f64,
    pub method: EarlyReturnFee,
    pub grace_period_applied: bool,
    pub grace_period_days: u32,
    pub days_from_start: u32,
    pub monthly_amount: Money,
    pub currency: String,
    pub total_collected: Money,
    pub projected_with_fee: Money,
    pub effective_date: String,
    pub end_date: String,
    pub serial_number: String,
    pub product_name: String,
    pub customer_name: String,
    /// The fee as the invoice that follows will state it.
    pub charge: QuoteCharge,
    /// What the return leaves due: open payments for periods up to the return date.
    pub still_due: StillDue,
    /// What staff should look at before quoting (a fee above the device's list price).
    pub warnings: Vec<String>,
}

/// `price` (minor units, as the unit states prices) as it will be invoiced on `row`.
fn charge(bu: &BusinessUnit, row: &Row, price: i64) -> QuoteCharge {
    let rule = row.tax(bu);
    let a = rule.split(price);
    QuoteCharge {
        net: bu.money(a.net),
        tax_rate: rule.rate.normalize().to_string(),
        tax: bu.money(a.tax),
        gross: bu.money(a.total),
        tax_inclusive: rule.inclusive,
        reverse_charge: false,
    }
}

/// A warning when `price` (the quote's, named `what`) is above the device's list price.
fn above_list(bu: &BusinessUnit, row: &Row, what: &str, price: i64) -> Vec<String> {
    match row.list_price {
        Some(list) if price > list => {
            let f = bu.doc_format();
            let shown = |m: i64| f.amount(bu.money(m).0, bu.currency_exponent, &bu.currency);
            vec![format!(
                "The {what} ({}) is above the device's list price ({}).",
                shown(price),
                shown(list)
            )]
        }
        _ => vec![],
    }
}

/// What a quote on `eff` needs read beside the subscription: what stays due, and whether the
/// customer's supplies are reverse-charged.
async fn quote_facts(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    row: &Row,
    eff: NaiveDate,
) -> Result<(StillDue, bool)> {
    let (n, total) = payments::still_due(&mut *conn, &row.id, eff).await?;
    let reverse = row.tax(bu).rate.is_zero()
        && crate::services::invoices::reverse_charge_applies(&mut *conn, bu, &row.customer_id)
            .await?;
    Ok((
        StillDue {
            payments: n,
            total: bu.money(total),
        },
        reverse,
    ))
}

pub(super) fn buyout_view(
    bu: &BusinessUnit,
    row: &Row,
    eff: NaiveDate,
    remaining: u32,
) -> (BuyoutQuoteView, lifecycle::BuyoutQuote) {
    let q = lifecycle::buyout_quote(
        &bu.settings,
        bu.currency_exponent,
        remaining,
        row.monthly_amount,
        row.list_price,
    );
    let view = BuyoutQuoteView {
        rental_id: row.id.clone(),
        buyout_price: bu.money(q.price),
        remaining_payments: remaining,
        depreciated_value: bu.money(
            row.acquisition_cost
                .map(|c| (c - row.total_collected).max(0))
                .unwrap_or(0),
        ),
        currency: bu.currency.clone(),
        method: q.method,
        calculation_breakdown: breakdown(bu, &q),
        monthly_amount: bu.money(row.monthly_amount),
        list_price: bu.money_opt(row.list_price),
        acquisition_cost: bu.money_opt(row.acquisition_cost),
        total_collected: bu.money(row.total_collected),
        projected_after_buyout: bu.money(row.total_collected + q.price),
        projected_margin: row
            .acquisition_cost
            .map(|c| bu.money(row.total_collected + q.price - c)),
        effective_date: day_text(eff),
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        customer_name: row.customer_name.clone(),
        charge: charge(bu, row, q.price),
        still_due: StillDue::default(),
        warnings: above_list(bu, row, "buyout price", q.price),
    };
    (view, q)
}

pub(super) fn breakdown(bu: &BusinessUnit, q: &lifecycle::BuyoutQuote) -> BuyoutBreakdown {
    BuyoutBreakdown {
        remaining_months: q.remaining_months,
        remaining_months_payment: bu.money(q.remaining_months_payment),
        list_price_percentage: pct_f64(q.list_price_percentage),
        list_price_amount: bu.money(q.list_price_amount),
        flat_fee: bu.money(q.flat_fee),
    }
}

pub(super) fn early_view(
    bu: &BusinessUnit,
    row: &Row,
    eff: NaiveDate,
    remaining: u32,
) -> (EarlyReturnQuoteView, lifecycle::EarlyReturnQuote) {
    let days = schedule::days_between(row.start(), eff);
    let q = lifecycle::early_return_quote(
        &bu.settings,
        bu.currency_exponent,
        remaining,
        row.monthly_amount,
        days,
    );
    let view = EarlyReturnQuoteView {
        rental_id: row.id.clone(),
        early_return_fee: bu.money(q.fee),
        remaining_months: remaining,
        penalty_percentage: pct_f64(q.penalty_percentage),
        method: q.method,
        grace_period_applied: q.grace_period_applied,
        grace_period_days: bu.settings.grace_period_days,
        days_from_start: days,
        monthly_amount: bu.money(row.monthly_amount),
        currency: bu.currency.clone(),
        total_collected: bu.money(row.total_collected),
        projected_with_fee: bu.money(row.total_collected + q.fee),
        effective_date: day_text(eff),
        end_date: row.end_date.clone(),
        serial_number: row.serial_number.clone(),
        product_name: row.product_name.clone(),
        customer_name: row.customer_name.clone(),
        charge: charge(bu, row, q.fee),
        still_due: StillDue::default(),
        warnings: above_list(bu, row, "early-return fee", q.fee),
    };
    (view, q)
}

pub async fn quote_buyout(db: &Db, ctx: &Ctx, input: QuoteInput) -> Result<BuyoutQuoteView> {
    let mut conn = db.pool().acquire().await?;
    let row = active_row(&mut conn, &ctx.bu, &input.rental_id).await?;
    let eff = quote_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut conn, &row.id, eff).await?;
    let mut view = buyout_view(&ctx.bu, &row, eff, remaining).0;
    (view.still_due, view.charge.reverse_charge) =
        quote_facts(&mut conn, &ctx.bu, &row, eff).await?;
    Ok(view)
}

pub async fn quote_early_return(
    db: &Db,
    ctx: &Ctx,
    input: QuoteInput,
) -> Result<EarlyReturnQuoteView> {
    let mut conn = db.pool().acquire().await?;
    let row = active_row(&mut conn, &ctx.bu, &input.rental_id).await?;
    let eff = quote_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut conn, &row.id, eff).await?;
    let mut view = early_view(&ctx.bu, &row, eff, remaining).0;
    (view.still_due, view.charge.reverse_charge) =
        quote_facts(&mut conn, &ctx.bu, &row, eff).await?;
    if view.grace_period_applied && ctx.bu.settings.grace_return_undoes_first_month {
        // The return undoes the months before it as well: nothing of them stays due.
        view.still_due = StillDue {
            payments: 0,
            total: ctx.bu.money(0),
        };
    }
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Buyout

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct BuyoutInput {
    /// A price set by hand (`manual_override`); otherwise the business unit's method.
    pub buyout_price: Option<Money>,
    pub reason: Option<String>,
    pub notes: Option<String>,
    pub effective_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoughtOut {
    pub rental_id: String,
    pub asset_serial_number: String,
    pub buyout_price: Money,
    pub currency: String,
    pub effective_date: String,
    pub message: String,
    pub rental: Rental,
}

pub async fn buyout(db: &Db, ctx: &Ctx, id: &str, input: BuyoutInput) -> Result<BoughtOut> {
    let op_body = crate::money::to_wire_value(&input);
    let bu = &ctx.bu;
    let reason = match opt_trim(input.reason.clone()) {
        Some(r) => BuyoutReason::parse_field("reason", &r)?,
        None => BuyoutReason::CustomerRequest,
    };
    let manual = match input.buyout_price {
        Some(p) if p.is_negative() => {
            return Err(Error::at_field(
                ErrorCode::InvalidBuyoutPrice,
                "buyoutPrice",
                "The buyout price cannot be negative.",
            ))
        }
        Some(p) => Some(p.to_minor(bu.currency_exponent).map_err(|_| {
            Error::at_field(
                ErrorCode::InvalidBuyoutPrice,
                "buyoutPrice",
                format!("{p} has more decimals than {} allows.", bu.currency),
            )
        })?),
        None => None,
    };
    let notes = text_field(
        "notes",
        input.notes,
        crate::domain::limits::Notes::MAX_CHARS,
        "Notes",
    )?;
    let mut tx = db.write().await?;
    let row = active_row(&mut tx, bu, id).await?;
    let eff = effective_date(input.effective_date.as_deref(), &row, ctx.today())?;
    let remaining = payments::remaining_months(&mut tx, &row.id, eff).await?;
    let (_, q) = buyout_view(bu, &row, eff, remaining);
    let price = manual.unwrap_or(q.price);
    let cancelled = payments::cancel_after(&mut tx, &row.id, eff, "Bought out", &ctx.now).await?;
    billing::regroup_member(&mut tx, bu, row.billing_group_id.as_deref(), &ctx.now).await?;
    let charge = if price > 0 {
        vec![
            payments::insert_charge(
                &mut tx,
                &row.payer(bu, &ctx.now),
                PaymentKind::Buyout,
                eff,
                row.tax(bu).split(price),
            )
            .await?,
        ]
    } else {
        vec![]
    };
    let payment_id = charge.first().map(|p| p.id.clone());
    webhooks::emit_scheduled(&mut tx, ctx, &row.id, &charge).await?;
    let details = BuyoutDetails {
        buyout_price: bu.money(price),
        calculation_method: if manual.is_some() {
            "manual_override"
        } else {
            "auto_calculated"
        }
        .into(),
        calculation_breakdown: breakdown(bu, &q),
        reason,
        notes,
        processed_by: ActorRef::from(&ctx.actor),
        buyout_date: day_text(eff),
        payment_id,
    };
    let details = serde_json::to_string(&details)?;
    end_row(
        &mut tx,
        &row.id,
        Ending::Buyout { details: &details },
        &day_text(eff),
        &ctx.now,
    )
    .await?;
    // The customer owns the device now: it stays on record as sold, with them.
    set_asset(
        &mut tx,
        ctx,
        row.asset_id,
        AssetStatus::Sold,
        Some(&row.customer_id),
        None,
        None,
    )
    .await?;
    close_assignment(
        &mut tx,
        ctx,
        row.asset_id,
        &row.id,
        &row.customer_id,
        eff,
        "bought_out",
    )
    .await?;
    let summary = format!(
        "Bought out for {} ({} future payments cancelled)",
        bu.amount_text(price),
        cancelled
    );
    event(
        &mut tx,
        ctx,
        "subscription",
        &row.id,
        "bought_out",
        summary,
        Some((
            serde_json::json!({ "status": "active" }),
            serde_json::json!({ "status": "ended_buyout" }),
        )),
    )
    .await?;
    event(
        &mut tx,
        ctx,
        "asset",
        &row.serial_number,
        "sold",
        format!("Sold to {} (buyout of {})", row.customer_name, row.id),
        Some((
            serde_json::json!({ "status": "rented_out" }),
            serde_json::json!({ "status": "sold" }),
        )),
    )
    .await?;
    let rental = ended(
        &mut tx,
        ctx,
        &row,
        "buyout",
        OpKind::SubscriptionBuyout,
        op_body,
    )
    .await?;
    tx.commit().await?;
    Ok(BoughtOut {
        message: format!(
            "{} bought out for {}.",
            row.serial_number,
            bu.amount_text(price)
        ),
        rental_id: row.id.clone(),
        asset_serial_number: row.serial_number.clone(),
        buyout_price: bu.money(price),
        currency: bu.currency.clone(),
        effective_date: day_text(eff),
        rental,
    })
}
