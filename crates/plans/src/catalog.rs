//! A whole catalog (features, plans, add-ons) as written in a TOML file, validated as one.
//!
//! The TOML layout is the JSON shapes as tables:
//!
//! ```toml
//! [[features]]
//! code = "api_calls"
//! name = "API calls"
//! kind = "metered"
//! unit = "call"
//!
//! [[plans]]
//! code = "pro"
//! name = "Pro"
//! priority = 20
//! trial_days = 14
//!
//! [[plans.prices]]
//! currency = "USD"
//! interval = "month"
//! amount_minor = 4900
//!
//! [[plans.entitlements]]
//! feature = "api_calls"
//! limit = 100_000            # or "unlimited" (TOML has no null)
//! window = "month"
//! enforcement = "soft"
//! overage = { currency = "USD", unit_amount = "0.003" }
//!
//! [[plans.wallet_grants]]
//! amount_minor = 500
//! currency = "USD"
//! on = "start"
//! expires_after_days = 30
//!
//! [[addons]]
//! code = "storage_10gb"
//! name = "+10 GB storage"
//! prices = [{ currency = "USD", interval = "month", amount_minor = 500 }]
//! adds = [{ feature = "storage_bytes", amount = 10_737_418_240 }]
//! ```

use crate::error::CatalogError;
use crate::model::{AddOn, Feature, FeatureCatalog, Plan};
use serde::{Deserialize, Serialize};
use tollgate_kernel::PlanCode;

/// Features, plans and add-ons of one deployment, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub features: Vec<Feature>,
    #[serde(default)]
    pub plans: Vec<Plan>,
    #[serde(default)]
    pub addons: Vec<AddOn>,
}

impl Catalog {
    /// Parses, validates and normalizes a TOML catalog (metered entitlements without a window
    /// get `window = "month"`).
    ///
    /// # Errors
    /// - [`CatalogError::Syntax`] for bad TOML or a wrong shape (unknown key, a missing field,
    ///   two of `limit`/`enabled`/`value`), with the line;
    /// - anything [`Catalog::validate`] reports.
    pub fn from_toml_str(text: &str) -> Result<Catalog, CatalogError> {
        let mut catalog: Catalog = toml::from_str(text)?;
        catalog.validate()?;
        catalog.normalize()?;
        Ok(catalog)
    }

    /// Checks the catalog as a whole: unique feature, plan and add-on codes (plans and add-ons
    /// share one code space), and every feature, plan and add-on against its rules.
    ///
    /// # Errors
    /// The first problem found: [`CatalogError::DuplicateFeature`],
    /// [`CatalogError::DuplicatePlan`], [`CatalogError::DuplicateAddOn`],
    /// [`CatalogError::CodeClash`], or [`CatalogError::Invalid`] from an entry's validation.
    pub fn validate(&self) -> Result<(), CatalogError> {
        let features = self.feature_catalog()?;
        for (i, plan) in self.plans.iter().enumerate() {
            if self.plans[..i].iter().any(|p| p.code == plan.code) {
                return Err(CatalogError::DuplicatePlan(plan.code.clone()));
            }
            plan.validate(&features)?;
        }
        for (i, addon) in self.addons.iter().enumerate() {
            if self.addons[..i].iter().any(|a| a.code == addon.code) {
                return Err(CatalogError::DuplicateAddOn(addon.code.clone()));
            }
            if self.plan(&addon.code).is_some() {
                return Err(CatalogError::CodeClash(addon.code.clone()));
            }
            addon.validate(&features)?;
        }
        Ok(())
    }

    fn normalize(&mut self) -> Result<(), CatalogError> {
        let features = self.feature_catalog()?;
        for plan in &mut self.plans {
            plan.normalize(&features);
        }
        Ok(())
    }

    /// The features as a lookup catalog.
    ///
    /// # Errors
    /// As [`FeatureCatalog::new`] (duplicate or invalid features).
    pub fn feature_catalog(&self) -> Result<FeatureCatalog, CatalogError> {
        FeatureCatalog::new(self.features.clone())
    }

    pub fn plan(&self, code: &PlanCode) -> Option<&Plan> {
        self.plans.iter().find(|p| &p.code == code)
    }

    pub fn addon(&self, code: &PlanCode) -> Option<&AddOn> {
        self.addons.iter().find(|a| &a.code == code)
    }
}

#[cfg(test)]
mod tests;
