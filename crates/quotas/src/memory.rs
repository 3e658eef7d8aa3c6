//! In-process counter and lease stores: the embedded default and the reference the other
//! backends are tested against. One mutex per store makes every call a single atomic step,
//! which is exact under any concurrency within one process (and only within one process:
//! several servers must share SQL or Redis).

use crate::{
    Consume, Consumption, CounterError, CounterKey, CounterStore, Fenced, FencedCounterStore,
    LeaseKey, LeaseOutcome, LeaseRequest, LeaseStore, apply_consume, check_load, same_customer,
};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use tollgate_kernel::CustomerId;
use tollgate_kernel::Timestamp;

/// A poisoned lock only means another thread panicked between two statements that leave the
/// map consistent (every mutation is a single insert or remove), so the data is still good.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    value: i64,
    resets_at: Option<Timestamp>,
}

/// Counters in a `HashMap` keyed by [`CounterKey::storage_key`].
#[derive(Debug, Default)]
pub struct MemoryCounterStore {
    counters: Mutex<HashMap<String, Counter>>,
}

impl MemoryCounterStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops counters of windows that reset at or before `now`; the memory store's substitute
    /// for a Redis TTL, called by the engine's window-reset job. Returns how many were dropped.
    pub fn purge_expired(&self, now: Timestamp) -> usize {
        let mut counters = lock(&self.counters);
        let before = counters.len();
        counters.retain(|_, c| c.resets_at.is_none_or(|r| r > now));
        before - counters.len()
    }

    fn value(map: &HashMap<String, Counter>, key: &CounterKey) -> i64 {
        map.get(&key.storage_key()).map_or(0, |c| c.value)
    }

    fn write(map: &mut HashMap<String, Counter>, key: &CounterKey, value: i64) {
        map.insert(
            key.storage_key(),
            Counter {
                value,
                resets_at: key.resets_at,
            },
        );
    }
}

#[async_trait::async_trait]
impl CounterStore for MemoryCounterStore {
    async fn try_consume(&self, req: &Consume) -> Result<Consumption, CounterError> {
        let mut counters = lock(&self.counters);
        let outcome = apply_consume(Self::value(&counters, &req.key), req)?;
        if outcome.applied != 0 {
            Self::write(&mut counters, &req.key, outcome.used);
        }
        Ok(outcome)
    }

    async fn release(&self, key: &CounterKey, amount: i64) -> Result<i64, CounterError> {
        if amount < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot release a negative amount ({amount}) of {}",
                key.storage_key()
            )));
        }
        let mut counters = lock(&self.counters);
        let used = Self::value(&counters, key).saturating_sub(amount).max(0);
        Self::write(&mut counters, key, used);
        Ok(used)
    }

    async fn get(&self, key: &CounterKey) -> Result<i64, CounterError> {
        Ok(Self::value(&lock(&self.counters), key))
    }

    async fn get_many(&self, keys: &[CounterKey]) -> Result<Vec<i64>, CounterError> {
        let counters = lock(&self.counters);
        Ok(keys.iter().map(|k| Self::value(&counters, k)).collect())
    }

    async fn set(&self, key: &CounterKey, value: i64) -> Result<(), CounterError> {
        if value < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot set {} to a negative value ({value})",
                key.storage_key()
            )));
        }
        Self::write(&mut lock(&self.counters), key, value);
        Ok(())
    }
}

/// Leases in a `HashMap` of lease sets (`lease_id → expires_at`) keyed by
/// [`LeaseKey::storage_key`]. Expired leases are reclaimed lazily, on the next `acquire`.
#[derive(Debug, Default)]
pub struct MemoryLeaseStore {
    leases: Mutex<HashMap<String, HashMap<String, Timestamp>>>,
}

impl MemoryLeaseStore {
    pub fn new() -> Self {
        Self::default()
    }
}

fn active_count(set: &HashMap<String, Timestamp>, now: Timestamp) -> i64 {
    let n = set.values().filter(|e| **e > now).count();
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl LeaseStore for MemoryLeaseStore {
    async fn acquire(&self, req: &LeaseRequest) -> Result<LeaseOutcome, CounterError> {
        req.validate()?;
        let mut leases = lock(&self.leases);
        let set = leases.entry(req.key.storage_key()).or_default();
        set.retain(|_, expires_at| *expires_at > req.now);
        let held = active_count(set, req.now);
        let renewing = set.contains_key(&req.lease_id);
        let acquired = renewing || req.limit.is_none_or(|l| held < l);
        if acquired {
            set.insert(req.lease_id.clone(), req.expires_at);
        }
        Ok(LeaseOutcome {
            acquired,
            held: active_count(set, req.now),
            earliest_expiry: set.values().min().copied(),
        })
    }

    async fn release(&self, key: &LeaseKey, lease_id: &str) -> Result<bool, CounterError> {
        let mut leases = lock(&self.leases);
        let storage_key = key.storage_key();
        let Some(set) = leases.get_mut(&storage_key) else {
            return Ok(false);
        };
        let removed = set.remove(lease_id).is_some();
        if set.is_empty() {
            leases.remove(&storage_key);
        }
        Ok(removed)
    }

    async fn held(&self, key: &LeaseKey, now: Timestamp) -> Result<i64, CounterError> {
        Ok(lock(&self.leases)
            .get(&key.storage_key())
            .map_or(0, |set| active_count(set, now)))
    }
}

#[derive(Debug, Default)]
struct FenceState {
    epochs: HashMap<CustomerId, i64>,
    /// Guards taken, per customer. They never expire here: the memory store lives as long as
    /// one process, and a guard is freed by `undo`.
    /// with the epoch each was taken in (a guard counts only under that epoch).
    guards: HashMap<CustomerId, HashMap<String, i64>>,
}

/// The in-process [`FencedCounterStore`]: the reference the Redis one is tested against, and
/// the fast store of engine tests. One mutex makes each call one atomic step.
#[derive(Debug, Default)]
pub struct MemoryFencedCounters {
    state: Mutex<FenceState>,
    counters: MemoryCounterStore,
}

impl MemoryFencedCounters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops every guard, as their lifetime running out in Redis would.
    pub fn expire_guards(&self) {
        lock(&self.state).guards.clear();
    }

    /// Forgets everything, as a restarted Redis without persistence would.
    pub fn wipe(&self) {
        let mut state = lock(&self.state);
        *state = FenceState::default();
        lock(&self.counters.counters).clear();
    }
}

fn guard_ok(guard: &str) -> Result<(), CounterError> {
    if guard.is_empty() {
        return Err(CounterError::Invalid("a guard must not be empty".into()));
    }
    Ok(())
}

#[async_trait::async_trait]
impl FencedCounterStore for MemoryFencedCounters {
    async fn ping(&self) -> Result<(), CounterError> {
        Ok(())
    }

    async fn epoch(&self, customer: &CustomerId) -> Result<Option<i64>, CounterError> {
        Ok(lock(&self.state).epochs.get(customer).copied())
    }

    async fn load(
        &self,
        customer: &CustomerId,
        epoch: i64,
        values: &[(CounterKey, i64)],
    ) -> Result<bool, CounterError> {
        check_load(customer, values)?;
        let mut state = lock(&self.state);
        if state.epochs.get(customer).is_some_and(|e| *e >= epoch) {
            return Ok(false);
        }
        let mut counters = lock(&self.counters.counters);
        for (key, value) in values {
            MemoryCounterStore::write(&mut counters, key, *value);
        }
        state.epochs.insert(customer.clone(), epoch);
        Ok(true)
    }

    async fn consume(
        &self,
        req: &Consume,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<Consumption>, CounterError> {
        guard_ok(guard)?;
        let mut state = lock(&self.state);
        let current = state.epochs.get(&req.key.customer).copied();
        if current != Some(epoch) {
            return Ok(Fenced::Stale(current));
        }
        if state
            .guards
            .get(&req.key.customer)
            .is_some_and(|g| g.get(guard) == Some(&epoch))
        {
            return Ok(Fenced::Repeated);
        }
        let mut counters = lock(&self.counters.counters);
        let outcome = apply_consume(MemoryCounterStore::value(&counters, &req.key), req)?;
        if outcome.applied != 0 {
            MemoryCounterStore::write(&mut counters, &req.key, outcome.used);
        }
        if outcome.accepted {
            state
                .guards
                .entry(req.key.customer.clone())
                .or_default()
                .insert(guard.to_owned(), epoch);
        }
        Ok(Fenced::Done(outcome))
    }

    async fn undo(
        &self,
        key: &CounterKey,
        applied: i64,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<()>, CounterError> {
        let mut state = lock(&self.state);
        // The guard is freed whatever the epoch: under a newer one the counters were rebuilt
        // without this consumption, and the event decided again must be able to consume.
        if let Some(g) = state.guards.get_mut(&key.customer)
            && g.get(guard) == Some(&epoch)
        {
            g.remove(guard);
        }
        let current = state.epochs.get(&key.customer).copied();
        if current != Some(epoch) {
            return Ok(Fenced::Stale(current));
        }
        let mut counters = lock(&self.counters.counters);
        let value = MemoryCounterStore::value(&counters, key);
        // `applied > 0` took units: give them back, floored at 0. `applied < 0` was a gauge
        // decrease: add it back, saturating.
        let restored = value.saturating_sub(applied).max(0);
        MemoryCounterStore::write(&mut counters, key, restored);
        Ok(Fenced::Done(()))
    }

    async fn read(
        &self,
        customer: &CustomerId,
        keys: &[CounterKey],
        epoch: i64,
    ) -> Result<Fenced<Vec<i64>>, CounterError> {
        same_customer(customer, keys)?;
        let state = lock(&self.state);
        let current = state.epochs.get(customer).copied();
        if current != Some(epoch) {
            return Ok(Fenced::Stale(current));
        }
        let counters = lock(&self.counters.counters);
        Ok(Fenced::Done(
            keys.iter()
                .map(|k| MemoryCounterStore::value(&counters, k))
                .collect(),
        ))
    }
}
