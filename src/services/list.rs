//! Keyset pages, the one way every v1 list pages: the paging a caller sends (`Paging`), and what
//! a list pages over (`Keyset`: its table, the alias its query uses, its key and order column,
//! and its change feed for sync). A list writes its own select and filters; `Keyset::rows` adds
//! the sync filter, the cursor, the order and `limit + 1`, and fetches; `Paging::page` cuts the
//! rows into a page whose cursor is the last item's key.

use super::{into_page, parse_limit, Page, SortDir};
use crate::error::{Error, Result};
use crate::store::Db;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{QueryBuilder, Row, Sqlite};
use ts_rs::TS;

/// A list's paging as sent: `limit` (1–100, default 50), `sortDir`, `startAfter` (a cursor from
/// this list) and FlexDesk's `changedSince` (a sync token).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging<'a> {
    pub limit: i64,
    pub dir: SortDir,
    pub start_after: Option<&'a str>,
    pub changed_since: Option<&'a str>,
}

impl<'a> Paging<'a> {
    pub fn parse(
        limit: Option<&'a str>,
        sort_dir: Option<&'a str>,
        start_after: Option<&'a str>,
        changed_since: Option<&'a str>,
    ) -> Result<Paging<'a>> {
        Ok(Paging {
            limit: parse_limit(limit)?,
            dir: SortDir::parse(sort_dir)?,
            start_after: start_after.filter(|c| !c.is_empty()),
            changed_since,
        })
    }

    /// The fetched `limit + 1` rows as a page.
    pub fn page<T: TS>(&self, items: Vec<T>, key_of: impl Fn(&T) -> String) -> Page<T> {
        into_page(items, self.limit, key_of)
    }
}

/// A list's orders: the name a caller sends as `sortBy` (FlexDesk) and the columns it orders by
/// (one, or two separated by a comma: `status, created_at`), the first being the list's own. Each
/// order has an index that starts `(bu_id, columns…)`, so a sorted page reads one page of it.
pub(crate) type Sorts = &'static [(&'static str, &'static str)];

/// The number of rows a list's filters match: `count_sql` is the list's `SELECT count(*) FROM …
/// WHERE …` with the same filters as its page.
pub(crate) async fn total(
    conn: &mut SqliteConnection,
    mut count_sql: QueryBuilder<'_, Sqlite>,
) -> Result<i64> {
    Ok(count_sql.build_query_scalar().fetch_one(&mut *conn).await?)
}

/// What a keyset list pages over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyset {
    pub table: &'static str,
    /// The table's alias in the list's query.
    pub alias: &'static str,
    /// The column a cursor names (the items' id or serial).
    pub key: &'static str,
    /// The columns the list is ordered by (then rowid): `created_at`, or `status, created_at`.
    pub order: &'static str,
    /// The change-feed kind `changedSince` filters on; none for a list that is not synced.
    pub feed: Option<&'static str>,
}

impl Keyset {
    /// A list of `table` aliased `alias`, keyed by id, newest first, with its change feed.
    pub const fn of(table: &'static str, alias: &'static str, feed: &'static str) -> Keyset {
        Keyset {
            table,
            alias,
            key: "id",
            order: "created_at",
            feed: Some(feed),
        }
    }

    /// A list that is not synced (no change feed), keyed by id, newest first.
    pub const fn unsynced(table: &'static str, alias: &'static str) -> Keyset {
        Keyset {
            feed: None,
            ..Keyset::of(table, alias, "")
        }
    }

    /// This list ordered by what `sort_by` names among `sorts` (its own order when none).
    pub fn sorted(self, sorts: Sorts, sort_by: Option<&str>) -> Result<Keyset> {
        let Some(name) = sort_by.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(self);
        };
        match sorts.iter().find(|(n, _)| *n == name) {
            Some((_, column)) => Ok(Keyset {
                order: column,
                ..self
            }),
            None => Err(Error::invalid(
                "sortBy",
                format!(
                    "'{name}' is not an order of this list: sortBy is one of {}.",
                    sorts.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }

    /// The sync filter: only rows changed after the token.
    pub fn changed_since(
        &self,
        qb: &mut QueryBuilder<'_, Sqlite>,
        bu_id: &str,
        p: &Paging<'_>,
    ) -> Result<()> {
        match self.feed {
            Some(kind) => {
                super::changed_since(qb, self.alias, self.key, kind, bu_id, p.changed_since)
            }
            None => Ok(()),
        }
    }

    /// The cursor, the order and the limit: `AND (order…, rowid) < (…) ORDER BY … LIMIT n + 1`.
    pub async fn tail(
        &self,
        conn: &mut SqliteConnection,
        qb: &mut QueryBuilder<'_, Sqlite>,
        bu_id: &str,
        p: &Paging<'_>,
    ) -> Result<()> {
        let alias = self.alias;
        let columns: Vec<&str> = self.order.split(',').map(str::trim).collect();
        let qualified = |sep: &str, suffix: &str| {
            columns
                .iter()
                .map(|c| format!("{alias}.{c}{suffix}"))
                .collect::<Vec<_>>()
                .join(sep)
        };
        if let Some(c) = p.start_after {
            let found: Option<SqliteRow> = sqlx::query(&format!(
                "SELECT {}, rowid FROM {} WHERE {} = ? AND bu_id = ?",
                self.order, self.table, self.key
            ))
            .bind(c)
            .bind(bu_id)
            .fetch_optional(&mut *conn)
            .await?;
            let row = found.ok_or_else(|| {
                Error::invalid("startAfter", "startAfter is not a cursor from this list.")
            })?;
            qb.push(format!(
                " AND ({}, {alias}.rowid) {} (",
                qualified(", ", ""),
                p.dir.cmp()
            ));
            // Each order column is text (dates, names, statuses) or a whole number (amounts).
            for i in 0..columns.len() {
                match row.try_get::<i64, _>(i) {
                    Ok(n) => qb.push_bind(n),
                    Err(_) => qb.push_bind(row.try_get::<Option<String>, _>(i)?),
                };
                qb.push(", ");
            }
            let rowid: i64 = row.try_get(columns.len())?;
            qb.push_bind(rowid).push(")");
        }
        let dir = p.dir.order();
        qb.push(format!(
            " ORDER BY {}, {alias}.rowid {dir} LIMIT ",
            qualified(", ", &format!(" {dir}"))
        ))
        .push_bind(p.limit + 1);
        Ok(())
    }

    /// The sync filter and the tail added to the list's query, and its rows fetched on one
    /// connection of the pool.
    pub async fn rows<R>(
        &self,
        db: &Db,
        qb: QueryBuilder<'_, Sqlite>,
        bu_id: &str,
        p: &Paging<'_>,
    ) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let mut conn = db.pool().acquire().await?;
        self.rows_on(&mut conn, qb, bu_id, p).await
    }

    /// `rows` on the caller's connection, for a list that reads more for its page on the same
    /// one (an order's items, a product's variants): one acquire for the whole page.
    pub async fn rows_on<R>(
        &self,
        conn: &mut SqliteConnection,
        mut qb: QueryBuilder<'_, Sqlite>,
        bu_id: &str,
        p: &Paging<'_>,
    ) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin,
    {
        self.changed_since(&mut qb, bu_id, p)?;
        self.tail(conn, &mut qb, bu_id, p).await?;
        Ok(qb.build_query_as().fetch_all(&mut *conn).await?)
    }
}
