//! Requests and answers of the concurrency lease store.
//!
//! A lease is active while `now < expires_at`; at `expires_at` it is expired and may be
//! reclaimed. Expiry is what frees the slot of a crashed worker that never released.

use crate::{CounterError, LeaseKey};
use serde::{Deserialize, Serialize};
use tollgate_kernel::Timestamp;

/// Take (or renew) one lease of `key`, unless `limit` leases are already active at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRequest {
    pub key: LeaseKey,
    /// The caller's id for this lease; re-acquiring it renews it instead of taking another.
    pub lease_id: String,
    /// `None` is unlimited.
    pub limit: Option<i64>,
    /// The engine clock's now: stores compare expiries against it, never their own clock.
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

impl LeaseRequest {
    /// # Errors
    /// [`CounterError::Invalid`] for an empty lease id, a negative limit, or an `expires_at`
    /// that is not after `now` (the lease would be born expired).
    pub fn validate(&self) -> Result<(), CounterError> {
        if self.lease_id.is_empty() {
            return Err(CounterError::Invalid("lease id must not be empty".into()));
        }
        if self.limit.is_some_and(|l| l < 0) {
            return Err(CounterError::Invalid(
                "lease limit must not be negative".into(),
            ));
        }
        if self.expires_at <= self.now {
            return Err(CounterError::Invalid(
                "a lease must expire after it is taken".into(),
            ));
        }
        Ok(())
    }
}

/// The answer to a [`LeaseRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseOutcome {
    pub acquired: bool,
    /// Active leases after the request (including this one when acquired).
    pub held: i64,
    /// When the first active lease expires: the earliest a refused caller may retry with a
    /// chance (`Retry-After`). `None` when no lease is active.
    pub earliest_expiry: Option<Timestamp>,
}
