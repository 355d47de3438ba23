//! Bulk intake from CSV.

use super::*;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AssetImportReport {
    pub success: bool,
    pub message: String,
    pub created: usize,
    pub errors: Vec<crate::services::catalog::RowError>,
    pub rolled_back: bool,
}

/// Bulk intake from CSV (`Serial Number`, `SKU`, optional `Location`, `Condition`,
/// `Acquisition Cost`, `Acquisition Date`, `Notes`). One transaction; bad rows, serials already
/// registered and serials twice in the file are reported by line; with `allOrNothing` (the
/// default) any of them makes the import write nothing, without it they are skipped.
pub async fn import_csv(
    db: &Db,
    ctx: &Ctx,
    data: &[u8],
    opts: crate::services::catalog::ImportOptions,
) -> Result<AssetImportReport> {
    let mut rdr = crate::services::csv_file::reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid("csvFile", format!("The file is not CSV: {e}")))?
        .clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(c_sn), Some(c_sku)) = (
        col(&["Serial Number", "serialNumber", "Serial"]),
        col(&["SKU", "Variant SKU", "sku"]),
    ) else {
        return Err(Error::invalid(
            "csvFile",
            "The header row needs Serial Number and SKU columns.",
        ));
    };
    let (c_loc, c_cond, c_cost, c_date, c_notes) = (
        col(&["Location"]),
        col(&["Condition"]),
        col(&["Acquisition Cost", "acquisitionCost"]),
        col(&["Acquisition Date", "acquisitionDate"]),
        col(&["Notes"]),
    );
    let mut tx = db.write().await?;
    let mut errors = Vec::new();
    let mut created = 0;
    // A serial (as stored) -> the line it first came on in this file.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(crate::services::catalog::RowError {
                    row: line,
                    sku: None,
                    error: format!("Unreadable row: {e}"),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        let cost = match get(c_cost).map(|t| crate::money::parse_amount(&t)) {
            Some(Err(e)) => {
                errors.push(crate::services::catalog::RowError {
                    row: line,
                    sku: get(Some(c_sku)),
                    error: format!("Acquisition Cost {}", e.message),
                });
                continue;
            }
            Some(Ok(m)) => Some(m),
            None => None,
        };
        let raw_serial = get(Some(c_sn)).unwrap_or_default();
        if let Ok(serial) = crate::domain::serial::normalize(&raw_serial) {
            if let Some(first) = seen.get(&serial) {
                errors.push(crate::services::catalog::RowError {
                    row: line,
                    sku: get(Some(c_sku)),
                    error: format!("{serial} is in this file twice: also on line {first}."),
                });
                continue;
            }
            seen.insert(serial, line);
        }
        let input = AssetInput {
            serial_number: raw_serial,
            sku: get(Some(c_sku)).unwrap_or_default(),
            location: get(c_loc),
            condition: get(c_cond),
            acquisition_cost: cost,
            acquisition_date: get(c_date),
            notes: get(c_notes),
            status: None,
        };
        sqlx::query("SAVEPOINT asset_row").execute(&mut *tx).await?;
        match write::insert(&mut tx, ctx, &input).await {
            Ok(_) => {
                sqlx::query("RELEASE asset_row").execute(&mut *tx).await?;
                created += 1;
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO asset_row")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("RELEASE asset_row").execute(&mut *tx).await?;
                errors.push(crate::services::catalog::RowError {
                    row: line,
                    sku: Some(input.sku),
                    error: format!("{}: {}", input.serial_number.trim(), e.message),
                });
            }
        }
    }
    let rolled_back = opts.dry_run || (opts.all_or_nothing && !errors.is_empty());
    if rolled_back {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    let assets = |n: usize| {
        if n == 1 {
            "1 asset".to_string()
        } else {
            format!("{n} assets")
        }
    };
    let rows = |n: usize| {
        if n == 1 {
            "1 row".to_string()
        } else {
            format!("{n} rows")
        }
    };
    let message = if opts.dry_run {
        format!(
            "{} would be added; {} with errors. Nothing is written yet.",
            assets(created),
            rows(errors.len())
        )
    } else if rolled_back {
        format!(
            "Nothing was written: {} with errors ({} would be added without them).",
            rows(errors.len()),
            assets(created)
        )
    } else if errors.is_empty() {
        format!("{} added.", assets(created))
    } else {
        format!("{} added; {} skipped.", assets(created), rows(errors.len()))
    };
    Ok(AssetImportReport {
        success: errors.is_empty(),
        message,
        created: if rolled_back { 0 } else { created },
        errors,
        rolled_back,
    })
}
