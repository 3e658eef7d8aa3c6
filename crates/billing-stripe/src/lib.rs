//! Tollgate's billing adapter over Stripe.
//!
//! - [`StripeBilling`] implements [`tollgate_billing::BillingAdapter`] (customers, Checkout,
//!   the customer portal, upgrades with proration, downgrades at period end through a
//!   subscription schedule, cancel and reactivate, invoice previews and lists, meter events)
//!   and [`tollgate_billing::EventDecoder`] (webhook events into billing events).
//! - [`signature`] verifies `Stripe-Signature` headers.
//! - [`sync`] puts the plan catalog's prices at Stripe.
//!
//! Every mutating request carries an idempotency key derived from Tollgate's own operation id,
//! and is retried with backoff under that key. Stripe's types never leave this crate: answers
//! are read into the lenient types of [`objects`].

pub mod api;
pub mod objects;
pub mod signature;
pub mod sync;

#[cfg(feature = "testing")]
pub mod testing;

mod adapter;
mod decode;

pub use api::RetryPolicy;
pub use signature::{DEFAULT_TOLERANCE_SECONDS, SignatureError};
pub use sync::{SyncLine, SyncStep, WantedPrice};

use api::Api;
use tollgate_billing::BillingError;

/// The provider's name in billing events and the webhook log.
pub const PROVIDER: &str = "stripe";

/// How to reach Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    /// Stripe's own when `None`; a local fake's in tests.
    pub api_base: Option<String>,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The Stripe adapter.
#[derive(Debug, Clone)]
pub struct StripeBilling {
    api: Api,
}

impl StripeBilling {
    /// # Errors
    /// [`BillingError::Invalid`] when the key or base URL is refused.
    pub fn new(config: &StripeConfig) -> Result<Self, BillingError> {
        Ok(Self {
            api: Api::new(&config.secret_key, config.api_base.as_deref(), config.retry)?,
        })
    }
}
