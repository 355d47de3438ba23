//! The status vocabularies of the FlexPortal v1 contract and the transitions FlexDesk allows.

use crate::str_enum;

str_enum!(OrderStatus { Pending = "pending", Confirmed = "confirmed", Partial = "partial", Fulfilled = "fulfilled", Cancelled = "cancelled" });
str_enum!(OrderType { Standard = "standard", Extension = "extension", Upgrade = "upgrade" });
str_enum!(ItemRentalStatus { Pending = "pending", Partial = "partial", Completed = "completed" });
str_enum!(AssetStatus { Available = "available", RentedOut = "rented_out", Returned = "returned", Sold = "sold", Unavailable = "unavailable" });
str_enum!(AssetCondition { New = "new", Excellent = "excellent", Good = "good", Fair = "fair", Poor = "poor", Damaged = "damaged" });
str_enum!(ProductStatus { Active = "active", Discontinued = "discontinued" });
str_enum!(VariantStatus { Active = "active", Inactive = "inactive" });
str_enum!(CustomerType { Individual = "individual", Business = "business" });
str_enum!(CustomerStatus { Active = "active", Inactive = "inactive" });
str_enum!(Role { Admin = "admin", Warehouse = "warehouse", Counter = "counter", Accountant = "accountant" });
str_enum!(SubscriptionStatus { Active = "active", Cancelled = "cancelled", EndedCompleted = "ended_completed", EndedBuyout = "ended_buyout", EndedUpgrade = "ended_upgrade", EndedEarlyReturn = "ended_early_return" });
str_enum!(PaymentStatus { Pending = "pending", Processing = "processing", Paid = "paid", Failed = "failed", Cancelled = "cancelled" });
str_enum!(PaymentKind { Rent = "rent", Prorated = "prorated", Buyout = "buyout", EarlyReturnFee = "early_return_fee", Charge = "charge" });
str_enum!(PaymentType { Individual = "individual", Consolidated = "consolidated" });
str_enum!(ReturnCondition { Excellent = "excellent", Good = "good", Fair = "fair", Poor = "poor", Damaged = "damaged" });
str_enum!(BuyoutReason { CustomerRequest = "customer_request", EndOfContract = "end_of_contract", Other = "other" });
str_enum!(CancellationReason { CustomerRequest = "customer_request", PaymentFailure = "payment_failure", Fraud = "fraud", AdminDecision = "admin_decision", Other = "other" });
str_enum!(ReplacementReason { Damaged = "damaged", Stolen = "stolen", Defective = "defective", Lost = "lost" });
str_enum!(SerialFormat { Any = "any", Alphanumeric = "alphanumeric", Digits = "digits", Imei = "imei" });

impl PaymentKind {
    /// What a payment of this kind is for, as invoices and lists name it (a one-off charge
    /// prints its own label instead).
    pub fn text(self) -> &'static str {
        match self {
            PaymentKind::Rent => "Rent",
            PaymentKind::Prorated => "Rent (part month)",
            PaymentKind::Buyout => "Buyout",
            PaymentKind::EarlyReturnFee => "Early-return fee",
            PaymentKind::Charge => "Charge",
        }
    }

    /// The text of a stored kind, with a charge's own label when it has one.
    pub fn text_of(kind: &str, label: Option<&str>) -> String {
        match (PaymentKind::parse(kind), label) {
            (Some(PaymentKind::Charge), Some(l)) if !l.trim().is_empty() => l.trim().to_string(),
            (Some(k), _) => k.text().to_string(),
            (None, _) => "Rent".to_string(),
        }
    }
}

impl AssetStatus {
    /// Status changes a person may make by editing an asset. `rented_out` and `sold` are set only
    /// by subscription actions (activation, replacement, buyout), never by hand.
    pub fn manual_transition_allowed(self, to: AssetStatus) -> bool {
        use AssetStatus::*;
        matches!(
            (self, to),
            (Available, Unavailable)
                | (Unavailable, Available)
                | (Returned, Available)
                | (Returned, Unavailable)
        ) || self == to
    }
}

impl OrderStatus {
    pub fn cancellable(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Confirmed)
    }
    /// The status once `rented` of the order's `total` devices are out: fulfilled when every one
    /// is, partial while some are. With none out the order stays as it is (pending or confirmed).
    pub fn with_devices_out(self, rented: i64, total: i64) -> OrderStatus {
        if rented <= 0 {
            self
        } else if rented >= total {
            OrderStatus::Fulfilled
        } else {
            OrderStatus::Partial
        }
    }
}

impl ItemRentalStatus {
    /// An order line with `rented` of its `quantity` units out.
    pub fn of(rented: i64, quantity: i64) -> ItemRentalStatus {
        if rented <= 0 {
            ItemRentalStatus::Pending
        } else if rented >= quantity {
            ItemRentalStatus::Completed
        } else {
            ItemRentalStatus::Partial
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_edits_never_rent_out_or_sell_an_asset() {
        for from in AssetStatus::ALL {
            assert!(
                !from.manual_transition_allowed(AssetStatus::RentedOut)
                    || *from == AssetStatus::RentedOut
            );
            assert!(
                !from.manual_transition_allowed(AssetStatus::Sold) || *from == AssetStatus::Sold
            );
        }
        assert!(AssetStatus::Returned.manual_transition_allowed(AssetStatus::Available));
        assert!(!AssetStatus::Sold.manual_transition_allowed(AssetStatus::Available));
    }

    #[test]
    fn an_order_is_partial_while_some_devices_are_out_and_fulfilled_when_all_are() {
        use OrderStatus::*;
        assert_eq!(Confirmed.with_devices_out(1, 3), Partial);
        assert_eq!(Pending.with_devices_out(1, 3), Partial);
        assert_eq!(Partial.with_devices_out(2, 3), Partial);
        assert_eq!(Partial.with_devices_out(3, 3), Fulfilled);
        assert_eq!(Confirmed.with_devices_out(1, 1), Fulfilled);
        assert_eq!(Fulfilled.with_devices_out(4, 3), Fulfilled);
    }

    #[test]
    fn an_order_with_no_device_out_keeps_its_status() {
        for s in OrderStatus::ALL {
            assert_eq!(s.with_devices_out(0, 3), *s);
        }
    }

    #[test]
    fn an_order_line_is_pending_partial_or_completed_by_its_units_out() {
        use ItemRentalStatus::*;
        assert_eq!(ItemRentalStatus::of(0, 2), Pending);
        assert_eq!(ItemRentalStatus::of(1, 2), Partial);
        assert_eq!(ItemRentalStatus::of(2, 2), Completed);
        assert_eq!(ItemRentalStatus::of(3, 2), Completed);
    }
}
