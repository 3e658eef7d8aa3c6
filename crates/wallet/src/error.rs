use thiserror::Error;
use tollgate_kernel::{Currency, Decimal};

/// Why a [`crate::WalletStore`] operation failed. A repeated reference is not an error: it is
/// answered with the first entry.
#[derive(Debug, Error)]
pub enum WalletError {
    /// The debit would take the balance below zero (or deeper into a debt) and the caller did
    /// not allow that; nothing was written. Maps to 402 `insufficient_credits`.
    #[error("insufficient credits: balance {balance} {currency}, needed {needed} {currency}")]
    InsufficientCredits {
        currency: Currency,
        /// The available balance at the debit's instant, before it.
        balance: Decimal,
        needed: Decimal,
    },
    /// The entry or debit breaks a ledger rule (sign of the amount for its kind, expiry on a
    /// non-grant, empty reference, an id reused). Nothing was written. Maps to 400.
    #[error("invalid wallet operation: {0}")]
    Invalid(String),
    /// The backend cannot be reached right now; nothing was written. Maps to 503.
    #[error("wallet store unavailable: {0}")]
    Unavailable(String),
    /// Anything else the adapter did not expect.
    #[error("unexpected wallet store failure")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl WalletError {
    pub fn unavailable(e: impl std::fmt::Display) -> Self {
        Self::Unavailable(e.to_string())
    }

    pub fn unexpected(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unexpected(e.into())
    }
}
