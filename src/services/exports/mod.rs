//! Exports for the books: subscriptions (`POST /v1/exports/rentals`, the documented columns),
//! payments and invoices as CSV. CSV is written by the `csv` crate (quoting, embedded commas and
//! line breaks); amounts are plain decimals with the currency's decimals in their own column, so
//! spreadsheets read them as numbers, and the currency code sits beside them.

use super::{day_text, opt_trim, parse_day, BusinessUnit, Ctx};
use crate::domain::status::SubscriptionStatus;
use crate::error::{Error, Result};
use crate::store::Db;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod records;
mod vat;
pub use records::{records, Records};
pub use vat::*;

fn csv_text(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::internal(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::internal(format!("CSV: {e}")))
}

fn csv_err(e: csv::Error) -> Error {
    Error::internal(format!("CSV: {e}"))
}

/// A cell as a spreadsheet may read it safely (OWASP's CSV injection advice): text starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a name or a note from
/// outside ("=HYPERLINK(…)") is never run as a formula. Numbers (`-12.50`) stay numbers.
pub fn safe_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.parse::<rust_decimal::Decimal>().is_ok();
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Write one row, each cell made safe.
fn row<I, T>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let cells: Vec<String> = cells
        .into_iter()
        .map(|c| safe_cell(c.as_ref()).into_owned())
        .collect();
    w.write_record(&cells).map_err(csv_err)
}

/// Minor units as a plain decimal with the currency's decimals (`1234.50`).
fn amount(bu: &BusinessUnit, minor: i64) -> String {
    bu.money(minor).with_scale(bu.currency_exponent).to_string()
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct IncludeFields {
    pub customer_details: Option<bool>,
    pub device_details: Option<bool>,
    pub financial_details: Option<bool>,
    pub custom_fields: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct RentalExport {
    /// Subscriptions started on or after this instant (or date).
    pub start_date: Option<String>,
    /// ... and on or before this one.
    pub end_date: Option<String>,
    /// Only `csv`.
    pub format: Option<String>,
    pub include_fields: Option<IncludeFields>,
    pub status: Option<String>,
    pub customer_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RentalExportResult {
    pub success: bool,
    pub filename: String,
    pub csv_data: String,
    pub total_records: usize,
    pub generated_at: String,
    #[ts(type = "Record<string, unknown>")]
    pub filters: serde_json::Value,
    pub total_rentals: usize,
    pub active_rentals: usize,
    #[ts(type = "number")]
    pub total_revenue: crate::money::Money,
    #[ts(type = "number")]
    pub average_monthly_revenue: crate::money::Money,
}

#[derive(sqlx::FromRow)]
struct RentalRow {
    id: String,
    customer_id: String,
    customer_email: String,
    customer_name: String,
    company: Option<String>,
    sku: String,
    product_name: String,
    serial_number: String,
    status: String,
    start_date: String,
    end_date: String,
    contract_length: i64,
    monthly_amount: i64,
    total_collected: i64,
    acquisition_cost: Option<i64>,
    custom_fields: Option<String>,
}

/// The subscriptions export: one row per subscription with the documented columns (groups of
/// columns left out as `includeFields` says), and the summary figures.
pub async fn rentals(db: &Db, ctx: &Ctx, q: &RentalExport) -> Result<RentalExportResult> {
    let bu = &ctx.bu;
    if let Some(f) = opt_trim(q.format.clone()) {
        if f != "csv" {
            return Err(Error::invalid("format", "The only export format is csv."));
        }
    }
    let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT s.id, s.customer_id, s.customer_email, s.customer_name, c.company, s.sku, s.product_name, s.serial_number, s.status,
                s.start_date, s.end_date, s.contract_length, s.monthly_amount, s.total_collected, s.acquisition_cost, c.custom_fields
         FROM subscriptions s LEFT JOIN customers c ON c.id = s.customer_id WHERE s.bu_id = ",
    );
    qb.push_bind(bu.id.clone());
    let mut filters = serde_json::Map::new();
    if let Some(f) = opt_trim(q.start_date.clone()) {
        let d = parse_day("startDate", &f)?;
        qb.push(" AND s.start_date >= ").push_bind(day_text(d));
        filters.insert("startDate".into(), day_text(d).into());
    }
    if let Some(t) = opt_trim(q.end_date.clone()) {
        let d = parse_day("endDate", &t)?;
        qb.push(" AND s.start_date <= ").push_bind(day_text(d));
        filters.insert("endDate".into(), day_text(d).into());
    }
    if let Some(s) = opt_trim(q.status.clone()) {
        let st = SubscriptionStatus::parse_field("status", &s)?;
        qb.push(" AND s.status = ").push_bind(st.as_str());
        filters.insert("status".into(), st.as_str().into());
    }
    if let Some(ids) = q.customer_ids.as_ref().filter(|v| !v.is_empty()) {
        qb.push(" AND s.customer_id IN (SELECT value FROM json_each(")
            .push_bind(serde_json::to_string(ids)?)
            .push("))");
        filters.insert("customerIds".into(), serde_json::json!(ids));
    }
    qb.push(" ORDER BY s.created_at, s.rowid");
    let rows: Vec<RentalRow> = qb.build_query_as().fetch_all(db.pool()).await?;
    let inc = q.include_fields.clone().unwrap_or_default();
    let (cust, dev, fin, custom) = (
        inc.customer_details.unwrap_or(true),
        inc.device_details.unwrap_or(true),
        inc.financial_details.unwrap_or(true),
        inc.custom_fields.unwrap_or(true),
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["subscriptionId"];
    if cust {
        header.extend(["customerId", "customerEmail", "customerName", "company"]);
    }
    if dev {
        header.extend(["sku", "productName", "serialNumber"]);
    }
    header.extend(["status", "startDate", "endDate", "contractLength"]);
    if fin {
        header.extend([
            "monthlyAmount",
            "currency",
            "totalCollected",
            "acquisitionCost",
            "costRecoveryPercent",
        ]);
    }
    if custom {
        header.push("customFields");
    }
    row(&mut w, &header)?;
    let (mut active, mut revenue, mut monthly) = (0usize, 0i64, 0i64);
    for r in &rows {
        if r.status == "active" {
            active += 1;
            monthly += r.monthly_amount;
        }
        revenue += r.total_collected;
        let mut rec: Vec<String> = vec![r.id.clone()];
        if cust {
            rec.extend([
                r.customer_id.clone(),
                r.customer_email.clone(),
                r.customer_name.clone(),
                r.company.clone().unwrap_or_default(),
            ]);
        }
        if dev {
            rec.extend([
                r.sku.clone(),
                r.product_name.clone(),
                r.serial_number.clone(),
            ]);
        }
        rec.extend([
            r.status.clone(),
            r.start_date.clone(),
            r.end_date.clone(),
            r.contract_length.to_string(),
        ]);
        if fin {
            let pct = r
                .acquisition_cost
                .filter(|c| *c > 0)
                .map(|c| {
                    (rust_decimal::Decimal::from(r.total_collected)
                        * rust_decimal::Decimal::from(100)
                        / rust_decimal::Decimal::from(c))
                    .round_dp(1)
                    .to_string()
                })
                .unwrap_or_default();
            rec.extend([
                amount(bu, r.monthly_amount),
                bu.currency.clone(),
                amount(bu, r.total_collected),
                r.acquisition_cost
                    .map(|c| amount(bu, c))
                    .unwrap_or_default(),
                pct,
            ]);
        }
        if custom {
            rec.push(r.custom_fields.clone().unwrap_or_default());
        }
        row(&mut w, &rec)?;
    }
    let avg = if active > 0 {
        monthly / active as i64
    } else {
        0
    };
    Ok(RentalExportResult {
        success: true,
        filename: format!(
            "subscriptions-{}-{}.csv",
            bu.code,
            ctx.today().format("%Y%m%d")
        ),
        csv_data: csv_text(w)?,
        total_records: rows.len(),
        generated_at: ctx.now.clone(),
        filters: serde_json::Value::Object(filters),
        total_rentals: rows.len(),
        active_rentals: active,
        total_revenue: bu.money(revenue),
        average_monthly_revenue: bu.money(avg),
    })
}

/// Rows (the first the header) as a CSV file, every cell made safe.
pub fn csv_file(filename: String, rows: Vec<Vec<String>>) -> Result<CsvFile> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        row(&mut w, r)?;
    }
    Ok(CsvFile {
        filename,
        csv_data: csv_text(w)?,
        rows: rows.len().saturating_sub(1),
    })
}

/// A CSV file made for a person: its name and text.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CsvFile {
    pub filename: String,
    pub csv_data: String,
    pub rows: usize,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct PeriodExport {
    /// `YYYY-MM`; or a range with `from` and `to` (dates, inclusive).
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The first and last day of an export's period, and its name in file names.
pub(crate) fn period(q: &PeriodExport) -> Result<(String, String, String)> {
    if let Some(m) = opt_trim(q.month.clone()) {
        let (first, next) = super::month_bounds(&m)?;
        let last = next.pred_opt().unwrap_or(first);
        return Ok((day_text(first), day_text(last), m));
    }
    let from = parse_day(
        "from",
        &opt_trim(q.from.clone()).ok_or_else(|| {
            Error::invalid("month", "Give a month (YYYY-MM) or from and to dates.")
        })?,
    )?;
    let to = parse_day(
        "to",
        &opt_trim(q.to.clone()).ok_or_else(|| Error::invalid("to", "Give the last day (to)."))?,
    )?;
    if to < from {
        return Err(Error::invalid("to", "The last day comes before the first."));
    }
    Ok((
        day_text(from),
        day_text(to),
        format!("{}_{}", day_text(from), day_text(to)),
    ))
}

#[derive(sqlx::FromRow)]
struct PayRow {
    id: String,
    due_date: String,
    invoice_date: String,
    billing_period: String,
    status: String,
    payment_type: String,
    kind: String,
    customer_id: String,
    customer_name: Option<String>,
    rental_id: Option<String>,
    billing_group_id: Option<String>,
    serial_number: Option<String>,
    subtotal: i64,
    tax_rate: String,
    tax_amount: i64,
    late_fee_amount: i64,
    total: i64,
    paid_at: Option<String>,
    method: Option<String>,
    payment_reference: Option<String>,
    invoice_number: Option<String>,
}

/// Payments due in a period (members of consolidated payments are in their consolidated one).
pub async fn payments(db: &Db, bu: &BusinessUnit, q: &PeriodExport) -> Result<CsvFile> {
    let (from, to, label) = period(q)?;
    let rows: Vec<PayRow> = sqlx::query_as(
        concat!(
        "SELECT p.id, p.due_date, p.invoice_date, p.billing_period, p.status, p.payment_type, p.kind, p.customer_id,
                ",
        crate::customer_name_sql!(),
        " AS customer_name, p.rental_id, p.billing_group_id,
                a.serial_number, p.subtotal, p.tax_rate, p.tax_amount, p.late_fee_amount, p.total, p.paid_at, p.method, p.payment_reference,
                (SELECT i.number FROM invoices i WHERE i.id = p.invoice_id) AS invoice_number
         FROM payments p LEFT JOIN customers c ON c.id = p.customer_id LEFT JOIN assets a ON a.id = p.asset_id
         WHERE p.bu_id = ? AND p.consolidated_into IS NULL AND p.due_date >= ? AND p.due_date <= ?
         ORDER BY p.due_date, p.rowid"
    ),
    )
    .bind(&bu.id)
    .bind(&from)
    .bind(&to)
    .fetch_all(db.pool())
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    row(
        &mut w,
        [
            "paymentId",
            "dueDate",
            "invoiceDate",
            "billingPeriod",
            "status",
            "paymentType",
            "kind",
            "customerId",
            "customerName",
            "rentalId",
            "billingGroupId",
            "serialNumber",
            "net",
            "taxRate",
            "tax",
            "lateFee",
            "total",
            "currency",
            "paidAt",
            "method",
            "paymentReference",
            "invoiceNumber",
        ],
    )?;
    for r in &rows {
        row(
            &mut w,
            [
                r.id.as_str(),
                &r.due_date,
                &r.invoice_date,
                &r.billing_period,
                &r.status,
                &r.payment_type,
                &r.kind,
                &r.customer_id,
                r.customer_name.as_deref().unwrap_or_default(),
                r.rental_id.as_deref().unwrap_or_default(),
                r.billing_group_id.as_deref().unwrap_or_default(),
                r.serial_number.as_deref().unwrap_or_default(),
                &amount(bu, r.subtotal),
                &r.tax_rate,
                &amount(bu, r.tax_amount),
                &amount(bu, r.late_fee_amount),
                &amount(bu, r.total),
                &bu.currency,
                r.paid_at.as_deref().unwrap_or_default(),
                r.method.as_deref().unwrap_or_default(),
                r.payment_reference.as_deref().unwrap_or_default(),
                r.invoice_number.as_deref().unwrap_or_default(),
            ],
        )?;
    }
    Ok(CsvFile {
        filename: format!("payments-{}-{label}.csv", bu.code),
        csv_data: csv_text(w)?,
        rows: rows.len(),
    })
}

/// Invoices and credit notes issued in a period: one row per VAT rate of each document, so the
/// books get net and VAT per rate; document totals repeat on each of its rows.
pub async fn invoices(db: &Db, bu: &BusinessUnit, q: &PeriodExport) -> Result<CsvFile> {
    let (from, to, label) = period(q)?;
    let docs = super::invoices::all(
        db,
        bu,
        &super::invoices::InvoiceQuery {
            issue_date_from: Some(from),
            issue_date_to: Some(to),
            ..Default::default()
        },
    )
    .await?;
    invoices_csv(bu, &docs, &label)
}

/// The invoice CSV of documents already read (`label` names the period in the file name).
pub fn invoices_csv(
    bu: &BusinessUnit,
    docs: &[super::invoices::InvoiceDetail],
    label: &str,
) -> Result<CsvFile> {
    let mut w = csv::Writer::from_writer(Vec::new());
    row(
        &mut w,
        [
            "number",
            "kind",
            "issueDate",
            "dueDate",
            "customerId",
            "customerName",
            "customerVatId",
            "reverseCharge",
            "billingGroupId",
            "corrects",
            "vatRate",
            "netAtRate",
            "vatAtRate",
            "totalNet",
            "totalVat",
            "totalGross",
            "currency",
            "paymentId",
        ],
    )?;
    let mut n = 0;
    for d in docs {
        let i = &d.invoice;
        let e = bu.currency_exponent;
        for r in &d.rate_totals {
            row(
                &mut w,
                [
                    i.number.as_str(),
                    &i.kind,
                    &i.issue_date,
                    i.due_date.as_deref().unwrap_or_default(),
                    &i.customer_id,
                    &d.buyer.name,
                    d.buyer.vat_id.as_deref().unwrap_or_default(),
                    if i.reverse_charge { "yes" } else { "no" },
                    i.billing_group_id.as_deref().unwrap_or_default(),
                    i.corrects_number.as_deref().unwrap_or_default(),
                    &r.rate,
                    &amount(bu, r.net),
                    &amount(bu, r.tax),
                    &i.net.with_scale(e).to_string(),
                    &i.tax.with_scale(e).to_string(),
                    &i.gross.with_scale(e).to_string(),
                    &i.currency,
                    i.payment_id.as_deref().unwrap_or_default(),
                ],
            )?;
            n += 1;
        }
    }
    Ok(CsvFile {
        filename: format!("invoices-{}-{label}.csv", bu.code),
        csv_data: csv_text(w)?,
        rows: n,
    })
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_neutralised_and_numbers_stay_numbers() {
        for (given, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+31 20 555 0182", "'+31 20 555 0182"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTabbed", "'\tTabbed"),
            ("\rReturn", "'\rReturn"),
            ("-12.50", "-12.50"),
            ("1234.50", "1234.50"),
            ("Jansen", "Jansen"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(given), written, "{given:?}");
        }
    }
}
