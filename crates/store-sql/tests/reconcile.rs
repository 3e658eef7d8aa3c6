//! Reconciliation against SQL: drift is found (counters with no events too), reported without
//! changing anything, repaired per customer or for everyone, and the repair is journaled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tollgate_billing_fake::FakeBilling;
use tollgate_engine::conformance::recorder::commit;
use tollgate_engine::{AuditLog, AuditQuery, Caller, Reconciler, UsageRecorder};
use tollgate_kernel::{CustomerId, FeatureCode, SystemClock};
use tollgate_quotas::{CounterKey, CounterStore};
use tollgate_store_sql::SqlUsageRecorder;
use tollgate_store_sql::testing::TestDb;

fn key(customer: &str, window: &str) -> CounterKey {
    CounterKey {
        customer: CustomerId::parse(customer).unwrap(),
        feature: FeatureCode::parse("api_calls").unwrap(),
        window_key: window.to_owned(),
        resets_at: None,
    }
}

async fn drift_found_and_repaired(db: &TestDb) {
    let recorder = SqlUsageRecorder::direct(db.store.clone());
    for (customer, n) in [("a", 3), ("b", 2)] {
        let c = CustomerId::parse(customer).unwrap();
        for i in 0..n {
            recorder
                .commit(commit(&c, &format!("k{i}"), 2, Some(100), None))
                .await
                .unwrap();
        }
    }
    let counters: &dyn CounterStore = &db.store;
    let clean = db.store.reconcile(None, false).await.unwrap();
    assert!(clean.is_clean(), "{clean:?}");
    assert_eq!(clean.checked, 2);

    // Drift: a's counter is wrong, b has a counter in a window with no events at all.
    counters.set(&key("a", "m202611"), 99).await.unwrap();
    counters.set(&key("b", "m202610"), 5).await.unwrap();
    let report = db.store.reconcile(None, false).await.unwrap();
    assert_eq!(report.checked, 3);
    let mut found: Vec<(String, String, i64, i64)> = report
        .drifts
        .iter()
        .map(|d| {
            (
                d.customer.to_string(),
                d.window_key.clone(),
                d.stored,
                d.expected,
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("a".into(), "m202611".into(), 99, 6),
            ("b".into(), "m202610".into(), 5, 0)
        ]
    );
    assert_eq!(
        counters.get(&key("a", "m202611")).await.unwrap(),
        99,
        "a report changes nothing"
    );

    // Repair one customer: the other keeps its drift.
    let a = CustomerId::parse("a").unwrap();
    let repaired = db.store.reconcile(Some(&a), true).await.unwrap();
    assert_eq!(repaired.drifts.len(), 1);
    assert_eq!(counters.get(&key("a", "m202611")).await.unwrap(), 6);
    assert_eq!(
        db.store.reconcile(None, false).await.unwrap().drifts.len(),
        1
    );

    // Through the engine: repaired and journaled.
    let engine = db.store.engine(
        Arc::new(SystemClock::new()),
        None,
        Arc::new(FakeBilling::new("http://tollgate.test")),
        None,
    );
    let report = engine
        .reconcile(None, true, &Caller::new("operator"))
        .await
        .unwrap();
    assert_eq!(report.drifts.len(), 1);
    assert!(db.store.reconcile(None, false).await.unwrap().is_clean());
    assert_eq!(counters.get(&key("b", "m202610")).await.unwrap(), 0);
    let journal = AuditLog::list(
        &db.store,
        &AuditQuery {
            action: Some("counters.repaired".into()),
            ..AuditQuery::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(journal.len(), 1);
}
tollgate_store_sql::on_both_backends!(reconciliation, drift_found_and_repaired);
