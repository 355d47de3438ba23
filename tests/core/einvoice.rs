//! E-invoices of every kind, checked by the checkers other tools use (scripts/einvoice-check.sh:
//! the Factur-X XSD and PDF/A-3 embedding, CEN's EN 16931 schematron for CII and UBL,
//! peppol-ubl-validate): one line, reverse charge, a tax-inclusive unit, an exempt unit, a
//! credit note, a USD
//! unit, 500 lines of a billing group, Peppol BIS and XRechnung. The Factur-X PDF still reads
//! back as the invoice.

use crate::subscriptions::act;
use flexdesk::domain::settings::Seller;
use flexdesk::services::{einvoicing, invoices, subscriptions as subs};
use serde_json::json;
use std::path::Path;

pub(crate) fn seller(country: &str, vat: &str, account: &str) -> Seller {
    Seller {
        legal_name: format!("FlexRent {country} B.V."),
        street_address: "Keizersgracht 100".into(),
        postal_code: "1015 AA".into(),
        city: "Amsterdam".into(),
        country: country.into(),
        vat_id: vat.into(),
        registration_number: "12345678".into(),
        email: "billing@flexrent.example".into(),
        phone: "+31 20 555 0100".into(),
        bank_account: account.into(),
        bic: "ABNANL2A".into(),
        einvoice_address: String::new(),
        sepa_creditor_id: "NL98ZZZ999999999999".into(),
    }
}

/// An order for a business customer in `country`, confirmed.
pub(crate) async fn business_order(
    t: &crate::support::TestCore,
    email: &str,
    country: &str,
    vat: &str,
    sku: &str,
) -> String {
    let address = json!({"contactName": "Jan Buyer", "streetAddress": "Hauptstraße 5", "city": "Berlin",
                         "postalCode": "10115", "country": country});
    let c = flexdesk::services::customers::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({
            "email": email, "firstName": "Jan", "lastName": "Buyer", "company": format!("Buyer {country} GmbH"),
            "customerType": "business", "vatId": vat, "registrationNumber": "HRB 4711", "billingAddress": address,
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    let o = flexdesk::services::orders::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({
            "customerId": c.customer_id, "billingAddress": address,
            "items": [{"sku": sku, "quantity": 1, "contractLength": 12}],
        }))
        .unwrap(),
    )
    .await
    .unwrap()
    .order;
    flexdesk::services::orders::confirm(&t.core.db, &t.ctx(), &o.order_id)
        .await
        .unwrap();
    o.order_id
}

/// Activate `serial` on `order` and issue the invoice of its first payment.
pub(crate) async fn invoiced(
    t: &crate::support::TestCore,
    order: &str,
    serial: &str,
) -> invoices::Invoice {
    let r = subs::activate(&t.core.db, &t.ctx(), act(order, serial))
        .await
        .unwrap()
        .rental;
    let p = crate::subscriptions::schedule(t, &r.rental_id).await[0]
        .payment_id
        .clone();
    invoices::issue(&t.core.db, &t.ctx(), &p).await.unwrap()
}

async fn save(
    t: &crate::support::TestCore,
    dir: &Path,
    inv: &invoices::Invoice,
    format: &str,
) -> Vec<u8> {
    let (name, _, bytes) = invoices::einvoice_of(
        &t.core.db,
        &t.bu,
        &inv.invoice_id,
        Some(format),
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap_or_else(|e| panic!("{format} of {}: {}", inv.number, e.message));
    let ext = if format == "facturx" { "pdf" } else { "xml" };
    let stem = name.rsplit_once('.').unwrap().0;
    std::fs::write(dir.join(format!("{stem}-{format}.{ext}")), &bytes).unwrap();
    bytes
}

pub(crate) fn checkers(dir: &Path) -> String {
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/einvoice-check.sh"
        ))
        .arg(dir)
        .output()
        .expect("run the e-invoice checkers");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "the checkers refused:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_einvoice_passes_the_checkers_other_tools_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let mut t = crate::subscriptions::shop().await;
    t.settings(|s| s.seller = seller("NL", "NL123456789B01", "NL91 ABNA 0417 1643 00"))
        .await;
    let db = &t.core.db.clone();

    // One line, standard rate.
    let o = business_order(
        &t,
        "nl@buyer.example",
        "Netherlands",
        "NL987654321B01",
        "LAP",
    )
    .await;
    let one = invoiced(&t, &o, "LAP-1").await;
    let cii_pdf = save(&t, out, &one, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &one, "peppol").await).unwrap();
    assert!(
        ubl.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
        "{ubl}"
    );
    assert!(ubl.contains("<cbc:ID>S</cbc:ID>") && ubl.contains("<cbc:Percent>21</cbc:Percent>"));
    assert!(
        ubl.contains("<cbc:ID>NL91ABNA0417164300</cbc:ID>"),
        "the seller's IBAN"
    );

    // SEPA direct debit: a buyer with a mandate.
    let o = business_order(
        &t,
        "dd@buyer.example",
        "Netherlands",
        "NL222333444B01",
        "LAP",
    )
    .await;
    t.asset("LAP-5", "LAP").await;
    let dd = invoiced(&t, &o, "LAP-5").await;
    einvoicing::save(
        db,
        &t.ctx(),
        einvoicing::EInvoicingReq {
            owner_kind: "customer".into(),
            owner_id: dd.customer_id.clone(),
            settings: einvoicing::EInvoicing {
                mandate_reference: Some("MANDATE-2026-001".into()),
                debtor_iban: Some("NL02 RABO 0123 4567 89".into()),
                ..Default::default()
            },
        },
    )
    .await
    .unwrap();
    save(&t, out, &dd, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &dd, "peppol").await).unwrap();
    assert!(
        ubl.contains("<cbc:PaymentMeansCode>59</cbc:PaymentMeansCode>")
            && ubl.contains("MANDATE-2026-001")
            && ubl.contains("NL02RABO0123456789")
            && ubl.contains("NL98ZZZ999999999999"),
        "{ubl}"
    );

    // Reverse charge: a German business with a VAT id.
    let o = business_order(&t, "de@buyer.example", "Germany", "DE123456789", "LAP").await;
    let rc = invoiced(&t, &o, "LAP-2").await;
    save(&t, out, &rc, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &rc, "peppol").await).unwrap();
    assert!(
        ubl.contains("<cbc:ID>AE</cbc:ID>") && ubl.contains("VATEX-EU-AE"),
        "{ubl}"
    );
    // XRechnung for the German buyer, with their Leitweg-ID.
    einvoicing::save(
        db,
        &t.ctx(),
        einvoicing::EInvoicingReq {
            owner_kind: "customer".into(),
            owner_id: rc.customer_id.clone(),
            settings: einvoicing::EInvoicing {
                format: Some("xrechnung".into()),
                address: Some("0204:04011000-12345-03".into()),
                buyer_reference: Some("04011000-12345-03".into()),
                ..Default::default()
            },
        },
    )
    .await
    .unwrap();
    let x = String::from_utf8(save(&t, out, &rc, "xrechnung").await).unwrap();
    assert!(
        x.contains("xrechnung_3.0")
            && x.contains("<cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>")
    );
    // Left out, the format is the buyer's.
    let (name, kind, _) = invoices::einvoice_of(
        db,
        &t.bu,
        &rc.invoice_id,
        None,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!((name.ends_with(".xml"), kind), (true, "application/xml"));

    // A credit note of the first invoice.
    let cn = invoices::credit(db, &t.ctx(), &one.invoice_id, "Wrong period")
        .await
        .unwrap();
    save(&t, out, &cn, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &cn, "peppol").await).unwrap();
    assert!(
        ubl.contains("<CreditNote ") && ubl.contains(&format!("<cbc:ID>{}</cbc:ID>", one.number))
    );

    // A unit whose prices include VAT.
    t.settings(|s| s.tax_inclusive = true).await;
    let o = business_order(
        &t,
        "incl@buyer.example",
        "Netherlands",
        "NL111222333B01",
        "LAP",
    )
    .await;
    let incl = invoiced(&t, &o, "LAP-3").await;
    save(&t, out, &incl, "facturx").await;
    save(&t, out, &incl, "peppol").await;

    // A unit exempt from VAT (rate 0 and the law it is exempt under): category E, the
    // statement as the exemption reason, on the printed invoice too; the VAT report lists it
    // as exempt. An exemption with a rate above 0 is refused.
    const EXEMPT: &str = "Exempt from VAT under Article 132(1)(c) of Directive 2006/112/EC";
    let refused = flexdesk::services::business_units::update(
        db,
        &t.admin.actor(),
        t.clock_now(),
        flexdesk::services::business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(flexdesk::domain::settings::BuSettings {
                tax_exemption: EXEMPT.into(),
                ..t.bu.settings.clone()
            }),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.details[0].path, "settings.taxExemption",
        "{}",
        refused.message
    );
    t.settings(|s| {
        s.tax_inclusive = false;
        s.tax_rate = 0.into();
        s.tax_exemption = EXEMPT.into();
    })
    .await;
    let o = business_order(
        &t,
        "care@buyer.example",
        "Netherlands",
        "NL777888999B01",
        "LAP",
    )
    .await;
    t.asset("LAP-6", "LAP").await;
    let exempt = invoiced(&t, &o, "LAP-6").await;
    save(&t, out, &exempt, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &exempt, "peppol").await).unwrap();
    assert!(
        ubl.contains("<cbc:ID>E</cbc:ID>")
            && ubl.contains(&format!(
                "<cbc:TaxExemptionReason>{EXEMPT}</cbc:TaxExemptionReason>"
            )),
        "{ubl}"
    );
    let text = std::process::Command::new("pdftotext")
        .arg(out.join(format!("{}-facturx.pdf", exempt.number)))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
    assert!(
        text.contains("Exempt from VAT under Article 132(1)(c)"),
        "{text}"
    );
    let vat = flexdesk::services::exports::vat_report(
        db,
        &t.bu,
        &flexdesk::services::exports::PeriodExport {
            month: Some(exempt.issue_date[..7].to_string()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e = vat.rows.iter().find(|x| x.category == "E").unwrap();
    assert_eq!(
        (e.label.as_str(), e.net, e.documents),
        ("Exempt", exempt.net, 1)
    );

    // The Factur-X PDF still reads as the invoice.
    let pdf = out.join(format!("{}-facturx.pdf", one.number));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&one.number) && text.contains("Buyer Netherlands GmbH"),
        "{text}"
    );
    assert!(cii_pdf.starts_with(b"%PDF-1.7"));

    let report = checkers(out);
    assert!(report.contains("13 of 13 e-invoices passed"), "{report}");

    // The checkers do refuse: the same invoice with its payable amount off by a cent fails
    // CEN's rules (BR-CO-16).
    let bad = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(out.join(format!("{}-peppol.xml", one.number))).unwrap();
    let payable = good
        .split("<cbc:PayableAmount currencyID=\"EUR\">")
        .nth(1)
        .unwrap();
    let payable = payable.split('<').next().unwrap();
    let off = format!("{:.2}", payable.parse::<f64>().unwrap() + 0.01);
    std::fs::write(
        bad.path().join("payable.xml"),
        good.replace(
            &format!(">{payable}</cbc:PayableAmount>"),
            &format!(">{off}</cbc:PayableAmount>"),
        ),
    )
    .unwrap();
    let refused = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/einvoice-check.sh"
        ))
        .arg(bad.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(
        !refused.status.success() && text.contains("BR-CO-16"),
        "{text}"
    );

    // The month's export writes each invoice in its buyer's format: the XRechnung buyer's as
    // its XML beside the PDF, the others as PDFs.
    let caller = flexdesk::api::Caller {
        token: Some(t.core.sessions.start(&t.admin.id, t.clock_now())),
        bu_id: Some(t.bu.id.clone()),
        desktop: false,
    };
    let month = &one.issue_date[..7];
    let folder = flexdesk::api::dispatch(
        &t.core,
        &caller,
        "invoices.exportMonth",
        json!({"month": month}),
    )
    .await
    .unwrap()
    .value;
    let folder = std::path::PathBuf::from(folder["folder"].as_str().unwrap());
    let has = |f: String| folder.join(f).exists();
    assert!(has(format!("{}.xml", rc.number)) && has(format!("{}.pdf", rc.number)));
    assert!(has(format!("{}.pdf", one.number)) && !has(format!("{}.xml", one.number)));
    let x = std::fs::read_to_string(folder.join(format!("{}.xml", rc.number))).unwrap();
    assert!(x.contains("xrechnung_3.0"), "{x}");

    // Without the seller's VAT id there is no e-invoice, and the answer says where to set it.
    t.settings(|s| s.seller.vat_id = String::new()).await;
    let o = business_order(
        &t,
        "novat@buyer.example",
        "Netherlands",
        "NL444555666B01",
        "LAP",
    )
    .await;
    let bare = invoiced(&t, &o, "LAP-4").await;
    let e = invoices::einvoice_of(
        db,
        &t.bu,
        &bare.invoice_id,
        Some("peppol"),
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "seller.vatId", "{}", e.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usd_unit_and_a_billing_group_of_500_lines_pass_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    // 500 subscriptions billed as one group: the month-end bench's business.
    let db_path = out.join("month-end.db");
    let opts = flexdesk::bench::MonthEndOptions {
        groups: 1,
        group_size: 500,
        months: 1,
    };
    let flexdesk::bench::MonthEndIssued { core, bu, ids, .. } =
        flexdesk::bench::month_end_issued(&db_path, &opts, &|_| {})
            .await
            .unwrap();
    assert_eq!(ids.len(), 1);
    // The bench's month end (its own fixed clock), as the files' creation time.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for format in ["facturx", "peppol"] {
        let (name, _, bytes) = invoices::einvoice_of(&core.db, &bu, &ids[0], Some(format), now)
            .await
            .unwrap();
        let ext = if format == "facturx" { "pdf" } else { "xml" };
        std::fs::write(
            out.join(format!(
                "{}-{format}.{ext}",
                name.rsplit_once('.').unwrap().0
            )),
            bytes,
        )
        .unwrap();
    }
    let d = invoices::get(&core.db, &bu, &ids[0]).await.unwrap();
    assert_eq!(d.lines.len(), 500);
    core.db.close().await;
    std::fs::remove_file(&db_path).ok();
    for s in ["-wal", "-shm", ".lock", ".in-use"] {
        std::fs::remove_file(format!("{}{s}", db_path.display())).ok();
    }

    // A unit in the United States, in dollars.
    let mut t = crate::support::TestCore::new().await;
    let us = t.second_bu("US", "USD").await;
    t.bu = us;
    t.settings(|s| {
        s.tax_rate = rust_decimal::Decimal::new(825, 2);
        s.seller = Seller {
            city: "Austin".into(),
            postal_code: "78701".into(),
            street_address: "100 Congress Ave".into(),
            bic: String::new(),
            ..seller("US", "US123456789", "ACH 111000025 / 000123456789")
        };
    })
    .await;
    t.laptop("USLAP").await;
    t.asset("USLAP-1", "USLAP").await;
    let o = business_order(&t, "us@buyer.example", "United States", "", "USLAP").await;
    let inv = invoiced(&t, &o, "USLAP-1").await;
    assert_eq!(inv.currency, "USD");
    save(&t, out, &inv, "facturx").await;
    let ubl = String::from_utf8(save(&t, out, &inv, "peppol").await).unwrap();
    assert!(
        ubl.contains("currencyID=\"USD\"")
            && ubl.contains("<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>")
    );
    let report = checkers(out);
    assert!(report.contains("4 of 4 e-invoices passed"), "{report}");
}
