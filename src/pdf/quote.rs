//! Buyout and early-return quotes (A4 portrait).

use super::layout::{Align, Sheet, Style, Table, LEFT, WIDTH};
use super::parts;
use super::QuoteDoc;
use crate::error::Result;

pub fn render(doc: &QuoteDoc) -> Result<Vec<u8>> {
    let mut sheet = Sheet::new(&doc.title, &doc.seller.name, &doc.title, &doc.footer);

    parts::head_with_parties(
        &mut sheet,
        &doc.title,
        &[("Date", &doc.date), ("Valid until", &doc.valid_until)],
        ("From", &doc.seller),
        ("Prepared for", &doc.customer),
    );

    if !doc.facts.is_empty() {
        let table = Table::new(
            LEFT,
            &[
                ("Detail", 58.0, Align::Left),
                ("Value", WIDTH - 58.0, Align::Left),
            ],
        );
        let cell = Style::regular(8.5);
        let rows = doc.facts.iter().map(|(label, value)| {
            vec![
                table.wrap(0, cell.muted(), label, 2),
                table.wrap(1, cell, value, 4),
            ]
        });
        sheet.table(&table, rows);
        sheet.y += 6.0;
    }

    if !doc.amounts.is_empty() {
        parts::amounts(&mut sheet, 100.0, &doc.amounts, true);
    }

    if !doc.notes.is_empty() {
        sheet.y += 6.0;
        parts::notes(&mut sheet, &doc.notes);
    }
    sheet.finish()
}
