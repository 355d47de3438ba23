//! Asset labels: a Code 128 barcode and a QR code of the serial number, drawn as vector
//! rectangles, with the product name, SKU, serial and owner. One label per page on roll stock, or
//! 3 × 8 labels on A4 sheets.

use super::layout::{fit, truncated, Align, Doc, Page, Style};
use super::text::PT;
use super::{Label, LabelStock};
use crate::error::{Error, Result};

/// One printer dot at 300 dpi, in millimetres. Bars are whole dots wide so a 300 dpi label
/// printer reproduces every module at the same width.
const DOT: f32 = 25.4 / 300.0;
/// Code 128 quiet zone on each side, in modules (the standard asks for ten).
const QUIET: usize = 10;
/// QR quiet zone on each side, in modules (the standard asks for four).
const QR_QUIET: usize = 4;
/// Smallest serial text size, in points.
const MIN_SERIAL_PT: f32 = 5.0;

const SHEET_COLUMNS: usize = 3;
const SHEET_ROWS: usize = 8;
const SHEET_LABEL: (f32, f32) = (70.0, 37.0);

pub fn render(labels: &[Label], stock: LabelStock) -> Result<Vec<u8>> {
    if labels.is_empty() {
        return Err(Error::invalid("labels", "There are no labels to print."));
    }
    let mut doc = Doc::new("Asset labels");
    match stock {
        LabelStock::Roll62x29 | LabelStock::Roll102x51 => {
            let (w, h, pad) = if stock == LabelStock::Roll62x29 {
                (62.0, 29.0, (1.5, 1.5))
            } else {
                (102.0, 51.0, (3.0, 3.0))
            };
            for label in labels {
                let page = doc.add_page(w, h);
                draw(page, (0.0, 0.0, w, h), pad, label)?;
            }
        }
        LabelStock::A4Sheet3x8 => {
            let (w, h) = SHEET_LABEL;
            // 3 × 70 mm fill the width; 8 × 37 mm leave half a millimetre above and below.
            let top = (297.0 - SHEET_ROWS as f32 * h) / 2.0;
            for sheet in labels.chunks(SHEET_COLUMNS * SHEET_ROWS) {
                let page = doc.add_page(210.0, 297.0);
                for (i, label) in sheet.iter().enumerate() {
                    let (col, row) = (i % SHEET_COLUMNS, i / SHEET_COLUMNS);
                    let frame = (col as f32 * w, top + row as f32 * h, w, h);
                    // Sheet printers leave their edges blank: keep 4 mm clear at the sides.
                    draw(page, frame, (4.0, 2.5), label)?;
                }
            }
        }
    }
    doc.finish()
}

/// One label in `frame` (x, y, width, height), content kept `pad` (horizontal, vertical) inside.
fn draw(
    page: &mut Page,
    frame: (f32, f32, f32, f32),
    pad: (f32, f32),
    label: &Label,
) -> Result<()> {
    let (x0, y0, w, h) = frame;
    let (px, py) = pad;
    let inner_w = w - 2.0 * px;
    let inner_h = h - 2.0 * py;
    let left = x0 + px;
    let top = y0 + py;

    // Top band: text on the left, the QR code (with its quiet zone) as a square on the right.
    let band = inner_h * 0.42;
    let qr = qr_rects(&label.serial_number, (x0 + w - px - band, top), band)?;
    page.bars(qr);
    let text_w = inner_w - band - 1.0;
    let name = Style::bold(band * 0.64);
    let sku = Style::regular(band * 0.55);
    let owner = Style::regular(band * 0.46).muted();
    let name_base = top + name.ascent();
    page.put(
        left,
        name_base,
        truncated(&label.product_name, name, text_w),
    );
    let sku_base = name_base + sku.line_height() + 0.2;
    page.put(left, sku_base, fit(&label.sku, sku, text_w));
    let owner_base = top + band - owner.size * PT * 0.25;
    page.put(left, owner_base, truncated(&label.owner, owner, text_w));

    // Bottom line: the serial in text, as large as the band allows and never below 5 pt.
    let serial = serial_text(&label.serial_number, band * 0.64, inner_w);
    let serial_h = serial.style.line_height();
    let serial_base = y0 + h - py - serial.style.size * PT * 0.3;
    page.put_in(left, inner_w, serial_base, Align::Center, serial);

    // The barcode between them, centred, quiet zones inside the label.
    let bar_top = top + band + 1.0;
    let bar_bottom = y0 + h - py - serial_h - 0.3;
    let modules = code128(&label.serial_number)?;
    page.bars(barcode_rects(
        &modules,
        left,
        inner_w,
        bar_top,
        bar_bottom - bar_top,
    ));
    Ok(())
}

fn serial_text(serial: &str, size: f32, w: f32) -> super::layout::Fitted {
    let style = Style::regular(size);
    let width = fit(serial, style, f32::INFINITY).width();
    if width <= w {
        return fit(serial, style, w);
    }
    let smaller = style.sized((size * w / width - 0.01).max(MIN_SERIAL_PT));
    truncated(serial, smaller, w)
}

/// The module width for `count` modules plus quiet zones in `w` millimetres: a whole number of
/// printer dots, the widest of five to three (0.42 to 0.254 mm) that fits, else two, else
/// whatever fits.
pub(crate) fn module_width(count: usize, w: f32) -> f32 {
    let total = (count + 2 * QUIET) as f32;
    [5.0 * DOT, 4.0 * DOT, 3.0 * DOT, 2.0 * DOT]
        .into_iter()
        .find(|m| m * total <= w)
        .unwrap_or(w / total)
}

/// Bars of a Code 128 module pattern, centred in `x .. x + w` with quiet zones.
fn barcode_rects(modules: &[u8], x: f32, w: f32, top: f32, h: f32) -> Vec<[f32; 4]> {
    let m = module_width(modules.len(), w);
    let start = x + (w - modules.len() as f32 * m) / 2.0;
    runs(modules.iter().map(|b| *b == 1))
        .map(|(from, len)| [start + from as f32 * m, top, len as f32 * m, h])
        .collect()
}

/// (start, length) of each run of `true`.
fn runs(bits: impl Iterator<Item = bool>) -> impl Iterator<Item = (usize, usize)> {
    let bits: Vec<bool> = bits.collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        if bits[i] {
            let start = i;
            while i < bits.len() && bits[i] {
                i += 1;
            }
            out.push((start, i - start));
        } else {
            i += 1;
        }
    }
    out.into_iter()
}

/// The QR code of `serial` (error correction M) in a square of `side` millimetres at `origin`,
/// its quiet zone included; dark modules merged into horizontal runs.
fn qr_rects(serial: &str, origin: (f32, f32), side: f32) -> Result<Vec<[f32; 4]>> {
    use qrcode::{Color, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(serial.as_bytes(), EcLevel::M).map_err(|e| {
        Error::invalid(
            "serialNumber",
            format!("{serial} does not fit a QR code: {e}"),
        )
    })?;
    let n = code.width();
    let m = side / (n + 2 * QR_QUIET) as f32;
    let colors = code.to_colors();
    let (x0, y0) = (
        origin.0 + QR_QUIET as f32 * m,
        origin.1 + QR_QUIET as f32 * m,
    );
    let mut rects = Vec::new();
    for (row, line) in colors.chunks(n).enumerate() {
        for (from, len) in runs(line.iter().map(|c| *c == Color::Dark)) {
            rects.push([x0 + from as f32 * m, y0 + row as f32 * m, len as f32 * m, m]);
        }
    }
    Ok(rects)
}

/// The Code 128 module pattern (1 = bar) of `serial`, start to stop.
pub(crate) fn code128(serial: &str) -> Result<Vec<u8>> {
    let data = code128_input(serial)?;
    let code = barcoders::sym::code128::Code128::new(&data).map_err(|e| {
        Error::invalid(
            "serialNumber",
            format!("{serial} cannot be a Code 128 barcode: {e}"),
        )
    })?;
    Ok(code.encode())
}

/// The serial with the character-set switches `barcoders` expects: set B (Ɓ) for text, set C (Ć)
/// for runs of digits long enough to be shorter as digit pairs (four at either end, six in the
/// middle, or the whole serial).
pub(crate) fn code128_input(serial: &str) -> Result<String> {
    if serial.is_empty() || !serial.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(Error::invalid(
            "serialNumber",
            format!("{serial:?} cannot be printed as a barcode: only printable ASCII can."),
        ));
    }
    let chars: Vec<char> = serial.chars().collect();
    let mut out = String::with_capacity(chars.len() + 4);
    let mut set = ' ';
    let mut switch = |out: &mut String, to: char| {
        if set != to {
            out.push(to);
            set = to;
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            switch(&mut out, 'Ɓ');
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (at_start, at_end) = (i == 0, i + run == chars.len());
        let worth = match (at_start, at_end) {
            (true, true) => run >= 2,
            (true, false) | (false, true) => run >= 4,
            (false, false) => run >= 6,
        };
        if !worth {
            switch(&mut out, 'Ɓ');
            out.extend(&chars[i..i + run]);
        } else {
            // An odd digit goes first, in set B; the even rest in pairs.
            if run % 2 == 1 {
                switch(&mut out, 'Ɓ');
                out.push(chars[i]);
            }
            switch(&mut out, 'Ć');
            out.extend(&chars[i + run % 2..i + run]);
        }
        i += run;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_use_set_c_where_it_is_shorter() {
        assert_eq!(code128_input("SN12").unwrap(), "ƁSN12");
        assert_eq!(code128_input("SN1234").unwrap(), "ƁSNĆ1234");
        assert_eq!(code128_input("SN12345").unwrap(), "ƁSN1Ć2345");
        assert_eq!(code128_input("123456AB").unwrap(), "Ć123456ƁAB");
        assert_eq!(code128_input("A12345B").unwrap(), "ƁA12345B");
        assert_eq!(code128_input("A123456B").unwrap(), "ƁAĆ123456ƁB");
        assert_eq!(code128_input("7").unwrap(), "Ɓ7");
        assert_eq!(code128_input("98").unwrap(), "Ć98");
        assert!(code128_input("").is_err());
        assert!(code128_input("SN-é").is_err());
    }

    #[test]
    fn code128_pattern_has_start_checksum_and_stop() {
        // Start B, "S", "N", code C, 12, 34, checksum, stop (13 modules).
        let modules = code128("SN1234").unwrap();
        assert_eq!(modules.len(), 7 * 11 + 13);
        assert_eq!(&modules[..11], &[1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0]); // start B
        assert_eq!(
            &modules[modules.len() - 13..],
            &[1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1]
        );
    }

    #[test]
    fn modules_are_whole_printer_dots_when_they_fit() {
        // 14 characters in set B: 17 symbols of 11 modules plus 2.
        let n = 17 * 11 + 2;
        assert!((module_width(n, 59.0) - 3.0 * DOT).abs() < 1e-6);
        assert!(module_width(n, 59.0) >= 0.25);
        let long = 22 * 11 + 13;
        assert!((module_width(long, 59.0) - 2.0 * DOT).abs() < 1e-6);
        // A wide label takes wider bars.
        assert!((module_width(n, 96.0) - 5.0 * DOT).abs() < 1e-6);
        let huge = 80 * 11;
        assert!(module_width(huge, 59.0) * (huge + 20) as f32 <= 59.0 + 1e-3);
    }
}
