//! Removing an entity that exists only on this desk (the remote refused the change that made it), with what hangs off it.

use super::*;

/// Remove an entity that exists only here (the remote refused the change that made it).
pub(super) async fn remove_local(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    r: &str,
) -> Result<()> {
    let (kind, key) = r.split_once(':').unwrap_or((r, ""));
    if holds_money(conn, bu, kind, key).await? {
        return Err(Error::new(
            crate::ErrorCode::Conflict,
            format!(
                "{r} has payments paid or invoiced on this desk, and the remote has no copy of it: it stays. Send it again (Retry), or correct the money with a credit note."
            ),
        ));
    }
    match kind {
        "rental" => {
            // Its payments, its asset's assignment, then the subscription; the asset and the
            // order are re-adopted from the remote by the caller.
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND rental_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM asset_assignments WHERE rental_id = ?")
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE assets SET rental_id = NULL, customer_id = NULL WHERE bu_id = ? AND rental_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM subscriptions WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "order" => {
            sqlx::query("DELETE FROM order_items WHERE order_id = (SELECT id FROM orders WHERE bu_id = ? AND id = ?)")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM orders WHERE bu_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE order_id = ?)")
                .bind(&bu.id)
                .bind(key)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "customer" => {
            // The search index is keyed by the customer's rowid.
            sqlx::query(
                "DELETE FROM customers_fts WHERE rowid IN (SELECT rowid FROM customers WHERE bu_id = ? AND id = ?
                   AND NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = ?))",
            )
            .bind(&bu.id)
            .bind(key)
            .bind(key)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM customers WHERE bu_id = ? AND id = ?
                 AND NOT EXISTS (SELECT 1 FROM orders WHERE customer_id = ?)",
            )
            .bind(&bu.id)
            .bind(key)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        "asset" => {
            sqlx::query(
                "DELETE FROM assets WHERE bu_id = ? AND serial_number = ?
                 AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.asset_id = assets.id)",
            )
            .bind(&bu.id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
        "product" => {
            // Only a product nothing points to yet (no stock, no order line): one made here whose
            // SKU the remote gave to another product. Otherwise it stays, and the resolution
            // reports that the remote's copy cannot be written.
            let used: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM variants v WHERE v.product_id = ?1
                   AND (EXISTS (SELECT 1 FROM assets a WHERE a.variant_id = v.id)
                        OR EXISTS (SELECT 1 FROM order_items i WHERE i.variant_id = v.id)) LIMIT 1",
            )
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
            if used.is_none() {
                sqlx::query("DELETE FROM pricing_tiers WHERE variant_id IN (SELECT id FROM variants WHERE product_id = ?)")
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM variants WHERE bu_id = ? AND product_id = ?")
                    .bind(&bu.id)
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("DELETE FROM products WHERE bu_id = ? AND id = ?")
                    .bind(&bu.id)
                    .bind(key)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        "billing_group" => {
            // Its members bill on their own again, and its consolidated payments go; the members
            // and their payments are re-adopted from the remote by the caller.
            sqlx::query("UPDATE subscriptions SET billing_group_id = NULL WHERE bu_id = ? AND billing_group_id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE payments SET consolidated_into = NULL WHERE consolidated_into IN
                   (SELECT id FROM payments WHERE bu_id = ? AND billing_group_id = ? AND payment_type = 'consolidated')",
            )
            .bind(&bu.id)
            .bind(key)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND billing_group_id = ? AND payment_type = 'consolidated'")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM billing_groups WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        "payment" => {
            sqlx::query("DELETE FROM payments WHERE bu_id = ? AND id = ?")
                .bind(&bu.id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether removing `kind:key` would remove money this desk collected or invoiced. A remote that
/// has no copy (a 404, an empty list) never takes that away.
pub(crate) async fn holds_money(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    kind: &str,
    key: &str,
) -> Result<bool> {
    let whose = match kind {
        "rental" => "rental_id = ?",
        "billing_group" => "billing_group_id = ? AND payment_type = 'consolidated'",
        "payment" => "id = ?",
        _ => return Ok(false),
    };
    let found: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM payments WHERE bu_id = ? AND {whose} AND (status = 'paid' OR invoice_id IS NOT NULL) LIMIT 1"
    ))
    .bind(&bu.id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
