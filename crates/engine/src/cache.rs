//! A short-lived cache of customer contexts for the hot path (check, usage, leases,
//! entitlements), so a decision costs one counter round trip instead of the half-dozen store
//! reads that resolve a customer's entitlements.
//!
//! Exactness does not depend on it: counters are consumed atomically against the limit the
//! decision carries. What the cache bounds is how long a change made by *another* process (a
//! plan change, an override) takes to reach this one: at most the cache's lifetime. Changes
//! made through this engine clear it at once, because every change is journaled and the
//! journal port is wrapped by [`Invalidating`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tollgate_kernel::CustomerId;

use crate::audit::{AuditEntry, AuditQuery};
use crate::context::CustomerContext;
use crate::ports::{AuditError, AuditLog};

/// Entries kept at most; the whole cache is dropped when it is full (cheap, and rare).
const MAX_ENTRIES: usize = 100_000;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug)]
struct Entry {
    loaded: Instant,
    generation: u64,
    context: Arc<CustomerContext>,
}

/// Contexts by customer, valid for `ttl` and until the next journaled change.
#[derive(Debug, Default)]
pub(crate) struct ContextCache {
    /// Lifetime of an entry in milliseconds; 0 turns the cache off.
    ttl_ms: AtomicU64,
    generation: AtomicU64,
    entries: Mutex<HashMap<CustomerId, Entry>>,
}

impl ContextCache {
    pub fn set_ttl(&self, ttl: Duration) {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        self.ttl_ms.store(ms, Ordering::Release);
        self.invalidate();
    }

    fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms.load(Ordering::Acquire))
    }

    pub fn enabled(&self) -> bool {
        !self.ttl().is_zero()
    }

    /// The generation to load under: a context loaded while a change is journaled is stored
    /// with the older generation and never served.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, customer: &CustomerId) -> Option<Arc<CustomerContext>> {
        let entries = locked(&self.entries);
        let e = entries.get(customer)?;
        (e.generation == self.generation() && e.loaded.elapsed() < self.ttl())
            .then(|| e.context.clone())
    }

    pub fn put(&self, generation: u64, context: Arc<CustomerContext>) {
        let mut entries = locked(&self.entries);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            context.customer.id.clone(),
            Entry {
                loaded: Instant::now(),
                generation,
                context,
            },
        );
    }

    /// Forgets every context (a change was made).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        locked(&self.entries).clear();
    }
}

/// The journal port, clearing the context cache before each append: every change the engine
/// makes is journaled, so none is served stale from this process's cache.
pub(crate) struct Invalidating {
    pub inner: Arc<dyn AuditLog>,
    pub cache: Arc<ContextCache>,
}

#[async_trait]
impl AuditLog for Invalidating {
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), AuditError> {
        self.cache.invalidate();
        let r = self.inner.append(entries).await;
        // Once more after the write: a context loaded between the first clear and the write
        // may hold the state from before the change.
        self.cache.invalidate();
        r
    }

    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, AuditError> {
        self.inner.list(query).await
    }
}
