//! `flexdesk bench --only-sync`, FlexPortal's part: what a pull pass costs against a remote with
//! no change feed, once the desk has read the business whole. The hub stands in for FlexPortal
//! (it answers FlexPortal's list filters); the desk that took the hub's copy has its remote set
//! to the FlexPortal kind, so its passes read the windows and a slice of the full read.

use super::SyncMeasure;
use crate::error::Result;
use crate::services::{payments, BusinessUnit, Ctx};
use crate::sync::{client::Client, pull};
use crate::Core;
use std::time::{Duration, Instant};

/// The hub and the desk that copied it, with the hub's address, key and the raw round trip.
pub struct Pair<'a> {
    pub hub: &'a Core,
    pub hub_ctx: &'a Ctx,
    pub desk: &'a Core,
    pub ctx: &'a Ctx,
    pub url: &'a str,
    pub key: &'a str,
    pub rt: f64,
}

/// A pass with nothing changed, then a pass after a day's changes on the remote: `paid`
/// payments collected and `orders` new orders (the generator's statuses).
pub async fn passes(
    p: &Pair<'_>,
    customers: &[String],
    skus: &[String],
    paid: usize,
    orders: usize,
) -> Result<Vec<SyncMeasure>> {
    let (desk, ctx) = (p.desk, p.ctx);
    super::set_remote(desk, ctx, "flexportal", p.url, &p.hub_ctx.bu.id, p.key).await?;
    // The desk holds the hub's copy: it has read the business whole.
    pull::mark_read_whole(&desk.db, &ctx.bu.id, &ctx.now).await?;
    // A business's open orders are those awaiting devices, a few days' worth; the generator's
    // statuses are random (five in seven open). All but one in a hundred are settled, alike on
    // both sides.
    for (db, bu) in [(&p.hub.db, &p.hub_ctx.bu), (&desk.db, &ctx.bu)] {
        settle_orders(db, bu).await?;
    }
    let client = super::client_of(desk, ctx).await?;
    let mut out = vec![measure(p, &client, "nothing changed").await?.0];

    // The day elsewhere: payments collected, orders from the webshop.
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM payments WHERE bu_id = ? AND status = 'pending' AND due_date <= ?
         ORDER BY due_date DESC, id LIMIT ?",
    )
    .bind(&p.hub_ctx.bu.id)
    .bind(p.hub_ctx.today().format("%Y-%m-%d").to_string())
    .bind(paid as i64)
    .fetch_all(p.hub.db.pool())
    .await?;
    for id in &due {
        payments::mark_paid(
            &p.hub.db,
            p.hub_ctx,
            id,
            payments::MarkPaid {
                payment_reference: Some("BENCH".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    let made: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(p.hub.db.pool())
        .await?;
    let made = made as usize;
    super::generate_orders(p.hub, &p.hub_ctx.bu, customers, skus, made..made + orders).await?;
    let (m, _) = measure(
        p,
        &client,
        &format!(
            "after {} payments collected and {orders} new orders",
            due.len()
        ),
    )
    .await?;
    // Each collected payment is paid on the desk now.
    let here: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM payments WHERE bu_id = ? AND status = 'paid' AND id IN (SELECT value FROM json_each(?))",
    )
    .bind(&ctx.bu.id)
    .bind(serde_json::to_string(&due)?)
    .fetch_one(desk.db.pool())
    .await?;
    if here != due.len() as i64 {
        return Err(crate::Error::internal(format!(
            "FlexPortal pass: {here} of {} collected payments arrived paid",
            due.len()
        )));
    }
    out.push(m);
    Ok(out)
}

async fn settle_orders(db: &crate::store::Db, bu: &BusinessUnit) -> Result<()> {
    let mut tx = db.write().await?;
    sqlx::query(
        "UPDATE orders SET status = 'fulfilled'
         WHERE bu_id = ? AND status IN ('pending', 'confirmed', 'partial') AND rowid % 100 != 0",
    )
    .bind(&bu.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn measure(
    p: &Pair<'_>,
    client: &Client,
    what: &str,
) -> Result<(SyncMeasure, pull::PullReport)> {
    let t = Instant::now();
    // A page that takes long is named in the log (by the pass's count of requests so far).
    let last = std::sync::Mutex::new(Instant::now());
    let report = pull::pull(
        &p.desk.db,
        client,
        &p.ctx.bu,
        &p.ctx.now,
        pull::FULL_READ_PAGES,
        &|r| {
            let mut l = last.lock().unwrap_or_else(|e| e.into_inner());
            if l.elapsed() > Duration::from_millis(250) {
                super::log_line(&format!(
                    "  slow page: request {} ({} read), {:.0?}",
                    r.pages,
                    r.read,
                    l.elapsed()
                ));
            }
            *l = Instant::now();
        },
    )
    .await?;
    let took = t.elapsed().as_secs_f64();
    if report.deferred > 0 || report.skipped > 0 {
        return Err(crate::Error::internal(format!(
            "FlexPortal pass: {} deferred, {} skipped ({:?})",
            report.deferred, report.skipped, report.problems
        )));
    }
    let per_request = took * 1000.0 / report.pages.max(1) as f64;
    super::log_line(&format!(
        "FlexPortal pass ({what}): {} requests, {} objects read, {} written, {took:.2} s",
        report.pages, report.read, report.adopted
    ));
    Ok((
        SyncMeasure {
            name: format!(
                "a FlexPortal pass, {what}: the windows and {} pages of the full read ({} objects read)",
                pull::FULL_READ_PAGES,
                report.read
            ),
            count: report.read,
            total_s: took,
            per_item_ms: took * 1000.0 / report.read.max(1) as f64,
            requests: report.pages,
            per_request_ms: per_request,
            ratio_to_round_trip: per_request / p.rt,
            target: "< 60 s (a pass a minute)".into(),
            met: took < 60.0,
        },
        report,
    ))
}
