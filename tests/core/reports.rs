//! What the accountant files: the VAT report of a period per category and rate (reverse charge
//! apart, credit notes negative) as figures, CSV and PDF; and the unit's records as CSV with the
//! formula-injection guard.

use crate::einvoice::{business_order, invoiced, seller};
use flexdesk::money::Money;
use flexdesk::services::exports::{self, PeriodExport};
use flexdesk::services::invoices;
use serde_json::json;

#[tokio::test]
async fn the_vat_report_adds_up_the_periods_invoices_and_credit_notes_per_category_and_rate() {
    let mut t = crate::subscriptions::shop().await;
    t.settings(|s| s.seller = seller("NL", "NL123456789B01", "NL91 ABNA 0417 1643 00"))
        .await;
    let db = &t.core.db.clone();
    let o = business_order(
        &t,
        "a@buyer.example",
        "Netherlands",
        "NL987654321B01",
        "LAP",
    )
    .await;
    let a = invoiced(&t, &o, "LAP-1").await;
    let o = business_order(&t, "de@buyer.example", "Germany", "DE123456789", "LAP").await;
    let b = invoiced(&t, &o, "LAP-2").await;
    let o = business_order(
        &t,
        "c@buyer.example",
        "Netherlands",
        "NL111222333B01",
        "LAP",
    )
    .await;
    let c = invoiced(&t, &o, "LAP-3").await;
    invoices::credit(db, &t.ctx(), &a.invoice_id, "Wrong customer")
        .await
        .unwrap();
    let month = PeriodExport {
        month: Some(a.issue_date[..7].to_string()),
        ..Default::default()
    };
    let r = exports::vat_report(db, &t.bu, &month).await.unwrap();
    assert_eq!((r.invoices, r.credit_notes), (3, 1));
    assert_eq!(r.rows.len(), 2, "{:?}", r.rows);
    let s = r.rows.iter().find(|x| x.category == "S").unwrap();
    let ae = r.rows.iter().find(|x| x.category == "AE").unwrap();
    // The credit note takes invoice A back out: the standard rate holds C only.
    assert_eq!(
        (s.rate.as_str(), s.net, s.tax, s.documents),
        ("21", c.net, c.tax, 3)
    );
    assert_eq!((ae.net, ae.tax, ae.documents), (b.net, Money::default(), 1));
    assert_eq!((r.net, r.tax), (c.net + b.net, c.tax));
    assert_eq!(r.tax_name, "VAT");

    let csv = exports::vat_csv(&t.bu, &r).unwrap();
    let lines: Vec<&str> = csv.csv_data.lines().collect();
    assert_eq!(lines.len(), 4, "{}", csv.csv_data);
    assert!(lines[0].starts_with("from,to,category,description,rate,net,tax"));
    assert!(lines[3].contains(",total,Total,,"), "{}", lines[3]);

    let (name, pdf) = exports::vat_pdf(&t.bu, &r).unwrap();
    assert!(name.ends_with(".pdf"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(&name);
    std::fs::write(&path, pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in [
        "VAT report",
        "Reverse charge",
        "Standard rate (S)",
        "Credit notes",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }

    // An empty period has no rows and adds up to nothing.
    let none = exports::vat_report(
        db,
        &t.bu,
        &PeriodExport {
            month: Some("2020-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(none.rows.is_empty() && none.net == Money::default());
    // A period that is not one is refused.
    let e = exports::vat_report(db, &t.bu, &PeriodExport::default())
        .await
        .unwrap_err();
    assert_eq!(e.details[0].path, "month");
}

#[tokio::test]
async fn customers_assets_orders_and_products_export_as_csv_with_formulas_neutralised() {
    let t = crate::subscriptions::shop().await;
    let db = &t.core.db;
    flexdesk::services::customers::create(
        db,
        &t.ctx(),
        serde_json::from_value(json!({
            "email": "evil@x.example", "firstName": "=HYPERLINK(\"http://x\")", "lastName": "Visser",
            "company": "+31 Trick BV", "customerType": "business", "vatId": "NL999888777B01",
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    t.confirmed_order(
        "o@x.example",
        json!([{"sku": "LAP", "quantity": 2, "contractLength": 12}]),
    )
    .await;
    let get = |what: &'static str| {
        let t = &t;
        async move { exports::records(&t.core.db, &t.bu, what).await.unwrap() }
    };
    let c = get("customers").await;
    assert_eq!(c.filename, "customers-TNL.csv");
    assert!(
        c.csv_data.contains("'=HYPERLINK") && c.csv_data.contains("'+31 Trick BV"),
        "{}",
        c.csv_data
    );
    assert!(c.csv_data.contains("NL999888777B01"));
    let a = get("assets").await;
    assert_eq!(a.rows, 5, "{}", a.csv_data);
    assert!(a.csv_data.contains("LAP-1,LAP,"));
    let o = get("orders").await;
    assert_eq!(o.rows, 1);
    assert!(
        o.csv_data.lines().nth(1).unwrap().contains(",confirmed,"),
        "{}",
        o.csv_data
    );
    let p = get("products").await;
    assert!(
        p.csv_data.contains("6: 119.00; 12: 89.00; 24: 59.50"),
        "{}",
        p.csv_data
    );
    // The address's parts, a deleted unit, the order's amounts with the currency.
    assert!(
        c.csv_data
            .contains(",Keizersgracht 1,1015 CJ,Amsterdam,Netherlands,"),
        "{}",
        c.csv_data
    );
    assert!(a.csv_data.contains(",1000.00,EUR,2026-01-15,no,"));
    assert!(
        o.csv_data
            .contains(",Emma de Vries,2,0,178.00,37.38,215.38,EUR,,"),
        "{}",
        o.csv_data
    );
    let e = exports::records(db, &t.bu, "secrets").await.unwrap_err();
    assert_eq!(e.details[0].path, "records");
}
