//! A customer's overrides (`customer_overrides`, one row per overridden feature) and add-on
//! selections (`customer_addons`), replaced as a whole.

use super::codec::{Failure, corrupt, count, from_word, word};
use super::plan::position;
use crate::error::DbFailure;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use tollgate_kernel::{CustomerId, FeatureCode, PlanCode};
use tollgate_plans::{AddOnSelection, CustomerOverrides, Override};

pub(super) mod customer_overrides {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_overrides")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub feature: String,
        /// Whether the limit is overridden; `limit_value` NULL then means unlimited.
        pub limit_set: bool,
        pub limit_value: Option<i64>,
        pub enabled: Option<bool>,
        /// Whether the config value is overridden; it may be JSON `null`.
        pub value_set: bool,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub config_value: Option<Json>,
        pub enforcement: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) mod customer_addons {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_addons")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub addon: String,
        pub quantity: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn override_row(
    customer: &str,
    position: i32,
    o: &Override,
) -> Result<customer_overrides::Model, DbFailure> {
    Ok(customer_overrides::Model {
        customer: customer.to_owned(),
        position,
        feature: o.feature.as_str().to_owned(),
        limit_set: o.limit.is_some(),
        limit_value: o.limit.flatten(),
        enabled: o.enabled,
        value_set: o.value.is_some(),
        config_value: o.value.clone(),
        enforcement: o
            .enforcement
            .map(|e| word("customer_overrides.enforcement", &e))
            .transpose()?,
    })
}

fn from_override_row(row: customer_overrides::Model) -> Result<Override, DbFailure> {
    Ok(Override {
        feature: FeatureCode::parse(row.feature)
            .map_err(|_| corrupt("customer_overrides.feature"))?,
        limit: row.limit_set.then_some(row.limit_value),
        enabled: row.enabled,
        // A JSON `null` may come back as SQL NULL: `value_set` says it was given.
        value: row
            .value_set
            .then(|| row.config_value.unwrap_or(serde_json::Value::Null)),
        enforcement: row
            .enforcement
            .map(|e| from_word("customer_overrides.enforcement", &e))
            .transpose()?,
    })
}

/// The customer's overrides; empty when none are stored. Call it inside a read snapshot.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
) -> Result<CustomerOverrides, Failure> {
    let overrides = customer_overrides::Entity::find()
        .filter(customer_overrides::Column::Customer.eq(customer.as_str()))
        .order_by_asc(customer_overrides::Column::Position)
        .all(db)
        .await?;
    let addons = customer_addons::Entity::find()
        .filter(customer_addons::Column::Customer.eq(customer.as_str()))
        .order_by_asc(customer_addons::Column::Position)
        .all(db)
        .await?;
    Ok(CustomerOverrides {
        overrides: overrides
            .into_iter()
            .map(from_override_row)
            .collect::<Result<_, _>>()?,
        addons: addons
            .into_iter()
            .map(|r| {
                Ok(AddOnSelection {
                    code: PlanCode::parse(r.addon).map_err(|_| corrupt("customer_addons.addon"))?,
                    quantity: count("customer_addons.quantity", r.quantity)?,
                })
            })
            .collect::<Result<_, DbFailure>>()?,
    })
}

/// Replaces the customer's overrides and selections. Call it inside a write transaction.
pub(super) async fn store(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    overrides: &CustomerOverrides,
) -> Result<(), Failure> {
    let id = customer.as_str();
    let override_rows = overrides
        .overrides
        .iter()
        .enumerate()
        .map(|(i, o)| override_row(id, position(i)?, o))
        .collect::<Result<Vec<_>, DbFailure>>()?;
    let addon_rows = overrides
        .addons
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(customer_addons::Model {
                customer: id.to_owned(),
                position: position(i)?,
                addon: a.code.as_str().to_owned(),
                quantity: i64::from(a.quantity),
            })
        })
        .collect::<Result<Vec<_>, DbFailure>>()?;
    customer_overrides::Entity::delete_many()
        .filter(customer_overrides::Column::Customer.eq(id))
        .exec(db)
        .await?;
    customer_addons::Entity::delete_many()
        .filter(customer_addons::Column::Customer.eq(id))
        .exec(db)
        .await?;
    customer_overrides::Entity::insert_many(
        override_rows
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    customer_addons::Entity::insert_many(
        addon_rows
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
