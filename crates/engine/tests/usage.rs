//! Recording and checking usage: exactness under racing tasks, idempotency, kinds, wallet
//! payment, reconciliation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use tollgate_engine::{CounterMode, EngineError};
use tollgate_kernel::{Currency, Decimal};
use tollgate_pricing::TokenPrice;
use tollgate_quotas::QuotaState;
use tollgate_usage::{UsageLog, UsageQuery};

async fn race_to_the_limit(mode: CounterMode) {
    let h = harness_with(mode).await;
    h.subscribed("acme", "pro").await; // pro: api_calls 1000 per month, hard
    let engine = Arc::new(h.engine.clone());
    let mut tasks = Vec::new();
    for task in 0..64 {
        let engine = engine.clone();
        let caller = h.caller.clone();
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            let mut refused = 0;
            for attempt in 0..100 {
                let req = usage("acme", "api_calls", 1, &format!("t{task}-a{attempt}"));
                match engine.record_usage(req, &caller).await {
                    Ok(_) => accepted += 1,
                    Err(EngineError::QuotaExceeded { limit, .. }) => {
                        assert_eq!(limit, Some(1000));
                        refused += 1;
                    }
                    Err(e) => panic!("unexpected error {e:?}"),
                }
            }
            (accepted, refused)
        }));
    }
    let mut accepted = 0;
    let mut refused = 0;
    for t in tasks {
        let (a, r) = t.await.unwrap();
        accepted += a;
        refused += r;
    }
    assert_eq!(accepted, 1000);
    assert_eq!(refused, 5400);
    let events = h.stores.usage.list(&UsageQuery::default()).await.unwrap();
    assert_eq!(events.len(), 1000);
    let ent = h.engine.entitlements(&cid("acme")).await.unwrap();
    let api = ent
        .iter()
        .find(|e| e.feature.as_str() == "api_calls")
        .unwrap();
    assert_eq!(api.used, 1000);
    assert_eq!(api.state, QuotaState::AtLimit);
    assert!(
        h.engine
            .reconcile(None, false, &h.caller)
            .await
            .unwrap()
            .is_clean()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_tasks_never_pass_a_hard_limit_in_commit() {
    race_to_the_limit(CounterMode::InCommit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn racing_tasks_never_pass_a_hard_limit_with_external_counters() {
    race_to_the_limit(CounterMode::External).await;
}

async fn one_key_from_many_tasks(mode: CounterMode) {
    let h = harness_with(mode).await;
    h.subscribed("acme", "pro").await;
    let engine = Arc::new(h.engine.clone());
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let engine = engine.clone();
        let caller = h.caller.clone();
        tasks.push(tokio::spawn(async move {
            engine
                .record_usage(usage("acme", "api_calls", 5, "same-key"), &caller)
                .await
                .unwrap()
        }));
    }
    let mut ids = HashSet::new();
    let mut fresh = 0;
    for t in tasks {
        let (answer, created) = t.await.unwrap();
        assert_eq!(answer.used, 5, "every answer is the first answer");
        assert_eq!(answer.duplicate, !created);
        ids.insert(answer.id);
        fresh += usize::from(created);
    }
    assert_eq!(fresh, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(
        h.stores
            .usage
            .list(&UsageQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let check = h
        .engine
        .check(&cid("acme"), &fc("api_calls"), 1)
        .await
        .unwrap();
    assert_eq!(check.used, 5, "the counter moved once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn the_same_key_from_32_tasks_counts_once() {
    one_key_from_many_tasks(CounterMode::InCommit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn the_same_key_from_32_tasks_counts_once_with_external_counters() {
    one_key_from_many_tasks(CounterMode::External).await;
}

#[tokio::test]
async fn a_retry_returns_the_first_answer_even_with_another_body() {
    let h = harness().await;
    h.customer("acme").await; // free plan: 100 calls
    let (first, created) = h
        .engine
        .record_usage(usage("acme", "api_calls", 7, "k"), &h.caller)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (first.used, first.remaining, first.limit),
        (7, Some(93), Some(100))
    );
    let (again, created) = h
        .engine
        .record_usage(usage("acme", "api_calls", 50, "k"), &h.caller)
        .await
        .unwrap();
    assert!(!created);
    assert!(again.duplicate);
    assert_eq!(again.id, first.id);
    assert_eq!(again.used, 7);
    assert_eq!(
        h.engine
            .check(&cid("acme"), &fc("api_calls"), 1)
            .await
            .unwrap()
            .used,
        7
    );
}

#[tokio::test]
async fn a_hard_limit_refuses_with_the_reset_instant() {
    let h = harness().await;
    h.customer("acme").await;
    h.engine
        .record_usage(usage("acme", "api_calls", 100, "a"), &h.caller)
        .await
        .unwrap();
    let err = h
        .engine
        .record_usage(usage("acme", "api_calls", 1, "b"), &h.caller)
        .await
        .unwrap_err();
    match err {
        EngineError::QuotaExceeded {
            used,
            limit,
            resets_at,
            ..
        } => {
            assert_eq!((used, limit), (100, Some(100)));
            assert_eq!(resets_at, Some(t("2026-12-01T00:00:00Z")));
        }
        other => panic!("{other:?}"),
    }
    // A refused event writes nothing, so the same key may be retried after the reset.
    assert!(
        h.stores
            .usage
            .find_by_key(&cid("acme"), &"b".parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    h.clock.set(t("2026-12-01T00:00:00Z"));
    let (answer, _) = h
        .engine
        .record_usage(usage("acme", "api_calls", 1, "b"), &h.caller)
        .await
        .unwrap();
    assert_eq!(answer.used, 1, "a new month is a new window");
}

#[tokio::test]
async fn soft_limits_allow_overage_price_it_and_warn_once_per_threshold() {
    let h = harness().await;
    h.subscribed("acme", "pro").await; // ai_queries: 10 soft, 0.50 USD per extra, warn 50/80/100
    let (a, _) = h
        .engine
        .record_usage(usage("acme", "ai_queries", 5, "q1"), &h.caller)
        .await
        .unwrap();
    assert_eq!(a.warnings, vec![50]);
    assert_eq!(a.state, QuotaState::Approaching);
    assert_eq!(a.cost, None);
    let (b, _) = h
        .engine
        .record_usage(usage("acme", "ai_queries", 7, "q2"), &h.caller)
        .await
        .unwrap();
    assert_eq!(b.warnings, vec![80, 100]);
    assert_eq!((b.used, b.overage, b.state), (12, 2, QuotaState::Over));
    assert_eq!(b.cost.unwrap().amount, "1.00".parse::<Decimal>().unwrap());
    let (c, _) = h
        .engine
        .record_usage(usage("acme", "ai_queries", 1, "q3"), &h.caller)
        .await
        .unwrap();
    assert!(c.warnings.is_empty());
    assert_eq!(c.cost.unwrap().amount, "0.50".parse::<Decimal>().unwrap());
    let warnings = h
        .engine
        .deps()
        .audit
        .list(&tollgate_engine::AuditQuery {
            action: Some("quota.warning".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(warnings.len(), 3);
}

#[tokio::test]
async fn gauges_go_up_and_down_and_never_below_zero() {
    let h = harness().await;
    h.customer("acme").await; // storage 1000
    h.engine
        .record_usage(usage("acme", "storage_bytes", 600, "s1"), &h.caller)
        .await
        .unwrap();
    assert!(matches!(
        h.engine
            .record_usage(usage("acme", "storage_bytes", 500, "s2"), &h.caller)
            .await,
        Err(EngineError::QuotaExceeded { .. })
    ));
    let (down, _) = h
        .engine
        .record_usage(usage("acme", "storage_bytes", -800, "s3"), &h.caller)
        .await
        .unwrap();
    assert_eq!(down.used, 0);
    let (up, _) = h
        .engine
        .record_usage(usage("acme", "storage_bytes", 1000, "s4"), &h.caller)
        .await
        .unwrap();
    assert_eq!(up.used, 1000);
    // the clamped release recorded its real delta, so recomputation agrees
    assert!(
        h.engine
            .reconcile(None, false, &h.caller)
            .await
            .unwrap()
            .is_clean()
    );
}

#[tokio::test]
async fn per_request_caps_booleans_and_config() {
    let h = harness().await;
    h.customer("acme").await; // upload 100, analytics off, retention 30
    let ok = h
        .engine
        .check(&cid("acme"), &fc("upload_bytes"), 100)
        .await
        .unwrap();
    assert!(ok.allowed);
    let big = h
        .engine
        .check(&cid("acme"), &fc("upload_bytes"), 101)
        .await
        .unwrap();
    assert!(!big.allowed);
    assert_eq!(big.reason.as_deref(), Some("over_request_cap"));
    assert!(matches!(
        h.engine
            .record_usage(usage("acme", "upload_bytes", 101, "u"), &h.caller)
            .await,
        Err(EngineError::QuotaExceeded { .. })
    ));
    let analytics = h
        .engine
        .check(&cid("acme"), &fc("analytics"), 0)
        .await
        .unwrap();
    assert!(!analytics.allowed);
    assert!(
        h.engine
            .check(&cid("acme"), &fc("retention_days"), 0)
            .await
            .unwrap()
            .allowed
    );
    assert!(matches!(
        h.engine
            .record_usage(usage("acme", "analytics", 1, "b"), &h.caller)
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let h = harness().await;
    h.customer("acme").await;
    let cases = [
        (usage("acme", "api_calls", 0, "z"), "zero"),
        (usage("acme", "api_calls", -5, "n"), "negative"),
        (usage("acme", "storage_bytes", 0, "g"), "zero gauge"),
    ];
    for (req, what) in cases {
        assert!(
            matches!(
                h.engine.record_usage(req, &h.caller).await,
                Err(EngineError::Invalid(_))
            ),
            "{what}"
        );
    }
    assert!(matches!(
        h.engine
            .record_usage(usage("acme", "nope", 1, "x"), &h.caller)
            .await,
        Err(EngineError::NotFound {
            entity: "feature",
            ..
        })
    ));
    assert!(matches!(
        h.engine
            .record_usage(usage("ghost", "api_calls", 1, "x"), &h.caller)
            .await,
        Err(EngineError::NotFound {
            entity: "customer",
            ..
        })
    ));
    let mut props = usage("acme", "api_calls", 1, "p");
    props.properties = Some(serde_json::json!(["not", "an", "object"]));
    assert!(matches!(
        h.engine.record_usage(props, &h.caller).await,
        Err(EngineError::Invalid(_))
    ));
    let mut future = usage("acme", "api_calls", 1, "f");
    future.occurred_at = Some(t("2027-01-01T00:00:00Z"));
    assert!(matches!(
        h.engine.record_usage(future, &h.caller).await,
        Err(EngineError::Invalid(_))
    ));
    let mut overflow = usage("acme", "api_calls", i64::MAX, "o");
    overflow.customer = cid("acme");
    assert!(h.engine.record_usage(overflow, &h.caller).await.is_err());
    assert!(
        h.stores
            .usage
            .list(&UsageQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        h.engine
            .check(&cid("acme"), &fc("api_calls"), 1)
            .await
            .unwrap()
            .used,
        0
    );
}

#[tokio::test]
async fn token_usage_is_priced_and_paid_from_the_wallet_exactly_once() {
    let h = harness().await;
    h.subscribed("acme", "pro").await; // start grant: 5.00 USD; ai_tokens pay_with wallet
    h.engine
        .put_token_prices(
            vec![TokenPrice {
                provider: "openai".into(),
                model: "gpt-4o-mini".into(),
                currency: Currency::USD,
                input_per_million: "0.15".parse().unwrap(),
                output_per_million: "0.60".parse().unwrap(),
            }],
            &h.caller,
        )
        .await
        .unwrap();
    let mut req = usage("acme", "ai_tokens", 1500, "tok-1");
    req.properties = Some(serde_json::json!({
        "provider": "openai", "model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 500
    }));
    let (answer, _) = h.engine.record_usage(req.clone(), &h.caller).await.unwrap();
    let cost = answer.cost.unwrap();
    assert_eq!(serde_json::to_value(cost).unwrap()["amount"], "0.000450");
    h.engine.record_usage(req, &h.caller).await.unwrap(); // a retry
    let wallet = h.engine.wallet(&cid("acme")).await.unwrap();
    assert_eq!(
        wallet.balances[0].amount,
        "4.99955".parse::<Decimal>().unwrap()
    );

    // An unpriced model on a wallet-paid feature is refused rather than given away.
    let mut unknown = usage("acme", "ai_tokens", 10, "tok-2");
    unknown.properties = Some(serde_json::json!({
        "provider": "openai", "model": "mystery", "input_tokens": 10, "output_tokens": 0
    }));
    assert!(matches!(
        h.engine.record_usage(unknown, &h.caller).await,
        Err(EngineError::Invalid(_))
    ));

    // Spending more than the balance is refused with nothing written, counter included.
    let mut huge = usage("acme", "ai_tokens", 1, "tok-3");
    huge.properties = Some(serde_json::json!({
        "provider": "openai", "model": "gpt-4o-mini", "input_tokens": 40_000_000, "output_tokens": 0
    }));
    let before = h
        .engine
        .check(&cid("acme"), &fc("ai_tokens"), 1)
        .await
        .unwrap()
        .used;
    assert!(matches!(
        h.engine.record_usage(huge, &h.caller).await,
        Err(EngineError::InsufficientCredits { .. })
    ));
    assert_eq!(
        h.engine
            .check(&cid("acme"), &fc("ai_tokens"), 1)
            .await
            .unwrap()
            .used,
        before
    );
    assert_eq!(
        h.stores
            .usage
            .list(&UsageQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn reconciliation_reports_and_repairs_drift() {
    use tollgate_quotas::{CounterKey, CounterStore};
    let h = harness().await;
    h.customer("acme").await;
    h.engine
        .record_usage(usage("acme", "api_calls", 40, "r1"), &h.caller)
        .await
        .unwrap();
    let key = CounterKey {
        customer: cid("acme"),
        feature: fc("api_calls"),
        window_key: "m202611".into(),
        resets_at: None,
    };
    h.stores.counters.set(&key, 13).await.unwrap(); // a lost update
    let report = h
        .engine
        .reconcile(Some(&cid("acme")), false, &h.caller)
        .await
        .unwrap();
    assert_eq!(report.drifts.len(), 1);
    assert_eq!(
        (report.drifts[0].stored, report.drifts[0].expected),
        (13, 40)
    );
    h.engine
        .reconcile(Some(&cid("acme")), true, &h.caller)
        .await
        .unwrap();
    assert_eq!(h.stores.counters.get(&key).await.unwrap(), 40);
    assert!(
        h.engine
            .reconcile(None, false, &h.caller)
            .await
            .unwrap()
            .is_clean()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leases_hold_at_most_the_limit_and_expire() {
    let h = harness().await;
    h.subscribed("acme", "pro").await; // jobs: 3
    let engine = Arc::new(h.engine.clone());
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            engine.acquire_lease(&cid("acme"), &fc("jobs"), 60).await
        }));
    }
    let mut held = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(lease) => held.push(lease),
            Err(EngineError::QuotaExceeded { .. }) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(held.len(), 3);
    h.engine.release_lease(&held[0].lease_id).await.unwrap();
    assert!(
        h.engine.release_lease(&held[0].lease_id).await.is_err(),
        "released twice"
    );
    h.engine
        .acquire_lease(&cid("acme"), &fc("jobs"), 60)
        .await
        .unwrap();
    assert!(
        h.engine
            .acquire_lease(&cid("acme"), &fc("jobs"), 60)
            .await
            .is_err()
    );
    h.clock.advance(chrono::Duration::seconds(61));
    let check = h.engine.check(&cid("acme"), &fc("jobs"), 1).await.unwrap();
    assert_eq!(check.used, 0, "expired leases are reclaimed");
    assert!(matches!(
        h.engine
            .acquire_lease(&cid("acme"), &fc("api_calls"), 60)
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test]
async fn the_demo_catalogs_run_on_the_engine() {
    for file in ["saas.toml", "api.toml", "coaching.toml"] {
        let h = harness().await;
        let text = std::fs::read_to_string(format!(
            "{}/../../fixtures/catalogs/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let catalog = tollgate_plans::Catalog::from_toml_str(&text).unwrap();
        let created = h.engine.seed_catalog(&catalog, &h.caller).await.unwrap();
        assert!(created > 0, "{file}");
        let plans = h.engine.public_plans().await.unwrap();
        assert!(plans.len() >= 3, "{file}: {} plans", plans.len());
        // seeding again changes nothing
        assert_eq!(h.engine.seed_catalog(&catalog, &h.caller).await.unwrap(), 0);
    }
}
