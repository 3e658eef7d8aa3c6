//! Price models: what `quantity` units cost, in exact major units, before the one rounding.

use crate::PricingError;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, Decimal, Money, round_to_minor};

/// One tier of a tiered price. Tiers are ordered by `up_to`; a tier covers the quantities above
/// the previous tier's `up_to` up to and including its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Inclusive upper bound of the tier; `None` is infinity and is allowed on the last tier only.
    pub up_to: Option<u64>,
    /// Price of each unit in this tier, in major units.
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_amount: Decimal,
    /// Fixed price added once when the tier is used, in major units.
    #[serde(default, with = "rust_decimal::serde::str")]
    pub flat_amount: Decimal,
}

impl Tier {
    pub fn new(up_to: Option<u64>, unit_amount: Decimal, flat_amount: Decimal) -> Self {
        Self {
            up_to,
            unit_amount,
            flat_amount,
        }
    }
}

/// How a quantity is priced. Amounts are major units (`"0.003"` USD), exact decimals.
///
/// Quantity 0 costs 0 in every model, flat amounts included: nothing used, nothing charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PriceModel {
    /// `quantity × unit_amount`.
    PerUnit {
        #[serde(with = "rust_decimal::serde::str")]
        unit_amount: Decimal,
    },
    /// `amount` per started package of `size` units: 1..=size units cost one package.
    Package {
        size: u64,
        #[serde(with = "rust_decimal::serde::str")]
        amount: Decimal,
    },
    /// Each tier prices the units that fall inside it (plus its flat amount when reached), and
    /// the tiers are summed: the first 1,000 at 0.01, the next 9,000 at 0.008, …
    Graduated { tiers: Vec<Tier> },
    /// All units are priced at the tier the total quantity falls in (plus that tier's flat
    /// amount): 5,000 units in the 1,001–10,000 tier cost 5,000 × that tier's price.
    Volume { tiers: Vec<Tier> },
}

impl PriceModel {
    /// Checks the model's invariants, so that [`PriceModel::amount`] is meaningful.
    ///
    /// # Errors
    /// [`PricingError::InvalidModel`] for a negative amount, a package size of 0, no tiers,
    /// `up_to` not strictly ascending (or 0), or a last tier that is bounded (an unbounded tier
    /// before the last is refused too).
    pub fn validate(&self) -> Result<(), PricingError> {
        let invalid = |m: &str| Err(PricingError::InvalidModel(m.to_owned()));
        match self {
            PriceModel::PerUnit { unit_amount } if unit_amount.is_sign_negative() => {
                invalid("unit_amount must not be negative")
            }
            PriceModel::PerUnit { .. } => Ok(()),
            PriceModel::Package { size: 0, .. } => invalid("package size must be at least 1"),
            PriceModel::Package { amount, .. } if amount.is_sign_negative() => {
                invalid("package amount must not be negative")
            }
            PriceModel::Package { .. } => Ok(()),
            PriceModel::Graduated { tiers } | PriceModel::Volume { tiers } => validate_tiers(tiers),
        }
    }

    /// The exact price of `quantity` units in major units; never negative.
    ///
    /// Saturates at [`Decimal::MAX`] in the (absurd) case the product leaves `Decimal`'s range;
    /// [`charge`] reports that as [`PricingError::Overflow`] instead. A model that fails
    /// [`PriceModel::validate`] still never yields a negative amount (it is clamped at zero).
    pub fn amount(&self, quantity: u64) -> Decimal {
        self.checked_amount(quantity).unwrap_or(Decimal::MAX)
    }

    /// [`PriceModel::amount`] without saturation: `None` when the result overflows.
    pub fn checked_amount(&self, quantity: u64) -> Option<Decimal> {
        if quantity == 0 {
            return Some(Decimal::ZERO);
        }
        let q = Decimal::from(quantity);
        let raw = match self {
            PriceModel::PerUnit { unit_amount } => q.checked_mul(*unit_amount)?,
            PriceModel::Package { size, amount } => {
                let packages = quantity.div_ceil((*size).max(1));
                Decimal::from(packages).checked_mul(*amount)?
            }
            PriceModel::Graduated { tiers } => graduated(tiers, quantity)?,
            PriceModel::Volume { tiers } => volume(tiers, quantity)?,
        };
        Some(raw.max(Decimal::ZERO))
    }
}

/// Prices `quantity` with `model` and rounds the result once, half-even, to `currency`'s minor
/// unit (the kernel's single rounding point).
///
/// # Errors
/// [`PricingError::InvalidModel`] when the model does not validate; [`PricingError::Overflow`]
/// when the amount does not fit in `i64` minor units.
pub fn charge(
    model: &PriceModel,
    quantity: u64,
    currency: Currency,
) -> Result<Money, PricingError> {
    model.validate()?;
    let exact = model
        .checked_amount(quantity)
        .ok_or(PricingError::Overflow)?;
    let minor = round_to_minor(exact, currency).map_err(|_| PricingError::Overflow)?;
    Ok(Money::new(minor, currency))
}

fn validate_tiers(tiers: &[Tier]) -> Result<(), PricingError> {
    let invalid = |m: String| Err(PricingError::InvalidModel(m));
    if tiers.is_empty() {
        return invalid("at least one tier is required".to_owned());
    }
    let mut previous: u64 = 0;
    for (i, tier) in tiers.iter().enumerate() {
        if tier.unit_amount.is_sign_negative() || tier.flat_amount.is_sign_negative() {
            return invalid(format!("tier {i}: amounts must not be negative"));
        }
        let last = i + 1 == tiers.len();
        match tier.up_to {
            None if !last => return invalid(format!("tier {i}: only the last tier is unbounded")),
            None => {}
            Some(_) if last => return invalid("the last tier must be unbounded".to_owned()),
            Some(up_to) if up_to <= previous => {
                return invalid(format!(
                    "tier {i}: up_to must be above the previous tier's ({previous})"
                ));
            }
            Some(up_to) => previous = up_to,
        }
    }
    Ok(())
}

fn graduated(tiers: &[Tier], quantity: u64) -> Option<Decimal> {
    let mut total = Decimal::ZERO;
    let mut floor: u64 = 0;
    for tier in tiers {
        if quantity <= floor {
            break;
        }
        let ceiling = tier.up_to.unwrap_or(u64::MAX).min(quantity);
        let units = ceiling.saturating_sub(floor);
        if units > 0 {
            let line = Decimal::from(units)
                .checked_mul(tier.unit_amount)?
                .checked_add(tier.flat_amount)?;
            total = total.checked_add(line)?;
        }
        floor = floor.max(ceiling);
        if tier.up_to.is_none() {
            break;
        }
    }
    Some(total)
}

fn volume(tiers: &[Tier], quantity: u64) -> Option<Decimal> {
    // The first tier whose bound holds the quantity; an unvalidated list without an unbounded
    // tier falls back to its last tier.
    let tier = tiers
        .iter()
        .find(|t| t.up_to.is_none_or(|up_to| quantity <= up_to))
        .or_else(|| tiers.last())?;
    Decimal::from(quantity)
        .checked_mul(tier.unit_amount)?
        .checked_add(tier.flat_amount)
}

#[cfg(test)]
mod tests;
