//! Invoices and credit notes: gap-free numbering, immutability, totals against payments, the
//! month-end run, due dates of invoices issued late, references and the seller's registration,
//! read back from their PDFs.

use crate::assert_code;
use crate::billing::{count, fleet, group, open_payments, pdftotext};
use crate::support::TestCore;
use flexdesk::domain::status::PaymentStatus;
use flexdesk::services::billing;
use flexdesk::services::business_units::{self, BusinessUnitUpdate};
use flexdesk::services::invoices::{self, InvoiceQuery};
use flexdesk::services::payments::{self, PaymentQuery};
use flexdesk::services::runs;
use flexdesk::ErrorCode;
use serde_json::json;

#[tokio::test]
async fn the_month_end_run_invoices_every_due_payment_once_with_gap_free_numbers() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    billing::create(db, &t.ctx(), group(&f, json!(15), &f.rentals[..2]))
        .await
        .unwrap();
    // Three months on: every payment with an invoice date up to today is due for invoicing.
    t.go_to(2026, 4, 16);
    let day = t.day();
    let waiting = invoices::pending_count(db, &t.bu, day).await.unwrap();
    assert!(
        waiting >= 8,
        "group months and the two lone subscriptions' months: {waiting}"
    );
    let mut issued = 0;
    loop {
        let r = invoices::run(db, &t.ctx(), day, 3).await.unwrap();
        assert!(r.issued <= 3);
        issued += r.issued;
        if r.remaining == 0 {
            break;
        }
    }
    assert_eq!(issued as i64, waiting);
    // Running again issues nothing.
    assert_eq!(
        invoices::run(db, &t.ctx(), day, 100).await.unwrap().issued,
        0
    );
    // Numbers: one series for this unit and desk, 1..n with no gap.
    let numbers: Vec<(String, i64)> =
        sqlx::query_as("SELECT series, seq FROM invoices ORDER BY seq")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let series = format!("TNL-{}-2026", t.core.desk.code);
    assert!(numbers.iter().all(|(s, _)| *s == series));
    assert_eq!(
        numbers.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        (1..=issued as i64).collect::<Vec<_>>()
    );
    // Every invoice states its payment's amount to the cent, and every payment has one invoice.
    let mismatched = count(&t, "SELECT count(*) FROM invoices i JOIN payments p ON p.id = i.payment_id WHERE i.gross != p.total").await;
    assert_eq!(mismatched, 0);
    assert_eq!(
        count(&t, &format!("SELECT count(*) FROM payments WHERE invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled' AND invoice_date <= '{day}'")).await,
        0
    );
    // The list's totals add up every invoice issued.
    let totals = invoices::totals(db, &t.bu, &InvoiceQuery::default())
        .await
        .unwrap();
    assert_eq!(totals.invoices, issued as i64);
    let gross: i64 =
        sqlx::query_scalar("SELECT sum(total) FROM payments WHERE invoice_id IS NOT NULL")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(totals.gross.to_minor(2).unwrap(), gross);
    // Issued invoices cannot change or disappear, even through SQL.
    assert!(sqlx::query("UPDATE invoices SET gross = 0")
        .execute(db.pool())
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM invoices")
        .execute(db.pool())
        .await
        .is_err());

    // The consolidated invoice prints every line with its serial; totals agree to the cent.
    let list = invoices::list(
        db,
        &t.bu,
        &InvoiceQuery {
            billing_group_id: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let group_inv = list
        .items
        .iter()
        .find(|i| i.billing_group_id.is_some())
        .expect("a group invoice");
    let d = invoices::get(db, &t.bu, &group_inv.invoice_id)
        .await
        .unwrap();
    assert_eq!(d.lines.len(), 2);
    let (_, pdf_bytes) = invoices::pdf_of(db, &t.bu, &group_inv.invoice_id)
        .await
        .unwrap();
    let text = pdftotext(&pdf_bytes);
    assert!(text.contains(&group_inv.number), "{text}");
    assert!(text.contains("Acme Logistiek B.V."));
    assert!(text.contains("ACME-001") && text.contains("ACME-002"));
    let gross =
        t.bu.doc_format()
            .amount(group_inv.gross.0, 2, "EUR")
            .replace('\u{a0}', " ");
    assert!(text.contains(&gross), "total {gross} printed:\n{text}");
    assert!(text.contains("21 %"));
    assert!(!text.contains("Reverse charge"));
}

#[tokio::test]
async fn numbers_stay_gap_free_under_concurrent_invoicing_and_after_a_crash() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let _ = f;
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM payments ORDER BY due_date, rowid LIMIT 16")
            .fetch_all(db.pool())
            .await
            .unwrap();
    // A transaction that took a number and then died (dropped, never committed) gives it back.
    {
        let mut tx = db.write().await.unwrap();
        let n = flexdesk::store::next_in_series(
            &mut tx,
            &t.bu.id,
            &format!("invoice:TNL-{}-2026", t.core.desk.code),
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        drop(tx);
    }
    // Sixteen desks' worth of clicks at once.
    let mut handles = Vec::new();
    for id in ids.clone() {
        let core = t.core.clone();
        let ctx = t.ctx();
        handles.push(tokio::spawn(async move {
            invoices::issue(&core.db, &ctx, &id).await
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let mut seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM invoices")
        .fetch_all(db.pool())
        .await
        .unwrap();
    seqs.sort();
    assert_eq!(seqs, (1..=16).collect::<Vec<_>>());
    // A second invoice for the same payment is refused.
    assert_code!(
        invoices::issue(db, &t.ctx(), &ids[0]).await,
        ErrorCode::AlreadyInvoiced
    );
}

#[tokio::test]
async fn a_credit_note_corrects_an_invoice_and_cancels_its_open_payment() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Germany", Some("DE811907980")).await;
    let db = &t.core.db;
    // A German business with a VAT ID, sold from the Netherlands: reverse charge, no VAT.
    let p = open_payments(
        &t,
        PaymentQuery {
            rental_id: Some(f.rentals[0].clone()),
            ..Default::default()
        },
    )
    .await;
    assert!(p.iter().all(|p| p.tax_amount.0.is_zero()));
    let inv = invoices::issue(db, &t.ctx(), &p[0].payment_id)
        .await
        .unwrap();
    assert!(inv.reverse_charge);
    let text = pdftotext(
        &invoices::pdf_of(db, &t.bu, &inv.invoice_id)
            .await
            .unwrap()
            .1,
    );
    assert!(text.contains("Reverse charge"), "{text}");
    assert!(text.contains("DE811907980"));
    assert!(text.contains("Germany"));

    assert_code!(
        invoices::credit(db, &t.ctx(), &inv.invoice_id, " ").await,
        ErrorCode::ValidationError
    );
    let cn = invoices::credit(db, &t.ctx(), &inv.invoice_id, "Wrong device billed")
        .await
        .unwrap();
    assert_eq!(cn.kind, "credit_note");
    assert_eq!(cn.corrects_number.as_deref(), Some(inv.number.as_str()));
    assert_eq!(cn.gross.0, -inv.gross.0);
    assert!(cn.number.contains("-CN-2026-000001"));
    assert_eq!(
        payments::get(db, &t.bu, &p[0].payment_id, t.day())
            .await
            .unwrap()
            .status,
        PaymentStatus::Cancelled
    );
    let again = invoices::get(db, &t.bu, &inv.invoice_id).await.unwrap();
    assert_eq!(
        again.invoice.credited_by.as_deref(),
        Some(cn.number.as_str())
    );
    assert_code!(
        invoices::credit(db, &t.ctx(), &inv.invoice_id, "twice").await,
        ErrorCode::AlreadyCancelled
    );
    let text = pdftotext(&invoices::pdf_of(db, &t.bu, &cn.invoice_id).await.unwrap().1);
    assert!(
        text.contains("Credit note") && text.contains(&inv.number),
        "{text}"
    );
    assert!(text.contains("Wrong device billed"));
}

/// A unit that prices VAT-inclusive invoices what the customer agreed to pay: 89.00 a month is
/// 73.55 net and 15.45 VAT (21 %), rounded per line, on the invoice and its PDF alike.
#[tokio::test]
async fn tax_inclusive_prices_are_invoiced_as_the_gross_with_vat_taken_out_per_line() {
    let mut t = TestCore::new().await;
    t.settings(|s| {
        s.tax_inclusive = true;
        s.billing_start = flexdesk::domain::settings::BillingStart::Immediate;
    })
    .await;
    let f = fleet(&t, "Netherlands", Some("NL123456789B01")).await;
    let db = &t.core.db;
    billing::create(db, &t.ctx(), group(&f, json!(28), &f.rentals))
        .await
        .unwrap();
    t.go_to(2026, 2, 28);
    let day = t.day();
    while invoices::run(db, &t.ctx(), day, 50)
        .await
        .unwrap()
        .remaining
        > 0
    {}
    let all = invoices::all(db, &t.bu, &InvoiceQuery::default())
        .await
        .unwrap();
    assert!(!all.is_empty());
    let mut consolidated = None;
    for d in &all {
        for l in &d.lines {
            assert_eq!((l.net, l.tax), (7355, 1545), "{}: {l:?}", d.invoice.number);
        }
        let gross = d.invoice.gross.to_minor(2).unwrap();
        assert_eq!(gross, 8900 * d.lines.len() as i64);
        assert_eq!(
            d.invoice.net.to_minor(2).unwrap() + d.invoice.tax.to_minor(2).unwrap(),
            gross
        );
        if d.lines.len() == 3 {
            consolidated = Some(d.invoice.invoice_id.clone());
        }
    }
    let id = consolidated.expect("the group's invoice has its three laptops");
    let (_, pdf) = invoices::pdf_of(db, &t.bu, &id).await.unwrap();
    let text = pdftotext(&pdf);
    // Amounts as the Dutch unit writes them (decimal comma).
    for amount in ["220,65", "46,35", "267,00"] {
        assert!(text.contains(amount), "{amount} missing from:\n{text}");
    }
}

async fn first_payment(t: &TestCore, rental: &str) -> payments::Payment {
    let q = PaymentQuery {
        rental_id: Some(rental.to_string()),
        sort_dir: Some("asc".into()),
        ..Default::default()
    };
    payments::list(&t.core.db, &t.bu, &q, t.day())
        .await
        .unwrap()
        .items
        .remove(0)
}

#[tokio::test]
async fn an_invoice_issued_late_gives_the_terms_from_its_date_and_names_order_and_register() {
    let mut t = TestCore::new().await; // 2026-01-15
    let mut settings = t.bu.settings.clone();
    settings.payment_terms_days = 14;
    settings.late_fee_kind = flexdesk::domain::settings::LateFeeKind::Flat;
    settings.late_fee_amount = flexdesk::money::Money::from_minor(500, 2);
    settings.late_fee_grace_days = 7;
    settings.seller.registration_number = "81234567".into();
    settings.seller.country = "NL".into();
    t.bu = business_units::update(
        &t.core.db,
        &t.admin.actor(),
        flexdesk::clock::Clock::now(&*t.clock),
        BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(settings),
        },
    )
    .await
    .unwrap();
    let t = t;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    // Issued on its invoice date: due as scheduled, nothing more said.
    let on_time = first_payment(&t, &f.rentals[0]).await;
    assert_eq!(on_time.due_date, "2026-01-29");
    let id = invoices::issue(db, &t.ctx(), &on_time.payment_id)
        .await
        .unwrap()
        .invoice_id;
    let d = invoices::get(db, &t.bu, &id).await.unwrap();
    assert_eq!(d.invoice.due_date.as_deref(), Some("2026-01-29"));
    assert_eq!(d.invoice.scheduled_due_date, None);

    // Issued six weeks late: the fourteen days count from the issue date.
    t.go_to(2026, 3, 2);
    let late = first_payment(&t, &f.other_rental).await;
    assert_eq!(late.due_date, "2026-01-29");
    let id = invoices::issue(db, &t.ctx(), &late.payment_id)
        .await
        .unwrap()
        .invoice_id;
    let d = invoices::get(db, &t.bu, &id).await.unwrap();
    assert_eq!(d.invoice.issue_date, "2026-03-02");
    assert_eq!(d.invoice.due_date.as_deref(), Some("2026-03-16"));
    assert_eq!(d.invoice.scheduled_due_date.as_deref(), Some("2026-01-29"));
    let (_, pdf) = invoices::pdf_of(db, &t.bu, &id).await.unwrap();
    let text = pdftotext(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Dates as the Dutch unit writes them.
    assert!(
        flat.contains("scheduled to be due on 29 jan 2026"),
        "{text}"
    );
    assert!(flat.contains("so it is due on 16 mrt 2026"), "{text}");
    // One order: named among the references; the seller with its register.
    let order_number: String =
        sqlx::query_scalar("SELECT o.order_number FROM subscriptions s JOIN orders o ON o.id = s.order_id WHERE s.id = ?")
            .bind(&f.other_rental)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("Order") && l.contains(&order_number)),
        "{text}"
    );
    assert!(text.contains("KvK 81234567"), "{text}");

    // No late fee before the invoice's own due date has passed its grace days.
    let fee_of = |id: String| async move {
        sqlx::query_scalar::<_, i64>("SELECT late_fee_amount FROM payments WHERE id = ?")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    t.go_to(2026, 3, 20); // 7 days after 13 March: the schedule's due date is long past
    runs::daily(
        db,
        &t.core.desk.code,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!(
        fee_of(late.payment_id.clone()).await,
        0,
        "the invoice is due 16 March"
    );
    t.go_to(2026, 3, 24);
    runs::daily(
        db,
        &t.core.desk.code,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!(
        fee_of(late.payment_id.clone()).await,
        500,
        "7 days after the invoice's due date"
    );
}
