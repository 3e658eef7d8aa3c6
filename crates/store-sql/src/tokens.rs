//! The operator's AI token prices on SQL: the `token_prices` table, one row per provider and
//! model, replaced as a whole in one transaction. Prices are TEXT in their exact decimal form.

use crate::SqlStore;
use crate::catalog::codec::{Failure, corrupt, currency, decimal};
use crate::catalog::lock_for_replace;
use crate::error::{DbFailure, failure};
use sea_orm::{DbErr, EntityTrait, IntoActiveModel, QueryOrder};
use tollgate_pricing::{TokenPrice, TokenPriceRepository, TokenPriceStoreError, TokenPriceTable};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "token_prices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub provider: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub model: String,
        pub currency: String,
        #[sea_orm(column_type = "Text")]
        pub input_per_million: String,
        #[sea_orm(column_type = "Text")]
        pub output_per_million: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn to_row(p: &TokenPrice) -> entity::Model {
    entity::Model {
        provider: p.provider.clone(),
        model: p.model.clone(),
        currency: p.currency.code().to_owned(),
        input_per_million: p.input_per_million.to_string(),
        output_per_million: p.output_per_million.to_string(),
    }
}

fn from_row(row: entity::Model) -> Result<TokenPrice, DbFailure> {
    let price = TokenPrice {
        provider: row.provider,
        model: row.model,
        currency: currency("token_prices.currency", &row.currency)?,
        input_per_million: decimal("token_prices.input_per_million", &row.input_per_million)?,
        output_per_million: decimal("token_prices.output_per_million", &row.output_per_million)?,
    };
    price.validate().map_err(|_| corrupt("token_prices"))?;
    Ok(price)
}

/// Every failure of the store is unexpected for this port (it has no conflict or unavailable
/// variant); the source carries the safe description only.
fn store_error(e: Failure) -> TokenPriceStoreError {
    match e {
        Failure::Db(e) => TokenPriceStoreError::Unexpected(Box::new(failure(&e))),
        Failure::Decode(e) => TokenPriceStoreError::Unexpected(Box::new(e)),
    }
}

fn db_error(e: DbErr) -> TokenPriceStoreError {
    store_error(Failure::Db(e))
}

#[async_trait::async_trait]
impl TokenPriceRepository for SqlStore {
    async fn list(&self) -> Result<Vec<TokenPrice>, TokenPriceStoreError> {
        // The key columns sort byte by byte on both backends (see the migration), as in Rust.
        let rows = entity::Entity::find()
            .order_by_asc(entity::Column::Provider)
            .order_by_asc(entity::Column::Model)
            .all(self.db())
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| from_row(r).map_err(|e| store_error(e.into())))
            .collect()
    }

    async fn replace_all(&self, prices: &[TokenPrice]) -> Result<(), TokenPriceStoreError> {
        // Validates every price and refuses a provider and model listed twice.
        let table = TokenPriceTable::new(prices.iter().cloned())?;
        let rows: Vec<entity::Model> = table.prices().map(to_row).collect();
        let txn = self.write_txn().await.map_err(db_error)?;
        lock_for_replace(self, &txn, "token_prices")
            .await
            .map_err(db_error)?;
        entity::Entity::delete_many()
            .exec(&txn)
            .await
            .map_err(db_error)?;
        entity::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)
    }
}
