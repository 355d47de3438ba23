//! `flexdesk bench`: generate a large business (300k assets, 100k customers, 200k orders by
//! default) on a real database file, then measure the operations the desk repeats all day through
//! the same service functions the UI and the v1 API call: serial lookup, filtered list pages,
//! product CSV import, order placement. Results are printed as a Markdown table.
//!
//! The generator writes rows in bulk (the shape the services write, without per-row timeline
//! entries) because going through one transaction per row would take an hour; what is measured
//! afterwards always goes through the services.

use crate::clock::{stamp, FixedClock};
use crate::demo::Rng;
use crate::error::Result;
use crate::services::{
    assets, business_units, catalog, customers, orders, users, BusinessUnit, Ctx,
};
use crate::Core;
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub path: PathBuf,
    pub assets: usize,
    pub customers: usize,
    pub orders: usize,
    pub samples: usize,
    /// Subscriptions for the lifecycle measures (0 skips them); each gets `payments_per` payments.
    pub subscriptions: usize,
    pub payments_per: usize,
    /// Include the PDF measures (invoice rendering, and Chromium printing the same invoice).
    pub pdf: bool,
    /// Only the PDF measures: no database dataset at all.
    pub only_pdf: bool,
    /// The month-end run (billing groups, invoices, their PDFs) on a scratch database of its
    /// own beside `path`; `None` leaves it out.
    pub month_end: Option<MonthEndOptions>,
    /// Only the month-end measures.
    pub only_month_end: bool,
}

impl BenchOptions {
    fn month_end_path(&self) -> PathBuf {
        self.path.with_file_name("month-end.db")
    }
}

mod backup;
mod lifecycle;
mod month_end;
mod pdf;
pub mod sync;

pub use month_end::{issued as month_end_issued, Issued as MonthEndIssued, MonthEndOptions};

#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub name: String,
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub target: String,
    pub met: bool,
}

fn summarize(name: &str, mut d: Vec<Duration>, target_ms: f64, which: &str) -> Measure {
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(d[((d.len() as f64 * q).ceil() as usize).clamp(1, d.len()) - 1]);
    let (p50, p99, max) = (at(0.5), at(0.99), ms(*d.last().unwrap()));
    let value = if which == "p99" { p99 } else { max };
    Measure {
        name: name.into(),
        samples: d.len(),
        p50_ms: p50,
        p99_ms: p99,
        max_ms: max,
        target: format!("{which} < {target_ms} ms"),
        met: value < target_ms,
    }
}

pub async fn run(opts: &BenchOptions, log: &dyn Fn(&str)) -> Result<Vec<Measure>> {
    if opts.only_pdf {
        return pdf::run(log);
    }
    if opts.only_month_end {
        let Some(me) = &opts.month_end else {
            return Ok(Vec::new());
        };
        return month_end::run(&opts.month_end_path(), me, log).await;
    }
    let clock = FixedClock::at_date(2026, 11, 1);
    let (core, admin, bu) = scratch(&opts.path, &clock, "Bench NL", "BNL", 0).await?;
    let ctx = Ctx::new(admin.actor(), bu.clone(), &core.desk.code, clock.now_utc());

    let t0 = Instant::now();
    let skus = generate_catalog(&core, &ctx).await?;
    log(&format!(
        "catalog: {} variants ({:.1?})",
        skus.len(),
        t0.elapsed()
    ));
    let t = Instant::now();
    let customer_ids = generate_customers(&core, &bu, opts.customers).await?;
    log(&format!(
        "customers: {} ({:.1?})",
        customer_ids.len(),
        t.elapsed()
    ));
    let t = Instant::now();
    generate_orders(&core, &bu, &customer_ids, &skus, 0..opts.orders).await?;
    log(&format!("orders: {} ({:.1?})", opts.orders, t.elapsed()));
    let t = Instant::now();
    let serials = generate_assets(&core, &bu, &skus, opts.assets).await?;
    log(&format!("assets: {} ({:.1?})", serials.len(), t.elapsed()));
    sqlx::query("ANALYZE").execute(core.db.pool()).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(core.db.pool())
        .await?;
    log(&format!("dataset ready in {:.1?}; measuring", t0.elapsed()));

    let mut out = Vec::new();
    let mut rng = Rng::new(42);
    let n = opts.samples;

    // Serial lookup, as a scan at the desk: normalise, then the exact lookup.
    let mut d = Vec::with_capacity(n);
    for _ in 0..n {
        let s = serials[rng.below(serials.len() as u64) as usize].to_lowercase();
        let t = Instant::now();
        let a = assets::get(&core.db, &bu, &s).await?;
        d.push(t.elapsed());
        std::hint::black_box(a);
    }
    out.push(summarize("asset lookup by serial", d, 1.0, "p99"));

    // Filtered first pages of 50.
    let sku = skus[3].clone();
    let customer = customer_ids[customer_ids.len() / 2].clone();
    let cases = [
        "assets: status=available, page of 50",
        "assets: sku filter, page of 50",
        "orders: status=confirmed, page of 50",
        "orders: one customer's orders",
        "customers: status=active, page of 50",
        "customers: search \"jan\" (full text), 50 best",
        "products: category filter, page of 50 with variants",
        "customers: by last name, page of 50",
        "orders: by monthly total, largest first, page of 50",
        "assets: by serial number, page of 50",
    ];
    for (i, name) in cases.iter().enumerate() {
        let mut d = Vec::with_capacity(n / 10);
        for _ in 0..(n / 10).max(50) {
            let s = |v: &str| Some(v.to_string());
            let t = Instant::now();
            let got = match i {
                0 => assets::list(
                    &core.db,
                    &bu,
                    &assets::AssetQuery {
                        status: s("available"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                1 => assets::list(
                    &core.db,
                    &bu,
                    &assets::AssetQuery {
                        sku: Some(sku.clone()),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                2 => orders::list(
                    &core.db,
                    &bu,
                    &orders::OrderQuery {
                        status: s("confirmed"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                3 => orders::list(
                    &core.db,
                    &bu,
                    &orders::OrderQuery {
                        customer_id: Some(customer.clone()),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                4 => customers::list(
                    &core.db,
                    &bu,
                    &customers::CustomerQuery {
                        status: s("active"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                5 => customers::list(
                    &core.db,
                    &bu,
                    &customers::CustomerQuery {
                        q: s("jan"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                6 => catalog::list_products(
                    &core.db,
                    &bu,
                    &catalog::ProductQuery {
                        category: s("Laptops"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                7 => customers::list(
                    &core.db,
                    &bu,
                    &customers::CustomerQuery {
                        sort_by: s("lastName"),
                        sort_dir: s("asc"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                8 => orders::list(
                    &core.db,
                    &bu,
                    &orders::OrderQuery {
                        sort_by: s("total"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
                _ => assets::list(
                    &core.db,
                    &bu,
                    &assets::AssetQuery {
                        sort_by: s("serialNumber"),
                        sort_dir: s("asc"),
                        ..Default::default()
                    },
                )
                .await?
                .items
                .len(),
            };
            d.push(t.elapsed());
            std::hint::black_box(got);
        }
        out.push(summarize(name, d, 5.0, "p99"));
    }
    // Deep pages: keyset cursors from the middle of the list.
    let mut cursors = Vec::new();
    let mut q = orders::OrderQuery {
        status: Some("confirmed".into()),
        ..Default::default()
    };
    for i in 0..400 {
        let p = orders::list(&core.db, &bu, &q).await?;
        if i % 4 == 0 {
            cursors.push(p.next_cursor.clone());
        }
        q.start_after = p.next_cursor;
    }
    let mut d = Vec::new();
    for c in cursors.iter().cycle().take((n / 10).max(50)) {
        let t = Instant::now();
        let p = orders::list(
            &core.db,
            &bu,
            &orders::OrderQuery {
                status: Some("confirmed".into()),
                start_after: c.clone(),
                ..Default::default()
            },
        )
        .await?;
        d.push(t.elapsed());
        std::hint::black_box(p);
    }
    out.push(summarize(
        "orders: status=confirmed, page 1–400 by cursor",
        d,
        5.0,
        "p99",
    ));

    // Product CSV import of 10,000 rows into a business unit of its own (created, then updated).
    let bu2 = business_units::create(
        &core.db,
        &admin.actor(),
        clock.now_utc(),
        business_units::NewBusinessUnit {
            name: "Import".into(),
            currency: "EUR".into(),
            code: Some("IMP".into()),
            country: None,
            timezone: None,
            settings: None,
        },
    )
    .await?;
    let ctx2 = Ctx::new(admin.actor(), bu2, &core.desk.code, clock.now_utc());
    let csv = import_csv_rows(10_000);
    let mut d = Vec::new();
    for round in 0..2 {
        let t = Instant::now();
        let r = catalog::import_csv(&core.db, &ctx2, csv.as_bytes(), Default::default()).await?;
        d.push(t.elapsed());
        assert!(
            r.errors.is_empty() && r.created + r.updated == 10_000,
            "import round {round}: {}",
            r.message
        );
        out.push(summarize(
            if round == 0 {
                "product CSV import, 10k rows (all new)"
            } else {
                "product CSV import, 10k rows (all updates)"
            },
            vec![d[round]],
            1000.0,
            "max",
        ));
    }

    // Placing an order at the counter (customer lookup, pricing, numbering, timeline, commit).
    let mut d = Vec::new();
    for i in 0..(n / 20).max(50) {
        let input = orders::OrderInput {
            customer_id: Some(customer_ids[rng.below(customer_ids.len() as u64) as usize].clone()),
            items: vec![orders::OrderItemInput {
                sku: skus[i % skus.len()].clone(),
                quantity: serde_json::json!(1),
                contract_length: Some(serde_json::json!(12)),
                ..Default::default()
            }],
            ..Default::default()
        };
        clock.advance(chrono::Duration::minutes(3));
        let ctx = Ctx::new(admin.actor(), bu.clone(), &core.desk.code, clock.now_utc());
        let t = Instant::now();
        let p = orders::create(&core.db, &ctx, input).await?;
        d.push(t.elapsed());
        std::hint::black_box(p);
    }
    out.push(summarize(
        "place an order (one transaction, synchronous=FULL)",
        d,
        20.0,
        "p99",
    ));
    if opts.subscriptions > 0 {
        let lo = lifecycle::LifecycleOptions {
            subscriptions: opts.subscriptions.min(opts.assets),
            payments_per: opts.payments_per,
            samples: n,
        };
        out.extend(lifecycle::run(&core, &bu, &admin.actor(), &clock, &lo, log).await?);
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(core.db.pool())
            .await?;
        out.extend(backup::run(&core, clock.now_utc(), log).await?);
    }
    core.db.close().await;
    if let Some(me) = &opts.month_end {
        out.extend(month_end::run(&opts.month_end_path(), me, log).await?);
    }
    if opts.pdf {
        out.extend(pdf::run(log)?);
    }
    Ok(out)
}

impl FixedClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::Clock::now(self)
    }
}

const CATEGORIES: &[&str] = &["Laptops", "Phones", "E-bikes", "Office chairs", "Strollers"];

async fn generate_catalog(core: &Core, ctx: &Ctx) -> Result<Vec<String>> {
    let mut csv = String::from("Product Name,Product SKU,Category,Brand,Specification,Grade,Color,Variant SKU,List Price,Acquisition Cost,6mo_Price,12mo_Price,24mo_Price,36mo_Price\n");
    let mut skus = Vec::new();
    for p in 0..200 {
        for v in 0..5 {
            let sku = format!("P{p:03}-V{v}");
            let cat = CATEGORIES[p % CATEGORIES.len()].replace("Phones", "Tablets");
            csv.push_str(&format!(
                "Model {p},P{p:03},{cat},Brand {},Spec,A,Colour {v},{sku},{},{},99,79,59,45\n",
                p % 17,
                1000 + p,
                800 + p
            ));
            skus.push(sku);
        }
    }
    let r = catalog::import_csv(&core.db, ctx, csv.as_bytes(), Default::default()).await?;
    assert!(r.errors.is_empty(), "{:?}", r.errors.first());
    Ok(skus)
}

fn import_csv_rows(rows: usize) -> String {
    let mut csv = String::from("Product Name,Product SKU,Category,Brand,Specification,Grade,Color,Variant SKU,List Price,Acquisition Cost,6mo_Price,12mo_Price,24mo_Price,36mo_Price\n");
    for i in 0..rows {
        let p = i / 4;
        csv.push_str(&format!("Product {p},IMP-{p:05},{},Brand {},Spec {p},A,Colour {},IMP-{p:05}-{},{}.00,{}.50,119,89,59,45\n", CATEGORIES[p % 5].replace("Phones", "Tablets"), p % 50, i % 4, i % 4, 900 + p % 500, 700 + p % 400));
    }
    csv
}

const BATCH: usize = 400;

async fn generate_customers(core: &Core, bu: &BusinessUnit, n: usize) -> Result<Vec<String>> {
    let first = [
        "Jan", "Emma", "Daan", "Sophie", "Lucas", "Julia", "Sem", "Mila", "Noah", "Tess",
        "Janneke", "Finn", "Anna", "Liam", "Saar",
    ];
    let last = [
        "de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "de Groot", "Bos", "Vos",
    ];
    let mut rng = Rng::new(7);
    let mut ids = Vec::with_capacity(n);
    let mut tx = core.db.write().await?;
    let base = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let address = r#"{"contactName":"Bench","streetAddress":"Damrak 1","city":"Amsterdam","country":"Netherlands"}"#;
    for chunk in (0..n).collect::<Vec<_>>().chunks(BATCH) {
        let rows: Vec<crate::store::customers::CustomerRow> = chunk
            .iter()
            .map(|i| {
                let f = *rng.pick(&first);
                let l = *rng.pick(&last);
                let business = i % 6 == 0;
                let email = format!(
                    "{}.{}{i}@mail.example",
                    f.to_lowercase(),
                    l.replace(' ', "").to_lowercase()
                );
                let at = stamp(base + chrono::Duration::seconds(*i as i64 * 60));
                crate::store::customers::CustomerRow {
                    id: crate::ids::new_id("cus"),
                    bu_id: bu.id.clone(),
                    email_norm: email.clone(),
                    email,
                    first_name: f.to_string(),
                    last_name: l.to_string(),
                    company: business.then(|| format!("Company {}", i / 6)),
                    customer_type: if business { "business" } else { "individual" }.into(),
                    status: "active".into(),
                    billing_address: Some(address.into()),
                    created_at: at.clone(),
                    updated_at: at,
                    created_by: "bench".into(),
                    ..Default::default()
                }
            })
            .collect();
        crate::store::customers::insert_all(&mut tx, &rows).await?;
        ids.extend(rows.into_iter().map(|r| r.id));
    }
    tx.commit().await?;
    Ok(ids)
}

async fn generate_orders(
    core: &Core,
    bu: &BusinessUnit,
    customers: &[String],
    skus: &[String],
    range: std::ops::Range<usize>,
) -> Result<()> {
    let mut rng = Rng::new(11 + range.start as u64);
    let statuses = [
        "confirmed",
        "confirmed",
        "confirmed",
        "pending",
        "cancelled",
        "fulfilled",
        "partial",
    ];
    let base = chrono::DateTime::parse_from_rfc3339("2024-02-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut tx = core.db.write().await?;
    for chunk in range.collect::<Vec<_>>().chunks(BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut items = Vec::new();
        let addr = r#"{"contactName":"Bench","streetAddress":"Damrak 1","city":"Amsterdam","country":"Netherlands"}"#;
        for i in chunk {
            let id = crate::ids::new_id("ord");
            let cust = &customers[rng.below(customers.len() as u64) as usize];
            let lines = 1 + rng.below(3) as i64;
            for k in 0..lines {
                items.push(crate::store::orders::OrderItemRow {
                    order_id: id.clone(),
                    idx: k,
                    sku: skus[rng.below(skus.len() as u64) as usize].clone(),
                    product_name: "Bench product".into(),
                    unit_price: 7900,
                    contract_length: 12,
                    ..Default::default()
                });
            }
            let sub = 7900 * lines;
            let at = stamp(base + chrono::Duration::seconds(*i as i64 * 150));
            rows.push(crate::store::orders::OrderRow {
                order_number: format!("{}-BENCH-{:07}", bu.code, i + 1),
                bu_id: bu.id.clone(),
                status: (*rng.pick(&statuses)).into(),
                customer: format!(r#"{{"customerId":"{cust}","email":"bench@mail.example","firstName":"Bench","lastName":"Customer","customerType":"individual"}}"#),
                customer_id: cust.clone(),
                billing_address: addr.into(),
                shipping_address: addr.into(),
                subtotal: sub,
                tax_amount: sub * 21 / 100,
                total: sub + sub * 21 / 100,
                currency: "EUR".into(),
                total_devices: lines,
                idem_key: id.clone(),
                id,
                created_at: at.clone(),
                updated_at: at,
                created_by: "bench".into(),
                tax_rate: "21".into(),
                ..Default::default()
            });
        }
        crate::store::orders::insert_all(&mut tx, &rows, &items).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn generate_assets(
    core: &Core,
    bu: &BusinessUnit,
    skus: &[String],
    n: usize,
) -> Result<Vec<String>> {
    let mut rng = Rng::new(13);
    let statuses = [
        "available",
        "available",
        "rented_out",
        "rented_out",
        "rented_out",
        "returned",
        "unavailable",
        "sold",
    ];
    let base = chrono::DateTime::parse_from_rfc3339("2024-01-15T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut serials = Vec::with_capacity(n);
    let mut tx = core.db.write().await?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(BATCH) {
        let rows: Vec<crate::store::assets::AssetRow> = chunk
            .iter()
            .map(|i| {
                let at = stamp(base + chrono::Duration::seconds(*i as i64 * 90));
                crate::store::assets::AssetRow {
                    bu_id: bu.id.clone(),
                    serial_number: format!("SN{}{:07}", rng.alnum(4), i),
                    sku: skus[rng.below(skus.len() as u64) as usize].clone(),
                    product_name: "Bench product".into(),
                    status: (*rng.pick(&statuses)).into(),
                    location: Some("Warehouse A".into()),
                    acquisition_cost: Some(90000),
                    created_at: at.clone(),
                    updated_at: at,
                    created_by: "bench".into(),
                    ..Default::default()
                }
            })
            .collect();
        crate::store::assets::insert_all(&mut tx, &rows).await?;
        serials.extend(rows.into_iter().map(|r| r.serial_number));
    }
    tx.commit().await?;
    Ok(serials)
}

/// A fresh scratch database at `path` (any earlier one is removed) with one EUR business unit
/// at 21 % VAT and the given payment terms; returns it with its administrator.
async fn scratch(
    path: &std::path::Path,
    clock: &std::sync::Arc<FixedClock>,
    name: &str,
    code: &str,
    payment_terms_days: u32,
) -> Result<(Core, users::User, BusinessUnit)> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let core = Core::open(path, clock.clone()).await?;
    let admin = users::list(&core.db).await?.remove(0);
    let bu = business_units::create(
        &core.db,
        &admin.actor(),
        clock.now_utc(),
        business_units::NewBusinessUnit {
            name: name.into(),
            currency: "EUR".into(),
            code: Some(code.into()),
            country: None,
            timezone: None,
            settings: Some(crate::domain::settings::BuSettings {
                tax_rate: rust_decimal::Decimal::from(21),
                payment_terms_days,
                // A seller as an e-invoice names it (the month end makes Factur-X of its invoices).
                seller: crate::domain::settings::Seller {
                    legal_name: format!("{name} B.V."),
                    street_address: "Damrak 1".into(),
                    postal_code: "1012 LG".into(),
                    city: "Amsterdam".into(),
                    country: "NL".into(),
                    vat_id: "NL123456789B01".into(),
                    email: "billing@bench.example".into(),
                    bank_account: "NL91 ABNA 0417 1643 00".into(),
                    ..Default::default()
                },
                ..Default::default()
            }),
        },
    )
    .await?;
    Ok((core, admin, bu))
}

/// The payments table's indexes, dropped for a bulk insert and built again afterwards (one
/// sort per index instead of millions of random b-tree inserts).
struct PaymentIndexes(Vec<String>);

async fn drop_payment_indexes(tx: &mut crate::store::Tx) -> Result<PaymentIndexes> {
    let defs: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payments' AND sql IS NOT NULL",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (name, _) in &defs {
        sqlx::query(&format!("DROP INDEX {name}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(PaymentIndexes(defs.into_iter().map(|d| d.1).collect()))
}

impl PaymentIndexes {
    async fn rebuild(self, tx: &mut crate::store::Tx) -> Result<()> {
        for sql in &self.0 {
            sqlx::query(sql).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The results as a Markdown table.
pub fn table(rows: &[Measure]) -> String {
    let mut s = String::from("| operation | samples | p50 (ms) | p99 (ms) | max (ms) | target | met |\n|---|---:|---:|---:|---:|---|---|\n");
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {:.3} | {} | {} |\n",
            r.name,
            r.samples,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.target,
            if r.met { "yes" } else { "**no**" }
        ));
    }
    s
}
