//! The `UsageLog` port: where usage events are stored.

use crate::{
    Aggregation, AppendOutcome, CounterTotal, UsageEvent, UsageLogError, UsageQuery, aggregate,
    expected_totals,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tollgate_kernel::{CustomerId, FeatureCode, IdempotencyKey, Timestamp};

/// The append-only log of usage events, unique on `(customer, idempotency_key)`.
///
/// Adapters must make `append` atomic with respect to that uniqueness (a unique index, a
/// mutex): any number of concurrent appends of one key store exactly one event, and every one
/// of them gets that event back. The engine holds an `Arc<dyn UsageLog>`.
///
/// `aggregate`, `counter_totals`, `window_total` and `daily_totals` have reference
/// implementations on top of `list`; a database adapter should override them with one query
/// each.
///
/// # Errors
/// Every method may fail with [`UsageLogError::Unavailable`] (backend unreachable, nothing
/// written) or [`UsageLogError::Unexpected`]; the others are named per method.
#[async_trait::async_trait]
pub trait UsageLog: Send + Sync {
    /// Stores `event` unless the customer already used its idempotency key; then returns the
    /// stored first event unchanged (even if this body differs) and stores nothing.
    ///
    /// # Errors
    /// [`UsageLogError::Invalid`] when the event fails [`UsageEvent::validate`] or its `id`
    /// already names a different event.
    async fn append(&self, event: UsageEvent) -> Result<AppendOutcome, UsageLogError>;

    /// The event a customer stored under `key`, if any.
    async fn find_by_key(
        &self,
        customer: &CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<UsageEvent>, UsageLogError>;

    /// The event with this id, if any.
    async fn get(&self, id: &str) -> Result<Option<UsageEvent>, UsageLogError>;

    /// Events matching `q`, ordered by `(occurred_at, id)`, see [`UsageQuery`].
    ///
    /// # Errors
    /// [`UsageLogError::Invalid`] when `q.after_id` names no event.
    async fn list(&self, q: &UsageQuery) -> Result<Vec<UsageEvent>, UsageLogError>;

    /// [`aggregate`] over the events `q` selects (cursor and limit included).
    ///
    /// # Errors
    /// As [`UsageLog::list`].
    async fn aggregate(&self, q: &UsageQuery, agg: &Aggregation) -> Result<i64, UsageLogError> {
        let events = self.list(q).await?;
        Ok(aggregate(&events, agg))
    }

    /// [`expected_totals`] over all events, or one customer's: what reconciliation compares
    /// with the stored counters.
    async fn counter_totals(
        &self,
        customer: Option<&CustomerId>,
    ) -> Result<Vec<CounterTotal>, UsageLogError> {
        let q = UsageQuery {
            customer: customer.cloned(),
            ..UsageQuery::default()
        };
        let events = self.list(&q).await?;
        Ok(expected_totals(&events))
    }

    /// `sum(delta)` of one counter, recomputed from events: how a lost counter (a flushed
    /// Redis) is rebuilt lazily. 0 when the counter has no events.
    async fn window_total(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        window_key: &str,
    ) -> Result<i64, UsageLogError> {
        let q = UsageQuery {
            customer: Some(customer.clone()),
            feature: Some(feature.clone()),
            ..UsageQuery::default()
        };
        let events = self.list(&q).await?;
        Ok(events
            .iter()
            .filter(|e| e.window_key == window_key)
            .fold(0_i64, |acc, e| acc.saturating_add(e.delta)))
    }

    /// `sum(delta)` of one customer's one feature per UTC calendar day of `occurred_at`, over
    /// `[from, to)`: only the days that have events (a day whose deltas cancel out is there,
    /// with 0), oldest first. Empty when `to <= from`. What the usage chart reads; see
    /// [`crate::daily_totals`] for a series with every day present.
    ///
    /// The default is the reference implementation: it lists every event of the range (sums
    /// saturate step by step). A database adapter should override it with one grouped query.
    async fn daily_totals(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(NaiveDate, i64)>, UsageLogError> {
        if to <= from {
            return Ok(Vec::new());
        }
        let q = UsageQuery {
            customer: Some(customer.clone()),
            feature: Some(feature.clone()),
            from: Some(from),
            to: Some(to),
            ..UsageQuery::default()
        };
        let mut days: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for e in self.list(&q).await? {
            let day = days.entry(e.occurred_at.date_naive()).or_insert(0);
            *day = day.saturating_add(e.delta);
        }
        Ok(days.into_iter().collect())
    }
}
