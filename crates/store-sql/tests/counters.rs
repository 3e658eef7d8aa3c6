//! SQL counters and leases: the shared conformance suites on SQLite and PostgreSQL, plus
//! races across two connection pools (two "processes" sharing one database).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tollgate_kernel::{CustomerId, Enforcement, FeatureCode, Window};
use tollgate_quotas::conformance::{counter_store_suite, lease_store_suite};
use tollgate_quotas::{Consume, CounterKey, CounterStore, LeaseKey, LeaseRequest, LeaseStore};
use tollgate_store_sql::SqlStore;
use tollgate_store_sql::testing::TestDb;

async fn counter_suite(db: &TestDb) {
    counter_store_suite(Arc::new(db.store.clone()), "sql").await;
}
tollgate_store_sql::on_both_backends!(counter_conformance, counter_suite);

async fn lease_suite(db: &TestDb) {
    lease_store_suite(Arc::new(db.store.clone()), "sql").await;
}
tollgate_store_sql::on_both_backends!(lease_conformance, lease_suite);

fn key() -> CounterKey {
    let span = Window::Lifetime.span_at(chrono::Utc::now(), None);
    CounterKey::new(
        CustomerId::parse("race").unwrap(),
        FeatureCode::parse("api_calls").unwrap(),
        &span,
    )
}

/// 2 pools × 8 tasks × 50 attempts of 1 unit against a hard limit of 300: exactly 300.
async fn two_pools_never_overshoot(db: &TestDb) {
    let second = SqlStore::connect(&db.options).await.unwrap();
    let stores: Vec<Arc<dyn CounterStore>> = vec![Arc::new(db.store.clone()), Arc::new(second)];
    let mut tasks = Vec::new();
    for store in &stores {
        for _ in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut accepted = 0;
                for _ in 0..50 {
                    let got = store
                        .try_consume(&Consume {
                            key: key(),
                            amount: 1,
                            limit: Some(300),
                            enforcement: Enforcement::Hard,
                        })
                        .await
                        .unwrap();
                    accepted += i64::from(got.accepted);
                }
                accepted
            }));
        }
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 300);
    assert_eq!(stores[1].get(&key()).await.unwrap(), 300);
}
tollgate_store_sql::on_both_backends!(two_pools_counter_race, two_pools_never_overshoot);

/// 2 pools × 10 acquirers against a limit of 3 leases: exactly 3.
async fn two_pools_lease_race(db: &TestDb) {
    let second = SqlStore::connect(&db.options).await.unwrap();
    let stores: Vec<Arc<dyn LeaseStore>> = vec![Arc::new(db.store.clone()), Arc::new(second)];
    let now = chrono::Utc::now();
    let lease_key = LeaseKey::new(
        CustomerId::parse("race").unwrap(),
        FeatureCode::parse("concurrent_jobs").unwrap(),
    );
    let mut tasks = Vec::new();
    for (s, store) in stores.iter().enumerate() {
        for i in 0..10 {
            let store = store.clone();
            let req = LeaseRequest {
                key: lease_key.clone(),
                lease_id: format!("lease-{s}-{i}"),
                limit: Some(3),
                now,
                expires_at: now + chrono::Duration::minutes(5),
            };
            tasks.push(tokio::spawn(async move {
                store.acquire(&req).await.unwrap().acquired
            }));
        }
    }
    let mut acquired = 0;
    for t in tasks {
        acquired += i64::from(t.await.unwrap());
    }
    assert_eq!(acquired, 3);
    assert_eq!(stores[0].held(&lease_key, now).await.unwrap(), 3);
}
tollgate_store_sql::on_both_backends!(two_pools_leases, two_pools_lease_race);
