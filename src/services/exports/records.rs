//! The unit's records as CSV for a spreadsheet or another system: customers, assets, orders and
//! products (one row per variant, its prices per contract length). Every cell goes through the
//! formula-injection guard; amounts are plain decimals with the currency beside them.
//!
//! Each export is a list of columns and one query selecting them in that order, read by one
//! reader: text cells come from SQL as text (addresses with `json_extract`, counts cast), amounts
//! as minor units that the reader writes in the unit's currency.

use super::{csv_file, CsvFile};
use crate::error::{Error, Result};
use crate::services::BusinessUnit;
use crate::store::Db;
use sqlx::Row;

crate::str_enum!(Records { Customers = "customers", Assets = "assets", Orders = "orders", Products = "products" });

/// How a column's cell is read from its query's row.
#[derive(Clone, Copy)]
enum Cell {
    /// Text as selected (NULL is empty).
    Text,
    /// Minor units, written as an amount in the unit's currency (NULL is empty).
    Money,
    /// The unit's currency code (selects nothing).
    Currency,
    /// `months:minor` pairs joined by `;`, written `6: 119.00; 12: 89.00`.
    Tiers,
}
use Cell::*;

const CUSTOMERS: (&[(&str, Cell)], &str) = (
    &[
        ("customerId", Text),
        ("email", Text),
        ("firstName", Text),
        ("lastName", Text),
        ("company", Text),
        ("phone", Text),
        ("customerType", Text),
        ("status", Text),
        ("vatId", Text),
        ("registrationNumber", Text),
        ("street", Text),
        ("postalCode", Text),
        ("city", Text),
        ("country", Text),
        ("createdAt", Text),
    ],
    "SELECT id, email, first_name, last_name, company, phone, customer_type, status, vat_id, registration_number,
            json_extract(billing_address, '$.streetAddress'), json_extract(billing_address, '$.postalCode'),
            json_extract(billing_address, '$.city'), json_extract(billing_address, '$.country'), created_at
     FROM customers WHERE bu_id = ? ORDER BY created_at, id",
);

const ASSETS: (&[(&str, Cell)], &str) = (
    &[
        ("serialNumber", Text),
        ("sku", Text),
        ("productName", Text),
        ("status", Text),
        ("location", Text),
        ("condition", Text),
        ("customerId", Text),
        ("rentalId", Text),
        ("acquisitionCost", Money),
        ("currency", Currency),
        ("acquisitionDate", Text),
        ("deleted", Text),
        ("createdAt", Text),
    ],
    "SELECT serial_number, sku, product_name, status, location, condition, customer_id, rental_id, acquisition_cost,
            acquisition_date, CASE WHEN deleted_at IS NULL THEN 'no' ELSE 'yes' END, created_at
     FROM assets WHERE bu_id = ? ORDER BY created_at, serial_number",
);

const ORDERS: (&[(&str, Cell)], &str) = (
    &[
        ("orderNumber", Text),
        ("orderId", Text),
        ("status", Text),
        ("customerId", Text),
        ("customerName", Text),
        ("devices", Text),
        ("devicesOut", Text),
        ("monthlyNet", Money),
        ("monthlyTax", Money),
        ("monthlyTotal", Money),
        ("currency", Currency),
        ("billingGroupId", Text),
        ("createdAt", Text),
    ],
    concat!(
        "SELECT o.order_number, o.id, o.status, o.customer_id,
            (SELECT ",
        crate::customer_name_sql!(),
        " FROM customers c WHERE c.id = o.customer_id),
            CAST(o.total_devices AS TEXT), CAST(o.rented_devices AS TEXT), o.subtotal, o.tax_amount, o.total, o.billing_group_id, o.created_at
     FROM orders o WHERE o.bu_id = ? ORDER BY o.created_at, o.id"
    ),
);

const PRODUCTS: (&[(&str, Cell)], &str) = (
    &[
        ("productSku", Text),
        ("productName", Text),
        ("category", Text),
        ("brand", Text),
        ("productStatus", Text),
        ("variantSku", Text),
        ("variantName", Text),
        ("variantStatus", Text),
        ("listPrice", Money),
        ("acquisitionCost", Money),
        ("currency", Currency),
        ("monthlyPrices", Tiers),
    ],
    "SELECT p.product_sku, p.name, p.category, p.brand, p.status, v.variant_sku, v.variant_name, v.status, v.list_price, v.acquisition_cost,
            (SELECT group_concat(t.contract_length || ':' || t.monthly_price, ';') FROM
               (SELECT contract_length, monthly_price FROM pricing_tiers WHERE variant_id = v.id ORDER BY contract_length) t)
     FROM products p JOIN variants v ON v.product_id = p.id WHERE p.bu_id = ? ORDER BY p.product_sku, v.variant_sku",
);

/// The unit's `what` as a CSV file.
pub async fn records(db: &Db, bu: &BusinessUnit, what: &str) -> Result<CsvFile> {
    let kind = Records::parse(what.trim()).ok_or_else(|| {
        Error::invalid("records", "Export customers, assets, orders or products.")
    })?;
    let (cols, sql) = match kind {
        Records::Customers => CUSTOMERS,
        Records::Assets => ASSETS,
        Records::Orders => ORDERS,
        Records::Products => PRODUCTS,
    };
    csv_file(
        format!("{}-{}.csv", kind.as_str(), bu.code),
        table(db, bu, cols, sql).await?,
    )
}

fn money(bu: &BusinessUnit, minor: Option<i64>) -> String {
    minor
        .map(|m| bu.money(m).with_scale(bu.currency_exponent).to_string())
        .unwrap_or_default()
}

/// The header and a row per record of `sql` (bound to the unit's id), its columns read as `cols`
/// say: every column but `Currency` takes the next selected one.
async fn table(
    db: &Db,
    bu: &BusinessUnit,
    cols: &[(&str, Cell)],
    sql: &str,
) -> Result<Vec<Vec<String>>> {
    let rows = sqlx::query(sql).bind(&bu.id).fetch_all(db.pool()).await?;
    let mut out = vec![cols.iter().map(|(h, _)| h.to_string()).collect()];
    for r in rows {
        let mut i = 0;
        let mut line = Vec::with_capacity(cols.len());
        for (_, cell) in cols {
            let text = match cell {
                Currency => {
                    line.push(bu.currency.clone());
                    continue;
                }
                Text => r.try_get::<Option<String>, _>(i)?.unwrap_or_default(),
                Money => money(bu, r.try_get(i)?),
                Tiers => r
                    .try_get::<Option<String>, _>(i)?
                    .unwrap_or_default()
                    .split(';')
                    .filter_map(|t| t.split_once(':'))
                    .map(|(m, p)| format!("{m}: {}", money(bu, p.parse().ok())))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            line.push(text);
            i += 1;
        }
        out.push(line);
    }
    Ok(out)
}
