//! Turning a provider's raw event (a Stripe webhook body) into a [`BillingEvent`]. The raw
//! event is what the webhook log keeps; decoding happens when the event is processed, so an
//! event that names something Tollgate does not know yet (an invoice before its checkout) fails,
//! stays in the log, and is retried once the rest has arrived.

use crate::{BillingError, BillingEvent, Customer};
use tollgate_kernel::{CustomerId, Interval, PlanCode, Timestamp};

/// What the engine knows that a decoder needs to name things in Tollgate's terms.
///
/// # Errors
/// [`BillingError::Unexpected`] when the lookup itself fails.
#[async_trait::async_trait]
pub trait ProviderDirectory: Send + Sync {
    /// The customer linked to the provider's customer id (`cus_…`).
    async fn customer_by_provider_id(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingError>;

    /// The plan and interval whose catalog price carries this provider price id (`price_…`).
    async fn plan_by_provider_price(
        &self,
        provider_price_id: &str,
    ) -> Result<Option<(PlanCode, Interval)>, BillingError>;
}

/// What a raw event means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Event(Box<BillingEvent>),
    /// Understood and deliberately not acted on (a type Tollgate does not handle), with why.
    Ignored(String),
}

/// Decodes raw events of one provider.
#[async_trait::async_trait]
pub trait EventDecoder: Send + Sync + std::fmt::Debug {
    /// The provider's name in the webhook log (`"stripe"`).
    fn provider(&self) -> &'static str;

    /// Decodes a stored raw event.
    ///
    /// # Errors
    /// - [`BillingError::Invalid`] when the event cannot be read or names something unknown
    ///   (kept as `failed`, retried with backoff: it may be known later);
    /// - [`BillingError::Unavailable`] when a look-up at the provider failed.
    async fn decode(
        &self,
        raw: &serde_json::Value,
        directory: &dyn ProviderDirectory,
    ) -> Result<Decoded, BillingError>;

    /// The provider's subscription as it is now, as a snapshot of `customer` stamped `at`:
    /// asked when two different snapshots carry the same instant (the provider's clock counts
    /// seconds), so the newer state wins whichever arrived last. `None` when the provider
    /// cannot say.
    ///
    /// # Errors
    /// As [`EventDecoder::decode`].
    async fn refresh(
        &self,
        _provider_subscription_id: &str,
        _customer: &CustomerId,
        _at: Timestamp,
        _directory: &dyn ProviderDirectory,
    ) -> Result<Option<BillingEvent>, BillingError> {
        Ok(None)
    }
}
