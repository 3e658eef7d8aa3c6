//! In-memory adapters: for tests, demo mode and developers embedding the crate.

use crate::{TokenPrice, TokenPriceRepository, TokenPriceStoreError, TokenPriceTable};
use std::sync::Mutex;

/// Token prices held in a mutex; `replace_all` swaps the whole table at once.
#[derive(Debug, Default)]
pub struct MemoryTokenPrices {
    table: Mutex<TokenPriceTable>,
}

impl MemoryTokenPrices {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl TokenPriceRepository for MemoryTokenPrices {
    async fn list(&self) -> Result<Vec<TokenPrice>, TokenPriceStoreError> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        Ok(table.prices().cloned().collect())
    }

    async fn replace_all(&self, prices: &[TokenPrice]) -> Result<(), TokenPriceStoreError> {
        let next = TokenPriceTable::new(prices.iter().cloned())?;
        *self.table.lock().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(())
    }
}

#[cfg(all(test, feature = "conformance"))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn memory_token_prices_pass_the_conformance_suite() {
        crate::conformance::token_prices(Arc::new(MemoryTokenPrices::new())).await;
    }
}
