//! Suites for the counter authority ([`CounterAuthority`]) together with the usage unit of work
//! that honours its fences: epochs, refusal of stale fences, the external home's commits that
//! leave the store's counters alone, the rebuild on the way back to the store, and the race
//! between commits and a take-over.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tollgate_kernel::{CustomerId, FeatureCode, IdempotencyKey};
use tollgate_quotas::{Consumption, CounterKey, CounterStore};
use tollgate_usage::UsageLog;

use crate::conformance::recorder::{commit, counter_key, customer, ok};
use crate::ports::{
    CommitError, CommitOutcome, CounterAuthority, CounterHome, CounterStep, Fence, UsageCommit,
    UsageRecorder,
};

/// An authority, the recorder that honours its fences, and the stores both write.
#[derive(Clone)]
pub struct AuthorityRig {
    pub authority: Arc<dyn CounterAuthority>,
    pub recorder: Arc<dyn UsageRecorder>,
    pub counters: Arc<dyn CounterStore>,
    pub log: Arc<dyn UsageLog>,
}

impl std::fmt::Debug for AuthorityRig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityRig").finish_non_exhaustive()
    }
}

/// Runs every check; `prefix` keeps customers apart when suites share a store.
pub async fn run_all(rig: &AuthorityRig, prefix: &str) {
    epochs_start_at_one_and_bump(rig, prefix).await;
    stale_fences_write_nothing(rig, prefix).await;
    external_commits_then_store_rebuild(rig, prefix).await;
    fenced_event_fails_alone(rig, prefix, 24).await;
    take_over_races_commits(rig, prefix, 8).await;
    customers_are_listed(rig, prefix).await;
}

/// A commit counted in the external store already, fenced on `fence`.
fn external(customer: &CustomerId, key: &str, amount: i64, fence: Fence) -> UsageCommit {
    let mut unit = commit(customer, key, amount, None, None);
    unit.counter = CounterStep::Consumed(Consumption {
        accepted: true,
        used: amount,
        applied: amount,
    });
    unit.fence = Some(fence);
    unit
}

/// A commit consumed in the store's own counters, fenced on `fence`.
fn in_store(customer: &CustomerId, key: &str, amount: i64, fence: Fence) -> UsageCommit {
    let mut unit = commit(customer, key, amount, None, None);
    unit.fence = Some(fence);
    unit
}

async fn logged(rig: &AuthorityRig, customer: &CustomerId, key: &str) -> bool {
    let key = ok(IdempotencyKey::parse(key), "key");
    ok(rig.log.find_by_key(customer, &key).await, "find").is_some()
}

async fn log_total(rig: &AuthorityRig, key: &CounterKey) -> i64 {
    ok(
        rig.log
            .window_total(&key.customer, &key.feature, &key.window_key)
            .await,
        "window total",
    )
}

async fn counter(rig: &AuthorityRig, key: &CounterKey) -> i64 {
    ok(rig.counters.get(key).await, "counter")
}

pub async fn epochs_start_at_one_and_bump(rig: &AuthorityRig, prefix: &str) {
    let c = customer(prefix, "epochs");
    assert_eq!(ok(rig.authority.current(&c).await, "current"), None);
    let (first, totals) = ok(
        rig.authority
            .take_over(&c, CounterHome::External, &[])
            .await,
        "first take-over",
    );
    assert_eq!(
        first,
        Fence {
            home: CounterHome::External,
            epoch: 1
        }
    );
    assert!(totals.is_empty());
    assert_eq!(ok(rig.authority.current(&c).await, "current"), Some(first));
    let (second, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "second take-over",
    );
    assert_eq!(
        second,
        Fence {
            home: CounterHome::Store,
            epoch: 2
        }
    );
    let (third, _) = ok(
        rig.authority
            .take_over(&c, CounterHome::External, &[])
            .await,
        "third take-over",
    );
    assert_eq!(
        third,
        Fence {
            home: CounterHome::External,
            epoch: 3
        }
    );
    assert_eq!(ok(rig.authority.current(&c).await, "current"), Some(third));
    // Epochs are per customer.
    let other = customer(prefix, "epochs-other");
    let (fence, _) = ok(
        rig.authority
            .take_over(&other, CounterHome::Store, &[])
            .await,
        "other take-over",
    );
    assert_eq!(fence.epoch, 1);
}

/// A fence that is not the customer's current one — no fence yet, an old epoch, the other
/// home — is refused with the current fence, and nothing is written.
pub async fn stale_fences_write_nothing(rig: &AuthorityRig, prefix: &str) {
    let c = customer(prefix, "stale");
    let key = counter_key(&c);
    let guess = Fence {
        home: CounterHome::Store,
        epoch: 1,
    };
    let out = rig.recorder.commit(in_store(&c, "none", 2, guess)).await;
    assert!(
        matches!(out, Err(CommitError::Fenced { current: None })),
        "no fence yet: {out:?}"
    );
    assert!(!logged(rig, &c, "none").await);
    assert_eq!(counter(rig, &key).await, 0);

    let (old, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "take-over",
    );
    let written = ok(
        rig.recorder.commit(in_store(&c, "current", 3, old)).await,
        "current fence",
    );
    assert!(
        matches!(written, CommitOutcome::Inserted { .. }),
        "{written:?}"
    );
    assert_eq!(counter(rig, &key).await, 3);

    let (now, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "take-over again",
    );
    for (name, unit) in [
        ("old-store", in_store(&c, "old-store", 5, old)),
        ("old-external", external(&c, "old-external", 5, old)),
        (
            "other-home",
            in_store(
                &c,
                "other-home",
                5,
                Fence {
                    home: CounterHome::External,
                    epoch: now.epoch,
                },
            ),
        ),
    ] {
        let out = rig.recorder.commit(unit).await;
        match out {
            Err(CommitError::Fenced { current }) => assert_eq!(current, Some(now), "{name}"),
            other => panic!("{name}: a stale fence is refused, got {other:?}"),
        }
        assert!(!logged(rig, &c, name).await, "{name} is not logged");
    }
    assert_eq!(counter(rig, &key).await, 3, "no stale commit counted");
    assert_eq!(log_total(rig, &key).await, 3);
    // A stale retry of a stored key is refused too (the fence is checked first).
    let out = rig.recorder.commit(in_store(&c, "current", 3, old)).await;
    assert!(matches!(out, Err(CommitError::Fenced { .. })), "{out:?}");
}

/// Under the external home commits log events and leave the store's counter alone; moving
/// back to the store rebuilds it from the log, and the totals returned are the log's.
pub async fn external_commits_then_store_rebuild(rig: &AuthorityRig, prefix: &str) {
    let c = customer(prefix, "rebuild");
    let key = counter_key(&c);
    let (store, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "to the store",
    );
    ok(
        rig.recorder.commit(in_store(&c, "s-1", 4, store)).await,
        "s-1",
    );
    assert_eq!(counter(rig, &key).await, 4);

    let (ext, totals) = ok(
        rig.authority
            .take_over(&c, CounterHome::External, std::slice::from_ref(&key))
            .await,
        "to the external store",
    );
    assert_eq!(totals, vec![4], "the external store is loaded from the log");
    for (i, amount) in [2, 3, 5].into_iter().enumerate() {
        let out = ok(
            rig.recorder
                .commit(external(&c, &format!("e-{i}"), amount, ext))
                .await,
            "external commit",
        );
        let CommitOutcome::Inserted { event, consumption } = out else {
            panic!("a current external fence inserts, got {out:?}");
        };
        assert_eq!(consumption.applied, amount);
        assert_eq!(event.delta, amount);
    }
    assert_eq!(
        counter(rig, &key).await,
        4,
        "the store's counter is not kept"
    );
    assert_eq!(log_total(rig, &key).await, 14);

    // A counter of the customer with no events at all (a stale leftover) and one of another
    // window with events; the store is rebuilt from the log.
    let mut empty = key.clone();
    empty.window_key = "m202610".to_owned();
    ok(rig.counters.set(&empty, 9).await, "stale counter");
    let mut other = key.clone();
    other.feature = ok(FeatureCode::parse("ai_queries"), "feature");
    let (back, totals) = ok(
        rig.authority
            .take_over(
                &c,
                CounterHome::Store,
                &[key.clone(), empty.clone(), other.clone()],
            )
            .await,
        "back to the store",
    );
    assert_eq!(
        back,
        Fence {
            home: CounterHome::Store,
            epoch: ext.epoch + 1
        }
    );
    assert_eq!(totals, vec![14, 0, 0]);
    assert_eq!(counter(rig, &key).await, 14, "rebuilt from the log");
    assert_eq!(counter(rig, &empty).await, 0, "no events: 0");
    assert_eq!(counter(rig, &other).await, 0);

    // And counting in the store goes on from there.
    let out = ok(
        rig.recorder.commit(in_store(&c, "s-2", 1, back)).await,
        "s-2",
    );
    assert!(matches!(
        out,
        CommitOutcome::Inserted {
            consumption: Consumption { used: 15, .. },
            ..
        }
    ));
    assert_eq!(counter(rig, &key).await, 15);
}

/// `n` concurrent commits of one customer (so a grouped recorder batches them) with the
/// current fence, among them stale ones: the stale ones are refused and count nothing, the
/// others are written.
pub async fn fenced_event_fails_alone(rig: &AuthorityRig, prefix: &str, n: usize) {
    let c = customer(prefix, "batch");
    let key = counter_key(&c);
    let (old, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "take-over",
    );
    let (now, _) = ok(
        rig.authority.take_over(&c, CounterHome::Store, &[]).await,
        "take-over again",
    );
    let mut tasks = Vec::new();
    for i in 0..n {
        let rig = rig.clone();
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let unit = match i % 6 {
                // Stale: a large amount that would show in the counter.
                0 => in_store(&c, &format!("b-{i}"), 100, old),
                3 => external(&c, &format!("b-{i}"), 100, old),
                _ => in_store(&c, &format!("b-{i}"), 1, now),
            };
            debug_assert_eq!(i % 3 == 0, unit.fence == Some(old));
            rig.recorder.commit(unit).await
        }));
    }
    let (mut inserted, mut fenced) = (0_i64, 0);
    for t in tasks {
        match ok(t.await, "task") {
            Ok(CommitOutcome::Inserted { .. }) => inserted += 1,
            Err(CommitError::Fenced { current }) => {
                assert_eq!(current, Some(now));
                fenced += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let stale = (0..n).filter(|i| i % 3 == 0).count();
    assert_eq!(fenced, stale, "every stale commit is refused");
    assert_eq!(
        usize::try_from(inserted).unwrap_or(usize::MAX),
        n - stale,
        "the others are written"
    );
    assert_eq!(
        counter(rig, &key).await,
        inserted,
        "stale commits count nothing"
    );
    assert_eq!(log_total(rig, &key).await, inserted);
}

/// `tasks` tasks keep committing one unit each with the external fence while a take-over moves
/// the authority: every commit is written (and then counted in the totals the take-over
/// returned) or refused — none is written after the barrier.
pub async fn take_over_races_commits(rig: &AuthorityRig, prefix: &str, tasks: usize) {
    let c = customer(prefix, "race");
    let key = counter_key(&c);
    let (fence, _) = ok(
        rig.authority
            .take_over(&c, CounterHome::External, &[])
            .await,
        "take-over",
    );
    let started = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for t in 0..tasks {
        let rig = rig.clone();
        let c = c.clone();
        let started = started.clone();
        handles.push(tokio::spawn(async move {
            let (mut inserted, mut fenced) = (0_i64, 0_usize);
            // Until refused, then a few more (all refused); bounded in case the take-over
            // never comes.
            for i in 0..2_000 {
                let out = rig
                    .recorder
                    .commit(external(&c, &format!("r-{t}-{i}"), 1, fence))
                    .await;
                match out {
                    Ok(CommitOutcome::Inserted { .. }) => {
                        assert_eq!(fenced, 0, "written after a refusal");
                        inserted += 1;
                        started.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(CommitError::Fenced { current }) => {
                        assert_ne!(current, Some(fence));
                        fenced += 1;
                        if fenced == 3 {
                            break;
                        }
                    }
                    other => panic!("unexpected {other:?}"),
                }
                tokio::task::yield_now().await;
            }
            (inserted, fenced)
        }));
    }
    // Let the commits get going, then move the authority (to the same home: a new epoch).
    while started.load(Ordering::SeqCst) < tasks * 3 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let (next, totals) = ok(
        rig.authority
            .take_over(&c, CounterHome::External, std::slice::from_ref(&key))
            .await,
        "racing take-over",
    );
    assert_eq!(next.epoch, fence.epoch + 1);
    let (mut inserted, mut fenced) = (0_i64, 0);
    for h in handles {
        let (i, f) = ok(h.await, "task");
        inserted += i;
        fenced += f;
    }
    assert_eq!(
        fenced,
        tasks * 3,
        "every task is refused once the fence moved"
    );
    assert_eq!(
        totals,
        vec![inserted],
        "every written commit was written before the barrier"
    );
    assert_eq!(log_total(rig, &key).await, inserted, "and nothing after it");
    assert_eq!(
        counter(rig, &key).await,
        0,
        "the store's counter is not kept"
    );
}

/// Customers with a fence and customers with only events are listed, once each.
pub async fn customers_are_listed(rig: &AuthorityRig, prefix: &str) {
    let events_only = customer(prefix, "listed-events");
    let fenced_only = customer(prefix, "listed-fence");
    ok(
        rig.recorder
            .commit(commit(&events_only, "k", 1, None, None))
            .await,
        "unfenced commit",
    );
    ok(
        rig.authority
            .take_over(&fenced_only, CounterHome::External, &[])
            .await,
        "take-over",
    );
    let all = ok(rig.authority.customers().await, "customers");
    for c in [&events_only, &fenced_only, &customer(prefix, "epochs")] {
        assert_eq!(
            all.iter().filter(|x| x == &c).count(),
            1,
            "{c} once in {all:?}"
        );
    }
    assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemoryAuditLog, MemoryUsageRecorder};
    use tollgate_quotas::MemoryCounterStore;
    use tollgate_usage::MemoryUsageLog;
    use tollgate_wallet::MemoryWalletStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_authority_conforms() {
        let log = Arc::new(MemoryUsageLog::default());
        let counters = Arc::new(MemoryCounterStore::default());
        let recorder = MemoryUsageRecorder::new(
            log.clone(),
            counters.clone(),
            Arc::new(MemoryWalletStore::default()),
            Arc::new(MemoryAuditLog::default()),
        );
        let rig = AuthorityRig {
            authority: Arc::new(recorder.authority()),
            recorder: Arc::new(recorder),
            counters,
            log,
        };
        run_all(&rig, "mem").await;
    }
}
