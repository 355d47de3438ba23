//! The product CSV import: each row checked, problems reported by line, good rows upserted.

use super::*;

// CSV import

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub row: usize,
    pub sku: Option<String>,
    pub error: String,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub total_rows: usize,
    pub products_created: usize,
    pub products_updated: usize,
    pub variants_created: usize,
    pub variants_updated: usize,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub success: bool,
    pub message: String,
    /// Rows (variants) created and updated.
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<RowError>,
    pub summary: ImportSummary,
    /// True when nothing was written (a dry run, or all-or-nothing with errors).
    pub rolled_back: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportOptions {
    /// Check everything and write nothing.
    pub dry_run: bool,
    /// Write nothing if any row has an error (on unless turned off).
    pub all_or_nothing: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            dry_run: false,
            all_or_nothing: true,
        }
    }
}

/// Import products from CSV (the FlexPortal column set). The whole file is one transaction: a
/// crash leaves nothing half-imported. A product is written whole or not at all: a row with an
/// error refuses its product, every row of it reported by line. With `allOrNothing` (the default)
/// any error makes the import write nothing; without it, the other products are written.
pub async fn import_csv(
    db: &Db,
    ctx: &Ctx,
    data: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport> {
    let bu = &ctx.bu;
    let mut rdr = crate::services::csv_file::reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid("csvFile", format!("The file is not CSV: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required = [
        "Product Name",
        "Product SKU",
        "Category",
        "Brand",
        "Specification",
        "Variant SKU",
        "List Price",
        "Acquisition Cost",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|h| col(h).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "csvFile",
            format!("The header row lacks: {}.", missing.join(", ")),
        ));
    }
    let price_cols: Vec<(u32, usize)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.to_ascii_lowercase();
            let n = h
                .strip_suffix("mo_price")?
                .trim_end_matches('_')
                .parse::<u32>()
                .ok()?;
            Some((n, i))
        })
        .collect();
    if price_cols.is_empty() {
        return Err(Error::invalid(
            "csvFile",
            "The header row has no price column (for example 12mo_Price).",
        ));
    }
    let (c_name, c_psku, c_cat, c_brand, c_spec, c_vsku, c_list, c_cost) = (
        col("Product Name").unwrap(),
        col("Product SKU").unwrap(),
        col("Category").unwrap(),
        col("Brand").unwrap(),
        col("Specification").unwrap(),
        col("Variant SKU").unwrap(),
        col("List Price").unwrap(),
        col("Acquisition Cost").unwrap(),
    );
    let (c_grade, c_color, c_vname, c_desc) = (
        col("Grade"),
        col("Color"),
        col("Variant Name"),
        col("Description"),
    );

    let mut errors = Vec::new();
    let mut total_rows = 0;
    // Product SKU -> (first line, input, lines of its variants)
    let mut groups: BTreeMap<String, (usize, ProductInput, Vec<usize>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    // Product SKU -> the first line of it with an error: the product is refused whole.
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    // Variant SKU (as written, case aside) -> its line and product.
    let mut variants_seen: std::collections::HashMap<String, (usize, String)> =
        std::collections::HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        total_rows += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row: line,
                    sku: None,
                    error: format!("Unreadable row: {e}"),
                });
                continue;
            }
        };
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let vsku = get(c_vsku);
        let mut problems = Vec::new();
        for (label, c) in [
            ("Product Name", c_name),
            ("Product SKU", c_psku),
            ("Category", c_cat),
            ("Brand", c_brand),
            ("Specification", c_spec),
            ("Variant SKU", c_vsku),
        ] {
            if get(c).is_empty() {
                problems.push(format!("{label} is empty"));
            }
        }
        let money = |label: &str, text: String, problems: &mut Vec<String>| -> Option<Money> {
            if text.is_empty() {
                problems.push(format!("{label} is empty"));
                return None;
            }
            match crate::money::parse_amount(&text) {
                Ok(m) if !m.is_negative() => Some(m),
                Ok(_) => {
                    problems.push(format!("{label} '{text}' cannot be negative"));
                    None
                }
                Err(_) => {
                    problems.push(format!("{label} '{text}' is not an amount"));
                    None
                }
            }
        };
        let list_price = money("List Price", get(c_list), &mut problems);
        let cost = money("Acquisition Cost", get(c_cost), &mut problems);
        let mut pricing = serde_json::Map::new();
        for (months, c) in &price_cols {
            let t = get(*c);
            if t.is_empty() {
                continue;
            }
            match crate::money::parse_amount(&t) {
                Ok(m) if !m.is_negative() => {
                    pricing.insert(months.to_string(), Value::String(m.to_string()));
                }
                Ok(_) => problems.push(format!("{months}mo_Price '{t}' cannot be negative")),
                Err(_) => problems.push(format!("{months}mo_Price '{t}' is not an amount")),
            }
        }
        if pricing.is_empty() {
            problems.push("no monthly price is given".into());
        }
        let psku = get(c_psku);
        if !vsku.is_empty() {
            match variants_seen.get(&vsku.to_uppercase()) {
                Some((at, other)) if *other == psku => problems.push(format!(
                    "Variant SKU {vsku} is already on line {at}: a variant is listed once"
                )),
                Some((at, other)) => problems.push(format!(
                    "Variant SKU {vsku} is also on line {at}, under product {other}: a variant belongs to one product"
                )),
                None => {
                    variants_seen.insert(vsku.to_uppercase(), (line, psku.clone()));
                }
            }
        }
        if !problems.is_empty() {
            if !psku.is_empty() {
                refused.entry(psku.clone()).or_insert(line);
            }
            errors.push(RowError {
                row: line,
                sku: Some(vsku).filter(|s| !s.is_empty()),
                error: problems.join("; ") + ".",
            });
            continue;
        }
        let grade = c_grade
            .map(get)
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| "A".into());
        let color = c_color.map(get).filter(|s| !s.is_empty());
        let vname = c_vname
            .map(get)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                [
                    Some(get(c_name)),
                    color.clone(),
                    Some(format!("Grade {grade}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
            });
        let variant = VariantInput {
            variant_sku: vsku,
            variant_name: vname,
            grade,
            color_name: color,
            list_price,
            acquisition_cost: cost,
            pricing: Value::Object(pricing),
            ..Default::default()
        };
        let entry = groups.entry(psku.clone()).or_insert_with(|| {
            order.push(psku.clone());
            (
                line,
                ProductInput {
                    product_sku: psku.clone(),
                    name: get(c_name),
                    specification: Value::String(get(c_spec)),
                    category: get(c_cat),
                    brand: get(c_brand),
                    description: c_desc.map(get).filter(|s| !s.is_empty()),
                    ..Default::default()
                },
                Vec::new(),
            )
        });
        entry.1.variants.push(variant);
        entry.2.push(line);
    }

    let mut tx = db.write().await?;
    let mut idx = SkuIndex::preload(&mut tx, &bu.id).await?;
    let mut summary = ImportSummary {
        total_rows,
        ..Default::default()
    };
    let now = ctx.now.clone();
    for psku in order {
        let (first_line, input, lines) = groups.remove(&psku).expect("grouped");
        if let Some(bad) = refused.get(&psku) {
            // A product is written whole or not at all.
            for (line, v) in lines.iter().zip(&input.variants) {
                errors.push(RowError {
                    row: *line,
                    sku: Some(v.variant_sku.clone()),
                    error: format!(
                        "Not imported: line {bad} of product {psku} has an error, and a product is imported whole."
                    ),
                });
            }
            continue;
        }
        let result = match clean_product(bu, &input) {
            // `upsert_tx` refuses a product before its first write, so a refused product leaves no
            // trace; a storage error after that fails the whole import (one transaction).
            Ok(clean) => upsert_tx(&mut tx, ctx, &mut idx, clean, None, &now, true).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => {
                if r.operation == "created" {
                    summary.products_created += 1
                } else {
                    summary.products_updated += 1
                }
                for v in &r.variant_results {
                    if v.operation == "create" {
                        summary.variants_created += 1
                    } else {
                        summary.variants_updated += 1
                    }
                }
            }
            Err(e) => {
                let why = &e.message;
                for (line, v) in lines.iter().zip(&input.variants) {
                    errors.push(RowError {
                        row: *line,
                        sku: Some(v.variant_sku.clone()),
                        error: format!("Product {psku} (line {first_line}): {why}"),
                    });
                }
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    let rolled_back = opts.dry_run || (opts.all_or_nothing && !errors.is_empty());
    if rolled_back {
        tx.rollback().await?;
    } else {
        record(
            &mut tx,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "import",
                entity_id: &new_id("imp"),
                action: "products_imported",
                summary: format!(
                    "CSV import: {} rows, {} products created, {} updated, {} errors",
                    total_rows,
                    summary.products_created,
                    summary.products_updated,
                    errors.len()
                ),
                before: None,
                after: Some(serde_json::to_value(&summary)?),
            },
        )
        .await?;
        tx.commit().await?;
    }
    let created = if rolled_back {
        0
    } else {
        summary.variants_created
    };
    let updated = if rolled_back {
        0
    } else {
        summary.variants_updated
    };
    let message = if opts.dry_run {
        format!(
            "Checked {total_rows} rows: {} errors; nothing was written.",
            errors.len()
        )
    } else if rolled_back {
        format!(
            "Nothing was imported: {} of {total_rows} rows have errors (or belong to a product that has one).",
            errors.len()
        )
    } else if errors.is_empty() {
        format!("Imported {total_rows} rows: {created} variants created, {updated} updated.")
    } else {
        format!(
            "Imported {} of {total_rows} rows: {created} variants created, {updated} updated; {} rows not imported.",
            total_rows - errors.len(),
            errors.len()
        )
    };
    Ok(ImportReport {
        success: errors.is_empty(),
        message,
        created,
        updated,
        errors,
        summary,
        rolled_back,
    })
}
