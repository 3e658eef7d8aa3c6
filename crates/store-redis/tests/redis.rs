//! The quota port conformance suites and Redis-specific checks, against a real Redis at
//! `TOLLGATE_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`). A Redis that is down fails
//! the tests: it is never a reason to skip them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration as TimeDelta, Utc};
use deadpool_redis::redis::{self, aio::MultiplexedConnection};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tollgate_kernel::{CustomerId, Enforcement, FeatureCode, Timestamp, Window};
use tollgate_quotas::conformance::{
    counter_store_suite, fenced_counter_store_suite, lease_store_suite,
};
use tollgate_quotas::{
    Consume, CounterError, CounterKey, CounterStore, Fenced, FencedCounterStore, LeaseKey,
    LeaseRequest, LeaseStore,
};
use tollgate_store_redis::{DEFAULT_LATE_GRACE, RedisCounters};

fn redis_url() -> String {
    std::env::var("TOLLGATE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `tg-test-<pid>-<nanos>-<n>`: unique per test, so runs and tests never share keys.
fn unique_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "tg-test-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A store under a fresh prefix; panics with a clear message when Redis cannot be reached.
async fn store() -> RedisCounters {
    let url = redis_url();
    let store = RedisCounters::connect(&url, &unique_prefix()).expect("Redis URL");
    if let Err(err) = store.ping().await {
        panic!(
            "Redis is not reachable at {url} ({err}): start one (redis-server) or point \
             TOLLGATE_TEST_REDIS_URL at one; these tests never skip"
        );
    }
    store
}

async fn raw_conn() -> MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("raw Redis connection")
}

async fn cleanup(store: &RedisCounters) {
    store.delete_prefix().await.expect("delete_prefix");
    let mut conn = raw_conn().await;
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", store.prefix()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(left.is_empty(), "delete_prefix left {left:?}");
}

fn customer(id: &str) -> CustomerId {
    CustomerId::parse(id).unwrap()
}

fn feature(code: &str) -> FeatureCode {
    FeatureCode::parse(code).unwrap()
}

fn whole_second(t: Timestamp) -> Timestamp {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

fn consume(key: &CounterKey, amount: i64, limit: Option<i64>) -> Consume {
    Consume {
        key: key.clone(),
        amount,
        limit,
        enforcement: Enforcement::Hard,
    }
}

async fn pexpiretime(conn: &mut MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PEXPIRETIME")
        .arg(key)
        .query_async(conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_counter_store_conforms() {
    let store = store().await;
    counter_store_suite(Arc::new(store.clone()), store.prefix()).await;
    cleanup(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_lease_store_conforms() {
    let store = store().await;
    lease_store_suite(Arc::new(store.clone()), store.prefix()).await;
    cleanup(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_fenced_counter_store_conforms() {
    let store = store().await;
    fenced_counter_store_suite(Arc::new(store.clone()), store.prefix()).await;
    cleanup(&store).await;
}

/// Values past 2^53, where Lua's doubles would round, are computed exactly.
#[tokio::test]
async fn counters_are_exact_over_the_whole_i64_range() {
    let store = store().await;
    let life = Window::Lifetime.span_at(Utc::now(), None);
    let k = CounterKey::new(customer("big"), feature("tokens"), &life);
    let two_53 = 1_i64 << 53;
    store.set(&k, two_53).await.unwrap();
    let c = store
        .try_consume(&consume(&k, 1, Some(two_53 + 1)))
        .await
        .unwrap();
    assert!(c.accepted && c.used == two_53 + 1, "{c:?}");
    let c = store
        .try_consume(&consume(&k, 1, Some(two_53 + 1)))
        .await
        .unwrap();
    assert!(
        !c.accepted && c.used == two_53 + 1,
        "one past 2^53 + 1: {c:?}"
    );
    store.set(&k, i64::MAX - 1).await.unwrap();
    let c = store
        .try_consume(&consume(&k, 1, Some(i64::MAX)))
        .await
        .unwrap();
    assert!(c.accepted && c.used == i64::MAX, "{c:?}");
    assert!(matches!(
        store.try_consume(&consume(&k, 1, None)).await,
        Err(CounterError::Invalid(_))
    ));
    let c = store
        .try_consume(&consume(&k, i64::MIN, Some(0)))
        .await
        .unwrap();
    assert_eq!((c.used, c.applied), (0, -i64::MAX), "release from i64::MAX");
    store.set(&k, 123_456_789_012_345_678).await.unwrap();
    assert_eq!(
        CounterStore::release(&store, &k, 23_456_789_012_345_679)
            .await
            .unwrap(),
        99_999_999_999_999_999
    );
    assert_eq!(store.get(&k).await.unwrap(), 99_999_999_999_999_999);
    cleanup(&store).await;
}

/// A stored value that is not a non-negative i64 is refused, never guessed at.
#[tokio::test]
async fn corrupt_counters_are_refused() {
    let store = store().await;
    let life = Window::Lifetime.span_at(Utc::now(), None);
    let k = CounterKey::new(customer("corrupt"), feature("f"), &life);
    let mut conn = raw_conn().await;
    for raw in ["-5", "abc", "99999999999999999999"] {
        let _: () = redis::cmd("SET")
            .arg(k.redis_key(store.prefix()))
            .arg(raw)
            .query_async(&mut conn)
            .await
            .unwrap();
        let err = store.try_consume(&consume(&k, 1, None)).await;
        assert!(
            matches!(err, Err(CounterError::Invalid(_))),
            "{raw}: {err:?}"
        );
        let err = CounterStore::release(&store, &k, 1).await;
        assert!(
            matches!(err, Err(CounterError::Invalid(_))),
            "{raw}: {err:?}"
        );
    }
    assert!(matches!(
        store.get(&k).await,
        Err(CounterError::Unexpected(_))
    ));
    cleanup(&store).await;
}

/// After `SCRIPT FLUSH` (or a Redis restart) every script is loaded again on first use.
#[tokio::test]
async fn scripts_survive_script_flush() {
    let store = store().await;
    let c = customer("flush");
    let life = Window::Lifetime.span_at(Utc::now(), None);
    let k = CounterKey::new(c.clone(), feature("f"), &life);
    let lease = LeaseKey::new(c.clone(), feature("jobs"));
    let now = whole_second(Utc::now());
    let lease_req = LeaseRequest {
        key: lease.clone(),
        lease_id: "a".into(),
        limit: Some(1),
        now,
        expires_at: now + TimeDelta::seconds(60),
    };
    let mut conn = raw_conn().await;
    for round in 0..2 {
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .unwrap();
        let epoch = round + 1;
        assert!(store.load(&c, epoch, &[(k.clone(), 0)]).await.unwrap());
        store.set(&k, 1).await.unwrap();
        assert!(
            store
                .try_consume(&consume(&k, 1, None))
                .await
                .unwrap()
                .accepted
        );
        assert_eq!(CounterStore::release(&store, &k, 1).await.unwrap(), 1);
        assert!(store.acquire(&lease_req).await.unwrap().acquired);
        let guard = format!("g{round}");
        let done = store
            .consume(&consume(&k, 1, None), epoch, &guard)
            .await
            .unwrap();
        assert!(matches!(done, Fenced::Done(_)), "{done:?}");
        assert_eq!(
            store.undo(&k, 1, epoch, &guard).await.unwrap(),
            Fenced::Done(())
        );
        assert_eq!(
            store
                .read(&c, std::slice::from_ref(&k), epoch)
                .await
                .unwrap(),
            Fenced::Done(vec![1])
        );
    }
    cleanup(&store).await;
}

/// Window counters expire at `resets_at + grace`, written by any script; lifetime counters
/// and epochs never expire; a lease set expires with its last lease; a guard with the guard
/// lifetime.
#[tokio::test]
async fn keys_expire_as_documented() {
    let store = store().await;
    let grace_ms = i64::try_from(DEFAULT_LATE_GRACE.as_millis()).unwrap();
    assert_eq!(grace_ms, (31 * 24 + 1) * 3_600_000);
    let c = customer("ttl");
    let month = Window::Month.span_at(Utc::now(), None);
    let resets_at = month.resets_at.unwrap();
    let window = CounterKey::new(c.clone(), feature("calls"), &month);
    let life = CounterKey::new(
        c.clone(),
        feature("storage"),
        &Window::Lifetime.span_at(Utc::now(), None),
    );
    let expected = resets_at.timestamp_millis() + grace_ms;
    let mut conn = raw_conn().await;
    let wkey = window.redis_key(store.prefix());
    let lkey = life.redis_key(store.prefix());

    store.try_consume(&consume(&window, 1, None)).await.unwrap();
    store.try_consume(&consume(&life, 1, None)).await.unwrap();
    assert_eq!(pexpiretime(&mut conn, &wkey).await, expected, "consume");
    assert_eq!(pexpiretime(&mut conn, &lkey).await, -1, "lifetime: no TTL");
    for (write, what) in [(0, "set"), (1, "release")] {
        let _: () = redis::cmd("PERSIST")
            .arg(&wkey)
            .query_async(&mut conn)
            .await
            .unwrap();
        if write == 0 {
            store.set(&window, 5).await.unwrap();
            store.set(&life, 5).await.unwrap();
        } else {
            CounterStore::release(&store, &window, 1).await.unwrap();
            CounterStore::release(&store, &life, 1).await.unwrap();
        }
        assert_eq!(pexpiretime(&mut conn, &wkey).await, expected, "{what}");
        assert_eq!(pexpiretime(&mut conn, &lkey).await, -1, "{what}: lifetime");
    }

    let _: () = redis::cmd("PERSIST")
        .arg(&wkey)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        store
            .load(&c, 1, &[(window.clone(), 3), (life.clone(), 3)])
            .await
            .unwrap()
    );
    assert_eq!(pexpiretime(&mut conn, &wkey).await, expected, "load");
    assert_eq!(pexpiretime(&mut conn, &lkey).await, -1, "load: lifetime");
    assert_eq!(
        pexpiretime(&mut conn, &store.epoch_key(&c)).await,
        -1,
        "epochs never expire"
    );
    let done = store
        .consume(&consume(&window, 1, None), 1, "g")
        .await
        .unwrap();
    assert!(matches!(done, Fenced::Done(_)));
    assert_eq!(
        pexpiretime(&mut conn, &wkey).await,
        expected,
        "fenced consume"
    );
    let guard_ttl: i64 = redis::cmd("PTTL")
        .arg(store.guard_key(&c, "g"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        guard_ttl > 590_000 && guard_ttl <= 600_000,
        "guard lives 10 minutes: {guard_ttl}"
    );
    assert_eq!(
        store.undo(&window, 1, 1, "g").await.unwrap(),
        Fenced::Done(())
    );
    assert_eq!(pexpiretime(&mut conn, &wkey).await, expected, "undo");
    let exists: i64 = redis::cmd("EXISTS")
        .arg(store.guard_key(&c, "g"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0, "undo frees the guard");

    // A shorter grace and guard lifetime, chosen by the builder.
    let short = store
        .clone()
        .with_late_grace(Duration::from_secs(3600))
        .with_guard_lifetime(Duration::from_secs(5));
    short.set(&window, 1).await.unwrap();
    assert_eq!(
        pexpiretime(&mut conn, &wkey).await,
        resets_at.timestamp_millis() + 3_600_000
    );
    short
        .consume(&consume(&window, 1, None), 1, "short")
        .await
        .unwrap();
    let guard_ttl: i64 = redis::cmd("PTTL")
        .arg(short.guard_key(&c, "short"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(guard_ttl > 0 && guard_ttl <= 5_000, "{guard_ttl}");

    // The lease set lives as long as its latest lease.
    let lease = LeaseKey::new(c.clone(), feature("jobs"));
    let now = whole_second(Utc::now());
    for (id, ttl) in [("a", 60), ("b", 300), ("c", 120)] {
        let req = LeaseRequest {
            key: lease.clone(),
            lease_id: id.into(),
            limit: None,
            now,
            expires_at: now + TimeDelta::seconds(ttl),
        };
        assert!(store.acquire(&req).await.unwrap().acquired);
    }
    assert_eq!(
        pexpiretime(&mut conn, &lease.redis_key(store.prefix())).await,
        (now + TimeDelta::seconds(300)).timestamp_millis()
    );
    cleanup(&store).await;
}

/// Every key written for one customer carries the customer's `{…}` hash tag, whatever the
/// ids contain: one customer's keys share one Cluster slot.
#[tokio::test]
async fn one_customer_keys_share_one_hash_tag() {
    let store = store().await;
    let mut conn = raw_conn().await;
    let month = Window::Month.span_at(Utc::now(), None);
    let now = whole_second(Utc::now());
    let customers = [customer("acme"), customer("a:b@c.d")];
    for c in &customers {
        let k = CounterKey::new(c.clone(), feature("api:calls"), &month);
        let life = CounterKey::new(
            c.clone(),
            feature("storage"),
            &Window::Lifetime.span_at(now, None),
        );
        store.set(&k, 1).await.unwrap();
        assert!(store.load(c, 1, &[(life.clone(), 2)]).await.unwrap());
        let done = store
            .consume(&consume(&life, 1, None), 1, "evt:{x}%")
            .await
            .unwrap();
        assert!(matches!(done, Fenced::Done(_)));
        let req = LeaseRequest {
            key: LeaseKey::new(c.clone(), feature("jobs")),
            lease_id: "l1".into(),
            limit: Some(1),
            now,
            expires_at: now + TimeDelta::seconds(60),
        };
        assert!(store.acquire(&req).await.unwrap().acquired);
    }
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", store.prefix()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        keys.len(),
        10,
        "4 written keys and one epoch per customer: {keys:?}"
    );
    // Redis hashes the text between the first `{` and the next `}`: with exactly one of each
    // per key, keys with the same tag text share one slot.
    let tags: BTreeSet<&str> = keys
        .iter()
        .map(|k| {
            assert_eq!(k.matches('{').count(), 1, "one tag opening in {k}");
            assert_eq!(k.matches('}').count(), 1, "one tag closing in {k}");
            let open = k.find('{').unwrap();
            let close = k.find('}').unwrap();
            &k[open..=close]
        })
        .collect();
    assert_eq!(
        tags,
        BTreeSet::from(["{a%3Ab@c.d}", "{acme}"]),
        "one tag per customer"
    );
    cleanup(&store).await;
}

/// Nothing listens on port 1: every port method answers `Unavailable`, fast.
#[tokio::test]
async fn unreachable_redis_is_unavailable_quickly() {
    let store = RedisCounters::connect("redis://127.0.0.1:1", "tg-unreachable").unwrap();
    let c = customer("acme");
    let k = CounterKey::new(
        c.clone(),
        feature("f"),
        &Window::Lifetime.span_at(Utc::now(), None),
    );
    let lease = LeaseKey::new(c.clone(), feature("jobs"));
    let now = whole_second(Utc::now());
    let req = LeaseRequest {
        key: lease.clone(),
        lease_id: "a".into(),
        limit: Some(1),
        now,
        expires_at: now + TimeDelta::seconds(60),
    };
    let started = Instant::now();
    macro_rules! unavailable {
        ($call:expr) => {{
            let t = Instant::now();
            let result = $call.await;
            assert!(
                matches!(result, Err(CounterError::Unavailable(_))),
                "{}: {:?}",
                stringify!($call),
                result
            );
            assert!(
                t.elapsed() < Duration::from_millis(1500),
                "{} took {:?}",
                stringify!($call),
                t.elapsed()
            );
        }};
    }
    unavailable!(store.try_consume(&consume(&k, 1, None)));
    unavailable!(CounterStore::release(&store, &k, 1));
    unavailable!(store.get(&k));
    unavailable!(store.get_many(std::slice::from_ref(&k)));
    unavailable!(store.set(&k, 1));
    unavailable!(store.acquire(&req));
    unavailable!(LeaseStore::release(&store, &lease, "a"));
    unavailable!(store.held(&lease, now));
    unavailable!(store.ping());
    unavailable!(store.epoch(&c));
    unavailable!(store.load(&c, 1, &[(k.clone(), 1)]));
    unavailable!(store.consume(&consume(&k, 1, None), 1, "g"));
    unavailable!(store.undo(&k, 1, 1, "g"));
    unavailable!(store.read(&c, std::slice::from_ref(&k), 1));
    unavailable!(store.delete_prefix());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// 50 racing acquirers against a limit of 3: no answer ever shows more than 3 held, a
/// watcher polling `held` meanwhile never sees more than 3, exactly 3 acquire; at their
/// expiry the leases are reclaimed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lease_race_never_holds_more_than_the_limit() {
    let store = store().await;
    let key = LeaseKey::new(customer("race"), feature("jobs"));
    let now = whole_second(Utc::now());
    let watcher = {
        let (store, key) = (store.clone(), key.clone());
        tokio::spawn(async move {
            let mut most = 0;
            for _ in 0..200 {
                most = most.max(store.held(&key, now).await.unwrap());
                tokio::task::yield_now().await;
            }
            most
        })
    };
    let mut tasks = Vec::with_capacity(50);
    for i in 0..50 {
        let store = store.clone();
        let req = LeaseRequest {
            key: key.clone(),
            lease_id: format!("worker-{i}"),
            limit: Some(3),
            now,
            expires_at: now + TimeDelta::seconds(30),
        };
        tasks.push(tokio::spawn(async move {
            let outcome = store.acquire(&req).await.unwrap();
            let held = store.held(&req.key, now).await.unwrap();
            (outcome, held)
        }));
    }
    let mut acquired = 0;
    for task in tasks {
        let (outcome, held) = task.await.unwrap();
        assert!(outcome.held <= 3, "{outcome:?}");
        assert!(held <= 3, "held {held} after an acquire");
        assert_eq!(
            outcome.earliest_expiry,
            Some(now + TimeDelta::seconds(30)),
            "{outcome:?}"
        );
        if outcome.acquired {
            acquired += 1;
        }
    }
    assert_eq!(acquired, 3);
    assert!(watcher.await.unwrap() <= 3);
    assert_eq!(store.held(&key, now).await.unwrap(), 3);

    let later = now + TimeDelta::seconds(30);
    assert_eq!(
        store.held(&key, later).await.unwrap(),
        0,
        "expired at expiry"
    );
    let req = LeaseRequest {
        key: key.clone(),
        lease_id: "late".into(),
        limit: Some(3),
        now: later,
        expires_at: later + TimeDelta::seconds(30),
    };
    let outcome = store.acquire(&req).await.unwrap();
    assert!(outcome.acquired && outcome.held == 1, "{outcome:?}");
    let mut conn = raw_conn().await;
    let members: i64 = redis::cmd("ZCARD")
        .arg(key.redis_key(store.prefix()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(members, 1, "the expired leases were removed from the set");
    cleanup(&store).await;
}
