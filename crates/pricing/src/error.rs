use tollgate_kernel::{Currency, Period, Timestamp};

/// Why a price could not be defined or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// A price model breaks its rules (tiers not ascending, negative amounts, package size 0).
    #[error("invalid price model: {0}")]
    InvalidModel(String),
    /// A token price has an empty provider or model, or a negative or absurd price.
    #[error("invalid token price: {0}")]
    InvalidTokenPrice(String),
    /// A usage event's token properties are present but not non-negative integers.
    #[error("invalid token usage: {0}")]
    InvalidTokenUsage(String),
    /// Two amounts that must share a currency do not.
    #[error("currency mismatch: expected {expected}, got {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    /// A proration was asked for an instant outside the period it prorates.
    #[error("{at} is outside the period {} .. {}", period.start, period.end)]
    OutsidePeriod { at: Timestamp, period: Period },
    /// A price to prorate is negative (credits are computed here, never passed in).
    #[error("price must not be negative: {0}")]
    NegativePrice(String),
    /// The result does not fit in the number types (more than ~10^28 major units).
    #[error("amount overflows")]
    Overflow,
}

/// Failure of a [`crate::TokenPriceRepository`].
#[derive(Debug, thiserror::Error)]
pub enum TokenPriceStoreError {
    /// The list to store is invalid (a bad price, or the same provider and model twice).
    #[error("invalid token prices: {0}")]
    Invalid(#[from] PricingError),
    /// The backend failed; adapters put the infrastructure error here.
    #[error("token price store failed")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}
