//! The printing part of `flexdesk bench`: a 500-line billing-group invoice rendered to PDF with
//! printpdf, and side by side the same invoice printed by headless Chromium from its HTML version,
//! each print a fresh browser process as a desk would start one.

use super::{summarize, Measure};
use crate::error::{Error, Result};
use crate::pdf;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LINES: usize = 500;
const SAMPLES: usize = 40;
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMIUM_SAMPLES: usize = 3;
/// Chromium must take at least this many times as long as printpdf.
const RATIO_TARGET: f64 = 10.0;

pub fn run(log: &dyn Fn(&str)) -> Result<Vec<Measure>> {
    let doc = pdf::sample::invoice(LINES);
    // The first render parses the fonts and builds the shaping plans; a desk does that once.
    let first = pdf::invoice(&doc)?;
    log(&format!(
        "pdf: {LINES}-line invoice is {} KB; measuring {SAMPLES} renders",
        first.len() / 1024
    ));
    let mut d = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let bytes = pdf::invoice(&doc)?;
        d.push(t.elapsed());
        std::hint::black_box(bytes);
    }
    let ours = summarize(
        &format!("invoice PDF, {LINES} lines (printpdf, embedded font)"),
        d,
        100.0,
        "p99",
    );
    let chromium = chromium(&doc, ours.p50_ms, log);
    Ok(vec![ours, chromium])
}

/// Headless Chromium printing `invoice_html` of the same invoice, one fresh process per print;
/// met when its median is at least ten times printpdf's.
fn chromium(doc: &pdf::InvoiceDoc, ours_p50_ms: f64, log: &dyn Fn(&str)) -> Measure {
    let target = format!("p50 ≥ {RATIO_TARGET}× printpdf's");
    let not_run = |why: String| Measure {
        name: format!("invoice PDF, {LINES} lines (headless Chromium): not measured, {why}"),
        samples: 0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        max_ms: 0.0,
        target: target.clone(),
        met: false,
    };
    if !Path::new(CHROMIUM).exists() {
        return not_run(format!("{CHROMIUM} is not installed"));
    }
    let d = match chromium_prints(doc, log) {
        Ok(d) => d,
        Err(e) => return not_run(e.message),
    };
    let mut m = summarize("", d, f64::INFINITY, "p99");
    let ratio = m.p50_ms / ours_p50_ms.max(1e-6);
    m.name = format!(
        "invoice PDF, {LINES} lines (headless Chromium from invoice_html, fresh process): {ratio:.0}× printpdf"
    );
    m.target = target;
    m.met = ratio >= RATIO_TARGET;
    m
}

fn chromium_prints(doc: &pdf::InvoiceDoc, log: &dyn Fn(&str)) -> Result<Vec<Duration>> {
    let dir = std::env::temp_dir().join(format!("flexdesk-bench-pdf-{}", std::process::id()));
    let io = |e: std::io::Error| Error::internal(format!("bench files in {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let result = (|| {
        let html = dir.join("invoice.html");
        std::fs::write(&html, pdf::invoice_html(doc)).map_err(io)?;
        let mut d = Vec::with_capacity(CHROMIUM_SAMPLES);
        for i in 0..CHROMIUM_SAMPLES {
            let out = dir.join(format!("invoice-{i}.pdf"));
            let t = Instant::now();
            let mut child = Command::new(CHROMIUM)
                .args([
                    "--headless",
                    "--disable-gpu",
                    "--no-sandbox",
                    "--no-pdf-header-footer",
                ])
                .arg(format!("--user-data-dir={}", dir.join("profile").display()))
                .arg(format!("--print-to-pdf={}", out.display()))
                .arg(format!("file://{}", html.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| Error::internal(format!("{CHROMIUM} could not be started: {e}")))?;
            let status = loop {
                if let Some(status) = child.try_wait().map_err(io)? {
                    break status;
                }
                if t.elapsed() > Duration::from_secs(120) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::internal("Chromium did not finish within 120 s"));
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            let elapsed = t.elapsed();
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            if !status.success() || size == 0 {
                return Err(Error::internal(format!(
                    "Chromium exited with {status} and wrote {size} bytes"
                )));
            }
            log(&format!(
                "pdf: Chromium print {} of {CHROMIUM_SAMPLES}: {elapsed:.1?}, {} KB",
                i + 1,
                size / 1024
            ));
            d.push(elapsed);
        }
        Ok(d)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
