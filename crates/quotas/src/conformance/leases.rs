//! Conformance checks of [`LeaseStore`].

use super::{customer, feature, ok};
use crate::{CounterError, LeaseKey, LeaseRequest, LeaseStore};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tollgate_kernel::Timestamp;

/// Runs every lease check against `store`.
pub async fn lease_store_suite(store: Arc<dyn LeaseStore>, prefix: &str) {
    lease_limit_is_respected(&store, prefix).await;
    expired_leases_are_reclaimed(&store, prefix).await;
    release_frees_a_slot(&store, prefix).await;
    renewing_does_not_double_count(&store, prefix).await;
    invalid_lease_requests_are_refused(&store, prefix).await;
    lease_race_never_overshoots(&store, prefix).await;
}

/// Real time, to the second: stores compare against the `now` they are given, but a backend
/// may also set a TTL from `expires_at`, which must not be in the past.
fn base_time() -> Timestamp {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
}

fn lease_key(prefix: &str, check: &str) -> LeaseKey {
    LeaseKey::new(customer(prefix, check), feature("concurrent_jobs"))
}

fn request(key: &LeaseKey, id: &str, limit: Option<i64>, now: Timestamp, ttl: i64) -> LeaseRequest {
    LeaseRequest {
        key: key.clone(),
        lease_id: id.to_owned(),
        limit,
        now,
        expires_at: now + Duration::seconds(ttl),
    }
}

pub async fn lease_limit_is_respected(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "limit");
    let t = base_time();
    let a = ok(
        store.acquire(&request(&k, "a", Some(2), t, 60)).await,
        "acquire a",
    );
    assert!(a.acquired && a.held == 1, "first lease: {a:?}");
    let b = ok(
        store.acquire(&request(&k, "b", Some(2), t, 30)).await,
        "acquire b",
    );
    assert!(b.acquired && b.held == 2, "second lease: {b:?}");
    let c = ok(
        store.acquire(&request(&k, "c", Some(2), t, 60)).await,
        "acquire c",
    );
    assert!(!c.acquired, "third lease over a limit of 2: {c:?}");
    assert_eq!(c.held, 2);
    assert_eq!(c.earliest_expiry, Some(t + Duration::seconds(30)));
    assert_eq!(ok(store.held(&k, t).await, "held"), 2);
    let other = lease_key(prefix, "limit-other");
    assert_eq!(ok(store.held(&other, t).await, "held elsewhere"), 0);
    let unlimited = ok(
        store.acquire(&request(&k, "d", None, t, 60)).await,
        "unlimited",
    );
    assert!(unlimited.acquired && unlimited.held == 3);
}

pub async fn expired_leases_are_reclaimed(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "expiry");
    let t = base_time();
    ok(
        store.acquire(&request(&k, "old", Some(1), t, 10)).await,
        "acquire old",
    );
    let later = t + Duration::seconds(10);
    // A lease is expired at its expiry instant.
    assert_eq!(
        ok(
            store.held(&k, later - Duration::seconds(1)).await,
            "held before"
        ),
        1
    );
    assert_eq!(ok(store.held(&k, later).await, "held at expiry"), 0);
    let new = ok(
        store.acquire(&request(&k, "new", Some(1), later, 60)).await,
        "acquire new",
    );
    assert!(
        new.acquired,
        "the expired lease's slot is reclaimed: {new:?}"
    );
    assert_eq!(new.held, 1);
    assert_eq!(new.earliest_expiry, Some(later + Duration::seconds(60)));
    assert!(
        !ok(store.release(&k, "old").await, "release reclaimed"),
        "reclaimed lease is gone"
    );
}

pub async fn release_frees_a_slot(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "release");
    let t = base_time();
    ok(
        store.acquire(&request(&k, "a", Some(1), t, 60)).await,
        "acquire a",
    );
    assert!(ok(store.release(&k, "a").await, "release a"));
    assert!(
        !ok(store.release(&k, "a").await, "release a twice"),
        "second release is false"
    );
    assert!(!ok(store.release(&k, "nobody").await, "release unknown"));
    assert_eq!(ok(store.held(&k, t).await, "held"), 0);
    let b = ok(
        store.acquire(&request(&k, "b", Some(1), t, 60)).await,
        "acquire b",
    );
    assert!(b.acquired, "the released slot is free again");
    assert_eq!(b.held, 1);
}

pub async fn renewing_does_not_double_count(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "renew");
    let t = base_time();
    ok(
        store.acquire(&request(&k, "a", Some(1), t, 10)).await,
        "acquire a",
    );
    let renewed = ok(
        store
            .acquire(&request(&k, "a", Some(1), t + Duration::seconds(5), 60))
            .await,
        "renew a",
    );
    assert!(
        renewed.acquired && renewed.held == 1,
        "renewal: {renewed:?}"
    );
    let expiry = t + Duration::seconds(65);
    assert_eq!(
        renewed.earliest_expiry,
        Some(expiry),
        "renewal moves the expiry"
    );
    assert_eq!(
        ok(
            store.held(&k, t + Duration::seconds(30)).await,
            "held after old expiry"
        ),
        1
    );
    // Renewal is granted even when the limit was lowered below what is held.
    let lowered = ok(
        store
            .acquire(&request(&k, "a", Some(0), t + Duration::seconds(6), 60))
            .await,
        "renew at 0",
    );
    assert!(lowered.acquired && lowered.held == 1);
    let b = ok(
        store
            .acquire(&request(&k, "b", Some(1), t + Duration::seconds(7), 60))
            .await,
        "acquire b",
    );
    assert!(!b.acquired, "a renewed lease still holds its slot");
}

pub async fn invalid_lease_requests_are_refused(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "invalid");
    let t = base_time();
    for (req, what) in [
        (request(&k, "a", Some(1), t, 0), "expiry at now"),
        (request(&k, "", Some(1), t, 60), "empty id"),
        (request(&k, "a", Some(-1), t, 60), "negative limit"),
    ] {
        assert!(
            matches!(store.acquire(&req).await, Err(CounterError::Invalid(_))),
            "{what} is invalid"
        );
    }
    assert_eq!(
        ok(store.held(&k, t).await, "held"),
        0,
        "invalid requests take nothing"
    );
}

/// 50 acquirers, each with its own id, against a limit of 3: exactly 3 get a lease.
pub async fn lease_race_never_overshoots(store: &Arc<dyn LeaseStore>, prefix: &str) {
    let k = lease_key(prefix, "race");
    let t = base_time();
    let mut tasks = Vec::with_capacity(50);
    for i in 0..50 {
        let store = Arc::clone(store);
        let req = request(&k, &format!("lease-{i}"), Some(3), t, 60);
        tasks.push(tokio::spawn(async move {
            ok(store.acquire(&req).await, "racing acquire")
        }));
    }
    let mut acquired = 0;
    for task in tasks {
        let outcome = ok(task.await, "racing task");
        assert!(
            outcome.held <= 3,
            "held never passes the limit: {outcome:?}"
        );
        if outcome.acquired {
            acquired += 1;
        }
    }
    assert_eq!(
        acquired, 3,
        "exactly the limit is acquired under contention"
    );
    assert_eq!(ok(store.held(&k, t).await, "held after race"), 3);
}
