//! Reading the catalog: products with their variants and variant look-ups.

use super::*;
use crate::services::list::{total, Keyset, Paging};

// Reads

#[derive(sqlx::FromRow)]
pub(super) struct VariantRow {
    pub(super) id: String,
    pub(super) product_id: String,
    pub(super) product_sku: String,
    pub(super) product_name: String,
    pub(super) category: String,
    pub(super) variant_sku: String,
    pub(super) variant_name: String,
    pub(super) grade: String,
    pub(super) condition: Option<String>,
    pub(super) color_name: Option<String>,
    pub(super) images: String,
    pub(super) list_price: Option<i64>,
    pub(super) acquisition_cost: Option<i64>,
    pub(super) status: String,
    pub(super) created_at: String,
    pub(super) updated_at: String,
    /// The variant's tiers as one JSON array (one row per variant keeps list pages cheap).
    pub(super) tiers: String,
}

pub(super) const VARIANT_COLS: &str = "v.id, v.product_id, p.product_sku, p.name AS product_name, p.category, v.variant_sku, v.variant_name, v.grade, v.condition, v.color_name, v.images,
     v.list_price, v.acquisition_cost, v.status, v.created_at, v.updated_at,
     (SELECT json_group_array(json_array(t.contract_length, t.monthly_price, t.setup_fee, t.discount, t.source, t.preset_used, t.calculated_at))
        FROM (SELECT * FROM pricing_tiers t WHERE t.variant_id = v.id ORDER BY t.contract_length) t) AS tiers";

pub(super) enum VariantScope<'a> {
    Ids(&'a [String]),
    Products(&'a [String]),
}

pub(super) async fn load_variants<'e, E>(
    exec: E,
    bu: &BusinessUnit,
    scope: VariantScope<'_>,
) -> Result<Vec<Variant>>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let (col, ids) = match scope {
        VariantScope::Ids(ids) => ("v.id", ids),
        VariantScope::Products(ids) => ("v.product_id", ids),
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<VariantRow> = sqlx::query_as(&format!(
        "SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = ? AND {col} IN (SELECT value FROM json_each(?)) ORDER BY v.variant_sku"))
        .bind(&bu.id).bind(serde_json::to_string(ids)?).fetch_all(exec).await?;
    rows_to_variants(bu, rows)
}

pub(super) type TierTuple = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(super) fn rows_to_variants(bu: &BusinessUnit, rows: Vec<VariantRow>) -> Result<Vec<Variant>> {
    let mut tiers: HashMap<String, Vec<PricingTier>> = HashMap::new();
    for r in &rows {
        let list: Vec<TierTuple> = serde_json::from_str(&r.tiers)
            .map_err(|e| Error::internal(format!("tiers of {}: {e}", r.id)))?;
        tiers.insert(
            r.id.clone(),
            list.into_iter()
                .map(
                    |(len, price, fee, discount, source, preset, at)| PricingTier {
                        contract_length: len as u32,
                        monthly_price: bu.money(price),
                        setup_fee: bu.money_opt(fee),
                        discount: json_col(discount.as_deref()),
                        source,
                        calculated_at: at,
                        preset_used: preset,
                    },
                )
                .collect(),
        );
    }
    Ok(rows
        .into_iter()
        .map(|r| Variant {
            pricing: tiers.remove(&r.id).unwrap_or_default(),
            in_stock: None,
            variant_id: r.id,
            tenant_id: bu.id.clone(),
            product_id: r.product_id,
            product_sku: r.product_sku,
            product_name: r.product_name,
            category: r.category,
            variant_sku: r.variant_sku,
            variant_name: r.variant_name,
            grade: r.grade,
            condition: r.condition,
            color_name: r.color_name,
            images: json_col(Some(&r.images)).unwrap_or_default(),
            list_price: bu.money_opt(r.list_price),
            acquisition_cost: bu.money_opt(r.acquisition_cost),
            status: VariantStatus::parse(&r.status).unwrap_or(VariantStatus::Inactive),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
pub(super) struct ProductRow {
    pub(super) id: String,
    pub(super) product_sku: String,
    pub(super) name: String,
    pub(super) specification: String,
    pub(super) category: String,
    pub(super) brand: String,
    pub(super) description: Option<String>,
    pub(super) images: String,
    pub(super) status: String,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

pub(super) const PRODUCT_COLS: &str = "id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at";

pub(super) async fn with_variants<'e, E>(
    exec: E,
    bu: &BusinessUnit,
    rows: Vec<ProductRow>,
) -> Result<Vec<Product>>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_product: HashMap<String, Vec<Variant>> = HashMap::new();
    for v in load_variants(exec, bu, VariantScope::Products(&ids)).await? {
        by_product.entry(v.product_id.clone()).or_default().push(v);
    }
    Ok(rows
        .into_iter()
        .map(|r| Product {
            variants: by_product.remove(&r.id).unwrap_or_default(),
            product_id: r.id,
            tenant_id: bu.id.clone(),
            product_sku: r.product_sku,
            name: r.name,
            specification: r.specification,
            category: r.category,
            brand: r.brand,
            description: r.description,
            images: json_col(Some(&r.images)).unwrap_or_default(),
            status: ProductStatus::parse(&r.status).unwrap_or(ProductStatus::Discontinued),
            sync: SyncInfo {
                source: "manual".into(),
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

pub async fn get_product(db: &Db, bu: &BusinessUnit, product_id: &str) -> Result<Product> {
    product_in(&mut *db.pool().acquire().await?, bu, product_id).await
}

pub(super) async fn product_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    id: &str,
) -> Result<Product> {
    let row: Option<ProductRow> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLS} FROM products WHERE id = ? AND bu_id = ?"
    ))
    .bind(id)
    .bind(&bu.id)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::not_found("Product", id))?;
    Ok(with_variants(conn, bu, vec![row]).await?.remove(0))
}

/// A product as the body of its create or update (`POST /v1/products`, `PUT`): the fields its
/// owner sets, with the ids of the product and its variants.
pub(super) fn product_body(p: &Product) -> Value {
    let mut v = crate::money::to_wire_value(p);
    let strip = |o: &mut Value, keys: &[&str]| {
        if let Some(o) = o.as_object_mut() {
            for k in keys {
                o.remove(*k);
            }
        }
    };
    strip(&mut v, &["tenantId", "_sync", "createdAt", "updatedAt"]);
    for var in v
        .get_mut("variants")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        strip(
            var,
            &[
                "tenantId",
                "productId",
                "productSku",
                "productName",
                "category",
                "createdAt",
                "updatedAt",
            ],
        );
    }
    v
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct ProductQuery {
    /// FlexDesk sync extension: only rows changed after this token.
    pub changed_since: Option<String>,
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    /// Desk search over name and SKU.
    pub q: Option<String>,
    /// FlexDesk: count every matching product (`total` of the page).
    pub include_total: Option<bool>,
}

pub async fn list_products(db: &Db, bu: &BusinessUnit, q: &ProductQuery) -> Result<Page<Product>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        q.changed_since.as_deref(),
    )?;
    let filtered = |select: &str| -> Result<QueryBuilder<'static, Sqlite>> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {select} FROM products p WHERE p.bu_id = "));
        qb.push_bind(bu.id.clone());
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            ProductStatus::parse_field("status", s)?;
            qb.push(" AND p.status = ").push_bind(s.to_string());
        }
        if let Some(c) = q.category.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND p.category = ").push_bind(c.to_string());
        }
        if let Some(b) = q.brand.as_deref().filter(|s| !s.is_empty()) {
            qb.push(" AND p.brand = ").push_bind(b.to_string());
        }
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let like = format!("%{}%", text.replace(['%', '_'], ""));
            qb.push(" AND (p.name LIKE ").push_bind(like.clone()).push(" OR p.product_sku LIKE ").push_bind(like.clone())
                .push(" OR p.brand LIKE ").push_bind(like.clone())
                .push(" OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND (v.variant_sku LIKE ").push_bind(like.clone())
                .push(" OR v.variant_name LIKE ").push_bind(like).push(")))");
        }
        Ok(qb)
    };
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<ProductRow> = Keyset::of("products", "p", "product")
        .rows_on(&mut conn, filtered(PRODUCT_COLS)?, &bu.id, &p)
        .await?;
    let products = with_variants(&mut *conn, bu, rows).await?;
    let mut page = p.page(products, |x| x.product_id.clone());
    if q.include_total == Some(true) {
        page.total = Some(total(&mut conn, filtered("count(*)")?).await?);
    }
    Ok(page)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct VariantQuery {
    pub limit: Option<String>,
    pub start_after: Option<String>,
    pub sort_dir: Option<String>,
    pub status: Option<String>,
    pub product_sku: Option<String>,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub sku: Option<String>,
    /// Desk search over SKU, variant and product names, brand and category.
    pub q: Option<String>,
}

pub async fn list_variants(db: &Db, bu: &BusinessUnit, q: &VariantQuery) -> Result<Page<Variant>> {
    let p = Paging::parse(
        q.limit.as_deref(),
        q.sort_dir.as_deref(),
        q.start_after.as_deref(),
        None,
    )?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = "));
    qb.push_bind(bu.id.clone());
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        VariantStatus::parse_field("status", s)?;
        qb.push(" AND v.status = ").push_bind(s.to_string());
    }
    if let Some(s) = q.product_sku.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.product_sku = ").push_bind(s.to_string());
    }
    if let Some(s) = q.grade.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND v.grade = ").push_bind(s.to_uppercase());
    }
    if let Some(s) = q.category.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.category = ").push_bind(s.to_string());
    }
    if let Some(s) = q.brand.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND p.brand = ").push_bind(s.to_string());
    }
    if let Some(s) = q.sku.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND v.variant_sku = ").push_bind(s.to_string());
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", text.replace(['%', '_'], ""));
        qb.push(" AND (v.variant_sku LIKE ")
            .push_bind(like.clone())
            .push(" OR v.variant_name LIKE ")
            .push_bind(like.clone())
            .push(" OR p.name LIKE ")
            .push_bind(like.clone())
            .push(" OR p.brand LIKE ")
            .push_bind(like.clone())
            .push(" OR p.category LIKE ")
            .push_bind(like)
            .push(")");
    }
    let mut conn = db.pool().acquire().await?;
    let rows: Vec<VariantRow> = Keyset::unsynced("variants", "v")
        .rows_on(&mut conn, qb, &bu.id, &p)
        .await?;
    let mut variants = rows_to_variants(bu, rows)?;
    for v in &mut variants {
        v.in_stock = Some(
            sqlx::query_scalar(
                "SELECT count(*) FROM assets WHERE bu_id = ? AND sku = ? AND status = 'available'",
            )
            .bind(&bu.id)
            .bind(&v.variant_sku)
            .fetch_one(&mut *conn)
            .await?,
        );
    }
    Ok(p.page(variants, |v| v.variant_id.clone()))
}

/// The active variant with this SKU, with its tiers (orders and asset intake use it).
pub async fn variant_by_sku(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    sku: &str,
) -> Result<Option<Variant>> {
    let row: Option<VariantRow> = sqlx::query_as(&format!("SELECT {VARIANT_COLS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.bu_id = ? AND v.variant_sku = ?"))
        .bind(&bu.id).bind(sku.trim()).fetch_optional(&mut *conn).await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(rows_to_variants(bu, vec![r])?.pop()),
    }
}

/// A variant that can be rented out now: `VARIANT_NOT_FOUND` for an unknown SKU,
/// `VARIANT_INACTIVE` when it or its product is no longer offered (orders and upgrades).
pub async fn offered_variant(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    sku: &str,
) -> Result<Variant> {
    let sku = sku.trim();
    let v = variant_by_sku(&mut *conn, bu, sku).await?.ok_or_else(|| {
        Error::new(
            ErrorCode::VariantNotFound,
            format!("No variant has the SKU {sku}."),
        )
    })?;
    let product_active: Option<String> =
        sqlx::query_scalar("SELECT status FROM products WHERE id = ?")
            .bind(&v.product_id)
            .fetch_optional(&mut *conn)
            .await?;
    if v.status != VariantStatus::Active || product_active.as_deref() != Some("active") {
        return Err(Error::new(
            ErrorCode::VariantInactive,
            format!("{} ({sku}) is not offered any more.", v.variant_name),
        ));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
