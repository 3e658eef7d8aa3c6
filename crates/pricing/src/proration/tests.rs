use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::str::FromStr;
use tollgate_kernel::Currency;

fn ts(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::USD)
}

#[test]
fn halfway_through_a_30_day_month() {
    // November has 30 days: at day 15 exactly half remains.
    let period = Period::months_from(ts("2026-11-01T00:00:00Z"), 1);
    let p = prorate(usd(1_000), usd(4_900), period, ts("2026-11-16T00:00:00Z")).unwrap();
    assert_eq!(p.fraction, Decimal::from_str("0.5").unwrap());
    assert_eq!(p.unused_credit, usd(-500));
    assert_eq!(p.remaining_charge, usd(2_450));
    assert_eq!(p.total, usd(1_950));
}

#[test]
fn each_line_is_rounded_half_even_on_its_own() {
    // 4 s period, 1 s remaining: 0.25 of 0.10 = 0.025 → 0.02; 0.25 of 0.30 = 0.075 → 0.08.
    let start = ts("2026-01-01T00:00:00Z");
    let period = Period::new(start, start + Duration::seconds(4)).unwrap();
    let p = prorate(usd(10), usd(30), period, start + Duration::seconds(3)).unwrap();
    assert_eq!(p.unused_credit, usd(-2));
    assert_eq!(p.remaining_charge, usd(8));
    assert_eq!(p.total, usd(6));
    // Rounding the net (0.05) instead would give 5: the lines must be rounded separately.
    assert_ne!(p.total.minor, 5);
}

#[test]
fn zero_decimal_currencies_round_to_whole_units() {
    let start = ts("2026-01-01T00:00:00Z");
    let period = Period::new(start, start + Duration::seconds(3)).unwrap();
    let vnd = |m| Money::new(m, Currency::VND);
    let p = prorate(
        vnd(100_000),
        vnd(250_000),
        period,
        start + Duration::seconds(1),
    )
    .unwrap();
    assert_eq!(p.unused_credit, vnd(-66_667));
    assert_eq!(p.remaining_charge, vnd(166_667));
}

#[test]
fn refuses_mismatched_currencies_negative_prices_and_outside_instants() {
    let period = Period::months_from(ts("2026-11-01T00:00:00Z"), 1);
    let at = ts("2026-11-10T00:00:00Z");
    assert!(matches!(
        prorate(usd(1), Money::new(1, Currency::EUR), period, at),
        Err(PricingError::CurrencyMismatch { .. })
    ));
    assert!(matches!(
        prorate(usd(-1), usd(1), period, at),
        Err(PricingError::NegativePrice(_))
    ));
    for outside in [
        period.end,
        period.start - Duration::seconds(1),
        ts("2030-01-01T00:00:00Z"),
    ] {
        assert!(matches!(
            prorate(usd(1), usd(1), period, outside),
            Err(PricingError::OutsidePeriod { .. })
        ));
    }
}

fn arb_case() -> impl Strategy<Value = (Period, i64, i64, i64)> {
    (
        0_i64..4_000_000_000,
        1_u32..13,
        0_i64..10_000_000,
        0_i64..10_000_000,
        0.0_f64..1.0,
    )
        .prop_map(|(start, months, old, new, frac)| {
            let start = Utc.timestamp_opt(start, 0).single().unwrap();
            let period = Period::months_from(start, months);
            // Test-only: the float only picks an offset inside the period.
            let offset = ((period.seconds() as f64) * frac) as i64;
            (period, offset.min(period.seconds() - 1), old, new)
        })
}

proptest! {
    #[test]
    fn lines_add_up_and_stay_within_the_prices((period, offset, old, new) in arb_case()) {
        let p = prorate(usd(old), usd(new), period, period.start + Duration::seconds(offset)).unwrap();
        prop_assert_eq!(p.unused_credit.minor + p.remaining_charge.minor, p.total.minor);
        prop_assert!(p.unused_credit.minor <= 0);
        prop_assert!(-p.unused_credit.minor <= old);
        prop_assert!(p.remaining_charge.minor >= 0);
        prop_assert!(p.remaining_charge.minor <= new);
        prop_assert!(p.fraction > Decimal::ZERO && p.fraction <= Decimal::ONE);
    }

    #[test]
    fn at_the_period_start_the_full_amounts_apply((period, _o, old, new) in arb_case()) {
        let p = prorate(usd(old), usd(new), period, period.start).unwrap();
        prop_assert_eq!(p.fraction, Decimal::ONE);
        prop_assert_eq!(p.unused_credit.minor, -old);
        prop_assert_eq!(p.remaining_charge.minor, new);
        prop_assert_eq!(p.total.minor, new - old);
    }

    #[test]
    fn later_changes_prorate_less((period, offset, old, new) in arb_case(), step in 0_i64..5_000_000) {
        let later = (offset + step).min(period.seconds() - 1);
        let a = prorate(usd(old), usd(new), period, period.start + Duration::seconds(offset)).unwrap();
        let b = prorate(usd(old), usd(new), period, period.start + Duration::seconds(later)).unwrap();
        prop_assert!(b.fraction <= a.fraction);
        prop_assert!(b.remaining_charge.minor <= a.remaining_charge.minor);
        prop_assert!(b.unused_credit.minor >= a.unused_credit.minor);
    }

    #[test]
    fn same_price_nets_to_zero((period, offset, price, _n) in arb_case()) {
        let p = prorate(usd(price), usd(price), period, period.start + Duration::seconds(offset)).unwrap();
        prop_assert_eq!(p.total.minor, 0);
    }
}
