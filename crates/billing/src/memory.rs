//! In-memory repositories (a `std::sync::Mutex` each): for tests, demo mode and embedding.

use crate::{
    BillingStoreError, Customer, CustomerRepository, Invoice, InvoiceRepository, Subscription,
    SubscriptionRepository,
};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use tollgate_kernel::{CustomerId, Timestamp};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a map half-written: every write is one insert.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Default)]
pub struct MemoryCustomers {
    rows: Mutex<BTreeMap<CustomerId, Customer>>,
}

impl MemoryCustomers {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl CustomerRepository for MemoryCustomers {
    async fn insert(&self, c: &Customer) -> Result<Customer, BillingStoreError> {
        Ok(lock(&self.rows)
            .entry(c.id.clone())
            .or_insert_with(|| c.clone())
            .clone())
    }

    async fn get(&self, id: &CustomerId) -> Result<Option<Customer>, BillingStoreError> {
        Ok(lock(&self.rows).get(id).cloned())
    }

    async fn list(&self) -> Result<Vec<Customer>, BillingStoreError> {
        Ok(lock(&self.rows).values().cloned().collect())
    }

    async fn update(&self, c: &Customer) -> Result<(), BillingStoreError> {
        match lock(&self.rows).get_mut(&c.id) {
            Some(row) => {
                *row = c.clone();
                Ok(())
            }
            None => Err(BillingStoreError::NotFound(format!("customer {}", c.id))),
        }
    }

    async fn find_by_provider_customer(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingStoreError> {
        Ok(lock(&self.rows)
            .values()
            .find(|c| c.provider_customer_id.as_deref() == Some(provider_customer_id))
            .cloned())
    }
}

#[derive(Debug, Default)]
pub struct MemorySubscriptions {
    rows: Mutex<BTreeMap<CustomerId, Subscription>>,
}

impl MemorySubscriptions {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl SubscriptionRepository for MemorySubscriptions {
    async fn get(&self, customer: &CustomerId) -> Result<Option<Subscription>, BillingStoreError> {
        Ok(lock(&self.rows).get(customer).cloned())
    }

    async fn save(
        &self,
        s: &Subscription,
        expected_version: Option<i64>,
    ) -> Result<(), BillingStoreError> {
        let mut rows = lock(&self.rows);
        match (rows.get(&s.customer), expected_version) {
            (Some(_), None) => {
                return Err(BillingStoreError::Conflict(format!(
                    "customer {} already has a subscription",
                    s.customer
                )));
            }
            (None, Some(_)) => {
                return Err(BillingStoreError::NotFound(format!(
                    "subscription of {}",
                    s.customer
                )));
            }
            (Some(stored), Some(v)) if stored.version != v => {
                return Err(BillingStoreError::Conflict(format!(
                    "subscription of {} is at version {}, not {v}",
                    s.customer, stored.version
                )));
            }
            _ => {}
        }
        rows.insert(s.customer.clone(), s.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Subscription>, BillingStoreError> {
        Ok(lock(&self.rows).values().cloned().collect())
    }

    async fn due_before(&self, at: Timestamp) -> Result<Vec<Subscription>, BillingStoreError> {
        let mut due: Vec<(Timestamp, Subscription)> = lock(&self.rows)
            .values()
            .filter_map(|s| s.next_due_at().filter(|d| *d <= at).map(|d| (d, s.clone())))
            .collect();
        due.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.customer.cmp(&b.1.customer)));
        Ok(due.into_iter().map(|(_, s)| s).collect())
    }

    async fn find_by_provider_id(
        &self,
        provider_subscription_id: &str,
    ) -> Result<Option<Subscription>, BillingStoreError> {
        Ok(lock(&self.rows)
            .values()
            .find(|s| s.provider_subscription_id.as_deref() == Some(provider_subscription_id))
            .cloned())
    }
}

#[derive(Debug, Default)]
pub struct MemoryInvoices {
    rows: Mutex<BTreeMap<String, Invoice>>,
}

impl MemoryInvoices {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl InvoiceRepository for MemoryInvoices {
    async fn upsert(&self, i: &Invoice) -> Result<(), BillingStoreError> {
        lock(&self.rows).insert(i.id.clone(), i.clone());
        Ok(())
    }

    async fn list(&self, customer: &CustomerId) -> Result<Vec<Invoice>, BillingStoreError> {
        let mut list: Vec<Invoice> = lock(&self.rows)
            .values()
            .filter(|i| &i.customer == customer)
            .cloned()
            .collect();
        list.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(list)
    }
}

/// All three billing repositories in one value, for wiring that wants a single store
/// (`Arc<MemoryBillingStore>` coerces to each `Arc<dyn …Repository>`).
#[derive(Debug, Default)]
pub struct MemoryBillingStore {
    pub customers: MemoryCustomers,
    pub subscriptions: MemorySubscriptions,
    pub invoices: MemoryInvoices,
}

impl MemoryBillingStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl CustomerRepository for MemoryBillingStore {
    async fn insert(&self, c: &Customer) -> Result<Customer, BillingStoreError> {
        self.customers.insert(c).await
    }

    async fn get(&self, id: &CustomerId) -> Result<Option<Customer>, BillingStoreError> {
        CustomerRepository::get(&self.customers, id).await
    }

    async fn list(&self) -> Result<Vec<Customer>, BillingStoreError> {
        CustomerRepository::list(&self.customers).await
    }

    async fn update(&self, c: &Customer) -> Result<(), BillingStoreError> {
        self.customers.update(c).await
    }

    async fn find_by_provider_customer(
        &self,
        provider_customer_id: &str,
    ) -> Result<Option<Customer>, BillingStoreError> {
        self.customers
            .find_by_provider_customer(provider_customer_id)
            .await
    }
}

#[async_trait::async_trait]
impl SubscriptionRepository for MemoryBillingStore {
    async fn get(&self, customer: &CustomerId) -> Result<Option<Subscription>, BillingStoreError> {
        SubscriptionRepository::get(&self.subscriptions, customer).await
    }

    async fn save(
        &self,
        s: &Subscription,
        expected_version: Option<i64>,
    ) -> Result<(), BillingStoreError> {
        self.subscriptions.save(s, expected_version).await
    }

    async fn list(&self) -> Result<Vec<Subscription>, BillingStoreError> {
        SubscriptionRepository::list(&self.subscriptions).await
    }

    async fn due_before(&self, at: Timestamp) -> Result<Vec<Subscription>, BillingStoreError> {
        self.subscriptions.due_before(at).await
    }

    async fn find_by_provider_id(
        &self,
        provider_subscription_id: &str,
    ) -> Result<Option<Subscription>, BillingStoreError> {
        self.subscriptions
            .find_by_provider_id(provider_subscription_id)
            .await
    }
}

#[async_trait::async_trait]
impl InvoiceRepository for MemoryBillingStore {
    async fn upsert(&self, i: &Invoice) -> Result<(), BillingStoreError> {
        self.invoices.upsert(i).await
    }

    async fn list(&self, customer: &CustomerId) -> Result<Vec<Invoice>, BillingStoreError> {
        InvoiceRepository::list(&self.invoices, customer).await
    }
}

#[cfg(all(test, feature = "conformance"))]
mod tests {
    use super::*;
    use crate::conformance;
    use std::sync::Arc;

    #[tokio::test]
    async fn memory_customers_conform() {
        conformance::customers(Arc::new(MemoryCustomers::new())).await;
    }

    #[tokio::test]
    async fn memory_subscriptions_conform() {
        conformance::subscriptions(Arc::new(MemorySubscriptions::new())).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_subscriptions_allow_one_concurrent_writer() {
        conformance::concurrent_saves(Arc::new(MemorySubscriptions::new())).await;
    }

    #[tokio::test]
    async fn memory_invoices_conform() {
        conformance::invoices(Arc::new(MemoryInvoices::new())).await;
    }

    #[tokio::test]
    async fn the_combined_store_conforms_as_each_repository() {
        let store = Arc::new(MemoryBillingStore::new());
        conformance::customers(store.clone()).await;
        conformance::subscriptions(store.clone()).await;
        conformance::invoices(store).await;
    }
}
