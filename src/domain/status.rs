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
