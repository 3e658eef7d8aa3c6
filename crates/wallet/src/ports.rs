//! The `WalletStore` port: where ledgers are kept.

use crate::{AppendEntry, Debit, DebitOutcome, LedgerEntry, WalletError, balances};
use tollgate_kernel::{Amount, CustomerId, Timestamp};

/// Per-customer credit ledgers, append-only, unique on `(customer, reference)` when a
/// reference is present. The engine holds an `Arc<dyn WalletStore>`.
///
/// # Errors
/// Every method may fail with [`WalletError::Unavailable`] (nothing written) or
/// [`WalletError::Unexpected`]; the others are named per method.
#[async_trait::async_trait]
pub trait WalletStore: Send + Sync {
    /// Appends an entry as is (grants, adjustments, expiry records). No balance check: an
    /// operator's negative adjustment may take a balance below zero; spending goes through
    /// [`WalletStore::debit`].
    ///
    /// # Errors
    /// [`WalletError::Invalid`] when [`LedgerEntry::validate`] fails or the id is taken.
    async fn append(&self, entry: LedgerEntry) -> Result<AppendEntry, WalletError>;

    /// Checks and appends a debit atomically, as decided by [`crate::plan_debit`]: concurrent
    /// debits never spend the same credits twice. A repeated reference answers with the first
    /// entry (`duplicate: true`) and debits nothing.
    ///
    /// # Errors
    /// [`WalletError::InsufficientCredits`] (nothing written) and [`WalletError::Invalid`], as
    /// [`crate::plan_debit`].
    async fn debit(&self, d: &Debit) -> Result<DebitOutcome, WalletError>;

    /// The customer's ledger in `(created_at, id)` order; empty for an unknown customer.
    async fn entries(&self, customer: &CustomerId) -> Result<Vec<LedgerEntry>, WalletError>;

    /// [`balances`] of the customer's ledger at `at`.
    async fn balances(
        &self,
        customer: &CustomerId,
        at: Timestamp,
    ) -> Result<Vec<Amount>, WalletError> {
        let entries = self.entries(customer).await?;
        Ok(balances(&entries, at))
    }
}
