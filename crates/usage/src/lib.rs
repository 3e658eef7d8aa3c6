//! Usage metering for Tollgate: the append-only, idempotent log of usage events, the pure
//! functions that aggregate it (count, sum, max, latest, unique), rebuild counters from it and
//! compare them with the stored counters (reconciliation), and the [`UsageLog`] port that
//! storage adapters implement, with an exact in-memory adapter and a conformance suite.
//!
//! This crate must never do I/O, spawn or depend on a runtime (tokio appears only behind the
//! `conformance` feature), decide quotas or prices, or depend on the `plans` or `quotas` crates:
//! it records what the engine decided, and counters are always derivable from its events.

mod aggregate;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
pub mod memory;
mod model;
mod ports;
mod query;
mod reconcile;
mod series;

pub use aggregate::{Aggregation, aggregate};
pub use error::UsageLogError;
pub use memory::MemoryUsageLog;
pub use model::{AppendOutcome, CounterTotal, UsageEvent};
pub use ports::UsageLog;
pub use query::UsageQuery;
pub use reconcile::{Drift, DriftReport, compare, expected_totals};
pub use series::daily_totals;
