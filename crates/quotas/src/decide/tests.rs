use super::*;
use crate::percent;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeSet;
use tollgate_kernel::{FeatureCode, Window};

fn rule(kind: FeatureKind, limit: Option<i64>, enforcement: Enforcement) -> QuotaRule {
    QuotaRule {
        feature: FeatureCode::parse("f").unwrap(),
        kind,
        limit,
        enforcement,
        window: (kind == FeatureKind::Metered).then_some(Window::Month),
        warn_at: vec![80, 100],
        enabled: true,
    }
}

fn metered(limit: Option<i64>, enforcement: Enforcement) -> QuotaRule {
    rule(FeatureKind::Metered, limit, enforcement)
}

fn reset() -> Option<Timestamp> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).single()
}

#[test]
fn metered_hard_allows_up_to_the_limit() {
    let r = metered(Some(100), Enforcement::Hard);
    let d = decide(&r, 70, 30, reset()).unwrap();
    assert!(d.allowed);
    assert_eq!(
        (d.used, d.remaining, d.state),
        (100, Some(0), QuotaState::AtLimit)
    );
    assert_eq!(d.warnings, vec![80, 100]);
    assert_eq!(d.resets_at, reset());
    assert_eq!((d.overage, d.overage_delta, d.reason), (0, 0, None));

    let d = decide(&r, 70, 31, reset()).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reason, Some(DenyReason::QuotaExceeded));
    assert_eq!(
        (d.used, d.remaining, d.state),
        (70, Some(30), QuotaState::Ok)
    );
    assert!(d.warnings.is_empty());
}

#[test]
fn metered_hard_refuses_when_a_lowered_limit_is_already_passed() {
    let d = decide(&metered(Some(10), Enforcement::Hard), 15, 1, None).unwrap();
    assert!(!d.allowed);
    assert_eq!(
        (d.used, d.remaining, d.state),
        (15, Some(0), QuotaState::Over)
    );
    assert_eq!(d.overage, 0);
}

#[test]
fn metered_soft_always_allows_and_counts_overage() {
    let r = metered(Some(100), Enforcement::Soft);
    let d = decide(&r, 90, 30, None).unwrap();
    assert!(d.allowed);
    assert_eq!(
        (d.used, d.remaining, d.state),
        (120, Some(0), QuotaState::Over)
    );
    assert_eq!((d.overage, d.overage_delta), (20, 20));
    assert_eq!(d.warnings, vec![100]);
    let d = decide(&r, 120, 5, None).unwrap();
    assert_eq!((d.overage, d.overage_delta), (25, 5));
    let d = decide(&r, 10, 5, None).unwrap();
    assert_eq!((d.overage, d.overage_delta), (0, 0));
}

#[test]
fn metered_unlimited() {
    let d = decide(&metered(None, Enforcement::Hard), 1_000_000, 5, None).unwrap();
    assert!(d.allowed);
    assert_eq!(
        (d.limit, d.remaining, d.state),
        (None, None, QuotaState::Ok)
    );
    assert!(d.warnings.is_empty());
}

#[test]
fn metered_quantity_must_be_positive() {
    let r = metered(Some(10), Enforcement::Hard);
    for amount in [0, -1] {
        assert!(matches!(
            decide(&r, 0, amount, None),
            Err(QuotaError::InvalidQuantity { amount: a, .. }) if a == amount
        ));
    }
}

#[test]
fn overflow_and_negative_usage_are_errors() {
    let r = metered(None, Enforcement::Soft);
    assert!(matches!(
        decide(&r, i64::MAX, 1, None),
        Err(QuotaError::Overflow { .. })
    ));
    assert!(matches!(
        decide(&r, -1, 1, None),
        Err(QuotaError::InvalidUsage { used: -1, .. })
    ));
    let bad = metered(Some(-5), Enforcement::Hard);
    assert!(matches!(
        decide(&bad, 0, 1, None),
        Err(QuotaError::InvalidRule { .. })
    ));
}

#[test]
fn disabled_metered_feature_has_limit_zero_even_when_soft() {
    let mut r = metered(None, Enforcement::Soft);
    r.enabled = false;
    let d = decide(&r, 0, 1, None).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.reason, Some(DenyReason::FeatureDisabled));
    assert_eq!(
        (d.limit, d.used, d.state),
        (Some(0), 0, QuotaState::AtLimit)
    );
}

#[test]
fn gauge_decrease_floors_at_zero_and_is_always_allowed() {
    let mut r = rule(FeatureKind::Gauge, Some(10), Enforcement::Hard);
    let d = decide(&r, 3, -5, None).unwrap();
    assert!(d.allowed);
    assert_eq!((d.used, d.remaining), (0, Some(10)));
    // Even past a lowered limit, and even when the feature left the plan.
    assert_eq!(decide(&r, 50, -20, None).unwrap().used, 30);
    r.enabled = false;
    let d = decide(&r, 50, -20, None).unwrap();
    assert!(d.allowed);
    assert_eq!((d.used, d.limit), (30, Some(0)));
    assert!(decide(&r, 50, 0, None).is_ok_and(|d| !d.allowed));
}

#[test]
fn gauge_increase_follows_enforcement() {
    let hard = rule(FeatureKind::Gauge, Some(10), Enforcement::Hard);
    assert!(decide(&hard, 8, 2, None).unwrap().allowed);
    let d = decide(&hard, 8, 3, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason),
        (false, Some(DenyReason::QuotaExceeded))
    );
    let soft = rule(FeatureKind::Gauge, Some(10), Enforcement::Soft);
    let d = decide(&soft, 8, 3, None).unwrap();
    assert_eq!(
        (d.allowed, d.used, d.overage, d.overage_delta),
        (true, 11, 1, 1)
    );
    // A decrease lowers the overage but is never itself overage.
    let d = decide(&soft, 11, -2, None).unwrap();
    assert_eq!((d.used, d.overage, d.overage_delta), (9, 0, 0));
    // Zero is a plain check.
    assert!(decide(&hard, 10, 0, None).unwrap().allowed);
}

#[test]
fn per_request_caps_one_value() {
    let r = rule(FeatureKind::PerRequest, Some(200), Enforcement::Soft);
    let d = decide(&r, 999, 200, None).unwrap();
    assert!(d.allowed);
    assert_eq!(
        (d.used, d.remaining, d.state),
        (200, Some(0), QuotaState::AtLimit)
    );
    let d = decide(&r, 0, 201, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason),
        (false, Some(DenyReason::OverRequestCap))
    );
    assert_eq!((d.used, d.overage, d.state), (201, 0, QuotaState::Over));
    assert!(decide(&r, 0, -1, None).is_err());
    assert!(
        decide(
            &rule(FeatureKind::PerRequest, None, Enforcement::Hard),
            0,
            i64::MAX,
            None
        )
        .unwrap()
        .allowed
    );
    let mut off = r.clone();
    off.enabled = false;
    let d = decide(&off, 0, 0, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason),
        (false, Some(DenyReason::FeatureDisabled))
    );
}

#[test]
fn boolean_is_the_enabled_flag() {
    let mut r = rule(FeatureKind::Boolean, None, Enforcement::Hard);
    let d = decide(&r, 0, 1, reset()).unwrap();
    assert!(d.allowed);
    assert_eq!(
        (d.limit, d.used, d.remaining, d.state),
        (None, 0, None, QuotaState::Ok)
    );
    r.enabled = false;
    let d = decide(&r, 0, 1, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason),
        (false, Some(DenyReason::FeatureDisabled))
    );
    assert!(decide(&r, 0, -1, None).is_err());
}

#[test]
fn concurrency_is_always_hard() {
    let r = rule(FeatureKind::Concurrency, Some(3), Enforcement::Soft);
    let d = decide(&r, 2, 1, None).unwrap();
    assert_eq!((d.allowed, d.used, d.remaining), (true, 3, Some(0)));
    let d = decide(&r, 3, 1, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason, d.used),
        (false, Some(DenyReason::ConcurrencyLimit), 3)
    );
    assert_eq!(d.overage, 0);
    assert!(decide(&r, 0, 0, None).is_err());
}

#[test]
fn config_is_not_checkable() {
    let r = rule(FeatureKind::Config, Some(365), Enforcement::Hard);
    let d = decide(&r, 0, 1, None).unwrap();
    assert_eq!(
        (d.allowed, d.reason),
        (false, Some(DenyReason::NotCheckable))
    );
    assert_eq!(d.limit, Some(365));
}

#[test]
fn decision_serializes_with_snake_case() {
    let d = decide(&metered(Some(100), Enforcement::Hard), 0, 100, reset()).unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["state"], "at_limit");
    assert_eq!(json["feature"], "f");
    assert_eq!(json["resets_at"], "2026-12-01T00:00:00Z");
    assert_eq!(json["reason"], serde_json::Value::Null);
    let back: Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

fn enforcement() -> impl Strategy<Value = Enforcement> {
    prop_oneof![Just(Enforcement::Hard), Just(Enforcement::Soft)]
}

fn thresholds() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1_u8..=150, 0..5)
}

proptest! {
    #[test]
    fn hard_metered_never_passes_the_limit(
        limit in 0_i64..10_000, used in 0_i64..12_000, amount in 1_i64..5_000,
    ) {
        let d = decide(&metered(Some(limit), Enforcement::Hard), used, amount, None).unwrap();
        prop_assert_eq!(d.allowed, used + amount <= limit);
        if d.allowed {
            prop_assert!(d.used <= limit);
            prop_assert_eq!(d.used, used + amount);
        } else {
            prop_assert_eq!(d.used, used);
            prop_assert_eq!(d.reason, Some(DenyReason::QuotaExceeded));
        }
        prop_assert_eq!(d.remaining, Some((limit - d.used).max(0)));
    }

    #[test]
    fn soft_metered_overage_adds_up(
        limit in 0_i64..1_000, used in 0_i64..2_000, amount in 1_i64..1_000,
    ) {
        let d = decide(&metered(Some(limit), Enforcement::Soft), used, amount, None).unwrap();
        prop_assert!(d.allowed);
        prop_assert_eq!(d.overage, (used + amount - limit).max(0));
        prop_assert!(d.overage_delta >= 0 && d.overage_delta <= amount);
        prop_assert_eq!(d.overage - d.overage_delta, (used - limit).max(0));
    }

    #[test]
    fn gauge_never_goes_below_zero(
        limit in proptest::option::of(0_i64..1_000), e in enforcement(),
        used in 0_i64..2_000, amount in -5_000_i64..5_000,
    ) {
        let d = decide(&rule(FeatureKind::Gauge, limit, e), used, amount, None).unwrap();
        prop_assert!(d.used >= 0);
        if amount < 0 {
            prop_assert!(d.allowed);
            prop_assert_eq!(d.used, (used + amount).max(0));
            prop_assert!(d.warnings.is_empty());
        }
        if d.allowed && e == Enforcement::Hard && amount >= 0 {
            prop_assert!(limit.is_none_or(|l| d.used <= l));
        }
    }

    #[test]
    fn warnings_are_exactly_the_thresholds_crossed(
        limit in 1_i64..400, used in 0_i64..500, amount in 1_i64..300, warn_at in thresholds(),
    ) {
        let mut r = metered(Some(limit), Enforcement::Soft);
        r.warn_at = warn_at.clone();
        let d = decide(&r, used, amount, None).unwrap();
        // Additivity: the whole request crosses a threshold exactly when one of its single
        // units does, each unit judged in exact integer percent.
        let mut expected = BTreeSet::new();
        for u in used..used + amount {
            for &t in &warn_at {
                let mark = i64::from(t) * limit;
                if u * 100 < mark && mark <= (u + 1) * 100 {
                    expected.insert(t);
                }
            }
        }
        for t in &d.warnings {
            // After the request usage is at or past the threshold, before it was below.
            prop_assert!((used + amount) * 100 >= i64::from(*t) * limit);
            prop_assert!(used * 100 < i64::from(*t) * limit);
        }
        prop_assert_eq!(d.warnings, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn state_agrees_with_percent(used in 0_i64..3_000, limit in 0_i64..1_000, warn_at in thresholds()) {
        let s = state_for(used, Some(limit), &warn_at);
        let p = percent(used, Some(limit)).unwrap();
        match s {
            QuotaState::Over => prop_assert!(used > limit && p >= 100),
            QuotaState::AtLimit => prop_assert!(used == limit && p == 100),
            QuotaState::Approaching => prop_assert!(used < limit && p < 100),
            QuotaState::Ok => prop_assert!(used < limit),
        }
    }
}
