//! The timeline: every action's entry (who, what, when, before/after) for one entity, or the
//! latest across a business unit.

use crate::error::Result;
use crate::store::Db;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_role: String,
    pub at: String,
    pub summary: String,
    #[ts(type = "unknown")]
    pub before: Option<serde_json::Value>,
    #[ts(type = "unknown")]
    pub after: Option<serde_json::Value>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    entity_type: String,
    entity_id: String,
    action: String,
    actor_id: String,
    actor_name: String,
    actor_role: String,
    at: String,
    summary: String,
    before: Option<String>,
    after: Option<String>,
}

impl From<Row> for Event {
    fn from(r: Row) -> Event {
        Event {
            before: crate::store::json_col(r.before.as_deref()),
            after: crate::store::json_col(r.after.as_deref()),
            id: r.id,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            action: r.action,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_role: r.actor_role,
            at: r.at,
            summary: r.summary,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct TimelineQuery {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub limit: Option<i64>,
}

const COLS: &str = "id, entity_type, entity_id, action, actor_id, actor_name, actor_role, at, summary, before, after";

pub async fn list(db: &Db, bu_id: &str, q: &TimelineQuery) -> Result<Vec<Event>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows: Vec<Row> = match (&q.entity_type, &q.entity_id) {
        (Some(t), Some(id)) => sqlx::query_as(&format!("SELECT {COLS} FROM events WHERE entity_type = ? AND entity_id = ? AND (bu_id = ? OR bu_id IS NULL) ORDER BY at DESC, id DESC LIMIT ?"))
            .bind(t).bind(id).bind(bu_id).bind(limit).fetch_all(db.pool()).await?,
        _ => sqlx::query_as(&format!("SELECT {COLS} FROM events WHERE bu_id = ? ORDER BY at DESC, id DESC LIMIT ?"))
            .bind(bu_id).bind(limit).fetch_all(db.pool()).await?,
    };
    Ok(rows.into_iter().map(Event::from).collect())
}
