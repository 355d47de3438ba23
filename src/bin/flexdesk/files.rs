//! The commands that write files beside the database: backups, restores and a hub's own TLS
//! certificate.

use flexdesk::store::backup;
use flexdesk::{Core, Error};
use std::path::{Path, PathBuf};

/// `tls-cert`: a self-signed pair for a hub; prints the certificate's fingerprint.
pub fn tls_cert(names: &[String], cert: &Path, key: &Path) -> Result<(), Error> {
    let (cert_pem, key_pem) = flexdesk::net::cert::self_signed(names)?;
    write_new(key, &key_pem, true)?;
    write_new(cert, &cert_pem, false)?;
    eprintln!(
        "Wrote {} and its key {} (for {}).",
        cert.display(),
        key.display(),
        names.join(", ")
    );
    println!("{}", flexdesk::net::cert::fingerprint(&cert_pem)?);
    Ok(())
}

/// `backup`: prints the backup's path.
pub async fn backup(db: &Option<PathBuf>, out: Option<PathBuf>) -> Result<(), Error> {
    let core = super::open(db).await?;
    let now = core.now();
    let out = out.unwrap_or_else(|| {
        backup::default_folder(&core.path).join(backup::file_name("manual", now))
    });
    let pass = backup_passphrase()?;
    let made = backup::create(&core.db, &core.path, &out, "manual", now, pass.as_deref()).await?;
    eprintln!(
        "Backed up {} ({} bytes, {} files).",
        core.path.display(),
        made.bytes,
        made.manifest.files
    );
    println!("{}", made.path.display());
    Ok(())
}

/// `restore`: the database at `--db` becomes the backup's (nothing is opened before).
pub async fn restore(db: &Option<PathBuf>, file: &Path, replace: bool) -> Result<(), Error> {
    let path = db.clone().unwrap_or_else(Core::default_db_path);
    let now = flexdesk::clock::from_env()?.now();
    let pass = backup_passphrase()?;
    let r = backup::restore(file, &path, replace, now, pass.as_deref()).await?;
    eprintln!(
        "Restored the backup of {} (desk {}, made by FlexDesk {}) as {}.",
        r.manifest.created_at,
        r.manifest.desk_code,
        r.manifest.app_version,
        path.display()
    );
    if let Some(aside) = r.kept_aside {
        eprintln!("The database it replaced is kept as {}.", aside.display());
    }
    Ok(())
}

/// Write a new file (never replacing one); a key readable by its owner only.
fn write_new(path: &Path, text: &str, private: bool) -> Result<(), Error> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    o.open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))
}

/// The backup passphrase from FLEXDESK_BACKUP_PASSPHRASE (never an argument: it would show in
/// the process list), when set.
fn backup_passphrase() -> Result<Option<String>, Error> {
    match std::env::var("FLEXDESK_BACKUP_PASSPHRASE") {
        Ok(p) if !p.is_empty() => {
            backup::crypt::check_passphrase(&p)?;
            Ok(Some(p))
        }
        _ => Ok(None),
    }
}
