//! Quotas: the rules a plan grants per feature, the pure decision of whether one request fits
//! them (allow, warn, deny, overage), and the two storage ports that make decisions exact
//! under concurrency: [`CounterStore`] (atomic check-and-add per customer, feature and window)
//! and [`LeaseStore`] (concurrency leases), with in-memory implementations and, behind the
//! `conformance` feature, the test suite every other implementation must pass.
//!
//! This crate must never do I/O, start or assume a runtime, read the clock (time is passed in),
//! or know about plans: the engine maps plan entitlements into [`QuotaRule`]s. It must never
//! let a hard limit be passed or a counter wrap: every sum is checked.

mod consume;
mod decide;
mod error;
mod fenced;
mod keys;
mod lease;
mod memory;
mod model;
mod ports;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use consume::{Consume, Consumption, apply_consume};
pub use decide::decide;
pub use error::QuotaError;
pub use fenced::{Fenced, FencedCounterStore, check_load, same_customer};
pub use keys::{CounterKey, LeaseKey, escape_prefix, redis_key};
pub use lease::{LeaseOutcome, LeaseRequest};
pub use memory::{MemoryCounterStore, MemoryFencedCounters, MemoryLeaseStore};
pub use model::{Decision, DenyReason, QuotaRule, QuotaState, percent, state_for};
pub use ports::{CounterError, CounterStore, LeaseStore};
