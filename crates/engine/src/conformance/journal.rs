//! Suites for the audit journal, the webhook log and the access store (whose idempotency
//! records have their checks in [`super::idempotency`]).
//!
//! Every function takes the adapter as `Arc<dyn Port>` and a `prefix` unique to the run
//! (actors, entities, providers, key ids, customers and setting names carry it), so the suites
//! can share a database with other tests. Functions panic on the first broken rule, like the
//! asserts of a test. Call them from a `#[tokio::test(flavor = "multi_thread")]` so the race
//! checks really run in parallel.

use std::fmt::Debug;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::json;
use tollgate_billing::Role;
use tollgate_kernel::{CustomerId, Timestamp};

use crate::access::{AccessError, AccessStore, ApiKeyRecord, KeyRole, Member, hash_secret};
use crate::audit::{AuditEntry, AuditQuery};
use crate::ports::{AuditLog, BillingEventLog, BillingEventRecord, EventStatus, WebhookQuery};

/// Runs every audit journal check, in order.
pub async fn run_audit(log: Arc<dyn AuditLog>, prefix: &str) {
    audit_appends_and_filters(log.clone(), prefix).await;
    audit_same_instant_is_newest_first(log, prefix).await;
}

/// Runs every webhook log check, in order.
pub async fn run_billing_events(log: Arc<dyn BillingEventLog>, prefix: &str) {
    events_insert_once(log.clone(), prefix).await;
    events_claim_and_finish(log.clone(), prefix).await;
    events_claim_is_exclusive(log.clone(), prefix).await;
    events_list_filters(log, prefix).await;
}

/// Runs every access store check, in order.
pub async fn run_access(store: Arc<dyn AccessStore>, prefix: &str) {
    keys_insert_find_revoke(store.clone(), prefix).await;
    members_upsert_and_list(store.clone(), prefix).await;
    settings_put_and_overwrite(store.clone(), prefix).await;
    settings_put_if_absent_keeps_the_first(store.clone(), prefix).await;
    settings_put_if_absent_races(store.clone(), prefix).await;
    super::idempotency::run_all(store, prefix).await;
}

pub(super) fn must<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

pub(super) fn at(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("bad test instant {day} {hour}"))
}

fn customer(prefix: &str, name: &str) -> CustomerId {
    must(CustomerId::parse(format!("{prefix}-{name}")), "customer id")
}

// ---------------------------------------------------------------------------------------------
// Audit journal

#[allow(clippy::too_many_arguments)]
fn audit_entry(
    id: String,
    ts: Timestamp,
    actor: &str,
    action: &str,
    entity: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    correlation_id: Option<&str>,
) -> AuditEntry {
    AuditEntry {
        id,
        ts,
        actor: actor.to_owned(),
        action: action.to_owned(),
        entity: entity.to_owned(),
        before,
        after,
        correlation_id: correlation_id.map(str::to_owned),
    }
}

async fn audit_list(log: &Arc<dyn AuditLog>, q: AuditQuery) -> Vec<AuditEntry> {
    must(log.list(&q).await, "audit list")
}

/// Entries come back as written (JSON and absent values included), newest first; entity and
/// actor filters are exact, the action filter is a case-sensitive prefix with no wildcards,
/// and the limit keeps the newest.
pub async fn audit_appends_and_filters(log: Arc<dyn AuditLog>, prefix: &str) {
    let operator = format!("{prefix}-operator");
    let system = format!("{prefix}-system");
    let plan = format!("plan:{prefix}-pro");
    let sub = format!("subscription:{prefix}-acme");
    let id = |n: u32| format!("aud_{prefix}_{n:04}");
    let e1 = audit_entry(
        id(1),
        at(1, 0),
        &operator,
        "plan.created",
        &plan,
        None,
        Some(json!({"price": {"currency": "USD", "amount": "49.00"}, "limits": [1, 2]})),
        Some("req-1"),
    );
    let e2 = audit_entry(
        id(2),
        at(2, 0),
        &operator,
        "subscription.created",
        &sub,
        None,
        Some(json!({"plan": "pro", "status": "trialing"})),
        None,
    );
    let e3 = audit_entry(
        id(3),
        at(3, 0),
        &operator,
        "subscription.changed",
        &sub,
        Some(json!({"plan": "pro"})),
        Some(json!({"plan": "team", "seats": 5, "note": null})),
        Some("req-3"),
    );
    let e4 = audit_entry(
        id(4),
        at(4, 0),
        &system,
        "Subscription.renewed",
        &sub,
        None,
        None,
        None,
    );
    must(log.append(&[e1.clone(), e2.clone()]).await, "append");
    must(log.append(&[]).await, "append nothing");
    must(log.append(&[e3.clone(), e4.clone()]).await, "append");

    let by_actor = |actor: &str| AuditQuery {
        actor: Some(actor.to_owned()),
        ..AuditQuery::default()
    };
    assert_eq!(
        audit_list(&log, by_actor(&operator)).await,
        vec![e3.clone(), e2.clone(), e1.clone()],
        "newest first, exactly as written"
    );
    let by_entity = AuditQuery {
        entity: Some(sub.clone()),
        ..AuditQuery::default()
    };
    assert_eq!(
        audit_list(&log, by_entity.clone()).await,
        vec![e4.clone(), e3.clone(), e2.clone()]
    );
    let prefixed = |action: &str| AuditQuery {
        action: Some(action.to_owned()),
        ..by_entity.clone()
    };
    assert_eq!(
        audit_list(&log, prefixed("subscription.")).await,
        vec![e3.clone(), e2.clone()],
        "the action prefix is case-sensitive"
    );
    assert_eq!(
        audit_list(&log, prefixed("subscription.changed")).await,
        vec![e3.clone()]
    );
    for no_wildcards in ["subscription%", "subscription_", "_ubscription", "%"] {
        assert!(
            audit_list(&log, prefixed(no_wildcards)).await.is_empty(),
            "{no_wildcards:?} is a literal prefix"
        );
    }
    let plans = AuditQuery {
        action: Some("plan.".to_owned()),
        ..by_actor(&operator)
    };
    assert_eq!(audit_list(&log, plans).await, vec![e1.clone()]);
    let newest_two = AuditQuery {
        limit: Some(2),
        ..by_actor(&operator)
    };
    assert_eq!(audit_list(&log, newest_two).await, vec![e3, e2]);
    let nobody = AuditQuery {
        entity: Some(format!("plan:{prefix}-none")),
        ..AuditQuery::default()
    };
    assert!(audit_list(&log, nobody).await.is_empty());
}

/// Entries of one instant (one operation journals several) list the later-written first.
pub async fn audit_same_instant_is_newest_first(log: Arc<dyn AuditLog>, prefix: &str) {
    let actor = format!("{prefix}-batch");
    let entries: Vec<AuditEntry> = (1..=3)
        .map(|n| {
            audit_entry(
                format!("aud_{prefix}_batch_{n:04}"),
                at(5, 12),
                &actor,
                "grant.created",
                &format!("wallet:{prefix}-acme"),
                None,
                Some(json!({"n": n})),
                None,
            )
        })
        .collect();
    must(log.append(&entries).await, "append");
    let mut newest_first = entries;
    newest_first.reverse();
    let q = AuditQuery {
        actor: Some(actor),
        ..AuditQuery::default()
    };
    assert_eq!(audit_list(&log, q).await, newest_first);
}

// ---------------------------------------------------------------------------------------------
// Webhook log

fn event(
    provider: &str,
    event_id: &str,
    event_type: &str,
    received: Timestamp,
) -> BillingEventRecord {
    BillingEventRecord {
        provider: provider.to_owned(),
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        received_at: received,
        status: EventStatus::Received,
        attempts: 0,
        error: None,
        processed_at: None,
        payload: json!({"type": event_type, "data": {"customer": "acme", "amount": 4900}}),
    }
}

async fn get_event(log: &Arc<dyn BillingEventLog>, provider: &str, id: &str) -> BillingEventRecord {
    must(log.get(provider, id).await, "get")
        .unwrap_or_else(|| panic!("event {provider}/{id} is stored"))
}

async fn claim(
    log: &Arc<dyn BillingEventLog>,
    provider: &str,
    id: &str,
    replay: bool,
) -> Option<BillingEventRecord> {
    must(log.claim(provider, id, replay).await, "claim")
}

/// An event is stored once per `(provider, event_id)`: a second insert returns `false` and
/// changes nothing; the same id from another provider is another event.
pub async fn events_insert_once(log: Arc<dyn BillingEventLog>, prefix: &str) {
    let stripe = format!("{prefix}-stripe");
    let other = format!("{prefix}-paddle");
    let first = event(&stripe, "evt_1", "invoice.paid", at(1, 0));
    assert!(must(log.insert(&first).await, "insert"), "new event");
    assert_eq!(get_event(&log, &stripe, "evt_1").await, first);

    let mut again = event(&stripe, "evt_1", "invoice.payment_failed", at(2, 0));
    again.payload = json!({"changed": true});
    again.attempts = 7;
    assert!(!must(log.insert(&again).await, "insert again"));
    assert_eq!(
        get_event(&log, &stripe, "evt_1").await,
        first,
        "nothing changed"
    );

    let elsewhere = event(&other, "evt_1", "invoice.paid", at(1, 0));
    assert!(must(log.insert(&elsewhere).await, "insert"), "per provider");
    assert_eq!(must(log.get(&stripe, "evt_unknown").await, "get"), None);
    assert_eq!(
        must(log.get(&format!("{prefix}-none"), "evt_1").await, "get"),
        None
    );
}

/// A claim bumps `attempts` and holds the event until `finish`; `received` and `failed`
/// events are claimable, `processed` and `ignored` ones only on replay; `finish` records the
/// status, the error and the instant.
pub async fn events_claim_and_finish(log: Arc<dyn BillingEventLog>, prefix: &str) {
    let p = format!("{prefix}-stripe");
    let id = "evt_claim";
    let original = event(&p, id, "checkout.session.completed", at(3, 0));
    assert!(must(log.insert(&original).await, "insert"));

    let claimed = claim(&log, &p, id, false)
        .await
        .unwrap_or_else(|| panic!("a received event is claimable"));
    assert_eq!(
        claimed,
        BillingEventRecord {
            attempts: 1,
            ..original.clone()
        }
    );
    assert_eq!(
        claim(&log, &p, id, false).await,
        None,
        "held by the first claim"
    );
    assert_eq!(
        claim(&log, &p, id, true).await,
        None,
        "held, even for a replay"
    );
    assert_eq!(get_event(&log, &p, id).await.attempts, 1);

    must(
        log.finish(
            &p,
            id,
            EventStatus::Failed,
            Some("provider timeout".into()),
            at(3, 1),
        )
        .await,
        "finish",
    );
    let failed = get_event(&log, &p, id).await;
    assert_eq!(
        (failed.status, failed.error.as_deref(), failed.processed_at),
        (
            EventStatus::Failed,
            Some("provider timeout"),
            Some(at(3, 1))
        )
    );

    let retry = claim(&log, &p, id, false)
        .await
        .unwrap_or_else(|| panic!("a failed event is claimable"));
    assert_eq!((retry.attempts, retry.status), (2, EventStatus::Failed));
    must(
        log.finish(&p, id, EventStatus::Processed, None, at(3, 2))
            .await,
        "finish",
    );
    let done = get_event(&log, &p, id).await;
    assert_eq!(
        (done.status, done.error, done.processed_at, done.attempts),
        (EventStatus::Processed, None, Some(at(3, 2)), 2)
    );
    assert_eq!(claim(&log, &p, id, false).await, None, "processed");

    let replayed = claim(&log, &p, id, true)
        .await
        .unwrap_or_else(|| panic!("replay reclaims"));
    assert_eq!(
        (replayed.attempts, replayed.status),
        (3, EventStatus::Processed)
    );
    must(
        log.finish(&p, id, EventStatus::Ignored, None, at(3, 3))
            .await,
        "finish",
    );
    assert_eq!(claim(&log, &p, id, false).await, None, "ignored");
    assert_eq!(get_event(&log, &p, id).await.status, EventStatus::Ignored);

    assert_eq!(claim(&log, &p, "evt_unknown", true).await, None);
    must(
        log.finish(&p, "evt_unknown", EventStatus::Processed, None, at(3, 4))
            .await,
        "finishing an unknown event is a no-op",
    );
    assert_eq!(must(log.get(&p, "evt_unknown").await, "get"), None);
}

/// 16 workers claim one event at once: exactly one gets it, and it was attempted once.
pub async fn events_claim_is_exclusive(log: Arc<dyn BillingEventLog>, prefix: &str) {
    let p = format!("{prefix}-stripe");
    let id = "evt_race";
    assert!(must(
        log.insert(&event(&p, id, "invoice.paid", at(4, 0))).await,
        "insert"
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let log = log.clone();
        let p = p.clone();
        tasks.spawn(async move { log.claim(&p, id, false).await });
    }
    let mut winners = 0;
    while let Some(joined) = tasks.join_next().await {
        if must(must(joined, "task"), "claim").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one claim wins");
    assert_eq!(get_event(&log, &p, id).await.attempts, 1);
}

/// Lists are newest first and filter on provider, status and type; the limit keeps the newest.
pub async fn events_list_filters(log: Arc<dyn BillingEventLog>, prefix: &str) {
    let a = format!("{prefix}-list-a");
    let b = format!("{prefix}-list-b");
    let a1 = event(&a, "evt_a1", "invoice.paid", at(10, 0));
    let a2 = event(&a, "evt_a2", "customer.subscription.updated", at(11, 0));
    let a3 = event(&a, "evt_a3", "invoice.paid", at(12, 0));
    let b1 = event(&b, "evt_b1", "invoice.paid", at(11, 12));
    for e in [&a1, &a2, &a3, &b1] {
        assert!(must(log.insert(e).await, "insert"));
    }
    must(
        log.finish(&a, "evt_a1", EventStatus::Processed, None, at(10, 1))
            .await,
        "finish",
    );
    let a1_done = get_event(&log, &a, "evt_a1").await;

    let list = |q: WebhookQuery| {
        let log = log.clone();
        async move { must(log.list(&q).await, "list") }
    };
    let of_a = WebhookQuery {
        provider: Some(a.clone()),
        ..WebhookQuery::default()
    };
    assert_eq!(
        list(of_a.clone()).await,
        vec![a3.clone(), a2.clone(), a1_done.clone()]
    );
    assert_eq!(
        list(WebhookQuery {
            event_type: Some("invoice.paid".into()),
            ..of_a.clone()
        })
        .await,
        vec![a3.clone(), a1_done.clone()]
    );
    assert_eq!(
        list(WebhookQuery {
            status: Some(EventStatus::Received),
            ..of_a.clone()
        })
        .await,
        vec![a3.clone(), a2.clone()]
    );
    assert_eq!(
        list(WebhookQuery {
            status: Some(EventStatus::Processed),
            ..of_a.clone()
        })
        .await,
        vec![a1_done]
    );
    assert_eq!(
        list(WebhookQuery {
            limit: Some(1),
            ..of_a.clone()
        })
        .await,
        vec![a3]
    );
    assert_eq!(
        list(WebhookQuery {
            provider: Some(b),
            ..WebhookQuery::default()
        })
        .await,
        vec![b1]
    );
    assert!(
        list(WebhookQuery {
            status: Some(EventStatus::Failed),
            ..of_a
        })
        .await
        .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// Access store

fn key(prefix: &str, n: u32, role: KeyRole, created: Timestamp) -> (ApiKeyRecord, String) {
    let secret = format!("tg_{prefix}_secret_{n}");
    let record = ApiKeyRecord {
        id: format!("key_{prefix}_{n:04}"),
        name: format!("key {n}"),
        role,
        hash: hash_secret(&secret),
        prefix: secret.chars().take(8).collect(),
        created_at: created,
        revoked_at: None,
    };
    (record, secret)
}

async fn my_keys(store: &Arc<dyn AccessStore>, prefix: &str) -> Vec<ApiKeyRecord> {
    let mine = format!("key_{prefix}_");
    must(store.list_keys().await, "list keys")
        .into_iter()
        .filter(|k| k.id.starts_with(&mine))
        .collect()
}

/// Keys are found by hash; a taken id or hash is `Duplicate` and writes nothing; a key is
/// revoked once.
pub async fn keys_insert_find_revoke(store: Arc<dyn AccessStore>, prefix: &str) {
    let (k1, s1) = key(prefix, 1, KeyRole::Admin, at(1, 0));
    let (k2, _) = key(prefix, 2, KeyRole::Server, at(2, 0));
    must(store.insert_key(&k1).await, "insert key");
    must(store.insert_key(&k2).await, "insert key");

    let (mut same_id, _) = key(prefix, 3, KeyRole::Server, at(3, 0));
    same_id.id = k1.id.clone();
    let (mut same_hash, _) = key(prefix, 4, KeyRole::Server, at(3, 0));
    same_hash.hash = k2.hash.clone();
    for dup in [same_id, same_hash] {
        let r = store.insert_key(&dup).await;
        assert!(matches!(r, Err(AccessError::Duplicate(_))), "{r:?}");
    }
    assert_eq!(
        my_keys(&store, prefix).await,
        vec![k1.clone(), k2.clone()],
        "oldest first; the duplicates wrote nothing"
    );

    assert_eq!(
        must(store.find_key(&hash_secret(&s1)).await, "find"),
        Some(k1.clone())
    );
    assert_eq!(
        must(
            store.find_key(&hash_secret("tg_never_issued")).await,
            "find"
        ),
        None
    );

    assert!(must(store.revoke_key(&k1.id, at(5, 0)).await, "revoke"));
    assert!(
        !must(store.revoke_key(&k1.id, at(6, 0)).await, "revoke again"),
        "already revoked"
    );
    assert!(!must(
        store
            .revoke_key(&format!("key_{prefix}_none"), at(6, 0))
            .await,
        "revoke"
    ));
    let revoked = ApiKeyRecord {
        revoked_at: Some(at(5, 0)),
        ..k1
    };
    assert_eq!(
        must(store.find_key(&revoked.hash).await, "find revoked"),
        Some(revoked.clone()),
        "revoked keys are still found, with the first revocation time"
    );
    assert_eq!(my_keys(&store, prefix).await, vec![revoked, k2]);
}

/// `put_member` adds a member or changes its role (keeping when it joined); `members` lists
/// one customer's, oldest first.
pub async fn members_upsert_and_list(store: Arc<dyn AccessStore>, prefix: &str) {
    let acme = customer(prefix, "acme");
    let globex = customer(prefix, "globex");
    let member = |c: &CustomerId, user: &str, role: Role, day: u32| Member {
        customer: c.clone(),
        user_id: user.to_owned(),
        role,
        created_at: at(day, 0),
    };
    let alice = member(&acme, "alice", Role::Owner, 1);
    let bob = member(&acme, "bob", Role::Member, 2);
    let carol = member(&globex, "carol", Role::Admin, 3);
    for m in [&alice, &bob, &carol] {
        must(store.put_member(m).await, "put member");
    }
    must(
        store
            .put_member(&member(&acme, "bob", Role::Admin, 9))
            .await,
        "change role",
    );
    let bob_admin = Member {
        role: Role::Admin,
        ..bob
    };
    assert_eq!(
        must(store.members(&acme).await, "members"),
        vec![alice, bob_admin]
    );
    assert_eq!(must(store.members(&globex).await, "members"), vec![carol]);
    assert!(must(store.members(&customer(prefix, "nobody")).await, "members").is_empty());
}

/// Settings are JSON values by name; a put overwrites.
pub async fn settings_put_and_overwrite(store: Arc<dyn AccessStore>, prefix: &str) {
    let name = format!("{prefix}.clock_offset");
    let other = format!("{prefix}.theme");
    assert_eq!(must(store.get_setting(&name).await, "get"), None);
    let first = json!({"seconds": 3600});
    must(store.put_setting(&name, &first).await, "put");
    must(store.put_setting(&other, &json!("dark")).await, "put");
    assert_eq!(must(store.get_setting(&name).await, "get"), Some(first));
    let second = json!({"seconds": 7200, "by": "operator", "history": [3600, null]});
    must(store.put_setting(&name, &second).await, "overwrite");
    assert_eq!(must(store.get_setting(&name).await, "get"), Some(second));
    assert_eq!(
        must(store.get_setting(&other).await, "get"),
        Some(json!("dark"))
    );
}

/// Insert-if-absent stores a missing setting and otherwise answers the stored value untouched;
/// a plain put still overwrites.
pub async fn settings_put_if_absent_keeps_the_first(store: Arc<dyn AccessStore>, prefix: &str) {
    let name = format!("{prefix}.shared_secret");
    let first = json!("aa11");
    assert_eq!(
        must(store.put_setting_if_absent(&name, &first).await, "first"),
        first
    );
    assert_eq!(
        must(
            store.put_setting_if_absent(&name, &json!("bb22")).await,
            "second"
        ),
        first,
        "the stored value wins"
    );
    assert_eq!(must(store.get_setting(&name).await, "get"), Some(first));
    let replaced = json!({"rotated": true});
    must(store.put_setting(&name, &replaced).await, "put");
    assert_eq!(
        must(
            store.put_setting_if_absent(&name, &json!("cc33")).await,
            "after put"
        ),
        replaced
    );
}

/// 16 workers insert-if-absent different values under one new name at once: one value is
/// stored and every worker answers that one.
pub async fn settings_put_if_absent_races(store: Arc<dyn AccessStore>, prefix: &str) {
    let name = format!("{prefix}.race_secret");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = store.clone();
        let name = name.clone();
        tasks.spawn(async move {
            let mine = json!(format!("worker-{i}"));
            store.put_setting_if_absent(&name, &mine).await
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        answers.push(must(must(joined, "task"), "put_setting_if_absent"));
    }
    let stored = must(store.get_setting(&name).await, "get").unwrap_or_else(|| {
        panic!("{name} stored");
    });
    assert!(
        answers.iter().all(|a| *a == stored),
        "every worker answers the stored value {stored}: {answers:?}"
    );
}
