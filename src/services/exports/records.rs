//! The unit's records as CSV for a spreadsheet or another system: customers, assets, orders and
//! products (one row per variant, its prices per contract length). Every cell goes through the
//! formula-injection guard; amounts are plain decimals with the currency beside them.

use super::{csv_file, CsvFile};
use crate::error::{Error, Result};
use crate::services::BusinessUnit;
use crate::store::Db;

crate::str_enum!(Records { Customers = "customers", Assets = "assets", Orders = "orders", Products = "products" });

fn money(bu: &BusinessUnit, minor: Option<i64>) -> String {
    minor
        .map(|m| bu.money(m).with_scale(bu.currency_exponent).to_string())
        .unwrap_or_default()
}

/// One text column of a JSON address.
fn addr(json: &Option<String>, key: &str) -> String {
    json.as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| v.get(key).and_then(|x| x.as_str()).map(str::to_string))
        .unwrap_or_default()
}

fn s(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// The unit's `what` as a CSV file.
pub async fn records(db: &Db, bu: &BusinessUnit, what: &str) -> Result<CsvFile> {
    let kind = Records::parse(what.trim()).ok_or_else(|| {
        Error::invalid("records", "Export customers, assets, orders or products.")
    })?;
    let rows = match kind {
        Records::Customers => customers(db, bu).await?,
        Records::Assets => assets(db, bu).await?,
        Records::Orders => orders(db, bu).await?,
        Records::Products => products(db, bu).await?,
    };
    csv_file(format!("{}-{}.csv", kind.as_str(), bu.code), rows)
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

async fn customers(db: &Db, bu: &BusinessUnit) -> Result<Vec<Vec<String>>> {
    type R = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<R> = sqlx::query_as(
        "SELECT id, email, first_name, last_name, company, phone, customer_type, status, vat_id, registration_number, billing_address, created_at
         FROM customers WHERE bu_id = ? ORDER BY created_at, id",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![header(&[
        "customerId",
        "email",
        "firstName",
        "lastName",
        "company",
        "phone",
        "customerType",
        "status",
        "vatId",
        "registrationNumber",
        "street",
        "postalCode",
        "city",
        "country",
        "createdAt",
    ])];
    for r in rows {
        out.push(vec![
            r.0,
            r.1,
            r.2,
            r.3,
            s(&r.4),
            s(&r.5),
            r.6,
            r.7,
            s(&r.8),
            s(&r.9),
            addr(&r.10, "streetAddress"),
            addr(&r.10, "postalCode"),
            addr(&r.10, "city"),
            addr(&r.10, "country"),
            r.11,
        ]);
    }
    Ok(out)
}

async fn assets(db: &Db, bu: &BusinessUnit) -> Result<Vec<Vec<String>>> {
    type R = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<R> = sqlx::query_as(
        "SELECT serial_number, sku, product_name, status, location, condition, customer_id, rental_id, acquisition_cost, acquisition_date,
                deleted_at, created_at
         FROM assets WHERE bu_id = ? ORDER BY created_at, serial_number",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![header(&[
        "serialNumber",
        "sku",
        "productName",
        "status",
        "location",
        "condition",
        "customerId",
        "rentalId",
        "acquisitionCost",
        "currency",
        "acquisitionDate",
        "deleted",
        "createdAt",
    ])];
    for r in rows {
        out.push(vec![
            r.0,
            r.1,
            r.2,
            r.3,
            s(&r.4),
            s(&r.5),
            s(&r.6),
            s(&r.7),
            money(bu, r.8),
            bu.currency.clone(),
            s(&r.9),
            if r.10.is_some() { "yes" } else { "no" }.into(),
            r.11,
        ]);
    }
    Ok(out)
}

async fn orders(db: &Db, bu: &BusinessUnit) -> Result<Vec<Vec<String>>> {
    type R = (
        String,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
        i64,
        i64,
        i64,
        Option<String>,
        String,
    );
    let rows: Vec<R> = sqlx::query_as(
        "SELECT o.order_number, o.id, o.status, o.customer_id,
                (SELECT coalesce(nullif(c.company, ''), trim(c.first_name || ' ' || c.last_name)) FROM customers c WHERE c.id = o.customer_id),
                o.total_devices, o.rented_devices, o.subtotal, o.tax_amount, o.total, o.billing_group_id, o.created_at
         FROM orders o WHERE o.bu_id = ? ORDER BY o.created_at, o.id",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![header(&[
        "orderNumber",
        "orderId",
        "status",
        "customerId",
        "customerName",
        "devices",
        "devicesOut",
        "monthlyNet",
        "monthlyTax",
        "monthlyTotal",
        "currency",
        "billingGroupId",
        "createdAt",
    ])];
    for r in rows {
        out.push(vec![
            r.0,
            r.1,
            r.2,
            r.3,
            s(&r.4),
            r.5.to_string(),
            r.6.to_string(),
            money(bu, Some(r.7)),
            money(bu, Some(r.8)),
            money(bu, Some(r.9)),
            bu.currency.clone(),
            s(&r.10),
            r.11,
        ]);
    }
    Ok(out)
}

async fn products(db: &Db, bu: &BusinessUnit) -> Result<Vec<Vec<String>>> {
    type R = (
        String,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<R> = sqlx::query_as(
        "SELECT p.product_sku, p.name, p.category, p.brand, p.status, v.variant_sku, v.variant_name, v.status, v.list_price, v.acquisition_cost,
                (SELECT group_concat(t.contract_length || ':' || t.monthly_price, ';') FROM
                   (SELECT contract_length, monthly_price FROM pricing_tiers WHERE variant_id = v.id ORDER BY contract_length) t)
         FROM products p JOIN variants v ON v.product_id = p.id WHERE p.bu_id = ? ORDER BY p.product_sku, v.variant_sku",
    )
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?;
    let mut out = vec![header(&[
        "productSku",
        "productName",
        "category",
        "brand",
        "productStatus",
        "variantSku",
        "variantName",
        "variantStatus",
        "listPrice",
        "acquisitionCost",
        "currency",
        "monthlyPrices",
    ])];
    for r in rows {
        // Tiers as `months: price` in the currency, `;` between them ("6: 119.00; 12: 89.00").
        let tiers = s(&r.10)
            .split(';')
            .filter(|t| !t.is_empty())
            .filter_map(|t| t.split_once(':'))
            .map(|(m, p)| format!("{m}: {}", money(bu, p.parse().ok())))
            .collect::<Vec<_>>()
            .join("; ");
        out.push(vec![
            r.0,
            r.1,
            r.2,
            s(&r.3),
            r.4,
            r.5,
            r.6,
            r.7,
            money(bu, r.8),
            money(bu, r.9),
            bu.currency.clone(),
            tiers,
        ]);
    }
    Ok(out)
}
