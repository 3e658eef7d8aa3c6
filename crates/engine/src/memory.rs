//! In-memory adapters for the engine's own ports, and [`Engine::in_memory`], which wires every
//! domain crate's in-memory adapter: the whole engine in one process, exact under concurrency.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tollgate_billing::BillingAdapter;
use tollgate_billing::memory::MemoryBillingStore;
use tollgate_kernel::{Clock, ClockControl, CustomerId, Timestamp};
use tollgate_plans::memory::MemoryCatalogStore;
use tollgate_pricing::memory::MemoryTokenPrices;
use tollgate_quotas::{
    Consumption, CounterKey, CounterStore, MemoryCounterStore, MemoryLeaseStore,
};
use tollgate_usage::{AppendOutcome, MemoryUsageLog, UsageLog, UsageQuery};
use tollgate_wallet::{MemoryWalletStore, WalletStore};

use crate::access::{
    AccessError, AccessStore, ApiKeyRecord, IdempotencyBegin, Member, StoredResponse,
};
use crate::audit::{AuditEntry, AuditQuery};
use crate::engine::{CounterMode, Engine, EngineDeps};
use crate::ports::{
    AuditError, AuditLog, BillingEventLog, BillingEventRecord, CommitError, CommitOutcome,
    CounterAuthority, CounterHome, CounterStep, EventLogError, EventStatus, Fence, UsageCommit,
    UsageRecorder, WebhookQuery,
};
use crate::usage::undo_consumption;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The audit journal in memory.
#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    entries: Mutex<Vec<AuditEntry>>,
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), AuditError> {
        locked(&self.entries).extend_from_slice(entries);
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, AuditError> {
        let entries = locked(&self.entries);
        Ok(entries
            .iter()
            .rev()
            .filter(|e| query.matches(e))
            .take(query.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }
}

/// The webhook log in memory; `claim` holds an in-flight set so one worker processes an event
/// at a time.
#[derive(Debug, Default)]
pub struct MemoryBillingEventLog {
    inner: Mutex<EventLogState>,
}

#[derive(Debug, Default)]
struct EventLogState {
    order: Vec<(String, String)>,
    records: HashMap<(String, String), BillingEventRecord>,
    in_flight: HashSet<(String, String)>,
}

#[async_trait]
impl BillingEventLog for MemoryBillingEventLog {
    async fn insert(&self, record: &BillingEventRecord) -> Result<bool, EventLogError> {
        let mut s = locked(&self.inner);
        let key = (record.provider.clone(), record.event_id.clone());
        if s.records.contains_key(&key) {
            return Ok(false);
        }
        s.order.push(key.clone());
        s.records.insert(key, record.clone());
        Ok(true)
    }

    async fn get(
        &self,
        provider: &str,
        event_id: &str,
    ) -> Result<Option<BillingEventRecord>, EventLogError> {
        Ok(locked(&self.inner)
            .records
            .get(&(provider.to_owned(), event_id.to_owned()))
            .cloned())
    }

    async fn claim(
        &self,
        provider: &str,
        event_id: &str,
        replay: bool,
    ) -> Result<Option<BillingEventRecord>, EventLogError> {
        let mut s = locked(&self.inner);
        let key = (provider.to_owned(), event_id.to_owned());
        if s.in_flight.contains(&key) {
            return Ok(None);
        }
        let Some(rec) = s.records.get_mut(&key) else {
            return Ok(None);
        };
        let claimable = match rec.status {
            EventStatus::Received => true,
            EventStatus::Failed => true,
            EventStatus::Processed | EventStatus::Ignored => replay,
        };
        if !claimable {
            return Ok(None);
        }
        rec.attempts += 1;
        let out = rec.clone();
        s.in_flight.insert(key);
        Ok(Some(out))
    }

    async fn finish(
        &self,
        provider: &str,
        event_id: &str,
        status: EventStatus,
        error: Option<String>,
        at: Timestamp,
    ) -> Result<(), EventLogError> {
        let mut s = locked(&self.inner);
        let key = (provider.to_owned(), event_id.to_owned());
        s.in_flight.remove(&key);
        if let Some(rec) = s.records.get_mut(&key) {
            rec.status = status;
            rec.error = error;
            rec.processed_at = Some(at);
        }
        Ok(())
    }

    async fn list(&self, query: &WebhookQuery) -> Result<Vec<BillingEventRecord>, EventLogError> {
        let s = locked(&self.inner);
        Ok(s.order
            .iter()
            .rev()
            .filter_map(|k| s.records.get(k))
            .filter(|r| query.provider.as_ref().is_none_or(|p| &r.provider == p))
            .filter(|r| query.status.is_none_or(|st| r.status == st))
            .filter(|r| query.event_type.as_ref().is_none_or(|t| &r.event_type == t))
            .take(query.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }
}

/// What the in-memory unit of work guards besides the stores it writes.
#[derive(Debug, Default)]
struct UnitState {
    /// The counter authority of each customer that has one.
    fences: HashMap<CustomerId, Fence>,
    /// Every counter a commit consumed, by customer and storage key: the memory counter store
    /// cannot list a customer's counters, so a rebuild starts from these.
    counted: HashMap<CustomerId, HashMap<String, CounterKey>>,
}

/// The usage unit of work over the in-memory log, counters, wallet and journal. One async lock
/// makes the steps a single atomic unit; a failure undoes the counter step. The same lock
/// guards the counter fences, so [`MemoryCounterAuthority::take_over`] and commits exclude
/// each other.
pub struct MemoryUsageRecorder {
    log: Arc<MemoryUsageLog>,
    counters: Arc<MemoryCounterStore>,
    wallet: Arc<MemoryWalletStore>,
    audit: Arc<MemoryAuditLog>,
    unit: Arc<tokio::sync::Mutex<UnitState>>,
}

impl std::fmt::Debug for MemoryUsageRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryUsageRecorder")
            .finish_non_exhaustive()
    }
}

impl MemoryUsageRecorder {
    pub fn new(
        log: Arc<MemoryUsageLog>,
        counters: Arc<MemoryCounterStore>,
        wallet: Arc<MemoryWalletStore>,
        audit: Arc<MemoryAuditLog>,
    ) -> Self {
        Self {
            log,
            counters,
            wallet,
            audit,
            unit: Arc::new(tokio::sync::Mutex::new(UnitState::default())),
        }
    }

    /// The counter authority whose fences this recorder honours (one shared state: any number
    /// of handles may be taken).
    pub fn authority(&self) -> MemoryCounterAuthority {
        MemoryCounterAuthority {
            log: self.log.clone(),
            counters: self.counters.clone(),
            unit: self.unit.clone(),
        }
    }
}

#[async_trait]
impl UsageRecorder for MemoryUsageRecorder {
    async fn commit(&self, commit: UsageCommit) -> Result<CommitOutcome, CommitError> {
        let mut unit = self.unit.lock().await;
        let unexpected = |e: Box<dyn std::error::Error + Send + Sync>| CommitError::Unexpected(e);
        if let Some(fence) = commit.fence {
            let current = unit.fences.get(&commit.event.customer).copied();
            if current != Some(fence) {
                return Err(CommitError::Fenced { current });
            }
        }
        if let Some(first) = self
            .log
            .find_by_key(&commit.event.customer, &commit.event.idempotency_key)
            .await
            .map_err(|e| unexpected(Box::new(e)))?
        {
            return Ok(CommitOutcome::Duplicate(first));
        }
        let (consumption, consumed_key): (Consumption, Option<CounterKey>) = match &commit.counter {
            CounterStep::Consume(c) => {
                let got = self.counters.try_consume(c).await?;
                if !got.accepted {
                    return Ok(CommitOutcome::Refused(got));
                }
                unit.counted
                    .entry(c.key.customer.clone())
                    .or_default()
                    .insert(c.key.storage_key(), c.key.clone());
                (got, Some(c.key.clone()))
            }
            CounterStep::Consumed(c) => (*c, None),
        };
        let (event, debit, audit) = commit.complete(&consumption);
        // Gives the counter step back when the unit does not write.
        let undo = || async {
            match &consumed_key {
                Some(key) => {
                    undo_consumption(self.counters.as_ref(), key, consumption.applied).await
                }
                None => Ok(()),
            }
        };
        // An event the log would refuse must not reach the wallet first.
        if let Err(e) = event.validate() {
            undo().await?;
            return Err(CommitError::Invalid(e.to_string()));
        }
        if let Some(d) = &debit
            && let Err(e) = self.wallet.debit(d).await
        {
            undo().await?;
            return Err(e.into());
        }
        match self.log.append(event).await {
            Ok(AppendOutcome::Inserted(event)) => {
                self.audit
                    .append(&audit)
                    .await
                    .map_err(|e| unexpected(Box::new(e)))?;
                Ok(CommitOutcome::Inserted { event, consumption })
            }
            Ok(AppendOutcome::Duplicate(first)) => {
                undo().await?;
                Ok(CommitOutcome::Duplicate(first))
            }
            Err(e) => {
                undo().await?;
                Err(unexpected(Box::new(e)))
            }
        }
    }
}

/// The counter authority of the in-memory engine: the fences live under the
/// [`MemoryUsageRecorder`]'s unit lock (get one with [`MemoryUsageRecorder::authority`]), so a
/// take-over waits for the commit in progress and every later commit sees the new fence.
///
/// A rebuild (`take_over` to [`CounterHome::Store`]) sets each counter of the customer that
/// has events, or that a commit consumed, or that is among the given keys, to the sum of its
/// events; counters written straight to the counter store outside those are not seen (the
/// memory store cannot list them).
pub struct MemoryCounterAuthority {
    log: Arc<MemoryUsageLog>,
    counters: Arc<MemoryCounterStore>,
    unit: Arc<tokio::sync::Mutex<UnitState>>,
}

impl std::fmt::Debug for MemoryCounterAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCounterAuthority")
            .finish_non_exhaustive()
    }
}

fn log_failure(e: tollgate_usage::UsageLogError) -> CommitError {
    CommitError::Unexpected(Box::new(e))
}

impl MemoryCounterAuthority {
    /// Sets every counter of `customer` the unit knows of to the sum of its events.
    async fn rebuild(
        &self,
        unit: &UnitState,
        customer: &CustomerId,
        keys: &[CounterKey],
    ) -> Result<(), CommitError> {
        // Known counters first (keeping their reset instants), all at 0 unless events say more.
        let mut known: HashMap<String, (CounterKey, i64)> = unit
            .counted
            .get(customer)
            .into_iter()
            .flat_map(|m| m.iter())
            .map(|(s, k)| (s.clone(), (k.clone(), 0)))
            .collect();
        for k in keys.iter().filter(|k| &k.customer == customer) {
            known
                .entry(k.storage_key())
                .or_insert_with(|| (k.clone(), 0));
        }
        for t in self
            .log
            .counter_totals(Some(customer))
            .await
            .map_err(log_failure)?
        {
            let key = CounterKey {
                customer: t.customer,
                feature: t.feature,
                window_key: t.window_key,
                resets_at: None,
            };
            known.entry(key.storage_key()).or_insert_with(|| (key, 0)).1 = t.total;
        }
        for (key, total) in known.into_values() {
            self.counters.set(&key, total.max(0)).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl CounterAuthority for MemoryCounterAuthority {
    async fn current(&self, customer: &CustomerId) -> Result<Option<Fence>, CommitError> {
        Ok(self.unit.lock().await.fences.get(customer).copied())
    }

    async fn take_over(
        &self,
        customer: &CustomerId,
        home: CounterHome,
        keys: &[CounterKey],
    ) -> Result<(Fence, Vec<i64>), CommitError> {
        let mut unit = self.unit.lock().await;
        let epoch = unit
            .fences
            .get(customer)
            .map_or(1, |f| f.epoch.saturating_add(1));
        let fence = Fence { home, epoch };
        if home == CounterHome::Store {
            self.rebuild(&unit, customer, keys).await?;
        }
        let mut totals = Vec::with_capacity(keys.len());
        for k in keys {
            totals.push(
                self.log
                    .window_total(&k.customer, &k.feature, &k.window_key)
                    .await
                    .map_err(log_failure)?,
            );
        }
        // Set last: a failure above leaves the old fence in place, as a rolled-back
        // transaction would.
        unit.fences.insert(customer.clone(), fence);
        Ok((fence, totals))
    }

    async fn customers(&self) -> Result<Vec<CustomerId>, CommitError> {
        let unit = self.unit.lock().await;
        let mut out: Vec<CustomerId> = unit.fences.keys().cloned().collect();
        let events = self
            .log
            .list(&UsageQuery::default())
            .await
            .map_err(log_failure)?;
        out.extend(events.into_iter().map(|e| e.customer));
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Keys, members, settings and idempotency records in memory.
#[derive(Debug, Default)]
pub struct MemoryAccessStore {
    inner: Mutex<AccessState>,
}

#[derive(Debug, Default)]
struct AccessState {
    keys: Vec<ApiKeyRecord>,
    members: Vec<Member>,
    settings: HashMap<String, serde_json::Value>,
    idempotency: HashMap<String, IdempotencyRecord>,
}

#[derive(Debug)]
struct IdempotencyRecord {
    request_hash: String,
    response: Option<StoredResponse>,
    created_at: Timestamp,
}

#[async_trait]
impl AccessStore for MemoryAccessStore {
    async fn insert_key(&self, key: &ApiKeyRecord) -> Result<(), AccessError> {
        let mut s = locked(&self.inner);
        if s.keys.iter().any(|k| k.id == key.id || k.hash == key.hash) {
            return Err(AccessError::Duplicate(format!("api key {}", key.id)));
        }
        s.keys.push(key.clone());
        Ok(())
    }

    async fn find_key(&self, hash: &str) -> Result<Option<ApiKeyRecord>, AccessError> {
        Ok(locked(&self.inner)
            .keys
            .iter()
            .find(|k| k.hash == hash)
            .cloned())
    }

    async fn list_keys(&self) -> Result<Vec<ApiKeyRecord>, AccessError> {
        Ok(locked(&self.inner).keys.clone())
    }

    async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<bool, AccessError> {
        let mut s = locked(&self.inner);
        match s
            .keys
            .iter_mut()
            .find(|k| k.id == id && k.revoked_at.is_none())
        {
            Some(k) => {
                k.revoked_at = Some(at);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn put_member(&self, member: &Member) -> Result<(), AccessError> {
        let mut s = locked(&self.inner);
        match s
            .members
            .iter_mut()
            .find(|m| m.customer == member.customer && m.user_id == member.user_id)
        {
            Some(m) => m.role = member.role,
            None => s.members.push(member.clone()),
        }
        Ok(())
    }

    async fn members(&self, customer: &CustomerId) -> Result<Vec<Member>, AccessError> {
        Ok(locked(&self.inner)
            .members
            .iter()
            .filter(|m| &m.customer == customer)
            .cloned()
            .collect())
    }

    async fn get_setting(&self, name: &str) -> Result<Option<serde_json::Value>, AccessError> {
        Ok(locked(&self.inner).settings.get(name).cloned())
    }

    async fn put_setting(&self, name: &str, value: &serde_json::Value) -> Result<(), AccessError> {
        locked(&self.inner)
            .settings
            .insert(name.to_owned(), value.clone());
        Ok(())
    }

    async fn idempotency_begin(
        &self,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<IdempotencyBegin, AccessError> {
        let mut s = locked(&self.inner);
        let fresh = || IdempotencyRecord {
            request_hash: request_hash.to_owned(),
            response: None,
            created_at: now,
        };
        match s.idempotency.get_mut(key) {
            None => {
                s.idempotency.insert(key.to_owned(), fresh());
                Ok(IdempotencyBegin::Started)
            }
            Some(r) => match &r.response {
                Some(response) => Ok(IdempotencyBegin::Done {
                    request_hash: r.request_hash.clone(),
                    response: response.clone(),
                }),
                None if now - r.created_at > stale_after && r.request_hash == request_hash => {
                    *r = fresh();
                    Ok(IdempotencyBegin::Started)
                }
                None => Ok(IdempotencyBegin::InProgress {
                    request_hash: r.request_hash.clone(),
                }),
            },
        }
    }

    async fn idempotency_finish(
        &self,
        key: &str,
        reserved_at: Timestamp,
        response: &StoredResponse,
        _now: Timestamp,
    ) -> Result<(), AccessError> {
        if let Some(r) = locked(&self.inner).idempotency.get_mut(key)
            && r.response.is_none()
            && r.created_at == reserved_at
        {
            r.response = Some(response.clone());
        }
        Ok(())
    }

    async fn idempotency_abandon(
        &self,
        key: &str,
        reserved_at: Timestamp,
    ) -> Result<(), AccessError> {
        let mut s = locked(&self.inner);
        if s.idempotency
            .get(key)
            .is_some_and(|r| r.response.is_none() && r.created_at == reserved_at)
        {
            s.idempotency.remove(key);
        }
        Ok(())
    }

    async fn idempotency_purge(&self, before: Timestamp) -> Result<u64, AccessError> {
        let mut s = locked(&self.inner);
        let was = s.idempotency.len();
        s.idempotency.retain(|_, r| r.created_at >= before);
        Ok(u64::try_from(was - s.idempotency.len()).unwrap_or(u64::MAX))
    }

    async fn put_setting_if_absent(
        &self,
        name: &str,
        value: &serde_json::Value,
    ) -> Result<serde_json::Value, AccessError> {
        Ok(locked(&self.inner)
            .settings
            .entry(name.to_owned())
            .or_insert_with(|| value.clone())
            .clone())
    }
}

/// The in-memory adapters behind an [`Engine::in_memory`], kept so tests can look inside.
#[derive(Debug, Clone)]
pub struct MemoryStores {
    pub catalog: Arc<MemoryCatalogStore>,
    pub billing: Arc<MemoryBillingStore>,
    pub counters: Arc<MemoryCounterStore>,
    pub leases: Arc<MemoryLeaseStore>,
    pub usage: Arc<MemoryUsageLog>,
    pub wallet: Arc<MemoryWalletStore>,
    pub token_prices: Arc<MemoryTokenPrices>,
    pub audit: Arc<MemoryAuditLog>,
    pub events: Arc<MemoryBillingEventLog>,
    /// The counter authority whose fences the engine's recorder honours.
    pub authority: Arc<MemoryCounterAuthority>,
}

impl Engine {
    /// An engine on in-memory adapters, with `billing` as the provider.
    pub fn in_memory(
        clock: Arc<dyn Clock>,
        clock_control: Option<Arc<dyn ClockControl>>,
        billing: Arc<dyn BillingAdapter>,
    ) -> (Engine, MemoryStores) {
        let usage = Arc::new(MemoryUsageLog::default());
        let counters = Arc::new(MemoryCounterStore::default());
        let wallet = Arc::new(MemoryWalletStore::default());
        let audit = Arc::new(MemoryAuditLog::default());
        let recorder = MemoryUsageRecorder::new(
            usage.clone(),
            counters.clone(),
            wallet.clone(),
            audit.clone(),
        );
        let stores = MemoryStores {
            catalog: Arc::new(MemoryCatalogStore::default()),
            billing: Arc::new(MemoryBillingStore::default()),
            counters,
            leases: Arc::new(MemoryLeaseStore::default()),
            usage,
            wallet,
            token_prices: Arc::new(MemoryTokenPrices::default()),
            audit,
            events: Arc::new(MemoryBillingEventLog::default()),
            authority: Arc::new(recorder.authority()),
        };
        let engine = Engine::new(EngineDeps {
            clock,
            clock_control,
            features: stores.catalog.clone(),
            plans: stores.catalog.clone(),
            overrides: stores.catalog.clone(),
            customers: stores.billing.clone(),
            subscriptions: stores.billing.clone(),
            invoices: stores.billing.clone(),
            counters: stores.counters.clone(),
            counter_mode: CounterMode::InCommit,
            leases: stores.leases.clone(),
            usage_log: stores.usage.clone(),
            recorder: Arc::new(recorder),
            wallet: stores.wallet.clone(),
            token_prices: stores.token_prices.clone(),
            billing,
            audit: stores.audit.clone(),
            events: stores.events.clone(),
            reconciler: None,
        });
        (engine, stores)
    }
}

/// [`crate::MeterReportLog`] in memory.
#[derive(Debug, Default)]
pub struct MemoryMeterReports {
    rows: Mutex<std::collections::BTreeMap<String, (CustomerId, i64, Timestamp)>>,
}

#[async_trait::async_trait]
impl crate::MeterReportLog for MemoryMeterReports {
    async fn reported(
        &self,
        event_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, crate::EventLogError> {
        let rows = self
            .rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(event_ids
            .iter()
            .filter(|id| rows.contains_key(*id))
            .cloned()
            .collect())
    }

    async fn record(
        &self,
        event_id: &str,
        customer: &CustomerId,
        quantity: i64,
        at: Timestamp,
    ) -> Result<(), crate::EventLogError> {
        self.rows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(event_id.to_owned())
            .or_insert((customer.clone(), quantity, at));
        Ok(())
    }
}
