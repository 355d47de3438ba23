//! `flexdesk bench --only-sync`: a hub (a `Core` serving the v1 API on loopback) and desks on
//! files of their own.
//! - Push: a desk queues `ops` changes (new customers, one op each) and pushes them all.
//! - Pull: a hub holding a business of `subscriptions` subscriptions with their orders, customers,
//!   assets and `payments_per` payments each is read whole by a new desk.
//!
//! Both are set beside the raw cost of an HTTP round trip on the same connection (`GET /health`),
//! so the figures say how much sync adds to the network it cannot avoid.

use super::{generate_assets, generate_catalog, generate_customers, generate_orders, scratch};

mod flexportal;
use crate::clock::FixedClock;
use crate::error::Result;
use crate::services::{customers, keys, Ctx};
use crate::store::indexes;
use crate::sync::{client::Client, pull, push, remote};
use crate::Core;
use std::path::Path;
use std::time::{Duration, Instant};

pub struct SyncBenchOptions {
    pub ops: usize,
    pub subscriptions: usize,
    pub payments_per: usize,
    /// Also measure the pull by lists (slow at large sizes) beside the copy.
    pub list_pull: bool,
}

/// One line of the sync figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SyncMeasure {
    pub name: String,
    pub count: u64,
    pub total_s: f64,
    pub per_item_ms: f64,
    /// Requests made and their mean time.
    pub requests: u64,
    pub per_request_ms: f64,
    /// Mean request time over the raw round trip.
    pub ratio_to_round_trip: f64,
    pub target: String,
    pub met: bool,
}

async fn hub_key(
    hub: &Core,
    bu_id: &str,
    actor: &crate::store::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String> {
    Ok(keys::create(
        &hub.db,
        actor,
        now,
        bu_id,
        keys::NewKey {
            name: "bench".into(),
            purpose: Some("sync".into()),
        },
    )
    .await?
    .secret)
}

/// The mean time of `n` sequential `GET /health` on one client: the floor of any request.
async fn round_trip(url: &str, n: usize) -> Result<f64> {
    let http = reqwest::Client::new();
    let t = Instant::now();
    for _ in 0..n {
        http.get(format!("{url}/health"))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| crate::Error::internal(e.to_string()))?;
    }
    Ok(t.elapsed().as_secs_f64() * 1000.0 / n as f64)
}

async fn desk_with_remote(
    path: &Path,
    clock: &std::sync::Arc<FixedClock>,
    hub_url: &str,
    hub_bu: &str,
    key: &str,
) -> Result<(Core, Ctx)> {
    let (desk, admin, bu) = scratch(path, clock, "Bench desk", "BNL", 0).await?;
    let ctx = Ctx::new(admin.actor(), bu.clone(), &desk.desk.code, clock.now_utc());
    set_remote(&desk, &ctx, "hub", hub_url, hub_bu, key).await?;
    Ok((desk, ctx))
}

/// The desk's remote: of `kind`, at `url`, its unit and key (read hourly: the bench pulls).
async fn set_remote(
    desk: &Core,
    ctx: &Ctx,
    kind: &str,
    url: &str,
    remote_bu: &str,
    key: &str,
) -> Result<()> {
    remote::save(
        &desk.db,
        ctx,
        &desk.desk.id,
        remote::RemoteInput {
            kind: Some(kind.into()),
            base_url: url.into(),
            tenant_id: remote_bu.into(),
            api_key: Some(key.into()),
            enabled: Some(true),
            pull_every_s: Some(3600),
            // The bench's hub runs on this computer.
            allow_address: Some(true),
            ca_cert: None,
        },
    )
    .await?;
    Ok(())
}

/// A client for the desk's remote, a minute a request.
async fn client_of(desk: &Core, ctx: &Ctx) -> Result<Client> {
    let r = remote::load(&desk.db, &desk.desk.id, &ctx.bu.id)
        .await?
        .expect("remote");
    Ok(Client::new(r, Duration::from_secs(60), &desk.db))
}

pub async fn run(dir: &Path, o: &SyncBenchOptions, log: &dyn Fn(&str)) -> Result<Vec<SyncMeasure>> {
    // The key is sealed in a folder of the bench, never put in the user's keyring.
    std::env::set_var("FLEXDESK_KEYRING", "off");
    std::env::set_var("FLEXDESK_SECRET_DIR", dir.join("secrets"));
    let clock = FixedClock::at_date(2026, 11, 1);
    let mut out = vec![];

    // ---- push -------------------------------------------------------------------------------
    // To a hub that takes the desk's ids, then to one that gives its own (as FlexPortal's cloud
    // does): there each answer teaches the desk an id, which later requests are written in.
    out.push(push_measure(dir, &clock, o, false, log).await?);
    out.push(push_measure(dir, &clock, o, true, log).await?);

    // ---- pull -------------------------------------------------------------------------------
    let (hub, admin, hub_bu) =
        scratch(&dir.join("pull-hub.db"), &clock, "Bench hub", "BNL", 0).await?;
    let hub_ctx = Ctx::new(
        admin.actor(),
        hub_bu.clone(),
        &hub.desk.code,
        clock.now_utc(),
    );
    let t0 = Instant::now();
    let n = o.subscriptions;
    let skus = generate_catalog(&hub, &hub_ctx).await?;
    let cust = generate_customers(&hub, &hub_bu, (n / 2).max(1)).await?;
    generate_orders(&hub, &hub_bu, &cust, &skus, 0..n).await?;
    generate_assets(&hub, &hub_bu, &skus, n).await?;
    super::lifecycle::generate(&hub, &hub_bu, n, o.payments_per, log).await?;
    log(&format!("pull: hub business ready ({:.1?})", t0.elapsed()));
    let key = hub_key(&hub, &hub_bu.id, &admin.actor(), clock.now_utc()).await?;
    let url = hub.start_server("127.0.0.1:0".parse().unwrap()).await?;
    let rt = round_trip(&url, 2000).await?;
    // A new desk reading the hub's lists object by object (as a desk whose pull has begun
    // does), then one taking the hub's copy of its tables (a new desk's first pull), then the
    // floor: SQLite copying the same tables from file to file.
    let mut objects = 0;
    if o.list_pull {
        let (m, read, _) =
            pull_measure(dir, &clock, &url, &hub_bu.id, &key, rt, n, o, false, None).await?;
        objects = read;
        out.push(m);
    }
    let (m, _, (desk, ctx, client)) = pull_measure(
        dir,
        &clock,
        &url,
        &hub_bu.id,
        &key,
        rt,
        n,
        o,
        true,
        Some(objects),
    )
    .await?;
    out.push(m);
    for set_aside in [false, true] {
        out.push(raw_copy(dir, &dir.join("pull-hub.db"), n, objects, set_aside).await?);
    }
    // A second pass reads only what changed: nothing.
    let t = Instant::now();
    let again = pull::pull(
        &desk.db,
        &client,
        &ctx.bu,
        &ctx.now,
        pull::FULL_READ_PAGES,
        &|_| {},
    )
    .await?;
    let took = t.elapsed().as_secs_f64();
    out.push(SyncMeasure {
        name: "pull again with nothing changed".into(),
        count: again.read,
        total_s: took,
        per_item_ms: 0.0,
        requests: again.pages,
        per_request_ms: took * 1000.0 / again.pages.max(1) as f64,
        ratio_to_round_trip: took * 1000.0 / again.pages.max(1) as f64 / rt,
        target: "< 1 s".into(),
        met: took < 1.0 && again.read == 0,
    });
    // The same desk with the hub as a FlexPortal remote: no change feed, so windows and a
    // slice of the full read.
    let pair = flexportal::Pair {
        hub: &hub,
        hub_ctx: &hub_ctx,
        desk: &desk,
        ctx: &ctx,
        url: &url,
        key: &key,
        rt,
    };
    out.extend(flexportal::passes(&pair, &cust, &skus, 100, 20).await?);
    hub.stop_server().await;
    Ok(out)
}

type Joined = (Core, Ctx, Client);

/// A new desk pulling the hub's business: reading its lists (`snapshot` false: the desk's pull
/// is marked begun, so no copy is offered), or taking the hub's copy of its tables. Per object
/// against `objects` (the list pull's count) when given, so both lines divide the same thing.
#[allow(clippy::too_many_arguments)]
async fn pull_measure(
    dir: &Path,
    clock: &std::sync::Arc<FixedClock>,
    url: &str,
    hub_bu: &str,
    key: &str,
    rt: f64,
    n: usize,
    o: &SyncBenchOptions,
    snapshot: bool,
    objects: Option<u64>,
) -> Result<(SyncMeasure, u64, Joined)> {
    let name = if snapshot {
        "pull-desk-copy.db"
    } else {
        "pull-desk.db"
    };
    let (desk, ctx) = desk_with_remote(&dir.join(name), clock, url, hub_bu, key).await?;
    if !snapshot {
        sqlx::query("INSERT INTO sync_cursors (bu_id, list, updated_at) VALUES (?, 'products', ?)")
            .bind(&ctx.bu.id)
            .bind(&ctx.now)
            .execute(desk.db.pool())
            .await?;
    }
    let client = client_of(&desk, &ctx).await?;
    let t = Instant::now();
    let last = std::sync::Mutex::new(Instant::now());
    let report = pull::pull(
        &desk.db,
        &client,
        &ctx.bu,
        &ctx.now,
        pull::FULL_READ_PAGES,
        &|p| {
            let mut l = last.lock().unwrap();
            if l.elapsed() > Duration::from_secs(15) {
                *l = Instant::now();
                eprintln!(
                    "pull: {} read, {} copied, {} pages, {:.0?}",
                    p.read,
                    p.copied,
                    p.pages,
                    t.elapsed()
                );
            }
        },
    )
    .await?;
    let took = t.elapsed().as_secs_f64();
    let subs_here: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE bu_id = ?")
        .bind(&ctx.bu.id)
        .fetch_one(desk.db.pool())
        .await?;
    let pays_here: i64 = sqlx::query_scalar("SELECT count(*) FROM payments WHERE bu_id = ?")
        .bind(&ctx.bu.id)
        .fetch_one(desk.db.pool())
        .await?;
    let expected_pays = (n * o.payments_per) as i64;
    if subs_here != n as i64
        || pays_here != expected_pays
        || report.deferred > 0
        || snapshot != (report.copied > 0)
        || !report.problems.is_empty()
    {
        return Err(crate::Error::internal(format!(
            "pull bench: {subs_here} subscriptions and {pays_here} payments arrived ({n} and {expected_pays} expected, {} deferred, {} copied, {:?})",
            report.deferred, report.copied, report.problems
        )));
    }
    let count =
        objects
            .filter(|c| *c > 0)
            .unwrap_or(if snapshot { report.copied } else { report.read });
    let per_page = took * 1000.0 / report.pages as f64;
    log_line(&format!(
        "pull ({}): {} objects in {} pages, {took:.1} s ({per_page:.1} ms a page)",
        if snapshot { "copy" } else { "lists" },
        count,
        report.pages
    ));
    let m = SyncMeasure {
        name: if snapshot {
            format!(
                "a new desk's first pull: the hub's copy of its tables ({} rows{})",
                report.copied,
                if objects.is_some_and(|c| c > 0) {
                    "; per object of the list pull"
                } else {
                    ""
                }
            )
        } else {
            format!("pull a business of {n} subscriptions by its lists ({} objects with their payments)", report.read)
        },
        count,
        total_s: took,
        per_item_ms: took * 1000.0 / count as f64,
        requests: report.pages,
        per_request_ms: per_page,
        ratio_to_round_trip: per_page / rt,
        target: format!("< {:.0} s (2 ms per object)", pull_target_s(count)),
        met: took < pull_target_s(count),
    };
    Ok((m, report.read, (desk, ctx, client)))
}

pub(super) fn log_line(m: &str) {
    eprintln!("{m}");
}

/// The floor: SQLite copying the same tables of the unit from the hub's file into a new one
/// (`INSERT … SELECT` across attached files, foreign keys off, one transaction), with the
/// lists' indexes in place or (`set_aside`) set aside and built after, as a new desk's copy
/// does.
async fn raw_copy(
    dir: &Path,
    hub: &Path,
    n: usize,
    objects: u64,
    set_aside: bool,
) -> Result<SyncMeasure> {
    use sqlx::{Connection, Executor};
    let path = dir.join("pull-raw.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    // The same schema as a desk's, made by opening it as one.
    Core::open(&path, FixedClock::at_date(2026, 11, 1))
        .await?
        .db
        .close()
        .await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await?;
    conn.execute("PRAGMA foreign_keys = OFF").await?;
    sqlx::query("ATTACH DATABASE ? AS hub")
        .bind(hub.display().to_string())
        .execute(&mut conn)
        .await?;
    let tables = crate::sync::snapshot::copied_tables();
    let t = Instant::now();
    if set_aside {
        indexes::set_aside(&mut conn, &tables).await?;
    }
    let mut tx = conn.begin().await?;
    let mut rows = 0u64;
    for table in &tables {
        rows += sqlx::query(&format!(
            "INSERT INTO main.{table} SELECT * FROM hub.{table}"
        ))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    indexes::restore(&mut conn).await?;
    let took = t.elapsed().as_secs_f64();
    let count = if objects > 0 { objects } else { rows };
    let how = if set_aside {
        ", the lists' indexes built after"
    } else {
        ""
    };
    Ok(SyncMeasure {
        name: format!(
            "floor: SQLite copying the same {n}-subscription unit from file to file{how} ({rows} rows)"
        ),
        count,
        total_s: took,
        per_item_ms: took * 1000.0 / count as f64,
        requests: 0,
        per_request_ms: 0.0,
        ratio_to_round_trip: 0.0,
        target: "(the floor)".into(),
        met: true,
    })
}

/// The whole-business pull target: 2 ms an object (a 250,000-subscription business with 12
/// payments each, about 3.75 million objects, in about two hours at most on this machine class).
fn pull_target_s(objects: u64) -> f64 {
    (objects as f64 * 0.002).max(1.0)
}

pub fn table(rows: &[SyncMeasure]) -> String {
    let mut s = String::from(
        "| measure | count | total | per item | requests | per request | ÷ round trip | target | met |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {:.1} s | {:.3} ms | {} | {:.2} ms | {:.1}× | {} | {} |\n",
            r.name,
            r.count,
            r.total_s,
            r.per_item_ms,
            r.requests,
            r.per_request_ms,
            r.ratio_to_round_trip,
            r.target,
            if r.met { "yes" } else { "**no**" }
        ));
    }
    s
}

/// Queue `o.ops` new customers on a desk and push them to a hub of their own.
async fn push_measure(
    dir: &Path,
    clock: &std::sync::Arc<FixedClock>,
    o: &SyncBenchOptions,
    own_ids: bool,
    log: &dyn Fn(&str),
) -> Result<SyncMeasure> {
    let tag = if own_ids { "own-ids-" } else { "" };
    let (hub, admin, hub_bu) = scratch(
        &dir.join(format!("push-{tag}hub.db")),
        clock,
        "Bench hub",
        "BNL",
        0,
    )
    .await?;
    let key = hub_key(&hub, &hub_bu.id, &admin.actor(), clock.now_utc()).await?;
    let url = hub
        .start_server_with(
            "127.0.0.1:0".parse().unwrap(),
            crate::http::ServeOptions {
                own_ids,
                ..Default::default()
            },
        )
        .await?;
    let (desk, ctx) = desk_with_remote(
        &dir.join(format!("push-{tag}desk.db")),
        clock,
        &url,
        &hub_bu.id,
        &key,
    )
    .await?;
    let t = Instant::now();
    for i in 0..o.ops {
        customers::create(
            &desk.db,
            &ctx,
            customers::NewCustomer {
                email: format!("push{i}@bench.example"),
                first_name: "Bench".into(),
                last_name: format!("Customer {i}"),
                ..Default::default()
            },
        )
        .await?;
    }
    log(&format!(
        "push: {} changes queued on the desk ({:.1?})",
        o.ops,
        t.elapsed()
    ));
    let rt = round_trip(&url, 2000).await?;
    log(&format!("raw round trip (GET /health): {rt:.3} ms"));
    let r = remote::load(&desk.db, &desk.desk.id, &ctx.bu.id)
        .await?
        .expect("remote");
    let client = Client::new(r, Duration::from_secs(30), &desk.db);
    let t = Instant::now();
    let report = push::push(&desk.db, &client, Default::default(), true, || {
        clock.now_utc()
    })
    .await?;
    let took = t.elapsed().as_secs_f64();
    let on_hub: i64 = sqlx::query_scalar("SELECT count(*) FROM customers WHERE bu_id = ?")
        .bind(&hub_bu.id)
        .fetch_one(hub.db.pool())
        .await?;
    let learned = crate::sync::idmap::all(&desk.db, &ctx.bu.id).await?.len();
    let want_learned = if own_ids { o.ops } else { 0 };
    if report.sent != o.ops as u64 || on_hub != o.ops as i64 || learned != want_learned {
        return Err(crate::Error::internal(format!(
            "push bench: {} sent, {on_hub} on the hub, {learned} ids learned; {} expected",
            report.sent, o.ops
        )));
    }
    let per = took * 1000.0 / o.ops as f64;
    log(&format!(
        "push ({tag}hub): {} ops in {took:.1} s ({per:.2} ms each)",
        o.ops
    ));
    let name = if own_ids {
        format!(
            "push {} ops (new customers) to a hub that gives its own ids",
            o.ops
        )
    } else {
        format!("push {} ops (new customers) to the hub", o.ops)
    };
    let m = SyncMeasure {
        name,
        count: o.ops as u64,
        total_s: took,
        per_item_ms: per,
        requests: report.sent,
        per_request_ms: per,
        ratio_to_round_trip: per / rt,
        target: "< 10 ms per op".into(),
        met: per < 10.0,
    };
    hub.stop_server().await;
    Ok(m)
}
