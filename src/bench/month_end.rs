//! The month-end part of `flexdesk bench`: 2,000 business customers, each with a billing group of
//! 50 subscriptions (100,000 devices) on a scratch database of their own. Every group's members
//! are consolidated through the billing service (one consolidated payment per billing day), then
//! the month-end run invoices everything due up to the last day of the month, batch by batch as
//! the desk drives it, and finally every invoice of the run is rendered as a PDF.

use super::{drop_payment_indexes, generate_assets, generate_catalog, generate_customers, scratch};
use super::{summarize, Measure};
use crate::clock::FixedClock;
use crate::error::{Error, Result};
use crate::services::{billing, invoices, BusinessUnit, Ctx};
use crate::Core;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct MonthEndOptions {
    pub groups: usize,
    pub group_size: usize,
    /// Monthly payments per subscription (the schedule each member brings into its group).
    pub months: usize,
}

/// The run's date: the last day of the bench month. Members start on the 1st, groups bill on
/// the 28th, so each group has exactly one consolidated payment to invoice this month.
const MONTH_END: (i32, u32, u32) = (2026, 11, 30);
const BATCH: usize = 200;
const RUN_TARGET_MS: f64 = 60_000.0;

/// The month-end business made and invoiced: the core (open), its unit, the run's context, the
/// invoices issued, and the measures of consolidation and the run.
pub struct Issued {
    pub core: Core,
    pub bu: BusinessUnit,
    pub ids: Vec<String>,
    ctx: Ctx,
    measures: Vec<Measure>,
    run_time: Duration,
}

/// Generate the month-end business at `path`, consolidate its groups and run the month end.
pub async fn issued(path: &Path, opts: &MonthEndOptions, log: &dyn Fn(&str)) -> Result<Issued> {
    let clock = FixedClock::at_date(MONTH_END.0, MONTH_END.1, MONTH_END.2);
    let (core, admin, bu) = scratch(path, &clock, "Month-end NL", "MNL", 14).await?;
    let ctx = Ctx::new(admin.actor(), bu.clone(), &core.desk.code, clock.now_utc());
    let t0 = Instant::now();
    let skus = generate_catalog(&core, &ctx).await?;
    generate_customers(&core, &bu, opts.groups).await?;
    generate_assets(&core, &bu, &skus, opts.groups * opts.group_size).await?;
    generate(&core, &bu.id, opts).await?;
    log(&format!(
        "month-end: {} groups of {} subscriptions, {} payments each ({:.1?})",
        opts.groups,
        opts.group_size,
        opts.months,
        t0.elapsed()
    ));

    // Consolidation, group by group through the billing service, one transaction each as a
    // change to a group makes it.
    let groups: Vec<String> =
        sqlx::query_scalar("SELECT id FROM billing_groups WHERE bu_id = ? ORDER BY id")
            .bind(&bu.id)
            .fetch_all(core.db.pool())
            .await?;
    let mut d = Vec::with_capacity(groups.len());
    let t = Instant::now();
    for g in &groups {
        let s = Instant::now();
        let mut tx = core.db.write().await?;
        billing::regroup(&mut tx, &bu, g, &ctx.now).await?;
        tx.commit().await?;
        d.push(s.elapsed());
    }
    log(&format!(
        "month-end: consolidated {} groups ({:.1?})",
        groups.len(),
        t.elapsed()
    ));
    let mut out = vec![summarize(
        &format!(
            "consolidate one group: {} members × {} months",
            opts.group_size, opts.months
        ),
        d,
        100.0,
        "p99",
    )];

    // The run, batch by batch with its progress, as the invoices screen drives it.
    let up_to = ctx.today();
    let expected = invoices::pending_count(&core.db, &bu, up_to).await?;
    let t = Instant::now();
    let mut ids = Vec::new();
    loop {
        let p = invoices::run(&core.db, &ctx, up_to, BATCH).await?;
        ids.extend(p.invoice_ids);
        if p.remaining == 0 {
            break;
        }
    }
    let run_time = t.elapsed();
    check_run(&core, &bu.id, opts, expected, ids.len()).await?;
    log(&format!(
        "month-end: run issued {} invoices ({run_time:.1?})",
        ids.len()
    ));
    out.push(one(
        &format!(
            "month-end run: {} billing-group invoices of {} lines",
            ids.len(),
            opts.group_size
        ),
        run_time,
    ));
    Ok(Issued {
        core,
        bu,
        ids,
        ctx,
        measures: out,
        run_time,
    })
}

pub async fn run(path: &Path, opts: &MonthEndOptions, log: &dyn Fn(&str)) -> Result<Vec<Measure>> {
    let Issued {
        core,
        bu,
        ids,
        ctx,
        measures: mut out,
        run_time,
    } = issued(path, opts, log).await?;

    // Every invoice of the run as a PDF, read back from what was issued.
    let t = Instant::now();
    let mut bytes = 0usize;
    for id in &ids {
        let (_, pdf) = invoices::pdf_of(&core.db, &bu, id).await?;
        bytes += pdf.len();
    }
    let pdf_time = t.elapsed();
    log(&format!(
        "month-end: {} PDFs, {} MB ({pdf_time:.1?})",
        ids.len(),
        bytes / (1024 * 1024)
    ));
    out.push(one(
        &format!("month-end run and all {} invoices as PDF", ids.len()),
        run_time + pdf_time,
    ));
    // The first invoice (all its lines) as the plain PDF and as Factur-X, side by side.
    if let Some(id) = ids.first() {
        let (mut plain, mut fx) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = Instant::now();
            invoices::einvoice_of(&core.db, &bu, id, Some("pdf"), ctx.at).await?;
            plain.push(t.elapsed());
            let t = Instant::now();
            invoices::einvoice_of(&core.db, &bu, id, Some("facturx"), ctx.at).await?;
            fx.push(t.elapsed());
        }
        let lines = opts.group_size;
        out.push(summarize(
            &format!("invoice of {lines} lines as plain PDF"),
            plain,
            1000.0,
            "p99",
        ));
        out.push(summarize(
            &format!("invoice of {lines} lines as Factur-X PDF/A-3"),
            fx,
            1000.0,
            "p99",
        ));
    }
    core.db.close().await;
    Ok(out)
}

fn one(name: &str, d: Duration) -> Measure {
    summarize(name, vec![d], RUN_TARGET_MS, "max")
}

/// The run invoiced every group once, with one line per member, and the invoices add up to the
/// consolidated payments to the cent.
async fn check_run(
    core: &Core,
    bu_id: &str,
    opts: &MonthEndOptions,
    expected: i64,
    issued: usize,
) -> Result<()> {
    let (count, short, gross, billed): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(json_array_length(i.lines) <> ?), sum(i.gross), sum(p.total)
         FROM invoices i JOIN payments p ON p.id = i.payment_id WHERE i.bu_id = ? AND i.kind = 'invoice'",
    )
    .bind(opts.group_size as i64)
    .bind(bu_id)
    .fetch_one(core.db.pool())
    .await?;
    if count != opts.groups as i64 || issued as i64 != expected || short != 0 || gross != billed {
        return Err(Error::internal(format!(
            "month-end run: {count} invoices for {} groups ({issued} issued, {expected} expected), {short} without {} lines, gross {gross} against {billed} billed",
            opts.groups, opts.group_size
        )));
    }
    Ok(())
}

/// Business customers, one order each, a billing group each (billing day 28, consolidating
/// from the 1st), and `group_size` subscriptions per customer starting on the 1st of the month
/// with `months` monthly payments, written in bulk.
async fn generate(core: &Core, bu_id: &str, opts: &MonthEndOptions) -> Result<()> {
    let size = opts.group_size as i64;
    let mut tx = core.db.write().await?;
    sqlx::query(
        "UPDATE customers SET customer_type = 'business', company = 'Bench Company ' || rowid,
             vat_id = 'NL' || printf('%09d', rowid) || 'B01' WHERE bu_id = ?",
    )
    .bind(bu_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&crate::store::orders::insert_from(
        "",
        "SELECT 'ord_me' || printf('%06d', c.rowid), c.bu_id, 'MNL-ME-' || printf('%06d', c.rowid), 'fulfilled', 'standard', c.id,
             json_object('customerId', c.id, 'email', c.email, 'firstName', c.first_name, 'lastName', c.last_name, 'customerType', 'business'),
             c.billing_address, c.billing_address, 7900 * ?2, 1659 * ?2, 9559 * ?2, 'EUR', ?2, 0,
             NULL, NULL, NULL, NULL, NULL, 'ord_me' || c.rowid, NULL, NULL, NULL,
             '2026-10-20T09:00:00.000Z', '2026-10-20T09:00:00.000Z', 'bench', '21', 0
         FROM customers c WHERE c.bu_id = ?1",
    ))
    .bind(bu_id)
    .bind(size)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&crate::store::orders::insert_items_from(
        "",
        "SELECT o.id, 0, NULL, NULL, (SELECT sku FROM assets WHERE bu_id = ?1 LIMIT 1), 'Bench product', NULL, ?2, 7900, ?3,
             NULL, 'unknown', NULL, 'unknown', NULL, NULL, 0
         FROM orders o WHERE o.bu_id = ?1",
    ))
    .bind(bu_id)
    .bind(size)
    .bind(opts.months as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO billing_groups (id, bu_id, customer_id, name, billing_day, status, consolidate_from, created_by, created_at, updated_at)
         SELECT 'bgr_me' || printf('%06d', c.rowid), c.bu_id, c.id, 'Bench Company ' || c.rowid || ' devices', 28, 'active', '2026-11-01',
             'bench', '2026-10-25T09:00:00.000Z', '2026-10-25T09:00:00.000Z'
         FROM customers c WHERE c.bu_id = ?",
    )
    .bind(bu_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        &crate::store::subscriptions::insert_from(
            "",
            "SELECT 'rnt_me' || printf('%08d', a.rowid), a.bu_id, 'ord_me' || printf('%06d', c.rowid), 0, c.id,
             c.email, c.company, a.id, a.serial_number,
             (SELECT v.product_id FROM variants v WHERE v.bu_id = a.bu_id AND v.variant_sku = a.sku),
             NULL, a.sku, a.product_name, NULL, 7900 + (a.rowid % 5) * 1000, 'EUR', 'active',
             'bgr_me' || printf('%06d', c.rowid), ?2, ?2, '2026-11-01',
             date('2026-11-01', '+' || ?2 || ' months'), NULL, 'immediate', 14, '21', 0, 129900,
             'variant', 90000, 'variant', '2026-11-01T00:00:00.000Z', 0, '[]', '[]', NULL, NULL,
             NULL, NULL, NULL, NULL, NULL,
             strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-01', '+' || a.rowid || ' seconds'),
             '2026-11-01T00:00:00.000Z', 'bench'
         FROM assets a JOIN customers c ON c.rowid = (a.rowid - 1) / ?3 + 1
         WHERE a.bu_id = ?1",
        ),
    )
    .bind(bu_id)
    .bind(opts.months as i64)
    .bind(size)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE assets SET status = 'rented_out', customer_id = (SELECT c.id FROM customers c WHERE c.rowid = (assets.rowid - 1) / ?2 + 1),
             rental_id = 'rnt_me' || printf('%08d', rowid) WHERE bu_id = ?1",
    )
    .bind(bu_id)
    .bind(size)
    .execute(&mut *tx)
    .await?;
    let indexes = drop_payment_indexes(&mut tx).await?;
    sqlx::query(
        &crate::store::payments::insert_from(
            "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < ?2)",
            "SELECT 'pay_' || s.id || '_' || k.n, s.bu_id, s.customer_id, s.id, NULL, s.asset_id, 'individual', 'rent', k.n,
             strftime('%Y-%m', s.start_date, '+' || k.n || ' months'), date(s.start_date, '+' || k.n || ' months'),
             date(s.start_date, '+' || (k.n + 1) || ' months'), date(s.start_date, '+' || k.n || ' months'),
             date(s.start_date, '+' || k.n || ' months', '+14 days'),
             s.monthly_amount, '21', s.monthly_amount * 21 / 100, 0, s.monthly_amount + s.monthly_amount * 21 / 100, 'EUR', NULL, 'pending',
             NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, s.id || ':rent:' || k.n, NULL, NULL, s.created_at, s.created_at, NULL, NULL
         FROM subscriptions s, k WHERE s.bu_id = ?1",
        ),
    )
    .bind(bu_id)
    .bind(opts.months as i64)
    .execute(&mut *tx)
    .await?;
    indexes.rebuild(&mut tx).await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(core.db.pool()).await?;
    Ok(())
}
