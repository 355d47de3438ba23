//! The lifecycle actions with their quotes: extend, buyout, early return (with the grace period
//! and inspection).

use crate::assert_code;
use crate::subscriptions::{act, money, schedule, shop};
use crate::support::TestCore;
use flexdesk::domain::status::{AssetStatus, PaymentStatus, SubscriptionStatus};
use flexdesk::money::Money;
use flexdesk::services::payments::{self, MarkPaid};
use flexdesk::services::subscriptions as subs;
use flexdesk::services::{assets, invoices};
use flexdesk::ErrorCode;
use rust_decimal::Decimal;
use serde_json::json;

#[tokio::test]
async fn extend_reprices_the_rest_and_appends_months() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "ext@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let ext = |m: serde_json::Value, amount: Option<&str>| subs::ExtendInput {
        extension_months: m,
        new_monthly_amount: amount.map(money),
        reason: Some("Customer asked".into()),
        notes: None,
    };
    for bad in [json!(0), json!(-1), json!(121), json!(2.5), json!("x")] {
        assert_code!(
            subs::extend(db, &t.ctx(), &r.rental_id, ext(bad, None)).await,
            ErrorCode::InvalidExtensionMonths
        );
    }
    assert_code!(
        subs::extend(db, &t.ctx(), &r.rental_id, ext(json!(109), None)).await,
        ErrorCode::InvalidExtensionMonths
    );
    t.go_to(2026, 3, 20);
    let e = subs::extend(db, &t.ctx(), &r.rental_id, ext(json!(6), Some("79")))
        .await
        .unwrap();
    assert_eq!(
        (e.old_end_date.as_str(), e.new_end_date.as_str()),
        ("2027-01-15", "2027-07-15")
    );
    assert_eq!((e.old_contract_length, e.new_contract_length), (12, 18));
    assert_eq!(
        (e.rental.original_contract_length, e.rental.contract_length),
        (12, 18)
    );
    assert_eq!(e.rental.monthly_amount, money("79.00"));
    let h = &e.rental.extension_history[0];
    assert_eq!(
        (
            h.extension_months,
            h.old_monthly_amount,
            h.new_monthly_amount
        ),
        (6, money("89.00"), money("79.00"))
    );
    assert_eq!(h.extended_by.user_id, t.admin.id);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(s.len(), 18);
    // Periods that started by the extension keep the old price; later ones take the new.
    let amounts: Vec<Money> = s.iter().map(|p| p.subtotal).collect();
    assert_eq!(
        &amounts[..3],
        &[money("89.00"), money("89.00"), money("89.00")]
    );
    assert!(amounts[3..].iter().all(|a| *a == money("79.00")));
    assert_eq!(s[17].due_date, "2027-06-15");
}

#[tokio::test]
async fn buyout_quotes_and_ends_with_the_asset_sold() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "buy@example.nl",
            json!([{"sku": "LAP", "quantity": 2, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    t.go_to(2026, 9, 1);
    // Remaining: periods starting after Sep 1 (Sep 15 … Dec 15) = 4; 4 × 89 + 50 % of 1299.
    let q = subs::quote_buyout(
        db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(q.remaining_payments, 4);
    assert_eq!(
        q.calculation_breakdown.remaining_months_payment,
        money("356.00")
    );
    assert_eq!(q.calculation_breakdown.list_price_amount, money("649.50"));
    assert_eq!(q.buyout_price, money("1005.50"));
    assert_eq!(q.depreciated_value, money("1000.00"));
    let neg = subs::BuyoutInput {
        buyout_price: Some(money("-1")),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, neg).await,
        ErrorCode::InvalidBuyoutPrice
    );
    let bad_reason = subs::BuyoutInput {
        reason: Some("because".into()),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, bad_reason).await,
        ErrorCode::ValidationError
    );
    let b = subs::buyout(
        db,
        &t.ctx(),
        &r.rental_id,
        subs::BuyoutInput {
            reason: Some("end_of_contract".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (b.buyout_price, b.effective_date.as_str()),
        (money("1005.50"), "2026-09-01")
    );
    let d = b.rental.buyout_details.clone().unwrap();
    assert_eq!(
        (
            d.calculation_method.as_str(),
            d.calculation_breakdown.remaining_months
        ),
        ("auto_calculated", 4)
    );
    assert_eq!(b.rental.status, SubscriptionStatus::EndedBuyout);
    let asset = assets::get(db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(asset.status, AssetStatus::Sold);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(
        s.iter()
            .filter(|p| p.status == PaymentStatus::Cancelled)
            .count(),
        4
    );
    let fin = s.iter().find(|p| p.kind.as_str() == "buyout").unwrap();
    assert_eq!(
        (fin.subtotal, fin.due_date.as_str()),
        (money("1005.50"), "2026-09-01")
    );
    // Ended: no more lifecycle actions.
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, Default::default()).await,
        ErrorCode::SubscriptionNotActive
    );
    assert_code!(
        subs::quote_buyout(
            db,
            &t.ctx(),
            subs::QuoteInput {
                rental_id: r.rental_id.clone(),
                effective_date: None
            }
        )
        .await,
        ErrorCode::SubscriptionNotActive
    );
    // A manual price is recorded as such.
    let r2 = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let b2 = subs::buyout(
        db,
        &t.ctx(),
        &r2.rental_id,
        subs::BuyoutInput {
            buyout_price: Some(money("400")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        b2.rental.buyout_details.unwrap().calculation_method,
        "manual_override"
    );
}

#[tokio::test]
async fn quotes_state_vat_what_stays_due_and_may_look_ahead() {
    let t = shop().await;
    let db = &t.core.db;
    let order = t
        .confirmed_order(
            "vat@example.nl",
            json!([{"sku": "LAP", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    let quote = |date: Option<&str>| subs::QuoteInput {
        rental_id: r.rental_id.clone(),
        effective_date: date.map(Into::into),
    };
    // On the first day 11 months × 89 + 50 % of 1,299 is above the list price: staff are warned.
    let q = subs::quote_buyout(db, &t.ctx(), quote(None)).await.unwrap();
    assert!(
        q.warnings
            .iter()
            .any(|w| w.contains("above the device's list price (€\u{a0}1.299,00)")),
        "{:?}",
        q.warnings
    );
    t.go_to(2026, 9, 1);
    let q = subs::quote_buyout(db, &t.ctx(), quote(None)).await.unwrap();
    assert_eq!(q.buyout_price, money("1005.50"));
    assert!(q.warnings.is_empty(), "{:?}", q.warnings);
    // VAT added on top at the subscription's 21 %: what the invoice will say.
    assert_eq!(
        (q.charge.net, q.charge.tax, q.charge.gross),
        (money("1005.50"), money("211.16"), money("1216.66"))
    );
    assert_eq!(
        (
            q.charge.tax_rate.as_str(),
            q.charge.tax_inclusive,
            q.charge.reverse_charge
        ),
        ("21", false, false)
    );
    // What stays due: the open payments for periods up to Sep 1, as the schedule has them.
    let s = schedule(&t, &r.rental_id).await;
    let open: Vec<_> = s
        .iter()
        .filter(|p| p.status == PaymentStatus::Pending && p.period_start.as_str() <= "2026-09-01")
        .collect();
    assert!(open.len() >= 8, "{}", open.len());
    assert_eq!(q.still_due.payments as usize, open.len());
    assert_eq!(
        q.still_due.total.0,
        open.iter().map(|p| p.total.0).sum::<Decimal>()
    );
    // Looking ahead a month: one period fewer to buy out, one more still due.
    let later = subs::quote_buyout(db, &t.ctx(), quote(Some("2026-10-01")))
        .await
        .unwrap();
    assert_eq!(later.remaining_payments, q.remaining_payments - 1);
    assert_eq!(later.still_due.payments, q.still_due.payments + 1);
    assert_eq!(later.effective_date, "2026-10-01");
    // The quote's PDF says the same.
    let doc = flexdesk::api::dispatch(
        &t.core,
        &flexdesk::api::Caller {
            token: Some(t.core.sessions.start(&t.admin.id, t.clock_now())),
            bu_id: Some(t.bu.id.clone()),
            desktop: false,
        },
        "documents.quote",
        json!({"rentalId": r.rental_id, "kind": "buyout"}),
    )
    .await
    .unwrap()
    .value;
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        doc["base64"].as_str().unwrap(),
    )
    .unwrap();
    let text = crate::billing::pdftotext(&bytes);
    for part in [
        "Buyout price (excl. VAT)",
        "VAT 21 %",
        "To be invoiced",
        "1.216,66",
        "for periods after 1 sep 2026 are cancelled",
        "Still due besides",
    ] {
        assert!(text.contains(part), "{part} in: {text}");
    }
    assert!(!text.contains("no further monthly payments"), "{text}");
    // Not past the contract's end; and the buyout itself is never dated ahead.
    assert_code!(
        subs::quote_buyout(db, &t.ctx(), quote(Some("2027-03-01"))).await,
        ErrorCode::ValidationError
    );
    let ahead = subs::BuyoutInput {
        effective_date: Some("2026-10-01".into()),
        ..Default::default()
    };
    assert_code!(
        subs::buyout(db, &t.ctx(), &r.rental_id, ahead).await,
        ErrorCode::ValidationError
    );
    // The early-return fee is stated the same way, and leaves the same due.
    let e = subs::quote_early_return(db, &t.ctx(), quote(None))
        .await
        .unwrap();
    assert_eq!(e.charge.net, e.early_return_fee);
    assert_eq!(e.still_due.payments, q.still_due.payments);
}

/// A subscription's first monthly payment.
async fn first_rent(t: &TestCore, rental: &str) -> payments::Payment {
    schedule(t, rental)
        .await
        .into_iter()
        .find(|p| p.kind.as_str() == "rent")
        .unwrap()
}

#[tokio::test]
async fn a_return_within_the_grace_period_undoes_the_first_month() {
    let mut t = shop().await;
    let db = t.core.db.clone();
    let order = t
        .confirmed_order(
            "mind@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let mut rentals = vec![];
    for sn in ["LAP-1", "LAP-2", "LAP-3"] {
        rentals.push(
            subs::activate(&db, &t.ctx(), act(&order.order_id, sn))
                .await
                .unwrap()
                .rental,
        );
    }
    // LAP-1's first month is invoiced, LAP-2's is paid; LAP-3's is only due.
    let p1 = first_rent(&t, &rentals[0].rental_id).await;
    let inv = invoices::issue(&db, &t.ctx(), &p1.payment_id)
        .await
        .unwrap();
    let p2 = first_rent(&t, &rentals[1].rental_id).await;
    payments::mark_paid(&db, &t.ctx(), &p2.payment_id, MarkPaid::default())
        .await
        .unwrap();
    t.go_to(2026, 1, 25);
    let back = |ctx: flexdesk::services::Ctx, r: &str| {
        let (db, r) = (db.clone(), r.to_string());
        async move {
            subs::early_return(
                &db,
                &ctx,
                &r,
                subs::EarlyReturnInput {
                    return_condition: Some("good".into()),
                    reason: Some("Changed my mind".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    // The quote already says nothing stays due.
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: rentals[0].rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(q.grace_period_applied);
    assert_eq!(q.still_due.payments, 0);
    let done = back(t.ctx(), &rentals[0].rental_id).await;
    assert!(
        done.message.contains("1 invoice(s) credited"),
        "{}",
        done.message
    );
    let credited = invoices::get(&db, &t.bu, &inv.invoice_id).await.unwrap();
    assert!(
        credited.invoice.credited_by.is_some(),
        "a credit note corrects it"
    );
    assert_eq!(
        first_rent(&t, &rentals[0].rental_id).await.status,
        PaymentStatus::Cancelled
    );
    // Paid: it stays paid, and the message says what to pay back.
    let done = back(t.ctx(), &rentals[1].rental_id).await;
    assert!(done.message.contains("to refund"), "{}", done.message);
    assert_eq!(
        first_rent(&t, &rentals[1].rental_id).await.status,
        PaymentStatus::Paid
    );
    // With the unit's setting off, the first month stays due as before.
    t.settings(|s| s.grace_return_undoes_first_month = false)
        .await;
    let done = back(t.ctx(), &rentals[2].rental_id).await;
    assert!(!done.message.contains("grace"), "{}", done.message);
    assert_eq!(
        first_rent(&t, &rentals[2].rental_id).await.status,
        PaymentStatus::Pending
    );
}

#[tokio::test]
async fn early_return_fee_grace_period_and_inspection() {
    let mut t = shop().await;
    t.settings(|s| s.early_return_pct = Decimal::from(50)).await;
    let db = t.core.db.clone();
    let order = t
        .confirmed_order(
            "er@example.nl",
            json!([{"sku": "LAP", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let r = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap()
        .rental;
    // Within 14 days: no fee.
    t.go_to(2026, 1, 29);
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(q.grace_period_applied);
    assert_eq!((q.days_from_start, q.early_return_fee), (14, money("0.00")));
    t.go_to(2026, 1, 30);
    let q = subs::quote_early_return(
        &db,
        &t.ctx(),
        subs::QuoteInput {
            rental_id: r.rental_id.clone(),
            effective_date: None,
        },
    )
    .await
    .unwrap();
    assert!(!q.grace_period_applied);
    // 11 months to come × 89 × 50 %.
    assert_eq!(
        (q.remaining_months, q.early_return_fee, q.penalty_percentage),
        (11, money("489.50"), 50.0)
    );

    let input = |cond: Option<&str>, fee: Option<&str>| subs::EarlyReturnInput {
        return_condition: cond.map(Into::into),
        early_return_fee: fee.map(money),
        reason: Some("Moving abroad".into()),
        ..Default::default()
    };
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, input(None, None)).await,
        ErrorCode::ValidationError
    );
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, input(Some("good"), Some("-5"))).await,
        ErrorCode::InvalidFee
    );
    let mut no_reason = input(Some("good"), None);
    no_reason.reason = None;
    assert_code!(
        subs::early_return(&db, &t.ctx(), &r.rental_id, no_reason).await,
        ErrorCode::ValidationError
    );
    let e = subs::early_return(&db, &t.ctx(), &r.rental_id, input(Some("fair"), None))
        .await
        .unwrap();
    assert_eq!(
        (e.early_return_fee, e.actual_months_rented),
        (money("489.50"), 0)
    );
    let d = e.rental.early_return_details.clone().unwrap();
    assert_eq!(
        (
            d.calculation_breakdown.method.as_str(),
            d.calculation_breakdown.remaining_months
        ),
        ("remaining_months", 11)
    );
    assert_eq!(e.rental.status, SubscriptionStatus::EndedEarlyReturn);
    let s = schedule(&t, &r.rental_id).await;
    assert_eq!(
        s.iter()
            .filter(|p| p.status == PaymentStatus::Cancelled)
            .count(),
        11
    );
    assert_eq!(
        s.iter()
            .find(|p| p.kind.as_str() == "early_return_fee")
            .unwrap()
            .subtotal,
        money("489.50")
    );
    // The asset is back, awaiting inspection, with its condition.
    let a = assets::get(&db, &t.bu, "LAP-1").await.unwrap();
    assert_eq!(
        (a.status, a.condition.as_deref(), a.rental_id.as_deref()),
        (AssetStatus::Returned, Some("fair"), None)
    );
    assert_code!(
        subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1")).await,
        ErrorCode::AssetNotAvailable
    );
    let insp = |outcome: &str| subs::InspectInput {
        serial_number: "LAP-1".into(),
        outcome: outcome.into(),
        condition: Some("good".into()),
        notes: Some("Cleaned".into()),
    };
    assert_code!(
        subs::inspect(&db, &t.ctx(), insp("sold")).await,
        ErrorCode::ValidationError
    );
    let a = subs::inspect(&db, &t.ctx(), insp("available"))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.condition.as_deref()),
        (AssetStatus::Available, Some("good"))
    );
    assert_code!(
        subs::inspect(&db, &t.ctx(), insp("available")).await,
        ErrorCode::InvalidStatus
    );
    // Back in stock, it can go out again; its history shows both customers' stints.
    subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-1"))
        .await
        .unwrap();
    assert_eq!(
        subs::asset_lifetime(&db, &t.bu, "LAP-1", t.day())
            .await
            .unwrap()
            .history
            .len(),
        2
    );

    // Waived and manual fees.
    let r2 = subs::activate(&db, &t.ctx(), act(&order.order_id, "LAP-2"))
        .await
        .unwrap()
        .rental;
    let mut w = input(Some("good"), None);
    w.waive_fee = Some(true);
    let e = subs::early_return(&db, &t.ctx(), &r2.rental_id, w)
        .await
        .unwrap();
    let d = e.rental.early_return_details.unwrap();
    assert!(d.fee_waived);
    assert_eq!(
        (d.fee, d.calculation_method.as_str()),
        (money("0.00"), "manual_override")
    );
    assert!(d.payment_id.is_none());
}
