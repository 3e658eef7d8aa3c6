//! Usage over time: a metered feature's use per UTC day, summed by the usage log (the record
//! the counters are derived from) with one `daily_totals` read, for the customer's usage chart.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tollgate_kernel::{CustomerId, FeatureCode, FeatureKind, Timestamp, Window, WindowSpan};
use tollgate_usage::daily_totals;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::usage::counting_span;

/// The most days one history read covers: a quarter, so a chart stays readable and a read
/// stays bounded.
pub const MAX_HISTORY_DAYS: i64 = 93;
/// Days shown for a daily window (each day is a window of its own).
const DAILY_WINDOW_DAYS: i64 = 14;
/// Days shown for a lifetime counter (it has no start worth charting from).
const LIFETIME_DAYS: i64 = 30;

/// One day of a feature's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayUsage {
    pub day: NaiveDate,
    /// What was used that day.
    pub used: i64,
    /// What counts toward the limit at the end of that day: the window's running total, or
    /// the day's own use when the window is a day.
    pub total: i64,
}

/// A metered feature's use per day over its current window, up to today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageHistory {
    pub feature: FeatureCode,
    pub window: Window,
    pub limit: Option<i64>,
    pub days: Vec<DayUsage>,
}

/// The days (first and last, inclusive) a history of `window` shows at `now`, whose current
/// window is `span`: the window's days so far; the last [`DAILY_WINDOW_DAYS`] days for a
/// daily window and [`LIFETIME_DAYS`] for a lifetime counter; never more than
/// [`MAX_HISTORY_DAYS`].
pub fn history_days(window: Window, span: &WindowSpan, now: Timestamp) -> (NaiveDate, NaiveDate) {
    let today = now.date_naive();
    let back = |days: i64| today - Duration::days(days - 1);
    let first = match (window, span.start) {
        (Window::Day, _) => back(DAILY_WINDOW_DAYS),
        (Window::Lifetime, _) | (_, None) => back(LIFETIME_DAYS),
        (_, Some(start)) => start.date_naive().max(back(MAX_HISTORY_DAYS)),
    };
    (first.min(today), today)
}

/// The finished days of charts already read, per customer, feature, first day and day of
/// reading, for [`HISTORY_TTL`]: a dashboard reloaded again and again reads the log for
/// today's events only, and a usage event back-dated into a finished day (`occurred_at`)
/// shows within that time. Bounded: when full it starts over.
#[derive(Debug, Default)]
pub(crate) struct HistoryCache {
    days: Mutex<HashMap<HistoryKey, (Instant, Days)>>,
}

type HistoryKey = (CustomerId, FeatureCode, Timestamp, NaiveDate);
type Days = Arc<Vec<(NaiveDate, i64)>>;

const HISTORY_ENTRIES: usize = 10_000;
/// How long finished days are reused.
pub const HISTORY_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl HistoryCache {
    fn get(&self, key: &HistoryKey) -> Option<Days> {
        self.days
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .filter(|(at, _)| at.elapsed() < HISTORY_TTL)
            .map(|(_, days)| days.clone())
    }

    fn put(&self, key: HistoryKey, days: Days) {
        let mut map = self.days.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= HISTORY_ENTRIES {
            map.clear();
        }
        map.insert(key, (Instant::now(), days));
    }
}

fn midnight(day: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

impl Engine {
    /// The sum of a feature's counted usage (`delta`) per UTC day over `[from, to)`, oldest
    /// first, every day present (0 when nothing was used). A range longer than
    /// [`MAX_HISTORY_DAYS`] days keeps its last ones.
    ///
    /// # Errors
    /// [`EngineError::Invalid`] when `to` is not after `from`; [`EngineError::NotFound`] for
    /// an unknown customer.
    pub async fn daily_usage(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(NaiveDate, i64)>, EngineError> {
        if to <= from {
            return Err(EngineError::invalid("the range must end after it starts"));
        }
        self.live_customer(customer).await?;
        let last = (to - Duration::nanoseconds(1)).date_naive();
        let from = from.max(midnight(last - Duration::days(MAX_HISTORY_DAYS - 1)));
        let used: BTreeMap<NaiveDate, i64> = self
            .d
            .usage_log
            .daily_totals(customer, feature, from, to)
            .await?
            .into_iter()
            .collect();
        // Every day of the range, 0 where the log has no events.
        let days = daily_totals(&[], from, to)
            .into_iter()
            .map(|(day, _)| (day, used.get(&day).copied().unwrap_or(0)))
            .collect();
        Ok(days)
    }

    /// A metered feature's use per day over the window it counts in now (see
    /// [`history_days`]), with the total that counts toward the limit at the end of each day.
    ///
    /// # Errors
    /// [`EngineError::NotFound`] for an unknown customer or a feature the catalog does not
    /// have; [`EngineError::Invalid`] for a feature that is not metered.
    pub async fn usage_history(
        &self,
        customer: &CustomerId,
        feature: &FeatureCode,
    ) -> Result<UsageHistory, EngineError> {
        let now = self.now();
        let ctx = self.cached_context(customer).await?;
        let ent = ctx
            .entitlements
            .get(feature)
            .ok_or_else(|| EngineError::not_found("feature", feature))?;
        if ent.kind != FeatureKind::Metered {
            return Err(EngineError::invalid(format!(
                "{feature} is not a metered feature"
            )));
        }
        let (window, span) = counting_span(&ctx, ent, now);
        let (first, last) = history_days(window, &span, now);
        let from = match span.start {
            Some(start) if window != Window::Day => start.max(midnight(first)),
            _ => midnight(first),
        };
        // The finished days from the cache (read from the log at most once a minute); today
        // from the counter the quota uses, so a reload reads no events and the last bar is
        // exactly what is counted.
        let today = midnight(last).max(from);
        let past: Days = if from < today {
            let key = (customer.clone(), feature.clone(), from, last);
            match self.history.get(&key) {
                Some(days) => days,
                None => {
                    let days = Arc::new(self.daily_usage(customer, feature, from, today).await?);
                    self.history.put(key, days.clone());
                    days
                }
            }
        } else {
            Arc::default()
        };
        let counter = crate::usage::meter(&ctx, ent, now).key;
        let counted = self
            .read_counters(&ctx, std::slice::from_ref(&counter))
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        let days = if window == Window::Day {
            past.iter()
                .map(|&(day, used)| DayUsage {
                    day,
                    used,
                    total: used,
                })
                .chain(std::iter::once(DayUsage {
                    day: last,
                    used: counted,
                    total: counted,
                }))
                .collect()
        } else {
            // What the window counted before the first day shown (a lifetime counter, a
            // yearly cycle longer than the history), so each day's total is the window's.
            let shown: i64 = past.iter().map(|(_, n)| n).sum();
            let before = if span.start.is_some_and(|s| s >= from) {
                0
            } else {
                let total = self
                    .d
                    .usage_log
                    .window_total(customer, feature, &span.key)
                    .await?;
                (total - shown).max(0)
            };
            let mut running = before;
            let mut days: Vec<DayUsage> = past
                .iter()
                .map(|&(day, used)| {
                    running = running.saturating_add(used);
                    DayUsage {
                        day,
                        used,
                        total: running,
                    }
                })
                .collect();
            days.push(DayUsage {
                day: last,
                used: (counted - running).max(0),
                total: counted,
            });
            days
        };
        Ok(UsageHistory {
            feature: feature.clone(),
            window,
            limit: ent.limit,
            days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap_or_default()
            .with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn history_covers_the_window_so_far() {
        let now = ts("2026-11-18T15:00:00Z");
        let month = Window::Month.span_at(now, None);
        assert_eq!(
            history_days(Window::Month, &month, now),
            (d("2026-11-01"), d("2026-11-18"))
        );
        let day = Window::Day.span_at(now, None);
        assert_eq!(
            history_days(Window::Day, &day, now),
            (d("2026-11-05"), d("2026-11-18"))
        );
        let life = Window::Lifetime.span_at(now, None);
        assert_eq!(
            history_days(Window::Lifetime, &life, now),
            (d("2026-10-20"), d("2026-11-18"))
        );
        let year = tollgate_kernel::Period::months_from(ts("2026-01-10T10:00:00Z"), 12);
        let cycle = Window::BillingCycle.span_at(now, Some(&year));
        let (first, last) = history_days(Window::BillingCycle, &cycle, now);
        assert_eq!((last - first).num_days() + 1, MAX_HISTORY_DAYS);
        assert_eq!(last, d("2026-11-18"));
    }
}
