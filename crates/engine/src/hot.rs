//! The Redis hot path: quota counters and leases on a fast external store, the usage log in the
//! durable store, and the failover between them.
//!
//! Per customer, the durable store records which store is the authority over the customer's
//! counters and under which epoch ([`CounterAuthority`]). Each process keeps what it last saw
//! (its *belief*) and decides under it:
//!
//! - **External** (the fast store is up): consume there first — one atomic script that checks
//!   the epoch, the idempotency guard and the limit — then commit the event durably with the
//!   fence `(External, epoch)`. A commit whose fence is no longer current is refused by the
//!   durable store, its consumption is undone (epoch-checked) and the decision is made again.
//! - **Store** (the fast store is unreachable): take the authority over to the durable store
//!   (which rebuilds its counters from the log in the same transaction) and consume inside the
//!   usage transaction, as a single-store deployment does.
//! - **Back to External** when the fast store answers again, customer by customer on first use:
//!   take the authority back (new epoch), compute the counters from the log, load them, then
//!   consume. A fast store that lost its data (restart without persistence) has no epoch for
//!   the customer and is rebuilt the same way.
//!
//! Moving the authority waits for the commits fenced on the previous epoch and refuses the
//! later ones, so no consumption is ever counted in both stores or in neither: no window of
//! overshoot or double counting during either switch, across any number of processes.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Duration;
use serde::Serialize;
use tollgate_kernel::{CustomerId, FeatureKind, Timestamp, Window};
use tollgate_quotas::{CounterError, CounterKey, Fenced, FencedCounterStore, LeaseStore};

use crate::context::CustomerContext;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ports::{CounterAuthority, CounterHome, Fence};

/// How many times a decision is made again after the authority moved under it.
pub(crate) const MAX_ATTEMPTS: usize = 8;

/// Locks that serialize authority moves, by customer hash.
const MOVE_STRIPES: usize = 64;

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the hot path has done since the process started (metrics and `/readyz`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HotPathStats {
    /// Whether the fast store is in use (false: degraded to the durable store).
    pub up: bool,
    /// Times the fast store was found unreachable and the process fell back.
    pub failovers: u64,
    /// Times it answered again after a failover.
    pub recoveries: u64,
    /// Customers whose counters were rebuilt from the log and loaded into the fast store.
    pub rebuilds: u64,
    /// Customers whose counters were taken over by the durable store.
    pub fallbacks: u64,
    /// Commits refused because the authority moved while they were decided (then redone).
    pub fenced: u64,
}

/// The fast counter and lease stores, the durable authority, and this process's view of both.
pub struct HotPath {
    fast: Arc<dyn FencedCounterStore>,
    leases: Arc<dyn LeaseStore>,
    authority: Arc<dyn CounterAuthority>,
    up: AtomicBool,
    beliefs: Mutex<HashMap<CustomerId, Fence>>,
    /// Authority moves of one customer are made one at a time in a process: the tasks that
    /// find the same stale belief wait for the first one's move instead of each making its own.
    moves: Vec<tokio::sync::Mutex<()>>,
    failovers: AtomicU64,
    recoveries: AtomicU64,
    rebuilds: AtomicU64,
    fallbacks: AtomicU64,
    fenced: AtomicU64,
}

impl std::fmt::Debug for HotPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotPath")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl HotPath {
    pub fn new(
        fast: Arc<dyn FencedCounterStore>,
        leases: Arc<dyn LeaseStore>,
        authority: Arc<dyn CounterAuthority>,
    ) -> Self {
        Self {
            fast,
            leases,
            authority,
            up: AtomicBool::new(true),
            beliefs: Mutex::new(HashMap::new()),
            moves: (0..MOVE_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            failovers: AtomicU64::new(0),
            recoveries: AtomicU64::new(0),
            rebuilds: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            fenced: AtomicU64::new(0),
        }
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> HotPathStats {
        HotPathStats {
            up: self.is_up(),
            failovers: self.failovers.load(Ordering::Relaxed),
            recoveries: self.recoveries.load(Ordering::Relaxed),
            rebuilds: self.rebuilds.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
            fenced: self.fenced.load(Ordering::Relaxed),
        }
    }

    pub fn fast(&self) -> &Arc<dyn FencedCounterStore> {
        &self.fast
    }

    pub fn authority(&self) -> &Arc<dyn CounterAuthority> {
        &self.authority
    }

    /// Stops using the fast store until [`Self::probe`] finds it again.
    pub(crate) fn mark_down(&self, err: &CounterError) {
        if self.up.swap(false, Ordering::AcqRel) {
            self.failovers.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %err, "counter store unreachable: counters move to the database");
        }
    }

    /// Pings the fast store; when it answers after a failover, it is used again (each
    /// customer's counters are rebuilt from the log on first use). Returns whether it is up.
    pub async fn probe(&self) -> bool {
        match self.fast.ping().await {
            Ok(()) => {
                if !self.up.swap(true, Ordering::AcqRel) {
                    self.recoveries.fetch_add(1, Ordering::Relaxed);
                    tracing::info!("counter store answers again: counters move back to it");
                }
                true
            }
            Err(e) => {
                self.mark_down(&e);
                false
            }
        }
    }

    pub(crate) fn belief(&self, customer: &CustomerId) -> Option<Fence> {
        locked(&self.beliefs).get(customer).copied()
    }

    fn believe(&self, customer: &CustomerId, fence: Fence) {
        let mut beliefs = locked(&self.beliefs);
        if beliefs.len() >= 1_000_000 {
            beliefs.clear();
        }
        beliefs.insert(customer.clone(), fence);
    }

    /// Forgets what this process believed about `customer` after a stale answer or a refused
    /// commit; the next decision asks the stores again.
    pub(crate) fn forget(&self, customer: &CustomerId, fence: Fence) {
        let mut beliefs = locked(&self.beliefs);
        if beliefs.get(customer) == Some(&fence) {
            beliefs.remove(customer);
        }
    }

    fn move_lock(&self, customer: &CustomerId) -> &tokio::sync::Mutex<()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        customer.hash(&mut h);
        let i = usize::try_from(h.finish() % MOVE_STRIPES as u64).unwrap_or(0);
        &self.moves[i]
    }

    /// Moves `customer`'s counters to the fast store under a new epoch and loads the log's
    /// totals of `keys` there. Answers the new fence, the values, and the load's own answer:
    /// `Ok(false)` when a newer epoch was loaded meanwhile (nothing written), the fast store's
    /// error kept apart from the durable store's (which is the outer one).
    async fn take_back(
        &self,
        customer: &CustomerId,
        keys: Vec<CounterKey>,
    ) -> Result<(Fence, Vec<(CounterKey, i64)>, Result<bool, CounterError>), EngineError> {
        let (fence, totals) = self
            .authority
            .take_over(customer, CounterHome::External, &keys)
            .await?;
        let values: Vec<(CounterKey, i64)> = keys.into_iter().zip(totals).collect();
        let loaded = self.fast.load(customer, fence.epoch, &values).await;
        if matches!(loaded, Ok(true)) {
            self.rebuilds.fetch_add(1, Ordering::Relaxed);
            self.believe(customer, fence);
        }
        Ok((fence, values, loaded))
    }

    pub(crate) fn note_fenced(&self) {
        self.fenced.fetch_add(1, Ordering::Relaxed);
    }

    /// The lease store to use now.
    pub(crate) fn leases(&self) -> &Arc<dyn LeaseStore> {
        &self.leases
    }
}

/// The answer when the counters' authority moved under a decision more times than it is
/// retried: nothing was changed, a retry may succeed.
pub(crate) fn kept_moving() -> EngineError {
    EngineError::Unavailable("the counter authority kept moving".to_owned())
}

/// Every counter a customer's usage may touch now: each counted feature's window at every
/// instant from the earliest a late event may be dated (31 days back) to now, a day apart, and
/// at the latest it may be dated (5 minutes ahead) — so the daily, weekly, monthly and
/// billing-cycle windows that can still take an event are all there.
pub(crate) fn live_keys(ctx: &CustomerContext, now: Timestamp) -> Vec<CounterKey> {
    let cycle = ctx.subscription.as_ref().map(|s| &s.current_period);
    let days = crate::usage::MAX_BACKDATE_DAYS;
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    for e in ctx.entitlements.iter().filter(|e| e.kind.is_counted()) {
        let window = match e.kind {
            FeatureKind::Metered => e.window.unwrap_or(Window::Month),
            _ => Window::Lifetime,
        };
        let instants = if window == Window::Lifetime { 0 } else { days };
        // And the window of the latest instant an event may be dated (a little ahead of now).
        let ahead = now + Duration::seconds(crate::usage::MAX_FUTURE_SECONDS);
        let at =
            std::iter::once(ahead).chain((0..=instants).map(|back| now - Duration::days(back)));
        for at in at {
            let key = CounterKey::new(
                ctx.customer.id.clone(),
                e.feature.clone(),
                &window.span_at(at, cycle),
            );
            if seen.insert(key.storage_key()) {
                keys.push(key);
            }
        }
    }
    keys
}

impl Engine {
    /// The fence to decide under for `ctx`'s customer: the fast store's while it is up, the
    /// durable store's otherwise, moving the authority (and rebuilding counters) when this
    /// process last saw it elsewhere.
    pub(crate) async fn fence_for(
        &self,
        hot: &HotPath,
        ctx: &CustomerContext,
    ) -> Result<Fence, EngineError> {
        let customer = &ctx.customer.id;
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                // Another process is moving the authority too: let it finish.
                tokio::time::sleep(std::time::Duration::from_millis(5 << attempt.min(6))).await;
            }
            let want = if hot.is_up() {
                CounterHome::External
            } else {
                CounterHome::Store
            };
            let believed = |f: Option<Fence>| f.filter(|f| f.home == want);
            if let Some(f) = believed(hot.belief(customer)) {
                return Ok(f);
            }
            let _moving = hot.move_lock(customer).lock().await;
            // The task that held the lock may have made the move this one came to make.
            if let Some(f) = believed(hot.belief(customer)) {
                return Ok(f);
            }
            if want == CounterHome::Store {
                // Another process may already have moved the counters to the database: they
                // have been kept there since, so there is nothing to rebuild.
                let fence = match hot.authority.current(customer).await? {
                    Some(f) if f.home == CounterHome::Store => f,
                    _ => {
                        let (fence, _) = hot
                            .authority
                            .take_over(customer, CounterHome::Store, &[])
                            .await?;
                        hot.fallbacks.fetch_add(1, Ordering::Relaxed);
                        fence
                    }
                };
                hot.believe(customer, fence);
                return Ok(fence);
            }
            // The fast store may already hold the current epoch (another process loaded it).
            match hot.fast.epoch(customer).await {
                Err(e @ CounterError::Unavailable(_)) => {
                    hot.mark_down(&e);
                    continue;
                }
                Err(e) => return Err(e.into()),
                Ok(Some(epoch)) => {
                    let fence = Fence {
                        home: CounterHome::External,
                        epoch,
                    };
                    if hot.authority.current(customer).await? == Some(fence) {
                        hot.believe(customer, fence);
                        return Ok(fence);
                    }
                }
                Ok(None) => {}
            }
            let (fence, _, loaded) = hot.take_back(customer, live_keys(ctx, self.now())).await?;
            match loaded {
                Ok(true) => return Ok(fence),
                // A newer epoch was loaded meanwhile: look again.
                Ok(false) => {}
                Err(e @ CounterError::Unavailable(_)) => hot.mark_down(&e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(kept_moving())
    }

    /// Counter values of `keys` (all of `ctx`'s customer) from whichever store is the
    /// authority; the plain counter port when there is no hot path.
    pub(crate) async fn read_counters(
        &self,
        ctx: &CustomerContext,
        keys: &[CounterKey],
    ) -> Result<Vec<i64>, EngineError> {
        let Some(hot) = self.hot.as_deref() else {
            return Ok(self.d.counters.get_many(keys).await?);
        };
        for _ in 0..MAX_ATTEMPTS {
            let fence = self.fence_for(hot, ctx).await?;
            if fence.home == CounterHome::Store {
                return Ok(self.d.counters.get_many(keys).await?);
            }
            match hot.fast.read(&ctx.customer.id, keys, fence.epoch).await {
                Ok(Fenced::Done(values)) => return Ok(values),
                Ok(_) => hot.forget(&ctx.customer.id, fence),
                Err(e @ CounterError::Unavailable(_)) => hot.mark_down(&e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(kept_moving())
    }

    /// Runs a lease operation on the fast store while it is up, on the durable one otherwise
    /// (and when the fast one turns out to be unreachable).
    pub(crate) async fn with_leases<T, F, Fut>(&self, op: F) -> Result<T, EngineError>
    where
        F: Fn(Arc<dyn LeaseStore>) -> Fut,
        Fut: std::future::Future<Output = Result<T, CounterError>>,
    {
        if let Some(hot) = self.hot.as_deref()
            && hot.is_up()
        {
            match op(hot.leases().clone()).await {
                Err(e @ CounterError::Unavailable(_)) => hot.mark_down(&e),
                other => return Ok(other?),
            }
        }
        Ok(op(self.d.leases.clone()).await?)
    }

    /// Rebuilds every customer's counters in the fast store from the durable log (a new epoch
    /// each), reporting what the fast store held before against the log's totals. The eager
    /// form of the rebuild that otherwise happens on first use.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] without a hot path; store failures as [`EngineError::Unexpected`].
    pub async fn rebuild_hot_counters(
        &self,
        customer: Option<&CustomerId>,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<HotRebuildReport, EngineError> {
        let Some(hot) = self.hot.as_deref() else {
            return Err(EngineError::invalid(
                "no counter store is configured (TOLLGATE_REDIS_URL)",
            ));
        };
        let customers = match customer {
            Some(c) => vec![c.clone()],
            None => hot.authority.customers().await?,
        };
        let mut report = HotRebuildReport::default();
        let total = customers.len();
        for (i, id) in customers.iter().enumerate() {
            progress(i, total);
            let ctx = match self.context(id).await {
                Ok(ctx) => ctx,
                Err(EngineError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let keys = live_keys(&ctx, self.now());
            let before = match hot.fast.epoch(id).await? {
                Some(epoch) => match hot.fast.read(id, &keys, epoch).await? {
                    Fenced::Done(v) => Some(v),
                    _ => None,
                },
                None => None,
            };
            let (_, values, loaded) = hot.take_back(id, keys).await?;
            loaded?;
            report.customers += 1;
            report.counters += values.len();
            match before {
                None => report.missing += 1,
                Some(before) => {
                    for ((key, expected), held) in values.iter().zip(before) {
                        if held != *expected {
                            report.drifted.push(HotDrift {
                                counter: key.storage_key(),
                                held,
                                expected: *expected,
                            });
                        }
                    }
                }
            }
        }
        progress(total, total);
        Ok(report)
    }
}

/// What [`Engine::rebuild_hot_counters`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HotRebuildReport {
    pub customers: usize,
    pub counters: usize,
    /// Customers the fast store held nothing for (cold start or lost data).
    pub missing: usize,
    /// Counters whose value in the fast store differed from the log's total (expected: none).
    pub drifted: Vec<HotDrift>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotDrift {
    pub counter: String,
    pub held: i64,
    pub expected: i64,
}
