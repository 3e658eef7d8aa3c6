//! An in-memory [`UsageLog`]: exact under concurrency (one mutex guards the check and the
//! insert together), for tests, demos and developers embedding the crates.

use crate::{AppendOutcome, UsageEvent, UsageLog, UsageLogError, UsageQuery};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use tollgate_kernel::{CustomerId, IdempotencyKey};

#[derive(Debug, Default)]
struct Inner {
    /// In insertion order; never modified or removed.
    events: Vec<UsageEvent>,
    by_key: HashMap<(CustomerId, IdempotencyKey), usize>,
    by_id: HashMap<String, usize>,
}

/// Usage events held in process memory; lost when the process ends.
#[derive(Debug, Default)]
pub struct MemoryUsageLog {
    inner: Mutex<Inner>,
}

impl MemoryUsageLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A poisoned lock only means another thread panicked mid-test; the data is append-only
    /// and each insert is a few infallible pushes, so it is still consistent.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of stored events.
    pub fn len(&self) -> usize {
        self.lock().events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait::async_trait]
impl UsageLog for MemoryUsageLog {
    async fn append(&self, event: UsageEvent) -> Result<AppendOutcome, UsageLogError> {
        event.validate()?;
        let mut inner = self.lock();
        let key = (event.customer.clone(), event.idempotency_key.clone());
        if let Some(first) = inner.by_key.get(&key).and_then(|i| inner.events.get(*i)) {
            return Ok(AppendOutcome::Duplicate(first.clone()));
        }
        if inner.by_id.contains_key(&event.id) {
            return Err(UsageLogError::Invalid(format!(
                "event id {} is already used by another event",
                event.id
            )));
        }
        let index = inner.events.len();
        inner.by_key.insert(key, index);
        inner.by_id.insert(event.id.clone(), index);
        inner.events.push(event.clone());
        Ok(AppendOutcome::Inserted(event))
    }

    async fn find_by_key(
        &self,
        customer: &CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<UsageEvent>, UsageLogError> {
        let inner = self.lock();
        Ok(inner
            .by_key
            .get(&(customer.clone(), key.clone()))
            .and_then(|i| inner.events.get(*i))
            .cloned())
    }

    async fn get(&self, id: &str) -> Result<Option<UsageEvent>, UsageLogError> {
        let inner = self.lock();
        Ok(inner
            .by_id
            .get(id)
            .and_then(|i| inner.events.get(*i))
            .cloned())
    }

    async fn list(&self, q: &UsageQuery) -> Result<Vec<UsageEvent>, UsageLogError> {
        q.select(&self.lock().events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn duplicate_returns_the_first_and_stores_nothing() {
        let log = MemoryUsageLog::new();
        let first = event("acme", "api_calls", 1, ts(1, 0));
        let mut retry = first.clone();
        retry.id = tollgate_kernel::new_id("evt");
        retry.quantity = 99;
        assert!(matches!(
            log.append(first.clone()).await.unwrap(),
            AppendOutcome::Inserted(_)
        ));
        assert_eq!(
            log.append(retry).await.unwrap(),
            AppendOutcome::Duplicate(first)
        );
        assert_eq!(log.len(), 1);
    }

    #[tokio::test]
    async fn reused_id_and_invalid_events_are_refused() {
        let log = MemoryUsageLog::new();
        let e = event("acme", "api_calls", 1, ts(1, 0));
        log.append(e.clone()).await.unwrap();
        let mut other = event("acme", "api_calls", 1, ts(1, 0));
        other.id = e.id.clone();
        assert!(matches!(
            log.append(other).await,
            Err(UsageLogError::Invalid(_))
        ));
        let mut bad = event("acme", "api_calls", 1, ts(1, 0));
        bad.properties = serde_json::json!("x");
        assert!(log.append(bad).await.is_err());
        assert_eq!(log.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_appends_of_one_key_store_one_event() {
        let log = Arc::new(MemoryUsageLog::new());
        let template = event("acme", "api_calls", 1, ts(1, 0));
        let tasks = (0..32).map(|_| {
            let log = Arc::clone(&log);
            let mut e = template.clone();
            e.id = tollgate_kernel::new_id("evt");
            tokio::spawn(async move { log.append(e).await.unwrap() })
        });
        let outcomes: Vec<AppendOutcome> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let inserted: Vec<&UsageEvent> = outcomes
            .iter()
            .filter(|o| !o.is_duplicate())
            .map(AppendOutcome::event)
            .collect();
        assert_eq!(inserted.len(), 1);
        assert!(outcomes.iter().all(|o| o.event() == inserted[0]));
        assert_eq!(log.len(), 1);
    }
}
