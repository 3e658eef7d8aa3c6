//! Usage per day for charts: sums of the usage log per UTC day, zero days, one customer's one
//! feature, half-open bounds, and the running total of the current window.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use tollgate_engine::{EngineError, MAX_HISTORY_DAYS, RecordUsage};
use tollgate_kernel::{IdempotencyKey, Window};

fn at(customer: &str, feature: &str, quantity: i64, key: &str, when: &str) -> RecordUsage {
    RecordUsage {
        customer: cid(customer),
        feature: fc(feature),
        quantity,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
        occurred_at: Some(t(when)),
        properties: None,
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

/// The clock stands at 2026-11-10 12:00 UTC; acme is on Pro (api_calls 1,000 a month).
async fn with_usage() -> Harness {
    let h = harness().await;
    h.subscribed("acme", "pro").await;
    h.subscribed("other", "pro").await;
    for r in [
        at("acme", "api_calls", 3, "a1", "2026-11-02T00:00:00Z"),
        at("acme", "api_calls", 4, "a2", "2026-11-02T23:59:59Z"),
        at("acme", "api_calls", 10, "a3", "2026-11-05T08:30:00Z"),
        at("acme", "api_calls", 1, "a4", "2026-11-10T11:00:00Z"),
        // Another feature and another customer on the same days: not counted.
        at("acme", "ai_queries", 2, "q1", "2026-11-05T09:00:00Z"),
        at("other", "api_calls", 100, "o1", "2026-11-05T09:00:00Z"),
        // The previous month.
        at("acme", "api_calls", 50, "a0", "2026-10-31T23:00:00Z"),
    ] {
        h.engine.record_usage(r, &h.caller).await.unwrap();
    }
    h
}

#[tokio::test]
async fn sums_per_day_with_zero_days_for_one_customer_and_feature() {
    let h = with_usage().await;
    let days = h
        .engine
        .daily_usage(
            &cid("acme"),
            &fc("api_calls"),
            t("2026-11-01T00:00:00Z"),
            t("2026-11-11T00:00:00Z"),
        )
        .await
        .unwrap();
    let expected: Vec<(NaiveDate, i64)> = (1..=10)
        .map(|d| {
            let n = match d {
                2 => 7,
                5 => 10,
                10 => 1,
                _ => 0,
            };
            (day(d), n)
        })
        .collect();
    assert_eq!(days, expected);
}

#[tokio::test]
async fn bounds_are_half_open_and_long_ranges_keep_their_last_days() {
    let h = with_usage().await;
    // From Nov 2 at noon to Nov 5 08:30 exactly: the 3 at midnight and the 10 at `to` are out.
    let days = h
        .engine
        .daily_usage(
            &cid("acme"),
            &fc("api_calls"),
            t("2026-11-02T12:00:00Z"),
            t("2026-11-05T08:30:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(
        days,
        vec![(day(2), 4), (day(3), 0), (day(4), 0), (day(5), 0)]
    );
    // The previous month's event lands on Oct 31 only.
    let days = h
        .engine
        .daily_usage(
            &cid("acme"),
            &fc("api_calls"),
            t("2026-10-31T00:00:00Z"),
            t("2026-11-01T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(
        days,
        vec![(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), 50)]
    );
    // A year asked: the last 93 days, ending the day before `to`.
    let to = t("2026-11-11T00:00:00Z");
    let days = h
        .engine
        .daily_usage(&cid("acme"), &fc("api_calls"), to - Duration::days(365), to)
        .await
        .unwrap();
    assert_eq!(days.len() as i64, MAX_HISTORY_DAYS);
    assert_eq!(days.last().unwrap().0, day(10));
    assert_eq!(days.iter().map(|(_, n)| n).sum::<i64>(), 68);
    // An empty range and an unknown customer are refused.
    assert!(matches!(
        h.engine
            .daily_usage(&cid("acme"), &fc("api_calls"), to, to)
            .await,
        Err(EngineError::Invalid(_))
    ));
    assert!(matches!(
        h.engine
            .daily_usage(&cid("nobody"), &fc("api_calls"), to - Duration::days(1), to)
            .await,
        Err(EngineError::NotFound { .. })
    ));
}

#[tokio::test]
async fn history_runs_through_the_current_window_up_to_today() {
    let h = with_usage().await;
    let history = h
        .engine
        .usage_history(&cid("acme"), &fc("api_calls"))
        .await
        .unwrap();
    assert_eq!(history.window, Window::Month);
    assert_eq!(history.limit, Some(1_000));
    let days: Vec<NaiveDate> = history.days.iter().map(|d| d.day).collect();
    assert_eq!(days, (1..=10).map(day).collect::<Vec<_>>());
    let used: Vec<i64> = history.days.iter().map(|d| d.used).collect();
    assert_eq!(used, vec![0, 7, 0, 0, 10, 0, 0, 0, 0, 1]);
    let totals: Vec<i64> = history.days.iter().map(|d| d.total).collect();
    assert_eq!(totals, vec![0, 7, 7, 7, 17, 17, 17, 17, 17, 18]);
    // The last total is what the quota counts.
    let ent = h.engine.entitlements(&cid("acme")).await.unwrap();
    let api = ent
        .iter()
        .find(|e| e.feature.as_str() == "api_calls")
        .unwrap();
    assert_eq!(api.used, 18);

    // Only metered features have a history.
    assert!(matches!(
        h.engine
            .usage_history(&cid("acme"), &fc("storage_bytes"))
            .await,
        Err(EngineError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_reloaded_chart_shows_todays_new_usage_and_the_finished_days_unchanged() {
    let h = with_usage().await;
    let first = h
        .engine
        .usage_history(&cid("acme"), &fc("api_calls"))
        .await
        .unwrap();
    let today = |hist: &tollgate_engine::UsageHistory| *hist.days.last().unwrap();
    assert_eq!((today(&first).used, today(&first).total), (1, 18));
    // More usage today shows at once; the finished days (read once) stay as they were.
    h.engine
        .record_usage(
            at("acme", "api_calls", 5, "a5", "2026-11-10T11:30:00Z"),
            &h.caller,
        )
        .await
        .unwrap();
    let again = h
        .engine
        .usage_history(&cid("acme"), &fc("api_calls"))
        .await
        .unwrap();
    assert_eq!((today(&again).used, today(&again).total), (6, 23));
    assert_eq!(
        first.days[..first.days.len() - 1],
        again.days[..again.days.len() - 1]
    );
    // The total is what the quota counts.
    let ent = h
        .engine
        .entitlements(&cid("acme"))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.feature == fc("api_calls"))
        .unwrap();
    assert_eq!(ent.used, 23);
}
