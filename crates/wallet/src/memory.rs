//! An in-memory [`WalletStore`]: one mutex around every ledger, so each debit's check and
//! append happen together. For tests, demos and developers embedding the crates.

use crate::balance::Purse;
use crate::{
    AppendEntry, Debit, DebitDecision, DebitOutcome, LedgerEntry, WalletError, WalletStore,
    plan_debit,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use tollgate_kernel::{Amount, CustomerId};

#[derive(Debug, Default)]
struct Inner {
    ledgers: HashMap<CustomerId, Vec<LedgerEntry>>,
    ids: HashSet<String>,
}

impl Inner {
    fn by_reference(&self, customer: &CustomerId, reference: &str) -> Option<&LedgerEntry> {
        self.ledgers
            .get(customer)?
            .iter()
            .find(|e| e.reference.as_deref() == Some(reference))
    }

    fn insert(&mut self, entry: LedgerEntry) -> Result<(), WalletError> {
        if !self.ids.insert(entry.id.clone()) {
            return Err(WalletError::Invalid(format!(
                "entry id {} is already used",
                entry.id
            )));
        }
        self.ledgers
            .entry(entry.customer.clone())
            .or_default()
            .push(entry);
        Ok(())
    }
}

/// Wallet ledgers held in process memory; lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryWalletStore {
    inner: Mutex<Inner>,
}

impl MemoryWalletStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A poisoned lock means another thread panicked; every write is one push after all
    /// checks, so the ledgers are still consistent.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl WalletStore for MemoryWalletStore {
    async fn append(&self, entry: LedgerEntry) -> Result<AppendEntry, WalletError> {
        entry.validate()?;
        let mut inner = self.lock();
        if let Some(reference) = &entry.reference
            && let Some(first) = inner.by_reference(&entry.customer, reference)
        {
            return Ok(AppendEntry::Duplicate(first.clone()));
        }
        inner.insert(entry.clone())?;
        Ok(AppendEntry::Inserted(entry))
    }

    async fn debit(&self, d: &Debit) -> Result<DebitOutcome, WalletError> {
        let mut inner = self.lock();
        let ledger = inner
            .ledgers
            .get(&d.customer)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (entry, duplicate) = match plan_debit(ledger, d)? {
            DebitDecision::Duplicate(first) => (first, true),
            DebitDecision::Append(entry) => {
                inner.insert(entry.clone())?;
                (entry, false)
            }
        };
        let ledger = inner
            .ledgers
            .get(&d.customer)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let currency = d.amount.currency;
        let balance = Purse::replay(ledger, currency, Some(d.at)).balance();
        Ok(DebitOutcome {
            entry,
            balance: Amount::new(currency, balance),
            duplicate,
        })
    }

    async fn entries(&self, customer: &CustomerId) -> Result<Vec<LedgerEntry>, WalletError> {
        let mut entries = self
            .lock()
            .ledgers
            .get(customer)
            .cloned()
            .unwrap_or_default();
        entries.sort_by(LedgerEntry::ledger_order);
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use std::sync::Arc;
    use tollgate_kernel::Currency;

    fn debit(cents: i64, reference: String) -> Debit {
        Debit {
            customer: acme(),
            amount: Amount::new(Currency::USD, tollgate_kernel::Decimal::new(cents, 2)),
            reference,
            at: ts(2, 0),
            allow_negative: false,
            description: String::new(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_debits_of_ten_cents_from_one_dollar_exactly_ten_succeed() {
        let store = Arc::new(MemoryWalletStore::new());
        store.append(grant("1.00", ts(1, 0), None)).await.unwrap();
        let tasks = (0..50).map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.debit(&debit(10, format!("r{i}"))).await })
        });
        let results = futures::future::join_all(tasks).await;
        let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
        assert_eq!(ok, 10);
        assert_eq!(store.entries(&acme()).await.unwrap().len(), 11);
        let b = store.balances(&acme(), ts(3, 0)).await.unwrap();
        assert_eq!(b, vec![Amount::new(Currency::USD, dec("0"))]);
    }

    #[tokio::test]
    async fn duplicate_debit_reports_the_first_entry_and_current_balance() {
        let store = MemoryWalletStore::new();
        store.append(grant("1.00", ts(1, 0), None)).await.unwrap();
        let first = store.debit(&debit(30, "usage:evt_1".into())).await.unwrap();
        assert!(!first.duplicate);
        assert_eq!(first.balance.amount, dec("0.70"));
        let again = store.debit(&debit(30, "usage:evt_1".into())).await.unwrap();
        assert!(again.duplicate);
        assert_eq!(again.entry, first.entry);
        assert_eq!(again.balance.amount, dec("0.70"));
    }

    #[tokio::test]
    async fn append_dedupes_by_reference_per_customer_and_refuses_reused_ids() {
        let store = MemoryWalletStore::new();
        let mut g = grant("1", ts(1, 0), None);
        g.reference = Some("grant:pro:start:0".into());
        assert!(!store.append(g.clone()).await.unwrap().is_duplicate());
        let mut again = grant("9", ts(1, 0), None);
        again.reference = g.reference.clone();
        assert_eq!(
            store.append(again).await.unwrap(),
            AppendEntry::Duplicate(g.clone())
        );
        let mut reused = grant("1", ts(1, 0), None);
        reused.id = g.id.clone();
        assert!(matches!(
            store.append(reused).await,
            Err(WalletError::Invalid(_))
        ));
        assert_eq!(store.entries(&acme()).await.unwrap(), vec![g]);
    }
}
