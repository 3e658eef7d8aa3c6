//! Proration of a plan change inside a billing period, computed the way Stripe does.
//!
//! Stripe prorates per second: the share of the period still ahead is
//! `fraction = (period.end − at) / (period.end − period.start)` in whole seconds. The customer
//! gets a credit for the unused part of the old price and a charge for the remaining part of the
//! new price, as two separate invoice lines.
//!
//! Rounding: each line is rounded on its own, half-even, to the currency's minor unit through
//! [`tollgate_kernel::round_to_minor`] (`old × remaining / total`, computed exactly before the
//! rounding, not via the rounded fraction). The total is the sum of the two rounded lines, so
//! `unused_credit + remaining_charge == total` always holds to the minor unit, as on a Stripe
//! invoice.

use crate::PricingError;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Decimal, Money, Period, Timestamp, round_to_minor};

/// The result of prorating a change at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proration {
    /// Credit for the unused time on the old price: zero or negative, never beyond the price.
    pub unused_credit: Money,
    /// Charge for the remaining time on the new price: zero or positive.
    pub remaining_charge: Money,
    /// `unused_credit + remaining_charge`: negative when the change is a downgrade.
    pub total: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Share of the period still ahead at `at`, in `(0, 1]` (28 significant digits; the lines
    /// are computed from the exact seconds, not from this value).
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = tollgate_kernel::DecimalString))]
    pub fraction: Decimal,
}

/// Prorates a change from `old_price` to `new_price` (both per full period) at `at`.
///
/// # Errors
/// - [`PricingError::CurrencyMismatch`] when the two prices differ in currency.
/// - [`PricingError::NegativePrice`] when a price is negative.
/// - [`PricingError::OutsidePeriod`] when `at` is not in `[period.start, period.end)`: at the
///   end the next period has begun, so there is nothing left to prorate in this one.
/// - [`PricingError::Overflow`] when an amount leaves `i64` minor units.
pub fn prorate(
    old_price: Money,
    new_price: Money,
    period: Period,
    at: Timestamp,
) -> Result<Proration, PricingError> {
    let currency = old_price.currency;
    if new_price.currency != currency {
        return Err(PricingError::CurrencyMismatch {
            expected: currency,
            found: new_price.currency,
        });
    }
    for price in [old_price, new_price] {
        if price.minor < 0 {
            return Err(PricingError::NegativePrice(price.to_string()));
        }
    }
    if !period.contains(at) {
        return Err(PricingError::OutsidePeriod { at, period });
    }
    let total_seconds = Decimal::from(period.seconds().max(1));
    let remaining_seconds = Decimal::from((period.end - at).num_seconds().max(0));
    let share = |price: Money| -> Result<i64, PricingError> {
        let exact = price
            .to_major()
            .checked_mul(remaining_seconds)
            .and_then(|x| x.checked_div(total_seconds))
            .ok_or(PricingError::Overflow)?;
        round_to_minor(exact, currency).map_err(|_| PricingError::Overflow)
    };
    let credit = -share(old_price)?;
    let charge = share(new_price)?;
    let total = credit.checked_add(charge).ok_or(PricingError::Overflow)?;
    let fraction = remaining_seconds
        .checked_div(total_seconds)
        .ok_or(PricingError::Overflow)?;
    Ok(Proration {
        unused_credit: Money::new(credit, currency),
        remaining_charge: Money::new(charge, currency),
        total: Money::new(total, currency),
        at,
        fraction,
    })
}

#[cfg(test)]
mod tests;
