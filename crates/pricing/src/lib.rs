//! Prices of Tollgate: what a quantity of something costs. Per-unit, package, graduated and
//! volume tiers, overage above a limit, AI token prices per provider and model, and proration of
//! a plan change the way Stripe computes it.
//!
//! This crate must never do I/O, hold global state, use floating point, or round money anywhere
//! but through [`tollgate_kernel::round_to_minor`] (half-even, once per charged line). Amounts
//! that are not charged yet (a token call's cost, an overage's cost) stay exact decimals
//! ([`tollgate_kernel::Amount`]). It knows nothing of plans: the engine maps plans to these types.

mod error;
mod model;
mod overage;
mod ports;
mod proration;
mod tokens;

pub mod memory;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use error::{PricingError, TokenPriceStoreError};
pub use model::{PriceModel, Tier, charge};
pub use overage::{overage, overage_cost};
pub use ports::TokenPriceRepository;
pub use proration::{Proration, prorate};
pub use tokens::{MAX_PRICE_PER_MILLION, TokenPrice, TokenPriceTable, TokenUsage};
