//! What the tables' writers (`payments`, `subscriptions`) share: a row type that knows its table,
//! its columns and how to bind its values in their order, one multi-row `VALUES` statement for any
//! number of rows (the fastest form SQLite takes), and the `SET` list of an upsert.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite};

/// A table's row as its writer stores it.
pub trait Row {
    const TABLE: &'static str;
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

/// ` ON CONFLICT (id) DO UPDATE SET c = excluded.c, …` for every column but the id, the business
/// unit and `keep`.
pub fn upsert_tail<R: Row>(keep: &[&str]) -> String {
    let set: Vec<String> = R::COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| !matches!(*c, "id" | "bu_id") && !keep.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(" ON CONFLICT (id) DO UPDATE SET {}", set.join(", "))
}

/// `[with] INSERT INTO <table> (<columns>) <select>`, for set-based bulk writes (the bench):
/// `select` yields every column of `R::COLUMNS`, in that order.
pub fn insert_from<R: Row>(with: &str, select: &str) -> String {
    format!("{with} INSERT INTO {} ({}) {select}", R::TABLE, R::COLUMNS)
}
