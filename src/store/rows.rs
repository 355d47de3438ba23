//! What the tables' writers (`payments`, `subscriptions`, `customers`, `assets`, `orders`) share: a row type that knows its table,
//! its columns and how to bind its values in their order, one multi-row `VALUES` statement for any
//! number of rows (the fastest form SQLite takes), and the `SET` list of an upsert.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite};

/// A table's row as its writer stores it.
pub trait Row {
    const TABLE: &'static str;
    /// The columns a row is known by (an upsert's conflict target).
    const KEY: &'static str = "id";
    /// Every column an insert names, in `push` order.
    const COLUMNS: &'static str;
    /// Bind the row's values in `COLUMNS` order.
    fn push<'r>(&'r self, b: Separated<'_, 'r, Sqlite, &'static str>);
}

/// `<verb> INTO <table> (<columns>) VALUES (…), (…) <tail>` for these rows.
pub fn statement<'r, R: Row>(verb: &str, rows: &'r [R], tail: &str) -> QueryBuilder<'r, Sqlite> {
    let mut qb = QueryBuilder::new(format!("{verb} INTO {} ({}) ", R::TABLE, R::COLUMNS));
    qb.push_values(rows, |b, row| row.push(b));
    qb.push(tail);
    qb
}

/// ` ON CONFLICT (<key>) DO UPDATE SET c = excluded.c, … WHERE <table>.bu_id = excluded.bu_id`
/// for every column but the key, the business unit and `keep`. Only a row of the same business
/// unit is replaced: a key that is another unit's row here is left alone, and the statement
/// writes nothing (which `write` reports).
pub fn upsert_tail<R: Row>(keep: &[&str]) -> String {
    let key: Vec<&str> = R::KEY.split(',').map(str::trim).collect();
    let columns: Vec<&str> = R::COLUMNS.split(',').map(str::trim).collect();
    let set: Vec<String> = columns
        .iter()
        .filter(|c| **c != "bu_id" && !key.contains(c) && !keep.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let scope = if columns.contains(&"bu_id") && !key.contains(&"bu_id") {
        format!(" WHERE {}.bu_id = excluded.bu_id", R::TABLE)
    } else {
        String::new()
    };
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {}{scope}",
        R::KEY,
        set.join(", ")
    )
}

/// What an upsert answers when its key is another business unit's row on this node.
pub const OTHER_UNIT: &str = "Its id belongs to a record of another business unit here.";

/// Insert `row`; with `upsert` (the writer's cached SET list and the columns to keep), replace
/// the stored row with the same key instead of failing. An upsert that writes nothing met a key
/// that is another business unit's row: an error (`sqlx::Error::Protocol(OTHER_UNIT)`).
pub async fn write<R: Row>(
    conn: &mut sqlx::SqliteConnection,
    row: &R,
    upsert: Option<(&std::sync::OnceLock<String>, &[&str])>,
) -> sqlx::Result<()> {
    let tail = match upsert {
        Some((cell, keep)) => cell.get_or_init(|| upsert_tail::<R>(keep)).as_str(),
        None => "",
    };
    let done = statement("INSERT", std::slice::from_ref(row), tail)
        .build()
        .execute(conn)
        .await?;
    if upsert.is_some() && done.rows_affected() == 0 {
        return Err(sqlx::Error::Protocol(OTHER_UNIT.into()));
    }
    Ok(())
}

/// Insert many rows in statements of at most `per` rows each (SQLite's limit on bound values).
pub async fn insert_all<R: Row>(
    conn: &mut sqlx::SqliteConnection,
    rows: &[R],
    per: usize,
) -> sqlx::Result<()> {
    for chunk in rows.chunks(per.max(1)) {
        statement("INSERT", chunk, "")
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `[with] INSERT INTO <table> (<columns>) <select>`, for set-based bulk writes (the bench):
/// `select` yields every column of `R::COLUMNS`, in that order.
pub fn insert_from<R: Row>(with: &str, select: &str) -> String {
    format!("{with} INSERT INTO {} ({}) {select}", R::TABLE, R::COLUMNS)
}
