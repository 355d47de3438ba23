//! Secondary indexes set aside while a new desk fills its tables in bulk. Writing millions of
//! rows into tables with their lists' indexes updates every index at a random place for every
//! row; building an index once over the filled table is a sort. The indexes' definitions are
//! kept in `indexes_set_aside` in the same transaction that drops them, so a desk stopped
//! half-way makes them again when the file is next opened ([`restore`], called before the
//! migrations). Unique indexes (the constraints upserts and look-ups rely on) are never set
//! aside.

use crate::error::Result;
use sqlx::SqliteConnection;

/// Drop the non-unique indexes of `tables`, keeping their definitions. Returns how many.
pub async fn set_aside(conn: &mut SqliteConnection, tables: &[&str]) -> Result<usize> {
    let list = tables
        .iter()
        .map(|t| format!("'{}'", t.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let done = async {
        // `sql IS NULL` is an index SQLite made for a UNIQUE or PRIMARY KEY constraint.
        let found: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
               AND tbl_name IN ({list}) AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid"
        ))
        .fetch_all(&mut *conn)
        .await?;
        for (name, sql) in &found {
            sqlx::query("INSERT INTO indexes_set_aside (name, sql) VALUES (?, ?)")
                .bind(name)
                .bind(sql)
                .execute(&mut *conn)
                .await?;
            sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .execute(&mut *conn)
                .await?;
        }
        Ok::<_, crate::error::Error>(found.len())
    }
    .await;
    match done {
        Ok(n) => {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok(n)
        }
        Err(e) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            Err(e)
        }
    }
}

/// Make every set-aside index again, each in its own transaction (so other writers wait for one
/// index at a time, not all of them), in the order the file had them: where two indexes serve a
/// query equally, SQLite takes the one made last, so the same order keeps the same choices. A no-op on a file that has none, or that predates the
/// table that keeps them. Returns how many were made.
pub async fn restore(conn: &mut SqliteConnection) -> Result<usize> {
    let kept: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'indexes_set_aside')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !kept {
        return Ok(0);
    }
    let mut made = 0;
    loop {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let step = async {
            let next: Option<(String, String)> =
                sqlx::query_as("SELECT name, sql FROM indexes_set_aside ORDER BY rowid LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?;
            let Some((name, sql)) = next else {
                return Ok::<_, crate::error::Error>(false);
            };
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)",
            )
            .bind(&name)
            .fetch_one(&mut *conn)
            .await?;
            if !exists {
                sqlx::query(&sql).execute(&mut *conn).await?;
            }
            sqlx::query("DELETE FROM indexes_set_aside WHERE name = ?")
                .bind(&name)
                .execute(&mut *conn)
                .await?;
            Ok(true)
        }
        .await;
        match step {
            Ok(true) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                made += 1;
            }
            Ok(false) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                return Ok(made);
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(e);
            }
        }
    }
}

/// Whether any of `tables` holds a row (in any business unit).
pub async fn any_rows(conn: &mut SqliteConnection, tables: &[&str]) -> Result<bool> {
    let sql = format!(
        "SELECT EXISTS ({})",
        tables
            .iter()
            .map(|t| format!("SELECT 1 FROM \"{t}\""))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    );
    Ok(sqlx::query_scalar(&sql).fetch_one(&mut *conn).await?)
}
