//! Printed documents read back with poppler (`pdftotext`, `pdfinfo`, `pdffonts`) and the label
//! codes decoded with `zbarimg`. Set `FLEXDESK_PDF_DIR` to keep the rendered files.

use flexdesk::pdf::{self, sample, LabelStock};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temp dir for the files, or `FLEXDESK_PDF_DIR` when set.
struct Out {
    dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Out {
    fn new() -> Out {
        match std::env::var_os("FLEXDESK_PDF_DIR") {
            Some(d) => {
                std::fs::create_dir_all(&d).unwrap();
                Out {
                    dir: d.into(),
                    _tmp: None,
                }
            }
            None => {
                let t = tempfile::tempdir().unwrap();
                Out {
                    dir: t.path().to_path_buf(),
                    _tmp: Some(t),
                }
            }
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

/// Run an installed tool; a missing tool fails the test and says what to install.
fn run(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            let package = if tool == "zbarimg" {
                "zbar-tools"
            } else {
                "poppler-utils"
            };
            panic!("{tool} could not be run ({e}): install the Debian package {package}")
        });
    assert!(
        out.status.success() || tool == "zbarimg",
        "{tool} {args:?} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The text of each page, laid out (`pdftotext -layout`), pages split at form feeds.
fn pages(file: &Path) -> Vec<String> {
    let text = run("pdftotext", &["-layout", "-enc", "UTF-8"], file);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn info(file: &Path, key: &str) -> String {
    let out = run("pdfinfo", &[], file);
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("pdfinfo has no {key}: {out}"))
        .trim()
        .to_string()
}

/// Every font is embedded and none is one of the 14 standard fonts; returns the font names.
fn assert_fonts_embedded(file: &Path) -> Vec<String> {
    let out = run("pdffonts", &[], file);
    let rows: Vec<&str> = out.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {out}");
    let mut names = Vec::new();
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [type2] encoding emb sub uni object ID
        let n = cols.len();
        assert!(n >= 7, "{row}");
        let (emb, sub, uni) = (cols[n - 5], cols[n - 4], cols[n - 3]);
        assert_eq!(emb, "yes", "font not embedded: {row}");
        assert_eq!(sub, "yes", "font not subset: {row}");
        assert_eq!(uni, "yes", "font without ToUnicode: {row}");
        assert!(row.contains("CID TrueType"), "{row}");
        assert!(
            !["Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats"]
                .iter()
                .any(|b| cols[0].contains(b)),
            "a standard font is used: {row}"
        );
        names.push(cols[0].to_string());
    }
    names
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_tax_is_named_as_the_seller_names_it() {
    let out = Out::new();
    let mut doc = sample::invoice(1);
    doc.tax_name = "Sales tax".into();
    let file = out.write("invoice-us.pdf", &pdf::invoice(&doc).unwrap());
    let flat = squash(&pages(&file).remove(0));
    assert!(flat.contains("Qty Net Tax % Tax Gross"), "{flat}");
    assert!(flat.contains("Total sales tax"), "{flat}");
    assert!(
        !flat.contains("VAT %") && !flat.contains("Total VAT"),
        "{flat}"
    );
    let html = pdf::invoice_html(&doc);
    assert!(
        html.contains("Total sales tax") && html.contains(">Tax %<"),
        "{html}"
    );
}

#[test]
fn a_one_line_invoice_reads_back_with_its_names_amounts_and_fonts() {
    let out = Out::new();
    let doc = sample::invoice(1);
    let bytes = pdf::invoice(&doc).unwrap();
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    let file = out.write("invoice-1.pdf", &bytes);
    assert_eq!(info(&file, "Pages"), "1");
    assert!(info(&file, "Page size").starts_with("595.276 x 841.89 pts"));
    let fonts = assert_fonts_embedded(&file);
    assert!(
        fonts.iter().any(|f| f.ends_with("+DejaVuSans")),
        "{fonts:?}"
    );
    assert!(
        fonts.iter().any(|f| f.ends_with("+DejaVuSans-Bold")),
        "{fonts:?}"
    );

    let text = pages(&file).remove(0);
    let flat = squash(&text);
    for expected in [
        "FlexRent Amsterdam B.V.",
        "Invoice",
        "NL-D1-2026-000042",
        "Issue date 2026-11-01",
        "Due date 2026-11-15",
        "Bill to",
        "Doha Tech W.L.L.",
        "Attn. Łukasz Müller-Sørensen",
        "VAT ID QA300712458900003",
        "Customer CUS-000187",
        "Your reference PO 2026/7781",
        "Description Qty Net VAT % VAT Gross",
        "Total net",
        "Total VAT",
        "Total gross",
        "Amount due",
        "Payment details",
        "IBAN NL91 INGB 0001 2345 67",
        "Page 1 of 1",
        "VAT NL859123456B01",
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let line = &doc.lines[0];
    assert!(flat.contains(&line.description[..20]), "{text}");
    assert!(flat.contains(&format!("S/N {}", line.serial_number.as_ref().unwrap())));
    assert!(flat.contains("2026-11-01 – 2026-11-30"));
    // The line's amounts in one row, in column order.
    let row = format!("{} {} {} {}", line.net, line.rate, line.tax, line.gross);
    assert!(flat.contains(&row), "{row:?} missing from:\n{text}");
    assert!(line.gross.starts_with('€'));
    assert!(flat.contains(&format!("Amount due {}", doc.amount_due)));
    // The Arabic name: poppler reads the shaped glyphs back as the name's letters, in order.
    assert!(
        text.contains("شركة الدوحة للتقنية"),
        "Arabic name missing from:\n{text}"
    );
}

#[test]
fn a_500_line_invoice_repeats_its_header_and_numbers_every_page() {
    let out = Out::new();
    let doc = sample::invoice(500);
    let bytes = pdf::invoice(&doc).unwrap();
    let file = out.write("invoice-500.pdf", &bytes);
    let n: usize = info(&file, "Pages").parse().unwrap();
    assert_eq!(n, 23, "page count");
    assert_fonts_embedded(&file);
    let pages = pages(&file);
    assert_eq!(pages.len(), n);
    // The page of the last line; after it only totals, notes and payment details may follow.
    let last_serial = doc
        .lines
        .iter()
        .rev()
        .find_map(|l| l.serial_number.clone())
        .unwrap();
    let last_rows = pages.iter().position(|p| p.contains(&last_serial)).unwrap();
    for (i, page) in pages.iter().enumerate() {
        let flat = squash(page);
        if i <= last_rows {
            assert!(
                flat.contains("Description Qty Net VAT % VAT Gross"),
                "no header row on page {}:\n{page}",
                i + 1
            );
        }
        assert!(
            flat.contains(&format!("Page {} of {n}", i + 1)),
            "page {}",
            i + 1
        );
        assert!(
            flat.contains(
                "FlexRent Amsterdam B.V. · Herengracht 182, 1016 BR Amsterdam · VAT NL859123456B01"
            ),
            "footer on page {}",
            i + 1
        );
        if i > 0 {
            assert!(
                flat.starts_with("FlexRent Amsterdam B.V. Invoice NL-D1-2026-000042"),
                "running head on page {}: {}",
                i + 1,
                &flat[..80.min(flat.len())]
            );
        }
    }
    // Every line is there once, in order.
    let all = pages.join("\n");
    let mut from = 0;
    for line in &doc.lines {
        if let Some(serial) = &line.serial_number {
            let at = all[from..]
                .find(serial.as_str())
                .unwrap_or_else(|| panic!("{serial} missing or out of order"));
            from += at + serial.len();
            assert_eq!(all.matches(serial.as_str()).count(), 1, "{serial}");
        }
    }
    // The totals are kept together on one page, after the last line.
    let totals = pages
        .iter()
        .position(|p| p.contains("Total gross"))
        .expect("totals");
    assert!(totals >= last_rows);
    let page = squash(&pages[totals]);
    for expected in [
        format!("21 % {}", doc.rate_totals[0].net),
        format!("Total net {}", doc.total_net),
        format!("Total VAT {}", doc.total_tax),
        format!("Total gross {}", doc.total_gross),
        format!("Amount due {}", doc.amount_due),
    ] {
        assert!(
            page.contains(&expected),
            "{expected:?} missing from the totals page:\n{page}"
        );
    }
    assert!(squash(&pages[n - 1]).contains("IBAN NL91 INGB 0001 2345 67"));
    assert!(bytes.len() < 600_000, "{} bytes", bytes.len());
}

#[test]
fn a_credit_note_names_the_invoice_it_corrects() {
    let out = Out::new();
    let doc = sample::credit_note();
    let file = out.write("credit-note.pdf", &pdf::invoice(&doc).unwrap());
    assert_fonts_embedded(&file);
    let flat = squash(&pages(&file).join("\n"));
    for expected in [
        "Credit note",
        "NL-D1-2026-000057",
        "Corrects invoice NL-D1-2026-000042 of 2026-11-01",
        "Société Générale de Café Økonomi",
        "Rue de l'Église 7",
        "Amount credited -€26.33",
        "VAT reverse charged: the customer accounts for the VAT (Article 196, Council Directive 2006/112/EC).",
        "Refund to BE71 0961 2345 6769",
        "Page 1 of 1",
    ] {
        assert!(flat.contains(expected), "{expected:?} missing from:\n{flat}");
    }
    assert!(!flat.contains("Due date"));
}

#[test]
fn a_contract_and_a_quote_read_back() {
    let out = Out::new();
    let doc = sample::contract();
    let file = out.write("contract.pdf", &pdf::contract(&doc).unwrap());
    assert_fonts_embedded(&file);
    let contract_pages = pages(&file);
    let n = contract_pages.len();
    let flat = squash(&contract_pages.join("\n"));
    for expected in [
        "Rental contract",
        "Order NL-D1-2026-000311",
        "Provider",
        "Customer",
        "Product SKU Serial numbers Qty Months Monthly Contract",
        "C02XK1ABJG6K",
        "assigned on delivery",
        "€4,248.00",
        "Per month, excl. VAT €414.80",
        "VAT 21 % €87.11",
        "Contract value, excl. VAT €9,453.60",
        "Prices exclude VAT",
        "Notes Deliver to the second floor reception",
        "Terms",
        "1. Early return",
        "5. Payment terms",
        "For the provider",
        "For the customer",
        "Place and date",
        "Signature",
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} missing from:\n{flat}"
        );
    }
    assert!(flat.contains(&format!("Page {n} of {n}")));

    // A long contract continues over pages, the device table's header repeated on each.
    let mut big = sample::contract();
    big.lines = big.lines.iter().cycle().take(45).cloned().collect();
    big.lines[7].serial_numbers = (0..120).map(|i| format!("LOT7-{i:04}")).collect();
    let file = out.write("contract-long.pdf", &pdf::contract(&big).unwrap());
    let long_pages = pages(&file);
    let n = long_pages.len();
    assert!(n >= 3, "{n} pages");
    let last_serial = long_pages
        .iter()
        .rposition(|p| p.contains("VM-S5-DARK"))
        .unwrap();
    for (i, page) in long_pages.iter().enumerate() {
        let flat = squash(page);
        if i <= last_serial {
            assert!(
                flat.contains("Product SKU Serial numbers Qty Months Monthly Contract"),
                "page {}",
                i + 1
            );
        }
        assert!(flat.contains(&format!("Page {} of {n}", i + 1)));
    }
    let all = squash(&long_pages.join("\n"));
    for i in 0..120 {
        assert_eq!(
            all.matches(&format!("LOT7-{i:04}")).count(),
            1,
            "serial {i} printed once"
        );
    }

    let doc = sample::quote();
    let file = out.write("quote.pdf", &pdf::quote(&doc).unwrap());
    assert_fonts_embedded(&file);
    let flat = squash(&pages(&file).join("\n"));
    for expected in [
        "Buyout quote",
        "Valid until 2026-12-04",
        "Prepared for",
        "Serial number C02XK1ABJG5J",
        "Months paid 12 of 24",
        "List price €1,299.00",
        "Buyout price (incl. 21 % VAT) €874.20",
        "Page 1 of 1",
    ] {
        assert!(
            flat.contains(expected),
            "{expected:?} missing from:\n{flat}"
        );
    }
}

/// pdfinfo's "Page size" in points.
fn page_size(file: &Path) -> (f64, f64) {
    let s = info(file, "Page size");
    let v: Vec<f64> = s
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (v[0], v[1])
}

fn mm(pt: f64) -> f64 {
    pt * 25.4 / 72.0
}

#[test]
fn labels_come_on_their_stock_sizes() {
    let out = Out::new();
    let labels = sample::labels(30);
    for (stock, name, pages, size) in [
        (LabelStock::Roll62x29, "labels-62x29.pdf", 30, (62.0, 29.0)),
        (
            LabelStock::Roll102x51,
            "labels-102x51.pdf",
            30,
            (102.0, 51.0),
        ),
        (LabelStock::A4Sheet3x8, "labels-a4.pdf", 2, (210.0, 297.0)),
    ] {
        let file = out.write(name, &pdf::labels(&labels, stock).unwrap());
        assert_eq!(info(&file, "Pages"), pages.to_string(), "{name}");
        let (w, h) = page_size(&file);
        assert!(
            (mm(w) - size.0).abs() < 0.01 && (mm(h) - size.1).abs() < 0.01,
            "{name}: {w} x {h} pt"
        );
        assert_fonts_embedded(&file);
        let text = pages_text(&file);
        for label in &labels {
            assert!(
                text.contains(&label.serial_number),
                "{name}: {}",
                label.serial_number
            );
        }
        assert!(text.contains("MBA13-M3-256-MID") && text.contains("FlexRent Amsterdam"));
    }
    // 62 × 29 mm is 175.748 × 82.2047 pt.
    let file = out.write(
        "one-62x29.pdf",
        &pdf::labels(&labels[..1], LabelStock::Roll62x29).unwrap(),
    );
    assert_eq!(info(&file, "Page size"), "175.748 x 82.2047 pts");
    // The A4 sheet: 24 on the first page, 6 on the second.
    let file = out.dir.join("labels-a4.pdf");
    let sheets = pages(&file);
    assert_eq!(sheets[0].matches("C02XK").count(), 24);
    assert_eq!(sheets[1].matches("C02XK").count(), 6);
    assert!(pdf::labels(&[], LabelStock::Roll62x29).is_err());
}

fn pages_text(file: &Path) -> String {
    pages(file).join("\n")
}

/// Rasterise the label at 300 dpi, as a label printer would, and decode both codes.
#[test]
fn label_barcodes_and_qr_codes_scan_back_to_the_serial() {
    let out = Out::new();
    let mut labels = sample::labels(1);
    labels[0].serial_number = "C02XK1ABJG5J".into();
    let long = "SN-2026-ABCDEFGH-0123456789".to_string();
    let mut long_label = labels[0].clone();
    long_label.serial_number = long.clone();
    for (stock, label, name) in [
        (LabelStock::Roll62x29, &labels[0], "scan-62x29"),
        (LabelStock::Roll62x29, &long_label, "scan-62x29-long"),
        (LabelStock::Roll102x51, &labels[0], "scan-102x51"),
        (LabelStock::A4Sheet3x8, &long_label, "scan-a4"),
    ] {
        let file = out.write(
            &format!("{name}.pdf"),
            &pdf::labels(std::slice::from_ref(label), stock).unwrap(),
        );
        let prefix = out.dir.join(name);
        // On the A4 sheet, only the first label (70 × 37 mm at 300 dpi).
        let crop: &[&str] = if stock == LabelStock::A4Sheet3x8 {
            &["-x", "0", "-y", "0", "-W", "827", "-H", "443"]
        } else {
            &[]
        };
        let status = Command::new("pdftoppm")
            .args(["-r", "300", "-png", "-singlefile"])
            .args(crop)
            .arg(&file)
            .arg(&prefix)
            .status()
            .expect("pdftoppm could not be run: install the Debian package poppler-utils");
        assert!(status.success());
        let png = prefix.with_extension("png");
        let decoded = run("zbarimg", &["-q"], &png);
        let mut found: Vec<&str> = decoded.lines().collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                format!("CODE-128:{}", label.serial_number),
                format!("QR-Code:{}", label.serial_number)
            ],
            "{name}"
        );
    }
}

#[test]
fn the_html_invoice_has_the_same_content() {
    let doc = sample::invoice(60);
    let html = pdf::invoice_html(&doc);
    Out::new().write("invoice-60.html", html.as_bytes());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("thead { display: table-header-group; }"));
    for line in &doc.lines {
        assert!(html.contains(line.serial_number.as_deref().unwrap_or(&line.net)));
    }
    for expected in [
        "شركة الدوحة للتقنية",
        "Attn. Łukasz Müller-Sørensen",
        &doc.total_gross,
        &doc.amount_due,
        "Payment details",
        "Chamber of Commerce 81234567",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(!html.contains("<script") && !html.contains("src="));
}

/// Words of a page with their boxes in points (`pdftotext -bbox`).
fn words(file: &Path, page: usize) -> Vec<(String, f64, f64, f64, f64)> {
    let p = page.to_string();
    let html = run("pdftotext", &["-bbox", "-f", &p, "-l", &p], file);
    html.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("<word ")?;
            let num = |key: &str| -> f64 {
                let at = rest.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
                rest[at..].split('"').next().unwrap().parse().unwrap()
            };
            let text = rest.split('>').nth(1)?.split('<').next()?.to_string();
            Some((text, num("xMin"), num("yMin"), num("xMax"), num("yMax")))
        })
        .collect()
}

#[test]
fn long_text_stays_inside_its_columns_and_the_page() {
    let out = Out::new();
    let mut doc = sample::invoice(40);
    let long = "Überlange Gerätebeschreibung mit Zubehör, Ladegerät, Tasche und Displayschutzfolie für den Außendienst ".repeat(4);
    doc.seller.name = format!("FlexRent {long}");
    doc.buyer.address[0] = long.clone();
    doc.references
        .push(("Cost centre".into(), "CC-".to_string() + &"9".repeat(80)));
    doc.lines[3].description = long.clone();
    doc.lines[4].description = "X".repeat(300);
    doc.lines[5].serial_number = Some("SERIAL-".to_string() + &"7".repeat(90));
    let huge = "-€1,234,567,890.12";
    for line in doc.lines.iter_mut().take(3) {
        line.net = huge.into();
        line.tax = huge.into();
        line.gross = huge.into();
        line.quantity = "1,000,000".into();
    }
    doc.total_gross = "€98,765,432,109,876.54".into();
    doc.amount_due = "€98,765,432,109,876.54".into();
    doc.footer = long.clone();
    let file = out.write("stress.pdf", &pdf::invoice(&doc).unwrap());
    let n: usize = info(&file, "Pages").parse().unwrap();
    let mm = |v: f64| v * 72.0 / 25.4;
    // Table columns (mm): Description, Qty, Net, VAT %, VAT, Gross.
    let columns = [
        (18.0, 98.0),
        (98.0, 108.0),
        (108.0, 130.0),
        (130.0, 143.0),
        (143.0, 165.0),
        (165.0, 192.0),
    ];
    let mut huge_seen = 0;
    for page in 1..=n {
        for (text, x0, y0, x1, y1) in words(&file, page) {
            assert!(
                x0 >= mm(18.0) - 0.5 && x1 <= mm(192.0) + 0.5 && y0 >= 0.0 && y1 <= mm(297.0),
                "{text:?} at {x0:.1}–{x1:.1} × {y0:.1}–{y1:.1} pt leaves the text area on page {page}"
            );
            if text == huge {
                let (l, r) = columns
                    .iter()
                    .find(|(l, r)| x0 >= mm(*l) - 0.5 && x0 < mm(*r))
                    .unwrap();
                assert!(
                    x1 <= mm(*r) + 0.5,
                    "{text} overflows its column {l}–{r} mm: {x0:.1}–{x1:.1} pt"
                );
                huge_seen += 1;
            }
        }
    }
    assert_eq!(huge_seen, 9, "the huge amounts are printed whole");
    let flat = squash(&pages(&file).join("\n"));
    assert!(flat.contains("Amount due €98,765,432,109,876.54"));
    assert!(flat.contains("…"), "long texts are cut with an ellipsis");
}
