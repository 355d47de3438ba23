//! Ids a remote minted for records this desk made.
//!
//! A FlexDesk hub takes the ids a desk sends (`orderId`, `rentalId`, …). FlexPortal's cloud, and
//! a hub started with `--own-ids`, make their own. The desk keeps its ids and learns the remote's
//! from the answer to the op that made the record (or, for payments the remote scheduled itself,
//! from the remote's list by the payment's natural key). From then on every request is written in
//! the remote's ids and every answer read back in the desk's: the client does both, so push,
//! pull and the conflict inbox never see a remote id of a record made here.
//!
//! Translation is by whole string: a JSON string, a path segment, a query value, or one
//! `:`-separated part of a string (a payment's idempotency key names its subscription).

use crate::error::Result;
use crate::store::Db;
use serde_json::Value;
use sqlx::SqliteConnection;
use std::collections::HashMap;

/// The business unit's current remote as the map names it (`<base URL> <Tenant-ID>`).
const REMOTE: &str = "(SELECT base_url || ' ' || tenant_id FROM sync_remotes WHERE bu_id = ?)";

/// Which way a translation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// The desk's ids into the remote's (what is sent).
    Out,
    /// The remote's ids into the desk's (what is read).
    In,
}

/// Record that the remote knows `local` as `remote` (nothing when they are the same). The first
/// id learned for either side stays.
pub async fn learn(
    conn: &mut SqliteConnection,
    bu_id: &str,
    local: &str,
    remote: &str,
) -> Result<()> {
    if local == remote || local.is_empty() || remote.is_empty() {
        return Ok(());
    }
    // Nothing when the unit has no remote (a hub writing records a desk sent).
    sqlx::query(&format!(
        "INSERT OR IGNORE INTO sync_id_map (bu_id, remote, local_id, remote_id)
         SELECT ?, r, ?, ? FROM (SELECT {REMOTE} AS r) WHERE r IS NOT NULL"
    ))
    .bind(bu_id)
    .bind(local)
    .bind(remote)
    .bind(bu_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The desk's id for a remote id, if one was learned.
pub async fn local_of(
    conn: &mut SqliteConnection,
    bu_id: &str,
    remote: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT local_id FROM sync_id_map WHERE bu_id = ? AND remote = {REMOTE} AND remote_id = ?"
    ))
    .bind(bu_id)
    .bind(bu_id)
    .bind(remote)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The desk's payment with this idempotency key (its subscription, kind and number), other than
/// `not`: how a payment the remote scheduled under its own id is paired with the desk's.
pub async fn payment_by_key(
    conn: &mut SqliteConnection,
    bu_id: &str,
    key: &str,
    not: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM payments WHERE bu_id = ? AND idempotency_key = ? AND id <> ?",
    )
    .bind(bu_id)
    .bind(key)
    .bind(not)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Every id the remote gave to a record of this business unit: the desk's id to the remote's.
pub async fn all(db: &Db, bu_id: &str) -> Result<std::collections::BTreeMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT local_id, remote_id FROM sync_id_map WHERE bu_id = ? AND remote = {REMOTE}"
    ))
    .bind(bu_id)
    .bind(bu_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().collect())
}

/// Whether an id is worth looking up: short, one word.
fn candidate(s: &str) -> bool {
    !s.is_empty() && s.len() <= 120 && !s.contains(char::is_whitespace)
}

fn collect<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) if candidate(s) => {
            out.push(s);
            if s.contains(':') {
                out.extend(s.split(':').filter(|p| candidate(p)));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

fn rewrite(s: &str, map: &HashMap<String, String>) -> Option<String> {
    if let Some(t) = map.get(s) {
        return Some(t.clone());
    }
    if !s.contains(':') {
        return None;
    }
    let parts: Vec<&str> = s.split(':').collect();
    parts.iter().any(|p| map.contains_key(*p)).then(|| {
        parts
            .iter()
            .map(|p| map.get(*p).map(String::as_str).unwrap_or(p))
            .collect::<Vec<_>>()
            .join(":")
    })
}

fn apply(v: &mut Value, map: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(t) = rewrite(s, map) {
                *s = t;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| apply(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| apply(x, map)),
        _ => {}
    }
}

/// The translations of a business unit's ids, read from its database as needed.
#[derive(Clone)]
pub struct IdMap {
    db: Db,
    bu_id: String,
}

impl IdMap {
    pub fn new(db: Db, bu_id: &str) -> IdMap {
        IdMap {
            db,
            bu_id: bu_id.to_string(),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn bu_id(&self) -> &str {
        &self.bu_id
    }

    /// The map's entries for these ids, in the given direction (empty at once when this business
    /// unit has none, as with a hub that takes the desk's ids).
    async fn lookup(&self, ids: &[&str], way: Way) -> Result<HashMap<String, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let any: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT 1 FROM sync_id_map WHERE bu_id = ? AND remote = {REMOTE} LIMIT 1"
        ))
        .bind(&self.bu_id)
        .bind(&self.bu_id)
        .fetch_optional(self.db.pool())
        .await?;
        if any.is_none() {
            return Ok(HashMap::new());
        }
        let (from, to) = match way {
            Way::Out => ("local_id", "remote_id"),
            Way::In => ("remote_id", "local_id"),
        };
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT {from}, {to} FROM sync_id_map
             WHERE bu_id = ? AND remote = {REMOTE} AND {from} IN (SELECT value FROM json_each(?))"
        ))
        .bind(&self.bu_id)
        .bind(&self.bu_id)
        .bind(serde_json::to_string(ids)?)
        .fetch_all(self.db.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Translate every id inside a JSON value.
    pub async fn value(&self, v: &mut Value, way: Way) -> Result<()> {
        let map = {
            let mut ids = vec![];
            collect(v, &mut ids);
            ids.sort_unstable();
            ids.dedup();
            self.lookup(&ids, way).await?
        };
        if !map.is_empty() {
            apply(v, &map);
        }
        Ok(())
    }

    /// Translate the segments of a path (`/v1/orders/ord_…/confirm`).
    pub async fn path(&self, path: &str, way: Way) -> Result<String> {
        let segs: Vec<&str> = path.split('/').filter(|s| candidate(s)).collect();
        let map = self.lookup(&segs, way).await?;
        Ok(path
            .split('/')
            .map(|s| map.get(s).map(String::as_str).unwrap_or(s))
            .collect::<Vec<_>>()
            .join("/"))
    }

    /// Translate query values.
    pub async fn query(&self, q: &[(&str, String)], way: Way) -> Result<Vec<(String, String)>> {
        let vals: Vec<&str> = q
            .iter()
            .map(|(_, v)| v.as_str())
            .filter(|s| candidate(s))
            .collect();
        let map = self.lookup(&vals, way).await?;
        Ok(q.iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    map.get(v).cloned().unwrap_or_else(|| v.clone()),
                )
            })
            .collect())
    }

    /// Record pairs learned from the remote, in one transaction.
    pub async fn learn_all(&self, pairs: &[(String, String)]) -> Result<()> {
        if pairs.iter().all(|(l, r)| l == r) {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        for (l, r) in pairs {
            learn(&mut tx, &self.bu_id, l, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the remote knows this id of the desk's under another.
    pub async fn mapped(&self, local: &str) -> Result<bool> {
        Ok(!self.lookup(&[local], Way::Out).await?.is_empty())
    }
}

/// The id field a successful create names, by the op that made it: `POST /v1/orders` mints an
/// `orderId`, an upgrade a `newRentalId`.
pub fn minted_key(method: &str, path: &str) -> Option<&'static str> {
    if method != "POST" {
        return None;
    }
    match path {
        "/v1/orders" => Some("orderId"),
        "/v1/customers" => Some("customerId"),
        "/v1/subscriptions" => Some("rentalId"),
        "/v1/products" => Some("productId"),
        "/v1/billing-groups" => Some("billingGroupId"),
        p if p.starts_with("/v1/subscriptions/") && p.ends_with("/upgrade") => Some("newRentalId"),
        _ => None,
    }
}

/// A string field of the answer: a dotted path (`order.customer.customerId`), or a name at its
/// top or one level down (`{billingGroup: {billingGroupId}}`).
pub fn answer_id(answer: &Value, key: &str) -> Option<String> {
    if key.contains('.') {
        return key
            .split('.')
            .try_fold(answer, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    let top = answer.get(key).and_then(Value::as_str);
    top.or_else(|| {
        answer
            .as_object()?
            .values()
            .find_map(|v| v.get(key).and_then(Value::as_str))
    })
    .map(str::to_string)
}

/// Pairs (sent, remote) of variant ids, matched by variant SKU between the product sent and the
/// remote's copy of it.
pub fn variant_pairs(sent: &Value, remote: &Value) -> Vec<(String, String)> {
    let list = |p: &Value| -> Vec<(String, String)> {
        p.get("variants")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let id = v
                    .get("variantId")
                    .or_else(|| v.get("id"))
                    .and_then(Value::as_str)?;
                let sku = v.get("variantSku").and_then(Value::as_str)?;
                Some((sku.to_string(), id.to_string()))
            })
            .collect()
    };
    let theirs: HashMap<String, String> = list(remote).into_iter().collect();
    list(sent)
        .into_iter()
        .filter_map(|(sku, ours)| theirs.get(&sku).map(|t| (ours, t.clone())))
        .filter(|(a, b)| a != b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_strings_and_colon_parts_are_translated_and_nothing_else() {
        let map: HashMap<String, String> = [
            ("rnt_a".to_string(), "rnt_X".to_string()),
            ("cus_b".to_string(), "cus_Y".to_string()),
        ]
        .into_iter()
        .collect();
        let mut v = json!({
            "rentalId": "rnt_a",
            "idempotencyKey": "rnt_a:rent:3",
            "customer": {"customerId": "cus_b", "name": "rnt_a and cus_b"},
            "ids": ["cus_b", "cus_bb"],
            "amount": 12.5,
        });
        apply(&mut v, &map);
        assert_eq!(
            v,
            json!({
                "rentalId": "rnt_X",
                "idempotencyKey": "rnt_X:rent:3",
                "customer": {"customerId": "cus_Y", "name": "rnt_a and cus_b"},
                "ids": ["cus_Y", "cus_bb"],
                "amount": 12.5,
            })
        );
    }

    #[test]
    fn a_create_names_its_minted_key_and_variants_pair_by_sku() {
        assert_eq!(minted_key("POST", "/v1/orders"), Some("orderId"));
        assert_eq!(
            minted_key("POST", "/v1/subscriptions/rnt_1/upgrade"),
            Some("newRentalId")
        );
        assert_eq!(minted_key("POST", "/v1/subscriptions/rnt_1/extend"), None);
        assert_eq!(minted_key("PUT", "/v1/products"), None);
        let answer = json!({"success": true, "billingGroup": {"billingGroupId": "bg_R"}});
        assert_eq!(
            answer_id(&answer, "billingGroupId").as_deref(),
            Some("bg_R")
        );
        let sent = json!({"variants": [
            {"variantId": "var_1", "variantSku": "A"}, {"variantId": "var_2", "variantSku": "B"}]});
        let remote = json!({"variants": [
            {"variantId": "var_9", "variantSku": "A"}, {"id": "var_2", "variantSku": "B"}]});
        assert_eq!(
            variant_pairs(&sent, &remote),
            vec![("var_1".to_string(), "var_9".to_string())]
        );
    }
}
