//! Suites for the usage unit of work ([`UsageRecorder`]) with counters in the same store
//! (`CounterStep::Consume`): dedupe, refusal, all-or-nothing with the wallet, races.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tollgate_kernel::{
    Amount, Currency, CustomerId, Decimal, Enforcement, FeatureCode, IdempotencyKey, Timestamp,
    new_id,
};
use tollgate_quotas::{Consume, Consumption, CounterKey, CounterStore};
use tollgate_usage::{UsageEvent, UsageLog};
use tollgate_wallet::{EntryKind, LedgerEntry, WalletStore};

use crate::audit::{AuditEntry, AuditQuery, Caller};
use crate::ports::{
    AuditLog, CommitError, CommitOutcome, CounterStep, Finalized, UsageCommit, UsageRecorder,
};

/// A recorder and the stores it writes, to look inside.
#[derive(Clone)]
pub struct RecorderRig {
    pub recorder: Arc<dyn UsageRecorder>,
    pub log: Arc<dyn UsageLog>,
    pub counters: Arc<dyn CounterStore>,
    pub wallet: Arc<dyn WalletStore>,
    pub audit: Arc<dyn AuditLog>,
}

impl std::fmt::Debug for RecorderRig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderRig").finish_non_exhaustive()
    }
}

/// Runs every check; `prefix` keeps customers apart when suites share a store.
pub async fn run_all(rig: &RecorderRig, prefix: &str) {
    inserts_then_dedupes(rig, prefix).await;
    refusal_writes_nothing(rig, prefix).await;
    insufficient_credits_writes_nothing(rig, prefix).await;
    consumed_step_leaves_counters_alone(rig, prefix).await;
    invalid_event_writes_nothing(rig, prefix).await;
    race_never_overshoots(rig, prefix, 32, 20, 100).await;
    one_key_many_attempts(rig, prefix, 50).await;
}

fn at() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

pub(crate) fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

pub(crate) fn customer(prefix: &str, check: &str) -> CustomerId {
    ok(
        CustomerId::parse(format!("{prefix}-{check}")),
        "customer id",
    )
}

/// The counter [`commit`] consumes.
pub(crate) fn counter_key(customer: &CustomerId) -> CounterKey {
    CounterKey {
        customer: customer.clone(),
        feature: ok(FeatureCode::parse("api_calls"), "feature"),
        window_key: "m202611".to_owned(),
        resets_at: None,
    }
}

/// A commit of `amount` against a hard `limit`; the answer carries the counter after it, and
/// the unit journals one entry per accepted event.
pub fn commit(
    customer: &CustomerId,
    key: &str,
    amount: i64,
    limit: Option<i64>,
    cost: Option<Decimal>,
) -> UsageCommit {
    let ck = counter_key(customer);
    let event = UsageEvent {
        id: new_id("evt"),
        customer: customer.clone(),
        feature: ck.feature.clone(),
        quantity: amount,
        delta: 0,
        window_key: ck.window_key.clone(),
        occurred_at: at(),
        recorded_at: at(),
        idempotency_key: ok(IdempotencyKey::parse(key), "idempotency key"),
        properties: serde_json::json!({ "source": "conformance" }),
        billable: false,
        cost: None,
        answer: serde_json::Value::Null,
    };
    let entity = format!("customer:{customer}");
    UsageCommit {
        event,
        counter: CounterStep::Consume(Consume {
            key: ck,
            amount,
            limit,
            enforcement: Enforcement::Hard,
        }),
        fence: None,
        pay_from_wallet: cost.is_some(),
        finalize: Box::new(move |c: &Consumption| Finalized {
            answer: serde_json::json!({ "used": c.used, "applied": c.applied }),
            cost: cost.map(|d| Amount::new(Currency::USD, d)),
            billable: true,
            audit: vec![AuditEntry::new(
                &Caller::new("conformance"),
                at(),
                "usage.recorded",
                entity.clone(),
                None,
                Some(serde_json::json!({ "used": c.used })),
            )],
        }),
    }
}

async fn journaled(rig: &RecorderRig, customer: &CustomerId) -> usize {
    let q = AuditQuery {
        entity: Some(format!("customer:{customer}")),
        ..AuditQuery::default()
    };
    ok(rig.audit.list(&q).await, "audit list").len()
}

pub async fn inserts_then_dedupes(rig: &RecorderRig, prefix: &str) {
    let c = customer(prefix, "dedupe");
    let first = ok(
        rig.recorder
            .commit(commit(&c, "k1", 3, Some(10), None))
            .await,
        "first commit",
    );
    let CommitOutcome::Inserted { event, consumption } = first else {
        panic!("first commit must insert, got {first:?}");
    };
    assert_eq!(consumption.used, 3);
    assert_eq!(event.delta, 3, "delta is the applied amount");
    assert_eq!(event.answer["used"], 3);
    let stored = ok(
        rig.log.find_by_key(&c, &event.idempotency_key).await,
        "find",
    );
    assert_eq!(
        stored.as_ref(),
        Some(&event),
        "the stored event is the answer"
    );
    // The same key again, even with another amount: the first event, nothing moves.
    let again = ok(
        rig.recorder
            .commit(commit(&c, "k1", 5, Some(10), None))
            .await,
        "retry",
    );
    match again {
        CommitOutcome::Duplicate(first) => {
            assert_eq!(first.id, event.id);
            assert_eq!(first.answer, event.answer);
        }
        other => panic!("a retry must be a duplicate, got {other:?}"),
    }
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 3);
    assert_eq!(journaled(rig, &c).await, 1, "journaled once");
}

pub async fn refusal_writes_nothing(rig: &RecorderRig, prefix: &str) {
    let c = customer(prefix, "refuse");
    let out = ok(
        rig.recorder
            .commit(commit(&c, "big", 6, Some(5), None))
            .await,
        "commit",
    );
    assert!(
        matches!(
            out,
            CommitOutcome::Refused(Consumption {
                accepted: false,
                used: 0,
                ..
            })
        ),
        "over the hard limit is refused, got {out:?}"
    );
    let key = ok(IdempotencyKey::parse("big"), "key");
    assert_eq!(ok(rig.log.find_by_key(&c, &key).await, "find"), None);
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 0);
    assert_eq!(journaled(rig, &c).await, 0);
}

pub async fn insufficient_credits_writes_nothing(rig: &RecorderRig, prefix: &str) {
    let c = customer(prefix, "wallet");
    let cost = Decimal::new(500, 2); // 5.00
    let out = rig
        .recorder
        .commit(commit(&c, "paid-1", 1, None, Some(cost)))
        .await;
    assert!(
        matches!(out, Err(CommitError::InsufficientCredits { .. })),
        "an empty wallet refuses, got {out:?}"
    );
    let key = ok(IdempotencyKey::parse("paid-1"), "key");
    assert_eq!(ok(rig.log.find_by_key(&c, &key).await, "find"), None);
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 0);
    assert!(ok(rig.wallet.entries(&c).await, "entries").is_empty());

    let grant = LedgerEntry {
        id: new_id("led"),
        customer: c.clone(),
        currency: Currency::USD,
        kind: EntryKind::Grant,
        amount: Decimal::new(800, 2),
        created_at: at() - chrono::Duration::hours(1),
        expires_at: None,
        reference: Some(format!("grant:{c}")),
        description: "top-up".to_owned(),
    };
    ok(rig.wallet.append(grant).await, "grant");
    let paid = ok(
        rig.recorder
            .commit(commit(&c, "paid-1", 1, None, Some(cost)))
            .await,
        "paid commit",
    );
    assert!(matches!(paid, CommitOutcome::Inserted { .. }), "{paid:?}");
    let balances = ok(rig.wallet.balances(&c, at()).await, "balances");
    assert_eq!(
        balances,
        vec![Amount::new(Currency::USD, Decimal::new(300, 2))]
    );
    // A second event with the same cost no longer fits: refused whole.
    let out = rig
        .recorder
        .commit(commit(&c, "paid-2", 1, None, Some(cost)))
        .await;
    assert!(matches!(out, Err(CommitError::InsufficientCredits { .. })));
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 1);
}

/// An event the log refuses (properties not an object) writes nothing — not even the debit
/// that came before it in the unit.
pub async fn invalid_event_writes_nothing(rig: &RecorderRig, prefix: &str) {
    let c = customer(prefix, "invalid");
    let grant = LedgerEntry {
        id: new_id("led"),
        customer: c.clone(),
        currency: Currency::USD,
        kind: EntryKind::Grant,
        amount: Decimal::new(1000, 2),
        created_at: at() - chrono::Duration::hours(1),
        expires_at: None,
        reference: Some(format!("grant:{c}")),
        description: "top-up".to_owned(),
    };
    ok(rig.wallet.append(grant).await, "grant");
    let mut unit = commit(&c, "bad", 2, Some(10), Some(Decimal::new(100, 2)));
    unit.event.properties = serde_json::json!(["not", "an", "object"]);
    let out = rig.recorder.commit(unit).await;
    assert!(matches!(out, Err(CommitError::Invalid(_))), "{out:?}");
    assert_eq!(
        ok(rig.wallet.entries(&c).await, "entries").len(),
        1,
        "no debit"
    );
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 0);
    let key = ok(IdempotencyKey::parse("bad"), "key");
    assert_eq!(ok(rig.log.find_by_key(&c, &key).await, "find"), None);
    assert_eq!(journaled(rig, &c).await, 0);
}

pub async fn consumed_step_leaves_counters_alone(rig: &RecorderRig, prefix: &str) {
    let c = customer(prefix, "consumed");
    let mut unit = commit(&c, "ext-1", 4, Some(10), None);
    unit.counter = CounterStep::Consumed(Consumption {
        accepted: true,
        used: 4,
        applied: 4,
    });
    let out = ok(rig.recorder.commit(unit).await, "commit");
    assert!(matches!(out, CommitOutcome::Inserted { .. }), "{out:?}");
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 0);
    let stored = ok(
        rig.log
            .window_total(&c, &counter_key(&c).feature, "m202611")
            .await,
        "total",
    );
    assert_eq!(stored, 4);
}

/// `tasks` × `attempts` commits of one unit against a hard `limit`: exactly `limit` accepted,
/// as many events, and the counter at `limit`.
pub async fn race_never_overshoots(
    rig: &RecorderRig,
    prefix: &str,
    tasks: usize,
    attempts: usize,
    limit: i64,
) {
    let c = customer(prefix, "race");
    let mut handles = Vec::new();
    for t in 0..tasks {
        let rig = rig.clone();
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            let mut accepted = 0_i64;
            for a in 0..attempts {
                let out = ok(
                    rig.recorder
                        .commit(commit(&c, &format!("r-{t}-{a}"), 1, Some(limit), None))
                        .await,
                    "race commit",
                );
                accepted += i64::from(matches!(out, CommitOutcome::Inserted { .. }));
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for h in handles {
        accepted += ok(h.await, "task");
    }
    assert_eq!(accepted, limit, "accepted exactly the limit");
    assert_eq!(
        ok(rig.counters.get(&counter_key(&c)).await, "counter"),
        limit
    );
    let total = ok(
        rig.log
            .window_total(&c, &counter_key(&c).feature, "m202611")
            .await,
        "total",
    );
    assert_eq!(total, limit, "events add up to the counter");
}

/// `attempts` concurrent commits of one idempotency key: one event, every answer the first.
pub async fn one_key_many_attempts(rig: &RecorderRig, prefix: &str, attempts: usize) {
    let c = customer(prefix, "retries");
    let mut handles = Vec::new();
    for _ in 0..attempts {
        let rig = rig.clone();
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            ok(
                rig.recorder
                    .commit(commit(&c, "same", 1, Some(1_000), None))
                    .await,
                "retry commit",
            )
        }));
    }
    let mut inserted = 0;
    let mut answers = Vec::new();
    for h in handles {
        match ok(h.await, "task") {
            CommitOutcome::Inserted { event, .. } => {
                inserted += 1;
                answers.push(event.id);
            }
            CommitOutcome::Duplicate(first) => answers.push(first.id),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(inserted, 1, "one attempt writes");
    answers.dedup();
    assert_eq!(
        answers.len(),
        1,
        "every attempt answers with the same event"
    );
    assert_eq!(ok(rig.counters.get(&counter_key(&c)).await, "counter"), 1);
}
