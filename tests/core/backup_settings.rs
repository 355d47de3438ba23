//! Settings → Backups: backups recorded with their outcome, the daily one and its retention, the
//! "no recent backup" warning, and a restore asked for in the settings that happens when the
//! desk's server starts next.

use crate::support::TestCore;
use crate::sync::Node;
use flexdesk::services::backups;
use serde_json::json;

fn names(status: &backups::BackupStatus) -> Vec<String> {
    status.files.iter().map(|f| f.name.clone()).collect()
}

#[tokio::test]
async fn daily_backups_are_made_once_a_day_kept_seven_and_a_failure_is_shown_with_its_reason() {
    let t = TestCore::new().await;
    let (db, path, desk) = (&t.core.db, &t.core.path, t.core.desk.id.as_str());
    let now = || flexdesk::clock::Clock::now(&*t.clock);
    let st = backups::status(db, path, desk, now()).await.unwrap();
    assert!(st.on && st.default_folder && st.stale && st.files.is_empty());

    // Ten days of the desk running: one backup a day however often the run looks.
    for _ in 0..10 {
        assert!(backups::daily(db, path, desk, now())
            .await
            .unwrap()
            .is_some());
        t.clock.advance(chrono::Duration::hours(6));
        assert!(backups::daily(db, path, desk, now())
            .await
            .unwrap()
            .is_none());
        t.clock.advance(chrono::Duration::hours(18));
    }
    let st = backups::status(db, path, desk, now()).await.unwrap();
    // 2026-01-15 … 01-24: the last seven days stay (the older ones share their week and month).
    assert_eq!(st.files.len(), 7, "{:?}", names(&st));
    assert!(
        names(&st)[0].starts_with("daily-2026-01-24"),
        "{:?}",
        names(&st)
    );
    assert!(
        names(&st)[6].starts_with("daily-2026-01-18"),
        "{:?}",
        names(&st)
    );
    assert!(!st.stale, "the last one is a day old");
    let good_at = st.last_good_at.clone().unwrap();

    // A manual backup stays whatever the retention.
    let made = backups::back_up(db, path, desk, "manual", now())
        .await
        .unwrap();
    assert_eq!(made.manifest.reason, "manual");

    // A folder that cannot be written: the attempt is recorded with why, and the warning comes
    // once the last good backup is more than two days old.
    sqlx::query("UPDATE desk SET backup_folder = '/dev/null/backups'")
        .execute(db.pool())
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::days(3));
    assert!(backups::daily(db, path, desk, now()).await.is_err());
    let st = backups::status(db, path, desk, now()).await.unwrap();
    assert!(
        st.last_error.as_deref().unwrap_or("").contains("/dev/null"),
        "{st:?}"
    );
    assert!(st.stale);
    assert_ne!(
        st.last_good_at.as_deref(),
        Some(good_at.as_str()),
        "the manual one is the last good"
    );

    // Off: no daily backup at all.
    let st = backups::set_settings(
        db,
        path,
        desk,
        &t.admin.actor(),
        now(),
        backups::BackupSettingsInput {
            on: Some(false),
            folder: Some(String::new()),
            passphrase: None,
        },
    )
    .await
    .unwrap();
    assert!(!st.on && st.default_folder);
    t.clock.advance(chrono::Duration::days(2));
    assert!(backups::daily(db, path, desk, now())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_folder_must_be_a_full_path_flexdesk_can_write_to() {
    let t = TestCore::new().await;
    let admin = t.admin.actor();
    let set = |folder: &str| {
        backups::set_settings(
            &t.core.db,
            &t.core.path,
            &t.core.desk.id,
            &admin,
            flexdesk::clock::Clock::now(&*t.clock),
            backups::BackupSettingsInput {
                on: None,
                folder: Some(folder.into()),
                passphrase: None,
            },
        )
    };
    for bad in ["usb/backups", "/dev/null/backups"] {
        let e = set(bad).await.unwrap_err();
        assert_eq!(e.details[0].path, "folder", "{bad}");
    }
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    let st = set(usb.to_str().unwrap()).await.unwrap();
    assert_eq!(st.folder, usb.display().to_string());
    assert!(!st.default_folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_asked_for_in_the_settings_happens_at_the_next_start_and_keeps_the_old_file_aside(
) {
    let dir = tempfile::tempdir().unwrap();
    let mut shop = Node::new(dir.path(), "shop", "127.0.0.1:0").await;
    crate::sync::add_laptops(&shop, &[]).await;
    // Backups encrypted with the desk's passphrase (kept sealed here, never in the database).
    let (ok, e) = shop
        .rpc_raw("backups.settings", json!({"passphrase": "short"}))
        .await;
    assert!(
        !ok && e["error"]["details"][0]["path"] == "passphrase",
        "{e}"
    );
    let st = shop
        .rpc(
            "backups.settings",
            json!({"passphrase": "a long shop passphrase"}),
        )
        .await;
    assert_eq!(st["encrypted"], true);
    let made = shop.rpc("backups.create", json!({})).await;
    let name = std::path::Path::new(made["path"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    // A unit scanned in after the backup: the restore takes the desk back to before it.
    shop.ok(
        "POST",
        "/v1/assets",
        json!({"serialNumber": "AFTER-1", "sku": "LAP-16"}),
    )
    .await;
    let (ok, e) = shop
        .rpc_raw("backups.restore", json!({"name": "../shop.db"}))
        .await;
    assert!(!ok && e["error"]["code"] == "NOT_FOUND", "{e}");
    let file = made["path"].as_str().unwrap();
    assert!(flexdesk::store::backup::archive::is_encrypted(
        std::path::Path::new(file)
    ));
    let passphrase_in_db: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM desk WHERE backup_key_sealed LIKE '%shop passphrase%'",
    )
    .fetch_one(
        &sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", shop.db.display()))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(passphrase_in_db, 0);
    let st = shop.rpc("backups.status", json!({})).await;
    let listed = st["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["encrypted"], true);
    assert_eq!(listed["manifest"]["reason"], "manual", "{listed}");
    // Another passphrase typed does not open it; the desk's own does.
    let (ok, e) = shop
        .rpc_raw(
            "backups.restore",
            json!({"name": name, "passphrase": "not the passphrase"}),
        )
        .await;
    assert!(
        !ok && e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not open"),
        "{e}"
    );
    let m = shop.rpc("backups.restore", json!({"name": name})).await;
    assert_eq!(m["reason"], "manual");
    let st = shop.rpc("backups.status", json!({})).await;
    assert!(
        st["restorePending"].as_str().unwrap().ends_with(&name),
        "{st}"
    );
    // Nothing happens while the server runs.
    assert!(crate::sync::has_asset(&shop, "AFTER-1").await);

    shop.stop();
    shop.start();
    shop.sign_in().await;
    let st = shop.rpc("backups.status", json!({})).await;
    assert!(st["restorePending"].is_null(), "{st}");
    let result = st["restoreResult"].as_str().unwrap();
    assert!(result.starts_with("Restored the backup made"), "{result}");
    assert!(!crate::sync::has_asset(&shop, "AFTER-1").await);
    let aside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| {
            n.starts_with("shop.db.replaced-") && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    shop.rpc("backups.clearRestore", json!({})).await;
    let st = shop.rpc("backups.status", json!({})).await;
    assert!(st["restoreResult"].is_null());
}
