use thiserror::Error;

/// Why a [`crate::UsageLog`] operation failed.
///
/// A duplicate idempotency key is not an error: it is [`crate::AppendOutcome::Duplicate`].
#[derive(Debug, Error)]
pub enum UsageLogError {
    /// The event or query breaks a rule of the log (properties not an object, a counter delta
    /// without a window, an id reused by another key, an unknown cursor). Maps to 400.
    #[error("invalid usage: {0}")]
    Invalid(String),
    /// The backend cannot be reached right now; nothing was written. Maps to 503.
    #[error("usage log unavailable: {0}")]
    Unavailable(String),
    /// Anything else the adapter did not expect (a corrupt row, a driver bug).
    #[error("unexpected usage log failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl UsageLogError {
    /// Wraps a backend failure that callers may retry or fall back from.
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        Self::Unavailable(e.to_string())
    }

    /// Wraps an unexpected failure, keeping it as the error's source.
    pub fn unexpected(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unexpected(e.into())
    }
}
