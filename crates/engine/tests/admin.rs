//! The operator's read use cases on the in-memory engine, driven through real lifecycles:
//! invoices and the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tollgate_engine::{AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT, AuditQuery, EngineError};

impl Harness {
    /// Moves the clock to `at`, running what falls due on the way.
    async fn advance_to(&self, at: &str) {
        let seconds = (t(at) - self.clock_now()).num_seconds();
        let report = self
            .engine
            .advance_clock(seconds, &self.caller)
            .await
            .unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
    }
}

#[tokio::test]
async fn invoices_are_the_customers_history_newest_first() {
    let h = harness().await;
    let acme = cid("acme");
    h.subscribed("acme", "team").await;
    h.advance_to("2027-01-15T12:00:00Z").await; // renewals on Dec 10 and Jan 10

    let invoices = h.engine.invoices(&acme).await.unwrap();
    let created: Vec<_> = invoices.iter().map(|i| i.created_at).collect();
    assert_eq!(
        created,
        [
            t("2027-01-10T12:00:00Z"),
            t("2026-12-10T12:00:00Z"),
            t("2026-11-10T12:00:00Z"),
        ],
        "newest first"
    );
    assert!(
        invoices
            .iter()
            .all(|i| i.customer == acme && i.amount_due == 9000)
    );

    h.customer("fresh").await;
    assert!(h.engine.invoices(&cid("fresh")).await.unwrap().is_empty());
    assert!(matches!(
        h.engine.invoices(&cid("nobody")).await,
        Err(EngineError::NotFound { .. })
    ));
    h.engine.delete_customer(&acme, &h.caller).await.unwrap();
    assert!(matches!(
        h.engine.invoices(&acme).await,
        Err(EngineError::NotFound { .. })
    ));
}

#[tokio::test]
async fn the_audit_trail_is_filtered_newest_first_and_its_limit_clamped() {
    let h = harness().await;
    for i in 0..1005 {
        h.customer(&format!("c{i:04}")).await;
    }
    let created = |limit: Option<usize>| AuditQuery {
        action: Some("customer.created".into()),
        limit,
        ..AuditQuery::default()
    };
    let default = h.engine.audit(&created(None)).await.unwrap();
    assert_eq!(default.len(), AUDIT_DEFAULT_LIMIT);
    assert_eq!(default[0].entity, "customer:c1004", "newest first");
    assert_eq!(default[99].entity, "customer:c0905");
    assert_eq!(h.engine.audit(&created(Some(0))).await.unwrap().len(), 1);
    assert_eq!(h.engine.audit(&created(Some(7))).await.unwrap().len(), 7);
    assert_eq!(
        h.engine.audit(&created(Some(5000))).await.unwrap().len(),
        AUDIT_MAX_LIMIT
    );
    let one = h
        .engine
        .audit(&AuditQuery {
            entity: Some("customer:c0042".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        (one[0].action.as_str(), one[0].actor.as_str()),
        ("customer.created", "test")
    );
    let plans = h
        .engine
        .audit(&AuditQuery {
            action: Some("catalog.".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].action, "catalog.seeded");
}
