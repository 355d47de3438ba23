//! Identifiers made on the desk, offline: a type prefix and a UUIDv7 (time-ordered, so new rows
//! land at the end of indexes). Two desks never mint the same id.

use uuid::Uuid;

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::now_v7().simple())
}

/// The id of a payment of a subscription: the subscription's own (time-ordered) id, the kind and
/// the month number. Every desk and hub that writes the same schedule writes the same ids, so a
/// schedule made offline and the one the hub makes when the activation reaches it are one.
pub fn payment_id(rental_id: &str, kind: &str, seq: i64) -> String {
    let base = rental_id
        .split_once('_')
        .map(|(_, b)| b)
        .unwrap_or(rental_id);
    let k = kind.chars().next().unwrap_or('x');
    format!("{}_{base}{k}{seq:03}", prefix::PAYMENT)
}

/// A random secret of 256 bits as lowercase hex (API keys, UI tokens).
pub fn secret_hex() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

pub mod prefix {
    pub const BUSINESS_UNIT: &str = "bu";
    pub const USER: &str = "usr";
    pub const DESK: &str = "dsk";
    pub const API_KEY: &str = "key";
    pub const PRODUCT: &str = "prd";
    pub const VARIANT: &str = "var";
    pub const CUSTOMER: &str = "cus";
    pub const ORDER: &str = "ord";
    pub const EVENT: &str = "evt";
    pub const CATEGORY: &str = "cat";
    pub const RENTAL: &str = "rnt";
    pub const PAYMENT: &str = "pay";
    pub const BILLING_GROUP: &str = "bgr";
    pub const INVOICE: &str = "inv";
    pub const FILE: &str = "file";
    pub const RECEIPT: &str = "rcp";
    pub const REMINDER: &str = "rem";
    pub const MAIL: &str = "mail";
}
