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
str_enum!(PaymentKind { Rent = "rent", Prorated = "prorated", Buyout = "buyout", EarlyReturnFee = "early_return_fee" });
str_enum!(PaymentType { Individual = "individual", Consolidated = "consolidated" });
str_enum!(ReturnCondition { Excellent = "excellent", Good = "good", Fair = "fair", Poor = "poor", Damaged = "damaged" });
str_enum!(BuyoutReason { CustomerRequest = "customer_request", EndOfContract = "end_of_contract", Other = "other" });
str_enum!(CancellationReason { CustomerRequest = "customer_request", PaymentFailure = "payment_failure", Fraud = "fraud", AdminDecision = "admin_decision", Other = "other" });
str_enum!(ReplacementReason { Damaged = "damaged", Stolen = "stolen", Defective = "defective", Lost = "lost" });
str_enum!(SerialFormat { Any = "any", Imei = "imei" });

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
}
