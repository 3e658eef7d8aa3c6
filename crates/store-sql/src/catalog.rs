//! The catalog ports on SQL: features, plans and add-ons (each written whole, with its children,
//! in one transaction), and per-customer overrides.
//!
//! Lists keep first-stored order through a `position` column assigned on first insert (an update
//! keeps it); plans are listed by priority, then that order. Reads of an entry and its children
//! run in one snapshot. Tables: see `tollgate-migrations` (`m20261122_000001_catalog`).

mod addon;
pub(crate) mod codec;
mod feature;
mod overrides;
mod plan;

use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};
use codec::Failure;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, IsolationLevel, QueryOrder, QuerySelect, TransactionTrait,
};
use tollgate_kernel::{CustomerId, FeatureCode, PlanCode};
use tollgate_plans::{
    AddOn, CatalogStoreError, CustomerOverrides, Feature, FeatureRepository, OverrideRepository,
    Plan, PlanRepository,
};

/// The one mapping of this module's failures onto the port's error: a unique violation is a
/// conflicting write, a refused value is invalid, anything else (the database unreachable or
/// busy included: the port has no such variant) is unexpected with a safe source.
fn store_error(e: Failure) -> CatalogStoreError {
    match e {
        Failure::Db(e) => match fault(&e) {
            Fault::Duplicate => CatalogStoreError::Conflict(describe(&e)),
            Fault::Invalid | Fault::MissingReference => CatalogStoreError::Invalid(describe(&e)),
            Fault::Unavailable | Fault::Other => CatalogStoreError::unexpected(failure(&e)),
        },
        Failure::Decode(e) => CatalogStoreError::unexpected(e),
    }
}

fn db_error(e: DbErr) -> CatalogStoreError {
    store_error(Failure::Db(e))
}

/// The position after every stored one: where a new entry goes in first-stored order.
async fn next_position<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = E::find()
        .select_only()
        .column_as(Expr::col(column).max(), "max_position")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0).saturating_add(1))
}

/// A read-only transaction whose statements all see one snapshot: repeatable read on
/// PostgreSQL; on SQLite a deferred transaction reads from one WAL snapshot already.
pub(crate) async fn snapshot(store: &SqlStore) -> Result<DatabaseTransaction, DbErr> {
    match store.backend() {
        DbBackend::Postgres => {
            store
                .db()
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await
        }
        _ => store.db().begin().await,
    }
}

/// Serializes writers that replace a whole set of rows (delete, then insert) on PostgreSQL,
/// where two of them would otherwise both insert the same keys; readers are not blocked. SQLite
/// writers are serialized by `BEGIN IMMEDIATE` already.
pub(crate) async fn lock_for_replace(
    store: &SqlStore,
    txn: &DatabaseTransaction,
    table: &str,
) -> Result<(), DbErr> {
    if store.backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("LOCK TABLE \"{table}\" IN EXCLUSIVE MODE"))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl FeatureRepository for SqlStore {
    async fn list_features(&self) -> Result<Vec<Feature>, CatalogStoreError> {
        let rows = feature::entity::Entity::find()
            .order_by_asc(feature::entity::Column::Position)
            .order_by_asc(feature::entity::Column::Code)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| feature::from_row(r).map_err(|e| store_error(e.into())))
            .collect()
    }

    async fn get_feature(&self, code: &FeatureCode) -> Result<Option<Feature>, CatalogStoreError> {
        let row = feature::entity::Entity::find_by_id(code.as_str())
            .one(self.db())
            .await
            .map_err(db_error)?;
        row.map(|r| feature::from_row(r).map_err(|e| store_error(e.into())))
            .transpose()
    }

    async fn upsert_feature(&self, f: &Feature) -> Result<(), CatalogStoreError> {
        let txn = self.write_txn().await.map_err(db_error)?;
        let position =
            next_position::<feature::entity::Entity>(&txn, feature::entity::Column::Position)
                .await
                .map_err(db_error)?;
        let row = feature::to_row(f, position).map_err(|e| store_error(e.into()))?;
        feature::entity::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(feature::entity::Column::Code)
                    .update_columns([
                        feature::entity::Column::Name,
                        feature::entity::Column::Kind,
                        feature::entity::Column::Unit,
                        feature::entity::Column::Description,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)
    }
}

#[async_trait::async_trait]
impl PlanRepository for SqlStore {
    async fn list_plans(&self) -> Result<Vec<Plan>, CatalogStoreError> {
        let txn = snapshot(self).await.map_err(db_error)?;
        let plans = plan::load(&txn, None).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(plans)
    }

    async fn get_plan(&self, code: &PlanCode) -> Result<Option<Plan>, CatalogStoreError> {
        let txn = snapshot(self).await.map_err(db_error)?;
        let plans = plan::load(&txn, Some(code)).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(plans.into_iter().next())
    }

    async fn upsert_plan(&self, p: &Plan) -> Result<(), CatalogStoreError> {
        let txn = self.write_txn().await.map_err(db_error)?;
        plan::store(&txn, p).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)
    }

    async fn archive_plan(&self, code: &PlanCode) -> Result<(), CatalogStoreError> {
        if plan::archive(self.db(), code).await.map_err(store_error)? {
            Ok(())
        } else {
            Err(CatalogStoreError::NotFound(format!("plan \"{code}\"")))
        }
    }

    async fn list_addons(&self) -> Result<Vec<AddOn>, CatalogStoreError> {
        let txn = snapshot(self).await.map_err(db_error)?;
        let addons = addon::load(&txn, None).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(addons)
    }

    async fn get_addon(&self, code: &PlanCode) -> Result<Option<AddOn>, CatalogStoreError> {
        let txn = snapshot(self).await.map_err(db_error)?;
        let addons = addon::load(&txn, Some(code)).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(addons.into_iter().next())
    }

    async fn upsert_addon(&self, a: &AddOn) -> Result<(), CatalogStoreError> {
        let txn = self.write_txn().await.map_err(db_error)?;
        addon::store(&txn, a).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)
    }
}

#[async_trait::async_trait]
impl OverrideRepository for SqlStore {
    async fn get_overrides(
        &self,
        customer: &CustomerId,
    ) -> Result<CustomerOverrides, CatalogStoreError> {
        let txn = snapshot(self).await.map_err(db_error)?;
        let overrides = overrides::load(&txn, customer).await.map_err(store_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(overrides)
    }

    async fn put_overrides(
        &self,
        customer: &CustomerId,
        value: &CustomerOverrides,
    ) -> Result<(), CatalogStoreError> {
        let txn = self.write_txn().await.map_err(db_error)?;
        lock_for_replace(self, &txn, "customer_overrides")
            .await
            .map_err(db_error)?;
        overrides::store(&txn, customer, value)
            .await
            .map_err(store_error)?;
        txn.commit().await.map_err(db_error)
    }
}
