//! Billing groups (rules, codes, consolidation), invoices and credit notes (gap-free numbering,
//! immutability, totals against payments, the month-end run), printed invoices and contracts read
//! back from their PDFs, exports, and the files operations.

use crate::assert_code;
use crate::support::TestCore;
use flexdesk::domain::status::PaymentStatus;
use flexdesk::services::billing::{self, GroupUpdate, NewGroup};
use flexdesk::services::exports::{self, PeriodExport, RentalExport};
use flexdesk::services::files::{self, FileStore};
use flexdesk::services::invoices;
use flexdesk::services::payments::{self, MarkPaid, PaymentQuery};
use flexdesk::services::subscriptions::{self as subs, ActivateInput};
use flexdesk::services::{customers, dashboard};
use flexdesk::ErrorCode;
use serde_json::json;
use std::process::Command;

pub(crate) struct Fleet {
    pub(crate) customer: String,
    pub(crate) rentals: Vec<String>,
    pub(crate) other_rental: String,
    pub(crate) order: String,
}

/// A business customer (Acme) with three laptops on one order, and a private customer with one.
pub(crate) async fn fleet(t: &TestCore, country: &str, vat: Option<&str>) -> Fleet {
    t.laptop("LAP-14").await;
    let c = customers::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({
            "email": "it@acme.example", "firstName": "Jan", "lastName": "Bakker", "company": "Acme Logistiek B.V.",
            "customerType": "business", "vatId": vat,
            "billingAddress": {"contactName": "Jan Bakker", "streetAddress": "Stationsplein 3", "city": "Utrecht", "postalCode": "3511 ED", "country": country}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let o = t
        .confirmed_order(
            "it@acme.example",
            json!([{"sku": "LAP-14", "quantity": 3, "contractLength": 12}]),
        )
        .await;
    let mut rentals = Vec::new();
    for k in 1..=3 {
        let serial = format!("ACME-{k:03}");
        t.asset(&serial, "LAP-14").await;
        let a = subs::activate(
            &t.core.db,
            &t.ctx(),
            ActivateInput {
                order_id: o.order_id.clone(),
                asset_serial_number: serial,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        rentals.push(a.rental.rental_id);
    }
    let p = t
        .confirmed_order(
            "emma@mail.example",
            json!([{"sku": "LAP-14", "quantity": 1, "contractLength": 12}]),
        )
        .await;
    t.asset("PRIV-001", "LAP-14").await;
    let other = subs::activate(
        &t.core.db,
        &t.ctx(),
        ActivateInput {
            order_id: p.order_id.clone(),
            asset_serial_number: "PRIV-001".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    Fleet {
        customer: c.customer_id,
        rentals,
        other_rental: other.rental.rental_id,
        order: o.order_id,
    }
}

pub(crate) fn group(f: &Fleet, day: serde_json::Value, rentals: &[String]) -> NewGroup {
    NewGroup {
        customer_id: f.customer.clone(),
        group_name: "Acme IT".into(),
        billing_day: day,
        rental_ids: rentals.to_vec(),
        notes: None,
        ..Default::default()
    }
}

pub(crate) async fn count(t: &TestCore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap()
}

pub(crate) async fn open_payments(t: &TestCore, q: PaymentQuery) -> Vec<payments::Payment> {
    let mut out = Vec::new();
    let mut q = q;
    q.limit = Some("100".into());
    q.sort_dir = Some("asc".into());
    loop {
        let page = payments::list(&t.core.db, &t.bu, &q, t.day())
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.start_after = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn billing_group_rules_answer_with_their_codes_and_change_nothing() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let before = count(&t, "SELECT count(*) FROM payments").await;
    for day in [json!(0), json!(29), json!("x"), json!(2.5)] {
        assert_code!(
            billing::create(db, &t.ctx(), group(&f, day, &f.rentals)).await,
            ErrorCode::InvalidBillingDay
        );
    }
    assert_code!(
        billing::create(
            db,
            &t.ctx(),
            group(
                &f,
                json!(5),
                &[f.rentals[0].clone(), f.other_rental.clone()]
            )
        )
        .await,
        ErrorCode::SubscriptionDifferentCustomer
    );
    assert_code!(
        billing::create(db, &t.ctx(), group(&f, json!(5), &["rnt_nope".to_string()])).await,
        ErrorCode::SubscriptionNotFound
    );
    let mut g = group(&f, json!(5), &f.rentals);
    g.customer_id = "cus_nope".into();
    assert_code!(
        billing::create(db, &t.ctx(), g).await,
        ErrorCode::CustomerNotFound
    );
    assert_code!(
        billing::create(db, &t.ctx(), group(&f, json!(5), &[])).await,
        ErrorCode::ValidationError
    );
    assert_eq!(count(&t, "SELECT count(*) FROM billing_groups").await, 0);
    assert_eq!(count(&t, "SELECT count(*) FROM payments").await, before);
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM payments WHERE consolidated_into IS NOT NULL"
        )
        .await,
        0
    );
    // Unknown groups.
    assert_code!(
        billing::get(db, &t.bu, "bgr_nope").await,
        ErrorCode::NotFound
    );
    assert_code!(
        billing::update(db, &t.ctx(), "bgr_nope", GroupUpdate::default()).await,
        ErrorCode::NotFound
    );
    assert_code!(
        billing::delete(db, &t.ctx(), "bgr_nope").await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_group_consolidates_its_members_future_payments_on_the_billing_day() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let members = &f.rentals[..2];
    let g = billing::create(db, &t.ctx(), group(&f, json!(20), members))
        .await
        .unwrap();
    assert_eq!(g.rental_ids, members.to_vec());
    assert_eq!(g.billing_day, 20);
    assert_eq!(g.active_rental_count, 2);
    let monthly = subs::get(db, &t.bu, &f.rentals[0], t.day())
        .await
        .unwrap()
        .monthly_amount;
    assert_eq!(
        g.total_monthly_amount.0,
        monthly.0 * rust_decimal::Decimal::from(2)
    );

    // The group's payments: one per billing day, each with one line per member.
    let consolidated = open_payments(
        &t,
        PaymentQuery {
            billing_group_id: Some(g.billing_group_id.clone()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        consolidated.len(),
        12,
        "twelve months, one consolidated payment each"
    );
    // The members' folded payments leave the open money; the group's payments join it.
    crate::support::assert_open_by_due_recounts(db).await;
    for p in &consolidated {
        assert_eq!(p.payment_type.as_str(), "consolidated");
        assert_eq!(p.line_items.len(), 2);
        assert!(
            p.invoice_date.ends_with("-20"),
            "billed on the 20th: {}",
            p.invoice_date
        );
        let lines: rust_decimal::Decimal = p
            .line_items
            .iter()
            .map(|l| l.amount.0 + l.tax_amount.0)
            .sum();
        assert_eq!(lines, p.total.0, "lines add up to the payment");
        assert!(p.line_items.iter().all(|l| l
            .serial_number
            .as_deref()
            .unwrap_or("")
            .starts_with("ACME-")));
    }
    // Members' own payments are lines now, not payments; the third laptop still bills alone.
    let all = open_payments(&t, PaymentQuery::default()).await;
    assert!(all.iter().all(|p| p.consolidated_into.is_none()));
    assert_eq!(
        all.iter()
            .filter(|p| p.rental_id.as_deref() == Some(&f.rentals[2]))
            .count(),
        12
    );
    assert!(!all
        .iter()
        .any(|p| p.rental_id.as_deref() == Some(&f.rentals[0])));
    // A member's payment cannot be settled on its own.
    let member_payment: String = sqlx::query_scalar(
        "SELECT id FROM payments WHERE rental_id = ? AND consolidated_into IS NOT NULL LIMIT 1",
    )
    .bind(&f.rentals[0])
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_code!(
        payments::mark_paid(db, &t.ctx(), &member_payment, MarkPaid::default()).await,
        ErrorCode::Conflict
    );

    // Paying the consolidated payment pays its lines: each subscription collects its net once.
    let first = &consolidated[0];
    let before = dashboard::figures(db, &t.bu, t.day()).await.unwrap();
    payments::mark_paid(db, &t.ctx(), &first.payment_id, MarkPaid::default())
        .await
        .unwrap();
    let after = dashboard::figures(db, &t.bu, t.day()).await.unwrap();
    let net: rust_decimal::Decimal = first.line_items.iter().map(|l| l.amount.0).sum();
    assert_eq!(
        serde_json::to_value(&after).unwrap()["collectedThisMonth"]
            .as_str()
            .map(|s| s.parse::<rust_decimal::Decimal>().unwrap())
            .unwrap()
            - serde_json::to_value(&before).unwrap()["collectedThisMonth"]
                .as_str()
                .map(|s| s.parse::<rust_decimal::Decimal>().unwrap())
                .unwrap(),
        net,
        "collected once, not twice"
    );
    for r in members {
        let s = subs::get(db, &t.bu, r, t.day()).await.unwrap();
        assert_eq!(s.total_collected.0, first.line_items[0].amount.0);
    }
    assert_eq!(
        count(
            &t,
            &format!(
                "SELECT count(*) FROM payments WHERE consolidated_into = '{}' AND status = 'paid'",
                first.payment_id
            )
        )
        .await,
        2
    );

    // Replacing the member list: the removed one bills alone again (unpaid months only).
    let g2 = billing::update(
        db,
        &t.ctx(),
        &g.billing_group_id,
        GroupUpdate {
            rental_ids: Some(vec![f.rentals[0].clone()]),
            billing_day: Some(json!(28)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(g2.rental_ids, vec![f.rentals[0].clone()]);
    let alone = open_payments(
        &t,
        PaymentQuery {
            rental_id: Some(f.rentals[1].clone()),
            status: Some("pending".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        alone.len(),
        11,
        "its eleven unpaid months are its own again"
    );
    assert!(alone
        .iter()
        .all(|p| p.payment_type.as_str() == "individual"));
    let regrouped = open_payments(
        &t,
        PaymentQuery {
            billing_group_id: Some(g.billing_group_id.clone()),
            status: Some("pending".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(regrouped
        .iter()
        .all(|p| p.invoice_date.ends_with("-28") && p.line_items.len() == 1));

    // Deleting the group cancels nothing; every member bills alone again.
    let cancelled = count(
        &t,
        "SELECT count(*) FROM payments WHERE status = 'cancelled'",
    )
    .await;
    billing::delete(db, &t.ctx(), &g.billing_group_id)
        .await
        .unwrap();
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM payments WHERE status = 'cancelled'"
        )
        .await,
        cancelled
    );
    assert_eq!(
        count(&t, "SELECT count(*) FROM payments WHERE consolidated_into IS NOT NULL AND status = 'pending'").await,
        0
    );
    assert_eq!(
        count(
            &t,
            "SELECT count(*) FROM subscriptions WHERE billing_group_id IS NOT NULL"
        )
        .await,
        0
    );
    // The paid consolidated payment stays, as history.
    let kept = payments::get(db, &t.bu, &first.payment_id, t.day())
        .await
        .unwrap();
    assert_eq!(kept.status, PaymentStatus::Paid);
}

#[tokio::test]
async fn activation_can_join_a_group_of_the_same_customer_only() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let g = billing::create(db, &t.ctx(), group(&f, json!(1), &f.rentals[..1]))
        .await
        .unwrap();
    let o = t
        .confirmed_order(
            "emma@mail.example",
            json!([{"sku": "LAP-14", "quantity": 1, "contractLength": 6}]),
        )
        .await;
    t.asset("PRIV-002", "LAP-14").await;
    assert_code!(
        subs::activate(
            db,
            &t.ctx(),
            ActivateInput {
                order_id: o.order_id.clone(),
                asset_serial_number: "PRIV-002".into(),
                billing_group_id: Some(g.billing_group_id.clone()),
                ..Default::default()
            }
        )
        .await,
        ErrorCode::SubscriptionDifferentCustomer
    );
    let o2 = t
        .confirmed_order(
            "it@acme.example",
            json!([{"sku": "LAP-14", "quantity": 1, "contractLength": 24}]),
        )
        .await;
    t.asset("ACME-009", "LAP-14").await;
    let a = subs::activate(
        db,
        &t.ctx(),
        ActivateInput {
            order_id: o2.order_id.clone(),
            asset_serial_number: "ACME-009".into(),
            billing_group_id: Some(g.billing_group_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        a.rental.billing_group_id.as_deref(),
        Some(g.billing_group_id.as_str())
    );
    let g = billing::get(db, &t.bu, &g.billing_group_id).await.unwrap();
    assert_eq!(g.active_rental_count, 2);
    let lines = count(&t, &format!("SELECT count(*) FROM payments WHERE rental_id = '{}' AND consolidated_into IS NOT NULL", a.rental.rental_id)).await;
    assert_eq!(lines, 24, "its 24 months are lines of the group's payments");
}

pub(crate) fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("doc.pdf");
    std::fs::write(&p, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", p.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed by the tests");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn exports_carry_the_documented_columns_and_amounts_in_the_units_currency() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let r = exports::rentals(db, &t.ctx(), &RentalExport::default())
        .await
        .unwrap();
    assert_eq!(r.total_records, 4);
    assert_eq!(r.active_rentals, 4);
    let mut rd = csv::Reader::from_reader(r.csv_data.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "subscriptionId",
        "customerId",
        "customerEmail",
        "customerName",
        "company",
        "sku",
        "productName",
        "serialNumber",
        "status",
        "startDate",
        "endDate",
        "contractLength",
        "monthlyAmount",
        "currency",
        "totalCollected",
        "acquisitionCost",
        "costRecoveryPercent",
    ] {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let company = header.iter().position(|h| h == "company").unwrap();
    assert_eq!(
        rows.iter()
            .filter(|r| &r[company] == "Acme Logistiek B.V.")
            .count(),
        3
    );
    // Leaving out groups of columns, and filtering by customer.
    let r2 = exports::rentals(
        db,
        &t.ctx(),
        &serde_json::from_value(json!({"includeFields": {"financialDetails": false, "customerDetails": false}, "customerIds": [f.customer]})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(r2.total_records, 3);
    assert!(!r2
        .csv_data
        .lines()
        .next()
        .unwrap()
        .contains("monthlyAmount"));
    assert_code!(
        exports::rentals(
            db,
            &t.ctx(),
            &serde_json::from_value(json!({"format": "xlsx"})).unwrap()
        )
        .await,
        ErrorCode::ValidationError
    );
    // Payments of January: amounts as plain decimals beside the currency.
    let p = exports::payments(
        db,
        &t.bu,
        &PeriodExport {
            month: Some("2026-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p.rows, 4);
    let first = p.csv_data.lines().nth(1).unwrap();
    assert!(first.contains(",EUR,"), "{first}");
    assert!(first
        .split(',')
        .any(|c| c.contains('.') && c.split('.').nth(1).map(|d| d.len() == 2).unwrap_or(false)));
    // Invoices: one row per VAT rate of each document.
    invoices::run(db, &t.ctx(), t.day(), 100).await.unwrap();
    let i = exports::invoices(
        db,
        &t.bu,
        &PeriodExport {
            month: Some("2026-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(i.rows, 4);
    assert!(i.csv_data.starts_with("number,kind,issueDate"));
}

#[tokio::test]
async fn an_order_contract_is_generated_into_the_file_store_and_read_back() {
    let t = TestCore::new().await;
    let f = fleet(&t, "Netherlands", None).await;
    let db = &t.core.db;
    let store = FileStore::beside(&t.core.path);
    assert_code!(
        files::generate_contract(db, &store, &t.ctx(), "ord_nope", None).await,
        ErrorCode::OrderNotFound
    );
    assert_code!(
        files::generate_contract(db, &store, &t.ctx(), &f.order, Some("lease-v9")).await,
        ErrorCode::TemplateNotFound
    );
    let info = files::generate_contract(db, &store, &t.ctx(), &f.order, None)
        .await
        .unwrap();
    assert_eq!(info.file_type, "contract");
    assert_eq!(info.category, "generated");
    let (_, bytes) = files::read(db, &store, &t.bu, &info.file_id).await.unwrap();
    assert_eq!(bytes.len() as i64, info.file_size);
    let text = pdftotext(&bytes);
    let order = flexdesk::services::orders::get(db, &t.bu, &f.order)
        .await
        .unwrap();
    assert!(text.contains(&order.order_number), "{text}");
    assert!(text.contains("ACME-001") && text.contains("ACME-003"));
    assert!(text.contains("Acme Logistiek B.V."));
    // A business customer's contract states prices net, with the VAT beside; the contract-end
    // rule is the unit's.
    let doc = t.bu.doc_format();
    // As the Dutch unit writes them ("€ 267,00"; the space unbreakable, read back as a space).
    let eur = |m: flexdesk::money::Money| doc.amount(m.0, 2, "EUR").replace('\u{a0}', " ");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (label, amount) in [
        ("Per month, excl. VAT", order.prices.monthly.net),
        ("VAT 21 %", order.prices.monthly.tax),
        ("Contract value, excl. VAT", order.prices.contract.net),
    ] {
        assert!(
            flat.contains(&format!("{label} {}", eur(amount))),
            "{label} {}:\n{text}",
            eur(amount)
        );
    }
    assert!(flat.contains("Prices exclude VAT"), "{text}");
    assert!(flat.contains("continues month by month"), "{text}");
    // A consumer's contract states them with VAT, and prints the order's notes.
    let private: String = sqlx::query_scalar("SELECT order_id FROM subscriptions WHERE id = ?")
        .bind(&f.other_rental)
        .fetch_one(db.pool())
        .await
        .unwrap();
    flexdesk::services::orders::set_notes(db, &t.ctx(), &private, "Deliver to the back door.")
        .await
        .unwrap();
    let private_order = flexdesk::services::orders::get(db, &t.bu, &private)
        .await
        .unwrap();
    let info = files::generate_contract(db, &store, &t.ctx(), &private, None)
        .await
        .unwrap();
    let (_, bytes) = files::read(db, &store, &t.bu, &info.file_id).await.unwrap();
    let text = pdftotext(&bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (label, amount) in [
        (
            "Per month, incl. 21 % VAT",
            private_order.prices.monthly.gross,
        ),
        (
            "Contract value, incl. VAT",
            private_order.prices.contract.gross,
        ),
    ] {
        assert!(
            flat.contains(&format!("{label} {}", eur(amount))),
            "{label} {}:\n{text}",
            eur(amount)
        );
    }
    assert!(!flat.contains("excl. VAT"), "{text}");
    assert!(flat.contains("Notes Deliver to the back door."), "{text}");
    let listed = files::list(
        db,
        &t.bu,
        &serde_json::from_value(json!({"orderId": f.order})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(listed.count, 1);
    files::delete(db, &store, &t.ctx(), &info.file_id, true)
        .await
        .unwrap();
    assert!(!store.root.join(&info.storage_path).exists());
    assert_code!(
        files::get(db, &t.bu, &info.file_id).await,
        ErrorCode::NotFound
    );
}

/// The month-end benchmark at a small scale: consolidation through the billing service, the run
/// batch by batch, and every invoice as a PDF; the bench itself checks one invoice per group with
/// one line per member and totals equal to the consolidated payments.
#[tokio::test]
async fn the_month_end_bench_invoices_every_group_once_with_a_line_per_member() {
    let dir = tempfile::tempdir().unwrap();
    let opts = flexdesk::bench::BenchOptions {
        path: dir.path().join("bench.db"),
        assets: 0,
        customers: 0,
        orders: 0,
        samples: 0,
        subscriptions: 0,
        payments_per: 0,
        pdf: false,
        only_pdf: false,
        month_end: Some(flexdesk::bench::MonthEndOptions {
            groups: 7,
            group_size: 4,
            months: 3,
        }),
        only_month_end: true,
    };
    let rows = flexdesk::bench::run(&opts, &|_| {}).await.unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rows.len(), 5, "{names:?}");
    assert!(
        names[1].starts_with("month-end run: 7 billing-group invoices of 4 lines"),
        "{names:?}"
    );
    assert_eq!(rows[0].samples, 7, "one consolidation per group");
    assert!(dir.path().join("month-end.db").exists());
}
