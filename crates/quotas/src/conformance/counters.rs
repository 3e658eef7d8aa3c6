//! Conformance checks of [`CounterStore`].

use super::{customer, feature, ok};
use crate::{Consume, Consumption, CounterError, CounterKey, CounterStore};
use chrono::{TimeZone, Utc};
use std::sync::Arc;
use tollgate_kernel::{Enforcement, Window, WindowSpan};

/// Runs every counter check against `store`.
pub async fn counter_store_suite(store: Arc<dyn CounterStore>, prefix: &str) {
    consume_refuses_at_hard_limit(&store, prefix).await;
    soft_never_refuses(&store, prefix).await;
    unlimited_always_accepts(&store, prefix).await;
    gauge_release_floors_at_zero(&store, prefix).await;
    release_refunds(&store, prefix).await;
    get_many_keeps_order(&store, prefix).await;
    set_overwrites(&store, prefix).await;
    keys_are_independent(&store, prefix).await;
    invalid_operations_change_nothing(&store, prefix).await;
    race_never_overshoots(&store, prefix).await;
}

/// A month window far in the future, so a backend that expires counters after their reset
/// instant keeps them for the whole test.
fn far_month() -> WindowSpan {
    match Utc.with_ymd_and_hms(2099, 12, 15, 0, 0, 0).single() {
        Some(at) => Window::Month.span_at(at, None),
        None => Window::Lifetime.span_at(Utc::now(), None),
    }
}

fn key(prefix: &str, check: &str, code: &str) -> CounterKey {
    CounterKey::new(customer(prefix, check), feature(code), &far_month())
}

fn consume(key: &CounterKey, amount: i64, limit: Option<i64>, e: Enforcement) -> Consume {
    Consume {
        key: key.clone(),
        amount,
        limit,
        enforcement: e,
    }
}

fn accepted(used: i64, applied: i64) -> Consumption {
    Consumption {
        accepted: true,
        used,
        applied,
    }
}

pub async fn consume_refuses_at_hard_limit(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "hard", "api_calls");
    let hard = |amount| consume(&k, amount, Some(10), Enforcement::Hard);
    let c = ok(store.try_consume(&hard(7)).await, "consume 7 of 10");
    assert_eq!(c, accepted(7, 7), "first consume");
    let c = ok(store.try_consume(&hard(4)).await, "consume 4 more");
    let refused = Consumption {
        accepted: false,
        used: 7,
        applied: 0,
    };
    assert_eq!(c, refused, "7 + 4 passes a hard limit of 10");
    let c = ok(store.try_consume(&hard(3)).await, "consume up to the limit");
    assert_eq!(c, accepted(10, 3), "exactly at the limit is accepted");
    let c = ok(store.try_consume(&hard(1)).await, "consume past the limit");
    assert!(!c.accepted, "one past the limit is refused");
    assert_eq!(
        ok(store.get(&k).await, "get"),
        10,
        "refusals leave the counter"
    );
}

pub async fn soft_never_refuses(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "soft", "ai_queries");
    for expected in [8, 16, 24] {
        let c = ok(
            store
                .try_consume(&consume(&k, 8, Some(10), Enforcement::Soft))
                .await,
            "soft consume",
        );
        assert_eq!(c, accepted(expected, 8), "soft enforcement never refuses");
    }
}

pub async fn unlimited_always_accepts(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "unlimited", "api_calls");
    let big = consume(&k, 1_000_000_000_000, None, Enforcement::Hard);
    assert_eq!(
        ok(store.try_consume(&big).await, "unlimited"),
        accepted(1_000_000_000_000, 1_000_000_000_000)
    );
    let zero_limit = consume(&k, 0, Some(0), Enforcement::Hard);
    let c = ok(
        store.try_consume(&zero_limit).await,
        "zero against a passed limit",
    );
    assert!(
        !c.accepted,
        "amount 0 on a counter above a hard limit is refused"
    );
}

pub async fn gauge_release_floors_at_zero(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = CounterKey::new(
        customer(prefix, "gauge"),
        feature("storage_bytes"),
        &Window::Lifetime.span_at(Utc::now(), None),
    );
    let up = consume(&k, 50, Some(60), Enforcement::Hard);
    assert_eq!(
        ok(store.try_consume(&up).await, "gauge up"),
        accepted(50, 50)
    );
    // A release is accepted whatever the limit, even a limit of 0.
    let down = consume(&k, -20, Some(0), Enforcement::Hard);
    assert_eq!(
        ok(store.try_consume(&down).await, "gauge down"),
        accepted(30, -20)
    );
    let far_down = consume(&k, -100, Some(60), Enforcement::Hard);
    let c = ok(store.try_consume(&far_down).await, "gauge below zero");
    assert_eq!(
        c,
        accepted(0, -30),
        "floors at zero and reports the clamped delta"
    );
    let c = ok(store.try_consume(&far_down).await, "release from zero");
    assert_eq!(c, accepted(0, 0));
    assert_eq!(ok(store.get(&k).await, "get"), 0);
}

pub async fn release_refunds(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "release", "api_calls");
    let c = consume(&k, 10, Some(10), Enforcement::Hard);
    ok(store.try_consume(&c).await, "fill");
    assert_eq!(ok(store.release(&k, 4).await, "refund 4"), 6);
    assert_eq!(ok(store.get(&k).await, "get after refund"), 6);
    assert_eq!(
        ok(store.release(&k, 100).await, "refund too much"),
        0,
        "floors at zero"
    );
    assert!(
        matches!(store.release(&k, -1).await, Err(CounterError::Invalid(_))),
        "a negative refund is invalid"
    );
    let absent = key(prefix, "release", "never_written");
    assert_eq!(ok(store.release(&absent, 3).await, "refund absent"), 0);
}

pub async fn get_many_keeps_order(store: &Arc<dyn CounterStore>, prefix: &str) {
    let a = key(prefix, "many", "a");
    let b = key(prefix, "many", "b");
    let absent = key(prefix, "many", "absent");
    ok(store.set(&a, 3).await, "set a");
    ok(store.set(&b, 5).await, "set b");
    let keys = [b.clone(), absent.clone(), a.clone(), b];
    assert_eq!(
        ok(store.get_many(&keys).await, "get_many"),
        vec![5, 0, 3, 5]
    );
    assert_eq!(
        ok(store.get_many(&[]).await, "get_many empty"),
        Vec::<i64>::new()
    );
    assert_eq!(ok(store.get(&absent).await, "get absent"), 0);
}

pub async fn set_overwrites(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "set", "api_calls");
    ok(store.set(&k, 42).await, "set 42");
    assert_eq!(ok(store.get(&k).await, "get"), 42);
    ok(store.set(&k, 7).await, "set 7");
    let c = ok(
        store
            .try_consume(&consume(&k, 3, Some(10), Enforcement::Hard))
            .await,
        "consume after set",
    );
    assert_eq!(c, accepted(10, 3), "consume continues from the set value");
    assert!(
        matches!(store.set(&k, -1).await, Err(CounterError::Invalid(_))),
        "a negative counter is invalid"
    );
    assert_eq!(ok(store.get(&k).await, "get after refused set"), 10);
}

pub async fn keys_are_independent(store: &Arc<dyn CounterStore>, prefix: &str) {
    let base = key(prefix, "indep", "api_calls");
    let other_feature = key(prefix, "indep", "ai_queries");
    let other_customer = key(prefix, "indep2", "api_calls");
    let mut other_window = base.clone();
    other_window.window_key = "m209911".to_owned();
    // Ids with colons must not land on another key's counter.
    let colon_a = key(prefix, "indep:x", "y");
    let colon_b = key(prefix, "indep", "x:y");
    ok(store.set(&base, 9).await, "set base");
    ok(store.set(&colon_a, 4).await, "set colon key");
    for (k, what) in [
        (&other_feature, "another feature"),
        (&other_customer, "another customer"),
        (&other_window, "another window"),
        (&colon_b, "a key that only differs in where a colon sits"),
    ] {
        assert_eq!(
            ok(store.get(k).await, what),
            0,
            "{what} is a separate counter"
        );
    }
    assert_eq!(ok(store.get(&base).await, "base"), 9);
}

pub async fn invalid_operations_change_nothing(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "invalid", "api_calls");
    ok(store.set(&k, i64::MAX - 1).await, "set near max");
    let overflow = consume(&k, 2, None, Enforcement::Soft);
    assert!(
        matches!(
            store.try_consume(&overflow).await,
            Err(CounterError::Invalid(_))
        ),
        "overflow is invalid, never wrapped"
    );
    assert_eq!(ok(store.get(&k).await, "get after overflow"), i64::MAX - 1);
    let negative_limit = consume(&k, 1, Some(-1), Enforcement::Hard);
    assert!(
        matches!(
            store.try_consume(&negative_limit).await,
            Err(CounterError::Invalid(_))
        ),
        "a negative limit is invalid"
    );
}

/// 64 tasks × 100 single units against a hard limit of 1000: exactly 1000 accepted.
pub async fn race_never_overshoots(store: &Arc<dyn CounterStore>, prefix: &str) {
    let k = key(prefix, "race", "api_calls");
    let mut tasks = Vec::with_capacity(64);
    for _ in 0..64 {
        let store = Arc::clone(store);
        let req = consume(&k, 1, Some(1000), Enforcement::Hard);
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0_i64;
            for _ in 0..100 {
                if ok(store.try_consume(&req).await, "racing consume").accepted {
                    accepted += 1;
                }
            }
            accepted
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += ok(task.await, "racing task");
    }
    assert_eq!(
        total, 1000,
        "exactly the limit is accepted under contention"
    );
    assert_eq!(ok(store.get(&k).await, "get after race"), 1000);
}
