//! Quota windows: every instant falls in exactly one window of each kind, which has a stable key
//! (used in counter keys) and, unless it is `lifetime`, a reset instant strictly after it.
//! `day`, `week` (starting Monday) and `month` are calendar windows in UTC; `billing_cycle` is
//! the subscription's current period.

use crate::{ParseError, Timestamp};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long a metered counter accumulates before it resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Window {
    #[serde(alias = "daily")]
    Day,
    #[serde(alias = "weekly")]
    Week,
    #[serde(alias = "monthly")]
    Month,
    BillingCycle,
    Lifetime,
}

impl Window {
    pub fn as_str(&self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
            Window::BillingCycle => "billing_cycle",
            Window::Lifetime => "lifetime",
        }
    }

    /// Parses `day | week | month | billing_cycle | lifetime` (and `daily | weekly | monthly`).
    ///
    /// # Errors
    /// [`ParseError`] for any other word.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "day" | "daily" => Ok(Window::Day),
            "week" | "weekly" => Ok(Window::Week),
            "month" | "monthly" => Ok(Window::Month),
            "billing_cycle" => Ok(Window::BillingCycle),
            "lifetime" => Ok(Window::Lifetime),
            other => Err(ParseError::new(
                "window",
                format!("{other:?} is not one of day, week, month, billing_cycle, lifetime"),
            )),
        }
    }

    /// The window of this kind that contains `at`.
    ///
    /// `billing_cycle` uses `cycle` when it contains `at`; without a current period (no
    /// subscription, or `at` outside it) it falls back to the calendar month, so a customer
    /// without a subscription still has a well-defined, resetting window.
    pub fn span_at(&self, at: Timestamp, cycle: Option<&Period>) -> WindowSpan {
        match self {
            Window::Day => {
                let start = midnight(at.date_naive());
                WindowSpan::new(
                    format!("d{:04}{:02}{:02}", at.year(), at.month(), at.day()),
                    start,
                    start + Duration::days(1),
                )
            }
            Window::Week => {
                let days_from_monday = i64::from(at.weekday().num_days_from_monday());
                let monday = at.date_naive() - Duration::days(days_from_monday);
                let start = midnight(monday);
                WindowSpan::new(
                    format!(
                        "w{:04}{:02}{:02}",
                        monday.year(),
                        monday.month(),
                        monday.day()
                    ),
                    start,
                    start + Duration::days(7),
                )
            }
            Window::Month => month_span(at),
            Window::BillingCycle => match cycle {
                Some(p) if p.contains(at) => {
                    WindowSpan::new(format!("c{}", p.start.timestamp()), p.start, p.end)
                }
                _ => month_span(at),
            },
            Window::Lifetime => WindowSpan {
                key: "life".to_owned(),
                start: None,
                resets_at: None,
            },
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn midnight(date: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn month_span(at: Timestamp) -> WindowSpan {
    let first = NaiveDate::from_ymd_opt(at.year(), at.month(), 1).unwrap_or_default();
    let start = midnight(first);
    let next = first
        .checked_add_months(Months::new(1))
        .unwrap_or(first + Duration::days(31));
    // Written out rather than through `strftime`: this is on every decision's path.
    WindowSpan::new(
        format!("m{:04}{:02}", at.year(), at.month()),
        start,
        midnight(next),
    )
}

/// One concrete window: its key, where it started and when it resets (`None` for lifetime).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WindowSpan {
    pub key: String,
    pub start: Option<Timestamp>,
    pub resets_at: Option<Timestamp>,
}

impl WindowSpan {
    fn new(key: String, start: Timestamp, resets_at: Timestamp) -> Self {
        Self {
            key,
            start: Some(start),
            resets_at: Some(resets_at),
        }
    }

    /// Whether `at` falls inside this window.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start.is_none_or(|s| at >= s) && self.resets_at.is_none_or(|r| at < r)
    }
}

/// A half-open interval `[start, end)`: a billing period, a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub end: Timestamp,
}

impl Period {
    /// # Errors
    /// [`ParseError`] when `end` is not after `start`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, ParseError> {
        if end <= start {
            return Err(ParseError::new("period", "end must be after start"));
        }
        Ok(Self { start, end })
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        at >= self.start && at < self.end
    }

    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }

    /// The period of `months` months that starts at `start`, the way Stripe steps billing
    /// periods: the same day of the month, clamped to the month's last day (Jan 31 → Feb 28).
    pub fn months_from(start: Timestamp, months: u32) -> Self {
        let end = add_months(start, months);
        Self { start, end }
    }
}

/// Adds calendar months keeping the time of day; the day is clamped to the target month's end.
pub fn add_months(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    at.checked_add_months(Months::new(months))
        .unwrap_or(at + Duration::days(30 * i64::from(months)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn calendar_windows() {
        let at = ts("2026-11-21T23:38:22Z"); // a Saturday
        let d = Window::Day.span_at(at, None);
        assert_eq!(d.key, "d20261121");
        assert_eq!(d.resets_at, Some(ts("2026-11-22T00:00:00Z")));
        let w = Window::Week.span_at(at, None);
        assert_eq!(w.start, Some(ts("2026-11-16T00:00:00Z")));
        assert_eq!(w.resets_at, Some(ts("2026-11-23T00:00:00Z")));
        let m = Window::Month.span_at(at, None);
        assert_eq!(m.key, "m202611");
        assert_eq!(m.resets_at, Some(ts("2026-12-01T00:00:00Z")));
        let dec = Window::Month.span_at(ts("2026-12-31T23:59:59Z"), None);
        assert_eq!(dec.resets_at, Some(ts("2027-01-01T00:00:00Z")));
        assert_eq!(Window::Lifetime.span_at(at, None).resets_at, None);
    }

    #[test]
    fn monday_starts_its_own_week() {
        let monday = ts("2026-11-23T00:00:00Z");
        assert_eq!(Window::Week.span_at(monday, None).start, Some(monday));
    }

    #[test]
    fn billing_cycle_follows_the_period_and_falls_back_to_the_month() {
        let p = Period::months_from(ts("2026-11-10T12:00:00Z"), 1);
        let inside = Window::BillingCycle.span_at(ts("2026-11-30T00:00:00Z"), Some(&p));
        assert_eq!(inside.resets_at, Some(ts("2026-12-10T12:00:00Z")));
        let outside = Window::BillingCycle.span_at(ts("2026-11-01T00:00:00Z"), Some(&p));
        assert_eq!(outside.key, "m202611");
        assert_eq!(
            Window::BillingCycle
                .span_at(ts("2026-11-01T00:00:00Z"), None)
                .key,
            "m202611"
        );
    }

    #[test]
    fn months_clamp_like_stripe() {
        let p = Period::months_from(ts("2027-01-31T08:00:00Z"), 1);
        assert_eq!(p.end, ts("2027-02-28T08:00:00Z"));
        assert_eq!(
            Period::months_from(ts("2026-11-21T00:00:00Z"), 12).end,
            ts("2027-11-21T00:00:00Z")
        );
    }

    #[test]
    fn parse_accepts_both_spellings() {
        assert_eq!(Window::parse("monthly").unwrap(), Window::Month);
        assert_eq!(
            Window::parse("billing_cycle").unwrap(),
            Window::BillingCycle
        );
        assert!(Window::parse("yearly").is_err());
        let w: Window = serde_json::from_str("\"daily\"").unwrap();
        assert_eq!(serde_json::to_string(&w).unwrap(), "\"day\"");
    }

    fn any_instant() -> impl Strategy<Value = Timestamp> {
        // 1970 .. 2200, to the second
        (0_i64..7_258_118_400).prop_map(|s| Utc.timestamp_opt(s, 0).single().unwrap())
    }

    fn calendar() -> impl Strategy<Value = Window> {
        prop_oneof![Just(Window::Day), Just(Window::Week), Just(Window::Month)]
    }

    proptest! {
        #[test]
        fn every_instant_is_in_its_window_and_resets_after(at in any_instant(), w in calendar()) {
            let span = w.span_at(at, None);
            prop_assert!(span.contains(at));
            prop_assert!(span.resets_at.unwrap() > at);
            prop_assert!(span.start.unwrap() <= at);
        }

        #[test]
        fn windows_do_not_overlap(at in any_instant(), w in calendar(), step in 1_i64..5_000_000) {
            // Another instant has the same key exactly when it lies in the same span.
            let other = at + Duration::seconds(step);
            let a = w.span_at(at, None);
            let b = w.span_at(other, None);
            prop_assert_eq!(a.key == b.key, a.contains(other));
            if a.key != b.key {
                prop_assert!(b.start.unwrap() >= a.resets_at.unwrap());
            }
        }

        #[test]
        fn the_reset_instant_opens_the_next_window(at in any_instant(), w in calendar()) {
            let span = w.span_at(at, None);
            let next = w.span_at(span.resets_at.unwrap(), None);
            prop_assert_ne!(&next.key, &span.key);
            prop_assert_eq!(next.start, span.resets_at);
        }

        #[test]
        fn billing_cycle_windows_match_the_period(start in any_instant(), months in 1_u32..13, frac in 0.0_f64..1.0) {
            let p = Period::months_from(start, months);
            let offset = ((p.seconds() as f64) * frac) as i64;
            let at = p.start + Duration::seconds(offset.min(p.seconds() - 1));
            let span = Window::BillingCycle.span_at(at, Some(&p));
            prop_assert_eq!(span.start, Some(p.start));
            prop_assert_eq!(span.resets_at, Some(p.end));
        }
    }
}
