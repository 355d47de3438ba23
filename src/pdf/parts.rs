//! Pieces the A4 documents share: a party's address block, the title block in the top-right
//! corner, captions, and the column of amounts that ends with the emphasised total.

use super::layout::{fit_down_to, Align, Page, Sheet, Style, LEFT, RIGHT, TOP, WIDTH};
use super::Party;

/// Body text of the documents.
pub const BODY: Style = Style::regular(8.5);
/// Small captions above blocks ("Bill to", "Payment details").
pub const CAPTION: Style = Style::bold(7.0).muted();

/// A caption line at `top`; returns the y below it.
pub fn caption(page: &mut Page, x: f32, w: f32, top: f32, text: &str) -> f32 {
    page.text(x, w, top + CAPTION.ascent(), CAPTION, Align::Left, text);
    top + CAPTION.line_height() + 0.6
}

/// A party: optional caption, the name (up to two lines in `name`), the address lines, the VAT ID
/// and the further lines in grey. Returns the y below the block.
pub fn party(
    page: &mut Page,
    x: f32,
    w: f32,
    top: f32,
    caption_text: Option<&str>,
    party: &Party,
    name: Style,
) -> f32 {
    let mut y = top;
    if let Some(c) = caption_text {
        y = caption(page, x, w, y, c);
    }
    y = page.lines(x, w, y, name, Align::Left, 2, &party.name);
    y += 0.4;
    for line in &party.address {
        y = page.lines(x, w, y, BODY, Align::Left, 2, line);
    }
    if let Some(vat) = &party.vat_id {
        y = page.lines(x, w, y, BODY, Align::Left, 1, &format!("VAT ID {vat}"));
    }
    for line in &party.extra {
        y = page.lines(x, w, y, BODY.muted(), Align::Left, 2, line);
    }
    y
}

/// The title block of the top-right corner: the title large and right-aligned within `title_w`,
/// then label and value lines in a block `w` wide, values right-aligned. Returns the y below it.
pub fn title_block(
    page: &mut Page,
    title_w: f32,
    w: f32,
    top: f32,
    title: &str,
    pairs: &[(&str, &str)],
) -> f32 {
    let title_style = Style::bold(18.0);
    page.text(
        RIGHT - title_w,
        title_w,
        top + title_style.ascent(),
        title_style,
        Align::Right,
        title,
    );
    let mut y = top + title_style.line_height() + 1.5;
    let x = RIGHT - w;
    let label_w = 30.0;
    for (label, value) in pairs {
        let baseline = y + BODY.ascent();
        page.text(x, label_w, baseline, BODY.muted(), Align::Left, label);
        page.text(
            x + label_w,
            w - label_w,
            baseline,
            Style::bold(8.5),
            Align::Right,
            value,
        );
        y += BODY.line_height();
    }
    y
}

/// The first page's head of a contract or quote: the title across the page with its label and
/// value lines, then the two parties side by side, each under its caption. Sets the sheet's `y`
/// below them.
pub fn head_with_parties(
    sheet: &mut Sheet,
    title: &str,
    pairs: &[(&str, &str)],
    left: (&str, &Party),
    right: (&str, &Party),
) {
    let page = sheet.page();
    let top = title_block(page, WIDTH, 72.0, TOP, title, pairs) + 7.0;
    let half = WIDTH / 2.0 - 4.0;
    let name = Style::bold(10.0);
    let a = party(page, LEFT, half, top, Some(left.0), left.1, name);
    let b = party(page, RIGHT - half, half, top, Some(right.0), right.1, name);
    sheet.y = a.max(b) + 7.0;
}

/// Sentences printed one under another across the page (notes, statements).
pub fn notes(sheet: &mut Sheet, notes: &[String]) {
    for note in notes {
        sheet.paragraph(LEFT, WIDTH, BODY, note);
        sheet.y += 1.2;
    }
}

/// Label and amount rows in the right part of the page (`w` wide), the last one emphasised on a
/// shaded bar when `emphasise_last`. Kept together on one page; advances the sheet's `y`.
pub fn amounts(sheet: &mut Sheet, w: f32, rows: &[(String, String)], emphasise_last: bool) {
    let normal = Style::regular(9.0);
    let bar_h = 9.0;
    let (plain, last) = match rows.split_last() {
        Some((last, plain)) if emphasise_last => (plain, Some(last)),
        _ => (rows, None),
    };
    let h =
        plain.len() as f32 * normal.line_height() + if last.is_some() { bar_h + 1.5 } else { 0.0 };
    sheet.ensure(h);
    let x = RIGHT - w;
    for (label, amount) in plain {
        let baseline = sheet.y + normal.ascent();
        amount_row(sheet.page(), x, w, baseline, normal, label, amount);
        sheet.y += normal.line_height();
    }
    if let Some((label, amount)) = last {
        sheet.y += 1.5;
        let top = sheet.y;
        let page = sheet.page();
        page.fill(x, top, w, bar_h, 0.9);
        let style = Style::bold(11.0);
        let baseline = top + bar_h / 2.0 + style.size * 0.3528 * 0.36;
        amount_row(page, x + 2.0, w - 4.0, baseline, style, label, amount);
        sheet.y += bar_h;
    }
}

/// A label on the left and its amount right-aligned, the amount never shortened: the label gives
/// way.
fn amount_row(
    page: &mut Page,
    x: f32,
    w: f32,
    baseline: f32,
    style: Style,
    label: &str,
    amount: &str,
) {
    let value = fit_down_to(amount, style, w * 0.6, 5.0);
    let label_w = w - value.width() - 3.0;
    page.text(x, label_w, baseline, style, Align::Left, label);
    page.put_in(x, w, baseline, Align::Right, value);
}
