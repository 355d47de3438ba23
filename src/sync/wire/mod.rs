//! Typed ops as a remote's requests: one translation per remote kind. A FlexDesk hub takes
//! FlexDesk's v1 (FlexPortal's paths with FlexDesk's extensions: ids made offline, the returns
//! desk, inspections), so its request is the op's kind as a path with the body as recorded.

use crate::services::outbox::OpKind;

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
        ReturnReceive => ("POST", "/v1/returns".to_string()),
        BillingGroupCreate => ("POST", "/v1/billing-groups".to_string()),
        BillingGroupUpdate => ("PATCH", format!("/v1/billing-groups/{k}")),
        BillingGroupDelete => ("DELETE", format!("/v1/billing-groups/{k}")),
        PaymentMarkPaid => ("POST", format!("/v1/payments/{k}/mark-paid")),
        PaymentMarkFailed => ("POST", format!("/v1/payments/{k}/mark-failed")),
        PaymentCancel => ("POST", format!("/v1/payments/{k}/cancel")),
    };
    Call { method, path }
}

/// The request of an outbox row: a typed op's, made for the remote; an op recorded before
/// typed ops keeps the request it was recorded with.
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
