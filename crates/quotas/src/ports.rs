//! The two storage ports of quotas: exact counters and concurrency leases. Backends (memory,
//! SQL, Redis) implement both with the same semantics; `conformance` checks that they do.

use crate::{Consume, Consumption, CounterKey, LeaseKey, LeaseOutcome, LeaseRequest};
use std::fmt::Display;
use thiserror::Error;
use tollgate_kernel::Timestamp;

/// A counter or lease store could not do what was asked.
#[derive(Debug, Error)]
pub enum CounterError {
    /// The backend cannot be reached (connection refused, pool timeout). Nothing was applied,
    /// or nothing is known to be: callers fall back to the database path and reconcile.
    #[error("counter store unavailable: {0}")]
    Unavailable(String),
    /// The request breaks the port's contract (negative value, overflow, empty lease id).
    /// Retrying the same request cannot succeed.
    #[error("invalid counter operation: {0}")]
    Invalid(String),
    /// Anything else the backend reported (a failing script, a decoding error).
    #[error("unexpected counter store error")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CounterError {
    /// For `map_err(CounterError::unavailable)` on connection errors.
    pub fn unavailable(err: impl Display) -> Self {
        Self::Unavailable(err.to_string())
    }

    pub fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(err))
    }
}

/// Exact, atomic counters of usage per customer, feature and window. Counters are derived
/// data (rebuildable from usage events), but while they live they must never overshoot a hard
/// limit, whatever the concurrency: each call is one atomic step.
#[async_trait::async_trait]
pub trait CounterStore: Send + Sync {
    /// Atomically applies `req` with the semantics of [`apply_consume`](crate::apply_consume):
    /// refused (unchanged) when a hard limit would be passed, `max(0, …)` for a release.
    ///
    /// # Errors
    /// - [`CounterError::Unavailable`] when the backend cannot be reached (callers fall back).
    /// - [`CounterError::Invalid`] for a negative limit or an overflowing counter.
    /// - [`CounterError::Unexpected`] for any other backend failure.
    async fn try_consume(&self, req: &Consume) -> Result<Consumption, CounterError>;

    /// Refunds `amount` (after a failed write following an accepted consume); floors at 0.
    /// Returns the counter afterwards.
    ///
    /// # Errors
    /// [`CounterError::Invalid`] for a negative `amount`; `Unavailable`/`Unexpected` as above.
    async fn release(&self, key: &CounterKey, amount: i64) -> Result<i64, CounterError>;

    /// The counter's value; 0 when it was never written.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as above.
    async fn get(&self, key: &CounterKey) -> Result<i64, CounterError>;

    /// Values of `keys`, in the same order (0 for absent ones): one round trip for a
    /// dashboard of many features.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as above.
    async fn get_many(&self, keys: &[CounterKey]) -> Result<Vec<i64>, CounterError>;

    /// Overwrites the counter: reconciliation repair and rebuild from events.
    ///
    /// # Errors
    /// [`CounterError::Invalid`] for a negative `value`; `Unavailable`/`Unexpected` as above.
    async fn set(&self, key: &CounterKey, value: i64) -> Result<(), CounterError>;
}

/// Concurrency leases: at most `limit` active at once per key, reclaimed when they expire.
#[async_trait::async_trait]
pub trait LeaseStore: Send + Sync {
    /// Atomically reclaims the leases expired at `req.now`, then renews `req.lease_id` if it
    /// is active (new expiry, no second count, acquired even when over a lowered limit), or
    /// takes a new lease when fewer than `limit` are active.
    ///
    /// # Errors
    /// - [`CounterError::Invalid`] when `req` fails [`LeaseRequest::validate`].
    /// - `Unavailable`/`Unexpected` as for [`CounterStore`].
    async fn acquire(&self, req: &LeaseRequest) -> Result<LeaseOutcome, CounterError>;

    /// Ends a lease. `false` when it is unknown or was already reclaimed (releasing twice is
    /// harmless).
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as for [`CounterStore`].
    async fn release(&self, key: &LeaseKey, lease_id: &str) -> Result<bool, CounterError>;

    /// Leases of `key` active at `now`.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as for [`CounterStore`].
    async fn held(&self, key: &LeaseKey, now: Timestamp) -> Result<i64, CounterError>;
}
