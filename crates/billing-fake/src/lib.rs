//! A deterministic, in-process billing provider: a small Stripe with its own customers,
//! checkout sessions, subscriptions, invoices and renewals, driven by the engine's clock.
//! Demo mode and tests use it instead of Stripe; its events go through the same engine path
//! (dedupe, lifecycle, audit) as Stripe's webhooks.
//!
//! It never touches the network or card data, and computes proration with the `pricing`
//! crate, so its invoices match the previews exactly.

mod provider;
mod state;

pub use provider::FakeBilling;
pub use state::{FakeSessionStatus, FakeSessionView};
