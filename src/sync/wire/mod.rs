//! Typed ops as a remote's requests: one translation per remote kind (`RemoteKind`). A FlexDesk
//! hub takes FlexDesk's v1 (FlexPortal's paths with FlexDesk's extensions: ids made offline, the
//! returns desk, inspections), so its request is the op's kind as a path with the body as
//! recorded. FlexPortal takes only its published operations (`flexportal`), so there an op may
//! also stay on this desk, or travel inside another one.

use super::remote::{Remote, RemoteKind};
use crate::error::Result;
use crate::services::outbox::OpKind;
use crate::store::Db;
use serde_json::Value;

pub mod contract;
mod flexportal;

/// An outbox row as the translation reads it.
pub struct OpRow<'a> {
    pub kind: Option<&'a str>,
    pub key: Option<&'a str>,
    /// The request of an op recorded before typed ops.
    pub method: &'a str,
    pub path: &'a str,
    pub body: Option<&'a str>,
}

/// What an op becomes for the remote.
#[derive(Debug, Clone, PartialEq)]
pub enum Wire {
    /// This request.
    Send(Outgoing),
    /// The remote has no operation with this meaning: the change stays on this desk (why).
    Kept(&'static str),
    /// Another change carries it (a new customer travels in its first order): done, with why.
    Carried(&'static str),
}

/// A request for the remote, in this desk's ids (the client writes them in the remote's).
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub call: Call,
    pub body: Option<Value>,
    /// Ids the answer gives to records made here: (this desk's id, where the answer has the
    /// remote's, as a dotted path such as `order.customer.customerId`).
    pub mints: Vec<(String, &'static str)>,
}

/// The request that makes an op on the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
}

/// The request for a FlexDesk hub. `key` is the id or serial the op acts on (none for a
/// create, whose body carries the ids made here).
pub fn hub(kind: OpKind, key: Option<&str>) -> Call {
    use OpKind::*;
    let k = key.unwrap_or_default();
    let (method, path) = match kind {
        ProductCreate => ("POST", "/v1/products".to_string()),
        ProductUpdate => ("PUT", format!("/v1/products/{k}")),
        ProductDiscontinue => ("DELETE", format!("/v1/products/{k}")),
        AssetCreate => ("POST", "/v1/assets".to_string()),
        AssetUpdate => ("PUT", format!("/v1/assets/{k}")),
        AssetDelete => ("DELETE", format!("/v1/assets/{k}")),
        AssetInspect => ("POST", format!("/v1/assets/{k}/inspect")),
        CustomerCreate => ("POST", "/v1/customers".to_string()),
        CustomerUpdate => ("PUT", format!("/v1/customers/{k}")),
        CustomerDeactivate => ("DELETE", format!("/v1/customers/{k}")),
        OrderCreate => ("POST", "/v1/orders".to_string()),
        OrderConfirm => ("POST", format!("/v1/orders/{k}/confirm")),
        OrderCancel => ("POST", format!("/v1/orders/{k}/cancel")),
        OrderNotes => ("PATCH", format!("/v1/orders/{k}/notes")),
        SubscriptionCreate => ("POST", "/v1/subscriptions".to_string()),
        SubscriptionExtend => ("POST", format!("/v1/subscriptions/{k}/extend")),
        SubscriptionReplace => ("POST", format!("/v1/subscriptions/{k}/replace")),
        SubscriptionUpgrade => ("POST", format!("/v1/subscriptions/{k}/upgrade")),
        SubscriptionBuyout => ("POST", format!("/v1/subscriptions/{k}/buyout")),
        SubscriptionEarlyReturn => ("POST", format!("/v1/subscriptions/{k}/early-return")),
        SubscriptionCancel => ("POST", format!("/v1/subscriptions/{k}/cancel")),
        SubscriptionNotes => ("PATCH", format!("/v1/subscriptions/{k}/notes")),
        SubscriptionVoid => ("POST", format!("/v1/subscriptions/{k}/void")),
        ReturnReceive => ("POST", "/v1/returns".to_string()),
        BillingGroupCreate => ("POST", "/v1/billing-groups".to_string()),
        BillingGroupUpdate => ("PATCH", format!("/v1/billing-groups/{k}")),
        BillingGroupDelete => ("DELETE", format!("/v1/billing-groups/{k}")),
        PaymentMarkPaid => ("POST", format!("/v1/payments/{k}/mark-paid")),
        PaymentMarkFailed => ("POST", format!("/v1/payments/{k}/mark-failed")),
        PaymentCancel => ("POST", format!("/v1/payments/{k}/cancel")),
        PaymentReverse => ("POST", format!("/v1/payments/{k}/reverse")),
        PaymentReceive => ("POST", format!("/v1/payments/{k}/receive")),
        PaymentRefund => ("POST", format!("/v1/payments/{k}/refund")),
        PaymentCharge => ("POST", format!("/v1/subscriptions/{k}/charges")),
    };
    Call { method, path }
}

/// The request of an outbox row for a hub: a typed op's, made for the remote; an op recorded
/// before typed ops keeps the request it was recorded with.
pub fn of_row(kind: Option<&str>, key: Option<&str>, method: &str, path: &str) -> Call {
    match kind.and_then(OpKind::parse) {
        Some(k) => hub(k, key),
        None => Call {
            method: match method {
                "PUT" => "PUT",
                "PATCH" => "PATCH",
                "DELETE" => "DELETE",
                _ => "POST",
            },
            path: path.to_string(),
        },
    }
}

/// What an outbox row becomes for `remote`.
pub async fn outgoing(db: &Db, remote: &Remote, op: &OpRow<'_>) -> Result<Wire> {
    let body: Option<Value> = op.body.map(serde_json::from_str).transpose()?;
    let typed = op.kind.and_then(OpKind::parse);
    match (remote.kind, typed) {
        (RemoteKind::Flexportal, Some(kind)) => {
            flexportal::outgoing(db, remote, kind, op.key, body).await
        }
        _ => {
            let call = of_row(op.kind, op.key, op.method, op.path);
            let mints = hub_mints(&call, body.as_ref());
            Ok(Wire::Send(Outgoing { call, body, mints }))
        }
    }
}

/// A refusal's message, with what the user can do where the remote kind needs a step outside
/// the desk.
pub fn what_to_do(kind: RemoteKind, code: &str, message: String) -> String {
    match (kind, code) {
        (RemoteKind::Flexportal, "ORDER_NOT_CONFIRMED") => format!(
            "{message} FlexPortal has no operation to confirm an order: confirm it in FlexPortal's dashboard, then choose Retry."
        ),
        (RemoteKind::Flexportal, "ASSET_IN_USE" | "ASSET_NOT_AVAILABLE") => format!(
            "{message} If the device came back at this desk's returns desk, FlexPortal does not know: it has no operation for a completion or a collection. Record the return in FlexPortal's dashboard, then choose Retry."
        ),
        _ => message,
    }
}

/// A hub that makes its own ids answers a create with them: the id sent (`orderId`, …) and the
/// answer's field of the same name.
fn hub_mints(call: &Call, body: Option<&Value>) -> Vec<(String, &'static str)> {
    let Some(key) = super::idmap::minted_key(call.method, &call.path) else {
        return vec![];
    };
    body.and_then(|b| b.get(key))
        .and_then(Value::as_str)
        .map(|ours| vec![(ours.to_string(), key)])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_stored_name_and_a_hub_request() {
        let mut names = std::collections::HashSet::new();
        for &k in OpKind::ALL {
            assert!(names.insert(k.as_str()), "{} twice", k.as_str());
            assert_eq!(OpKind::parse(k.as_str()), Some(k));
            let c = hub(k, Some("X1"));
            assert!(c.path.starts_with("/v1/"), "{k:?}");
            assert!(
                c.path.contains("X1") || c.method == "POST",
                "{k:?}: {}",
                c.path
            );
        }
        assert_eq!(
            hub(OpKind::SubscriptionEarlyReturn, Some("rnt_1")),
            Call {
                method: "POST",
                path: "/v1/subscriptions/rnt_1/early-return".into()
            }
        );
    }

    #[test]
    fn an_op_recorded_before_typed_ops_keeps_its_request() {
        let c = of_row(None, None, "PATCH", "/v1/orders/o1/notes");
        assert_eq!(
            (c.method, c.path.as_str()),
            ("PATCH", "/v1/orders/o1/notes")
        );
        let c = of_row(Some("order.notes"), Some("o1"), "", "");
        assert_eq!(
            (c.method, c.path.as_str()),
            ("PATCH", "/v1/orders/o1/notes")
        );
    }
}
