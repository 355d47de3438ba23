//! The one error type that crosses every boundary: a stable FlexPortal error code, a sentence for
//! people, and optional field details. HTTP statuses are derived from the code in one place.

use serde::Serialize;
use ts_rs::TS;

/// Error codes of the FlexPortal v1 contract, plus the few FlexDesk adds (documented in docs/rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    AuthRequired,
    InvalidToken,
    NoTenantAccess,
    InsufficientPermissions,
    NotFound,
    ValidationError,
    AssetExists,
    AssetInUse,
    AssetNotFound,
    AssetNotAvailable,
    InvalidStatus,
    VariantNotFound,
    VariantInactive,
    VariantInUse,
    DuplicateSku,
    InvalidPricing,
    InvalidContractLength,
    ProductHasActiveOrders,
    OrderNotFound,
    OrderNotConfirmed,
    OrderNotCancellable,
    AlreadyCancelled,
    CustomerNotFound,
    CustomerInactive,
    CustomerHasActiveSubscriptions,
    CustomerHasPendingOrders,
    ItemFullyFulfilled,
    SkuMismatch,
    SubscriptionNotFound,
    SubscriptionNotActive,
    AlreadyEnded,
    InvalidExtensionMonths,
    InvalidFee,
    InvalidBuyoutPrice,
    AlreadyPaid,
    PaymentCancelled,
    PaymentProcessing,
    SubscriptionDifferentCustomer,
    InvalidBillingDay,
    TemplateNotFound,
    DeleteFailed,
    AlreadyInvoiced,
    Conflict,
    /// FlexDesk: the sync remote could not be reached (or answered with a server error).
    RemoteUnavailable,
    /// FlexDesk: the database stayed locked by another writer past the wait (a long run on a
    /// hub); 503 with `Retry-After`, so a desk waits and sends again instead of filing a conflict.
    Busy,
    /// Too many requests (429, with `Retry-After`): an address that keeps sending wrong API keys.
    RateLimited,
    /// FlexDesk: an Idempotency-Key sent again with a different request (422): the key names one
    /// request only.
    IdempotencyMismatch,
    /// FlexDesk: the caller's session is locked (the desk was idle, or its person locked it);
    /// only unlocking with the PIN, or signing out, goes on.
    SessionLocked,
    /// FlexDesk hub: a desk's op made longer ago than the hub takes (`sync::OP_AGE_DAYS`); the
    /// desk's Retry sends it again as of now.
    OpTooOld,
    #[serde(rename = "INTERNAL_ERROR")]
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AuthRequired => "AUTH_REQUIRED",
            ErrorCode::InvalidToken => "INVALID_TOKEN",
            ErrorCode::NoTenantAccess => "NO_TENANT_ACCESS",
            ErrorCode::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::AssetExists => "ASSET_EXISTS",
            ErrorCode::AssetInUse => "ASSET_IN_USE",
            ErrorCode::AssetNotFound => "ASSET_NOT_FOUND",
            ErrorCode::AssetNotAvailable => "ASSET_NOT_AVAILABLE",
            ErrorCode::InvalidStatus => "INVALID_STATUS",
            ErrorCode::VariantNotFound => "VARIANT_NOT_FOUND",
            ErrorCode::VariantInactive => "VARIANT_INACTIVE",
            ErrorCode::VariantInUse => "VARIANT_IN_USE",
            ErrorCode::DuplicateSku => "DUPLICATE_SKU",
            ErrorCode::InvalidPricing => "INVALID_PRICING",
            ErrorCode::InvalidContractLength => "INVALID_CONTRACT_LENGTH",
            ErrorCode::ProductHasActiveOrders => "PRODUCT_HAS_ACTIVE_ORDERS",
            ErrorCode::OrderNotFound => "ORDER_NOT_FOUND",
            ErrorCode::OrderNotConfirmed => "ORDER_NOT_CONFIRMED",
            ErrorCode::OrderNotCancellable => "ORDER_NOT_CANCELLABLE",
            ErrorCode::AlreadyCancelled => "ALREADY_CANCELLED",
            ErrorCode::CustomerNotFound => "CUSTOMER_NOT_FOUND",
            ErrorCode::CustomerInactive => "CUSTOMER_INACTIVE",
            ErrorCode::CustomerHasActiveSubscriptions => "CUSTOMER_HAS_ACTIVE_SUBSCRIPTIONS",
            ErrorCode::CustomerHasPendingOrders => "CUSTOMER_HAS_PENDING_ORDERS",
            ErrorCode::ItemFullyFulfilled => "ITEM_FULLY_FULFILLED",
            ErrorCode::SkuMismatch => "SKU_MISMATCH",
            ErrorCode::SubscriptionNotFound => "SUBSCRIPTION_NOT_FOUND",
            ErrorCode::SubscriptionNotActive => "SUBSCRIPTION_NOT_ACTIVE",
            ErrorCode::AlreadyEnded => "ALREADY_ENDED",
            ErrorCode::InvalidExtensionMonths => "INVALID_EXTENSION_MONTHS",
            ErrorCode::InvalidFee => "INVALID_FEE",
            ErrorCode::InvalidBuyoutPrice => "INVALID_BUYOUT_PRICE",
            ErrorCode::AlreadyPaid => "ALREADY_PAID",
            ErrorCode::PaymentCancelled => "PAYMENT_CANCELLED",
            ErrorCode::PaymentProcessing => "PAYMENT_PROCESSING",
            ErrorCode::SubscriptionDifferentCustomer => "SUBSCRIPTION_DIFFERENT_CUSTOMER",
            ErrorCode::InvalidBillingDay => "INVALID_BILLING_DAY",
            ErrorCode::TemplateNotFound => "TEMPLATE_NOT_FOUND",
            ErrorCode::DeleteFailed => "DELETE_FAILED",
            ErrorCode::AlreadyInvoiced => "ALREADY_INVOICED",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RemoteUnavailable => "REMOTE_UNAVAILABLE",
            ErrorCode::Busy => "BUSY",
            ErrorCode::SessionLocked => "SESSION_LOCKED",
            ErrorCode::IdempotencyMismatch => "IDEMPOTENCY_MISMATCH",
            ErrorCode::OpTooOld => "OP_TOO_OLD",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status FlexPortal documents for this code.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            AuthRequired | InvalidToken | SessionLocked => 401,
            NoTenantAccess | InsufficientPermissions => 403,
            NotFound | AssetNotFound | VariantNotFound | OrderNotFound | CustomerNotFound
            | SubscriptionNotFound => 404,
            AssetExists
            | AssetNotAvailable
            | ItemFullyFulfilled
            | VariantInUse
            | AssetInUse
            | DuplicateSku
            | ProductHasActiveOrders
            | AlreadyInvoiced
            | Conflict => 409,
            TemplateNotFound => 404,
            DeleteFailed => 500,
            RemoteUnavailable | Busy => 503,
            IdempotencyMismatch | OpTooOld => 422,
            RateLimited => 429,
            Internal => 500,
            _ => 400,
        }
    }
}

/// One problem with one input field, as in FlexPortal's `details` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FieldError {
    pub path: String,
    pub message: String,
    pub code: String,
}

#[derive(Debug, Clone, thiserror::Error, Serialize, TS)]
#[error("{code:?}: {message}")]
#[ts(rename = "AppError")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<FieldError>>")]
    pub details: Vec<FieldError>,
    /// Set when the action stopped because it replays an operation this node applied before (two
    /// copies of one op racing on a hub). That is not a failure: the action's transaction rolls
    /// back and the v1 layer answers with the op as first recorded. Never serialized.
    #[serde(skip)]
    #[ts(skip)]
    pub replayed: Option<Box<Replayed>>,
}

/// The operation an "applied before" stop carries: its Idempotency-Key and its body as this node
/// recorded it (in this node's ids).
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    pub op_id: String,
    pub recorded: Option<serde_json::Value>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            details: Vec::new(),
            replayed: None,
        }
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        Error::new(ErrorCode::NotFound, format!("{what} {id} was not found."))
    }
    /// A validation error about one field.
    pub fn invalid(path: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            code: ErrorCode::ValidationError,
            message: message.clone(),
            details: vec![FieldError {
                path: path.into(),
                message,
                code: "invalid".into(),
            }],
            replayed: None,
        }
    }
    /// An error with its own code about one field (`INVALID_FEE` on `earlyReturnFee`): the
    /// form shows it at that field.
    pub fn at_field(code: ErrorCode, path: &str, message: impl Into<String>) -> Self {
        let mut e = Error::invalid(path, message);
        e.code = code;
        e
    }
    /// Validation errors about several fields at once.
    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        // Every field's reason, not only which fields: "2 fields need attention: Condition must
        // be one of …; Acquisition date is not a date."
        let message = match details.as_slice() {
            [one] => one.message.clone(),
            many => format!(
                "{} fields need attention: {}.",
                many.len(),
                many.iter()
                    .map(|d| d.message.trim_end_matches('.'))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        Error {
            code: ErrorCode::ValidationError,
            message,
            details,
            replayed: None,
        }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }
    pub fn status(&self) -> u16 {
        self.code.http_status()
    }

    /// The error as a caller may see it. An internal error's detail (SQL text, a file path) goes
    /// to the log under a short reference; the caller gets `INTERNAL_ERROR` and the reference.
    pub fn for_caller(self) -> Error {
        if self.code != ErrorCode::Internal || self.message.starts_with(INTERNAL_SENTENCE) {
            return self;
        }
        let reference = crate::ids::secret_hex()[..8].to_string();
        eprintln!("flexdesk: internal error {reference}: {}", self.message);
        Error::internal(format!(
            "{INTERNAL_SENTENCE}; the desk's log has the details (reference {reference})."
        ))
    }
}

/// How an internal error begins for the caller.
const INTERNAL_SENTENCE: &str = "Something went wrong on this desk";

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.message().contains("database is locked") => {
                Error::new(ErrorCode::Busy, "The database is busy; please try again.")
            }
            // A rule the schema keeps that the service did not check first: a clear answer,
            // never the constraint's text.
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::new(
                ErrorCode::Conflict,
                "That is already recorded here (something with the same number, code or id exists).",
            ),
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::new(
                ErrorCode::ValidationError,
                "It refers to something that does not exist (or no longer exists) here.",
            ),
            sqlx::Error::Database(db) if db.is_check_violation() => Error::new(
                ErrorCode::ValidationError,
                "A value is outside what this desk accepts.",
            ),
            _ => Error::internal(format!("storage error: {e}")),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::internal(format!("migration failed: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::new(
            ErrorCode::ValidationError,
            format!("The request could not be read: {e}"),
        )
    }
}

/// Collects field errors while a request is checked, then fails once with all of them.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn new() -> Self {
        Checks(Vec::new())
    }
    pub fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
            code: "invalid".into(),
        });
    }
    pub fn require(&mut self, path: &str, value: &str, label: &str) {
        if value.trim().is_empty() {
            self.fail(path, format!("{label} is required."));
        }
    }
    pub fn max_len(&mut self, path: &str, value: &str, max: usize, label: &str) {
        if value.chars().count() > max {
            self.fail(path, format!("{label} must be at most {max} characters."));
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// A negative amount, named by its field's label.
    pub fn not_negative(&mut self, path: impl Into<String>) {
        let path = path.into();
        let message = negative_message(&path);
        self.fail(path, message);
    }
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_fields(self.0))
        }
    }
}

/// "Acquisition cost cannot be negative.", for the field at `path`.
pub fn negative_message(path: &str) -> String {
    format!("{} cannot be negative.", field_label(path))
}

/// A field's path as a person reads it: `acquisitionCost` is "Acquisition cost",
/// `variants[0].variantSku` is "Variant SKU in row 1".
pub fn field_label(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let name = last.split('[').next().unwrap_or(last);
    let mut words: Vec<String> = vec![];
    let mut cur = String::new();
    for ch in name.chars() {
        if ch.is_uppercase() && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    const ACRONYMS: [&str; 8] = ["sku", "vat", "id", "iban", "bic", "csv", "url", "pin"];
    let mut out = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if ACRONYMS.contains(&w.as_str()) {
                w.to_uppercase()
            } else if i == 0 {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    // The first list index names the row (counted from 1).
    if let Some(i) = path
        .split('[')
        .nth(1)
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
    {
        out.push_str(&format!(" in row {}", i + 1));
    }
    out
}

#[cfg(test)]
mod label_tests {
    use super::{field_label, Error, FieldError};

    #[test]
    fn several_field_errors_say_each_reason() {
        let f = |path: &str, message: &str| FieldError {
            path: path.into(),
            message: message.into(),
            code: "invalid".into(),
        };
        let e = Error::invalid_fields(vec![
            f("condition", "Condition must be one of new, good."),
            f("acquisitionDate", "Acquisition date '31-02' is not a date."),
        ]);
        assert_eq!(
            e.message,
            "2 fields need attention: Condition must be one of new, good; Acquisition date '31-02' is not a date."
        );
    }

    #[test]
    fn paths_read_as_labels() {
        assert_eq!(field_label("acquisitionCost"), "Acquisition cost");
        assert_eq!(
            field_label("variants[0].variantSku"),
            "Variant SKU in row 1"
        );
        assert_eq!(field_label("newMonthlyAmount"), "New monthly amount");
        assert_eq!(field_label("vatId"), "VAT ID");
        assert_eq!(field_label("items[2].quantity"), "Quantity in row 3");
    }
}
