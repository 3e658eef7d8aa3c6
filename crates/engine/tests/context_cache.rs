//! The context cache: decisions reuse a customer's resolved entitlements, and every change
//! made through the engine is in force at the very next decision.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use tollgate_engine::EngineError;
use tollgate_plans::{CustomerOverrides, Override};

#[tokio::test]
async fn a_change_through_the_engine_is_seen_by_the_next_decision() {
    let h = harness().await;
    // A whole minute: only invalidation can make the changes below visible in time.
    let engine = h.engine.clone().with_context_cache(Duration::from_secs(60));
    h.subscribed("acme", "pro").await; // api_calls: 1,000 a month, hard
    let before = engine
        .check(&cid("acme"), &fc("api_calls"), 1)
        .await
        .unwrap();
    assert_eq!(before.limit, Some(1_000));

    // An override lowers the limit: the next check and the next event see it.
    let overrides = CustomerOverrides {
        overrides: vec![Override::new(fc("api_calls")).with_limit(Some(2))],
        addons: vec![],
    };
    engine
        .put_overrides(&cid("acme"), overrides, &h.caller)
        .await
        .unwrap();
    assert_eq!(
        engine
            .check(&cid("acme"), &fc("api_calls"), 1)
            .await
            .unwrap()
            .limit,
        Some(2)
    );
    engine
        .record_usage(usage("acme", "api_calls", 2, "k1"), &h.caller)
        .await
        .unwrap();
    assert!(matches!(
        engine
            .record_usage(usage("acme", "api_calls", 1, "k2"), &h.caller)
            .await,
        Err(EngineError::QuotaExceeded { .. })
    ));

    // Dropping the override restores the plan's limit at once.
    let plan_before = engine.entitlements(&cid("acme")).await.unwrap();
    engine
        .put_overrides(&cid("acme"), CustomerOverrides::default(), &h.caller)
        .await
        .unwrap();
    let plan_after = engine.entitlements(&cid("acme")).await.unwrap();
    let limit = |v: &Vec<tollgate_engine::EntitlementStatus>| {
        v.iter()
            .find(|e| e.feature.as_str() == "api_calls")
            .unwrap()
            .limit
    };
    assert_eq!(
        (limit(&plan_before), limit(&plan_after)),
        (Some(2), Some(1_000))
    );
}
