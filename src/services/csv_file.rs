//! Reading an uploaded CSV file the way spreadsheets write it: a UTF-8 byte-order mark (Excel's
//! "CSV UTF-8") is skipped, and the separator is the one the header row uses: `,`, `;` (what
//! Excel writes where the decimal separator is a comma, as in the Netherlands and Germany) or a
//! tab. Parsing itself is the `csv` crate's.

/// A reader over `data`, fields trimmed, rows allowed to be shorter or longer than the header.
pub fn reader(data: &[u8]) -> csv::Reader<&[u8]> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    csv::ReaderBuilder::new()
        .delimiter(separator(data))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data)
}

/// The separator the first line uses most outside quotes; a comma when it uses none.
fn separator(data: &[u8]) -> u8 {
    let header = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header {
        if *b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (sep, n) in counts.iter_mut() {
                if b == sep {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold((b',', 0), |best, c| if c.1 > best.1 { *c } else { best })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &str) -> Vec<Vec<String>> {
        let mut r = reader(data.as_bytes());
        let mut out = vec![r.headers().unwrap().iter().map(String::from).collect()];
        for rec in r.records() {
            out.push(rec.unwrap().iter().map(String::from).collect());
        }
        out
    }

    #[test]
    fn commas_semicolons_tabs_and_a_byte_order_mark() {
        let want = vec![vec!["Serial Number", "SKU"], vec!["SN-1", "LAP"]];
        assert_eq!(rows("Serial Number,SKU\nSN-1,LAP\n"), want);
        assert_eq!(rows("\u{feff}Serial Number;SKU\r\nSN-1;LAP\r\n"), want);
        assert_eq!(rows("Serial Number\tSKU\nSN-1\tLAP\n"), want);
        // A semicolon inside quotes does not make the file semicolon-separated.
        assert_eq!(
            rows("\"Name; long\",SKU\n\"a;b\",LAP\n"),
            vec![vec!["Name; long", "SKU"], vec!["a;b", "LAP"]]
        );
        // Dutch amounts with a decimal comma stay whole in a semicolon file.
        assert_eq!(
            rows("List Price;SKU\n1299,00;LAP\n")[1],
            vec!["1299,00", "LAP"]
        );
    }
}
