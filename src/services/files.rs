//! The local file store: generated order contracts (and later uploads) kept as files under the
//! data folder (`files/<unit>/<id>.pdf`), with their metadata in the database. A file is written
//! and flushed to disk before its row is committed, so a crash can leave an orphan file but never
//! a row without its file.

use super::{opt_trim, orders, BusinessUnit, Ctx};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{new_id, prefix};
use crate::pdf;
use crate::store::{json_col, record, Db, Entry};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Where files live: a folder next to the database.
#[derive(Debug, Clone)]
pub struct FileStore {
    pub root: PathBuf,
}

impl FileStore {
    /// The store of the database at `db_path`: `<folder of the database>/files`.
    pub fn beside(db_path: &Path) -> FileStore {
        FileStore {
            root: crate::store::files_dir(db_path),
        }
    }
    fn relative(bu_id: &str, id: &str, ext: &str) -> String {
        format!("{bu_id}/{id}.{ext}")
    }
    fn full(&self, storage_path: &str) -> PathBuf {
        self.root.join(storage_path)
    }
    /// Write the bytes durably (temporary file, flush, rename).
    fn write(&self, storage_path: &str, bytes: &[u8]) -> Result<()> {
        let path = self.full(storage_path);
        let io =
            |e: std::io::Error| Error::internal(format!("cannot write {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("part");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct FileInfo {
    pub file_id: String,
    pub tenant_id: String,
    pub order_id: String,
    /// `contract`, `invoice`, `document`, `attachment`.
    #[serde(rename = "type")]
    pub file_type: String,
    /// `generated` or `uploaded`.
    pub category: String,
    pub filename: String,
    pub original_filename: Option<String>,
    pub content_type: String,
    pub file_size: i64,
    pub storage_path: String,
    pub uploaded_by: String,
    pub created_at: String,
    pub updated_at: String,
    #[ts(type = "Record<string, unknown> | null")]
    pub metadata: Option<serde_json::Value>,
    // FlexDesk additions.
    pub customer_id: Option<String>,
    pub sha256: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    order_id: Option<String>,
    customer_id: Option<String>,
    #[sqlx(rename = "type")]
    file_type: String,
    category: String,
    filename: String,
    original_filename: Option<String>,
    content_type: String,
    file_size: i64,
    storage_path: String,
    sha256: String,
    uploaded_by: String,
    metadata: Option<String>,
    created_at: String,
    updated_at: String,
}

const COLS: &str = "id, order_id, customer_id, type, category, filename, original_filename, content_type, file_size, storage_path, sha256,
    uploaded_by, metadata, created_at, updated_at";

fn to_info(bu: &BusinessUnit, r: Row) -> FileInfo {
    FileInfo {
        file_id: r.id,
        tenant_id: bu.id.clone(),
        order_id: r.order_id.unwrap_or_default(),
        file_type: r.file_type,
        category: r.category,
        filename: r.filename,
        original_filename: r.original_filename,
        content_type: r.content_type,
        file_size: r.file_size,
        storage_path: r.storage_path,
        uploaded_by: r.uploaded_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        metadata: json_col(r.metadata.as_deref()),
        customer_id: r.customer_id,
        sha256: r.sha256,
    }
}

pub async fn get(db: &Db, bu: &BusinessUnit, id: &str) -> Result<FileInfo> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLS} FROM files WHERE id = ? AND bu_id = ?"
    ))
    .bind(id.trim())
    .bind(&bu.id)
    .fetch_optional(db.pool())
    .await?;
    Ok(to_info(
        bu,
        row.ok_or_else(|| Error::not_found("File", id.trim()))?,
    ))
}

/// The file's bytes, checked against the digest taken when it was stored.
pub async fn read(
    db: &Db,
    store: &FileStore,
    bu: &BusinessUnit,
    id: &str,
) -> Result<(FileInfo, Vec<u8>)> {
    let info = get(db, bu, id).await?;
    let bytes = std::fs::read(store.full(&info.storage_path)).map_err(|e| {
        Error::new(
            ErrorCode::NotFound,
            format!("File {} is missing from the file store: {e}", info.file_id),
        )
    })?;
    if hex::encode(Sha256::digest(&bytes)) != info.sha256 {
        return Err(Error::internal(format!(
            "File {} was changed on disk since it was stored.",
            info.file_id
        )));
    }
    Ok((info, bytes))
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct FileQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    #[serde(rename = "type")]
    pub file_type: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct FileList {
    pub files: Vec<FileInfo>,
    pub count: usize,
    pub limit: i64,
    pub offset: i64,
    #[ts(type = "Record<string, string>")]
    pub filters: serde_json::Value,
}

/// Files newest first, offset-paginated as the FlexPortal files list is.
pub async fn list(db: &Db, bu: &BusinessUnit, q: &FileQuery) -> Result<FileList> {
    let limit = super::parse_limit(q.limit.as_deref())?;
    let offset =
        match opt_trim(q.offset.clone()) {
            None => 0,
            Some(o) => o.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                Error::invalid("offset", "offset must be a whole number, 0 or more.")
            })?,
        };
    let mut qb =
        sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!("SELECT {COLS} FROM files WHERE bu_id = "));
    qb.push_bind(bu.id.clone());
    let mut filters = serde_json::Map::new();
    if let Some(o) = opt_trim(q.order_id.clone()) {
        qb.push(" AND order_id = ").push_bind(o.clone());
        filters.insert("orderId".into(), o.into());
    }
    if let Some(c) = opt_trim(q.customer_id.clone()) {
        qb.push(" AND customer_id = ").push_bind(c.clone());
        filters.insert("customerId".into(), c.into());
    }
    if let Some(t) = opt_trim(q.file_type.clone()) {
        qb.push(" AND type = ").push_bind(t.clone());
        filters.insert("type".into(), t.into());
    }
    qb.push(" ORDER BY created_at DESC, rowid DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db.pool()).await?;
    let files: Vec<FileInfo> = rows.into_iter().map(|r| to_info(bu, r)).collect();
    Ok(FileList {
        count: files.len(),
        files,
        limit,
        offset,
        filters: serde_json::Value::Object(filters),
    })
}

/// Delete a file's record and, unless told not to, the file itself.
pub async fn delete(
    db: &Db,
    store: &FileStore,
    ctx: &Ctx,
    id: &str,
    from_storage: bool,
) -> Result<()> {
    let info = get(db, &ctx.bu, id).await?;
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM files WHERE id = ?")
        .bind(&info.file_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "file",
            entity_id: &info.file_id,
            action: "deleted",
            summary: format!("File {} deleted", info.filename),
            before: None,
            after: None,
        },
    )
    .await?;
    if from_storage {
        let path = store.full(&info.storage_path);
        if let Err(e) = std::fs::remove_file(&path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(Error::new(
                    ErrorCode::DeleteFailed,
                    format!(
                        "Could not delete {} from the file store: {e}",
                        info.filename
                    ),
                ));
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The prepared contract of an order.
pub async fn contract_document(
    db: &Db,
    bu: &BusinessUnit,
    order_id: &str,
) -> Result<pdf::ContractDoc> {
    let o = orders::get(db, bu, order_id).await.map_err(|e| {
        if e.code == ErrorCode::NotFound {
            Error::new(
                ErrorCode::OrderNotFound,
                format!("No order {} in this business unit.", order_id.trim()),
            )
        } else {
            e
        }
    })?;
    let f = bu.doc_format();
    let money = |m: crate::money::Money| f.amount(m.0, bu.currency_exponent, &bu.currency);
    let serials: Vec<(i64, String)> = sqlx::query_as(
        "SELECT coalesce(item_idx, -1), serial_number FROM subscriptions WHERE order_id = ? ORDER BY created_at, rowid",
    )
    .bind(&o.order_id)
    .fetch_all(db.pool())
    .await?;
    // The price rule (docs/rules.md): a consumer sees prices with VAT, a business net.
    let business = o.customer.customer_type == crate::domain::status::CustomerType::Business;
    let shown = |t: &orders::TaxedAmount| money(if business { t.net } else { t.gross });
    let lines = o
        .items
        .iter()
        .zip(&o.prices.lines)
        .enumerate()
        .map(|(idx, (it, price))| pdf::ContractLine {
            product: it.product_name.clone(),
            sku: it.sku.clone(),
            serial_numbers: serials
                .iter()
                .filter(|(i, _)| *i == idx as i64)
                .map(|(_, s)| s.clone())
                .collect(),
            quantity: it.quantity.to_string(),
            contract_months: format!("{} months", it.contract_length),
            monthly_price: shown(&price.month),
            line_total: shown(&price.contract),
        })
        .collect();
    let tax = &bu.tax_name;
    let rate = o.totals.tax_rate.normalize();
    let p = &o.prices;
    let (totals, price_note) = if business {
        (
            vec![
                (format!("Per month, excl. {tax}"), money(p.monthly.net)),
                (format!("{tax} {rate} %"), money(p.monthly.tax)),
                (format!("Per month, incl. {tax}"), money(p.monthly.gross)),
                (
                    format!("Contract value, excl. {tax}"),
                    money(p.contract.net),
                ),
            ],
            format!("Prices exclude {tax}; {rate} % {tax} is added on each invoice."),
        )
    } else {
        (
            vec![
                (format!("Per month, incl. {rate} % {tax}"), money(p.monthly.gross)),
                (format!("of which {tax}"), money(p.monthly.tax)),
                (format!("Contract value, incl. {tax}"), money(p.contract.gross)),
            ],
            format!("Prices include {rate} % {tax}. The contract value is every monthly payment of the contract."),
        )
    };
    let s = &bu.settings;
    let c = &o.customer;
    let person = format!("{} {}", c.first_name, c.last_name)
        .trim()
        .to_string();
    let a = &o.billing_address;
    let mut address = Vec::new();
    if c.company.is_some() && !person.is_empty() {
        address.push(format!("Attn. {person}"));
    }
    address.push(a.street_address.clone());
    address.push(
        format!("{} {}", a.postal_code.clone().unwrap_or_default(), a.city)
            .trim()
            .to_string(),
    );
    address.push(crate::domain::tax::country_name(&a.country));
    let mut extra = vec![c.email.clone()];
    if let Some(p) = &c.phone {
        extra.push(p.clone());
    }
    let seller = &s.seller;
    let seller_name = if seller.legal_name.trim().is_empty() {
        bu.name.clone()
    } else {
        seller.legal_name.clone()
    };
    let pct = |d: rust_decimal::Decimal| format!("{} %", d.normalize());
    let terms = vec![
        format!(
            "Rental. {seller_name} rents the devices above to the customer for the contract length shown, at the monthly price shown. Ownership stays with {seller_name} unless the device is bought out."
        ),
        format!(
            "Payment. Rent is invoiced monthly and is due {}.",
            if s.payment_terms_days == 0 { "on the invoice date".to_string() } else { format!("{} days after the invoice date", s.payment_terms_days) }
        ),
        match s.early_return_fee {
            crate::domain::settings::EarlyReturnFee::NoFee => "Early return. The customer may return a device before the end of the contract without a fee.".to_string(),
            crate::domain::settings::EarlyReturnFee::FlatFee => format!("Early return. A device returned before the end of the contract costs a fee of {}.", money(s.early_return_flat_fee)),
            crate::domain::settings::EarlyReturnFee::RemainingMonths => format!("Early return. A device returned before the end of the contract costs {} of the remaining monthly payments{}.", pct(s.early_return_pct), if s.grace_period_days > 0 { format!(", except within {} days of the start", s.grace_period_days) } else { String::new() }),
        },
        format!("Buyout. The customer may buy a device during the contract at the buyout price {seller_name} quotes on that day."),
        "Care. The customer keeps the devices in good condition and reports loss, theft or damage at once. A replacement may be provided under the terms of the service.".to_string(),
        contract_end_term(s),
    ];
    Ok(pdf::ContractDoc {
        title: "Rental contract".into(),
        order_number: o.order_number.clone(),
        date: f.date(&o.created_at),
        seller: super::invoices::seller_doc(bu),
        customer: pdf::Party {
            name: c
                .company
                .clone()
                .filter(|x| !x.trim().is_empty())
                .unwrap_or(person),
            address,
            vat_id: None,
            extra,
        },
        lines,
        totals,
        price_note,
        notes: o.notes.clone(),
        terms,
        footer: format!("{seller_name} · Order {}", o.order_number),
    })
}

/// What happens when a contract's months are over, under the unit's `contractEnd` setting.
fn contract_end_term(s: &crate::domain::settings::BuSettings) -> String {
    use crate::domain::settings::ContractEnd;
    let what = match s.contract_end {
        ContractEnd::AutoRenewMonthly => "the rental continues month by month at the same monthly price until the customer returns the device or buys it out",
        ContractEnd::AutoRenewSameTerm => "the contract renews for the same length at the same monthly price, unless the customer returns the device or buys it out before its end",
        ContractEnd::RequireAction => "the provider contacts the customer to agree on an extension, a buyout or the return of the device; no rent is charged past the contract's end until it is extended",
        ContractEnd::AutoTerminate => "the contract ends and the customer returns the device; no further rent is charged",
    };
    format!("End of contract. When the contract length is over, {what}.")
}

/// Generate an order's contract as a PDF in the file store (`POST /v1/files/contracts/generate`).
pub async fn generate_contract(
    db: &Db,
    store: &FileStore,
    ctx: &Ctx,
    order_id: &str,
    contract_type: Option<&str>,
) -> Result<FileInfo> {
    if order_id.trim().is_empty() {
        return Err(Error::invalid(
            "orderId",
            "Which order? orderId is required.",
        ));
    }
    match contract_type.map(str::trim).filter(|t| !t.is_empty()) {
        None | Some("order") | Some("rental") | Some("default") => {}
        Some(t) => {
            return Err(Error::new(
                ErrorCode::TemplateNotFound,
                format!(
                "There is no contract template '{t}'; FlexDesk prints the order contract (order)."
            ),
            ))
        }
    }
    let doc = contract_document(db, &ctx.bu, order_id).await?;
    let bytes = pdf::contract(&doc)?;
    let order: (String, String) = sqlx::query_as(
        "SELECT id, customer_id FROM orders WHERE (id = ? OR order_number = ?) AND bu_id = ?",
    )
    .bind(order_id.trim())
    .bind(order_id.trim())
    .bind(&ctx.bu.id)
    .fetch_one(db.pool())
    .await?;
    let id = new_id(prefix::FILE);
    let storage = FileStore::relative(&ctx.bu.id, &id, "pdf");
    store.write(&storage, &bytes)?;
    let filename = format!("contract-{}.pdf", doc.order_number);
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO files (id, bu_id, order_id, customer_id, type, category, filename, content_type, file_size, storage_path, sha256, uploaded_by,
             metadata, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'contract', 'generated', ?, 'application/pdf', ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&ctx.bu.id)
    .bind(&order.0)
    .bind(&order.1)
    .bind(&filename)
    .bind(bytes.len() as i64)
    .bind(&storage)
    .bind(hex::encode(Sha256::digest(&bytes)))
    .bind(&ctx.actor.name)
    .bind(serde_json::json!({ "orderNumber": doc.order_number, "template": "order" }).to_string())
    .bind(&ctx.now)
    .bind(&ctx.now)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "order",
            entity_id: &order.0,
            action: "contract_generated",
            summary: format!("Contract {filename} generated"),
            before: None,
            after: Some(serde_json::json!({ "fileId": id })),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, &ctx.bu, &id).await
}
