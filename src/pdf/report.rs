//! A report for the books (A4 portrait): the seller at the top left, the title block at the top
//! right, one table whose header repeats on every page, the totals under it, then notes.

use super::layout::{Align, Sheet, Style, Table, LEFT, TOP};
use super::parts;
use super::ReportDoc;
use crate::error::Result;

pub fn render(doc: &ReportDoc) -> Result<Vec<u8>> {
    let mut sheet = Sheet::new(&doc.title, &doc.seller.name, &doc.title, &doc.footer);
    if let Some(words) = &doc.page_of {
        sheet.page_of = words.clone();
    }
    let page = sheet.page();
    let pairs: Vec<(&str, &str)> = doc
        .facts
        .iter()
        .map(|(l, v)| (l.as_str(), v.as_str()))
        .collect();
    let right = parts::title_block(page, 110.0, 80.0, TOP, &doc.title, &pairs);
    let mut left = parts::party(page, LEFT, 80.0, TOP, None, &doc.seller, Style::bold(10.0));
    if let Some(to) = &doc.recipient {
        left = parts::party(page, LEFT, 90.0, left + 10.0, None, to, Style::bold(10.0));
    }
    sheet.y = right.max(left) + 8.0;
    if !doc.intro.is_empty() {
        parts::notes(&mut sheet, &doc.intro);
        sheet.y += 4.0;
    }
    let columns: Vec<(&str, f32, Align)> = doc
        .columns
        .iter()
        .map(|(t, w, right)| {
            (
                t.as_str(),
                *w,
                if *right { Align::Right } else { Align::Left },
            )
        })
        .collect();
    let table = Table::new(LEFT, &columns);
    let cell = Style::regular(8.5);
    let rows = doc.rows.iter().map(|r| {
        r.iter()
            .enumerate()
            .map(|(i, text)| {
                if doc.columns[i].2 {
                    vec![table.fit(i, cell, text)]
                } else {
                    table.wrap(i, cell, text, 3)
                }
            })
            .collect()
    });
    sheet.table(&table, rows);
    sheet.y += 6.0;
    if !doc.totals.is_empty() {
        parts::amounts(&mut sheet, 100.0, &doc.totals, true);
    }
    if !doc.notes.is_empty() {
        sheet.y += 6.0;
        parts::notes(&mut sheet, &doc.notes);
    }
    sheet.finish()
}
