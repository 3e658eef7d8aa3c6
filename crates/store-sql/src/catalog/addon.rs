//! Add-on packs: the `addons` row and its children `addon_prices` and `addon_limits`, written
//! whole in one transaction like a plan.

use super::codec::{Failure, corrupt};
use super::next_position;
use super::plan::{PriceColumns, group, position};
use crate::error::DbFailure;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use tollgate_kernel::{FeatureCode, PlanCode};
use tollgate_plans::{AddOn, AddOnLimit};

pub(super) mod addons {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "addons")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub position: i64,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) mod addon_prices {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "addon_prices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub addon: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub currency: String,
        pub interval: String,
        pub amount_minor: i64,
        pub stripe_price_id: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) mod addon_limits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "addon_limits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub addon: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub feature: String,
        pub amount: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

struct AddOnRows {
    addon: addons::Model,
    prices: Vec<addon_prices::Model>,
    limits: Vec<addon_limits::Model>,
}

fn to_rows(a: &AddOn, first_position: i64) -> Result<AddOnRows, DbFailure> {
    let code = a.code.as_str();
    let prices = a
        .prices
        .iter()
        .enumerate()
        .map(|(i, price)| {
            let c = PriceColumns::of(price);
            Ok(addon_prices::Model {
                addon: code.to_owned(),
                position: position(i)?,
                currency: c.currency,
                interval: c.interval,
                amount_minor: c.amount_minor,
                stripe_price_id: c.stripe_price_id,
            })
        })
        .collect::<Result<_, DbFailure>>()?;
    let limits = a
        .adds
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(addon_limits::Model {
                addon: code.to_owned(),
                position: position(i)?,
                feature: l.feature.as_str().to_owned(),
                amount: l.amount,
            })
        })
        .collect::<Result<_, DbFailure>>()?;
    Ok(AddOnRows {
        addon: addons::Model {
            code: code.to_owned(),
            position: first_position,
            name: a.name.clone(),
            description: a.description.clone(),
        },
        prices,
        limits,
    })
}

fn from_rows(rows: AddOnRows) -> Result<AddOn, DbFailure> {
    let a = rows.addon;
    Ok(AddOn {
        code: PlanCode::parse(a.code).map_err(|_| corrupt("addons.code"))?,
        name: a.name,
        description: a.description,
        prices: rows
            .prices
            .into_iter()
            .map(|r| {
                PriceColumns {
                    currency: r.currency,
                    interval: r.interval,
                    amount_minor: r.amount_minor,
                    stripe_price_id: r.stripe_price_id,
                }
                .price("addon_prices")
            })
            .collect::<Result<_, _>>()?,
        adds: rows
            .limits
            .into_iter()
            .map(|r| {
                Ok(AddOnLimit {
                    feature: FeatureCode::parse(r.feature)
                        .map_err(|_| corrupt("addon_limits.feature"))?,
                    amount: r.amount,
                })
            })
            .collect::<Result<_, DbFailure>>()?,
    })
}

/// Every add-on in first-stored order (`code: None`) or the one with `code`. Call it inside a
/// read snapshot.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    code: Option<&PlanCode>,
) -> Result<Vec<AddOn>, Failure> {
    let mut addons_q = addons::Entity::find()
        .order_by_asc(addons::Column::Position)
        .order_by_asc(addons::Column::Code);
    let mut prices_q = addon_prices::Entity::find()
        .order_by_asc(addon_prices::Column::Addon)
        .order_by_asc(addon_prices::Column::Position);
    let mut limits_q = addon_limits::Entity::find()
        .order_by_asc(addon_limits::Column::Addon)
        .order_by_asc(addon_limits::Column::Position);
    if let Some(c) = code {
        addons_q = addons_q.filter(addons::Column::Code.eq(c.as_str()));
        prices_q = prices_q.filter(addon_prices::Column::Addon.eq(c.as_str()));
        limits_q = limits_q.filter(addon_limits::Column::Addon.eq(c.as_str()));
    }
    let addon_rows = addons_q.all(db).await?;
    if addon_rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut prices = group(prices_q.all(db).await?, |r| &r.addon);
    let mut limits = group(limits_q.all(db).await?, |r| &r.addon);
    addon_rows
        .into_iter()
        .map(|addon| {
            let rows = AddOnRows {
                prices: prices.remove(&addon.code).unwrap_or_default(),
                limits: limits.remove(&addon.code).unwrap_or_default(),
                addon,
            };
            from_rows(rows).map_err(Failure::from)
        })
        .collect()
}

/// Inserts or replaces the add-on and its children. Call it inside a write transaction.
pub(super) async fn store(db: &impl ConnectionTrait, addon: &AddOn) -> Result<(), Failure> {
    let position = next_position::<addons::Entity>(db, addons::Column::Position).await?;
    let rows = to_rows(addon, position)?;
    let code = rows.addon.code.clone();
    addons::Entity::insert(rows.addon.into_active_model())
        .on_conflict(
            OnConflict::column(addons::Column::Code)
                .update_columns([addons::Column::Name, addons::Column::Description])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    addon_prices::Entity::delete_many()
        .filter(addon_prices::Column::Addon.eq(code.as_str()))
        .exec(db)
        .await?;
    addon_limits::Entity::delete_many()
        .filter(addon_limits::Column::Addon.eq(code.as_str()))
        .exec(db)
        .await?;
    addon_prices::Entity::insert_many(
        rows.prices
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    addon_limits::Entity::insert_many(
        rows.limits
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
