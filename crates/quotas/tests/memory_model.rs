//! The memory stores against a deliberately naive model: arbitrary sequences of operations on
//! a few keys must give the same answers and leave the same counters.
#![allow(clippy::unwrap_used)] // a test binary: a failing unwrap is a failing test

use chrono::{Duration, TimeZone, Utc};
use futures::executor::block_on;
use proptest::prelude::*;
use std::collections::HashMap;
use tollgate_kernel::{CustomerId, Enforcement, FeatureCode, Window};
use tollgate_quotas::{
    Consume, CounterError, CounterKey, CounterStore, LeaseKey, LeaseRequest, LeaseStore,
    MemoryCounterStore, MemoryLeaseStore,
};

#[derive(Debug, Clone)]
enum Op {
    Consume {
        key: usize,
        amount: i64,
        limit: Option<i64>,
        soft: bool,
    },
    Release {
        key: usize,
        amount: i64,
    },
    Set {
        key: usize,
        value: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0_usize..3;
    prop_oneof![
        4 => (key.clone(), -60_i64..60, proptest::option::of(0_i64..100), any::<bool>())
            .prop_map(|(key, amount, limit, soft)| Op::Consume { key, amount, limit, soft }),
        1 => (key.clone(), -5_i64..40).prop_map(|(key, amount)| Op::Release { key, amount }),
        1 => (key, -5_i64..120).prop_map(|(key, value)| Op::Set { key, value }),
    ]
}

fn keys() -> Vec<CounterKey> {
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap();
    let c = |id: &str| CustomerId::parse(id).unwrap();
    let f = FeatureCode::parse("api_calls").unwrap();
    vec![
        CounterKey::new(c("acme"), f.clone(), &Window::Month.span_at(at, None)),
        CounterKey::new(c("acme"), f.clone(), &Window::Day.span_at(at, None)),
        CounterKey::new(c("globex"), f, &Window::Month.span_at(at, None)),
    ]
}

proptest! {
    #[test]
    fn counter_store_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let store = MemoryCounterStore::new();
        let keys = keys();
        let mut model: HashMap<usize, i64> = HashMap::new();
        for op in ops {
            match op {
                Op::Consume { key, amount, limit, soft } => {
                    let before = model.get(&key).copied().unwrap_or(0);
                    let req = Consume {
                        key: keys[key].clone(),
                        amount,
                        limit,
                        enforcement: if soft { Enforcement::Soft } else { Enforcement::Hard },
                    };
                    let got = block_on(store.try_consume(&req)).unwrap();
                    let (accepted, after) = if amount < 0 {
                        (true, (before + amount).max(0))
                    } else if !soft && limit.is_some_and(|l| before + amount > l) {
                        (false, before)
                    } else {
                        (true, before + amount)
                    };
                    prop_assert_eq!(got.accepted, accepted);
                    prop_assert_eq!(got.used, after);
                    prop_assert_eq!(got.applied, after - before);
                    if accepted && amount >= 0 {
                        prop_assert_eq!(got.applied, amount);
                    }
                    model.insert(key, after);
                }
                Op::Release { key, amount } => {
                    let got = block_on(store.release(&keys[key], amount));
                    if amount < 0 {
                        prop_assert!(matches!(got, Err(CounterError::Invalid(_))));
                    } else {
                        let after = (model.get(&key).copied().unwrap_or(0) - amount).max(0);
                        prop_assert_eq!(got.unwrap(), after);
                        model.insert(key, after);
                    }
                }
                Op::Set { key, value } => {
                    let got = block_on(store.set(&keys[key], value));
                    if value < 0 {
                        prop_assert!(got.is_err());
                    } else {
                        got.unwrap();
                        model.insert(key, value);
                    }
                }
            }
            let all = block_on(store.get_many(&keys)).unwrap();
            let expected: Vec<i64> = (0..keys.len()).map(|k| model.get(&k).copied().unwrap_or(0)).collect();
            prop_assert_eq!(all, expected);
        }
    }

    #[test]
    fn lease_store_matches_the_model(
        ops in proptest::collection::vec((0_u8..4, 0_i64..30, 1_i64..20, 0_i64..4, any::<bool>()), 1..60),
    ) {
        let store = MemoryLeaseStore::new();
        let key = LeaseKey::new(CustomerId::parse("acme").unwrap(), FeatureCode::parse("jobs").unwrap());
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut model: HashMap<String, i64> = HashMap::new(); // id → expiry (seconds)
        let mut clock = 0_i64;
        for (id, step, ttl, limit, release) in ops {
            clock += step;
            let now = t0 + Duration::seconds(clock);
            let id = format!("l{id}");
            if release {
                let active = model.remove(&id).is_some();
                prop_assert_eq!(block_on(store.release(&key, &id)).unwrap(), active);
                continue;
            }
            model.retain(|_, e| *e > clock);
            let renew = model.contains_key(&id);
            let acquired = renew || (model.len() as i64) < limit;
            if acquired {
                model.insert(id.clone(), clock + ttl);
            }
            let req = LeaseRequest {
                key: key.clone(), lease_id: id, limit: Some(limit), now,
                expires_at: now + Duration::seconds(ttl),
            };
            let got = block_on(store.acquire(&req)).unwrap();
            prop_assert_eq!(got.acquired, acquired);
            prop_assert_eq!(got.held, model.len() as i64);
            let earliest = model.values().min().map(|s| t0 + Duration::seconds(*s));
            prop_assert_eq!(got.earliest_expiry, earliest);
            if acquired && !renew {
                prop_assert!(got.held <= limit, "a new lease never passes the limit");
            }
            prop_assert_eq!(block_on(store.held(&key, now)).unwrap(), model.len() as i64);
        }
    }
}

#[test]
fn purge_drops_only_finished_windows() {
    let store = MemoryCounterStore::new();
    let keys = keys();
    for k in &keys {
        block_on(store.set(k, 5)).unwrap();
    }
    let life = CounterKey::new(
        CustomerId::parse("acme").unwrap(),
        FeatureCode::parse("seats").unwrap(),
        &Window::Lifetime.span_at(Utc::now(), None),
    );
    block_on(store.set(&life, 2)).unwrap();
    // The day window (2026-11-21) has ended on the 22nd; the month windows have not.
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
    assert_eq!(store.purge_expired(now), 1);
    assert_eq!(block_on(store.get_many(&keys)).unwrap(), vec![5, 0, 5]);
    assert_eq!(block_on(store.get(&life)).unwrap(), 2);
}
