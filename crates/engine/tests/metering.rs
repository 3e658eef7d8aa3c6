//! Soft-limit overage reported to the billing provider by the jobs, once per usage event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use tollgate_engine::memory::MemoryMeterReports;

#[tokio::test]
async fn overage_above_a_soft_limit_is_reported_once_per_event() {
    let h = harness().await;
    h.subscribed("acme", "pro").await;
    let engine = h
        .engine
        .clone()
        .with_meter_reports(Arc::new(MemoryMeterReports::default()));
    // pro: ai_queries soft limit 10 a month.
    for (qty, key) in [(8, "under"), (4, "crosses"), (3, "above")] {
        let (a, _) = engine
            .record_usage(usage("acme", "ai_queries", qty, key), &h.caller)
            .await
            .unwrap();
        assert!(a.accepted, "{a:?}");
    }
    // Hard-limited usage never is.
    engine
        .record_usage(usage("acme", "api_calls", 5, "hard"), &h.caller)
        .await
        .unwrap();

    assert_eq!(engine.report_overage().await.unwrap(), 2);
    let reports = h.fake.meter_reports();
    let units: Vec<(String, i64)> = reports
        .iter()
        .map(|r| (r.feature.to_string(), r.quantity))
        .collect();
    assert_eq!(
        units,
        vec![("ai_queries".to_owned(), 2), ("ai_queries".to_owned(), 3)],
        "only the units above the limit, per event"
    );
    assert!(reports.iter().all(|r| r.customer.id.as_str() == "acme"));

    // A second run, and the jobs, report nothing again.
    assert_eq!(engine.report_overage().await.unwrap(), 0);
    let report = engine.run_due(&h.caller).await.unwrap();
    assert_eq!(report.overage_reported, 0);
    assert_eq!(h.fake.meter_reports().len(), 2);

    // New overage is picked up by the jobs.
    engine
        .record_usage(usage("acme", "ai_queries", 1, "later"), &h.caller)
        .await
        .unwrap();
    assert_eq!(engine.run_due(&h.caller).await.unwrap().overage_reported, 1);
    assert_eq!(h.fake.meter_reports().len(), 3);
}

#[tokio::test]
async fn without_a_report_log_nothing_is_reported() {
    let h = harness().await;
    h.subscribed("acme", "pro").await;
    h.engine
        .record_usage(usage("acme", "ai_queries", 12, "over"), &h.caller)
        .await
        .unwrap();
    assert_eq!(h.engine.report_overage().await.unwrap(), 0);
    assert!(h.fake.meter_reports().is_empty());
}
