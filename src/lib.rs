//! FlexDesk core: the FlexPortal domain on a local SQLite file. `Core::open` is the one entry
//! point; the desk UI (through `api::dispatch`), the v1 HTTP server (`http`) and the CLI all call
//! the same services. Nothing here depends on Tauri.

pub mod api;
#[cfg(feature = "bench")]
pub mod bench;
pub mod clock;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod einvoice;
pub mod error;
pub mod http;
pub mod ids;
pub mod money;
pub mod net;
pub mod pdf;
pub mod secrets;
pub mod services;
pub mod store;
pub mod sync;
pub mod webhooks;

use crate::clock::{stamp, SharedClock};
use crate::error::Result;
use crate::store::Db;
use std::path::{Path, PathBuf};

pub use crate::error::{Error, ErrorCode};

/// This installation: its id and short code are part of every numbering series it writes, so two
/// desks numbering offline never collide.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Desk {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub clock: SharedClock,
    pub desk: Desk,
    pub path: PathBuf,
    /// True while the demo business is still loading behind the open window.
    pub demo_loading: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// One sync pass at a time in this process.
    pub sync_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Wakes the sync loop ("Sync now", a retried conflict).
    pub sync_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Timeouts and retry pauses of sync (set by `serve`; the desk's "Sync now" uses them too).
    pub sync_options: std::sync::Arc<std::sync::RwLock<sync::engine::Options>>,
    /// Who is signed in at this desk right now (in memory only).
    pub sessions: std::sync::Arc<services::sessions::Sessions>,
    /// The local v1 server when started from the desk's settings.
    server: std::sync::Arc<tokio::sync::Mutex<Option<http::RunningServer>>>,
}

impl Core {
    /// Open the database at `path` (created on first use), migrate it, and make sure the desk has
    /// an identity and at least one administrator.
    pub async fn open(path: &Path, clock: SharedClock) -> Result<Core> {
        // A restore asked for in Settings → Backups happens before anything opens the file.
        services::backups::restore_if_asked(path, clock.now()).await;
        let db = Db::open(path, clock.now()).await?;
        let desk = services::users::ensure_desk(&db, clock.now()).await?;
        services::users::ensure_admin(&db, clock.now()).await?;
        let sessions = services::sessions::Sessions::default();
        sessions.set_lock_minutes(services::users::lock_minutes(&db).await?);
        Ok(Core {
            db,
            clock,
            desk,
            path: path.to_path_buf(),
            demo_loading: Default::default(),
            sync_lock: Default::default(),
            sync_wake: Default::default(),
            sync_options: Default::default(),
            sessions: std::sync::Arc::new(sessions),
            server: Default::default(),
        })
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn now_stamp(&self) -> String {
        stamp(self.clock.now())
    }

    /// Start the local v1 API (from the desk's settings); returns its URL.
    pub async fn start_server(&self, addr: std::net::SocketAddr) -> Result<String> {
        self.start_server_with(addr, http::ServeOptions::default())
            .await
    }

    /// Start the local server with these options (the CLI's `serve` registers here too, so the
    /// desk's settings see it running).
    pub async fn start_server_with(
        &self,
        addr: std::net::SocketAddr,
        opts: http::ServeOptions,
    ) -> Result<String> {
        let mut slot = self.server.lock().await;
        if let Some(running) = slot.as_ref() {
            return Ok(running.url());
        }
        let running = http::start(self.clone(), addr, opts).await?;
        let url = running.url();
        *slot = Some(running);
        Ok(url)
    }

    pub async fn stop_server(&self) -> bool {
        let running = self.server.lock().await.take();
        match running {
            Some(r) => {
                r.stop().await;
                true
            }
            None => false,
        }
    }

    pub async fn server_url(&self) -> Option<String> {
        self.server
            .lock()
            .await
            .as_ref()
            .map(http::RunningServer::url)
    }

    /// The daily run (contract ends, late fees): now, then whenever the date changes while the
    /// desk or server stays open. Checked every few minutes; the run itself is idempotent.
    pub fn spawn_daily_run(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.clone().daily_run_loop())
    }

    /// The webhook sender: delivers queued events as they fall due while the desk or server runs.
    pub fn spawn_webhook_sender(&self, policy: webhooks::Policy) -> tokio::task::JoinHandle<()> {
        tokio::spawn(webhooks::run(self.clone(), policy))
    }

    /// The mail sender: delivers queued mail (reminder letters) every minute while the desk or
    /// server runs; what fails waits and is tried again (`services::mail`).
    pub fn spawn_mail_sender(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.clone().mail_loop())
    }

    /// The loop behind `spawn_mail_sender`, for callers with their own runtime handle.
    pub async fn mail_loop(self) {
        loop {
            if let Err(e) = services::mail::deliver_due(
                &self.db,
                &self.desk.id,
                self.now(),
                services::dunning::letter_for_mail,
            )
            .await
            {
                eprintln!("flexdesk: sending mail failed: {}", e.message);
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }

    /// The sync loop: pushes waiting changes and pulls on each remote's schedule.
    pub fn spawn_sync(&self, opts: sync::engine::Options) -> tokio::task::JoinHandle<()> {
        *self.sync_options.write().unwrap_or_else(|e| e.into_inner()) = opts;
        tokio::spawn(sync::engine::run(self.clone()))
    }

    /// The sync options in force.
    pub fn sync_options(&self) -> sync::engine::Options {
        *self.sync_options.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The loop behind `spawn_daily_run`, for callers with their own runtime handle: every few
    /// minutes, the daily rules of each unit whose business day has turned, and the daily backup.
    pub async fn daily_run_loop(self) {
        let core = self;
        loop {
            let now = core.now();
            if let Err(e) = services::runs::daily_due(&core.db, &core.desk.code, now).await {
                eprintln!("flexdesk: daily run failed: {}", e.message);
            }
            // The daily backup (recorded with its reason when it fails).
            if let Err(e) = services::backups::daily(&core.db, &core.path, &core.desk.id, now).await
            {
                eprintln!("flexdesk: daily backup failed: {}", e.message);
            }
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
        }
    }

    /// The platform's data directory for the desk database (e.g. ~/.local/share/flexdesk).
    pub fn default_db_path() -> PathBuf {
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("flexdesk")
            .join("flexdesk.db")
    }
}
