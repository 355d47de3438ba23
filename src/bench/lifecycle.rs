//! The subscriptions part of `flexdesk bench`: 250,000 subscriptions with 24 monthly payments each
//! (6 million payments) on top of the core dataset, then activation (side by side with a
//! hand-written minimal SQL transaction doing the same writes), subscription and payment list
//! pages, and the dashboard figures. Bulk rows are written with SQL; every measured operation goes
//! through the services.

use super::{summarize, Measure};
use crate::clock::FixedClock;
use crate::demo::Rng;
use crate::error::Result;
use crate::services::{dashboard, payments, subscriptions as subs, BusinessUnit, Ctx};
use crate::store::assets::AssetRow;
use crate::store::orders::{OrderItemRow, OrderRow};
use crate::store::Actor;
use crate::Core;
use std::time::Instant;

pub struct LifecycleOptions {
    pub subscriptions: usize,
    pub payments_per: usize,
    pub samples: usize,
}

/// Subscriptions on the first `n` assets, each on an existing order and its customer, started
/// over the two years before the bench date; `per` monthly payments each, paid when past due
/// (one in 37 left open, so there is an overdue list).
pub(super) async fn generate(
    core: &Core,
    bu: &BusinessUnit,
    n: usize,
    per: usize,
    log: &dyn Fn(&str),
) -> Result<()> {
    let t = Instant::now();
    let mut tx = core.db.write().await?;
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        &crate::store::subscriptions::insert_from(
            "",
            "SELECT 'rnt_bench' || printf('%08d', a.rowid), a.bu_id, o.id, 0, o.customer_id,
             'bench@mail.example', 'Bench Customer', a.id, a.serial_number,
             (SELECT v.product_id FROM variants v WHERE v.bu_id = a.bu_id AND v.variant_sku = a.sku),
             NULL, a.sku, a.product_name, NULL, 7900 + (a.rowid % 5) * 1000, 'EUR',
             CASE WHEN a.rowid % 10 = 0 THEN 'ended_completed' WHEN a.rowid % 17 = 0 THEN 'ended_early_return' ELSE 'active' END,
             NULL, ?2, ?2, date('2024-11-01', '+' || (a.rowid % 730) || ' days'),
             date('2024-11-01', '+' || (a.rowid % 730) || ' days', '+' || ?2 || ' months'), NULL,
             'immediate', 0, '21', 0, 129900, 'variant', 90000, 'variant', ?3, 0, '[]', '[]', NULL,
             NULL, NULL, NULL, NULL, NULL, NULL,
             strftime('%Y-%m-%dT%H:%M:%fZ', '2024-11-01', '+' || (a.rowid % 730) || ' days', '+' || (a.rowid % 86000) || ' seconds'),
             ?3, 'bench'
         FROM assets a JOIN orders o ON o.rowid = ((a.rowid - 1) % ?4) + 1
         WHERE a.bu_id = ?1 AND a.rowid <= ?5",
        ),
    )
    .bind(&bu.id)
    .bind(per as i64)
    .bind("2026-11-01T00:00:00.000Z")
    .bind(orders)
    .bind(n as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE assets SET status = 'rented_out', rental_id = 'rnt_bench' || printf('%08d', rowid) WHERE bu_id = ? AND rowid <= ?")
        .bind(&bu.id)
        .bind(n as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    log(&format!("subscriptions: {n} ({:.1?})", t.elapsed()));

    // Payments: indexes are dropped for the bulk insert and built again afterwards.
    let t = Instant::now();
    let mut tx = core.db.write().await?;
    let indexes = super::drop_payment_indexes(&mut tx).await?;
    sqlx::query(
        &crate::store::payments::insert_from(
            "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < ?2)",
            "SELECT 'pay_' || s.id || '_' || k.n, s.bu_id, s.customer_id, s.id, NULL, s.asset_id, 'individual', 'rent', k.n,
             strftime('%Y-%m', s.start_date, '+' || k.n || ' months'), date(s.start_date, '+' || k.n || ' months'),
             date(s.start_date, '+' || (k.n + 1) || ' months'), date(s.start_date, '+' || k.n || ' months'), date(s.start_date, '+' || k.n || ' months'),
             s.monthly_amount, '21', s.monthly_amount * 21 / 100, 0, s.monthly_amount + s.monthly_amount * 21 / 100, 'EUR', NULL,
             CASE WHEN date(s.start_date, '+' || k.n || ' months') < '2026-11-01' AND (s.rowid + k.n) % 37 != 0 THEN 'paid' ELSE 'pending' END,
             'manual', NULL, NULL, 1, NULL, NULL, 0, NULL, NULL, NULL, s.id || ':rent:' || k.n, NULL,
             CASE WHEN date(s.start_date, '+' || k.n || ' months') < '2026-11-01' AND (s.rowid + k.n) % 37 != 0
                  THEN date(s.start_date, '+' || k.n || ' months') || 'T10:00:00.000Z' END,
             s.created_at, s.created_at, NULL, NULL
         FROM subscriptions s, k WHERE s.bu_id = ?1",
        ),
    )
    .bind(&bu.id)
    .bind(per as i64)
    .execute(&mut *tx)
    .await?;
    indexes.rebuild(&mut tx).await?;
    sqlx::query(
        "UPDATE subscriptions SET total_collected =
             (SELECT coalesce(sum(p.total - p.tax_amount), 0) FROM payments p WHERE p.rental_id = subscriptions.id AND p.status = 'paid')
         WHERE bu_id = ?",
    )
    .bind(&bu.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM payments")
        .fetch_one(core.db.pool())
        .await?;
    log(&format!("payments: {count} ({:.1?})", t.elapsed()));
    sqlx::query("ANALYZE").execute(core.db.pool()).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(core.db.pool())
        .await?;
    Ok(())
}

/// `k` confirmed one-unit orders for `sku` and `k` available assets of it, for activations.
async fn activation_stock(
    core: &Core,
    bu: &BusinessUnit,
    sku: &str,
    customer: &str,
    tag: &str,
    k: usize,
) -> Result<Vec<(String, String)>> {
    let mut tx = core.db.write().await?;
    let mut out = Vec::with_capacity(k);
    for chunk in (0..k).collect::<Vec<_>>().chunks(200) {
        let rows: Vec<(String, String)> = chunk
            .iter()
            .map(|i| (crate::ids::new_id("ord"), format!("ACT{tag}{i:06}")))
            .collect();
        let snap = format!(
            r#"{{"customerId":"{customer}","email":"bench@mail.example","firstName":"Bench","lastName":"Customer","customerType":"individual"}}"#
        );
        let addr = r#"{"contactName":"Bench","streetAddress":"Damrak 1","city":"Amsterdam","country":"Netherlands"}"#;
        let at = "2026-11-01T00:00:00.000Z";
        let orders: Vec<OrderRow> = rows
            .iter()
            .map(|r| OrderRow {
                id: r.0.clone(),
                bu_id: bu.id.clone(),
                order_number: format!("{}-{}", bu.code, r.1),
                status: "confirmed".into(),
                customer_id: customer.into(),
                customer: snap.clone(),
                billing_address: addr.into(),
                shipping_address: addr.into(),
                subtotal: 7900,
                tax_amount: 1659,
                total: 9559,
                currency: "EUR".into(),
                total_devices: 1,
                idem_key: r.0.clone(),
                created_at: at.into(),
                updated_at: at.into(),
                created_by: "bench".into(),
                tax_rate: "21".into(),
                ..Default::default()
            })
            .collect();
        let items: Vec<OrderItemRow> = rows
            .iter()
            .map(|r| OrderItemRow {
                order_id: r.0.clone(),
                sku: sku.into(),
                product_name: "Bench product".into(),
                unit_price: 7900,
                contract_length: 24,
                acquisition_cost: Some(90000),
                acquisition_cost_source: "variant".into(),
                ..Default::default()
            })
            .collect();
        crate::store::orders::insert_all(&mut tx, &orders, &items).await?;
        let assets: Vec<AssetRow> = rows
            .iter()
            .map(|r| AssetRow {
                bu_id: bu.id.clone(),
                serial_number: r.1.clone(),
                sku: sku.into(),
                product_name: "Bench product".into(),
                status: "available".into(),
                acquisition_cost: Some(90000),
                created_at: at.into(),
                updated_at: at.into(),
                created_by: "bench".into(),
                ..Default::default()
            })
            .collect();
        crate::store::assets::insert_all(&mut tx, &assets).await?;
        out.extend(rows);
    }
    tx.commit().await?;
    Ok(out)
}

/// The same writes as an activation, by hand: subscription, 24 payments, asset, order,
/// assignment, three timeline entries; no reads, no checks.
async fn minimal_activation(
    core: &Core,
    bu: &BusinessUnit,
    order_id: &str,
    serial: &str,
    customer: &str,
    now: &str,
) -> Result<()> {
    let mut tx = core.db.write().await?;
    let rid = crate::ids::new_id("rnt");
    let asset_id: i64 =
        sqlx::query_scalar("SELECT id FROM assets WHERE bu_id = ? AND serial_number = ?")
            .bind(&bu.id)
            .bind(serial)
            .fetch_one(&mut *tx)
            .await?;
    let row = crate::store::subscriptions::SubscriptionRow {
        id: rid.clone(),
        bu_id: bu.id.clone(),
        order_id: order_id.into(),
        item_idx: Some(0),
        customer_id: customer.into(),
        customer_email: "bench@mail.example".into(),
        customer_name: "Bench Customer".into(),
        asset_id,
        serial_number: serial.into(),
        sku: "SKU".into(),
        product_name: "Bench product".into(),
        monthly_amount: 7900,
        currency: "EUR".into(),
        status: "active".into(),
        original_contract_length: 24,
        contract_length: 24,
        start_date: "2026-11-01".into(),
        end_date: "2028-11-01".into(),
        billing_start: "immediate".into(),
        payment_terms_days: 0,
        tax_rate: "21".into(),
        tax_inclusive: false,
        list_price_source: "unknown".into(),
        acquisition_cost: Some(90000),
        acquisition_cost_source: "variant".into(),
        captured_at: now.into(),
        created_at: now.into(),
        updated_at: now.into(),
        created_by: "bench".into(),
        ..Default::default()
    };
    crate::store::subscriptions::insert(&mut tx, &row).await?;
    insert_schedule(&mut tx, bu, customer, &rid, &rid, asset_id, now).await?;
    sqlx::query("UPDATE assets SET status = 'rented_out', customer_id = ?, rental_id = ?, updated_at = ? WHERE id = ?")
        .bind(customer)
        .bind(&rid)
        .bind(now)
        .bind(asset_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE orders SET rented_devices = rented_devices + 1, status = 'fulfilled', updated_at = ? WHERE id = ?")
        .bind(now)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO asset_assignments (asset_id, rental_id, customer_id, started_on, start_reason) VALUES (?, ?, ?, '2026-11-01', 'activated')")
        .bind(asset_id)
        .bind(&rid)
        .bind(customer)
        .execute(&mut *tx)
        .await?;
    for (et, eid) in [
        ("asset", serial),
        ("order", order_id),
        ("subscription", rid.as_str()),
    ] {
        sqlx::query(
            "INSERT INTO events (id, bu_id, entity_type, entity_id, action, actor_id, actor_name, actor_role, at, summary) VALUES (?, ?, ?, ?, 'x', 'a', 'a', 'admin', ?, 'x')",
        )
        .bind(crate::ids::new_id("evt"))
        .bind(&bu.id)
        .bind(et)
        .bind(eid)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The 24 payments of a new schedule as one statement through the table's owner (the minimal
/// transaction's, and the floor measure's).
async fn insert_schedule(
    tx: &mut sqlx::SqliteConnection,
    bu: &BusinessUnit,
    customer: &str,
    rid: &str,
    key: &str,
    asset_id: i64,
    now: &str,
) -> Result<()> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let rows: Vec<crate::store::payments::PaymentRow> = (0..24)
        .map(|k| {
            let d = crate::domain::schedule::add_months(start, k);
            let e = crate::domain::schedule::add_months(start, k + 1);
            let day = d.format("%Y-%m-%d").to_string();
            crate::store::payments::PaymentRow {
                id: crate::ids::new_id("pay"),
                bu_id: bu.id.clone(),
                customer_id: customer.into(),
                rental_id: Some(rid.into()),
                asset_id: Some(asset_id),
                payment_type: "individual".into(),
                kind: "rent".into(),
                seq: k as i64,
                billing_period: d.format("%Y-%m").to_string(),
                period_start: day.clone(),
                period_end: e.format("%Y-%m-%d").to_string(),
                invoice_date: day.clone(),
                due_date: day,
                subtotal: 7900,
                tax_rate: "21".into(),
                tax_amount: 1659,
                total: 9559,
                currency: "EUR".into(),
                status: "pending".into(),
                idempotency_key: format!("{key}:rent:{k}"),
                created_at: now.into(),
                updated_at: now.into(),
                ..Default::default()
            }
        })
        .collect();
    crate::store::payments::insert_new(tx, &rows).await?;
    Ok(())
}

pub async fn run(
    core: &Core,
    bu: &BusinessUnit,
    actor: &Actor,
    clock: &FixedClock,
    o: &LifecycleOptions,
    log: &dyn Fn(&str),
) -> Result<Vec<Measure>> {
    let t0 = Instant::now();
    generate(core, bu, o.subscriptions, o.payments_per, log).await?;
    log(&format!(
        "lifecycle dataset ready in {:.1?}; measuring",
        t0.elapsed()
    ));
    let mut out = Vec::new();
    let today = crate::clock::Clock::now(clock).date_naive();
    let ctx = Ctx::new(
        actor.clone(),
        bu.clone(),
        &core.desk.code,
        crate::clock::Clock::now(clock),
    );
    let customer: String = sqlx::query_scalar(
        "SELECT customer_id FROM subscriptions WHERE bu_id = ? LIMIT 1 OFFSET ?",
    )
    .bind(&bu.id)
    .bind((o.subscriptions / 3) as i64)
    .fetch_one(core.db.pool())
    .await?;
    let sku: String =
        sqlx::query_scalar("SELECT variant_sku FROM variants WHERE bu_id = ? LIMIT 1")
            .bind(&bu.id)
            .fetch_one(core.db.pool())
            .await?;

    // Activation, interleaved with the hand-written transaction so both see the same machine.
    let k = (o.samples / 20).max(100);
    let svc = activation_stock(core, bu, &sku, &customer, "S", k).await?;
    let raw = activation_stock(core, bu, &sku, &customer, "R", k).await?;
    let (mut ds, mut dr) = (Vec::with_capacity(k), Vec::with_capacity(k));
    let now = ctx.now.clone();
    for i in 0..k {
        // A context per action, as the desk and the API make one per call.
        let action = Ctx::new(ctx.actor.clone(), bu.clone(), &core.desk.code, ctx.at);
        let t = Instant::now();
        let a = subs::activate(
            &core.db,
            &action,
            subs::ActivateInput {
                order_id: svc[i].0.clone(),
                asset_serial_number: svc[i].1.clone(),
                ..Default::default()
            },
        )
        .await?;
        ds.push(t.elapsed());
        std::hint::black_box(a);
        let t = Instant::now();
        minimal_activation(core, bu, &raw[i].0, &raw[i].1, &customer, &now).await?;
        dr.push(t.elapsed());
    }
    let service = summarize(
        "activate a unit: subscription + 24 payments (service)",
        ds,
        2.0,
        "p99",
    );
    let minimal = summarize(
        "the same writes, hand-written minimal SQL transaction",
        dr,
        f64::INFINITY,
        "p99",
    );
    let ratio = service.p99_ms / minimal.p99_ms;
    let ratio50 = service.p50_ms / minimal.p50_ms;
    out.push(service);
    out.push(Measure {
        target: "baseline".into(),
        met: true,
        ..minimal
    });
    out.push(Measure {
        name: format!("activation ÷ minimal transaction (p50 ratio {ratio50:.2})"),
        samples: k,
        p50_ms: ratio50,
        p99_ms: ratio,
        max_ms: ratio,
        target: "p99 ratio < 1.5".into(),
        met: ratio < 1.5,
    });

    // The floor under both: the 24 payment inserts alone, rolled back, so nothing reaches the
    // log (no write, no fsync, no checkpoint). What is left is the b-tree work in the table and
    // its indexes, which no way of writing the same rows avoids.
    let (rid, asset_id): (String, i64) =
        sqlx::query_as("SELECT id, asset_id FROM subscriptions WHERE bu_id = ? LIMIT 1")
            .bind(&bu.id)
            .fetch_one(core.db.pool())
            .await?;
    let mut df = Vec::with_capacity(k);
    for _ in 0..k {
        let key = crate::ids::new_id("flr");
        let mut tx = core.db.write().await?;
        let t = Instant::now();
        insert_schedule(&mut tx, bu, &customer, &rid, &key, asset_id, &now).await?;
        df.push(t.elapsed());
        tx.rollback().await?;
    }
    out.push(Measure {
        target: "floor".into(),
        met: true,
        ..summarize(
            "the 24 payment inserts alone, rolled back (no log, no fsync)",
            df,
            f64::INFINITY,
            "p99",
        )
    });

    // Subscription and payment list pages.
    let serial: String = sqlx::query_scalar(
        "SELECT serial_number FROM subscriptions WHERE bu_id = ? LIMIT 1 OFFSET ?",
    )
    .bind(&bu.id)
    .bind((o.subscriptions / 2) as i64)
    .fetch_one(core.db.pool())
    .await?;
    let mut rng = Rng::new(7);
    let lists: [(&str, serde_json::Value); 9] = [
        (
            "subscriptions: status=active, page of 50",
            serde_json::json!({"status": "active"}),
        ),
        (
            "subscriptions: one customer's",
            serde_json::json!({"customerId": customer}),
        ),
        (
            "subscriptions: by serial",
            serde_json::json!({"serialNumber": serial}),
        ),
        (
            "subscriptions: page of 100, no filter",
            serde_json::json!({"limit": "100"}),
        ),
        (
            "subscriptions: by monthly amount, largest first, page of 50",
            serde_json::json!({"sortBy": "monthlyAmount"}),
        ),
        (
            "subscriptions: by contract end, soonest first, page of 50",
            serde_json::json!({"sortBy": "endDate", "sortDir": "asc"}),
        ),
        (
            "payments: overdue, oldest first, page of 50",
            serde_json::json!({"overdue": true, "sortDir": "asc"}),
        ),
        (
            "payments: by amount, largest first, page of 50",
            serde_json::json!({"sortBy": "amount"}),
        ),
        (
            "payments: one customer's, page of 50",
            serde_json::json!({"customerId": customer}),
        ),
    ];
    for (i, (name, q)) in lists.iter().enumerate() {
        let mut d = Vec::new();
        for _ in 0..(o.samples / 10).max(50) {
            let t = Instant::now();
            let n = if i < 6 {
                let q: subs::SubscriptionQuery = serde_json::from_value(q.clone())?;
                subs::list(&core.db, bu, &q, today).await?.count
            } else {
                let q: payments::PaymentQuery = serde_json::from_value(q.clone())?;
                payments::list(&core.db, bu, &q, today).await?.count
            };
            d.push(t.elapsed());
            std::hint::black_box(n);
        }
        out.push(summarize(name, d, 5.0, "p99"));
    }
    // What a list's total costs (`includeTotal`): counting what its filters match, on top of a
    // page of one.
    for (name, q) in [
        (
            "subscriptions: page of 1 with the total of all",
            serde_json::json!({"includeTotal": true, "limit": "1"}),
        ),
        (
            "subscriptions: page of 1 with the total of status=active",
            serde_json::json!({"status": "active", "includeTotal": true, "limit": "1"}),
        ),
    ] {
        let q: subs::SubscriptionQuery = serde_json::from_value(q)?;
        let mut d = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let p = subs::list(&core.db, bu, &q, today).await?;
            d.push(t.elapsed());
            std::hint::black_box(p.total);
        }
        out.push(summarize(name, d, 50.0, "p99"));
    }
    // Deep subscription pages by cursor.
    let mut cursors = Vec::new();
    let mut q = subs::SubscriptionQuery {
        status: Some("active".into()),
        ..Default::default()
    };
    for i in 0..400 {
        let p = subs::list(&core.db, bu, &q, today).await?;
        if i % 4 == 0 {
            cursors.push(p.next_cursor.clone());
        }
        q.start_after = p.next_cursor;
    }
    let mut d = Vec::new();
    for _ in 0..(o.samples / 10).max(50) {
        let c = cursors[rng.below(cursors.len() as u64) as usize].clone();
        let t = Instant::now();
        let p = subs::list(
            &core.db,
            bu,
            &subs::SubscriptionQuery {
                status: Some("active".into()),
                start_after: c,
                ..Default::default()
            },
            today,
        )
        .await?;
        d.push(t.elapsed());
        std::hint::black_box(p);
    }
    out.push(summarize(
        "subscriptions: status=active, page 1–400 by cursor",
        d,
        5.0,
        "p99",
    ));

    // The dashboard.
    let mut d = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let f = dashboard::figures(&core.db, bu, today).await?;
        d.push(t.elapsed());
        std::hint::black_box(f);
    }
    out.push(summarize(
        "dashboard figures (all of them)",
        d,
        100.0,
        "max",
    ));
    Ok(out)
}
