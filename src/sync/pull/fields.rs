//! Reading fields of the remote's v1 objects: text, numbers, flags, JSON and amounts in minor units.

use super::*;

// ---------------------------------------------------------------------------------------------
// Field readers

pub(super) fn text(o: &Value, k: &str) -> Option<String> {
    match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn req(o: &Value, k: &str) -> Result<String> {
    text(o, k).ok_or_else(|| Error::invalid(k, format!("The remote's object has no {k}.")))
}

pub(super) fn int(o: &Value, k: &str) -> Option<i64> {
    o.get(k)
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

pub(super) fn flag(o: &Value, k: &str) -> bool {
    o.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// A nested object or array kept as JSON text (None when absent or null).
pub(super) fn json(o: &Value, k: &str) -> Option<String> {
    o.get(k).filter(|v| !v.is_null()).map(Value::to_string)
}

pub(super) fn minor(bu: &BusinessUnit, o: &Value, k: &str) -> Result<Option<i64>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let m: Money = serde_json::from_value(v.clone())
                .map_err(|_| Error::invalid(k, format!("{k} is not an amount.")))?;
            Ok(Some(m.to_minor(bu.currency_exponent)?))
        }
    }
}

pub(super) fn minor0(bu: &BusinessUnit, o: &Value, k: &str) -> Result<i64> {
    Ok(minor(bu, o, k)?.unwrap_or(0))
}

/// Map constraint failures (a parent not here yet, a natural key held by another local row) to
/// Conflict so the item is deferred, not the pass failed.
pub(super) fn deferrable(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(d)
            if d.is_unique_violation()
                || d.is_foreign_key_violation()
                || d.is_check_violation() =>
        {
            Error::new(crate::ErrorCode::Conflict, d.message().to_string())
        }
        sqlx::Error::Database(d) if d.message().contains("NOT NULL") => {
            Error::new(crate::ErrorCode::Conflict, d.message().to_string())
        }
        // Another unit's record here has the id: never overwritten, never read again.
        sqlx::Error::Protocol(m) if m == crate::store::rows::OTHER_UNIT => {
            Error::invalid("id", m.clone())
        }
        _ => e.into(),
    }
}
