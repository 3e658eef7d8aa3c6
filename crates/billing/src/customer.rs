//! Customers (tenants) and the roles of their members.

use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, CustomerId, Timestamp};

/// A member's role inside a customer. Only owners reach billing actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Picks and changes the plan, pays, opens the portal, sees invoices.
    Owner,
    /// Watches usage against limits.
    Admin,
    /// Sees the plan and limits; no billing actions.
    Member,
}

impl Role {
    /// Checkout, portal, plan changes, cancel, invoices.
    pub fn can_manage_billing(&self) -> bool {
        matches!(self, Role::Owner)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    Active,
    /// Soft-deleted: kept for invoices and audit, refused for new usage.
    Deleted,
}

/// A tenant of the product, identified by the product's own id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    pub email: Option<String>,
    /// The currency it is billed in; fixed once subscribed.
    pub currency: Currency,
    pub status: CustomerStatus,
    /// The billing provider's id (`cus_…`), once created there.
    pub provider_customer_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl Customer {
    /// An active customer without a provider id yet.
    pub fn new(
        id: CustomerId,
        name: impl Into<String>,
        currency: Currency,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            email: None,
            currency,
            status: CustomerStatus::Active,
            provider_customer_id: None,
            created_at: now,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == CustomerStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_serialize_snake_case_and_only_owners_bill() {
        assert_eq!(serde_json::to_string(&Role::Owner).unwrap(), "\"owner\"");
        assert_eq!(
            serde_json::from_str::<Role>("\"member\"").unwrap(),
            Role::Member
        );
        assert!(Role::Owner.can_manage_billing());
        assert!(!Role::Admin.can_manage_billing());
        assert!(!Role::Member.can_manage_billing());
    }
}
