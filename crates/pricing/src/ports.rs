//! Ports of the pricing context.

use crate::{TokenPrice, TokenPriceStoreError};

/// Where the operator's token prices live (`GET/PUT /v1/admin/token-prices`).
#[async_trait::async_trait]
pub trait TokenPriceRepository: Send + Sync {
    /// Every stored price, ordered by provider, then model.
    ///
    /// # Errors
    /// [`TokenPriceStoreError::Unexpected`] when the backend fails.
    async fn list(&self) -> Result<Vec<TokenPrice>, TokenPriceStoreError>;

    /// Replaces the whole list atomically: afterwards `list` returns exactly `prices`. An
    /// invalid list writes nothing.
    ///
    /// # Errors
    /// - [`TokenPriceStoreError::Invalid`] for an invalid price or a provider and model listed
    ///   twice (checked with [`crate::TokenPriceTable::new`]).
    /// - [`TokenPriceStoreError::Unexpected`] when the backend fails.
    async fn replace_all(&self, prices: &[TokenPrice]) -> Result<(), TokenPriceStoreError>;
}
