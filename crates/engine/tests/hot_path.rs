//! The Redis hot path on in-memory stores: counters consumed in the fast store and fenced by
//! the durable counter authority, exact under racing tasks, across a failover to the durable
//! store and back, across a fast store that lost its data, with idempotency, batches, the
//! eager rebuild and leases.
//!
//! The fast store is a [`MemoryFencedCounters`] (and a [`MemoryLeaseStore`]) behind [`Flaky`],
//! which answers `Unavailable` from every call while its `down` flag is set: an unreachable
//! Redis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use common::*;
use tokio::sync::Notify;
use tollgate_engine::{
    CommitError, CommitOutcome, CounterAuthority, CounterHome, Engine, EngineError, Fence,
    HotDrift, HotPath, UsageAnswer, UsageCommit, UsageRecorder,
};
use tollgate_kernel::{CustomerId, Enforcement, IdempotencyKey};
use tollgate_quotas::{
    Consume, Consumption, CounterError, CounterKey, CounterStore, Fenced, FencedCounterStore,
    LeaseKey, LeaseOutcome, LeaseRequest, LeaseStore, MemoryFencedCounters, MemoryLeaseStore,
};
use tollgate_usage::{UsageLog, UsageQuery};

// ---------------------------------------------------------------------------------------------
// An unreachable fast store
// ---------------------------------------------------------------------------------------------

/// The fast counter and lease stores, unreachable while `down` is set: every call then answers
/// `Unavailable` without touching the stores behind it.
#[derive(Debug)]
struct Flaky {
    counters: Arc<MemoryFencedCounters>,
    leases: Arc<MemoryLeaseStore>,
    down: AtomicBool,
}

impl Flaky {
    fn reachable(&self) -> Result<(), CounterError> {
        if self.down.load(Ordering::SeqCst) {
            Err(CounterError::Unavailable(
                "connection refused (test)".into(),
            ))
        } else {
            Ok(())
        }
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl FencedCounterStore for Flaky {
    async fn ping(&self) -> Result<(), CounterError> {
        self.reachable()?;
        self.counters.ping().await
    }

    async fn epoch(&self, customer: &CustomerId) -> Result<Option<i64>, CounterError> {
        self.reachable()?;
        self.counters.epoch(customer).await
    }

    async fn load(
        &self,
        customer: &CustomerId,
        epoch: i64,
        values: &[(CounterKey, i64)],
    ) -> Result<bool, CounterError> {
        self.reachable()?;
        self.counters.load(customer, epoch, values).await
    }

    async fn consume(
        &self,
        req: &Consume,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<Consumption>, CounterError> {
        self.reachable()?;
        self.counters.consume(req, epoch, guard).await
    }

    async fn undo(
        &self,
        key: &CounterKey,
        applied: i64,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<()>, CounterError> {
        self.reachable()?;
        self.counters.undo(key, applied, epoch, guard).await
    }

    async fn read(
        &self,
        customer: &CustomerId,
        keys: &[CounterKey],
        epoch: i64,
    ) -> Result<Fenced<Vec<i64>>, CounterError> {
        self.reachable()?;
        self.counters.read(customer, keys, epoch).await
    }
}

#[async_trait::async_trait]
impl LeaseStore for Flaky {
    async fn acquire(&self, req: &LeaseRequest) -> Result<LeaseOutcome, CounterError> {
        self.reachable()?;
        self.leases.acquire(req).await
    }

    async fn release(&self, key: &LeaseKey, lease_id: &str) -> Result<bool, CounterError> {
        self.reachable()?;
        self.leases.release(key, lease_id).await
    }

    async fn held(
        &self,
        key: &LeaseKey,
        now: tollgate_kernel::Timestamp,
    ) -> Result<i64, CounterError> {
        self.reachable()?;
        self.leases.held(key, now).await
    }
}

// ---------------------------------------------------------------------------------------------
// The harness on the hot path
// ---------------------------------------------------------------------------------------------

/// The common harness whose engine runs on the hot path, with handles on every store.
struct Hot {
    h: Harness,
    hot: Arc<HotPath>,
    /// The fast counters, seen directly (never down).
    fast: Arc<MemoryFencedCounters>,
    /// The fast leases, seen directly.
    fast_leases: Arc<MemoryLeaseStore>,
    flaky: Arc<Flaky>,
}

async fn hot_harness() -> Hot {
    hot_harness_with(|recorder| recorder).await
}

/// [`hot_harness`] with the usage recorder wrapped by `wrap`.
async fn hot_harness_with(
    wrap: impl FnOnce(Arc<dyn UsageRecorder>) -> Arc<dyn UsageRecorder>,
) -> Hot {
    let mut h = harness().await;
    let fast = Arc::new(MemoryFencedCounters::new());
    let fast_leases = Arc::new(MemoryLeaseStore::new());
    let flaky = Arc::new(Flaky {
        counters: fast.clone(),
        leases: fast_leases.clone(),
        down: AtomicBool::new(false),
    });
    let hot = Arc::new(HotPath::new(
        flaky.clone(),
        flaky.clone(),
        h.stores.authority.clone(),
    ));
    let mut deps = h.engine.deps().clone();
    deps.recorder = wrap(deps.recorder);
    h.engine = Engine::new(deps).with_hot_path(hot.clone());
    Hot {
        h,
        hot,
        fast,
        fast_leases,
        flaky,
    }
}

/// A usage recorder that holds the first commit of one idempotency key at its door (before the
/// unit of work, so the authority can still move) until the test lets it through.
struct Gate {
    inner: Arc<dyn UsageRecorder>,
    key: &'static str,
    armed: AtomicBool,
    entered: Notify,
    release: Notify,
}

#[async_trait::async_trait]
impl UsageRecorder for Gate {
    async fn commit(&self, commit: UsageCommit) -> Result<CommitOutcome, CommitError> {
        if commit.event.idempotency_key.as_str() == self.key
            && self.armed.swap(false, Ordering::SeqCst)
        {
            self.entered.notify_one();
            self.release.notified().await;
        }
        self.inner.commit(commit).await
    }
}

/// A hot harness whose commits of `key` wait at a [`Gate`].
async fn gated_harness(key: &'static str) -> (Hot, Arc<Gate>) {
    let mut gate = None;
    let hot = hot_harness_with(|inner| {
        let g = Arc::new(Gate {
            inner,
            key,
            armed: AtomicBool::new(true),
            entered: Notify::new(),
            release: Notify::new(),
        });
        gate = Some(g.clone());
        g
    })
    .await;
    (hot, gate.unwrap())
}

impl Hot {
    /// Every event of the log.
    async fn log(&self) -> Vec<tollgate_usage::UsageEvent> {
        self.h
            .stores
            .usage
            .list(&UsageQuery::default())
            .await
            .unwrap()
    }

    /// The log's total (sum of `delta`) of one counter.
    async fn log_total(&self, key: &CounterKey) -> i64 {
        self.h
            .stores
            .usage
            .window_total(&key.customer, &key.feature, &key.window_key)
            .await
            .unwrap()
    }

    /// The counter of `feature` this month, as the events of the log name it.
    async fn key_of(&self, customer: &str, feature: &str) -> CounterKey {
        let events = self.log().await;
        let e = events
            .iter()
            .find(|e| e.customer.as_str() == customer && e.feature.as_str() == feature)
            .expect("an event of the counter");
        CounterKey {
            customer: cid(customer),
            feature: fc(feature),
            window_key: e.window_key.clone(),
            resets_at: None,
        }
    }

    /// The fast store's value of `key` under the customer's current epoch there.
    async fn fast_value(&self, key: &CounterKey) -> i64 {
        let epoch = self
            .fast
            .epoch(&key.customer)
            .await
            .unwrap()
            .expect("an epoch in the fast store");
        match self
            .fast
            .read(&key.customer, std::slice::from_ref(key), epoch)
            .await
            .unwrap()
        {
            Fenced::Done(v) => v[0],
            other => panic!("read under the store's own epoch: {other:?}"),
        }
    }

    async fn used(&self, customer: &str, feature: &str) -> i64 {
        self.h
            .engine
            .entitlements(&cid(customer))
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.feature.as_str() == feature)
            .unwrap()
            .used
    }

    async fn record(&self, customer: &str, quantity: i64, key: &str) -> UsageAnswer {
        self.h
            .engine
            .record_usage(usage(customer, "api_calls", quantity, key), &self.h.caller)
            .await
            .unwrap()
            .0
    }
}

/// Outcome counts of a race.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    accepted: usize,
    refused: usize,
}

/// Called after each accepted event of a race; `true` asks the task to probe the fast store
/// before its next event.
type OnAccept = Arc<dyn Fn() -> bool + Send + Sync>;

/// `tasks` tasks each record `per_task` single api calls of `acme` (distinct keys prefixed by
/// `prefix`); every refusal must be a hard limit of `limit`. `on_accept` sees each accept.
async fn race(
    hot: &Hot,
    prefix: &'static str,
    tasks: usize,
    per_task: usize,
    limit: i64,
    on_accept: OnAccept,
) -> Tally {
    let mut handles = Vec::new();
    for task in 0..tasks {
        let engine = hot.h.engine.clone();
        let caller = hot.h.caller.clone();
        let on_accept = on_accept.clone();
        let hot_path = hot.hot.clone();
        handles.push(tokio::spawn(async move {
            let mut t = Tally::default();
            for i in 0..per_task {
                let req = usage("acme", "api_calls", 1, &format!("{prefix}-t{task}-{i}"));
                match engine.record_usage(req, &caller).await {
                    Ok((answer, created)) => {
                        assert!(created && !answer.duplicate);
                        assert!(answer.used <= limit, "answered used {}", answer.used);
                        if on_accept() {
                            assert!(hot_path.probe().await, "the fast store answers again");
                        }
                        t.accepted += 1;
                    }
                    Err(EngineError::QuotaExceeded { limit: l, .. }) => {
                        assert_eq!(l, Some(limit));
                        t.refused += 1;
                    }
                    Err(e) => panic!("unexpected error {e:?}"),
                }
            }
            t
        }));
    }
    let mut total = Tally::default();
    for handle in handles {
        let t = handle.await.unwrap();
        total.accepted += t.accepted;
        total.refused += t.refused;
    }
    total
}

fn nothing() -> OnAccept {
    Arc::new(|| false)
}

// ---------------------------------------------------------------------------------------------
// 1. Where usage is consumed
// ---------------------------------------------------------------------------------------------

/// On the hot path, usage is consumed in the fast store under the authority's epoch: the fast
/// counter, the entitlement, a check and the log all say N, and the durable store's own
/// counter is never written.
#[tokio::test]
async fn usage_is_consumed_in_the_fast_store_not_the_store_counters() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: api_calls 100 a month, hard
    for i in 1..=7 {
        let answer = hot.record("acme", 1, &format!("k{i}")).await;
        assert_eq!((answer.used, answer.limit), (i, Some(100)));
    }
    let key = hot.key_of("acme", "api_calls").await;

    // The authority is the fast store, under the epoch the fast store holds.
    let epoch = hot.fast.epoch(&cid("acme")).await.unwrap();
    assert_eq!(epoch, Some(1));
    assert_eq!(
        hot.h.stores.authority.current(&cid("acme")).await.unwrap(),
        Some(Fence {
            home: CounterHome::External,
            epoch: 1
        })
    );
    assert_eq!(
        hot.fast
            .read(&cid("acme"), std::slice::from_ref(&key), 1)
            .await
            .unwrap(),
        Fenced::Done(vec![7])
    );
    assert_eq!(hot.used("acme", "api_calls").await, 7);
    let check = hot
        .h
        .engine
        .check(&cid("acme"), &fc("api_calls"), 1)
        .await
        .unwrap();
    assert_eq!((check.used, check.remaining), (7, Some(93)));
    assert_eq!(hot.log().await.len(), 7);
    assert_eq!(hot.log_total(&key).await, 7);

    // The durable store's counter was not written.
    assert_eq!(hot.h.stores.counters.get(&key).await.unwrap(), 0);
    let stats = hot.hot.stats();
    assert!(stats.up);
    assert_eq!(
        (stats.failovers, stats.fallbacks, stats.rebuilds),
        (0, 0, 1)
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Racing tasks
// ---------------------------------------------------------------------------------------------

/// 64 tasks racing against pro's 1,000 calls: exactly 1,000 accepted, every other one refused
/// by the hard limit, 1,000 events logged and 1,000 in the fast counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_tasks_stop_exactly_at_a_hard_limit() {
    let hot = hot_harness().await;
    hot.h.subscribed("acme", "pro").await; // pro: api_calls 1,000 a month, hard
    let tally = race(&hot, "r", 64, 20, 1000, nothing()).await;
    assert_eq!(
        tally,
        Tally {
            accepted: 1000,
            refused: 280
        }
    );
    assert_eq!(hot.log().await.len(), 1000);
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.log_total(&key).await, 1000);
    assert_eq!(hot.fast_value(&key).await, 1000);
    assert_eq!(hot.used("acme", "api_calls").await, 1000);
    assert_eq!(hot.h.stores.counters.get(&key).await.unwrap(), 0);
}

// ---------------------------------------------------------------------------------------------
// 3. Failover and recovery mid-race
// ---------------------------------------------------------------------------------------------

/// The fast store goes away while 64 tasks race against a hard limit, and comes back: the
/// counters move to the durable store and back without losing or double-counting anything:
/// exactly the limit accepted, the log and the rebuilt fast counter agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_and_back_mid_race_stays_exact() {
    let hot = hot_harness().await;
    hot.h.subscribed("acme", "pro").await; // 1,000 calls, hard
    // Take the authority to the fast store before the race.
    hot.record("acme", 1, "warm-up").await;
    let before = hot.hot.stats();

    // 0: up, 1: down, 2: reachable again. The accepts themselves drive the phases, so the
    // switches happen mid-race whatever the scheduling: the 300th accept takes the fast store
    // away, the 650th brings it back and its task probes it before going on.
    let phase = Arc::new(AtomicU8::new(0));
    let accepted: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let on_accept: OnAccept = {
        let (phase, accepted, flaky) = (phase.clone(), accepted.clone(), hot.flaky.clone());
        let total = AtomicUsize::new(0);
        Arc::new(move || {
            let n = total.fetch_add(1, Ordering::SeqCst) + 1;
            accepted[usize::from(phase.load(Ordering::SeqCst))].fetch_add(1, Ordering::SeqCst);
            match n {
                300 => {
                    flaky.set_down(true);
                    phase.store(1, Ordering::SeqCst);
                    false
                }
                650 => {
                    flaky.set_down(false);
                    phase.store(2, Ordering::SeqCst);
                    true
                }
                _ => false,
            }
        })
    };
    let tally = race(&hot, "f", 64, 25, 1000, on_accept).await;

    // Exactly the limit, warm-up included.
    assert_eq!(
        tally,
        Tally {
            accepted: 999,
            refused: 1600 - 999
        }
    );
    let per_phase: Vec<usize> = accepted.iter().map(|a| a.load(Ordering::SeqCst)).collect();
    assert!(
        per_phase.iter().all(|n| *n > 0),
        "events were accepted in every phase: {per_phase:?}"
    );
    assert_eq!(hot.log().await.len(), 1000);
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.log_total(&key).await, 1000);

    // While it was down, the durable store counted (rebuilt from the log, then consumed).
    assert!(hot.h.stores.counters.get(&key).await.unwrap() > 0);

    // A new read goes to the fast store, rebuilt from the log under the current epoch.
    assert_eq!(hot.used("acme", "api_calls").await, 1000);
    let fence = hot
        .h
        .stores
        .authority
        .current(&cid("acme"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fence.home, CounterHome::External);
    assert!(fence.epoch >= 3, "up, down, up again: {fence:?}");
    assert_eq!(
        hot.fast.epoch(&cid("acme")).await.unwrap(),
        Some(fence.epoch)
    );
    assert_eq!(hot.fast_value(&key).await, 1000);

    let after = hot.hot.stats();
    assert!(after.up);
    assert!(after.failovers >= 1, "{after:?}");
    assert!(after.recoveries >= 1, "{after:?}");
    assert!(after.fallbacks >= 1, "{after:?}");
    assert!(after.rebuilds > before.rebuilds, "{before:?} → {after:?}");

    // And the limit still holds on the fast store.
    assert!(matches!(
        hot.h
            .engine
            .record_usage(usage("acme", "api_calls", 1, "after"), &hot.h.caller)
            .await,
        Err(EngineError::QuotaExceeded {
            used: 1000,
            limit: Some(1000),
            ..
        })
    ));
}

/// Down before any use: the first events go to the durable store (consumed in the usage
/// transaction), and once the fast store answers again it is loaded from the log.
#[tokio::test]
async fn an_unreachable_fast_store_falls_back_to_the_store_and_back() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: 100 calls
    hot.flaky.set_down(true);
    for i in 1..=4 {
        assert_eq!(hot.record("acme", 5, &format!("d{i}")).await.used, i * 5);
    }
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.h.stores.counters.get(&key).await.unwrap(), 20);
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), None);
    assert_eq!(
        hot.h.stores.authority.current(&cid("acme")).await.unwrap(),
        Some(Fence {
            home: CounterHome::Store,
            epoch: 1
        })
    );
    let stats = hot.hot.stats();
    assert_eq!((stats.up, stats.failovers, stats.fallbacks), (false, 1, 1));

    // Still down: probing says so and nothing moves.
    assert!(!hot.hot.probe().await);
    assert_eq!(hot.used("acme", "api_calls").await, 20);

    hot.flaky.set_down(false);
    assert!(hot.hot.probe().await);
    assert_eq!(hot.record("acme", 80, "u1").await.used, 100);
    assert_eq!(hot.fast_value(&key).await, 100);
    assert_eq!(
        hot.h.stores.authority.current(&cid("acme")).await.unwrap(),
        Some(Fence {
            home: CounterHome::External,
            epoch: 2
        })
    );
    // The durable counter was left where the fallback had it.
    assert_eq!(hot.h.stores.counters.get(&key).await.unwrap(), 20);
    assert!(matches!(
        hot.h
            .engine
            .record_usage(usage("acme", "api_calls", 1, "u2"), &hot.h.caller)
            .await,
        Err(EngineError::QuotaExceeded { used: 100, .. })
    ));
    let stats = hot.hot.stats();
    assert_eq!((stats.up, stats.recoveries, stats.rebuilds), (true, 1, 1));
}

/// A commit decided on the fast store before it went away lands after the durable store took
/// the counters over: its fence is stale, so it is refused, decided again under the durable
/// store's authority and refused there by the hard limit the others used up meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_decided_before_a_failover_is_fenced_and_decided_again() {
    let (hot, gate) = gated_harness("slow").await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    hot.record("acme", 99, "base").await;

    // "slow" consumes the last unit on the fast store, then waits at the recorder's door.
    let slow = {
        let engine = hot.h.engine.clone();
        let caller = hot.h.caller.clone();
        tokio::spawn(async move {
            engine
                .record_usage(usage("acme", "api_calls", 1, "slow"), &caller)
                .await
        })
    };
    gate.entered.notified().await;
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.fast_value(&key).await, 100);

    // The fast store goes away: the next event moves the counters to the durable store, which
    // rebuilds them from the log (99) and takes the last unit.
    hot.flaky.set_down(true);
    assert_eq!(hot.record("acme", 1, "other").await.used, 100);
    assert_eq!(
        hot.h.stores.authority.current(&cid("acme")).await.unwrap(),
        Some(Fence {
            home: CounterHome::Store,
            epoch: 2
        })
    );

    gate.release.notify_one();
    let slow = slow.await.unwrap();
    assert!(
        matches!(
            slow,
            Err(EngineError::QuotaExceeded {
                used: 100,
                limit: Some(100),
                ..
            })
        ),
        "{slow:?}"
    );
    assert_eq!(hot.log().await.len(), 2);
    assert_eq!(hot.log_total(&key).await, 100);
    assert_eq!(hot.h.stores.counters.get(&key).await.unwrap(), 100);
    assert_eq!(hot.hot.stats().fenced, 1);
}

/// The other way round: a commit decided on the durable store while the fast store was away
/// lands after the fast store took the counters back; it is refused by its fence and decided
/// again on the fast store, loaded from the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_decided_before_a_recovery_is_fenced_and_decided_again() {
    let (hot, gate) = gated_harness("slow").await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    hot.flaky.set_down(true);
    hot.record("acme", 99, "base").await;

    // "slow" is decided on the durable store, then waits at the recorder's door.
    let slow = {
        let engine = hot.h.engine.clone();
        let caller = hot.h.caller.clone();
        tokio::spawn(async move {
            engine
                .record_usage(usage("acme", "api_calls", 1, "slow"), &caller)
                .await
        })
    };
    gate.entered.notified().await;

    // Back up: the next event moves the counters to the fast store (loaded with 99).
    hot.flaky.set_down(false);
    assert!(hot.hot.probe().await);
    assert_eq!(hot.record("acme", 1, "other").await.used, 100);
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), Some(2));

    gate.release.notify_one();
    let slow = slow.await.unwrap();
    assert!(
        matches!(
            slow,
            Err(EngineError::QuotaExceeded {
                used: 100,
                limit: Some(100),
                ..
            })
        ),
        "{slow:?}"
    );
    assert_eq!(hot.log().await.len(), 2);
    assert_eq!(hot.log_total(&key).await, 100);
    assert_eq!(hot.fast_value(&key).await, 100);
    assert_eq!(hot.hot.stats().fenced, 1);
}

// ---------------------------------------------------------------------------------------------
// 4. A fast store that lost its data
// ---------------------------------------------------------------------------------------------

/// The fast store forgets everything (a Redis restarted without persistence): counting goes on
/// from the log's total, not from 0, and the hard limit stays exact under racing tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wiped_fast_store_continues_from_the_log() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    for i in 0..3 {
        hot.record("acme", 10, &format!("before{i}")).await;
    }
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.fast_value(&key).await, 30);

    hot.fast.wipe();
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), None);

    // The process still believes epoch 1: its consumption is refused as stale, then the
    // counters are rebuilt from the log under epoch 2.
    let answer = hot.record("acme", 1, "after-wipe").await;
    assert_eq!(answer.used, 31);
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), Some(2));
    assert_eq!(hot.fast_value(&key).await, 31);

    let tally = race(&hot, "w", 16, 10, 100, nothing()).await;
    assert_eq!(
        tally,
        Tally {
            accepted: 69,
            refused: 160 - 69
        }
    );
    assert_eq!(hot.log().await.len(), 3 + 1 + 69);
    assert_eq!(hot.log_total(&key).await, 100);
    assert_eq!(hot.fast_value(&key).await, 100);
    assert_eq!(hot.used("acme", "api_calls").await, 100);
    assert_eq!(hot.hot.stats().rebuilds, 2);
}

// ---------------------------------------------------------------------------------------------
// 5. Idempotency
// ---------------------------------------------------------------------------------------------

/// One idempotency key from 32 tasks at once: one event is inserted, every other task gets its
/// answer back as a duplicate, and the counter moves once. A later retry (even with another
/// body) answers the first answer and consumes nothing, also once its guard is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_from_many_tasks_counts_once_on_the_hot_path() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await;
    // Load the fast store first, so every task races on the guard, not on the first load.
    hot.record("acme", 1, "warm-up").await;

    let mut handles = Vec::new();
    for _ in 0..32 {
        let engine = hot.h.engine.clone();
        let caller = hot.h.caller.clone();
        handles.push(tokio::spawn(async move {
            engine
                .record_usage(usage("acme", "api_calls", 5, "same-key"), &caller)
                .await
                .unwrap()
        }));
    }
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    let first: Vec<&UsageAnswer> = answers.iter().filter(|(_, c)| *c).map(|(a, _)| a).collect();
    assert_eq!(first.len(), 1, "exactly one insert");
    let first = first[0].clone();
    assert!(!first.duplicate);
    assert_eq!(first.used, 6);
    for (answer, created) in &answers {
        if !created {
            assert_eq!(
                *answer,
                UsageAnswer {
                    duplicate: true,
                    ..first.clone()
                }
            );
        }
    }
    let key = hot.key_of("acme", "api_calls").await;
    let events = hot.log().await;
    assert_eq!(events.len(), 2);
    let same_key: IdempotencyKey = "same-key".parse().unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.idempotency_key == same_key)
            .count(),
        1
    );
    assert_eq!(hot.fast_value(&key).await, 6, "the counter moved once");

    // A retry after the first event landed (the guard still held): the first answer.
    let (again, created) = hot
        .h
        .engine
        .record_usage(usage("acme", "api_calls", 50, "same-key"), &hot.h.caller)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(
        again,
        UsageAnswer {
            duplicate: true,
            ..first.clone()
        }
    );
    assert_eq!(hot.fast_value(&key).await, 6);

    // The guard gone (expired in Redis): the log's unique key catches the retry and the units
    // it took are given back.
    let epoch = hot.fast.epoch(&cid("acme")).await.unwrap().unwrap();
    hot.fast.undo(&key, 0, epoch, "same-key").await.unwrap();
    let (late, created) = hot
        .h
        .engine
        .record_usage(usage("acme", "api_calls", 50, "same-key"), &hot.h.caller)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(late.id, first.id);
    assert_eq!(late.used, 6);
    assert_eq!(
        hot.fast_value(&key).await,
        6,
        "the retry's units were given back"
    );
    assert_eq!(hot.log().await.len(), 2);
    assert_eq!(hot.used("acme", "api_calls").await, 6);
}

// ---------------------------------------------------------------------------------------------
// 6. Batches
// ---------------------------------------------------------------------------------------------

/// A batch that crosses a hard limit: the events that still fit are accepted in batch order,
/// exactly the ones past the limit are refused, and an event later in the batch that fits
/// again is accepted.
#[tokio::test]
async fn a_batch_across_a_hard_limit_refuses_exactly_the_events_past_it() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    hot.record("acme", 95, "base").await;

    let events = (0..10)
        .map(|i| usage("acme", "api_calls", 1, &format!("b{i}")))
        .collect();
    let results = hot.h.engine.record_usage_batch(events, &hot.h.caller).await;
    assert_eq!(results.len(), 10);
    for (i, r) in results.iter().enumerate() {
        if i < 5 {
            let (answer, created) = r.as_ref().unwrap();
            assert!(*created);
            assert_eq!(answer.used, 96 + i64::try_from(i).unwrap(), "event {i}");
        } else {
            assert!(
                matches!(
                    r,
                    Err(EngineError::QuotaExceeded {
                        used: 100,
                        limit: Some(100),
                        ..
                    })
                ),
                "event {i}: {r:?}"
            );
        }
    }
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.log().await.len(), 6);
    assert_eq!(hot.log_total(&key).await, 100);
    assert_eq!(hot.fast_value(&key).await, 100);
    for i in 5..10 {
        let k: IdempotencyKey = format!("b{i}").parse().unwrap();
        assert!(
            hot.h
                .stores
                .usage
                .find_by_key(&cid("acme"), &k)
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// Quantities in one batch: a large event past the limit is refused while a smaller one after
/// it still fits; a duplicate inside the batch answers the first.
#[tokio::test]
async fn a_batch_decides_each_event_in_order() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    hot.record("acme", 90, "base").await;
    let results = hot
        .h
        .engine
        .record_usage_batch(
            vec![
                usage("acme", "api_calls", 6, "x1"),
                usage("acme", "api_calls", 6, "x2"),
                usage("acme", "api_calls", 4, "x3"),
                usage("acme", "api_calls", 1, "x4"),
            ],
            &hot.h.caller,
        )
        .await;
    let used: Vec<Option<i64>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|(a, _)| a.used))
        .collect();
    assert_eq!(used, vec![Some(96), None, Some(100), None]);
    assert!(matches!(
        results[1],
        Err(EngineError::QuotaExceeded { used: 96, .. })
    ));
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.fast_value(&key).await, 100);
    assert_eq!(hot.log_total(&key).await, 100);
}

// ---------------------------------------------------------------------------------------------
// 7. The eager rebuild
// ---------------------------------------------------------------------------------------------

/// `rebuild_hot_counters` finds no drift on a consistent state; after the fast counter is made
/// to exceed the log, it reports that counter (held vs. expected) and repairs it under a new
/// epoch.
#[tokio::test]
async fn the_eager_rebuild_reports_and_repairs_drift() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await;
    for i in 0..4 {
        hot.record("acme", 3, &format!("k{i}")).await;
    }
    let key = hot.key_of("acme", "api_calls").await;
    let mut steps = Vec::new();
    let report = hot
        .h
        .engine
        .rebuild_hot_counters(Some(&cid("acme")), |i, n| steps.push((i, n)))
        .await
        .unwrap();
    assert_eq!((report.customers, report.missing), (1, 0));
    assert!(report.counters >= 1);
    assert_eq!(report.drifted, vec![]);
    assert_eq!(steps.last(), Some(&(1, 1)));
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), Some(2));
    assert_eq!(hot.fast_value(&key).await, 12);

    // Tamper: 7 units consumed straight in the fast store under its current epoch.
    let tamper = Consume {
        key: key.clone(),
        amount: 7,
        limit: None,
        enforcement: Enforcement::Soft,
    };
    let c = hot.fast.consume(&tamper, 2, "tamper").await.unwrap();
    assert!(matches!(c, Fenced::Done(Consumption { used: 19, .. })));
    assert_eq!(hot.used("acme", "api_calls").await, 19);

    let report = hot
        .h
        .engine
        .rebuild_hot_counters(None, |_, _| {})
        .await
        .unwrap();
    assert_eq!((report.customers, report.missing), (1, 0));
    assert_eq!(
        report.drifted,
        vec![HotDrift {
            counter: key.storage_key(),
            held: 19,
            expected: 12
        }]
    );
    assert_eq!(hot.fast.epoch(&cid("acme")).await.unwrap(), Some(3));
    assert_eq!(hot.fast_value(&key).await, 12);
    assert_eq!(hot.log_total(&key).await, 12);
    assert_eq!(hot.used("acme", "api_calls").await, 12);

    // A wiped fast store is reported as missing and loaded again.
    hot.fast.wipe();
    let report = hot
        .h
        .engine
        .rebuild_hot_counters(None, |_, _| {})
        .await
        .unwrap();
    assert_eq!((report.customers, report.missing), (1, 1));
    assert_eq!(report.drifted, vec![]);
    assert_eq!(hot.fast_value(&key).await, 12);
    // The process believes the rebuilt epoch: the next event counts on from the log.
    assert_eq!(hot.record("acme", 1, "next").await.used, 13);
}

// ---------------------------------------------------------------------------------------------
// 8. Leases
// ---------------------------------------------------------------------------------------------

/// Leases are taken in the fast lease store while it is up, in the durable one while it is
/// down (the first failure included), and in the fast one again once it answers.
#[tokio::test]
async fn leases_follow_the_fast_store_while_it_is_up() {
    let hot = hot_harness().await;
    hot.h.subscribed("acme", "pro").await; // jobs: 3 at once
    let key = LeaseKey {
        customer: cid("acme"),
        feature: fc("jobs"),
    };
    let now = hot.h.clock_now();
    let held = |s: Arc<MemoryLeaseStore>| {
        let key = key.clone();
        async move { s.held(&key, now).await.unwrap() }
    };
    let engine = &hot.h.engine;

    let up = engine
        .acquire_lease(&cid("acme"), &fc("jobs"), 60)
        .await
        .unwrap();
    assert_eq!(up.held, 1);
    assert_eq!(held(hot.fast_leases.clone()).await, 1);
    assert_eq!(held(hot.h.stores.leases.clone()).await, 0);

    // Down: the failing call marks it down and is served by the durable store.
    hot.flaky.set_down(true);
    let down1 = engine
        .acquire_lease(&cid("acme"), &fc("jobs"), 60)
        .await
        .unwrap();
    assert!(!hot.hot.is_up());
    let down2 = engine
        .acquire_lease(&cid("acme"), &fc("jobs"), 60)
        .await
        .unwrap();
    assert_eq!((down1.held, down2.held), (1, 2));
    assert_eq!(held(hot.fast_leases.clone()).await, 1);
    assert_eq!(held(hot.h.stores.leases.clone()).await, 2);
    let jobs = |v: Vec<tollgate_engine::EntitlementStatus>| {
        v.into_iter()
            .find(|e| e.feature.as_str() == "jobs")
            .unwrap()
    };
    assert_eq!(
        jobs(engine.entitlements(&cid("acme")).await.unwrap()).used,
        2
    );
    engine.release_lease(&down2.lease_id).await.unwrap();
    assert_eq!(held(hot.h.stores.leases.clone()).await, 1);

    // Back up: the fast store again.
    hot.flaky.set_down(false);
    assert!(hot.hot.probe().await);
    let back = engine
        .acquire_lease(&cid("acme"), &fc("jobs"), 60)
        .await
        .unwrap();
    assert_eq!(back.held, 2);
    assert_eq!(held(hot.fast_leases.clone()).await, 2);
    assert_eq!(held(hot.h.stores.leases.clone()).await, 1);
    assert_eq!(
        jobs(engine.entitlements(&cid("acme")).await.unwrap()).used,
        2
    );
    engine.release_lease(&up.lease_id).await.unwrap();
    assert_eq!(held(hot.fast_leases.clone()).await, 1);
    let stats = hot.hot.stats();
    assert_eq!((stats.failovers, stats.recoveries), (1, 1));
}

// ---------------------------------------------------------------------------------------------
// Late events in windows the rebuild does not load
// ---------------------------------------------------------------------------------------------

/// A plan whose calls are counted per day (hard), for events dated days back.
const DAILY_PLAN: &str = r#"
[[features]]
code = "api_calls"
name = "API calls"
kind = "metered"
unit = "call"

[[plans]]
code = "daily"
name = "Daily"
priority = 5
prices = [{ currency = "USD", interval = "month", amount_minor = 1000 }]
entitlements = [{ feature = "api_calls", limit = 10, window = "day" }]
"#;

fn dated(key: &str, at: &str) -> tollgate_engine::RecordUsage {
    tollgate_engine::RecordUsage {
        occurred_at: Some(t(at)),
        ..usage("acme", "api_calls", 1, key)
    }
}

/// A late event (dated a week back, within the 31 days allowed) lands in a daily window that
/// is neither today's nor the earliest one: after the fast store lost its data, that window's
/// counter must still continue from the log and its hard limit must still hold.
///
/// Fails today: `live_keys` (hot.rs) loads only the windows at `now` and at `now - 31 days`,
/// so the rebuilt fast store holds no counter for this day and the 11th call is accepted.
#[tokio::test]
async fn a_late_event_after_a_wipe_still_meets_its_windows_limit() {
    let hot = hot_harness().await;
    let catalog = tollgate_plans::Catalog::from_toml_str(DAILY_PLAN).unwrap();
    hot.h
        .engine
        .seed_catalog(&catalog, &hot.h.caller)
        .await
        .unwrap();
    hot.h.subscribed("acme", "daily").await;
    let at = "2026-11-03T09:00:00Z"; // now is 2026-11-10T12:00:00Z
    for i in 0..10 {
        hot.h
            .engine
            .record_usage(dated(&format!("a{i}"), at), &hot.h.caller)
            .await
            .unwrap();
    }
    assert!(matches!(
        hot.h
            .engine
            .record_usage(dated("a10", at), &hot.h.caller)
            .await,
        Err(EngineError::QuotaExceeded { used: 10, .. })
    ));

    hot.fast.wipe();
    let late = hot
        .h
        .engine
        .record_usage(dated("a11", at), &hot.h.caller)
        .await;
    assert!(
        matches!(late, Err(EngineError::QuotaExceeded { used: 10, .. })),
        "the day already holds 10 calls in the log: {late:?}"
    );
}

/// The same window across a failover and back: the events the durable store counted while the
/// fast store was away must be in the fast counter of that day once it is used again.
///
/// Fails today for the same reason: the day's counter is not reloaded, so the fast store still
/// holds what it counted before the failover.
#[tokio::test]
async fn a_late_event_after_a_failover_and_back_still_meets_its_windows_limit() {
    let hot = hot_harness().await;
    let catalog = tollgate_plans::Catalog::from_toml_str(DAILY_PLAN).unwrap();
    hot.h
        .engine
        .seed_catalog(&catalog, &hot.h.caller)
        .await
        .unwrap();
    hot.h.subscribed("acme", "daily").await;
    let at = "2026-11-03T09:00:00Z";
    let record = |key: String| {
        let engine = hot.h.engine.clone();
        let caller = hot.h.caller.clone();
        async move { engine.record_usage(dated(&key, at), &caller).await }
    };
    for i in 0..5 {
        record(format!("up{i}")).await.unwrap();
    }
    hot.flaky.set_down(true);
    for i in 0..5 {
        record(format!("down{i}")).await.unwrap();
    }
    hot.flaky.set_down(false);
    assert!(hot.hot.probe().await);
    let late = record("back".to_owned()).await;
    assert!(
        matches!(late, Err(EngineError::QuotaExceeded { used: 10, .. })),
        "the day already holds 10 calls in the log: {late:?}"
    );
}

/// A retry of an event recorded at the limit, once its guard is gone, answers the first answer
/// (`duplicate: true`) rather than a refusal: the hot path does not read the log before
/// deciding, so a refusal looks the key up. Alone and inside a batch, where the same key twice
/// answers the first copy's answer at once.
#[tokio::test]
async fn a_retry_refused_by_the_limit_answers_the_first_answer() {
    let hot = hot_harness().await;
    hot.h.customer("acme").await; // free: 100 calls, hard
    hot.record("acme", 99, "base").await;
    let (first, created) = hot
        .h
        .engine
        .record_usage(usage("acme", "api_calls", 1, "last"), &hot.h.caller)
        .await
        .unwrap();
    assert!(created && first.used == 100);
    // The guard is gone (expired, or freed): the retry reaches the limit check.
    hot.fast.expire_guards();
    let (again, created) = hot
        .h
        .engine
        .record_usage(usage("acme", "api_calls", 1, "last"), &hot.h.caller)
        .await
        .unwrap();
    assert!(!created && again.duplicate);
    assert_eq!(again.id, first.id);

    let results = hot
        .h
        .engine
        .record_usage_batch(
            vec![
                usage("acme", "api_calls", 1, "last"),
                usage("acme", "api_calls", 1, "over"),
                usage("acme", "api_calls", 1, "over"),
            ],
            &hot.h.caller,
        )
        .await;
    assert_eq!(results[0].as_ref().unwrap().0.id, first.id);
    assert!(matches!(results[1], Err(EngineError::QuotaExceeded { .. })));
    assert!(matches!(results[2], Err(EngineError::QuotaExceeded { .. })));
    let key = hot.key_of("acme", "api_calls").await;
    assert_eq!(hot.log_total(&key).await, 100);
    assert_eq!(hot.fast_value(&key).await, 100);
}
