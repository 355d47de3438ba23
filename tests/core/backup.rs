//! Backups and restore through the command line, as an administrator would run them: a backup
//! taken while another process writes holds every write acknowledged before it began; a damaged,
//! truncated or newer backup is refused and changes nothing; a database is backed up by itself
//! before an update migrates it, and that backup restores and migrates again.

use crate::sync::{activate, add_laptops, new_order, Node};
use serde_json::json;
use sqlx::{Connection, SqliteConnection};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Run the command line; (success, stdout's last line, stderr).
fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = crate::support::flexdesk_bin()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn sqlite(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap()
}

fn sha(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_another_process_writes_restores_with_every_write_acknowledged_before_it(
) {
    let dir = tempfile::tempdir().unwrap();
    let shop = Arc::new(Node::new(dir.path(), "shop", "127.0.0.1:0").await);
    add_laptops(&shop, &[]).await;
    // The warehouse scans units in and the counter activates every third one, without pause.
    let acked: Arc<Mutex<Vec<String>>> = Default::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn({
        let (shop, acked, stop) = (shop.clone(), acked.clone(), stop.clone());
        async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let serial = format!("BK-{i:05}");
                let (s, _) = shop
                    .v1(
                        "POST",
                        "/v1/assets",
                        json!({"serialNumber": serial, "sku": "LAP-16"}),
                    )
                    .await;
                assert_eq!(s, 201);
                acked.lock().unwrap().push(serial.clone());
                if i % 3 == 0 {
                    let (order, customer) = new_order(&shop, &format!("bk{i}@x.example")).await;
                    let (s, v) = activate(&shop, &order, &customer, &serial).await;
                    assert_eq!(s, 201, "{v}");
                    acked.lock().unwrap().push(format!("sub:{serial}"));
                }
            }
        }
    });
    while acked.lock().unwrap().len() < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let out = dir.path().join("during.flexdesk-backup");
    let (ok, printed, err) = run(&shop.db, &["backup", "--out", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(printed, out.display().to_string());
    let during = acked.lock().unwrap().len();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    assert!(
        during > before.len(),
        "the writes went on while the backup ran"
    );

    let restored = dir.path().join("restored").join("shop.db");
    let (ok, _, err) = run(&restored, &["restore", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut conn = sqlite(&restored).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let serials: Vec<String> = sqlx::query_scalar("SELECT serial_number FROM assets")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let active: Vec<String> = sqlx::query_scalar(
        "SELECT a.serial_number FROM subscriptions s JOIN assets a ON a.id = s.asset_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for w in &before {
        match w.strip_prefix("sub:") {
            Some(serial) => assert!(active.contains(&serial.to_string()), "{w}"),
            None => assert!(serials.contains(w), "{w}"),
        }
    }
}

/// A shop's database with a backup of it; (database, backup).
async fn shop_with_backup(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("shop.db");
    let (ok, _, err) = run(&db, &["demo"]);
    assert!(ok, "{err}");
    let out = dir.join("shop.flexdesk-backup");
    let (ok, _, err) = run(&db, &["backup", "--out", out.to_str().unwrap()]);
    assert!(ok, "{err}");
    (db, out)
}

/// Nothing of a refused restore is left, and the database is as it was.
fn unchanged(dir: &Path, db: &Path, before: &str) {
    assert_eq!(sha(db), before, "the database is untouched");
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("restoring") || n.contains("replaced"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_damaged_or_truncated_backup_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, good) = shop_with_backup(dir.path()).await;
    let before = sha(&db);
    let bytes = std::fs::read(&good).unwrap();

    // Without --replace an existing database is left alone.
    let (ok, _, err) = run(&db, &["restore", good.to_str().unwrap()]);
    assert!(!ok && err.contains("--replace"), "{err}");
    unchanged(dir.path(), &db, &before);

    let truncated = dir.path().join("truncated.flexdesk-backup");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    let damaged = dir.path().join("damaged.flexdesk-backup");
    std::fs::write(&damaged, &flipped).unwrap();
    let other = dir.path().join("notes.flexdesk-backup");
    std::fs::write(&other, "not a backup at all").unwrap();
    for bad in [&truncated, &damaged, &other] {
        let (ok, _, err) = run(&db, &["restore", bad.to_str().unwrap(), "--replace"]);
        assert!(!ok, "{}", bad.display());
        assert!(
            err.contains("damaged or incomplete"),
            "{}: {err}",
            bad.display()
        );
        unchanged(dir.path(), &db, &before);
    }
    // The good one replaces it, and the replaced file is kept aside.
    let (ok, _, err) = run(&db, &["restore", good.to_str().unwrap(), "--replace"]);
    assert!(ok, "{err}");
    assert!(err.contains("kept as"), "{err}");
}

/// The backup `from` with its manifest changed by `edit`, written to `to`.
fn with_manifest(from: &Path, to: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(from).unwrap(),
    ));
    let out = flate2::write::GzEncoder::new(
        std::fs::File::create(to).unwrap(),
        flate2::Compression::fast(),
    );
    let mut b = tar::Builder::new(out);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let mut data = vec![];
        e.read_to_end(&mut data).unwrap();
        let path = e.path().unwrap().into_owned();
        if path == Path::new("manifest.json") {
            let mut m: serde_json::Value = serde_json::from_slice(&data).unwrap();
            edit(&mut m);
            data = serde_json::to_vec(&m).unwrap();
        }
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, &path, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

#[tokio::test]
async fn a_backup_from_a_newer_flexdesk_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, good) = shop_with_backup(dir.path()).await;
    let before = sha(&db);
    let newer_schema = dir.path().join("newer-schema.flexdesk-backup");
    with_manifest(&good, &newer_schema, |m| {
        m["schemaVersion"] = json!(m["schemaVersion"].as_i64().unwrap() + 1)
    });
    let newer_format = dir.path().join("newer-format.flexdesk-backup");
    with_manifest(&good, &newer_format, |m| {
        m["format"] = json!(2);
        m["somethingNew"] = json!(true);
    });
    for (bad, says) in [
        (&newer_schema, "database version"),
        (&newer_format, "archive format 2"),
    ] {
        let (ok, _, err) = run(&db, &["restore", bad.to_str().unwrap(), "--replace"]);
        assert!(!ok);
        assert!(
            err.contains("made by a newer FlexDesk") && err.contains(says),
            "{err}"
        );
        unchanged(dir.path(), &db, &before);
    }
}

#[tokio::test]
async fn a_database_is_backed_up_before_an_update_migrates_it_and_that_backup_restores_and_migrates(
) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    // The file as the FlexDesk before the last update left it: every migration but the last,
    // and a desk of its own.
    let latest = flexdesk::store::backup::latest_schema();
    let older = dir.path().join("older-migrations");
    std::fs::create_dir_all(&older).unwrap();
    for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
        let e = e.unwrap();
        if !e
            .file_name()
            .to_string_lossy()
            .starts_with(&latest.to_string())
        {
            std::fs::copy(e.path(), older.join(e.file_name())).unwrap();
        }
    }
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
            .await
            .unwrap();
        sqlx::migrate::Migrator::new(older.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO desk (id, code, name, created_at) VALUES ('dsk_old', 'OLD1', 'Old desk', '2026-01-01T00:00:00Z')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let schema = |path: PathBuf| async move {
        sqlx::query_scalar::<_, i64>("SELECT max(version) FROM _sqlx_migrations")
            .fetch_one(&mut sqlite(&path).await)
            .await
            .unwrap()
    };
    let desk_code = |path: PathBuf| async move {
        sqlx::query_scalar::<_, String>("SELECT code FROM desk")
            .fetch_one(&mut sqlite(&path).await)
            .await
            .unwrap()
    };
    assert_eq!(schema(db.clone()).await, latest_but_one(latest));
    // Opening it with this FlexDesk migrates it, after a backup.
    let (ok, _, err) = run(&db, &["bu", "list"]);
    assert!(ok, "{err}");
    let backups: Vec<PathBuf> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(
        name.starts_with(&format!("before-update-{}", latest_but_one(latest))),
        "{name}"
    );
    // No second backup when nothing is left to migrate.
    run(&db, &["bu", "list"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .count(),
        1
    );

    // Restored elsewhere it is the old file; opened, it migrates again and keeps its data.
    let again = dir.path().join("again").join("shop.db");
    let (ok, _, err) = run(&again, &["restore", backups[0].to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(schema(again.clone()).await, latest_but_one(latest));
    let (ok, _, err) = run(&again, &["bu", "list"]);
    assert!(ok, "{err}");
    assert_eq!(schema(again.clone()).await, latest);
    assert_eq!(desk_code(again).await, "OLD1");
    assert_eq!(schema(db.clone()).await, latest);
    assert_eq!(desk_code(db).await, "OLD1");
}

/// The migration before `latest`.
fn latest_but_one(latest: i64) -> i64 {
    flexdesk::store::MIGRATOR
        .iter()
        .map(|m| m.version)
        .filter(|v| *v < latest)
        .max()
        .unwrap()
}

#[tokio::test]
async fn an_encrypted_backup_opens_with_its_passphrase_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let (ok, _, err) = run(&db, &["demo"]);
    assert!(ok, "{err}");
    let with = |pass: &str, args: &[&str], target: &Path| {
        let out = crate::support::flexdesk_bin()
            .arg("--db")
            .arg(target)
            .args(args)
            .env("FLEXDESK_BACKUP_PASSPHRASE", pass)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let out = dir.path().join("sealed.flexdesk-backup");
    let (ok, err) = with(
        "too short",
        &["backup", "--out", out.to_str().unwrap()],
        &db,
    );
    assert!(!ok && err.contains("10 characters"), "{err}");
    let (ok, err) = with(
        "a long shop passphrase",
        &["backup", "--out", out.to_str().unwrap()],
        &db,
    );
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..16], flexdesk::store::backup::crypt::MAGIC);
    // No customer's name is readable in it.
    assert!(!String::from_utf8_lossy(&bytes).contains("CREATE TABLE"));

    let target = dir.path().join("restored").join("shop.db");
    let (ok, _, err) = run(&target, &["restore", out.to_str().unwrap()]);
    assert!(
        !ok && err.contains("encrypted: give its passphrase"),
        "{err}"
    );
    let (ok, err) = with(
        "the wrong passphrase",
        &["restore", out.to_str().unwrap()],
        &target,
    );
    assert!(!ok && err.contains("does not open"), "{err}");
    assert!(!target.exists());
    let (ok, err) = with(
        "a long shop passphrase",
        &["restore", out.to_str().unwrap()],
        &target,
    );
    assert!(ok, "{err}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
        .fetch_one(&mut sqlite(&target).await)
        .await
        .unwrap();
    assert!(n > 10);
}
