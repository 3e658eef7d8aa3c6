//! The in-memory store passes the catalog port contract.
#![cfg(feature = "conformance")]

use std::sync::Arc;
use tollgate_kernel::PlanCode;
use tollgate_plans::conformance;
use tollgate_plans::{Catalog, MemoryCatalogStore, PlanRepository};

#[tokio::test]
async fn memory_store_passes_the_whole_contract() {
    conformance::catalog_store_contract(&MemoryCatalogStore::new()).await;
}

#[tokio::test]
async fn the_contract_runs_twice_and_beside_other_data() {
    let store = MemoryCatalogStore::from_catalog(
        Catalog::from_toml_str(include_str!("../../../fixtures/catalogs/saas.toml")).unwrap(),
    );
    conformance::catalog_store_contract(&store).await;
    conformance::catalog_store_contract(&store).await;
}

#[tokio::test]
async fn each_port_runs_alone_through_arc_dyn() {
    let store = Arc::new(MemoryCatalogStore::new());
    let plans: Arc<dyn PlanRepository> = store.clone();
    conformance::feature_repository_contract(store.as_ref()).await;
    conformance::plan_repository_contract(plans.as_ref()).await;
    conformance::override_repository_contract(store.as_ref()).await;
}

#[tokio::test]
async fn from_catalog_serves_the_catalog() {
    let catalog =
        Catalog::from_toml_str(include_str!("../../../fixtures/catalogs/saas.toml")).unwrap();
    let store = MemoryCatalogStore::from_catalog(catalog.clone());
    let plans = store.list_plans().await.unwrap();
    assert_eq!(
        plans, catalog.plans,
        "the fixture is already in priority order"
    );
    let pro = PlanCode::parse("pro").unwrap();
    assert_eq!(
        store.get_plan(&pro).await.unwrap().as_ref(),
        catalog.plan(&pro)
    );
    assert_eq!(store.list_addons().await.unwrap(), catalog.addons);
}

/// A store that loses updates must fail the suite: the contract is able to catch a bad adapter.
#[tokio::test]
#[should_panic(expected = "an upsert replaces the whole plan")]
async fn the_contract_catches_a_store_that_ignores_updates() {
    conformance::plan_repository_contract(&InsertOnly(MemoryCatalogStore::new())).await;
}

struct InsertOnly(MemoryCatalogStore);

#[async_trait::async_trait]
impl PlanRepository for InsertOnly {
    async fn list_plans(
        &self,
    ) -> Result<Vec<tollgate_plans::Plan>, tollgate_plans::CatalogStoreError> {
        self.0.list_plans().await
    }
    async fn get_plan(
        &self,
        code: &PlanCode,
    ) -> Result<Option<tollgate_plans::Plan>, tollgate_plans::CatalogStoreError> {
        self.0.get_plan(code).await
    }
    async fn upsert_plan(
        &self,
        plan: &tollgate_plans::Plan,
    ) -> Result<(), tollgate_plans::CatalogStoreError> {
        if self.0.get_plan(&plan.code).await?.is_none() {
            self.0.upsert_plan(plan).await?;
        }
        Ok(())
    }
    async fn archive_plan(&self, code: &PlanCode) -> Result<(), tollgate_plans::CatalogStoreError> {
        self.0.archive_plan(code).await
    }
    async fn list_addons(
        &self,
    ) -> Result<Vec<tollgate_plans::AddOn>, tollgate_plans::CatalogStoreError> {
        self.0.list_addons().await
    }
    async fn get_addon(
        &self,
        code: &PlanCode,
    ) -> Result<Option<tollgate_plans::AddOn>, tollgate_plans::CatalogStoreError> {
        self.0.get_addon(code).await
    }
    async fn upsert_addon(
        &self,
        addon: &tollgate_plans::AddOn,
    ) -> Result<(), tollgate_plans::CatalogStoreError> {
        self.0.upsert_addon(addon).await
    }
}
