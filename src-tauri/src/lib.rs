//! FlexDesk desktop shell: a Tauri window around the FlexDesk core. It opens the local database,
//! loads the demo business into an empty one, and forwards every UI call through a single `rpc`
//! command to `flexdesk::api::dispatch`, with the session of whoever signed in at the window
//! (held here in memory; the web page never sees its token). No business rule lives here.

use flexdesk::api::{Caller, RpcContext, SessionChange};
use flexdesk::clock::SharedClock;
use flexdesk::Core;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::{Manager, State};

/// Environment variable naming the database file; overrides the app data directory.
pub const DB_ENV: &str = "FLEXDESK_DB";

/// The core as the window sees it: not ready yet (`None`), opened, or failed to open.
type CoreSlot = tokio::sync::watch::Receiver<Option<Result<Core, String>>>;

/// The session token of the person signed in at this window.
#[derive(Default)]
struct WindowSession(std::sync::Mutex<Option<String>>);

impl WindowSession {
    fn token(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn set(&self, token: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }
}

/// The one command the UI calls: `invoke('rpc', { command, ctx, payload })`. Calls made while the
/// database is still opening wait for it.
#[tauri::command]
async fn rpc(
    slot: State<'_, CoreSlot>,
    shown: State<'_, StartScreenShown>,
    session: State<'_, WindowSession>,
    command: String,
    ctx: RpcContext,
    payload: Value,
) -> Result<Value, flexdesk::Error> {
    let mut rx = slot.inner().clone();
    // The watch guard is not Send: it must be gone (end of this block) before the next await.
    let core = {
        let ready = rx.wait_for(Option::is_some).await.map_err(|_| {
            flexdesk::Error::internal("The desk stopped while opening its database.")
        })?;
        match ready.as_ref() {
            Some(Ok(core)) => core.clone(),
            Some(Err(message)) => return Err(flexdesk::Error::internal(message.clone())),
            None => unreachable!("waited for Some"),
        }
    };
    let caller = Caller::desktop(session.token(), ctx);
    let answer = flexdesk::api::dispatch(&core, &caller, &command, payload).await;
    if command == "app.shown" {
        shown.0.notify_one();
    }
    let answer = answer?;
    match answer.session {
        SessionChange::Same => {}
        SessionChange::Started(token) => session.set(Some(token)),
        SessionChange::Ended => session.set(None),
    }
    Ok(answer.value)
}

/// Open a saved document (a PDF from `documents.save`) in the desktop's viewer, where it can be
/// printed. Only files inside the FlexDesk documents folder are opened.
#[tauri::command]
fn open_document(path: String) -> Result<(), String> {
    let file = std::fs::canonicalize(&path).map_err(|e| format!("{path}: {e}"))?;
    let inside = file
        .parent()
        .and_then(|d| d.file_name())
        .map(|n| n == "FlexDesk" || n == "documents")
        .unwrap_or(false);
    if !inside || file.extension().map(|e| e != "pdf").unwrap_or(true) {
        return Err(format!("{path} is not a FlexDesk document."));
    }
    std::process::Command::new("xdg-open")
        .arg(&file)
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("No PDF viewer could be started: {e}"))
}

/// Signalled when the UI says its start screen is painted (`app.shown`): a first start loads the
/// rest of the demo after that, so the two do not compete for the CPU.
struct StartScreenShown(Arc<tokio::sync::Notify>);

/// Where the database lives: `$FLEXDESK_DB` if set, else `<app data dir>/flexdesk.db`.
fn db_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(app.path().app_data_dir()?.join("flexdesk.db"))
}

/// Open (and migrate) the database behind the window; on a first start, put the people and
/// business units of the demo in place before the UI is answered and load the rest after.
/// Then the daily run keeps going for as long as the window is open.
async fn open_core(
    path: PathBuf,
    tx: tokio::sync::watch::Sender<Option<Result<Core, String>>>,
    shown: Arc<tokio::sync::Notify>,
) {
    let started = std::time::Instant::now();
    // A FLEXDESK_TODAY that is not a day stops the start with its message on screen.
    let clock: SharedClock = match flexdesk::clock::from_env() {
        Ok(clock) => clock,
        Err(e) => {
            eprintln!("FlexDesk: {}", e.message);
            let _ = tx.send(Some(Err(e.message)));
            return;
        }
    };
    if let Some(day) = clock.pinned_to() {
        eprintln!(
            "FlexDesk: the calendar is pinned to {day} ({}).",
            flexdesk::clock::TODAY_ENV
        );
    }
    let opened = async {
        let core = Core::open(&path, clock).await?;
        let rest = flexdesk::demo::seed_staged(&core).await?;
        Ok::<_, flexdesk::Error>((core, rest))
    }
    .await;
    match opened {
        Ok((core, rest)) => {
            eprintln!(
                "FlexDesk: database {} opened in {} ms",
                path.display(),
                started.elapsed().as_millis()
            );
            let _ = tx.send(Some(Ok(core.clone())));
            if let Some(rest) = rest {
                // Let the start screen come up first (or go ahead after 3 s regardless).
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(3), shown.notified()).await;
                match rest.await {
                    Ok(()) => eprintln!(
                        "FlexDesk: demo business loaded in {} ms",
                        started.elapsed().as_millis()
                    ),
                    Err(e) => eprintln!("FlexDesk: loading the demo business failed: {e}"),
                }
            }
            tauri::async_runtime::spawn(flexdesk::webhooks::run(core.clone(), Default::default()));
            tauri::async_runtime::spawn(core.clone().mail_loop());
            tauri::async_runtime::spawn(flexdesk::sync::engine::run(core.clone()));
            core.daily_run_loop().await;
        }
        Err(e) => {
            eprintln!("FlexDesk: cannot open the database {}: {e}", path.display());
            let _ = tx.send(Some(Err(format!(
                "The database {} could not be opened: {}",
                path.display(),
                e.message
            ))));
        }
    }
}

/// Build and run the desktop app until its last window closes. The window opens at once; the
/// database opens behind it.
pub fn run() {
    tauri::Builder::default()
        .setup(|app| {
            let path = db_path(app)?;
            let (tx, rx) = tokio::sync::watch::channel(None);
            let shown = Arc::new(tokio::sync::Notify::new());
            app.manage::<CoreSlot>(rx);
            app.manage(StartScreenShown(shown.clone()));
            app.manage(WindowSession::default());
            tauri::async_runtime::spawn(open_core(path, tx, shown));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![rpc, open_document])
        .run(tauri::generate_context!())
        .expect("FlexDesk could not start its window");
}
