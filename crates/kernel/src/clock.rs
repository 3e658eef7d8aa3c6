//! The `Clock` port: every use of "now" goes through it, so tests and demo mode can move time
//! (like Stripe test clocks) to reach trial ends, renewals, grace expiry and window resets.

use crate::Timestamp;
use chrono::{Duration, Utc};
use std::sync::Mutex;

/// Source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// A clock that demo mode and tests may move forward (like a Stripe test clock).
/// Production wiring never hands one out.
pub trait ClockControl: Clock {
    /// Moves the clock to `to`; an instant in the past is ignored (time never goes back).
    fn advance_to(&self, to: Timestamp);
}

/// Wall-clock time, optionally shifted by an offset that only moves forward
/// (demo mode advances it; production never does).
#[derive(Debug, Default)]
pub struct SystemClock {
    offset: Mutex<Duration>,
}

impl SystemClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// A system clock already shifted by `offset` (restored from storage at start-up).
    pub fn with_offset(offset: Duration) -> Self {
        Self {
            offset: Mutex::new(offset),
        }
    }

    /// Moves this clock forward; a negative step is ignored (time never goes back).
    pub fn advance(&self, by: Duration) -> Timestamp {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        if by > Duration::zero() {
            *offset += by;
        }
        Utc::now() + *offset
    }

    pub fn offset(&self) -> Duration {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now() + self.offset()
    }
}

/// A clock that stands still until told to move: deterministic tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    pub fn advance(&self, by: Duration) -> Timestamp {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ClockControl for SystemClock {
    fn advance_to(&self, to: Timestamp) {
        let now = self.now();
        if to > now {
            self.advance(to - now);
        }
    }
}

impl ClockControl for ManualClock {
    fn advance_to(&self, to: Timestamp) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if to > *now {
            *now = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(3));
        assert_eq!(clock.now(), start + Duration::days(3));
    }

    #[test]
    fn system_clock_offset_never_goes_back() {
        let clock = SystemClock::new();
        clock.advance(Duration::hours(5));
        clock.advance(Duration::hours(-10));
        assert_eq!(clock.offset(), Duration::hours(5));
        assert!(clock.now() > Utc::now() + Duration::hours(4));
    }
}
