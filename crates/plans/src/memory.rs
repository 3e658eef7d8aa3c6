//! In-memory catalog store: the embedded and test adapter for all three catalog ports.

use crate::catalog::Catalog;
use crate::error::CatalogStoreError;
use crate::model::{AddOn, CustomerOverrides, Feature, Plan};
use crate::ports::{FeatureRepository, OverrideRepository, PlanRepository};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tollgate_kernel::{CustomerId, FeatureCode, PlanCode};

/// Features, plans, add-ons and overrides behind one mutex each.
///
/// A poisoned lock is recovered rather than reported: every write replaces whole entries, so a
/// panic elsewhere cannot leave one half-written.
#[derive(Debug, Default)]
pub struct MemoryCatalogStore {
    features: Mutex<Vec<Feature>>,
    plans: Mutex<Vec<Plan>>,
    addons: Mutex<Vec<AddOn>>,
    overrides: Mutex<HashMap<CustomerId, CustomerOverrides>>,
}

impl MemoryCatalogStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding a catalog as loaded (and validated) by [`Catalog::from_toml_str`].
    pub fn from_catalog(catalog: Catalog) -> Self {
        Self {
            features: Mutex::new(catalog.features),
            plans: Mutex::new(catalog.plans),
            addons: Mutex::new(catalog.addons),
            overrides: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Replaces the entry with the same key in place (keeping its position) or appends it.
fn upsert<T: Clone>(items: &mut Vec<T>, item: &T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|x| same(x)) {
        Some(slot) => *slot = item.clone(),
        None => items.push(item.clone()),
    }
}

#[async_trait::async_trait]
impl FeatureRepository for MemoryCatalogStore {
    async fn list_features(&self) -> Result<Vec<Feature>, CatalogStoreError> {
        Ok(lock(&self.features).clone())
    }

    async fn get_feature(&self, code: &FeatureCode) -> Result<Option<Feature>, CatalogStoreError> {
        Ok(lock(&self.features)
            .iter()
            .find(|f| &f.code == code)
            .cloned())
    }

    async fn upsert_feature(&self, feature: &Feature) -> Result<(), CatalogStoreError> {
        upsert(&mut lock(&self.features), feature, |f| {
            f.code == feature.code
        });
        Ok(())
    }
}

#[async_trait::async_trait]
impl PlanRepository for MemoryCatalogStore {
    async fn list_plans(&self) -> Result<Vec<Plan>, CatalogStoreError> {
        let mut plans = lock(&self.plans).clone();
        // Stable: equal priorities keep insertion order.
        plans.sort_by_key(|p| p.priority);
        Ok(plans)
    }

    async fn get_plan(&self, code: &PlanCode) -> Result<Option<Plan>, CatalogStoreError> {
        Ok(lock(&self.plans).iter().find(|p| &p.code == code).cloned())
    }

    async fn upsert_plan(&self, plan: &Plan) -> Result<(), CatalogStoreError> {
        upsert(&mut lock(&self.plans), plan, |p| p.code == plan.code);
        Ok(())
    }

    async fn archive_plan(&self, code: &PlanCode) -> Result<(), CatalogStoreError> {
        let mut plans = lock(&self.plans);
        let plan = plans
            .iter_mut()
            .find(|p| &p.code == code)
            .ok_or_else(|| CatalogStoreError::NotFound(format!("plan \"{code}\"")))?;
        plan.active = false;
        plan.public = false;
        Ok(())
    }

    async fn list_addons(&self) -> Result<Vec<AddOn>, CatalogStoreError> {
        Ok(lock(&self.addons).clone())
    }

    async fn get_addon(&self, code: &PlanCode) -> Result<Option<AddOn>, CatalogStoreError> {
        Ok(lock(&self.addons).iter().find(|a| &a.code == code).cloned())
    }

    async fn upsert_addon(&self, addon: &AddOn) -> Result<(), CatalogStoreError> {
        upsert(&mut lock(&self.addons), addon, |a| a.code == addon.code);
        Ok(())
    }
}

#[async_trait::async_trait]
impl OverrideRepository for MemoryCatalogStore {
    async fn get_overrides(
        &self,
        customer: &CustomerId,
    ) -> Result<CustomerOverrides, CatalogStoreError> {
        Ok(lock(&self.overrides)
            .get(customer)
            .cloned()
            .unwrap_or_default())
    }

    async fn put_overrides(
        &self,
        customer: &CustomerId,
        overrides: &CustomerOverrides,
    ) -> Result<(), CatalogStoreError> {
        let mut all = lock(&self.overrides);
        if overrides.is_empty() {
            all.remove(customer);
        } else {
            all.insert(customer.clone(), overrides.clone());
        }
        Ok(())
    }
}
