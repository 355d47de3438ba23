//! Identifiers made on the desk, offline: a type prefix and a UUIDv7 (time-ordered, so new rows
//! land at the end of indexes). Two desks never mint the same id.

use uuid::Uuid;

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::now_v7().simple())
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
}
