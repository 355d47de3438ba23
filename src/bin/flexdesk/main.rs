//! `flexdesk`: the desk from the command line — create business units and API keys, serve the
//! local FlexPortal v1 API, load demo data, import CSV, generate UI bindings, run benchmarks.
//! Commands that create something print its id (or key) as the last line of stdout.

use clap::{Parser, Subcommand};
use flexdesk::clock::SharedClock;
use flexdesk::services::{business_units, keys, Ctx};
use flexdesk::store::Actor;
use flexdesk::{Core, Error};
use std::path::PathBuf;

mod files;

#[derive(Parser)]
#[command(
    name = "flexdesk",
    version,
    about = "FlexDesk: offline-first back office for subscription rentals"
)]
struct Cli {
    /// Database file (created on first use). Default: the platform's data directory.
    #[arg(long, global = true, env = "FLEXDESK_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Business units.
    Bu {
        #[command(subcommand)]
        action: BuAction,
    },
    /// API keys of the local v1 server.
    Keys {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Serve the FlexPortal v1 API (and the desk UI, with --ui) on this address.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// Folder of the built UI (ui/dist) to serve at /.
        #[arg(long)]
        ui: Option<PathBuf>,
        /// Load the demo business first if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Pause before the first retry of a failed webhook delivery, in milliseconds (each
        /// later pause is three times longer, at most six hours).
        #[arg(long, default_value_t = 30_000)]
        webhook_retry_ms: u64,
        /// Pause before pushing again after the remote did not answer, in milliseconds (doubling
        /// each time, at most five minutes).
        #[arg(long, default_value_t = 2_000)]
        sync_retry_ms: u64,
        /// How long one request to the sync remote may take, in milliseconds.
        #[arg(long, default_value_t = 20_000)]
        sync_timeout_ms: u64,
        /// Pages (of 100 objects, a request each) of a FlexPortal remote's lists read again in
        /// each pull once it has been read whole: the pace of the full read beside the windows.
        #[arg(long, default_value_t = flexdesk::sync::pull::FULL_READ_PAGES)]
        full_read_pages: u64,
        /// Give what v1 callers create this server's own ids, ignoring the ids they send, as
        /// FlexPortal's cloud does (to try desks against such a remote).
        #[arg(long)]
        own_ids: bool,
        /// A name this server answers to besides localhost and IP addresses (a hub's LAN name,
        /// e.g. `hub.shop.lan`); repeat for several. Other names are refused on /rpc and the UI.
        #[arg(long = "host-name")]
        host_names: Vec<String>,
        /// Speak HTTPS with this certificate chain (PEM file), e.g. one made by `tls-cert`.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM file).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Make a self-signed certificate and its key (PEM files, never overwriting) for a hub
    /// without a certificate authority: `serve --tls-cert --tls-key` on the hub, `remote set
    /// --ca-cert` on each desk. Prints the certificate's SHA-256 fingerprint.
    TlsCert {
        /// A name or address desks reach the hub at (e.g. hub.shop.lan, 192.168.1.20); repeat.
        #[arg(long = "name", required = true)]
        names: Vec<String>,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// A business unit's sync remote (a FlexDesk hub's or FlexPortal's v1 API).
    Remote {
        #[command(subcommand)]
        action: RemoteAction,
    },
    /// Sync now: push this desk's waiting changes, then pull what changed on the remote. Prints
    /// what happened as JSON, one line per business unit.
    Sync {
        /// Only this business unit (default: every one with a remote).
        #[arg(long)]
        tenant: Option<String>,
        /// Push only.
        #[arg(long)]
        no_pull: bool,
        /// First send the records this desk held before its remote was set (to a FlexDesk hub,
        /// which keeps what it already has), then sync.
        #[arg(long, conflicts_with = "no_pull")]
        send_existing: bool,
    },
    /// Apply contract-end rules and late fees for every business unit as of today (idempotent).
    RunDaily,
    /// Back the database and its files up into one archive: a consistent copy, also while desks
    /// work on the file; encrypted with FLEXDESK_BACKUP_PASSPHRASE when that is set. Prints the
    /// backup's path.
    Backup {
        /// The new backup file (default: backups/manual-<time>.flexdesk-backup beside the database).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore a backup as the database (--db), after checking it whole (an encrypted one with
    /// FLEXDESK_BACKUP_PASSPHRASE). An existing database is replaced only with --replace, never
    /// while FlexDesk has it open, and is kept aside.
    Restore {
        file: PathBuf,
        #[arg(long)]
        replace: bool,
    },
    /// Load the demo business (two business units, catalog, customers, orders, assets) into an empty database.
    Demo,
    /// Import products from a CSV file into a business unit.
    ImportProducts {
        #[arg(long)]
        tenant: String,
        file: PathBuf,
    },
    /// Generate a large business on a scratch database and measure lookups, list pages, CSV import
    /// and order placement (build with --release).
    Bench {
        /// Scratch database file (replaced).
        #[arg(long, default_value = "bench-data/bench.db")]
        out: PathBuf,
        #[arg(long, default_value_t = 300_000)]
        assets: usize,
        #[arg(long, default_value_t = 100_000)]
        customers: usize,
        #[arg(long, default_value_t = 200_000)]
        orders: usize,
        /// Samples for the lookup measure (lists take a tenth).
        #[arg(long, default_value_t = 10_000)]
        samples: usize,
        /// Subscriptions for the lifecycle measures (0 skips them).
        #[arg(long, default_value_t = 250_000)]
        subscriptions: usize,
        /// Monthly payments per subscription.
        #[arg(long, default_value_t = 24)]
        payments_per: usize,
        /// Leave out the PDF measures (500-line invoice, and Chromium printing the same invoice).
        #[arg(long, conflicts_with = "only_pdf")]
        no_pdf: bool,
        /// Only the PDF measures, without generating the database dataset.
        #[arg(long)]
        only_pdf: bool,
        /// Billing groups for the month-end run (on `month-end.db` beside `--out`; 0 skips it).
        #[arg(long, default_value_t = 2_000)]
        groups: usize,
        /// Subscriptions per billing group.
        #[arg(long, default_value_t = 50)]
        group_size: usize,
        /// Only the month-end measures: consolidation, the month-end run and its PDFs.
        #[arg(long, conflicts_with = "only_pdf")]
        only_month_end: bool,
        /// Only the sync measures: push `--sync-ops` changes to a hub on loopback, and pull a
        /// business of `--subscriptions` subscriptions (`--payments-per` payments each) into a new desk.
        #[arg(long, conflicts_with_all = ["only_pdf", "only_month_end"])]
        only_sync: bool,
        #[arg(long, default_value_t = 10_000)]
        sync_ops: usize,
        /// With --only-sync: leave out the pull by lists (an hour and more at full size) and
        /// measure only a new desk's copy of the hub's tables.
        #[arg(long)]
        skip_list_pull: bool,
    },
    /// Write the UI's TypeScript bindings (types and the Commands map).
    GenTs {
        #[arg(long, default_value = "ui/src/lib/api/bindings")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BuAction {
    /// Create a business unit; prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        currency: String,
        /// Short code for numbering (default: from the name).
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        country: Option<String>,
        /// Tax rate in percent.
        #[arg(long)]
        tax_rate: Option<String>,
    },
    /// List business units.
    List,
}

#[derive(Subcommand)]
enum RemoteAction {
    /// Set the remote of a business unit. The key is read from FLEXDESK_REMOTE_KEY (so it never
    /// shows in the process list) and kept in the OS keyring or sealed.
    Set {
        #[arg(long)]
        tenant: String,
        /// Base URL of the remote, e.g. https://api-eu.flexportal.io or http://192.168.1.20:8787.
        #[arg(long)]
        url: String,
        /// `flexportal` (FlexPortal's cloud: its published contract only) or `hub` (a FlexDesk
        /// hub). Left out: FlexPortal for one of its addresses, a hub otherwise.
        #[arg(long)]
        kind: Option<String>,
        /// The business unit's id on the remote (its Tenant-ID).
        #[arg(long)]
        remote_tenant: String,
        /// Pull every this many seconds.
        #[arg(long, default_value_t = 60)]
        pull_every: i64,
        /// Allow an address FlexDesk does not reach unasked: this computer, a link-local
        /// address, or plain http:// to a public host.
        #[arg(long)]
        allow_address: bool,
        /// A certificate (PEM file) the remote's TLS certificate must chain to: a hub's own,
        /// made with `tls-cert`.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Show the sync status of a business unit.
    Status {
        #[arg(long)]
        tenant: String,
    },
    /// The ids the remote gave to records made on this desk, as one JSON object (this desk's id
    /// to the remote's). Empty for a remote that takes the desk's ids.
    Ids {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Create an API key for a business unit; prints the key (shown only once).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "integration")]
        name: String,
        /// `api` for an integration (a webshop, a script), `sync` for desks syncing with this
        /// node (they may also send when and where each change was made, and earlier records).
        #[arg(long, default_value = "api")]
        purpose: String,
    },
    /// List the keys of a business unit.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key by its id.
    Revoke {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: String,
    },
}

fn cli_actor() -> Actor {
    Actor {
        id: "cli".into(),
        name: "Command line".into(),
        role: "admin".into(),
    }
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {} ({})", e.message, e.code.as_str());
        for d in &e.details {
            eprintln!("  {}: {}", d.path, d.message);
        }
        std::process::exit(1);
    }
}

async fn open(db: &Option<PathBuf>) -> Result<Core, Error> {
    let path = db.clone().unwrap_or_else(Core::default_db_path);
    let clock: SharedClock = flexdesk::clock::from_env()?;
    if let Some(day) = clock.pinned_to() {
        eprintln!(
            "FlexDesk: the calendar is pinned to {day} ({}).",
            flexdesk::clock::TODAY_ENV
        );
    }
    Core::open(&path, clock).await
}

async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::GenTs { out } => {
            std::fs::create_dir_all(&out).map_err(|e| Error::internal(e.to_string()))?;
            flexdesk::api::export_typescript(&out).map_err(|e| Error::internal(e.to_string()))?;
            println!("{}", out.display());
        }
        Command::Bu { action } => {
            let core = open(&cli.db).await?;
            match action {
                BuAction::Create {
                    name,
                    currency,
                    code,
                    country,
                    tax_rate,
                } => {
                    let mut settings = flexdesk::domain::settings::BuSettings::default();
                    if let Some(r) = tax_rate {
                        settings.tax_rate = flexdesk::money::parse_percent(&r)?;
                    }
                    let bu = business_units::create(
                        &core.db,
                        &cli_actor(),
                        core.now(),
                        business_units::NewBusinessUnit {
                            name,
                            currency,
                            code,
                            country,
                            timezone: None,
                            settings: Some(settings),
                        },
                    )
                    .await?;
                    eprintln!(
                        "Created business unit {} ({}, {}).",
                        bu.name, bu.code, bu.currency
                    );
                    println!("{}", bu.id);
                }
                BuAction::List => {
                    for bu in business_units::list(&core.db).await? {
                        println!("{}\t{}\t{}\t{}", bu.id, bu.code, bu.currency, bu.name);
                    }
                }
            }
        }
        Command::TlsCert { names, cert, key } => files::tls_cert(&names, &cert, &key)?,
        Command::Backup { out } => files::backup(&cli.db, out).await?,
        Command::Restore { file, replace } => files::restore(&cli.db, &file, replace).await?,
        Command::Remote { action } => {
            let core = open(&cli.db).await?;
            match action {
                RemoteAction::Set {
                    tenant,
                    url,
                    kind,
                    remote_tenant,
                    pull_every,
                    allow_address,
                    ca_cert,
                } => {
                    let ca_cert = ca_cert
                        .map(|p| {
                            std::fs::read_to_string(&p).map_err(|e| {
                                Error::invalid("caCert", format!("{}: {e}", p.display()))
                            })
                        })
                        .transpose()?;
                    let bu = business_units::get(&core.db, &tenant).await?;
                    let ctx = Ctx::new(cli_actor(), bu, &core.desk.code, core.now());
                    let v = flexdesk::sync::remote::save(
                        &core.db,
                        &ctx,
                        &core.desk.id,
                        flexdesk::sync::remote::RemoteInput {
                            kind,
                            base_url: url,
                            tenant_id: remote_tenant,
                            api_key: std::env::var("FLEXDESK_REMOTE_KEY").ok(),
                            enabled: Some(true),
                            pull_every_s: Some(pull_every),
                            allow_address: Some(allow_address),
                            ca_cert,
                        },
                    )
                    .await?;
                    eprintln!(
                        "{tenant} syncs with {} at {} (key {} kept in the {}).",
                        match v.kind {
                            flexdesk::sync::remote::RemoteKind::Flexportal => "FlexPortal",
                            flexdesk::sync::remote::RemoteKind::Hub => "a FlexDesk hub",
                        },
                        v.base_url,
                        v.key_hint,
                        if v.key_store == "keyring" {
                            "OS keyring"
                        } else {
                            "sealed store"
                        }
                    );
                    println!("{}", v.base_url);
                }
                RemoteAction::Status { tenant } => {
                    let st = flexdesk::sync::status(&core.db, &tenant).await?;
                    println!("{}", serde_json::to_string(&st)?);
                }
                RemoteAction::Ids { tenant } => {
                    let ids = flexdesk::sync::idmap::all(&core.db, &tenant).await?;
                    println!("{}", serde_json::to_string(&ids)?);
                }
            }
        }
        Command::Sync {
            tenant,
            no_pull,
            send_existing,
        } => {
            let core = open(&cli.db).await?;
            let units = match tenant {
                Some(t) => vec![t],
                None => flexdesk::sync::remote::enabled_units(&core.db).await?,
            };
            for bu in units {
                let r = if send_existing {
                    let sent =
                        flexdesk::sync::engine::send_existing(&core, &bu, Default::default())
                            .await?;
                    serde_json::to_value(sent)?
                } else {
                    serde_json::to_value(
                        flexdesk::sync::engine::sync_once(
                            &core,
                            &bu,
                            !no_pull,
                            true,
                            Default::default(),
                        )
                        .await?,
                    )?
                };
                println!("{}", serde_json::json!({ "tenant": bu, "report": r }));
            }
        }
        Command::Keys { action } => {
            let core = open(&cli.db).await?;
            match action {
                KeyAction::Create {
                    tenant,
                    name,
                    purpose,
                } => {
                    let k = keys::create(
                        &core.db,
                        &cli_actor(),
                        core.now(),
                        &tenant,
                        keys::NewKey {
                            name,
                            purpose: Some(purpose),
                        },
                    )
                    .await?;
                    eprintln!(
                        "Created API key {} for {}. Keep it now: only its hash is stored.",
                        k.key.id, tenant
                    );
                    println!("{}", k.secret);
                }
                KeyAction::List { tenant } => {
                    for k in keys::list(&core.db, &tenant).await? {
                        println!(
                            "{}\t{}\t{}\t{}…\t{}\t{}",
                            k.id,
                            k.name,
                            k.purpose,
                            k.key_prefix,
                            k.created_at,
                            k.revoked_at.as_deref().unwrap_or("active")
                        );
                    }
                }
                KeyAction::Revoke { tenant, id } => {
                    let k = keys::revoke(&core.db, &cli_actor(), core.now(), &tenant, &id).await?;
                    println!("{}", k.id);
                }
            }
        }
        Command::Serve {
            listen,
            ui,
            demo,
            webhook_retry_ms,
            sync_retry_ms,
            sync_timeout_ms,
            full_read_pages,
            own_ids,
            host_names,
            tls_cert,
            tls_key,
        } => {
            let core = open(&cli.db).await?;
            if demo {
                flexdesk::demo::seed_if_empty(&core).await?;
            }
            let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
                Error::invalid(
                    "listen",
                    format!("'{listen}' is not an address such as 127.0.0.1:8787."),
                )
            })?;
            let url = core
                .start_server_with(
                    addr,
                    flexdesk::http::ServeOptions {
                        ui_dir: ui,
                        host_names,
                        own_ids,
                        tls: tls_cert
                            .zip(tls_key)
                            .map(|(cert, key)| flexdesk::http::tls::TlsFiles { cert, key }),
                    },
                )
                .await?;
            eprintln!(
                "FlexDesk serves the v1 API at {url}/v1 (database {}).",
                core.path.display()
            );
            println!("{url}");
            core.spawn_daily_run();
            core.spawn_mail_sender();
            core.spawn_webhook_sender(flexdesk::webhooks::Policy {
                retry_base: std::time::Duration::from_millis(webhook_retry_ms),
                ..Default::default()
            });
            core.spawn_sync(flexdesk::sync::engine::Options {
                backoff: flexdesk::sync::push::Backoff {
                    first: std::time::Duration::from_millis(sync_retry_ms),
                    ..Default::default()
                },
                timeout: std::time::Duration::from_millis(sync_timeout_ms),
                full_read_pages,
            });
            let _ = tokio::signal::ctrl_c().await;
            core.stop_server().await;
        }
        Command::Bench {
            out,
            assets,
            customers,
            orders,
            samples,
            subscriptions,
            payments_per,
            no_pdf,
            only_pdf,
            groups,
            group_size,
            only_month_end,
            only_sync,
            sync_ops,
            skip_list_pull,
        } => {
            if only_sync {
                let dir = out
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                std::fs::create_dir_all(&dir).map_err(|e| Error::internal(e.to_string()))?;
                let rows = flexdesk::bench::sync::run(
                    &dir,
                    &flexdesk::bench::sync::SyncBenchOptions {
                        ops: sync_ops,
                        subscriptions,
                        payments_per,
                        list_pull: !skip_list_pull,
                    },
                    &|m| eprintln!("{m}"),
                )
                .await?;
                print!("{}", flexdesk::bench::sync::table(&rows));
                return Ok(());
            }
            let opts = flexdesk::bench::BenchOptions {
                path: out,
                assets,
                customers,
                orders,
                samples,
                subscriptions,
                payments_per,
                pdf: !no_pdf,
                only_pdf,
                month_end: (groups > 0 && group_size > 0).then_some(
                    flexdesk::bench::MonthEndOptions {
                        groups,
                        group_size,
                        months: 12,
                    },
                ),
                only_month_end,
            };
            let rows = flexdesk::bench::run(&opts, &|m| eprintln!("{m}")).await?;
            print!("{}", flexdesk::bench::table(&rows));
            if rows.iter().any(|r| !r.met) {
                eprintln!("Some targets were not met.");
            }
        }
        Command::RunDaily => {
            let core = open(&cli.db).await?;
            let rep =
                flexdesk::services::runs::daily(&core.db, &core.desk.code, core.now()).await?;
            for u in &rep.units {
                match &u.error {
                    Some(why) => println!("{}: the run stopped: {why}", u.bu_name),
                    None => println!(
                        "{}: {} renewal payments, {} terms renewed, {} completed, {} waiting for action, {} late fees",
                        u.bu_name,
                        u.contract_end.renewal_payments,
                        u.contract_end.renewed_terms,
                        u.contract_end.completed,
                        u.contract_end.needs_action,
                        u.late_fees
                    ),
                }
            }
            let failed = rep.units.iter().filter(|u| u.error.is_some()).count();
            if failed > 0 {
                return Err(Error::internal(format!(
                    "the daily run stopped for {failed} business unit(s); the others ran"
                )));
            }
        }
        Command::Demo => {
            let core = open(&cli.db).await?;
            let loaded = flexdesk::demo::seed_if_empty(&core).await?;
            println!(
                "{}",
                if loaded {
                    "demo data loaded"
                } else {
                    "database not empty; nothing loaded"
                }
            );
        }
        Command::ImportProducts { tenant, file } => {
            let core = open(&cli.db).await?;
            let bu = business_units::get(&core.db, &tenant).await?;
            let data = std::fs::read(&file)
                .map_err(|e| Error::invalid("file", format!("{}: {e}", file.display())))?;
            let ctx = Ctx::new(cli_actor(), bu, &core.desk.code, core.now());
            let r =
                flexdesk::services::catalog::import_csv(&core.db, &ctx, &data, Default::default())
                    .await?;
            for e in &r.errors {
                eprintln!("line {}: {}", e.row, e.error);
            }
            println!("{}", r.message);
        }
    }
    Ok(())
}
