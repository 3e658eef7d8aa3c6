//! Inputs and outputs of the [`crate::BillingAdapter`] port. Prices arrive already resolved
//! (the engine maps plans to money): the adapter never reads the catalog.

use crate::{Customer, Subscription};
use serde::{Deserialize, Serialize};
use tollgate_kernel::{FeatureCode, Interval, Money, PlanCode, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub customer: Customer,
    pub plan: PlanCode,
    pub interval: Interval,
    /// The plan's price per interval, in the customer's currency.
    pub price: Money,
    /// The provider's price id (`price_…`) when the catalog has one.
    pub provider_price_id: Option<String>,
    /// 0 for none.
    pub trial_days: u32,
    pub success_url: String,
    pub cancel_url: String,
    /// Passed to the provider so a retried checkout creates one session.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalRequest {
    pub customer: Customer,
    pub return_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSession {
    pub url: String,
}

/// When a plan change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeMode {
    /// Now, prorated (upgrades).
    Immediate,
    /// At the end of the current period, without proration (downgrades).
    AtPeriodEnd,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePlanRequest {
    pub subscription: Subscription,
    pub plan: PlanCode,
    pub interval: Interval,
    /// The new plan's price per interval.
    pub price: Money,
    /// The current plan's price per interval (for the proration credit).
    pub old_price: Money,
    pub provider_price_id: Option<String>,
    pub mode: ChangeMode,
    pub idempotency_key: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub subscription: Subscription,
    pub at_period_end: bool,
    pub idempotency_key: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReactivateRequest {
    pub subscription: Subscription,
    pub idempotency_key: String,
    pub at: Timestamp,
}

/// Metered usage reported to the provider for usage-based invoicing. `event_id` is the
/// provider-side idempotency key: a retried report counts once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterReport {
    pub customer: Customer,
    pub feature: FeatureCode,
    pub quantity: i64,
    pub event_id: String,
    pub at: Timestamp,
}
