//! Realistic prepared documents with made-up data: a billing-group invoice of any length, a credit
//! note, a contract, a quote and labels. The benchmark renders them, the tests read them back, and
//! they show what a document looks like before a business has data of its own.

use super::{
    ContractDoc, ContractLine, InvoiceDoc, InvoiceKind, InvoiceLine, Label, Party, QuoteDoc,
    RateTotal,
};

/// Euro amount from cents, the way the business unit prints it: `€1,234.56`, `-€79.00`.
fn eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let units = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}€{grouped}.{:02}", abs % 100)
}

fn seller() -> Party {
    Party {
        name: "FlexRent Amsterdam B.V.".into(),
        address: vec![
            "Herengracht 182".into(),
            "1016 BR Amsterdam".into(),
            "Netherlands".into(),
        ],
        vat_id: Some("NL859123456B01".into()),
        extra: vec![
            "billing@flexrent.example · +31 20 555 0142".into(),
            "Chamber of Commerce 81234567".into(),
        ],
    }
}

fn buyer() -> Party {
    Party {
        name: "شركة الدوحة للتقنية".into(),
        address: vec![
            "Doha Tech W.L.L.".into(),
            "Attn. Łukasz Müller-Sørensen".into(),
            "Al Corniche Street 12, West Bay".into(),
            "Doha, Qatar".into(),
        ],
        vat_id: Some("QA300712458900003".into()),
        extra: vec!["accounts@dohatech.example".into()],
    }
}

const FOOTER: &str = "FlexRent Amsterdam B.V. · Herengracht 182, 1016 BR Amsterdam · VAT NL859123456B01 · Chamber of Commerce 81234567 · billing@flexrent.example";

/// (description, monthly net in cents, VAT rate in percent)
const PRODUCTS: [(&str, i64, i64); 8] = [
    (
        "MacBook Air 13\" M3 8/256 Midnight — monthly rent",
        7900,
        21,
    ),
    (
        "Lenovo ThinkPad X1 Carbon Gen 12 (14\", Core Ultra 7, 32 GB, 1 TB) — monthly rent",
        11_450,
        21,
    ),
    ("iPhone 15 128 GB Blue — monthly rent", 4_500, 21),
    ("Dell UltraSharp U2723QE 27\" 4K — monthly rent", 2_900, 21),
    (
        "Herman Miller Aeron, size B, café edition — monthly rent",
        6_990,
        21,
    ),
    (
        "VanMoof S5 e-bike, Straße & Øresund bundle — monthly rent",
        9_800,
        21,
    ),
    ("Device protection plan (insurance, exempt)", 900, 0),
    ("Bugaboo Fox 5 stroller — monthly rent", 3_990, 9),
];

/// A billing group's monthly invoice with `lines` subscriptions.
pub fn invoice(lines: usize) -> InvoiceDoc {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut doc_lines = Vec::with_capacity(lines);
    // Per rate: net and tax in cents.
    let mut per_rate: Vec<(i64, i64, i64)> = Vec::new();
    for i in 0..lines {
        let pick = if i == 0 { 0 } else { next() % PRODUCTS.len() };
        let (description, net, rate) = PRODUCTS[pick];
        let quantity = if i % 17 == 5 { 2 } else { 1 };
        let net = net * quantity;
        let tax = (net * rate + 50) / 100;
        match per_rate.iter_mut().find(|r| r.0 == rate) {
            Some(r) => {
                r.1 += net;
                r.2 += tax;
            }
            None => per_rate.push((rate, net, tax)),
        }
        doc_lines.push(InvoiceLine {
            order_number: None,
            description: description.to_string(),
            serial_number: (rate != 0).then(|| format!("C02{:05}X{:03}", next() % 100_000, i)),
            period: "2026-11-01 – 2026-11-30".into(),
            quantity: quantity.to_string(),
            net: eur(net),
            rate: format!("{rate} %"),
            tax: eur(tax),
            gross: eur(net + tax),
        });
    }
    per_rate.sort_by_key(|r| std::cmp::Reverse(r.0));
    let net: i64 = per_rate.iter().map(|r| r.1).sum();
    let tax: i64 = per_rate.iter().map(|r| r.2).sum();
    InvoiceDoc {
        tax_name: "VAT".into(),
        kind: InvoiceKind::Invoice,
        number: "NL-D1-2026-000042".into(),
        issue_date: "2026-11-01".into(),
        due_date: Some("2026-11-15".into()),
        corrects: None,
        seller: seller(),
        buyer: buyer(),
        references: vec![
            ("Customer".into(), "CUS-000187".into()),
            ("Billing group".into(), "West Bay office — all devices".into()),
            ("Your reference".into(), "PO 2026/7781".into()),
        ],
        lines: doc_lines,
        rate_totals: per_rate
            .iter()
            .map(|(rate, net, tax)| RateTotal {
                rate: format!("{rate} %"),
                net: eur(*net),
                tax: eur(*tax),
                gross: eur(net + tax),
            })
            .collect(),
        total_net: eur(net),
        total_tax: eur(tax),
        total_gross: eur(net + tax),
        amount_due: eur(net + tax),
        notes: vec![
            "Monthly rent is charged in advance for the service period shown under each device. Devices remain the property of FlexRent Amsterdam B.V.".into(),
        ],
        payment: vec![
            ("Bank".into(), "ING Bank N.V.".into()),
            ("IBAN".into(), "NL91 INGB 0001 2345 67".into()),
            ("BIC".into(), "INGBNL2A".into()),
            ("Payment reference".into(), "NL-D1-2026-000042".into()),
            ("Due date".into(), "2026-11-15".into()),
        ],
        footer: FOOTER.into(),
    }
}

/// A credit note for one returned device, with the reverse-charge statement.
pub fn credit_note() -> InvoiceDoc {
    let mut doc = invoice(0);
    doc.kind = InvoiceKind::CreditNote;
    doc.number = "NL-D1-2026-000057".into();
    doc.issue_date = "2026-11-20".into();
    doc.due_date = None;
    doc.corrects = Some("NL-D1-2026-000042 of 2026-11-01".into());
    doc.buyer = Party {
        name: "Société Générale de Café Økonomi".into(),
        address: vec![
            "Rue de l'Église 7".into(),
            "1000 Bruxelles".into(),
            "Belgium".into(),
        ],
        vat_id: Some("BE0123456749".into()),
        extra: vec![],
    };
    doc.lines = vec![InvoiceLine {
        order_number: None,
        description:
            "MacBook Air 13\" M3 8/256 Midnight — rent for days not used after early return".into(),
        serial_number: Some("C02XK1ABJG5J".into()),
        period: "2026-11-21 – 2026-11-30".into(),
        quantity: "1".into(),
        net: "-€26.33".into(),
        rate: "0 %".into(),
        tax: "€0.00".into(),
        gross: "-€26.33".into(),
    }];
    doc.rate_totals = vec![RateTotal {
        rate: "0 %".into(),
        net: "-€26.33".into(),
        tax: "€0.00".into(),
        gross: "-€26.33".into(),
    }];
    doc.total_net = "-€26.33".into();
    doc.total_tax = "€0.00".into();
    doc.total_gross = "-€26.33".into();
    doc.amount_due = "-€26.33".into();
    doc.notes = vec![
        "VAT reverse charged: the customer accounts for the VAT (Article 196, Council Directive 2006/112/EC).".into(),
    ];
    doc.payment = vec![
        ("Refund to".into(), "BE71 0961 2345 6769".into()),
        ("Reference".into(), "NL-D1-2026-000057".into()),
    ];
    doc
}

/// An order's rental contract for three devices.
pub fn contract() -> ContractDoc {
    ContractDoc {
        title: "Rental contract".into(),
        order_number: "NL-D1-2026-000311".into(),
        date: "2026-10-28".into(),
        seller: seller(),
        customer: buyer(),
        lines: vec![
            ContractLine {
                product: "MacBook Air 13\" M3 8/256 Midnight".into(),
                sku: "MBA13-M3-256-MID".into(),
                serial_numbers: vec!["C02XK1ABJG5J".into(), "C02XK1ABJG6K".into(), "C02XK1ABJG7L".into()],
                quantity: "3".into(),
                contract_months: "24".into(),
                monthly_price: "€59.00".into(),
                line_total: "€4,248.00".into(),
            },
            ContractLine {
                product: "Herman Miller Aeron, size B, café edition".into(),
                sku: "HM-AERON-B-CAFE".into(),
                serial_numbers: vec![],
                quantity: "2".into(),
                contract_months: "12".into(),
                monthly_price: "€69.90".into(),
                line_total: "€1,677.60".into(),
            },
            ContractLine {
                product: "VanMoof S5 e-bike".into(),
                sku: "VM-S5-DARK".into(),
                serial_numbers: vec!["ASY5-0098-2231".into()],
                quantity: "1".into(),
                contract_months: "36".into(),
                monthly_price: "€98.00".into(),
                line_total: "€3,528.00".into(),
            },
        ],
        totals: vec![
            ("Per month, excl. VAT".into(), "€414.80".into()),
            ("VAT 21 %".into(), "€87.11".into()),
            ("Per month, incl. VAT".into(), "€501.91".into()),
            ("Contract value, excl. VAT".into(), "€9,453.60".into()),
        ],
        price_note: "Prices exclude VAT; 21 % VAT is added on each invoice.".into(),
        notes: Some("Deliver to the second floor reception; ask for Ilse.".into()),
        terms: vec![
            "Early return: a device may be returned before the end of its contract. The early-return fee is the lower of three monthly payments and the payments still due; it is quoted before the return is confirmed.".into(),
            "Buyout: the customer may buy a device at any time for its list price less 60 % of the rent paid for it, but never for less than 10 % of the list price.".into(),
            "Late payment: a payment not received 14 days after its due date carries a late fee of €10.00; after 60 days the provider may end the contract and ask for the devices back.".into(),
            "Care of the devices: the customer keeps the devices in good condition, does not sublet them and reports loss, theft or damage within 48 hours.".into(),
            "Payment terms: monthly payments are due on the first day of each month of the contract, by SEPA direct debit or bank transfer to the account on the invoice.".into(),
        ],
        footer: FOOTER.into(),
    }
}

/// A buyout quote for one subscription.
pub fn quote() -> QuoteDoc {
    QuoteDoc {
        title: "Buyout quote".into(),
        date: "2026-11-20".into(),
        valid_until: "2026-12-04".into(),
        seller: seller(),
        customer: buyer(),
        facts: vec![
            ("Subscription".into(), "RNT-2026-000918".into()),
            ("Device".into(), "MacBook Air 13\" M3 8/256 Midnight".into()),
            ("Serial number".into(), "C02XK1ABJG5J".into()),
            ("Contract".into(), "24 months from 2025-12-01, €59.00 a month".into()),
            ("Months paid".into(), "12 of 24".into()),
        ],
        amounts: vec![
            ("List price".into(), "€1,299.00".into()),
            ("Less 60 % of rent paid (12 × €59.00)".into(), "-€424.80".into()),
            ("Buyout price (incl. 21 % VAT)".into(), "€874.20".into()),
        ],
        notes: vec![
            "The device becomes the customer's property once the buyout price is paid; the subscription ends on that day and no further monthly payments are due.".into(),
        ],
        footer: FOOTER.into(),
    }
}

/// `n` asset labels with serials of different shapes and lengths.
pub fn labels(n: usize) -> Vec<Label> {
    let products = [
        ("MacBook Air 13\" M3 8/256 Midnight", "MBA13-M3-256-MID"),
        (
            "Lenovo ThinkPad X1 Carbon Gen 12 (14\", Core Ultra 7, 32 GB, 1 TB)",
            "TP-X1C12-U7-32-1T",
        ),
        ("Herman Miller Aeron, café edition", "HM-AERON-B-CAFE"),
    ];
    (0..n)
        .map(|i| {
            let (name, sku) = products[i % products.len()];
            Label {
                serial_number: format!("C02XK{:04}JG5J", 1000 + i),
                product_name: name.into(),
                sku: sku.into(),
                owner: "FlexRent Amsterdam B.V.".into(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::eur;

    #[test]
    fn euros_are_grouped() {
        assert_eq!(eur(0), "€0.00");
        assert_eq!(eur(7_900), "€79.00");
        assert_eq!(eur(123_456_789), "€1,234,567.89");
        assert_eq!(eur(-2_633), "-€26.33");
    }
}
