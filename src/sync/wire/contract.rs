//! FlexPortal's published contract as the desk holds it: `openapi/flexportal-v1.json`, FlexPortal's
//! own `openapi.json` kept unchanged. The desk writes for a FlexPortal remote only requests that
//! are one of its operations, and cuts every body to the fields that operation documents, so no
//! FlexDesk extension (ids made offline, order numbers, desk-only fields) leaves for FlexPortal.

use serde_json::Value;
use std::sync::OnceLock;

/// FlexPortal's OpenAPI document, as published.
pub const DOCUMENT: &str = include_str!("../../../openapi/flexportal-v1.json");

/// One operation of the document.
pub struct Operation {
    pub id: String,
    pub method: String,
    /// The path template split at `/` (`{orderId}` for a parameter).
    segments: Vec<String>,
    pub spec: Value,
}

impl Operation {
    /// The JSON body schema, for an operation that takes one.
    pub fn request_schema(&self) -> Option<&Value> {
        self.spec
            .pointer("/requestBody/content/application~1json/schema")
            .filter(|s| s.is_object())
    }

    /// The query parameters it documents.
    pub fn query_names(&self) -> Vec<&str> {
        self.spec["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect()
    }

    fn matches(&self, method: &str, parts: &[&str]) -> bool {
        self.method == method
            && self.segments.len() == parts.len()
            && self.segments.iter().zip(parts).all(|(s, p)| {
                if s.starts_with('{') {
                    !p.is_empty()
                } else {
                    s == p
                }
            })
    }
}

/// The document, parsed once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("FlexPortal's document parses"))
}

/// Every operation, those with more fixed segments first (so `/v1/products/variants` is not
/// taken for a product id).
pub fn operations() -> &'static [Operation] {
    static OPS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut ops = vec![];
        for (path, item) in document()["paths"].as_object().into_iter().flatten() {
            for (m, op) in item.as_object().into_iter().flatten() {
                if !matches!(m.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    continue;
                }
                ops.push(Operation {
                    id: op["operationId"].as_str().unwrap_or_default().to_string(),
                    method: m.to_uppercase(),
                    segments: path.split('/').map(str::to_string).collect(),
                    spec: op.clone(),
                });
            }
        }
        let fixed = |o: &Operation| o.segments.iter().filter(|s| !s.starts_with('{')).count();
        ops.sort_by_key(|o| std::cmp::Reverse(fixed(o)));
        ops
    })
}

/// The operation a request is, if FlexPortal has it.
pub fn operation(method: &str, path: &str) -> Option<&'static Operation> {
    let parts: Vec<&str> = path.split('/').collect();
    operations().iter().find(|o| o.matches(method, &parts))
}

/// Whether a value of `schema` may be null (untyped, or `null` among its types).
fn allows_null(schema: &Value) -> bool {
    let null_type = |t: &Value| match t {
        Value::String(s) => s == "null",
        Value::Array(a) => a.iter().any(|x| x == "null"),
        _ => false,
    };
    match schema.get("type") {
        Some(t) => null_type(t),
        None => ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .all(|bs| bs.iter().any(allows_null)),
    }
}

/// Keep only what `schema` documents: an object's listed properties (all of them where the
/// schema allows others) and not a null where the field may not be null (left out instead),
/// each array item by `items`, through `allOf`/`anyOf`/`oneOf`.
pub fn prune(v: &mut Value, schema: &Value) {
    let branches: Vec<&Value> = ["allOf", "anyOf", "oneOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let open = |s: &Value| {
        s.get("additionalProperties")
            .is_some_and(|a| a != &Value::Bool(false))
    };
    match v {
        Value::Object(map) => {
            let mut props = serde_json::Map::new();
            let mut any_open = false;
            for s in std::iter::once(schema).chain(branches.iter().copied()) {
                if let Some(p) = s.get("properties").and_then(Value::as_object) {
                    props.extend(p.clone());
                }
                any_open |= open(s);
            }
            if props.is_empty() {
                return;
            }
            map.retain(|k, x| match props.get(k) {
                Some(s) => !x.is_null() || allows_null(s),
                None => any_open,
            });
            for (k, child) in map.iter_mut() {
                if let Some(s) = props.get(k) {
                    prune(child, s);
                }
            }
        }
        Value::Array(items) => {
            let item = schema
                .get("items")
                .or_else(|| branches.iter().find_map(|b| b.get("items")));
            if let Some(s) = item {
                for i in items {
                    prune(i, s);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_document_has_flexportals_48_operations_and_finds_them_by_request() {
        assert_eq!(operations().len(), 48);
        let id = |m: &str, p: &str| operation(m, p).map(|o| o.id.as_str());
        assert_eq!(id("GET", "/v1/products/variants"), Some("listVariants"));
        assert_eq!(id("GET", "/v1/products/prd_1"), Some("getProduct"));
        assert_eq!(
            id("POST", "/v1/subscriptions/rnt_1/early-return"),
            Some("earlyReturnSubscription")
        );
        assert_eq!(
            id("POST", "/v1/subscriptions/calculate-buyout"),
            Some("calculateBuyoutPrice")
        );
        // FlexDesk's extensions are not FlexPortal's.
        assert_eq!(id("POST", "/v1/customers"), None);
        assert_eq!(id("POST", "/v1/orders/ord_1/confirm"), None);
        assert_eq!(id("POST", "/v1/returns"), None);
        assert_eq!(id("POST", "/v1/payments/pay_1/mark-failed"), None);
        let extend = operation("POST", "/v1/subscriptions/x/extend").unwrap();
        assert!(extend.request_schema().is_some());
        assert_eq!(
            operation("GET", "/v1/payments").unwrap().query_names(),
            vec![
                "limit",
                "startAfter",
                "status",
                "customerId",
                "rentalId",
                "billingGroupId",
                "dueDateFrom",
                "dueDateTo"
            ]
        );
    }

    #[test]
    fn pruning_keeps_only_documented_fields() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {}}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"x": {}}}},
            "free": {"type": "object", "additionalProperties": {}}}});
        let mut v =
            json!({"a": {"b": 1, "c": 2}, "d": 3, "list": [{"x": 1, "y": 2}], "free": {"k": 1}});
        prune(&mut v, &schema);
        assert_eq!(
            v,
            json!({"a": {"b": 1}, "list": [{"x": 1}], "free": {"k": 1}})
        );
        // A null is left out where the field may not be null, kept where it may.
        let schema = json!({"type": "object", "properties": {"s": {"type": "string"},
            "n": {"type": ["string", "null"]}, "any": {}}});
        let mut v = json!({"s": null, "n": null, "any": null});
        prune(&mut v, &schema);
        assert_eq!(v, json!({"n": null, "any": null}));
        // The real createOrder body: FlexDesk's own fields go.
        let op = operation("POST", "/v1/orders").unwrap();
        let mut order = json!({"orderId": "ord_1", "orderNumber": "NL-1", "customerId": "cus_1",
            "customer": {"email": "a@b.example", "firstName": "A", "lastName": "B", "customerId": "cus_1"},
            "billingAddress": {"contactName": "A", "streetAddress": "S 1", "city": "C", "country": "NL"},
            "items": [{"sku": "X", "quantity": 1, "contractLength": 12, "unitPrice": 9}]});
        prune(&mut order, op.request_schema().unwrap());
        assert!(order.get("orderId").is_none() && order.get("orderNumber").is_none());
        assert!(order["customer"].get("customerId").is_none());
        assert_eq!(order["items"][0]["sku"], "X");
    }
}
