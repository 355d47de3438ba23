//! The outbox side of sync, as every action sees it: the typed operation an action records in its
//! own transaction (`record`), the replay of another desk's operation on a hub (`Replay`, and the
//! "applied before" answer to a repeat), and `kind:key` refs. The sync layer (`crate::sync`) reads
//! the outbox and talks to the remote; services never import it.

use super::Ctx;
use crate::error::Result;
use serde_json::Value;
use sqlx::SqliteConnection;

/// An operation applied here under an Idempotency-Key (another desk's op a hub applies, or an
/// integration's retried request): its op id, where it came from, and the SHA-256 of the
/// request it came with.
#[derive(Debug, Clone)]
pub struct Replay {
    pub op_id: String,
    pub origin: String,
    pub request_hash: Option<String>,
}

/// Declares `OpKind` with each kind's stored name, once: the enum, `ALL` and `as_str` come from
/// the same list.
macro_rules! op_kinds {
    ($($kind:ident => $name:literal,)*) => {
        /// What kind of change a synced action made. A service names it with the action's own
        /// typed body; the sync layer makes the remote's request from kind, key and body, in one
        /// place per remote kind (`crate::sync::wire`). No service knows a remote's paths.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum OpKind {
            $($kind,)*
        }

        impl OpKind {
            pub const ALL: &'static [OpKind] = &[$(OpKind::$kind,)*];

            /// The kind as the outbox stores it (`order.confirm`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(OpKind::$kind => $name,)*
                }
            }
        }
    };
}

op_kinds! {
    ProductCreate => "product.create",
    ProductUpdate => "product.update",
    ProductDiscontinue => "product.discontinue",
    AssetCreate => "asset.create",
    AssetUpdate => "asset.update",
    AssetDelete => "asset.delete",
    AssetInspect => "asset.inspect",
    CustomerCreate => "customer.create",
    CustomerUpdate => "customer.update",
    CustomerDeactivate => "customer.deactivate",
    OrderCreate => "order.create",
    OrderConfirm => "order.confirm",
    OrderCancel => "order.cancel",
    OrderNotes => "order.notes",
    SubscriptionCreate => "subscription.create",
    SubscriptionExtend => "subscription.extend",
    SubscriptionReplace => "subscription.replace",
    SubscriptionUpgrade => "subscription.upgrade",
    SubscriptionBuyout => "subscription.buyout",
    SubscriptionEarlyReturn => "subscription.early_return",
    SubscriptionCancel => "subscription.cancel",
    SubscriptionNotes => "subscription.notes",
    SubscriptionVoid => "subscription.void",
    ReturnReceive => "return.receive",
    BillingGroupCreate => "billing_group.create",
    BillingGroupUpdate => "billing_group.update",
    BillingGroupDelete => "billing_group.delete",
    PaymentMarkPaid => "payment.mark_paid",
    PaymentMarkFailed => "payment.mark_failed",
    PaymentCancel => "payment.cancel",
    PaymentReverse => "payment.reverse",
    PaymentReceive => "payment.receive",
    PaymentRefund => "payment.refund",
    PaymentCharge => "payment.charge",
}

impl OpKind {
    pub fn parse(s: &str) -> Option<OpKind> {
        OpKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// One synced change: its kind, the key of what it acts on (for a create, none: the body
/// carries the ids made here), the action's typed body in the wire form, and the entities it
/// touches.
pub struct Op {
    pub kind: OpKind,
    pub key: Option<String>,
    pub body: Option<Value>,
    /// `kind:key` of every entity the change touches (`rental:rnt_…`, `asset:SERIAL`, …).
    pub refs: Vec<String>,
    pub summary: String,
}

impl Op {
    /// A change with no body of its own (a delete, a confirm).
    pub fn bare(kind: OpKind, key: Option<&str>) -> Op {
        Op {
            kind,
            key: key.map(str::to_string),
            body: None,
            refs: vec![],
            summary: String::new(),
        }
    }
    /// A change whose body is `body` (the action's input or outcome type), money in the wire form.
    pub fn new<T: serde::Serialize>(kind: OpKind, key: Option<&str>, body: &T) -> Op {
        Op {
            body: Some(crate::money::to_wire_value(body)),
            ..Op::bare(kind, key)
        }
    }
    pub fn touching<I: IntoIterator<Item = S>, S: Into<String>>(mut self, refs: I) -> Op {
        self.refs.extend(refs.into_iter().map(Into::into));
        self
    }
    pub fn saying(mut self, summary: impl Into<String>) -> Op {
        self.summary = summary.into();
        self
    }
}

/// The body of an action that only carries a reason (`cancel`, `mark-failed`).
#[derive(serde::Serialize)]
pub struct ReasonBody<'a> {
    pub reason: Option<&'a str>,
}

/// The body of a notes change.
#[derive(serde::Serialize)]
pub struct NotesBody<'a> {
    pub notes: &'a str,
}

/// `kind:key`, the form of an op's refs.
pub fn r(kind: &str, key: &str) -> String {
    format!("{kind}:{key}")
}

/// An op's `refs` column as a list.
pub(crate) fn parse_refs(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Whether the action's business unit has an enabled remote (read once per action).
async fn syncs(conn: &mut SqliteConnection, ctx: &Ctx) -> Result<bool> {
    ctx.syncs
        .get_or_try_init(|| async {
            let on: Option<i64> =
                sqlx::query_scalar("SELECT enabled FROM sync_remotes WHERE bu_id = ?")
                    .bind(&ctx.bu.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(on == Some(1))
        })
        .await
        .copied()
}

/// Whether this action's op will be written (a hub replaying a desk's op, or a desk with a
/// remote); actions whose op body costs a read ask first.
pub async fn wanted(conn: &mut SqliteConnection, ctx: &Ctx) -> Result<bool> {
    Ok(ctx.replay.is_some() || syncs(conn, ctx).await?)
}

/// Write the action's op into the outbox, inside the action's transaction. A hub applying another
/// desk's op records it under that op's id (so a retry is recognised); a desk with a remote
/// queues its own op to push; a desk without a remote writes nothing.
pub async fn record(conn: &mut SqliteConnection, ctx: &Ctx, op: Op) -> Result<()> {
    let (op_id, origin, status) = match &ctx.replay {
        Some(r) => (r.op_id.clone(), r.origin.clone(), "applied"),
        None if syncs(conn, ctx).await? => {
            (crate::ids::new_id("op"), ctx.desk_code.clone(), "pending")
        }
        None => return Ok(()),
    };
    let res = sqlx::query(
        "INSERT INTO sync_ops (op_id, bu_id, origin, method, path, kind, op_key, body, refs, summary, at, actor, actor_role, status, request_hash)
         VALUES (?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&op_id)
    .bind(&ctx.bu.id)
    .bind(&origin)
    .bind(op.kind.as_str())
    .bind(&op.key)
    .bind(op.body.map(|b| b.to_string()))
    .bind(serde_json::to_string(&op.refs)?)
    .bind(&op.summary)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .bind(&ctx.actor.role)
    .bind(status)
    .bind(ctx.replay.as_ref().and_then(|r| r.request_hash.as_deref()))
    .execute(&mut *conn)
    .await;
    match res {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let body: Option<Option<String>> =
                sqlx::query_scalar("SELECT body FROM sync_ops WHERE op_id = ?")
                    .bind(&op_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Err(already_applied(&op_id, body.flatten()))
        }
        r => r.map(|_| ()).map_err(Into::into),
    }
}

/// The stop a replayed op makes when its Idempotency-Key was applied before: the action rolls
/// back, and the v1 layer answers with a success carrying the op as first recorded.
pub fn already_applied(op_id: &str, recorded: Option<String>) -> crate::Error {
    let mut e = crate::Error::new(
        crate::ErrorCode::Conflict,
        format!("Operation {op_id} was applied before."),
    );
    e.replayed = Some(Box::new(crate::error::Replayed {
        op_id: op_id.to_string(),
        recorded: recorded.and_then(|b| serde_json::from_str(&b).ok()),
    }));
    e
}

/// The word an older hub's 409 answer carried for "applied before" (a desk still treats such an
/// answer as done).
pub const ALREADY_APPLIED: &str = "already_applied";

/// Whether an op with this id was already applied in this business unit: `Some` with its body as
/// recorded (in this node's ids) and the hash of the request it came with.
pub async fn applied(
    db: &crate::store::Db,
    bu_id: &str,
    op_id: &str,
) -> Result<Option<(Option<String>, Option<String>)>> {
    Ok(
        sqlx::query_as("SELECT body, request_hash FROM sync_ops WHERE bu_id = ? AND op_id = ?")
            .bind(bu_id)
            .bind(op_id)
            .fetch_optional(db.pool())
            .await?,
    )
}
