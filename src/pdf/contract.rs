//! An order's rental contract (A4 portrait).

use super::layout::{Align, Cell, Sheet, Style, Table, LEFT, RIGHT, WIDTH};
use super::parts::{self, BODY};
use super::ContractDoc;
use crate::error::Result;

const COLUMNS: [(&str, f32, Align); 7] = [
    ("Product", 42.0, Align::Left),
    ("SKU", 29.0, Align::Left),
    ("Serial numbers", 36.0, Align::Left),
    ("Qty", 10.0, Align::Right),
    ("Months", 13.0, Align::Right),
    ("Monthly", 21.0, Align::Right),
    ("Contract", 23.0, Align::Right),
];

pub fn render(doc: &ContractDoc) -> Result<Vec<u8>> {
    let heading = format!("{} {}", doc.title, doc.order_number);
    let mut sheet = Sheet::new(&heading, &doc.seller.name, &heading, &doc.footer);

    parts::head_with_parties(
        &mut sheet,
        &doc.title,
        &[("Order", &doc.order_number), ("Date", &doc.date)],
        ("Provider", &doc.seller),
        ("Customer", &doc.customer),
    );

    let cell = Style::regular(8.0);
    let small = Style::regular(7.0);
    let table = Table::new(LEFT, &COLUMNS);
    let rows = doc.lines.iter().map(|line| {
        let serials: Cell = if line.serial_numbers.is_empty() {
            vec![table.fit(2, small.muted(), "assigned on delivery")]
        } else {
            table.wrap(2, small, &line.serial_numbers.join(", "), usize::MAX)
        };
        vec![
            table.wrap(0, cell, &line.product, 4),
            table.wrap(1, small, &line.sku, 2),
            serials,
            vec![table.fit(3, cell, &line.quantity)],
            vec![table.fit(4, cell, &line.contract_months)],
            vec![table.fit(5, cell, &line.monthly_price)],
            vec![table.fit(6, cell, &line.line_total)],
        ]
    });
    sheet.table(&table, rows);
    sheet.y += 5.0;
    parts::amounts(&mut sheet, 95.0, &doc.totals, true);
    if !doc.price_note.is_empty() {
        sheet.y += 2.0;
        parts::notes(&mut sheet, std::slice::from_ref(&doc.price_note));
    }
    if let Some(notes) = doc.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        sheet.y += 5.0;
        sheet.ensure(parts::CAPTION.line_height() + 2.0 * BODY.line_height());
        let top = sheet.y;
        sheet.y = parts::caption(sheet.page(), LEFT, WIDTH, top, "Notes");
        sheet.paragraph(LEFT, WIDTH, BODY, notes);
    }

    if !doc.terms.is_empty() {
        sheet.y += 7.0;
        sheet.ensure(parts::CAPTION.line_height() + 3.0 * BODY.line_height());
        let top = sheet.y;
        sheet.y = parts::caption(sheet.page(), LEFT, WIDTH, top, "Terms");
        for (i, term) in doc.terms.iter().enumerate() {
            sheet.numbered(LEFT, WIDTH, 7.0, BODY, &format!("{}.", i + 1), term);
            sheet.y += 1.5;
        }
    }

    signatures(&mut sheet, doc);
    sheet.finish()
}

/// Signature lines for both parties, side by side and kept together.
fn signatures(sheet: &mut Sheet, doc: &ContractDoc) {
    let h = 36.0;
    sheet.y += 8.0;
    sheet.ensure(h);
    let top = sheet.y;
    let w = WIDTH / 2.0 - 8.0;
    let page = sheet.page();
    for (x, caption, name) in [
        (LEFT, "For the provider", &doc.seller.name),
        (RIGHT - w, "For the customer", &doc.customer.name),
    ] {
        let y = parts::caption(page, x, w, top, caption);
        page.lines(x, w, y, Style::bold(9.0), Align::Left, 2, name);
        let line_y = top + 26.0;
        page.rule(x, x + w, line_y, 0.6, 0.2);
        let small = Style::regular(7.0).muted();
        page.text(
            x,
            w / 2.0,
            line_y + 1.0 + small.ascent(),
            small,
            Align::Left,
            "Place and date",
        );
        page.text(
            x + w / 2.0,
            w / 2.0,
            line_y + 1.0 + small.ascent(),
            small,
            Align::Right,
            "Signature",
        );
    }
    sheet.y = top + h;
}
