//! The usage log, wallet, audit journal, webhook log and access store on SQL, each on a fresh
//! SQLite file and a fresh PostgreSQL schema: the shared conformance suites, SQL aggregation
//! against the reference computation, debits raced through two connection pools, secrets that
//! never reach the database, corrupt rows that fail safely, and the migration's `down`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;
use serde_json::json;
use tollgate_engine::conformance::journal;
use tollgate_engine::{
    AccessStore, ApiKeyRecord, AuditLog, BillingEventLog, BillingEventRecord, EventLogError,
    EventStatus, KeyRole, hash_secret,
};
use tollgate_kernel::{
    Amount, Currency, CustomerId, Decimal, FeatureCode, IdempotencyKey, Timestamp, new_id,
};
use tollgate_store_sql::testing::TestDb;
use tollgate_store_sql::{SqlStore, on_both_backends};
use tollgate_usage::{
    Aggregation, UsageEvent, UsageLog, UsageLogError, UsageQuery, aggregate, expected_totals,
};
use tollgate_wallet::{Debit, EntryKind, LedgerEntry, WalletError, WalletStore};

fn at(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Conformance suites

async fn usage_log_suite(db: &TestDb) {
    let log: Arc<dyn UsageLog> = Arc::new(db.store.clone());
    tollgate_usage::conformance::run_all(log.clone(), "run1").await;
    tollgate_usage::conformance::run_all(log, "run2").await;
}
on_both_backends!(usage_log_conforms, usage_log_suite);

/// Days are UTC days whatever the PostgreSQL session's time zone: the conformance check of
/// `daily_totals` on a connection set to UTC+14 (a date-of-the-session-zone query would put
/// the evening events on the next day).
#[tokio::test]
async fn daily_totals_are_utc_days_in_any_session_time_zone() {
    let url = tollgate_store_sql::testing::postgres_url();
    let schema = format!("tg_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&url).await.expect("PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .unwrap();
    // One connection, so the session setting holds for every query of the check.
    let store = SqlStore::open(&tollgate_store_sql::SqlOptions {
        url: url.clone(),
        max_connections: Some(1),
        schema: Some(schema.clone()),
    })
    .await
    .unwrap();
    store
        .db()
        .execute_unprepared("SET TIME ZONE 'Pacific/Kiritimati'")
        .await
        .unwrap();
    let zone = store
        .db()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW TIME ZONE",
        ))
        .await
        .unwrap()
        .and_then(|r| r.try_get_by_index::<String>(0).ok());
    assert_eq!(zone.as_deref(), Some("Pacific/Kiritimati"));
    let log: Arc<dyn UsageLog> = Arc::new(store.clone());
    tollgate_usage::conformance::daily_totals(log, "tz").await;
    store.db().clone().close().await.ok();
    admin
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .unwrap();
}

async fn wallet_suite(db: &TestDb) {
    let store: Arc<dyn WalletStore> = Arc::new(db.store.clone());
    tollgate_wallet::conformance::run_all(store.clone(), "run1").await;
    tollgate_wallet::conformance::run_all(store, "run2").await;
}
on_both_backends!(wallet_store_conforms, wallet_suite);

async fn audit_suite(db: &TestDb) {
    let log: Arc<dyn AuditLog> = Arc::new(db.store.clone());
    journal::run_audit(log.clone(), "run1").await;
    journal::run_audit(log, "run2").await;
}
on_both_backends!(audit_log_conforms, audit_suite);

async fn billing_events_suite(db: &TestDb) {
    let log: Arc<dyn BillingEventLog> = Arc::new(db.store.clone());
    journal::run_billing_events(log.clone(), "run1").await;
    journal::run_billing_events(log, "run2").await;
}
on_both_backends!(billing_event_log_conforms, billing_events_suite);

async fn access_suite(db: &TestDb) {
    let store: Arc<dyn AccessStore> = Arc::new(db.store.clone());
    journal::run_access(store.clone(), "run1").await;
    journal::run_access(store, "run2").await;
}
on_both_backends!(access_store_conforms, access_suite);

// ---------------------------------------------------------------------------------------------
// SQL aggregation equals the reference computation

/// A small deterministic generator (xorshift64*), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }
}

fn random_event(rng: &mut Rng) -> UsageEvent {
    let customer = *rng.pick(&["acme", "globex", "initech"]);
    let feature = *rng.pick(&["api_calls", "ai_tokens", "storage"]);
    let window = *rng.pick(&["m202611", "m202610", "life", ""]);
    let quantity: i64 = match rng.below(10) {
        // Large values exercise the high half of the exact sums (no total can overflow).
        0 => i64::try_from(rng.below(1 << 50)).unwrap() - (1 << 49),
        1 => -i64::try_from(rng.below(1000)).unwrap(),
        _ => i64::try_from(rng.below(1000)).unwrap(),
    };
    let delta = if window.is_empty() {
        0
    } else if quantity < 0 && rng.below(2) == 0 {
        quantity / 2 // a clamped gauge release
    } else {
        quantity
    };
    // Sub-second instants, and many events sharing one, to test the (occurred_at, id) order.
    let occurred_at = at(1, 0)
        + Duration::hours(i64::try_from(rng.below(48)).unwrap())
        + Duration::microseconds(i64::try_from(rng.below(3)).unwrap() * 250_000);
    let mut properties = serde_json::Map::new();
    let model = match rng.below(9) {
        0 => None,
        1 => Some(json!(null)),
        2 => Some(json!(1)),
        3 => Some(json!("1")),
        4 => Some(json!(1.5)),
        5 => Some(json!({"family": "gpt", "size": 4})),
        6 => Some(json!([1, "two"])),
        7 => Some(json!("claude")),
        _ => Some(json!("gpt-4o")),
    };
    if let Some(m) = model {
        properties.insert("model".into(), m);
    }
    if rng.below(3) == 0 {
        properties.insert("user".into(), json!(format!("u{}", rng.below(7))));
    }
    if rng.below(4) == 0 {
        properties.insert("a.b".into(), json!(rng.below(3)));
    }
    if rng.below(4) == 0 {
        properties.insert("say \"hi\"".into(), json!(rng.below(2) == 0));
    }
    let id = new_id("evt");
    UsageEvent {
        idempotency_key: IdempotencyKey::parse(format!("k-{id}")).unwrap(),
        id,
        customer: CustomerId::parse(customer).unwrap(),
        feature: FeatureCode::parse(feature).unwrap(),
        quantity,
        delta,
        window_key: window.to_owned(),
        occurred_at,
        recorded_at: occurred_at,
        properties: serde_json::Value::Object(properties),
        billable: rng.below(2) == 0,
        cost: (rng.below(3) == 0).then(|| {
            Amount::new(
                Currency::USD,
                Decimal::new(i64::try_from(rng.below(100_000)).unwrap(), 6),
            )
        }),
        answer: json!({"used": quantity}),
    }
}

async fn aggregation_matches_reference(db: &TestDb) {
    let store: &dyn UsageLog = &db.store;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let events: Vec<UsageEvent> = (0..400).map(|_| random_event(&mut rng)).collect();
    for e in &events {
        assert!(!store.append(e.clone()).await.unwrap().is_duplicate());
    }
    let all = store.list(&UsageQuery::default()).await.unwrap();
    assert_eq!(all.len(), events.len());
    let mut sorted = events.clone();
    sorted.sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
    assert_eq!(all, sorted, "events round-trip, in (occurred_at, id) order");

    // Counter totals and window totals: sum(delta) per counter.
    assert_eq!(
        store.counter_totals(None).await.unwrap(),
        expected_totals(&all)
    );
    let mut counters = BTreeSet::new();
    for c in ["acme", "globex", "initech", "nobody"] {
        let c = CustomerId::parse(c).unwrap();
        let theirs = store
            .list(&UsageQuery::for_customer(c.clone()))
            .await
            .unwrap();
        assert_eq!(
            store.counter_totals(Some(&c)).await.unwrap(),
            expected_totals(&theirs)
        );
        for f in ["api_calls", "ai_tokens", "storage"] {
            for w in ["m202611", "m202610", "life", "m202612"] {
                counters.insert((c.clone(), f, w));
            }
        }
    }
    for (c, f, w) in counters {
        let f = FeatureCode::parse(f).unwrap();
        let want = all
            .iter()
            .filter(|e| e.customer == c && e.feature == f && e.window_key == w)
            .map(|e| e.delta)
            .sum::<i64>();
        assert_eq!(store.window_total(&c, &f, w).await.unwrap(), want);
    }

    // Every aggregation over a spread of queries, cursors and limits included.
    let acme = CustomerId::parse("acme").unwrap();
    let cursor = all[137].id.clone();
    let queries = vec![
        UsageQuery::default(),
        UsageQuery::for_customer(acme.clone()),
        UsageQuery {
            feature: Some(FeatureCode::parse("ai_tokens").unwrap()),
            ..UsageQuery::for_customer(acme.clone())
        },
        UsageQuery {
            from: Some(at(1, 12)),
            to: Some(at(2, 6)),
            ..UsageQuery::default()
        },
        UsageQuery {
            limit: Some(25),
            ..UsageQuery::default()
        },
        UsageQuery {
            after_id: Some(cursor.clone()),
            ..UsageQuery::default()
        },
        UsageQuery {
            after_id: Some(cursor),
            limit: Some(40),
            ..UsageQuery::for_customer(acme)
        },
        UsageQuery::for_customer(CustomerId::parse("nobody").unwrap()),
    ];
    let aggregations = [
        Aggregation::Count,
        Aggregation::Sum,
        Aggregation::Max,
        Aggregation::Latest,
        Aggregation::Unique("model".into()),
        Aggregation::Unique("user".into()),
        Aggregation::Unique("a.b".into()),
        Aggregation::Unique("say \"hi\"".into()),
        Aggregation::Unique("missing".into()),
    ];
    for q in &queries {
        let selected = store.list(q).await.unwrap();
        for agg in &aggregations {
            assert_eq!(
                store.aggregate(q, agg).await.unwrap(),
                aggregate(&selected, agg),
                "{agg:?} over {q:?}"
            );
        }
    }
}
on_both_backends!(
    sql_aggregation_matches_reference,
    aggregation_matches_reference
);

// ---------------------------------------------------------------------------------------------
// Wallet debits raced through two connection pools

fn grant(c: &CustomerId, amount: &str) -> LedgerEntry {
    LedgerEntry {
        id: new_id("led"),
        customer: c.clone(),
        currency: Currency::USD,
        kind: EntryKind::Grant,
        amount: amount.parse().unwrap(),
        created_at: at(1, 0),
        expires_at: None,
        reference: None,
        description: "top-up".into(),
    }
}

fn debit(c: &CustomerId, amount: &str, reference: String) -> Debit {
    Debit {
        customer: c.clone(),
        amount: Amount::new(Currency::USD, amount.parse().unwrap()),
        reference,
        at: at(2, 0),
        allow_negative: false,
        description: "race".into(),
    }
}

async fn two_pools_never_overspend(db: &TestDb) {
    let second = SqlStore::connect(&db.options).await.unwrap();
    let stores: [Arc<dyn WalletStore>; 2] = [Arc::new(db.store.clone()), Arc::new(second)];
    let c = CustomerId::parse("racer").unwrap();
    stores[0].append(grant(&c, "1.00")).await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = stores[i % 2].clone();
        let d = debit(&c, "0.10", format!("usage:race-{i}"));
        tasks.spawn(async move { store.debit(&d).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(out) => {
                assert!(!out.duplicate);
                assert!(out.balance.amount >= Decimal::ZERO, "{out:?}");
                ok += 1;
            }
            Err(WalletError::InsufficientCredits { .. }) => refused += 1,
            Err(other) => panic!("unexpected debit failure: {other:?}"),
        }
    }
    assert_eq!((ok, refused), (10, 6));
    for store in &stores {
        assert_eq!(
            store.balances(&c, at(3, 0)).await.unwrap(),
            vec![Amount::new(Currency::USD, Decimal::ZERO)]
        );
        assert_eq!(store.entries(&c).await.unwrap().len(), 11);
    }

    // One reference raced through both pools debits once; every racer gets that entry.
    let c = CustomerId::parse("retrier").unwrap();
    stores[1].append(grant(&c, "5.00")).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = stores[i % 2].clone();
        let d = debit(&c, "0.25", "usage:evt_once".to_owned());
        tasks.spawn(async move { store.debit(&d).await.unwrap() });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(joined.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| !o.duplicate).count(), 1);
    assert!(outcomes.iter().all(|o| o.entry == outcomes[0].entry));
    assert_eq!(
        stores[0].balances(&c, at(3, 0)).await.unwrap(),
        vec![Amount::new(Currency::USD, "4.75".parse().unwrap())]
    );
}
on_both_backends!(wallet_debits_across_two_pools, two_pools_never_overspend);

// ---------------------------------------------------------------------------------------------
// Secrets, corrupt rows, refused writes

async fn api_keys_store_no_secret(db: &TestDb) {
    let secret = "tg_live_4f1c9a7e2b8d6053aa91c4e7d2f0b386";
    let key = ApiKeyRecord {
        id: "key_ops".into(),
        name: "operations".into(),
        role: KeyRole::Admin,
        hash: hash_secret(secret),
        prefix: secret.chars().take(10).collect(),
        created_at: at(1, 0),
        revoked_at: None,
    };
    let access: &dyn AccessStore = &db.store;
    access.insert_key(&key).await.unwrap();
    assert_eq!(
        access.find_key(&hash_secret(secret)).await.unwrap(),
        Some(key)
    );

    let sql = match db.store.backend() {
        DbBackend::Postgres => "SELECT row_to_json(k)::text AS row_text FROM api_keys k",
        _ => {
            "SELECT id || '|' || name || '|' || role || '|' || hash || '|' || prefix || '|' \
             || created_at || '|' || coalesce(revoked_at, '') AS row_text FROM api_keys"
        }
    };
    let rows = db
        .store
        .db()
        .query_all_raw(Statement::from_string(db.store.backend(), sql))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let raw: String = rows[0].try_get("", "row_text").unwrap();
    assert!(raw.contains(&hash_secret(secret)), "{raw}");
    // Neither the secret nor any part of it beyond the displayed prefix is stored.
    assert!(!raw.contains(secret), "{raw}");
    assert!(!raw.contains(&secret[10..]), "{raw}");
    assert!(!raw.contains(&secret[12..24]), "{raw}");
}
on_both_backends!(api_keys_never_store_the_secret, api_keys_store_no_secret);

async fn corrupt_rows_fail_safely(db: &TestDb) {
    let sql = "INSERT INTO billing_events \
        (provider, event_id, event_type, received_at, status, attempts, payload) \
        VALUES ('stripe', 'evt_bad', 'invoice.paid', '2026-11-01T00:00:00+00:00', \
        'half-done', 0, '{}')";
    let sql = match db.store.backend() {
        DbBackend::Postgres => sql.replace("'{}')", "'{}'::jsonb)"),
        _ => sql.to_owned(),
    };
    db.store.db().execute_unprepared(&sql).await.unwrap();
    let events: &dyn BillingEventLog = &db.store;
    match events.get("stripe", "evt_bad").await {
        Err(EventLogError::Unexpected(source)) => {
            let text = source.to_string();
            assert!(
                !text.contains("half-done") && !text.contains("SELECT"),
                "{text}"
            );
        }
        other => panic!("expected an unexpected-failure error, got {other:?}"),
    }
}
on_both_backends!(corrupt_rows_are_errors_not_panics, corrupt_rows_fail_safely);

async fn reused_ids_are_invalid(db: &TestDb) {
    let log: &dyn UsageLog = &db.store;
    let wallet: &dyn WalletStore = &db.store;
    let c = CustomerId::parse("acme").unwrap();
    let first = UsageEvent {
        id: new_id("evt"),
        customer: c.clone(),
        feature: FeatureCode::parse("api_calls").unwrap(),
        quantity: 1,
        delta: 1,
        window_key: "m202611".into(),
        occurred_at: at(1, 0),
        recorded_at: at(1, 0),
        idempotency_key: IdempotencyKey::parse("req-1").unwrap(),
        properties: json!({}),
        billable: true,
        cost: None,
        answer: json!({}),
    };
    log.append(first.clone()).await.unwrap();
    let other_key = UsageEvent {
        idempotency_key: IdempotencyKey::parse("req-2").unwrap(),
        ..first.clone()
    };
    match log.append(other_key).await {
        Err(UsageLogError::Invalid(m)) => assert!(m.contains(&first.id), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }

    let g = grant(&c, "1");
    wallet.append(g.clone()).await.unwrap();
    let reused = LedgerEntry {
        amount: "2".parse().unwrap(),
        ..g
    };
    assert!(matches!(
        wallet.append(reused).await,
        Err(WalletError::Invalid(_))
    ));
    assert_eq!(wallet.entries(&c).await.unwrap().len(), 1);

    // Instants keep microseconds on both backends; finer digits are dropped alike.
    let precise = UsageEvent {
        id: new_id("evt"),
        idempotency_key: IdempotencyKey::parse("req-3").unwrap(),
        occurred_at: at(1, 0) + Duration::nanoseconds(123_456_789),
        ..first
    };
    let stored = log.append(precise).await.unwrap().into_event();
    assert_eq!(
        stored.occurred_at,
        at(1, 0) + Duration::microseconds(123_456)
    );
    assert_eq!(log.get(&stored.id).await.unwrap(), Some(stored));
}
on_both_backends!(reused_ids_and_precision, reused_ids_are_invalid);

/// A record the webhook conformance suite does not build: a claimed event whose lease ran out
/// (a crashed worker) can be claimed again.
async fn expired_claims_can_be_taken_over(db: &TestDb) {
    let events: &dyn BillingEventLog = &db.store;
    let record = BillingEventRecord {
        provider: "stripe".into(),
        event_id: "evt_lease".into(),
        event_type: "invoice.paid".into(),
        received_at: at(1, 0),
        status: EventStatus::Received,
        attempts: 0,
        error: None,
        processed_at: None,
        payload: json!({}),
    };
    assert!(events.insert(&record).await.unwrap());
    assert!(
        events
            .claim("stripe", "evt_lease", false)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        events
            .claim("stripe", "evt_lease", false)
            .await
            .unwrap()
            .is_none()
    );
    // The worker died: its lease is in the past.
    db.store
        .db()
        .execute_raw(Statement::from_sql_and_values(
            db.store.backend(),
            match db.store.backend() {
                DbBackend::Postgres => "UPDATE billing_events SET claimed_until = $1",
                _ => "UPDATE billing_events SET claimed_until = ?",
            },
            [(Utc::now() - Duration::minutes(1)).into()],
        ))
        .await
        .unwrap();
    let again = events.claim("stripe", "evt_lease", false).await.unwrap();
    assert_eq!(again.map(|r| r.attempts), Some(2));
}
on_both_backends!(expired_claims, expired_claims_can_be_taken_over);

// ---------------------------------------------------------------------------------------------
// The migration goes down and up again

async fn migration_down_and_up(db: &TestDb) {
    let conn = db.store.db();
    let tables = [
        "usage_events",
        "wallet_entries",
        "wallet_accounts",
        "audit_entries",
        "billing_events",
        "api_keys",
        "settings",
    ];
    for t in tables {
        conn.execute_unprepared(&format!("SELECT COUNT(*) FROM {t}"))
            .await
            .unwrap();
    }
    tollgate_migrations::Migrator::down(conn, None)
        .await
        .unwrap();
    for t in tables {
        assert!(
            conn.execute_unprepared(&format!("SELECT COUNT(*) FROM {t}"))
                .await
                .is_err(),
            "{t} is dropped"
        );
    }
    db.store.migrate().await.unwrap();
    usage_log_suite(db).await;
}
on_both_backends!(migration_goes_down_and_up, migration_down_and_up);
