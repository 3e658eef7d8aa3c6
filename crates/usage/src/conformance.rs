//! The shared conformance suite for [`UsageLog`] adapters (feature `conformance`).
//!
//! Every function takes the adapter as `Arc<dyn UsageLog>` and a `prefix` unique to the run
//! (customers are named `{prefix}-…`), so the suite can share a database with other tests.
//! Functions panic on the first broken rule, like the asserts of a test. Call [`run_all`] from
//! a `#[tokio::test(flavor = "multi_thread")]` so the race checks really run in parallel.

use crate::{
    Aggregation, AppendOutcome, CounterTotal, UsageEvent, UsageLog, UsageLogError, UsageQuery,
};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::fmt::Debug;
use std::sync::Arc;
use tollgate_kernel::{CustomerId, FeatureCode, IdempotencyKey, Timestamp, new_id};

/// Runs every check below, in order.
pub async fn run_all(log: Arc<dyn UsageLog>, prefix: &str) {
    duplicate_returns_the_first_event(log.clone(), prefix).await;
    keys_are_unique_per_customer(log.clone(), prefix).await;
    invalid_events_write_nothing(log.clone(), prefix).await;
    list_filters_and_orders(log.clone(), prefix).await;
    aggregates(log.clone(), prefix).await;
    counter_totals_and_window_total(log.clone(), prefix).await;
    daily_totals(log.clone(), prefix).await;
    concurrent_appends_insert_once(log.clone(), prefix).await;
    sequential_retries_count_once(log, prefix).await;
}

fn must<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

fn customer(prefix: &str, name: &str) -> CustomerId {
    must(CustomerId::parse(format!("{prefix}-{name}")), "customer id")
}

fn feature(code: &str) -> FeatureCode {
    must(FeatureCode::parse(code), "feature code")
}

fn at(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap_or_else(|| panic!("bad test instant {day} {hour}"))
}

/// A metered event counted in `m202611`, with a fresh id and key.
fn event(customer: &CustomerId, feature_code: &str, quantity: i64, when: Timestamp) -> UsageEvent {
    let id = new_id("evt");
    UsageEvent {
        idempotency_key: must(IdempotencyKey::parse(format!("key-{id}")), "key"),
        id,
        customer: customer.clone(),
        feature: feature(feature_code),
        quantity,
        delta: quantity,
        window_key: "m202611".into(),
        occurred_at: when,
        recorded_at: when,
        properties: serde_json::json!({"source": "conformance"}),
        billable: true,
        cost: None,
        answer: serde_json::json!({"used": quantity}),
    }
}

async fn append(log: &Arc<dyn UsageLog>, e: UsageEvent) -> AppendOutcome {
    must(log.append(e).await, "append")
}

async fn list(log: &Arc<dyn UsageLog>, q: &UsageQuery) -> Vec<UsageEvent> {
    must(log.list(q).await, "list")
}

/// A repeat of a key returns the stored first event unchanged, even when the retry's body
/// differs, and stores nothing; `get` and `find_by_key` see the first event.
pub async fn duplicate_returns_the_first_event(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "dup");
    let first = event(&c, "api_calls", 3, at(2, 10));
    assert_eq!(
        append(&log, first.clone()).await,
        AppendOutcome::Inserted(first.clone())
    );

    let mut retry = event(&c, "api_calls", 50, at(3, 10));
    retry.idempotency_key = first.idempotency_key.clone();
    retry.answer = serde_json::json!({"used": 50});
    assert_eq!(
        append(&log, retry.clone()).await,
        AppendOutcome::Duplicate(first.clone())
    );

    assert_eq!(must(log.get(&first.id).await, "get"), Some(first.clone()));
    assert_eq!(
        must(log.get(&retry.id).await, "get"),
        None,
        "the retry stored nothing"
    );
    let found = must(
        log.find_by_key(&c, &first.idempotency_key).await,
        "find_by_key",
    );
    assert_eq!(found, Some(first.clone()));
    let other_key = must(IdempotencyKey::parse("never-used"), "key");
    assert_eq!(
        must(log.find_by_key(&c, &other_key).await, "find_by_key"),
        None
    );
    assert_eq!(list(&log, &UsageQuery::for_customer(c)).await, vec![first]);
}

/// The same key used by two customers names two events.
pub async fn keys_are_unique_per_customer(log: Arc<dyn UsageLog>, prefix: &str) {
    let (a, b) = (customer(prefix, "uniq-a"), customer(prefix, "uniq-b"));
    let ea = event(&a, "api_calls", 1, at(2, 0));
    let mut eb = event(&b, "api_calls", 2, at(2, 0));
    eb.idempotency_key = ea.idempotency_key.clone();
    assert!(!append(&log, ea.clone()).await.is_duplicate());
    assert!(!append(&log, eb.clone()).await.is_duplicate());
    let key = &ea.idempotency_key.clone();
    assert_eq!(must(log.find_by_key(&a, key).await, "find"), Some(ea));
    assert_eq!(must(log.find_by_key(&b, key).await, "find"), Some(eb));
}

/// Bad input gets `Invalid` and writes nothing.
pub async fn invalid_events_write_nothing(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "invalid");
    let mut not_object = event(&c, "api_calls", 1, at(2, 0));
    not_object.properties = serde_json::json!([1]);
    let mut no_window = event(&c, "api_calls", 1, at(2, 0));
    no_window.window_key.clear();
    for bad in [not_object, no_window] {
        let key = bad.idempotency_key.clone();
        let r = log.append(bad).await;
        assert!(matches!(r, Err(UsageLogError::Invalid(_))), "{r:?}");
        assert_eq!(must(log.find_by_key(&c, &key).await, "find"), None);
    }
    assert!(list(&log, &UsageQuery::for_customer(c)).await.is_empty());
    let bad_cursor = UsageQuery {
        after_id: Some(new_id("evt")),
        ..UsageQuery::default()
    };
    assert!(matches!(
        log.list(&bad_cursor).await,
        Err(UsageLogError::Invalid(_))
    ));
}

/// Filters on customer, feature and `[from, to)`; order by `(occurred_at, id)`; limit and the
/// keyset cursor page through back-dated events without skipping any.
pub async fn list_filters_and_orders(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "list");
    let other = customer(prefix, "list-other");
    // Appended out of time order: ids (recording order) disagree with occurrence order.
    let e4 = event(&c, "api_calls", 4, at(4, 0));
    let e1 = event(&c, "api_calls", 1, at(1, 0));
    let e3 = event(&c, "storage", 3, at(3, 0));
    let e2 = event(&c, "api_calls", 2, at(2, 0));
    let e5 = event(&c, "api_calls", 5, at(4, 0)); // same instant as e4, larger id
    let noise = event(&other, "api_calls", 100, at(2, 0));
    for e in [&e4, &e1, &e3, &e2, &e5, &noise] {
        append(&log, e.clone()).await;
    }
    let all = UsageQuery::for_customer(c.clone());
    let got: Vec<i64> = list(&log, &all).await.iter().map(|e| e.quantity).collect();
    assert_eq!(got, vec![1, 2, 3, 4, 5]);

    let q = UsageQuery {
        feature: Some(feature("api_calls")),
        from: Some(at(2, 0)),
        to: Some(at(4, 0)),
        ..all.clone()
    };
    assert_eq!(
        list(&log, &q).await,
        vec![e2.clone()],
        "[from, to) on occurred_at"
    );

    let mut page = UsageQuery {
        limit: Some(2),
        ..all.clone()
    };
    let mut seen = Vec::new();
    for _ in 0..10 {
        let events = list(&log, &page).await;
        let Some(last) = events.last() else { break };
        page.after_id = Some(last.id.clone());
        seen.extend(events.iter().map(|e| e.quantity));
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5], "paging skips or repeats nothing");
}

/// Count, sum, max, latest and unique over a query.
pub async fn aggregates(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "agg");
    for (q, day, model) in [(5, 3, "gpt-4o"), (7, 1, "claude"), (2, 2, "gpt-4o")] {
        let mut e = event(&c, "ai_queries", q, at(day, 0));
        e.properties = serde_json::json!({"model": model});
        append(&log, e).await;
    }
    append(&log, event(&c, "api_calls", 1000, at(5, 0))).await;
    let q = UsageQuery {
        feature: Some(feature("ai_queries")),
        ..UsageQuery::for_customer(c)
    };
    for (agg, want) in [
        (Aggregation::Count, 3),
        (Aggregation::Sum, 14),
        (Aggregation::Max, 7),
        (Aggregation::Latest, 5),
        (Aggregation::Unique("model".into()), 2),
        (Aggregation::Unique("user".into()), 0),
    ] {
        assert_eq!(
            must(log.aggregate(&q, &agg).await, "aggregate"),
            want,
            "{agg:?}"
        );
    }
}

/// `counter_totals` and `window_total` are `sum(delta)` per counter; events without a window
/// are left out, and clamped gauge releases count their delta, not their quantity.
pub async fn counter_totals_and_window_total(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "totals");
    let other = customer(prefix, "totals-other");
    let mut october = event(&c, "api_calls", 4, at(1, 0) - Duration::days(3));
    october.window_key = "m202610".into();
    let mut grow = event(&c, "storage", 10, at(2, 0));
    grow.window_key = "life".into();
    let mut release = event(&c, "storage", -25, at(3, 0));
    release.window_key = "life".into();
    release.delta = -10;
    let mut gate = event(&c, "analytics", 1, at(3, 0));
    gate.window_key.clear();
    gate.delta = 0;
    for e in [
        october,
        event(&c, "api_calls", 6, at(2, 0)),
        event(&c, "api_calls", 1, at(9, 0)),
        grow,
        release,
        gate,
        event(&other, "api_calls", 9, at(2, 0)),
    ] {
        append(&log, e).await;
    }
    let total = |f: &str, w: &str, t: i64| CounterTotal {
        customer: c.clone(),
        feature: feature(f),
        window_key: w.into(),
        total: t,
    };
    let mut mine = must(log.counter_totals(Some(&c)).await, "counter_totals");
    mine.sort_by(|a, b| (&a.feature, &a.window_key).cmp(&(&b.feature, &b.window_key)));
    assert_eq!(
        mine,
        vec![
            total("api_calls", "m202610", 4),
            total("api_calls", "m202611", 7),
            total("storage", "life", 0)
        ]
    );
    let everyone = must(log.counter_totals(None).await, "counter_totals(None)");
    let theirs: Vec<&CounterTotal> = everyone.iter().filter(|t| t.customer == other).collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].total, 9);
    assert!(everyone.iter().filter(|t| t.customer == c).count() == 3);

    let wt = |f: &'static str, w: &'static str| {
        let log = log.clone();
        let c = c.clone();
        async move { must(log.window_total(&c, &feature(f), w).await, "window_total") }
    };
    assert_eq!(wt("api_calls", "m202611").await, 7);
    assert_eq!(wt("api_calls", "m202610").await, 4);
    assert_eq!(wt("storage", "life").await, 0);
    assert_eq!(wt("api_calls", "m202612").await, 0);
}

/// `daily_totals` sums `delta` per UTC day of `occurred_at` over `[from, to)`: only days with
/// events, oldest first; 23:59:59.999999 and 00:00:00 fall on different days; gauge releases
/// count their (negative, clamped) delta and a day whose deltas cancel out is there with 0;
/// other customers and features are left out; nothing to sum gives an empty list.
pub async fn daily_totals(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "daily");
    let other = customer(prefix, "daily-other");
    let last_instant = at(2, 23) + Duration::minutes(59) + Duration::seconds(59);
    let mut seats_grow = event(&c, "seats", 5, at(2, 10));
    seats_grow.window_key = "life".into();
    let mut seats_release = event(&c, "seats", -5, at(2, 11));
    seats_release.window_key = "life".into();
    let mut seats_clamped = event(&c, "seats", -25, at(3, 9));
    seats_clamped.window_key = "life".into();
    seats_clamped.delta = -10;
    let mut seats_more = event(&c, "seats", 3, at(3, 10));
    seats_more.window_key = "life".into();
    // Appended out of time order, with noise on the same days.
    for e in [
        event(&c, "api_calls", 6, at(4, 8)),
        event(
            &c,
            "api_calls",
            1,
            at(1, 11) + Duration::minutes(59) + Duration::seconds(59),
        ),
        event(&c, "api_calls", 2, at(1, 12)),
        event(
            &c,
            "api_calls",
            3,
            at(1, 23) + Duration::minutes(59) + Duration::seconds(59),
        ),
        event(&c, "api_calls", 4, at(2, 0)),
        event(
            &c,
            "api_calls",
            5,
            last_instant + Duration::microseconds(999_999),
        ),
        event(&c, "api_calls", 7, at(5, 0)),
        event(&c, "storage", 40, at(2, 12)),
        event(&other, "api_calls", 100, at(2, 12)),
        seats_grow,
        seats_release,
        seats_clamped,
        seats_more,
    ] {
        append(&log, e).await;
    }
    let day =
        |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_else(|| panic!("bad test day {d}"));
    let totals = |f: &'static str, from: Timestamp, to: Timestamp| {
        let log = log.clone();
        let c = c.clone();
        async move {
            must(
                log.daily_totals(&c, &feature(f), from, to).await,
                "daily_totals",
            )
        }
    };
    let month_start = at(1, 0);
    let month_end = at(30, 0) + Duration::days(1);

    assert_eq!(
        totals("api_calls", month_start, month_end).await,
        vec![(day(1), 6), (day(2), 9), (day(4), 6), (day(5), 7)],
        "per UTC day, days without events left out, ascending"
    );
    assert_eq!(
        totals("api_calls", at(1, 12), at(5, 0)).await,
        vec![(day(1), 5), (day(2), 9), (day(4), 6)],
        "[from, to): the event at `from` is in, the one at `to` and before `from` are out"
    );
    assert_eq!(
        totals("api_calls", month_start, at(2, 0)).await,
        vec![(day(1), 6)],
        "00:00:00 belongs to the next day"
    );
    assert_eq!(
        totals("api_calls", at(2, 0), at(2, 0) + Duration::seconds(1)).await,
        vec![(day(2), 4)]
    );
    assert_eq!(
        totals("seats", month_start, month_end).await,
        vec![(day(2), 0), (day(3), -7)],
        "gauges sum their deltas, negative ones included"
    );
    assert_eq!(
        totals("storage", month_start, month_end).await,
        vec![(day(2), 40)]
    );
    assert!(totals("api_calls", at(20, 0), at(25, 0)).await.is_empty());
    assert!(
        totals("ai_queries", month_start, month_end)
            .await
            .is_empty()
    );
    assert!(totals("api_calls", at(5, 0), at(1, 0)).await.is_empty());
    assert!(totals("api_calls", at(2, 0), at(2, 0)).await.is_empty());
    let none = customer(prefix, "daily-nobody");
    let f = feature("api_calls");
    assert!(
        must(
            log.daily_totals(&none, &f, month_start, month_end).await,
            "daily_totals"
        )
        .is_empty()
    );
    let theirs = must(
        log.daily_totals(&other, &f, month_start, month_end).await,
        "daily_totals",
    );
    assert_eq!(theirs, vec![(day(2), 100)]);
}

/// 32 tasks append one key at once: exactly one `Inserted`, 31 `Duplicate`, all carrying the
/// same stored event.
pub async fn concurrent_appends_insert_once(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "race");
    let template = event(&c, "api_calls", 1, at(2, 0));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..32 {
        let log = log.clone();
        let mut e = template.clone();
        e.id = new_id("evt");
        e.answer = serde_json::json!({"attempt": i});
        tasks.spawn(async move { log.append(e).await });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        outcomes.push(must(must(joined, "task"), "append"));
    }
    let inserted: Vec<&UsageEvent> = outcomes
        .iter()
        .filter(|o| !o.is_duplicate())
        .map(AppendOutcome::event)
        .collect();
    assert_eq!(inserted.len(), 1, "exactly one append inserts");
    assert!(outcomes.iter().all(|o| o.event() == inserted[0]));
    let stored = list(&log, &UsageQuery::for_customer(c)).await;
    assert_eq!(stored, vec![inserted[0].clone()]);
}

/// 1000 sequential retries of one key leave one event, counted once.
pub async fn sequential_retries_count_once(log: Arc<dyn UsageLog>, prefix: &str) {
    let c = customer(prefix, "retries");
    let first = event(&c, "api_calls", 2, at(2, 0));
    append(&log, first.clone()).await;
    for _ in 0..1000 {
        let mut retry = first.clone();
        retry.id = new_id("evt");
        assert_eq!(
            append(&log, retry).await,
            AppendOutcome::Duplicate(first.clone())
        );
    }
    let q = UsageQuery::for_customer(c.clone());
    assert_eq!(
        must(log.aggregate(&q, &Aggregation::Count).await, "count"),
        1
    );
    let f = feature("api_calls");
    assert_eq!(
        must(log.window_total(&c, &f, "m202611").await, "window_total"),
        2
    );
}
