//! Add-on packs: bought in quantities on top of a plan, each unit raising some limits.

use super::price::Price;
use serde::{Deserialize, Serialize};
use tollgate_kernel::{Currency, FeatureCode, Interval, PlanCode};

/// A pack such as "+10 GB storage". Shares the code space with plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddOn {
    pub code: PlanCode,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub prices: Vec<Price>,
    /// What one unit of the pack adds; at least one line, one per feature.
    pub adds: Vec<AddOnLimit>,
}

/// One unit of an add-on raises `feature`'s limit by `amount` (positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddOnLimit {
    pub feature: FeatureCode,
    pub amount: i64,
}

impl AddOn {
    pub fn price(&self, currency: Currency, interval: Interval) -> Option<&Price> {
        self.prices
            .iter()
            .find(|p| p.currency == currency && p.interval == interval)
    }

    /// How much one unit adds to `feature` (0 when the pack does not touch it).
    pub fn adds_to(&self, feature: &FeatureCode) -> i64 {
        self.adds
            .iter()
            .filter(|a| &a.feature == feature)
            .fold(0_i64, |sum, a| sum.saturating_add(a.amount))
    }
}
