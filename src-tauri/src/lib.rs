//! FlexDesk desktop shell: a Tauri window around the FlexDesk core. It opens the local database,
//! loads the demo business into an empty one, and forwards every UI call through a single `rpc`
//! command to `flexdesk::api::dispatch`. No business rule lives here.

use flexdesk::api::RpcContext;
use flexdesk::clock::{SharedClock, SystemClock};
use flexdesk::Core;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Manager, State};

/// Environment variable naming the database file; overrides the app data directory.
pub const DB_ENV: &str = "FLEXDESK_DB";

/// The one command the UI calls: `invoke('rpc', { command, ctx, payload })`.
#[tauri::command]
async fn rpc(
    core: State<'_, Core>,
    command: String,
    ctx: RpcContext,
    payload: Value,
) -> Result<Value, flexdesk::Error> {
    flexdesk::api::dispatch(&core, &ctx, &command, payload).await
}

/// Where the database lives: `$FLEXDESK_DB` if set, else `<app data dir>/flexdesk.db`.
fn db_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(app.path().app_data_dir()?.join("flexdesk.db"))
}

/// Open (and migrate) the database; load the demo business the first time.
fn open_core(app: &tauri::App) -> Result<Core, Box<dyn std::error::Error>> {
    let path = db_path(app)?;
    let started = std::time::Instant::now();
    let clock: SharedClock = Arc::new(SystemClock);
    let core = tauri::async_runtime::block_on(async {
        let core = Core::open(&path, clock).await?;
        let seeded = flexdesk::demo::seed_if_empty(&core).await?;
        Ok::<_, flexdesk::Error>((core, seeded))
    });
    match core {
        Ok((core, seeded)) => {
            let what = if seeded {
                "opened, demo business loaded"
            } else {
                "opened"
            };
            eprintln!(
                "FlexDesk: database {} {what} in {} ms",
                path.display(),
                started.elapsed().as_millis()
            );
            Ok(core)
        }
        Err(e) => {
            eprintln!("FlexDesk: cannot open the database {}: {e}", path.display());
            Err(Box::new(e))
        }
    }
}

/// Build and run the desktop app until its last window closes.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let core = open_core(app)?;
            tauri::async_runtime::spawn(core.clone().daily_run_loop());
            app.manage(core);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![rpc])
        .run(tauri::generate_context!())
        .expect("FlexDesk could not start its window");
}
