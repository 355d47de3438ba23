//! Dunning: the letters due are proposed per customer at the unit's steps (3, 14, 28 days after
//! the due date); a hold keeps a customer's letters back until its day; a step is never sent
//! twice; a paid payment leaves the dunning; a step's fee is charged as its own payment; the
//! letter prints what was sent.

use crate::einvoice::seller;
use crate::subscriptions::{act, schedule, shop};
use flexdesk::domain::status::PaymentKind;
use flexdesk::money::Money;
use flexdesk::services::dunning::{self, HoldInput, SendInput};
use flexdesk::services::{payments, subscriptions as subs};
use serde_json::json;

fn go(t: &crate::support::TestCore, day: &str) {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    use chrono::Datelike;
    t.go_to(d.year(), d.month(), d.day());
}

async fn count(t: &crate::support::TestCore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn overdue_payments_are_chased_step_by_step_never_twice_and_not_once_paid_or_held() {
    let mut t = shop().await;
    t.settings(|s| {
        s.seller = seller("NL", "NL123456789B01", "NL91 ABNA 0417 1643 00");
        s.dunning[2].fee = Money(rust_decimal::Decimal::new(1500, 2));
    })
    .await;
    let db = &t.core.db.clone();
    // Two customers, each with a payment due on 2026-01-15 (the fixture's day).
    let mut rentals = vec![];
    for (email, serial) in [("ann@x.example", "LAP-1"), ("ben@x.example", "LAP-2")] {
        let o = t
            .confirmed_order(
                email,
                json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
            )
            .await;
        rentals.push(
            subs::activate(db, &t.ctx(), act(&o.order_id, serial))
                .await
                .unwrap()
                .rental,
        );
    }
    let (ann, ben) = (
        rentals[0].customer_id.clone(),
        rentals[1].customer_id.clone(),
    );
    let first = |i: usize| {
        let t = &t;
        let r = rentals[i].rental_id.clone();
        async move { schedule(t, &r).await[0].clone() }
    };
    assert_eq!(first(0).await.due_date, "2026-01-15");

    go(&t, "2026-01-17");
    assert!(dunning::proposals(db, &t.ctx(), None)
        .await
        .unwrap()
        .proposals
        .is_empty());

    // Three days late: a friendly reminder for each.
    go(&t, "2026-01-18");
    let p = dunning::proposals(db, &t.ctx(), None).await.unwrap();
    assert_eq!(p.proposals.len(), 2);
    assert!(p
        .proposals
        .iter()
        .all(|x| x.level == 1 && x.level_name == "Friendly reminder"));
    assert_eq!(p.proposals[0].items[0].days_overdue, 3);

    // Ben disputes a charge: held until the 2nd of February, with the reason.
    let e = dunning::hold(
        db,
        &t.ctx(),
        HoldInput {
            customer_id: ben.clone(),
            until: Some("2026-02-02".into()),
            reason: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "reason");
    let p = dunning::hold(
        db,
        &t.ctx(),
        HoldInput {
            customer_id: ben.clone(),
            reason: Some("Disputes the first month".into()),
            until: Some("2026-02-02".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(p.proposals.len(), 1);
    assert_eq!(
        (p.held.len(), p.held[0].reason.as_str()),
        (1, "Disputes the first month")
    );
    let e = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![ben.clone()],
        },
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("held"), "{}", e.message);

    // Ann's goes out: recorded with its payment, on both timelines.
    let sent = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![ann.clone()],
        },
    )
    .await
    .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].level, sent[0].items.len()), (1, 1));
    assert_eq!(
        count(&t, "SELECT count(*) FROM events WHERE action = 'reminded'").await,
        2
    );
    // Never the same step twice: nothing is due for Ann now, and nothing changes.
    let e = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![ann.clone()],
        },
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("no letter is due"), "{}", e.message);
    assert_eq!(count(&t, "SELECT count(*) FROM reminders").await, 1);

    // The letter prints what was sent.
    // The letter is in the unit's language (nl-NL here: Dutch), its default step name too.
    let letter_text = |bu: flexdesk::services::BusinessUnit| {
        let id = sent[0].reminder_id.clone();
        async move {
            let (name, pdf) = dunning::letter(db, &bu, &id).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(&name), pdf).unwrap();
            let text = std::process::Command::new("pdftotext")
                .arg(dir.path().join(&name))
                .arg("-")
                .output()
                .unwrap();
            String::from_utf8_lossy(&text.stdout).into_owned()
        }
    };
    let text = letter_text(t.bu.clone()).await;
    for needle in [
        "Betalingsherinnering",
        "Beste Emma de Vries,",
        "Huur 2026-01",
        "Btw-id NL",
        "over te maken naar NL91",
        "Stap",
        "1 van 3",
        "Totaal achterstallig",
        "Met vriendelijke groet",
        "Pagina 1 van 1",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    // No English left, and no country on a letter within the Netherlands.
    for absent in ["Friendly reminder", "Page 1", "Netherlands", "VAT ID"] {
        assert!(!text.contains(absent), "{absent} in:\n{text}");
    }
    // The same letter for a German and an English-speaking unit.
    for (locale, needles) in [
        (
            "de-DE",
            [
                "Zahlungserinnerung",
                "Guten Tag Emma de Vries,",
                "Mahnstufe",
                "Überfällig gesamt",
            ],
        ),
        (
            "en-US",
            [
                "Friendly reminder",
                "Dear Emma de Vries,",
                "1 of 3",
                "Total overdue",
            ],
        ),
    ] {
        let mut bu = t.bu.clone();
        bu.locale = locale.into();
        let text = letter_text(bu).await;
        for needle in needles {
            assert!(text.contains(needle), "{locale}: {needle} in:\n{text}");
        }
    }

    // Fourteen days: the first notice; once paid, Ann leaves the dunning.
    go(&t, "2026-01-29");
    let p = dunning::proposals(db, &t.ctx(), None).await.unwrap();
    assert_eq!(
        p.proposals
            .iter()
            .map(|x| (x.customer_id.clone(), x.level))
            .collect::<Vec<_>>(),
        vec![(ann.clone(), 2)]
    );
    payments::mark_paid(db, &t.ctx(), &first(0).await.payment_id, Default::default())
        .await
        .unwrap();
    assert!(dunning::proposals(db, &t.ctx(), None)
        .await
        .unwrap()
        .proposals
        .is_empty());

    // Ben's hold has ended at 28 days: the final notice, its fee charged as its own payment.
    go(&t, "2026-02-12");
    let p = dunning::proposals(db, &t.ctx(), None).await.unwrap();
    assert_eq!(p.proposals.len(), 1);
    assert_eq!(
        (p.proposals[0].level, p.proposals[0].level_name.as_str()),
        (3, "Final notice")
    );
    let sent = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![ben.clone()],
        },
    )
    .await
    .unwrap();
    let fee = sent[0].fee_payment_id.clone().expect("a fee");
    let fee = payments::get(db, &t.bu, &fee, t.day()).await.unwrap();
    assert_eq!(fee.kind, PaymentKind::Charge);
    assert_eq!(fee.charge_label.as_deref(), Some("Final notice fee"));
    assert_eq!(fee.subtotal, Money(rust_decimal::Decimal::new(1500, 2)));
}

#[tokio::test]
async fn the_steps_are_checked_when_the_settings_are_saved() {
    let t = crate::support::TestCore::new().await;
    let mut s = t.bu.settings.clone();
    s.dunning[1].days = 3;
    let e = flexdesk::services::business_units::update(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        flexdesk::services::business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(s),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "settings.dunning.1.days");
}

/// A customer whose overdue money is all a billing group's (consolidated payments, which have no
/// subscription of their own) is charged the step's fee too, on one of the group's subscriptions.
#[tokio::test]
async fn a_letter_for_a_billing_group_s_payments_charges_its_fee_too() {
    use flexdesk::services::{billing, payments::PaymentQuery};
    let mut t = crate::support::TestCore::new().await;
    t.settings(|s| s.dunning[0].fee = Money(rust_decimal::Decimal::new(500, 2)))
        .await;
    let f = crate::billing::fleet(&t, "Netherlands", None).await;
    let db = &t.core.db.clone();
    let g = billing::create(
        db,
        &t.ctx(),
        crate::billing::group(&f, json!(20), &f.rentals),
    )
    .await
    .unwrap();
    // Acme pays what its subscriptions owe on their own; the group's first payment goes unpaid.
    let mine = PaymentQuery {
        customer_id: Some(f.customer.clone()),
        ..Default::default()
    };
    for p in crate::billing::open_payments(&t, mine).await {
        if p.billing_group_id.as_deref() != Some(g.billing_group_id.as_str()) {
            payments::mark_paid(db, &t.ctx(), &p.payment_id, Default::default())
                .await
                .unwrap();
        }
    }
    let grouped = crate::billing::open_payments(
        &t,
        PaymentQuery {
            billing_group_id: Some(g.billing_group_id.clone()),
            ..Default::default()
        },
    )
    .await;
    let first = &grouped[0];
    assert_eq!(first.rental_id, None, "a consolidated payment: {first:?}");
    let due = chrono::NaiveDate::parse_from_str(&first.due_date, "%Y-%m-%d").unwrap();
    go(&t, &(due + chrono::Days::new(3)).to_string());

    let p = dunning::proposals(db, &t.ctx(), None).await.unwrap();
    let acme = p
        .proposals
        .iter()
        .find(|x| x.customer_id == f.customer)
        .expect("a letter to Acme");
    assert_eq!(
        acme.items
            .iter()
            .map(|i| i.payment_id.as_str())
            .collect::<Vec<_>>(),
        vec![first.payment_id.as_str()]
    );
    assert!(
        acme.items[0].description.ends_with(" · Acme IT"),
        "the letter names the group: {}",
        acme.items[0].description
    );
    let sent = dunning::send(
        db,
        &t.ctx(),
        SendInput {
            customer_ids: vec![f.customer.clone()],
        },
    )
    .await
    .unwrap();
    let fee = sent[0].fee_payment_id.clone().expect("the step's fee");
    let fee = payments::get(db, &t.bu, &fee, t.day()).await.unwrap();
    assert_eq!(fee.subtotal, Money(rust_decimal::Decimal::new(500, 2)));
    assert!(
        f.rentals.contains(fee.rental_id.as_ref().unwrap()),
        "on a subscription of the group: {fee:?}"
    );
}

/// Days overdue count across a year end and a leap day: a payment due on 29 December reaches the
/// first notice on 12 January and the final notice on 26 January; one due on 29 February 2028 is
/// three days late on 3 March.
#[tokio::test]
async fn steps_are_counted_across_a_leap_day_and_a_year_end() {
    let t = shop().await;
    let db = &t.core.db.clone();
    for (serial, due, steps) in [
        (
            "LAP-2",
            "2026-12-29",
            [
                ("2027-01-01", Some((1, 3))),
                ("2027-01-12", Some((2, 14))),
                ("2027-01-26", Some((3, 28))),
            ],
        ),
        (
            "LAP-1",
            "2028-02-29",
            [
                ("2028-03-02", None),
                ("2028-03-03", Some((1, 3))),
                ("2028-03-14", Some((2, 14))),
            ],
        ),
    ] {
        go(&t, due);
        let o = t
            .confirmed_order(
                &format!("{serial}@x.example"),
                json!([{"sku": "LAP", "quantity": 1, "contractLength": 6}]),
            )
            .await;
        let r = subs::activate(db, &t.ctx(), act(&o.order_id, serial))
            .await
            .unwrap()
            .rental;
        assert_eq!(schedule(&t, &r.rental_id).await[0].due_date, due);
        for (day, expect) in steps {
            go(&t, day);
            let p = dunning::proposals(db, &t.ctx(), None).await.unwrap();
            let mine = p.proposals.iter().find(|x| x.customer_id == r.customer_id);
            assert_eq!(
                mine.map(|x| (x.level, x.items[0].days_overdue)),
                expect.map(|(l, d)| (l, d as i64)),
                "{serial} due {due}, on {day}"
            );
        }
    }
}
