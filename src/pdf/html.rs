//! The invoice as one self-contained HTML page: the same content as the PDF, for an on-screen
//! preview or for printing from a browser (the print stylesheet repeats the line table's header
//! on every page). All text is escaped.

use super::invoice::{
    amount_due_label, line_detail, tax_columns, title, total_tax_label, view, LINE_COLUMNS,
    RATE_COLUMNS,
};
use super::layout::Align;
use super::{InvoiceDoc, Party};
use std::fmt::Write;

const STYLE: &str = r#"
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #000; margin: 0; }
.top, .parties { display: flex; justify-content: space-between; gap: 10mm; }
.party { width: 92mm; text-align: left; }
.block { width: 72mm; }
.name { font-weight: bold; }
.seller .name { font-size: 12pt; }
.buyer .name { font-size: 10pt; }
.muted { color: #616161; }
.caption { font-size: 7pt; font-weight: bold; color: #616161; margin-bottom: 0.6mm; }
h1 { font-size: 18pt; margin: 0 0 1.5mm; text-align: right; }
.pairs { width: 100%; border-collapse: collapse; }
.pairs th { font-weight: normal; color: #616161; text-align: left; padding: 0; width: 30mm; vertical-align: top; }
.pairs td { padding: 0; }
.title .pairs td { text-align: right; font-weight: bold; white-space: nowrap; }
.corrects { text-align: right; margin-top: 1mm; }
.parties { margin-top: 8mm; }
table.lines { width: 100%; border-collapse: collapse; margin-top: 7mm; font-size: 8pt; }
table.lines th, table.rates th { text-align: left; background: #ededed; font-size: 7pt; color: #616161; padding: 1.3mm 1.2mm; border-bottom: 0.5pt solid #8c8c8c; }
table.lines td, table.rates td { padding: 1.3mm 1.2mm; border-bottom: 0.25pt solid #ccc; vertical-align: top; }
table.lines tr, .totals, .payment { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
.num, .lines .num, .rates .num { text-align: right; white-space: nowrap; }
.detail { font-size: 6.5pt; color: #616161; }
.totals { margin: 5mm 0 0 auto; width: 95mm; }
table.rates { width: 100%; border-collapse: collapse; font-size: 7.5pt; margin-bottom: 3mm; }
.sum { display: flex; justify-content: space-between; font-size: 9pt; line-height: 1.25; }
.due { display: flex; justify-content: space-between; background: #e6e6e6; font-weight: bold; font-size: 11pt; padding: 2mm; margin-top: 1.5mm; }
.notes { margin-top: 5mm; }
.notes p { margin: 0 0 1.2mm; }
.payment { margin-top: 4mm; }
.payment .pairs th { width: 42mm; }
footer { margin-top: 8mm; border-top: 0.4pt solid #999; padding-top: 2mm; font-size: 7pt; color: #616161; }
@media print { footer { display: none; } }
"#;

/// The page rules: A4 with the PDF's margins; the running head on the pages after the first, and
/// the footer and "Page N of M" on every page, in the page margins.
fn page_rules(head_left: &str, head_right: &str, footer: &str) -> String {
    let margin = "font-family: \"DejaVu Sans\", sans-serif; color: #616161;";
    format!(
        "@page {{ size: A4; margin: 25mm 18mm 19mm 18mm;
  @top-left {{ content: \"{}\"; {margin} font-size: 8pt; font-weight: bold; vertical-align: bottom; padding-bottom: 4mm; }}
  @top-right {{ content: \"{}\"; {margin} font-size: 8pt; vertical-align: bottom; padding-bottom: 4mm; }}
  @bottom-left {{ content: \"{}\"; {margin} font-size: 7pt; vertical-align: top; padding-top: 3.5mm; }}
  @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); {margin} font-size: 7pt; vertical-align: top; padding-top: 3.5mm; white-space: nowrap; }}
}}
@page :first {{ margin-top: 15mm; @top-left {{ content: none; }} @top-right {{ content: none; }} }}
",
        css_string(head_left),
        css_string(head_right),
        css_string(footer)
    )
}

/// Text as the inside of a CSS string: quotes and backslashes escaped, and `<`, `>`, `&` and
/// control characters as hex escapes, so nothing can close the style element.
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '<' | '>' | '&' => out.push_str(&format!("\\{:X} ", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\{:X} ", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(doc: &InvoiceDoc) -> String {
    let e = escape;
    let title = title(doc.kind);
    let mut h = String::with_capacity(512 + doc.lines.len() * 420);
    let heading = format!("{title} {}", doc.number);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}{STYLE}</style></head><body>\n",
        e(&heading),
        page_rules(&doc.seller.name, &heading, &doc.footer)
    );

    h.push_str("<div class=\"top\">");
    party(&mut h, "party seller", None, &doc.seller);
    h.push_str("<div class=\"block title\">");
    let _ = write!(h, "<h1>{}</h1>", e(title));
    let mut pairs = vec![
        ("Number".to_string(), doc.number.clone()),
        ("Issue date".to_string(), doc.issue_date.clone()),
    ];
    if let Some(due) = &doc.due_date {
        pairs.push(("Due date".to_string(), due.clone()));
    }
    pairs_table(&mut h, &pairs);
    if let Some(corrects) = &doc.corrects {
        let _ = write!(
            h,
            "<div class=\"corrects\">Corrects invoice {}</div>",
            e(corrects)
        );
    }
    h.push_str("</div></div>\n<div class=\"parties\">");
    party(&mut h, "party buyer", Some("Bill to"), &doc.buyer);
    h.push_str("<div class=\"block\">");
    if !doc.references.is_empty() {
        h.push_str("<div class=\"caption\">References</div>");
        pairs_table(&mut h, &doc.references);
    }
    h.push_str("</div></div>\n");

    h.push_str("<table class=\"lines\"><colgroup>");
    let line_columns = tax_columns(&LINE_COLUMNS, &doc.tax_name);
    for (_, width, _) in &line_columns {
        let _ = write!(h, "<col style=\"width:{width}mm\">");
    }
    h.push_str("</colgroup><thead><tr>");
    header_cells(&mut h, &view(&line_columns));
    h.push_str("</tr></thead><tbody>\n");
    for line in &doc.lines {
        let _ = write!(
            h,
            "<tr><td><div dir=\"auto\">{}</div>",
            e(&line.description)
        );
        let detail = line_detail(line);
        if !detail.is_empty() {
            let _ = write!(h, "<div class=\"detail\">{}</div>", e(&detail));
        }
        let _ = writeln!(
            h,
            "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            e(&line.quantity),
            e(&line.net),
            e(&line.rate),
            e(&line.tax),
            e(&line.gross)
        );
    }
    h.push_str("</tbody></table>\n<div class=\"totals\">");
    if !doc.rate_totals.is_empty() {
        h.push_str("<table class=\"rates\"><thead><tr>");
        header_cells(&mut h, &view(&tax_columns(&RATE_COLUMNS, &doc.tax_name)));
        h.push_str("</tr></thead><tbody>");
        for r in &doc.rate_totals {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e(&r.rate),
                e(&r.net),
                e(&r.tax),
                e(&r.gross)
            );
        }
        h.push_str("</tbody></table>");
    }
    let total_tax = total_tax_label(&doc.tax_name);
    for (label, value) in [
        ("Total net", &doc.total_net),
        (total_tax.as_str(), &doc.total_tax),
        ("Total gross", &doc.total_gross),
    ] {
        let _ = write!(
            h,
            "<div class=\"sum\"><span>{label}</span><span class=\"num\">{}</span></div>",
            e(value)
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"due\"><span>{}</span><span class=\"num\">{}</span></div></div>",
        amount_due_label(doc.kind),
        e(&doc.amount_due)
    );
    if !doc.notes.is_empty() {
        h.push_str("<div class=\"notes\">");
        for note in &doc.notes {
            let _ = write!(h, "<p dir=\"auto\">{}</p>", e(note));
        }
        h.push_str("</div>\n");
    }
    if !doc.payment.is_empty() {
        h.push_str("<div class=\"payment\"><div class=\"caption\">Payment details</div>");
        pairs_table(&mut h, &doc.payment);
        h.push_str("</div>\n");
    }
    let _ = write!(h, "<footer>{}</footer>\n</body></html>\n", e(&doc.footer));
    h
}

fn header_cells(h: &mut String, columns: &[(&str, f32, Align)]) {
    for (name, _, align) in columns {
        let class = if *align == Align::Right {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(h, "<th{class}>{}</th>", escape(name));
    }
}

fn pairs_table(h: &mut String, pairs: &[(String, String)]) {
    h.push_str("<table class=\"pairs\">");
    for (label, value) in pairs {
        let _ = write!(
            h,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        );
    }
    h.push_str("</table>");
}

fn party(h: &mut String, class: &str, caption: Option<&str>, p: &Party) {
    let _ = write!(h, "<div class=\"{class}\">");
    if let Some(c) = caption {
        let _ = write!(h, "<div class=\"caption\">{}</div>", escape(c));
    }
    let _ = write!(
        h,
        "<div class=\"name\" dir=\"auto\">{}</div>",
        escape(&p.name)
    );
    for line in &p.address {
        let _ = write!(h, "<div dir=\"auto\">{}</div>", escape(line));
    }
    if let Some(vat) = &p.vat_id {
        let _ = write!(h, "<div>VAT ID {}</div>", escape(vat));
    }
    for line in &p.extra {
        let _ = write!(h, "<div class=\"muted\">{}</div>", escape(line));
    }
    h.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b>\"A&B\"</b> 'x'"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;x&#39;"
        );
        let mut doc = super::super::sample::invoice(2);
        doc.buyer.name = "<script>alert(1)</script>".into();
        doc.lines[0].description = "Laptop & <dock>".into();
        let html = render(&doc);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Laptop &amp; &lt;dock&gt;"));
        assert!(html.contains("thead { display: table-header-group; }"));
        assert_eq!(html.matches("<tr><td><div dir=\"auto\">").count(), 2);
        assert_eq!(css_string(r#"a"b\c</style>"#), r#"a\"b\\c\3C /style\3E "#);
        doc.footer = "</style><script>x</script>".into();
        let html = render(&doc);
        assert!(!html.contains("</style><script>") && !html.contains("<script>"));
    }
}
