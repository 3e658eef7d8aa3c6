//! Storage ports of the catalog. Adapters (memory here, SQL in `store-sql`) implement them and
//! pass the shared suite in [`crate::conformance`]; the engine holds them as `Arc<dyn …>`.
//!
//! Repositories store what they are given: catalog rules are checked by callers
//! ([`crate::Plan::validate`] and friends) before anything is written.

use crate::error::CatalogStoreError;
use crate::model::{AddOn, CustomerOverrides, Feature, Plan};
use tollgate_kernel::{CustomerId, FeatureCode, PlanCode};

/// The feature catalog.
#[async_trait::async_trait]
pub trait FeatureRepository: Send + Sync {
    /// Every feature, in the order each was first stored (updating a feature keeps its place):
    /// this is the order entitlements are shown in.
    ///
    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn list_features(&self) -> Result<Vec<Feature>, CatalogStoreError>;

    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails; a missing feature is `Ok(None)`.
    async fn get_feature(&self, code: &FeatureCode) -> Result<Option<Feature>, CatalogStoreError>;

    /// Inserts or replaces the feature with this code.
    ///
    /// # Errors
    /// - [`CatalogStoreError::Invalid`] when the backend cannot store the value;
    /// - [`CatalogStoreError::Conflict`] on a concurrent conflicting write;
    /// - [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn upsert_feature(&self, feature: &Feature) -> Result<(), CatalogStoreError>;
}

/// Plans and add-ons.
#[async_trait::async_trait]
pub trait PlanRepository: Send + Sync {
    /// Every plan, archived and private ones included (callers filter with
    /// [`Plan::is_listed`]), by ascending priority; ties in a stable, adapter-defined order.
    ///
    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn list_plans(&self) -> Result<Vec<Plan>, CatalogStoreError>;

    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails; a missing plan is `Ok(None)`.
    async fn get_plan(&self, code: &PlanCode) -> Result<Option<Plan>, CatalogStoreError>;

    /// Inserts or replaces the plan with this code, as a whole (prices, entitlements, grants).
    ///
    /// # Errors
    /// - [`CatalogStoreError::Invalid`] when the backend cannot store the value;
    /// - [`CatalogStoreError::Conflict`] on a concurrent conflicting write;
    /// - [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn upsert_plan(&self, plan: &Plan) -> Result<(), CatalogStoreError>;

    /// Takes a plan off sale without deleting it (subscribers keep it): sets `active` and
    /// `public` to false and leaves everything else as it was. Archiving twice is fine.
    ///
    /// # Errors
    /// - [`CatalogStoreError::NotFound`] when no plan has this code;
    /// - [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn archive_plan(&self, code: &PlanCode) -> Result<(), CatalogStoreError>;

    /// Every add-on, in the order each was first stored.
    ///
    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn list_addons(&self) -> Result<Vec<AddOn>, CatalogStoreError>;

    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails; a missing add-on is `Ok(None)`.
    async fn get_addon(&self, code: &PlanCode) -> Result<Option<AddOn>, CatalogStoreError>;

    /// Inserts or replaces the add-on with this code.
    ///
    /// # Errors
    /// As [`PlanRepository::upsert_plan`].
    async fn upsert_addon(&self, addon: &AddOn) -> Result<(), CatalogStoreError>;
}

/// Per-customer overrides and add-on selections.
#[async_trait::async_trait]
pub trait OverrideRepository: Send + Sync {
    /// The customer's overrides; [`CustomerOverrides::default`] (empty) when none were stored.
    ///
    /// # Errors
    /// [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn get_overrides(
        &self,
        customer: &CustomerId,
    ) -> Result<CustomerOverrides, CatalogStoreError>;

    /// Replaces the customer's overrides as a whole (not a merge); storing the empty value
    /// clears them.
    ///
    /// # Errors
    /// - [`CatalogStoreError::Invalid`] when the backend cannot store the value;
    /// - [`CatalogStoreError::Unexpected`] when the backend fails.
    async fn put_overrides(
        &self,
        customer: &CustomerId,
        overrides: &CustomerOverrides,
    ) -> Result<(), CatalogStoreError>;
}
