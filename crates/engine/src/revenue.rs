//! Monthly recurring revenue (MRR): what a subscription brings in per month, in integer minor
//! units of its currency.
//!
//! Definition, used by [`Engine::customer_summaries`](crate::Engine::customer_summaries) and
//! [`Engine::analytics`](crate::Engine::analytics):
//! - only `active` and `past_due` subscriptions count (past-due ones are still billed while the
//!   provider retries); `trialing`, `incomplete`, `locked` (grace ran out unpaid) and
//!   `canceled` ones count 0, and so does a customer without a subscription;
//! - the amount is the current catalog price of the subscription's plan for its currency and
//!   interval (a plan without such a price, or a free plan, counts 0);
//! - a monthly price counts as is; a yearly price counts `price / 12`, rounded to the minor
//!   unit **half-even** (Tollgate's one rounding rule), so 1014 / 12 = 84.5 → 84 and
//!   1002 / 12 = 83.5 → 84. Totals are sums of these rounded amounts.
//!
//! Prorations, overage, credits and discounts are not recurring and are left out.

use std::collections::HashMap;

use tollgate_billing::{Subscription, SubscriptionStatus};
use tollgate_kernel::{Interval, Money, PlanCode};
use tollgate_plans::Plan;

/// `amount` per `interval`, per month: yearly amounts divided by 12, rounded half-even.
pub(crate) fn per_month(amount_minor: i64, interval: Interval) -> i64 {
    let months = i64::from(interval.months());
    let (q, r) = (
        amount_minor.div_euclid(months),
        amount_minor.rem_euclid(months),
    );
    match (2 * r).cmp(&months) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + q.rem_euclid(2),
    }
}

/// The monthly price of the subscription's plan, whatever its status; 0 when the catalog has
/// no such plan or price.
pub(crate) fn list_price_per_month(sub: &Subscription, plans: &HashMap<PlanCode, Plan>) -> i64 {
    plans
        .get(&sub.plan)
        .and_then(|p| p.price(sub.currency, sub.interval))
        .map_or(0, |p| per_month(p.amount_minor, sub.interval))
}

/// Whether a subscription in this status brings in revenue.
pub(crate) fn is_billed(status: SubscriptionStatus) -> bool {
    matches!(
        status,
        SubscriptionStatus::Active | SubscriptionStatus::PastDue
    )
}

/// A subscription's MRR (see the module documentation).
pub(crate) fn mrr(sub: &Subscription, plans: &HashMap<PlanCode, Plan>) -> Money {
    let minor = if is_billed(sub.status) {
        list_price_per_month(sub, plans)
    } else {
        0
    };
    Money::new(minor, sub.currency)
}

/// Whether the subscription pays: billed, on a plan with a non-zero price.
pub(crate) fn is_paying(sub: &Subscription, plans: &HashMap<PlanCode, Plan>) -> bool {
    mrr(sub, plans).minor > 0
}

/// Adds `amount` to a per-currency total kept in currency order.
pub(crate) fn add_to(totals: &mut Vec<Money>, amount: Money) {
    match totals.iter_mut().find(|m| m.currency == amount.currency) {
        Some(total) => total.minor = total.minor.saturating_add(amount.minor),
        None => {
            totals.push(amount);
            totals.sort_by_key(|m| m.currency);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_kernel::Currency;

    #[test]
    fn monthly_prices_count_as_they_are() {
        for amount in [0, 1, 4900, 1_190_000] {
            assert_eq!(per_month(amount, Interval::Month), amount);
        }
    }

    #[test]
    fn yearly_prices_divide_by_twelve_half_even() {
        assert_eq!(per_month(30_000, Interval::Year), 2_500);
        assert_eq!(per_month(49_000, Interval::Year), 4_083); // 4083.33
        assert_eq!(per_month(1_010, Interval::Year), 84); // 84.17
        assert_eq!(per_month(1_015, Interval::Year), 85); // 84.58
        assert_eq!(per_month(1_014, Interval::Year), 84); // 84.5 → even
        assert_eq!(per_month(1_002, Interval::Year), 84); // 83.5 → even
        assert_eq!(per_month(6, Interval::Year), 0); // 0.5 → even
        assert_eq!(per_month(18, Interval::Year), 2); // 1.5 → even
        assert_eq!(per_month(11_900_000, Interval::Year), 991_667); // VND, 991666.67
    }

    #[test]
    fn totals_are_kept_per_currency_in_order() {
        let mut totals = Vec::new();
        add_to(&mut totals, Money::new(100, Currency::USD));
        add_to(&mut totals, Money::new(5, Currency::EUR));
        add_to(&mut totals, Money::new(50, Currency::USD));
        assert_eq!(
            totals,
            vec![Money::new(5, Currency::EUR), Money::new(150, Currency::USD)]
        );
    }
}
