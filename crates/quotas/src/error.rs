//! Errors of the pure quota decision. Store failures have their own type,
//! [`CounterError`](crate::CounterError), because callers react to them differently
//! (an unreachable store means "fall back", a bad request means "answer 400").

use thiserror::Error;
use tollgate_kernel::{FeatureCode, FeatureKind};

/// Why [`decide`](crate::decide) could not reach a decision. Every variant is the caller's
/// fault (bad input or a corrupt counter), never a quota denial: a denial is a
/// [`Decision`](crate::Decision) with `allowed == false`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuotaError {
    /// The quantity does not fit the feature's kind (zero or negative for a metered feature,
    /// negative for a per-request cap, …). Maps to 400 `invalid_request`.
    #[error("invalid quantity {amount} for {kind} feature {feature}: {reason}")]
    InvalidQuantity {
        feature: FeatureCode,
        kind: FeatureKind,
        amount: i64,
        reason: &'static str,
    },
    /// The rule itself is inconsistent (a negative limit, a warning threshold of 0).
    #[error("invalid quota rule for {feature}: {reason}")]
    InvalidRule {
        feature: FeatureCode,
        reason: &'static str,
    },
    /// The current usage handed in is negative: counters never go below zero, so the counter
    /// is corrupt and must be rebuilt from events rather than decided upon.
    #[error("usage of {feature} is negative ({used}): the counter needs a rebuild")]
    InvalidUsage { feature: FeatureCode, used: i64 },
    /// `used + amount` does not fit in `i64`; refusing beats wrapping into a wrong answer.
    #[error("usage of {feature} would overflow: {used} + {amount}")]
    Overflow {
        feature: FeatureCode,
        used: i64,
        amount: i64,
    },
}
