//! The synced kinds of entity, in one table: each one's name in op refs, its v1 list, path and
//! envelope key, the field that identifies one, and the local table and column behind it.

/// A synced kind of entity: its name in op refs, its list (also the name its pull cursor is kept
/// under), the list's path and envelope key, and the field that identifies one.
pub struct Kind {
    pub kind: &'static str,
    pub list: &'static str,
    pub path: &'static str,
    pub key: &'static str,
    pub id: &'static str,
    /// The local table and the column that holds the wire id (`id`, or an asset's serial).
    pub table: &'static str,
    pub column: &'static str,
    /// The key one object comes under from `GET {path}/{id}` (a payment and a group come
    /// wrapped, `{success, payment}`); None: bare.
    pub one: Option<&'static str>,
}

/// The kinds a pass reads, in an order where what an entity points to arrives first.
#[rustfmt::skip]
pub const KINDS: &[Kind] = &[
    Kind { kind: "product", list: "products", path: "/v1/products", key: "products", id: "productId", table: "products", column: "id", one: None },
    Kind { kind: "customer", list: "customers", path: "/v1/customers", key: "customers", id: "customerId", table: "customers", column: "id", one: None },
    Kind { kind: "billing_group", list: "billing-groups", path: "/v1/billing-groups", key: "billingGroups", id: "billingGroupId", table: "billing_groups", column: "id", one: Some("billingGroup") },
    Kind { kind: "asset", list: "assets", path: "/v1/assets", key: "assets", id: "serialNumber", table: "assets", column: "serial_number", one: None },
    Kind { kind: "order", list: "orders", path: "/v1/orders", key: "orders", id: "orderId", table: "orders", column: "id", one: None },
    Kind { kind: "rental", list: "subscriptions", path: "/v1/subscriptions", key: "rentals", id: "rentalId", table: "subscriptions", column: "id", one: None },
    Kind { kind: "payment", list: "payments", path: "/v1/payments", key: "payments", id: "paymentId", table: "payments", column: "id", one: Some("payment") },
];

pub(crate) fn kind_named(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == name)
}

/// Page size of every list read from the remote.
pub(crate) const PAGE: &str = "100";
