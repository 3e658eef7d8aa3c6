//! Conformance checks of [`FencedCounterStore`].

use super::{customer, feature, ok};
use crate::{Consume, Consumption, CounterError, CounterKey, Fenced, FencedCounterStore};
use chrono::{TimeZone, Utc};
use std::sync::Arc;
use tollgate_kernel::{CustomerId, Enforcement, Window, WindowSpan};

/// Runs every fenced check against `store`. Each check uses its own customers, so the epochs
/// it loads are its own.
pub async fn fenced_counter_store_suite(store: Arc<dyn FencedCounterStore>, prefix: &str) {
    ping_answers(&store).await;
    missing_epoch_is_stale(&store, prefix).await;
    load_sets_epoch_and_values(&store, prefix).await;
    load_refuses_an_older_or_equal_epoch(&store, prefix).await;
    stale_epoch_refuses_consume_undo_and_read(&store, prefix).await;
    fenced_consume_follows_apply_consume(&store, prefix).await;
    guard_makes_a_consumption_count_once(&store, prefix).await;
    refused_consumption_takes_no_guard(&store, prefix).await;
    undo_gives_back_and_frees_the_guard(&store, prefix).await;
    undo_after_a_newer_load_is_refused(&store, prefix).await;
    keys_of_another_customer_are_invalid(&store, prefix).await;
    racing_guards_never_overshoot(&store, prefix).await;
    racing_one_guard_consumes_once(&store, prefix).await;
}

fn far_month() -> WindowSpan {
    match Utc.with_ymd_and_hms(2099, 12, 15, 0, 0, 0).single() {
        Some(at) => Window::Month.span_at(at, None),
        None => Window::Lifetime.span_at(Utc::now(), None),
    }
}

fn key(c: &CustomerId, code: &str) -> CounterKey {
    CounterKey::new(c.clone(), feature(code), &far_month())
}

fn lifetime_key(c: &CustomerId, code: &str) -> CounterKey {
    CounterKey::new(
        c.clone(),
        feature(code),
        &Window::Lifetime.span_at(Utc::now(), None),
    )
}

fn hard(key: &CounterKey, amount: i64, limit: i64) -> Consume {
    Consume {
        key: key.clone(),
        amount,
        limit: Some(limit),
        enforcement: Enforcement::Hard,
    }
}

fn done(accepted: bool, used: i64, applied: i64) -> Fenced<Consumption> {
    Fenced::Done(Consumption {
        accepted,
        used,
        applied,
    })
}

async fn value(store: &Arc<dyn FencedCounterStore>, k: &CounterKey, epoch: i64) -> i64 {
    match ok(
        store
            .read(&k.customer, std::slice::from_ref(k), epoch)
            .await,
        "read",
    ) {
        Fenced::Done(values) => values.first().copied().unwrap_or(-1),
        other => panic!("read under the current epoch {epoch}: {other:?}"),
    }
}

async fn loaded(store: &Arc<dyn FencedCounterStore>, c: &CustomerId, epoch: i64) {
    assert!(
        ok(store.load(c, epoch, &[]).await, "load"),
        "load of a fresh customer at epoch {epoch}"
    );
}

pub async fn ping_answers(store: &Arc<dyn FencedCounterStore>) {
    ok(store.ping().await, "ping");
}

pub async fn missing_epoch_is_stale(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-missing");
    let k = key(&c, "api_calls");
    assert_eq!(ok(store.epoch(&c).await, "epoch"), None);
    assert_eq!(
        ok(store.consume(&hard(&k, 1, 10), 1, "g").await, "consume"),
        Fenced::Stale(None),
        "no epoch: consume is stale"
    );
    assert_eq!(
        ok(store.undo(&k, 1, 1, "g").await, "undo"),
        Fenced::Stale(None),
        "no epoch: undo is stale"
    );
    assert_eq!(
        ok(store.read(&c, std::slice::from_ref(&k), 1).await, "read"),
        Fenced::Stale(None),
        "no epoch: read is stale"
    );
    loaded(store, &c, 1).await;
    assert_eq!(value(store, &k, 1).await, 0, "a stale call wrote nothing");
}

pub async fn load_sets_epoch_and_values(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-load");
    let (a, b) = (key(&c, "a"), lifetime_key(&c, "b"));
    let absent = key(&c, "absent");
    let values = [(a.clone(), 3), (b.clone(), 7)];
    assert!(ok(store.load(&c, 5, &values).await, "load at 5"));
    assert_eq!(ok(store.epoch(&c).await, "epoch"), Some(5));
    assert_eq!(
        ok(
            store.read(&c, &[b.clone(), absent, a.clone()], 5).await,
            "read"
        ),
        Fenced::Done(vec![7, 0, 3]),
        "read answers the loaded values in order, 0 for absent ones"
    );
    assert_eq!(
        ok(store.read(&c, &[], 5).await, "read nothing"),
        Fenced::Done(vec![])
    );
    assert!(ok(store.load(&c, 6, &[(a.clone(), 10)]).await, "load at 6"));
    assert_eq!(ok(store.epoch(&c).await, "epoch"), Some(6));
    assert_eq!(
        ok(store.read(&c, &[a, b], 6).await, "read after second load"),
        Fenced::Done(vec![10, 7]),
        "counters not loaded are left as they are"
    );
}

pub async fn load_refuses_an_older_or_equal_epoch(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-older");
    let (a, b) = (key(&c, "a"), key(&c, "b"));
    assert!(ok(store.load(&c, 6, &[(a.clone(), 10)]).await, "load at 6"));
    for epoch in [6, 2, -1] {
        assert!(
            !ok(
                store
                    .load(&c, epoch, &[(a.clone(), 99), (b.clone(), 99)])
                    .await,
                "load"
            ),
            "load at {epoch} over epoch 6 is refused"
        );
    }
    assert_eq!(ok(store.epoch(&c).await, "epoch"), Some(6));
    assert_eq!(
        value(store, &a, 6).await,
        10,
        "a refused load writes nothing"
    );
    assert_eq!(
        value(store, &b, 6).await,
        0,
        "a refused load writes nothing"
    );
    let negative = [(a.clone(), 1), (b.clone(), -1)];
    assert!(
        matches!(
            store.load(&c, 7, &negative).await,
            Err(CounterError::Invalid(_))
        ),
        "a negative value is invalid"
    );
    assert_eq!(ok(store.epoch(&c).await, "epoch"), Some(6));
    assert_eq!(
        value(store, &a, 6).await,
        10,
        "an invalid load writes nothing"
    );
    // Epochs compare as numbers, not as strings.
    assert!(ok(store.load(&c, 10, &[]).await, "load at 10 over 6"));
    assert!(!ok(store.load(&c, 9, &[]).await, "load at 9 over 10"));
    assert!(ok(store.load(&c, i64::MAX, &[]).await, "load at i64::MAX"));
    assert_eq!(ok(store.epoch(&c).await, "epoch"), Some(i64::MAX));
}

pub async fn stale_epoch_refuses_consume_undo_and_read(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-stale");
    let k = key(&c, "api_calls");
    assert!(ok(store.load(&c, 6, &[(k.clone(), 4)]).await, "load at 6"));
    for epoch in [5, 7] {
        assert_eq!(
            ok(
                store.consume(&hard(&k, 1, 10), epoch, "g1").await,
                "consume"
            ),
            Fenced::Stale(Some(6)),
            "consume under epoch {epoch}"
        );
        assert_eq!(
            ok(store.undo(&k, 2, epoch, "g1").await, "undo"),
            Fenced::Stale(Some(6)),
            "undo under epoch {epoch}"
        );
        assert_eq!(
            ok(
                store.read(&c, std::slice::from_ref(&k), epoch).await,
                "read"
            ),
            Fenced::Stale(Some(6)),
            "read under epoch {epoch}"
        );
    }
    assert_eq!(value(store, &k, 6).await, 4, "stale calls change nothing");
    assert_eq!(
        ok(store.consume(&hard(&k, 1, 10), 6, "g1").await, "consume"),
        done(true, 5, 1),
        "a stale consume took no guard"
    );
}

pub async fn fenced_consume_follows_apply_consume(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-semantics");
    loaded(store, &c, 1).await;
    let k = key(&c, "api_calls");
    let consume = |req: Consume, guard: &'static str| {
        let store = Arc::clone(store);
        async move { ok(store.consume(&req, 1, guard).await, guard) }
    };
    assert_eq!(consume(hard(&k, 7, 10), "h1").await, done(true, 7, 7));
    assert_eq!(consume(hard(&k, 4, 10), "h2").await, done(false, 7, 0));
    assert_eq!(consume(hard(&k, 3, 10), "h3").await, done(true, 10, 3));
    assert_eq!(
        consume(hard(&k, 0, 9), "h4").await,
        done(false, 10, 0),
        "zero against a passed hard limit is refused"
    );
    let mut soft = hard(&k, 5, 10);
    soft.enforcement = Enforcement::Soft;
    assert_eq!(consume(soft, "s1").await, done(true, 15, 5));
    let mut unlimited = hard(&k, 5, 0);
    unlimited.limit = None;
    assert_eq!(consume(unlimited, "u1").await, done(true, 20, 5));
    assert_eq!(
        consume(hard(&k, -25, 0), "r1").await,
        done(true, 0, -20),
        "a release floors at zero whatever the limit"
    );
    let big = key(&c, "big");
    assert!(ok(
        store.load(&c, 2, &[(big.clone(), i64::MAX - 1)]).await,
        "load"
    ));
    let mut overflow = hard(&big, 2, 0);
    overflow.limit = None;
    assert!(
        matches!(
            store.consume(&overflow, 2, "o1").await,
            Err(CounterError::Invalid(_))
        ),
        "overflow is invalid"
    );
    assert!(
        matches!(
            store.consume(&hard(&big, 1, -1), 2, "o2").await,
            Err(CounterError::Invalid(_))
        ),
        "a negative limit is invalid"
    );
    assert!(
        matches!(
            store.consume(&hard(&big, 1, 10), 2, "").await,
            Err(CounterError::Invalid(_))
        ),
        "an empty guard is invalid"
    );
    assert_eq!(value(store, &big, 2).await, i64::MAX - 1);
    overflow.amount = 1;
    assert_eq!(
        ok(store.consume(&overflow, 2, "o1").await, "after overflow"),
        done(true, i64::MAX, 1),
        "an invalid consume took no guard; i64::MAX is reached exactly"
    );
}

pub async fn guard_makes_a_consumption_count_once(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-guard");
    loaded(store, &c, 1).await;
    let k = key(&c, "api_calls");
    let req = hard(&k, 4, 10);
    assert_eq!(
        ok(store.consume(&req, 1, "req-1").await, "first"),
        done(true, 4, 4)
    );
    assert_eq!(
        ok(store.consume(&req, 1, "req-1").await, "retry"),
        Fenced::Repeated,
        "the same guard consumes once"
    );
    assert_eq!(value(store, &k, 1).await, 4, "a repeat consumes nothing");
    // Guards are per customer, and odd characters cannot make two guards one.
    for (guard, used) in [("req-2", 8), ("req:1", 9), ("{req-1}", 10)] {
        let one = hard(&k, if used == 8 { 4 } else { 1 }, 10);
        assert_eq!(
            ok(store.consume(&one, 1, guard).await, guard),
            done(true, used, one.amount),
            "guard {guard:?} is another guard"
        );
    }
    let other = customer(prefix, "fenced-guard-other");
    loaded(store, &other, 1).await;
    assert_eq!(
        ok(
            store
                .consume(&hard(&key(&other, "api_calls"), 1, 10), 1, "req-1")
                .await,
            "other"
        ),
        done(true, 1, 1),
        "another customer's guard is its own"
    );
}

pub async fn refused_consumption_takes_no_guard(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-refused");
    assert!(ok(
        store.load(&c, 1, &[(key(&c, "api_calls"), 8)]).await,
        "load"
    ));
    let k = key(&c, "api_calls");
    assert_eq!(
        ok(store.consume(&hard(&k, 5, 10), 1, "big").await, "refused"),
        done(false, 8, 0)
    );
    assert_eq!(
        ok(
            store.consume(&hard(&k, 2, 10), 1, "big").await,
            "retry smaller"
        ),
        done(true, 10, 2),
        "a refused consumption leaves its guard free"
    );
}

pub async fn undo_gives_back_and_frees_the_guard(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-undo");
    let (k, gauge) = (key(&c, "api_calls"), lifetime_key(&c, "storage_bytes"));
    assert!(ok(
        store
            .load(&c, 3, &[(k.clone(), 5), (gauge.clone(), 10)])
            .await,
        "load"
    ));
    let taken = ok(store.consume(&hard(&k, 3, 10), 3, "u").await, "consume");
    assert_eq!(taken, done(true, 8, 3));
    assert_eq!(
        ok(store.undo(&k, 3, 3, "u").await, "undo"),
        Fenced::Done(())
    );
    assert_eq!(value(store, &k, 3).await, 5, "undo gives the units back");
    assert_eq!(
        ok(store.consume(&hard(&k, 3, 10), 3, "u").await, "again"),
        done(true, 8, 3),
        "undo frees the guard"
    );
    // The undo of a gauge release adds the released amount back.
    assert_eq!(
        ok(store.consume(&hard(&gauge, -4, 0), 3, "r").await, "release"),
        done(true, 6, -4)
    );
    assert_eq!(
        ok(store.undo(&gauge, -4, 3, "r").await, "undo"),
        Fenced::Done(())
    );
    assert_eq!(value(store, &gauge, 3).await, 10);
    // Giving back more than is there floors at zero.
    assert_eq!(
        ok(store.undo(&k, 100, 3, "x").await, "undo"),
        Fenced::Done(())
    );
    assert_eq!(value(store, &k, 3).await, 0);
}

pub async fn undo_after_a_newer_load_is_refused(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-undo-stale");
    let k = key(&c, "api_calls");
    loaded(store, &c, 1).await;
    let taken = ok(store.consume(&hard(&k, 3, 10), 1, "late").await, "consume");
    assert_eq!(taken, done(true, 3, 3));
    assert!(ok(
        store.load(&c, 2, &[(k.clone(), 5)]).await,
        "rebuild at 2"
    ));
    assert_eq!(
        ok(store.undo(&k, 3, 1, "late").await, "undo"),
        Fenced::Stale(Some(2)),
        "an undo under the old epoch is refused"
    );
    assert_eq!(
        value(store, &k, 2).await,
        5,
        "the rebuilt counter is left alone"
    );
    // The guard is freed all the same: the rebuild left that consumption out, so the event
    // decided again under the new epoch must be able to consume.
    assert_eq!(
        ok(store.consume(&hard(&k, 3, 10), 2, "late").await, "retry"),
        done(true, 8, 3),
        "a stale undo frees the guard"
    );
    // A guard taken before a rebuild does not block the same guard after it.
    assert!(ok(
        store.load(&c, 3, &[(k.clone(), 8)]).await,
        "rebuild at 3"
    ));
    assert_eq!(
        ok(
            store.consume(&hard(&k, 1, 10), 3, "late").await,
            "after rebuild"
        ),
        done(true, 9, 1),
        "a guard of an older epoch does not count"
    );
    assert_eq!(
        ok(store.consume(&hard(&k, 1, 10), 3, "late").await, "repeat"),
        Fenced::Repeated,
        "the guard taken under the new epoch does"
    );
}

pub async fn keys_of_another_customer_are_invalid(
    store: &Arc<dyn FencedCounterStore>,
    prefix: &str,
) {
    let c = customer(prefix, "fenced-mine");
    let other = customer(prefix, "fenced-theirs");
    let (mine, theirs) = (key(&c, "api_calls"), key(&other, "api_calls"));
    assert!(
        matches!(
            store
                .load(&c, 1, &[(mine.clone(), 1), (theirs.clone(), 1)])
                .await,
            Err(CounterError::Invalid(_))
        ),
        "load of another customer's key"
    );
    assert_eq!(
        ok(store.epoch(&c).await, "epoch"),
        None,
        "nothing was loaded"
    );
    loaded(store, &c, 1).await;
    assert!(
        matches!(
            store.read(&c, &[mine, theirs], 1).await,
            Err(CounterError::Invalid(_))
        ),
        "read of another customer's key"
    );
}

/// 32 tasks × 20 consumptions of 1 unit, each with its own guard, against a hard limit of
/// 100: exactly 100 accepted.
pub async fn racing_guards_never_overshoot(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-race");
    loaded(store, &c, 1).await;
    let k = key(&c, "api_calls");
    let mut tasks = Vec::with_capacity(32);
    for t in 0..32 {
        let store = Arc::clone(store);
        let req = hard(&k, 1, 100);
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0_i64;
            for i in 0..20 {
                let guard = format!("t{t}-{i}");
                match ok(store.consume(&req, 1, &guard).await, "racing consume") {
                    Fenced::Done(c) if c.accepted => accepted += 1,
                    Fenced::Done(_) => {}
                    other => panic!("racing consume with a fresh guard: {other:?}"),
                }
            }
            accepted
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += ok(task.await, "racing task");
    }
    assert_eq!(total, 100, "exactly the limit is accepted under contention");
    assert_eq!(value(store, &k, 1).await, 100);
}

/// 50 tasks retrying one consumption with the same guard: it counts once.
pub async fn racing_one_guard_consumes_once(store: &Arc<dyn FencedCounterStore>, prefix: &str) {
    let c = customer(prefix, "fenced-same-guard");
    loaded(store, &c, 1).await;
    let k = key(&c, "api_calls");
    let mut tasks = Vec::with_capacity(50);
    for _ in 0..50 {
        let store = Arc::clone(store);
        let mut req = hard(&k, 1, 0);
        req.limit = None;
        tasks.push(tokio::spawn(async move {
            ok(store.consume(&req, 1, "same").await, "racing retry")
        }));
    }
    let (mut done_count, mut repeated) = (0, 0);
    for task in tasks {
        match ok(task.await, "racing task") {
            Fenced::Done(c) if c.accepted => done_count += 1,
            Fenced::Repeated => repeated += 1,
            other => panic!("racing retry: {other:?}"),
        }
    }
    assert_eq!(
        (done_count, repeated),
        (1, 49),
        "one consumption, 49 repeats"
    );
    assert_eq!(value(store, &k, 1).await, 1);
}
