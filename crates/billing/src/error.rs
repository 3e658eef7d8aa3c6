use crate::SubscriptionStatus;
use tollgate_kernel::Timestamp;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why [`crate::Subscription::apply`] (or a constructor) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The transition is not defined from this status (or its precondition does not hold).
    #[error("cannot apply {transition} to a {from} subscription: {reason}")]
    NotAllowed {
        from: SubscriptionStatus,
        transition: &'static str,
        reason: String,
    },
    /// The transition is valid but its instant has not come yet (a job ran early).
    #[error("{transition} is not due before {due_at}")]
    NotDue {
        transition: &'static str,
        due_at: Timestamp,
    },
    /// A provider snapshot older than one already applied (an out-of-order webhook): ignore it.
    #[error("provider snapshot of {snapshot} is older than the applied one of {applied}")]
    StaleSnapshot {
        snapshot: Timestamp,
        applied: Timestamp,
    },
    /// The transition's own data is inconsistent (a period that does not follow, no trial days).
    #[error("invalid transition input: {0}")]
    Invalid(String),
}

/// Failure of a [`crate::BillingAdapter`] call.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The provider cannot be reached or timed out; answered 503 `billing_unavailable`.
    #[error("billing provider unavailable: {0}")]
    Unavailable(String),
    /// The provider does not know the customer, subscription or price.
    #[error("not found at the billing provider: {0}")]
    NotFound(String),
    /// The provider refused the request as malformed or inconsistent.
    #[error("refused by the billing provider: {0}")]
    Invalid(String),
    /// A payment was declined.
    #[error("payment declined: {0}")]
    Declined(String),
    /// Anything else; logged with the correlation id and answered 500.
    #[error("billing provider failed")]
    Unexpected(#[source] BoxError),
}

/// Failure of a billing repository.
#[derive(Debug, thiserror::Error)]
pub enum BillingStoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A version mismatch on save (someone else changed it first) or a duplicate insert.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("billing store failed")]
    Unexpected(#[source] BoxError),
}
