//! Writing the catalog: the product upsert shared by the v1 API, the desk and the CSV import; edits, deletes and variant status.

use super::*;

// Upsert (shared by the v1 API, the desk and the CSV import)

/// SKU lookups for one write transaction; the CSV import preloads the whole business unit.
#[derive(Default)]
pub(super) struct SkuIndex {
    pub(super) preloaded: bool,
    pub(super) products: HashMap<String, String>,
    pub(super) variants: HashMap<String, (String, String)>,
    pub(super) categories: HashMap<String, ()>,
}

impl SkuIndex {
    pub(super) async fn preload(conn: &mut SqliteConnection, bu_id: &str) -> Result<SkuIndex> {
        let products: Vec<(String, String)> =
            sqlx::query_as("SELECT product_sku, id FROM products WHERE bu_id = ?")
                .bind(bu_id)
                .fetch_all(&mut *conn)
                .await?;
        let variants: Vec<(String, String, String)> =
            sqlx::query_as("SELECT variant_sku, id, product_id FROM variants WHERE bu_id = ?")
                .bind(bu_id)
                .fetch_all(&mut *conn)
                .await?;
        let cats: Vec<(String,)> = sqlx::query_as("SELECT name FROM categories WHERE bu_id = ?")
            .bind(bu_id)
            .fetch_all(&mut *conn)
            .await?;
        Ok(SkuIndex {
            preloaded: true,
            products: products.into_iter().collect(),
            variants: variants
                .into_iter()
                .map(|(s, id, p)| (s, (id, p)))
                .collect(),
            categories: cats.into_iter().map(|(n,)| (n, ())).collect(),
        })
    }
    pub(super) async fn product(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        sku: &str,
    ) -> Result<Option<String>> {
        if self.preloaded {
            return Ok(self.products.get(sku).cloned());
        }
        Ok(
            sqlx::query_scalar("SELECT id FROM products WHERE bu_id = ? AND product_sku = ?")
                .bind(bu_id)
                .bind(sku)
                .fetch_optional(conn)
                .await?,
        )
    }
    pub(super) async fn variant(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        sku: &str,
    ) -> Result<Option<(String, String)>> {
        if self.preloaded {
            return Ok(self.variants.get(sku).cloned());
        }
        Ok(sqlx::query_as(
            "SELECT id, product_id FROM variants WHERE bu_id = ? AND variant_sku = ?",
        )
        .bind(bu_id)
        .bind(sku)
        .fetch_optional(conn)
        .await?)
    }
    pub(super) async fn ensure_category(
        &mut self,
        conn: &mut SqliteConnection,
        bu_id: &str,
        name: &str,
    ) -> Result<()> {
        if self.categories.contains_key(name) {
            return Ok(());
        }
        ensure_category(conn, bu_id, name).await?;
        self.categories.insert(name.to_string(), ());
        Ok(())
    }
}

/// Variants of open orders (pending, confirmed, partial) cannot be deactivated.
pub(super) async fn variant_in_open_orders(
    conn: &mut SqliteConnection,
    variant_id: &str,
) -> Result<bool> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.variant_id = ? AND o.status IN ('pending', 'confirmed', 'partial') LIMIT 1",
    )
    .bind(variant_id)
    .fetch_optional(conn)
    .await?;
    Ok(n.is_some())
}

/// Replace the tiers of `replaced` variants and insert `rows` (variant id, tier) in one statement.
pub(super) async fn write_tiers(
    conn: &mut SqliteConnection,
    replaced: &[String],
    rows: &[(String, &CleanTier)],
) -> Result<()> {
    for chunk in replaced.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM pricing_tiers WHERE variant_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(id);
        }
        qb.push(")");
        qb.build().execute(&mut *conn).await?;
    }
    if rows.is_empty() {
        return Ok(());
    }
    // Chunks keep each statement well under SQLite's limit on bound values.
    for chunk in rows.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO pricing_tiers (variant_id, contract_length, monthly_price, setup_fee, discount, source, preset_used, calculated_at) ");
        qb.push_values(chunk, |mut b, (variant_id, t)| {
            b.push_bind(variant_id)
                .push_bind(t.contract_length)
                .push_bind(t.monthly_price)
                .push_bind(t.setup_fee)
                .push_bind(t.discount.clone())
                .push_bind(t.source.clone())
                .push_bind(t.preset_used.clone())
                .push_bind(t.calculated_at.clone());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `target`: the product being updated through `PUT /products/{id}` (None for create-or-update).
pub(super) async fn upsert_tx(
    conn: &mut SqliteConnection,
    ctx: &Ctx,
    idx: &mut SkuIndex,
    p: CleanProduct,
    target: Option<&str>,
    now: &str,
    audit: bool,
) -> Result<UpsertResult> {
    let bu = &ctx.bu;
    let by_sku = idx.product(conn, &bu.id, &p.sku).await?;
    let product_id = match (target, &by_sku) {
        (Some(t), Some(other)) if other != t => {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The product SKU {} belongs to another product.", p.sku),
            ));
        }
        (Some(t), _) => Some(t.to_string()),
        (None, Some(found)) if p.id.as_deref().is_some_and(|sent| sent != found) => {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The product SKU {} belongs to another product.", p.sku),
            ));
        }
        (None, found) => found.clone(),
    };
    // Check every variant SKU before writing anything.
    let mut plan = Vec::new();
    for v in &p.variants {
        let existing = idx.variant(conn, &bu.id, &v.sku).await?;
        if let (Some((vid, _)), Some(sent)) = (&existing, &v.id) {
            if vid != sent {
                return Err(Error::new(
                    ErrorCode::DuplicateSku,
                    format!("The variant SKU {} belongs to another variant.", v.sku),
                ));
            }
        }
        if let (Some((_, owner)), Some(pid)) = (&existing, &product_id) {
            if owner != pid {
                return Err(Error::new(
                    ErrorCode::DuplicateSku,
                    format!("The variant SKU {} belongs to another product.", v.sku),
                ));
            }
        } else if existing.is_some() {
            return Err(Error::new(
                ErrorCode::DuplicateSku,
                format!("The variant SKU {} belongs to another product.", v.sku),
            ));
        }
        if let (Some((vid, _)), Some(VariantStatus::Inactive)) = (&existing, v.status) {
            if variant_in_open_orders(conn, vid).await? {
                return Err(Error::new(
                    ErrorCode::VariantInUse,
                    format!(
                        "Variant {} is on open orders and cannot be deactivated.",
                        v.sku
                    ),
                ));
            }
        }
        plan.push(existing.map(|(id, _)| id));
    }
    idx.ensure_category(conn, &bu.id, &p.category).await?;
    let (product_id, operation) = match product_id {
        Some(id) => {
            let n = sqlx::query(
                "UPDATE products SET product_sku = ?, name = ?, specification = ?, category = ?, brand = ?, description = ?, images = ?,
                 status = coalesce(?, status), updated_at = ? WHERE id = ? AND bu_id = ?")
                .bind(&p.sku).bind(&p.name).bind(&p.specification).bind(&p.category).bind(&p.brand).bind(&p.description).bind(&p.images)
                .bind(p.status.map(|s| s.as_str())).bind(now).bind(&id).bind(&bu.id)
                .execute(&mut *conn).await?.rows_affected();
            if n == 0 {
                return Err(Error::not_found("Product", &id));
            }
            (id, "updated")
        }
        None => {
            let id = crate::services::client_id(
                conn,
                ctx,
                "productId",
                p.id.as_deref(),
                prefix::PRODUCT,
                "products",
            )
            .await?;
            sqlx::query(
                "INSERT INTO products (id, bu_id, product_sku, name, specification, category, brand, description, images, status, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&id).bind(&bu.id).bind(&p.sku).bind(&p.name).bind(&p.specification).bind(&p.category).bind(&p.brand)
                .bind(&p.description).bind(&p.images).bind(p.status.unwrap_or(ProductStatus::Active).as_str()).bind(now).bind(now)
                .execute(&mut *conn).await?;
            (id, "created")
        }
    };
    idx.products.insert(p.sku.clone(), product_id.clone());
    // Updates one by one; new variants, and the tiers of all variants, in one statement each.
    let mut results = Vec::new();
    let mut fresh = Vec::new();
    let mut tier_rows: Vec<(String, &CleanTier)> = Vec::new();
    let mut replaced = Vec::new();
    let mut updated = Vec::new();
    for (v, existing) in p.variants.iter().zip(plan) {
        let vid = match existing {
            Some(vid) => {
                updated.push((vid.clone(), v));
                replaced.push(vid.clone());
                results.push(VariantResult {
                    variant_sku: v.sku.clone(),
                    operation: "update".into(),
                });
                vid
            }
            None => {
                let vid = crate::services::client_id(
                    conn,
                    ctx,
                    "variantId",
                    v.id.as_deref(),
                    prefix::VARIANT,
                    "variants",
                )
                .await?;
                fresh.push((vid.clone(), v));
                idx.variants
                    .insert(v.sku.clone(), (vid.clone(), product_id.clone()));
                results.push(VariantResult {
                    variant_sku: v.sku.clone(),
                    operation: "create".into(),
                });
                vid
            }
        };
        tier_rows.extend(v.tiers.iter().map(|t| (vid.clone(), t)));
    }
    for fresh in fresh.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO variants (id, bu_id, product_id, variant_sku, variant_name, grade, condition, color_name, images, list_price, acquisition_cost, status, created_at, updated_at) ");
        qb.push_values(fresh, |mut b, (vid, v)| {
            b.push_bind(vid)
                .push_bind(&bu.id)
                .push_bind(&product_id)
                .push_bind(&v.sku)
                .push_bind(&v.name)
                .push_bind(&v.grade)
                .push_bind(&v.condition)
                .push_bind(&v.color_name)
                .push_bind(&v.images)
                .push_bind(v.list_price)
                .push_bind(v.acquisition_cost)
                .push_bind(v.status.unwrap_or(VariantStatus::Active).as_str())
                .push_bind(now)
                .push_bind(now);
        });
        qb.build().execute(&mut *conn).await?;
    }
    for chunk in updated.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE variants SET variant_name = u.column2, grade = u.column3, condition = u.column4, color_name = u.column5, images = u.column6,
             list_price = u.column7, acquisition_cost = u.column8, status = coalesce(u.column9, variants.status), updated_at = u.column10 FROM (");
        qb.push_values(chunk, |mut b, (vid, v)| {
            b.push_bind(vid)
                .push_bind(&v.name)
                .push_bind(&v.grade)
                .push_bind(&v.condition)
                .push_bind(&v.color_name)
                .push_bind(&v.images)
                .push_bind(v.list_price)
                .push_bind(v.acquisition_cost)
                .push_bind(v.status.map(|s| s.as_str()))
                .push_bind(now);
        });
        qb.push(") AS u WHERE variants.id = u.column1");
        qb.build().execute(&mut *conn).await?;
    }
    write_tiers(conn, &replaced, &tier_rows).await?;
    if audit {
        let created = results.iter().filter(|r| r.operation == "create").count();
        record(
            conn,
            &ctx.actor,
            ctx.at,
            Entry {
                bu_id: Some(&bu.id),
                entity_type: "product",
                entity_id: &product_id,
                action: operation,
                summary: format!(
                    "{} {} ({} variants, {} new)",
                    p.name,
                    operation,
                    results.len(),
                    created
                ),
                before: None,
                after: None,
            },
        )
        .await?;
    }
    if crate::services::outbox::wanted(conn, ctx).await? {
        let body = product_body(&product_in(conn, bu, &product_id).await?);
        let op = match target {
            Some(t) => Op::new(OpKind::ProductUpdate, Some(t), &body),
            None => Op::new(OpKind::ProductCreate, None, &body),
        };
        crate::services::outbox::record(
            conn,
            ctx,
            op.touching([r("product", &product_id)])
                .saying(format!("Product {} {operation}", p.sku)),
        )
        .await?;
    }
    Ok(UpsertResult {
        product_id,
        product_sku: p.sku,
        operation: operation.into(),
        variant_results: results,
    })
}

/// Create a product, or update the one with the same `productSku` (FlexPortal's upsert).
pub async fn save_product(db: &Db, ctx: &Ctx, input: ProductInput) -> Result<UpsertResult> {
    let clean = clean_product(&ctx.bu, &input)?;
    let mut tx = db.write().await?;
    let now = ctx.now.clone();
    let r = upsert_tx(
        &mut tx,
        ctx,
        &mut SkuIndex::default(),
        clean,
        None,
        &now,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Update the product with this id (`PUT /v1/products/{id}`).
pub async fn update_product(
    db: &Db,
    ctx: &Ctx,
    product_id: &str,
    input: ProductInput,
) -> Result<UpsertResult> {
    let clean = clean_product(&ctx.bu, &input)?;
    let mut tx = db.write().await?;
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM products WHERE id = ? AND bu_id = ?")
            .bind(product_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    exists.ok_or_else(|| Error::not_found("Product", product_id))?;
    let now = ctx.now.clone();
    let r = upsert_tx(
        &mut tx,
        ctx,
        &mut SkuIndex::default(),
        clean,
        Some(product_id),
        &now,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// Soft delete: the product becomes `discontinued` and all its variants `inactive`.
pub async fn delete_product(db: &Db, ctx: &Ctx, product_id: &str) -> Result<(String, String)> {
    let mut tx = db.write().await?;
    let sku: Option<String> =
        sqlx::query_scalar("SELECT product_sku FROM products WHERE id = ? AND bu_id = ?")
            .bind(product_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    let sku = sku.ok_or_else(|| Error::not_found("Product", product_id))?;
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM order_items i JOIN orders o ON o.id = i.order_id JOIN variants v ON v.id = i.variant_id
         WHERE v.product_id = ? AND o.status IN ('pending', 'confirmed', 'partial') LIMIT 1")
        .bind(product_id).fetch_optional(&mut *tx).await?;
    if open.is_some() {
        return Err(Error::new(
            ErrorCode::ProductHasActiveOrders,
            format!("Product {sku} is on open orders; cancel or fulfil them first."),
        ));
    }
    let now = ctx.now.clone();
    sqlx::query("UPDATE products SET status = 'discontinued', updated_at = ? WHERE id = ?")
        .bind(&now)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE variants SET status = 'inactive', updated_at = ? WHERE product_id = ?")
        .bind(&now)
        .bind(product_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "product",
            entity_id: product_id,
            action: "discontinued",
            summary: format!("Product {sku} discontinued; its variants are inactive"),
            before: None,
            after: None,
        },
    )
    .await?;
    crate::services::outbox::record(
        &mut tx,
        ctx,
        Op::bare(OpKind::ProductDiscontinue, Some(product_id))
            .touching([r("product", product_id)])
            .saying(format!("Product {sku} discontinued")),
    )
    .await?;
    tx.commit().await?;
    Ok((product_id.to_string(), sku))
}

/// Turn one variant on or off (off is refused while it is on open orders).
pub async fn set_variant_status(
    db: &Db,
    ctx: &Ctx,
    variant_id: &str,
    status: VariantStatus,
) -> Result<Variant> {
    let mut tx = db.write().await?;
    let cur: Option<(String, String)> =
        sqlx::query_as("SELECT status, variant_sku FROM variants WHERE id = ? AND bu_id = ?")
            .bind(variant_id)
            .bind(&ctx.bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    let (cur, sku) = cur.ok_or_else(|| Error::not_found("Variant", variant_id))?;
    if status == VariantStatus::Inactive && variant_in_open_orders(&mut tx, variant_id).await? {
        return Err(Error::new(
            ErrorCode::VariantInUse,
            format!("Variant {sku} is on open orders and cannot be deactivated."),
        ));
    }
    let now = ctx.now.clone();
    sqlx::query("UPDATE variants SET status = ?, updated_at = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(&now)
        .bind(variant_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "variant",
            entity_id: variant_id,
            action: "status_changed",
            summary: format!("Variant {sku}: {cur} → {status}"),
            before: Some(serde_json::json!({"status": cur})),
            after: Some(serde_json::json!({"status": status})),
        },
    )
    .await?;
    if crate::services::outbox::wanted(&mut tx, ctx).await? {
        // No v1 operation turns one variant on or off: the product is sent whole.
        let pid: String = sqlx::query_scalar("SELECT product_id FROM variants WHERE id = ?")
            .bind(variant_id)
            .fetch_one(&mut *tx)
            .await?;
        let body = product_body(&product_in(&mut tx, &ctx.bu, &pid).await?);
        crate::services::outbox::record(
            &mut tx,
            ctx,
            Op::new(OpKind::ProductUpdate, Some(&pid), &body)
                .touching([r("product", &pid)])
                .saying(format!("Variant {sku} {status}")),
        )
        .await?;
    }
    tx.commit().await?;
    let mut v = load_variants(
        db.pool(),
        &ctx.bu,
        VariantScope::Ids(&[variant_id.to_string()]),
    )
    .await?;
    v.pop()
        .ok_or_else(|| Error::not_found("Variant", variant_id))
}

// ---------------------------------------------------------------------------------------------
