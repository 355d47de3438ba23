//! Invoices and credit notes (A4 portrait).

use super::layout::{Align, Cell, Sheet, Style, Table, LEFT, RIGHT, TOP, WIDTH};
use super::parts::{self, BODY};
use super::{InvoiceDoc, InvoiceKind, InvoiceLine};
use crate::error::Result;

pub(crate) fn title(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Invoice => "Invoice",
        InvoiceKind::CreditNote => "Credit note",
    }
}

pub(crate) fn amount_due_label(kind: InvoiceKind) -> &'static str {
    match kind {
        InvoiceKind::Invoice => "Amount due",
        InvoiceKind::CreditNote => "Amount credited",
    }
}

/// The line under a line's description: serial number, order and service period.
pub(crate) fn line_detail(line: &InvoiceLine) -> String {
    let mut parts = Vec::new();
    if let Some(order) = line.order_number.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("Order {order}"));
    }
    if let Some(serial) = line.serial_number.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("S/N {serial}"));
    }
    if !line.period.is_empty() {
        parts.push(line.period.clone());
    }
    parts.join(" · ")
}

/// The column set of the line table: title, width in millimetres, alignment.
pub(crate) const LINE_COLUMNS: [(&str, f32, Align); 6] = [
    ("Description", 80.0, Align::Left),
    ("Qty", 10.0, Align::Right),
    ("Net", 22.0, Align::Right),
    ("VAT %", 13.0, Align::Right),
    ("VAT", 22.0, Align::Right),
    ("Gross", 27.0, Align::Right),
];

pub(crate) const RATE_COLUMNS: [(&str, f32, Align); 4] = [
    ("VAT rate", 18.0, Align::Left),
    ("Net", 26.0, Align::Right),
    ("VAT", 24.0, Align::Right),
    ("Gross", 27.0, Align::Right),
];

/// A column set with the tax named as the seller names it: the word itself where it is short
/// ("VAT", "GST"), "Tax" otherwise ("Tax %" for a US seller's sales tax).
pub(crate) fn tax_columns<const N: usize>(
    columns: &[(&str, f32, Align); N],
    tax_name: &str,
) -> Vec<(String, f32, Align)> {
    let short = if tax_name.len() <= 3 { tax_name } else { "Tax" };
    columns
        .iter()
        .map(|(t, w, a)| (t.replace("VAT", short), *w, *a))
        .collect()
}

/// "Total VAT", "Total sales tax".
pub(crate) fn total_tax_label(tax_name: &str) -> String {
    if tax_name.len() <= 3 {
        format!("Total {tax_name}")
    } else {
        format!("Total {}", tax_name.to_lowercase())
    }
}

/// Borrowed view of [`tax_columns`] as the table takes it.
pub(crate) fn view(columns: &[(String, f32, Align)]) -> Vec<(&str, f32, Align)> {
    columns
        .iter()
        .map(|(t, w, a)| (t.as_str(), *w, *a))
        .collect()
}

pub fn render(doc: &InvoiceDoc) -> Result<Vec<u8>> {
    let title = title(doc.kind);
    let heading = format!("{title} {}", doc.number);
    let mut sheet = Sheet::new(&heading, &doc.seller.name, &heading, &doc.footer);
    header(&mut sheet, doc, title);

    let cell = Style::regular(8.0);
    let detail = Style::regular(6.5).muted();
    let columns = tax_columns(&LINE_COLUMNS, &doc.tax_name);
    let table = Table::new(LEFT, &view(&columns));
    let rows = doc.lines.iter().map(|line| {
        let mut description: Cell = table.wrap(0, cell, &line.description, 4);
        let more = line_detail(line);
        if !more.is_empty() {
            description.extend(table.wrap(0, detail, &more, 2));
        }
        vec![
            description,
            vec![table.fit(1, cell, &line.quantity)],
            vec![table.fit(2, cell, &line.net)],
            vec![table.fit(3, cell, &line.rate)],
            vec![table.fit(4, cell, &line.tax)],
            vec![table.fit(5, cell, &line.gross)],
        ]
    });
    sheet.table(&table, rows);
    sheet.y += 5.0;

    totals(&mut sheet, doc);

    if !doc.notes.is_empty() {
        sheet.y += 5.0;
        parts::notes(&mut sheet, &doc.notes);
    }
    if !doc.payment.is_empty() {
        sheet.y += 4.0;
        let label_w = 42.0;
        let h = parts::CAPTION.line_height()
            + 0.6
            + Sheet::pairs_height(&doc.payment, WIDTH, label_w, BODY);
        sheet.ensure(h);
        let top = sheet.y;
        sheet.y = parts::caption(sheet.page(), LEFT, WIDTH, top, "Payment details");
        sheet.pairs(LEFT, WIDTH, label_w, BODY, &doc.payment);
    }
    sheet.finish()
}

/// The first page's header: seller top-left, title and numbers top-right, then the buyer and the
/// references.
fn header(sheet: &mut Sheet, doc: &InvoiceDoc, title: &str) {
    let page = sheet.page();
    let left_w = 92.0;
    let seller_bottom = parts::party(
        page,
        LEFT,
        left_w,
        TOP,
        None,
        &doc.seller,
        Style::bold(12.0),
    );

    let block_w = 72.0;
    let mut pairs: Vec<(&str, &str)> =
        vec![("Number", &doc.number), ("Issue date", &doc.issue_date)];
    if let Some(due) = &doc.due_date {
        pairs.push(("Due date", due));
    }
    let right_bottom = parts::title_block(page, block_w, block_w, TOP, title, &pairs);
    let mut header_bottom = seller_bottom.max(right_bottom);
    if let Some(corrects) = &doc.corrects {
        header_bottom = page.lines(
            LEFT,
            WIDTH,
            header_bottom + 2.0,
            Style::bold(9.0),
            Align::Right,
            2,
            &format!("Corrects invoice {corrects}"),
        );
    }

    let top = header_bottom + 8.0;
    let buyer_bottom = parts::party(
        page,
        LEFT,
        left_w,
        top,
        Some("Bill to"),
        &doc.buyer,
        Style::bold(10.0),
    );
    let mut refs_bottom = top;
    if !doc.references.is_empty() {
        let x = RIGHT - block_w;
        let y = parts::caption(page, x, block_w, top, "References");
        refs_bottom = page.pairs(x, block_w, 30.0, y, BODY, &doc.references);
    }
    sheet.y = buyer_bottom.max(refs_bottom) + 7.0;
}

/// Totals per tax rate, the three totals and the amount due, kept together: on a new page (with
/// its running head) when they do not fit under the last line.
fn totals(sheet: &mut Sheet, doc: &InvoiceDoc) {
    let columns = tax_columns(&RATE_COLUMNS, &doc.tax_name);
    let rates = Table::new(RIGHT - 95.0, &view(&columns));
    let cell = Style::regular(7.5);
    let rows: Vec<Vec<Cell>> = doc
        .rate_totals
        .iter()
        .map(|r| {
            vec![
                vec![rates.fit(0, cell, &r.rate)],
                vec![rates.fit(1, cell, &r.net)],
                vec![rates.fit(2, cell, &r.tax)],
                vec![rates.fit(3, cell, &r.gross)],
            ]
        })
        .collect();
    let sums = [
        ("Total net".to_string(), doc.total_net.clone()),
        (total_tax_label(&doc.tax_name), doc.total_tax.clone()),
        ("Total gross".to_string(), doc.total_gross.clone()),
        (
            amount_due_label(doc.kind).to_string(),
            doc.amount_due.clone(),
        ),
    ];
    let rates_h = if rows.is_empty() {
        0.0
    } else {
        rates.header_height() + rows.iter().map(|r| rates.row_height(r)).sum::<f32>() + 3.0
    };
    let sums_h = 3.0 * Style::regular(9.0).line_height() + 10.5;
    sheet.ensure(rates_h + sums_h);
    if !rows.is_empty() {
        sheet.table(&rates, rows);
        sheet.y += 3.0;
    }
    parts::amounts(sheet, 95.0, &sums, true);
}
