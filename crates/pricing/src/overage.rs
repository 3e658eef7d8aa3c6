//! Overage: the part of a request above a soft limit, and what it costs.

use tollgate_kernel::{Amount, Currency, Decimal};

/// Units of this request (`amount`) that fall above `limit`, given `used_before` units already
/// counted in the window.
///
/// Only this request's own units count: usage already over the limit was priced by earlier
/// requests. A non-positive `amount` (a gauge release) has no overage. The arithmetic is done in
/// `i128`, so extreme inputs cannot overflow; the result is always in `0..=amount`.
pub fn overage(limit: i64, used_before: i64, amount: i64) -> i64 {
    if amount <= 0 {
        return 0;
    }
    let (limit, before, amount) = (
        i128::from(limit),
        i128::from(used_before),
        i128::from(amount),
    );
    let over_before = (before - limit).max(0);
    let over_after = (before + amount - limit).max(0);
    let units = (over_after - over_before).clamp(0, amount);
    // `units` lies in 0..=amount, and amount came from an i64.
    i64::try_from(units).unwrap_or(0)
}

/// The exact cost of `units` overage units at `unit_amount` (major units); zero for no units.
/// Not rounded: overage accrues per event and is rounded when invoiced. Saturates at
/// [`Decimal::MAX`] rather than overflow (needs a unit price above ~10^9).
pub fn overage_cost(units: i64, unit_amount: Decimal, currency: Currency) -> Amount {
    if units <= 0 || unit_amount.is_sign_negative() {
        return Amount::zero(currency);
    }
    let cost = Decimal::from(units)
        .checked_mul(unit_amount)
        .unwrap_or(Decimal::MAX);
    Amount::new(currency, cost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn counts_only_this_requests_units_above_the_limit() {
        assert_eq!(overage(100, 90, 5), 0);
        assert_eq!(overage(100, 95, 10), 5);
        assert_eq!(overage(100, 100, 10), 10);
        assert_eq!(overage(100, 150, 10), 10);
        assert_eq!(overage(100, 0, 100), 0);
        assert_eq!(overage(100, 0, 101), 1);
        assert_eq!(overage(100, 50, -10), 0);
        assert_eq!(overage(0, 0, 3), 3);
        assert_eq!(overage(i64::MIN, i64::MAX, i64::MAX), i64::MAX);
    }

    #[test]
    fn cost_is_exact() {
        let c = overage_cost(7, Decimal::from_str("0.003").unwrap(), Currency::USD);
        assert_eq!(c.amount, Decimal::from_str("0.021").unwrap());
        assert_eq!(c.currency, Currency::USD);
        assert_eq!(
            overage_cost(0, Decimal::ONE, Currency::USD).amount,
            Decimal::ZERO
        );
        assert_eq!(
            overage_cost(-3, Decimal::ONE, Currency::USD).amount,
            Decimal::ZERO
        );
    }

    proptest! {
        #[test]
        fn overage_is_within_the_request(limit in -1_000_i64..1_000, before in -1_000_i64..2_000, amount in -100_i64..1_000) {
            let o = overage(limit, before, amount);
            prop_assert!(o >= 0);
            prop_assert!(o <= amount.max(0));
        }

        #[test]
        fn splitting_a_request_does_not_change_total_overage(limit in 0_i64..1_000, before in 0_i64..2_000, a in 0_i64..500, b in 0_i64..500) {
            let whole = overage(limit, before, a + b);
            let split = overage(limit, before, a) + overage(limit, before + a, b);
            prop_assert_eq!(whole, split);
        }
    }
}
