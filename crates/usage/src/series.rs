//! Daily series for usage charts.

use crate::UsageEvent;
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;
use tollgate_kernel::Timestamp;

/// Sum of `delta` per UTC day over `[from, to)`, with every day in the range present (zero
/// when nothing happened), oldest first. The first day is `from`'s date; the last is the date
/// of the last instant before `to`. Events outside the range are ignored; an empty or inverted
/// range gives an empty series. `delta` (not `quantity`) is summed so the chart agrees with
/// the counters the limits are enforced on.
pub fn daily_totals(
    events: &[UsageEvent],
    from: Timestamp,
    to: Timestamp,
) -> Vec<(NaiveDate, i64)> {
    if to <= from {
        return Vec::new();
    }
    let first = from.date_naive();
    let last = (to - Duration::nanoseconds(1)).date_naive();
    let mut days: BTreeMap<NaiveDate, i64> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| (d, 0))
        .collect();
    for e in events
        .iter()
        .filter(|e| e.occurred_at >= from && e.occurred_at < to)
    {
        if let Some(total) = days.get_mut(&e.occurred_at.date_naive()) {
            *total = total.saturating_add(e.delta);
        }
    }
    days.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn zero_filled_half_open_days() {
        let mut clamped = event("acme", "seats", -9, ts(3, 5));
        clamped.delta = -2;
        let events = vec![
            event("acme", "api_calls", 4, ts(1, 10)),
            event("acme", "api_calls", 6, ts(1, 23)),
            clamped,
            event("acme", "api_calls", 100, ts(5, 0)), // at `to`: excluded
            event("acme", "api_calls", 100, ts(1, 0)), // before `from`: excluded
        ];
        let series = daily_totals(&events, ts(1, 6), ts(5, 0));
        assert_eq!(
            series,
            vec![(day(1), 10), (day(2), 0), (day(3), -2), (day(4), 0)]
        );
    }

    #[test]
    fn partial_last_day_is_included_and_empty_ranges_are_empty() {
        let series = daily_totals(&[], ts(1, 0), ts(2, 1));
        assert_eq!(series, vec![(day(1), 0), (day(2), 0)]);
        assert!(daily_totals(&[], ts(2, 0), ts(2, 0)).is_empty());
        assert!(daily_totals(&[], ts(3, 0), ts(2, 0)).is_empty());
    }
}
