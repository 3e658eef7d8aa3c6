//! The quota vocabulary: a rule (what the plan grants), the state of a counter against it, and
//! the answer to one request.

use crate::QuotaError;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Enforcement, FeatureCode, FeatureKind, Timestamp, Window};

/// One feature's effective entitlement for one customer, as the engine mapped it from the plan,
/// add-ons and overrides. This crate never reads plans: the rule is all it knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaRule {
    pub feature: FeatureCode,
    pub kind: FeatureKind,
    /// `None` is unlimited. For `config` features this carries the configured value.
    pub limit: Option<i64>,
    pub enforcement: Enforcement,
    /// The counter window of a metered feature; `None` for the other kinds.
    pub window: Option<Window>,
    /// Percent thresholds (`[80, 100]`) that raise a warning when usage crosses them.
    pub warn_at: Vec<u8>,
    /// `false` when the feature is not in the plan (or a boolean gate is off). A disabled
    /// counted feature behaves as a hard limit of 0, whatever `limit` and `enforcement` say.
    pub enabled: bool,
}

impl QuotaRule {
    /// The limit requests are judged against: `Some(0)` for a disabled feature, so that a
    /// feature outside the plan can never be consumed (not even as billable soft overage).
    pub fn effective_limit(&self) -> Option<i64> {
        if self.enabled { self.limit } else { Some(0) }
    }

    /// # Errors
    /// [`QuotaError::InvalidRule`] for a negative limit or a warning threshold of 0 (which
    /// would make every counter permanently "approaching").
    pub fn validate(&self) -> Result<(), QuotaError> {
        let invalid = |reason| QuotaError::InvalidRule {
            feature: self.feature.clone(),
            reason,
        };
        // A config value (retention days) may be anything; only limits must be non-negative.
        if self.kind != FeatureKind::Config && self.limit.is_some_and(|l| l < 0) {
            return Err(invalid("limit must not be negative"));
        }
        if self.warn_at.contains(&0) {
            return Err(invalid("warning thresholds must be at least 1 percent"));
        }
        Ok(())
    }
}

/// Where a counter stands against its limit, as shown on dashboards and in API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuotaState {
    Ok,
    /// At or past the lowest warning threshold below 100 %.
    Approaching,
    AtLimit,
    /// Past the limit: soft overage, or a limit lowered below current usage.
    Over,
}

/// Why a request was refused; the engine maps each to its HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The window's (or gauge's) hard limit would be passed: 429 `quota_exceeded`.
    QuotaExceeded,
    /// The feature is not in the customer's plan, or a boolean gate is off: 403.
    FeatureDisabled,
    /// One request's value is above a per-request cap (upload size): 413.
    OverRequestCap,
    /// Every concurrency lease is taken: 429.
    ConcurrencyLimit,
    /// A `config` feature holds a value, not an allowance: recording usage against it is a
    /// client error (400), and `/v1/check` answers `allowed: false`.
    NotCheckable,
}

/// The answer to one check or usage request, before (check) or after (usage) it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub allowed: bool,
    pub feature: FeatureCode,
    /// The effective limit (`Some(0)` for a disabled feature); `None` is unlimited.
    pub limit: Option<i64>,
    /// Usage after the request when allowed, current usage otherwise. For `per_request` it is
    /// the request's own value.
    pub used: i64,
    /// `max(0, limit - used)`; `None` when unlimited.
    pub remaining: Option<i64>,
    pub state: QuotaState,
    pub resets_at: Option<Timestamp>,
    /// Units above the limit after this request, for soft enforcement (0 for hard).
    pub overage: i64,
    /// How many of this request's units are overage (billable at the overage price).
    pub overage_delta: i64,
    /// The `warn_at` thresholds this request crossed upwards, ascending, each once:
    /// `used_before * 100 < t * limit <= used_after * 100`.
    pub warnings: Vec<u8>,
    /// Set exactly when `allowed` is false.
    pub reason: Option<DenyReason>,
}

/// The state of `used` against `limit`.
///
/// Unlimited is always `Ok`; `used > limit` is `Over`; `used == limit` is `AtLimit` (so a
/// limit of 0 with nothing used is `AtLimit`: nothing more may be consumed); at or past the
/// lowest threshold below 100 % of `warn_at` is `Approaching`. Thresholds of 100 % or more
/// only produce warnings, not a state. Computed in `i128`: no overflow for any input.
pub fn state_for(used: i64, limit: Option<i64>, warn_at: &[u8]) -> QuotaState {
    let Some(limit) = limit else {
        return QuotaState::Ok;
    };
    if used > limit {
        return QuotaState::Over;
    }
    if used == limit {
        return QuotaState::AtLimit;
    }
    let lowest = warn_at
        .iter()
        .copied()
        .filter(|t| (1..100).contains(t))
        .min();
    match lowest {
        Some(t) if i128::from(used) * 100 >= i128::from(t) * i128::from(limit) => {
            QuotaState::Approaching
        }
        _ => QuotaState::Ok,
    }
}

/// Percent of the limit used, rounded down; may exceed 100 (soft overage, lowered limits).
///
/// `None` when unlimited. A limit of 0 answers 100: the whole (empty) allowance is used, which
/// matches the `AtLimit`/`Over` state a progress bar shows beside it; the state, not the
/// percent, tells the two apart. Negative usage answers 0; values past `u32::MAX` saturate.
pub fn percent(used: i64, limit: Option<i64>) -> Option<u32> {
    let limit = limit?;
    if limit <= 0 {
        return Some(100);
    }
    let p = (i128::from(used.max(0)) * 100) / i128::from(limit);
    Some(u32::try_from(p).unwrap_or(u32::MAX))
}

/// Thresholds of `warn_at` crossed going from `before` to `after` (ascending, deduplicated).
/// Empty when unlimited or when usage did not grow.
pub(crate) fn crossed(before: i64, after: i64, limit: Option<i64>, warn_at: &[u8]) -> Vec<u8> {
    let Some(limit) = limit else {
        return Vec::new();
    };
    let (b, a, l) = (
        i128::from(before) * 100,
        i128::from(after) * 100,
        i128::from(limit),
    );
    let mut out: Vec<u8> = warn_at
        .iter()
        .copied()
        .filter(|t| {
            let mark = i128::from(*t) * l;
            b < mark && mark <= a
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_boundaries() {
        let w = [80, 100];
        assert_eq!(state_for(10, None, &w), QuotaState::Ok);
        assert_eq!(state_for(79, Some(100), &w), QuotaState::Ok);
        assert_eq!(state_for(80, Some(100), &w), QuotaState::Approaching);
        assert_eq!(state_for(99, Some(100), &w), QuotaState::Approaching);
        assert_eq!(state_for(100, Some(100), &w), QuotaState::AtLimit);
        assert_eq!(state_for(101, Some(100), &w), QuotaState::Over);
        assert_eq!(state_for(0, Some(0), &w), QuotaState::AtLimit);
        assert_eq!(state_for(1, Some(0), &w), QuotaState::Over);
        // 80 % of 3 is 2.4: 2 is below it, 3 is the limit.
        assert_eq!(state_for(2, Some(3), &w), QuotaState::Ok);
        // The lowest threshold below 100 wins; 100 and 120 never make "approaching".
        assert_eq!(state_for(50, Some(100), &[90, 50]), QuotaState::Approaching);
        assert_eq!(state_for(99, Some(100), &[100, 120]), QuotaState::Ok);
        assert_eq!(state_for(99, Some(100), &[]), QuotaState::Ok);
        assert_eq!(
            state_for(i64::MAX - 1, Some(i64::MAX), &w),
            QuotaState::Approaching
        );
    }

    #[test]
    fn percent_floors_and_exceeds_100() {
        assert_eq!(percent(5, None), None);
        assert_eq!(percent(1, Some(3)), Some(33));
        assert_eq!(percent(2, Some(3)), Some(66));
        assert_eq!(percent(150, Some(100)), Some(150));
        assert_eq!(percent(0, Some(0)), Some(100));
        assert_eq!(percent(7, Some(0)), Some(100));
        assert_eq!(percent(-4, Some(10)), Some(0));
        assert_eq!(percent(i64::MAX, Some(1)), Some(u32::MAX));
    }

    #[test]
    fn crossed_thresholds_are_half_open() {
        let w = [100, 80, 80];
        assert_eq!(crossed(0, 80, Some(100), &w), vec![80]);
        assert_eq!(crossed(80, 100, Some(100), &w), vec![100]);
        assert_eq!(crossed(79, 100, Some(100), &w), vec![80, 100]);
        assert!(crossed(100, 150, Some(100), &w).is_empty());
        assert!(crossed(0, 100, None, &w).is_empty());
        assert!(crossed(50, 10, Some(100), &w).is_empty());
    }

    #[test]
    fn rule_validation() {
        let mut rule = QuotaRule {
            feature: FeatureCode::parse("api_calls").unwrap(),
            kind: FeatureKind::Metered,
            limit: Some(-1),
            enforcement: Enforcement::Hard,
            window: Some(Window::Month),
            warn_at: vec![80],
            enabled: true,
        };
        assert!(matches!(
            rule.validate(),
            Err(QuotaError::InvalidRule { .. })
        ));
        rule.limit = Some(10);
        assert!(rule.validate().is_ok());
        rule.warn_at = vec![0];
        assert!(rule.validate().is_err());
        rule.warn_at = vec![];
        rule.enabled = false;
        assert_eq!(rule.effective_limit(), Some(0));
    }

    #[test]
    fn serde_names() {
        assert_eq!(
            serde_json::to_string(&QuotaState::AtLimit).unwrap(),
            "\"at_limit\""
        );
        assert_eq!(
            serde_json::to_string(&QuotaState::Approaching).unwrap(),
            "\"approaching\""
        );
        assert_eq!(
            serde_json::to_string(&DenyReason::OverRequestCap).unwrap(),
            "\"over_request_cap\""
        );
    }
}
