//! The SQLite file: opening it (WAL, foreign keys, full sync), embedded migrations, write
//! transactions (`BEGIN IMMEDIATE`), and the shared rows every action writes: the timeline
//! entry and numbering sequences. Area modules in `services/` hold their own queries next to
//! their rules; this module owns everything about the connection itself.

use crate::clock::stamp;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub mod assets;
pub mod backup;
pub mod customers;
pub mod indexes;
pub mod orders;
pub mod payments;
pub mod rows;
pub mod subscriptions;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub type Tx = Transaction<'static, Sqlite>;

#[derive(Clone)]
pub struct Db {
    pool: SqlitePool,
    /// A shared lock on `<database>.in-use` while this process has the file open: a restore
    /// waits for nobody and replaces no file in use.
    _in_use: std::sync::Arc<std::fs::File>,
}

/// `path` with `suffix` added to its name (`desk.db` → `desk.db.lock`): the files FlexDesk keeps
/// beside a database.
pub fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Where a database's files live: the `files` folder beside it (contracts, documents).
pub fn files_dir(db_path: &Path) -> std::path::PathBuf {
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("files")
}

impl Db {
    /// Open (creating if needed) the database file and bring its schema up to date, backing a
    /// database with data up first when there are migrations to apply (`backup::before_update`).
    pub async fn open(path: &Path, now: DateTime<Utc>) -> Result<Db> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    crate::error::Error::internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let opts = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // FULL: a committed action survives a power cut, not only a crash of the app.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000")
            // Keep the log file from staying large after a burst of writes.
            .pragma("journal_size_limit", "67108864");
        // WAL is a property of the file. Switching a new file into it needs an exclusive lock
        // that SQLite does not wait for, so one connection switches it before the pool opens
        // its connections, which then find the file in WAL mode. Setting a file up (WAL,
        // migrations) is one process's job at a time: a second process opening the same new
        // file waits here for the first.
        let in_use = in_use_lock(path, false).await?;
        let _setup = setup_lock(path).await?;
        switch_to_wal(&opts).await?;
        // The log is copied back into the file by the connection whose commit takes it past
        // 1,000 pages (SQLite's automatic checkpoint). A background checkpointer was measured
        // against it and lost: it let the log grow between rounds and competed with commits for
        // the disk (docs/benchmarks.md).
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts)
            .await?;
        // Indexes set aside by a copy that never finished are made again before anything
        // reads the tables (or a migration changes them).
        indexes::restore(&mut *pool.acquire().await?).await?;
        let db = Db {
            pool,
            _in_use: std::sync::Arc::new(in_use),
        };
        backup::before_update(&db, path, now).await?;
        MIGRATOR.run(&db.pool).await?;
        Ok(db)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that holds the write lock from its first statement, so a read followed
    /// by a write never fails half-way on a busy snapshot.
    pub async fn write(&self) -> Result<Tx> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A read transaction: one consistent snapshot for several queries.
    pub async fn read(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// Close every connection after copying the log into the database file, so a closed
    /// database is one file again.
    pub async fn close(&self) {
        if let Ok(mut c) = self.pool.acquire().await {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *c)
                .await;
        }
        self.pool.close().await;
    }
}

/// An exclusive lock on `<database>.lock`, held while the file is set up; released on drop.
async fn setup_lock(path: &Path) -> Result<std::fs::File> {
    let lock_path = with_suffix(path, ".lock");
    tokio::task::spawn_blocking(move || {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        f.lock()?;
        Ok::<_, std::io::Error>(f)
    })
    .await
    .map_err(|e| crate::error::Error::internal(format!("setup lock: {e}")))?
    .map_err(|e| crate::error::Error::internal(format!("cannot lock the database for setup: {e}")))
}

/// The lock on `<database>.in-use`: shared while a FlexDesk has the file open (waiting while a
/// restore swaps it), exclusive for a restore (refused while anyone has it open).
async fn in_use_lock(path: &Path, exclusive: bool) -> Result<std::fs::File> {
    let lock_path = with_suffix(path, ".in-use");
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        if exclusive {
            match f.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Ok(Err(crate::error::Error::new(
                        crate::error::ErrorCode::Conflict,
                        format!("{shown} is open in FlexDesk (the desk or `flexdesk serve`); close it, then restore. Nothing was changed."),
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        } else {
            f.lock_shared()?;
        }
        Ok::<_, std::io::Error>(Ok(f))
    })
    .await
    .map_err(|e| crate::error::Error::internal(format!("in-use lock: {e}")))?
    .map_err(|e| crate::error::Error::internal(format!("cannot lock the database: {e}")))?
}

/// Switch the file to WAL mode (a no-op once it is: WAL is stored in the file). Called under
/// the setup lock, so no other FlexDesk process is switching the same file at the same time.
async fn switch_to_wal(opts: &SqliteConnectOptions) -> Result<()> {
    let wal = opts.clone().journal_mode(SqliteJournalMode::Wal);
    sqlx::ConnectOptions::connect(&wal).await?.close().await?;
    Ok(())
}

/// Who did something: a person at the desk or an API key.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    pub name: String,
    /// `admin`, `warehouse`, `counter`, `accountant`, or `api` for an API key, `system` for runs.
    pub role: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            id: "system".into(),
            name: "FlexDesk".into(),
            role: "system".into(),
        }
    }
}

/// One timeline entry: who did what to which entity, when, with before/after where it matters.
pub struct Entry<'a> {
    pub bu_id: Option<&'a str>,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record(
    conn: &mut SqliteConnection,
    actor: &Actor,
    at: DateTime<Utc>,
    e: Entry<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (id, bu_id, entity_type, entity_id, action, actor_id, actor_name, actor_role, at, summary, before, after)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(crate::ids::new_id(crate::ids::prefix::EVENT))
    .bind(e.bu_id)
    .bind(e.entity_type)
    .bind(e.entity_id)
    .bind(e.action)
    .bind(&actor.id)
    .bind(&actor.name)
    .bind(&actor.role)
    .bind(stamp(at))
    .bind(&e.summary)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Next value of a gap-free numbering series (inside the caller's write transaction, so a rolled
/// back action gives its number back).
pub async fn next_in_series(conn: &mut SqliteConnection, bu_id: &str, series: &str) -> Result<i64> {
    let v: i64 = sqlx::query_scalar(
        "INSERT INTO sequences (bu_id, series, next_value) VALUES (?, ?, 2)
         ON CONFLICT (bu_id, series) DO UPDATE SET next_value = next_value + 1
         RETURNING next_value - 1",
    )
    .bind(bu_id)
    .bind(series)
    .fetch_one(conn)
    .await?;
    Ok(v)
}

/// Parse a JSON text column, tolerating NULL.
pub fn json_col<T: serde::de::DeserializeOwned>(text: Option<&str>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(t).ok())
}
