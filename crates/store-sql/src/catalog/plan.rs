//! Plans: the `plans` row and its children `plan_prices`, `plan_entitlements` and
//! `plan_wallet_grants`, each child keeping its place in the plan's list as `position`.
//!
//! A plan is written whole in one transaction (the row, then its children replaced) and read
//! from one snapshot, so a reader never sees half of a write.

use super::codec::{Failure, corrupt, count, currency, decimal, from_json, from_word, json, word};
use super::next_position;
use crate::error::DbFailure;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use std::collections::HashMap;
use tollgate_kernel::{FeatureCode, PlanCode};
use tollgate_plans::{Entitlement, EntitlementValue, Overage, Plan, Price, WalletGrant};

pub(super) mod plans {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub position: i64,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub priority: i32,
        pub trial_days: i64,
        pub active: bool,
        pub public: bool,
        pub custom: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) mod plan_prices {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_prices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan: String,
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

pub(super) mod plan_entitlements {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_entitlements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub feature: String,
        /// `limit`, `enabled` or `config`.
        pub value_kind: String,
        pub limit_value: Option<i64>,
        pub enabled: Option<bool>,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub config_value: Option<Json>,
        pub window: Option<String>,
        pub enforcement: String,
        pub overage_currency: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub overage_unit_amount: Option<String>,
        #[sea_orm(column_type = "JsonBinary")]
        pub warn_at: Json,
        pub pay_with: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) mod plan_wallet_grants {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_wallet_grants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub plan: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub amount_minor: i64,
        pub currency: String,
        pub grant_on: String,
        pub expires_after_days: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A list index as a `position` column.
pub(super) fn position(index: usize) -> Result<i32, DbFailure> {
    i32::try_from(index).map_err(|_| DbFailure("too many entries to store".to_owned()))
}

/// A price as the columns `plan_prices` and `addon_prices` share.
pub(super) struct PriceColumns {
    pub currency: String,
    pub interval: String,
    pub amount_minor: i64,
    pub stripe_price_id: Option<String>,
}

impl PriceColumns {
    pub(super) fn of(p: &Price) -> Self {
        Self {
            currency: p.currency.code().to_owned(),
            interval: p.interval.as_str().to_owned(),
            amount_minor: p.amount_minor,
            stripe_price_id: p.stripe_price_id.clone(),
        }
    }

    pub(super) fn price(self, table: &str) -> Result<Price, DbFailure> {
        Ok(Price {
            currency: currency(table, &self.currency)?,
            interval: from_word(table, &self.interval)?,
            amount_minor: self.amount_minor,
            stripe_price_id: self.stripe_price_id,
        })
    }
}

/// The rows of one plan.
pub(super) struct PlanRows {
    pub plan: plans::Model,
    pub prices: Vec<plan_prices::Model>,
    pub entitlements: Vec<plan_entitlements::Model>,
    pub grants: Vec<plan_wallet_grants::Model>,
}

pub(super) fn to_rows(p: &Plan, first_position: i64) -> Result<PlanRows, DbFailure> {
    let code = p.code.as_str();
    let plan = plans::Model {
        code: code.to_owned(),
        position: first_position,
        name: p.name.clone(),
        description: p.description.clone(),
        priority: p.priority,
        trial_days: i64::from(p.trial_days),
        active: p.active,
        public: p.public,
        custom: p.custom,
    };
    let prices = p
        .prices
        .iter()
        .enumerate()
        .map(|(i, price)| {
            let c = PriceColumns::of(price);
            Ok(plan_prices::Model {
                plan: code.to_owned(),
                position: position(i)?,
                currency: c.currency,
                interval: c.interval,
                amount_minor: c.amount_minor,
                stripe_price_id: c.stripe_price_id,
            })
        })
        .collect::<Result<_, DbFailure>>()?;
    let entitlements = p
        .entitlements
        .iter()
        .enumerate()
        .map(|(i, e)| entitlement_row(code, position(i)?, e))
        .collect::<Result<_, DbFailure>>()?;
    let grants = p
        .wallet_grants
        .iter()
        .enumerate()
        .map(|(i, g)| {
            Ok(plan_wallet_grants::Model {
                plan: code.to_owned(),
                position: position(i)?,
                amount_minor: g.amount_minor,
                currency: g.currency.code().to_owned(),
                grant_on: word("plan_wallet_grants.grant_on", &g.on)?,
                expires_after_days: g.expires_after_days.map(i64::from),
            })
        })
        .collect::<Result<_, DbFailure>>()?;
    Ok(PlanRows {
        plan,
        prices,
        entitlements,
        grants,
    })
}

fn entitlement_row(
    plan: &str,
    position: i32,
    e: &Entitlement,
) -> Result<plan_entitlements::Model, DbFailure> {
    let (value_kind, limit_value, enabled, config_value) = match &e.value {
        EntitlementValue::Limit(limit) => ("limit", *limit, None, None),
        EntitlementValue::Enabled(on) => ("enabled", None, Some(*on), None),
        EntitlementValue::Config(value) => ("config", None, None, Some(value.clone())),
    };
    Ok(plan_entitlements::Model {
        plan: plan.to_owned(),
        position,
        feature: e.feature.as_str().to_owned(),
        value_kind: value_kind.to_owned(),
        limit_value,
        enabled,
        config_value,
        window: e.window.map(|w| w.as_str().to_owned()),
        enforcement: e.enforcement.as_str().to_owned(),
        overage_currency: e.overage.map(|o| o.currency.code().to_owned()),
        overage_unit_amount: e.overage.map(|o| o.unit_amount.to_string()),
        warn_at: json("plan_entitlements.warn_at", &e.warn_at)?,
        pay_with: e
            .pay_with
            .map(|p| word("plan_entitlements.pay_with", &p))
            .transpose()?,
    })
}

fn entitlement(row: plan_entitlements::Model) -> Result<Entitlement, DbFailure> {
    const T: &str = "plan_entitlements";
    let value = match (row.value_kind.as_str(), row.enabled) {
        ("limit", _) => EntitlementValue::Limit(row.limit_value),
        ("enabled", Some(on)) => EntitlementValue::Enabled(on),
        // A JSON `null` may come back as SQL NULL: the kind says it is a config value.
        ("config", _) => {
            EntitlementValue::Config(row.config_value.unwrap_or(serde_json::Value::Null))
        }
        _ => return Err(corrupt("plan_entitlements.value_kind")),
    };
    let overage = match (row.overage_currency, row.overage_unit_amount) {
        (Some(c), Some(amount)) => Some(Overage {
            currency: currency(T, &c)?,
            unit_amount: decimal("plan_entitlements.overage_unit_amount", &amount)?,
        }),
        (None, None) => None,
        _ => return Err(corrupt("plan_entitlements.overage")),
    };
    Ok(Entitlement {
        feature: FeatureCode::parse(row.feature)
            .map_err(|_| corrupt("plan_entitlements.feature"))?,
        value,
        window: row
            .window
            .map(|w| from_word("plan_entitlements.window", &w))
            .transpose()?,
        enforcement: from_word("plan_entitlements.enforcement", &row.enforcement)?,
        overage,
        warn_at: from_json("plan_entitlements.warn_at", row.warn_at)?,
        pay_with: row
            .pay_with
            .map(|p| from_word("plan_entitlements.pay_with", &p))
            .transpose()?,
    })
}

fn grant(row: plan_wallet_grants::Model) -> Result<WalletGrant, DbFailure> {
    Ok(WalletGrant {
        amount_minor: row.amount_minor,
        currency: currency("plan_wallet_grants.currency", &row.currency)?,
        on: from_word("plan_wallet_grants.grant_on", &row.grant_on)?,
        expires_after_days: row
            .expires_after_days
            .map(|d| count("plan_wallet_grants.expires_after_days", d))
            .transpose()?,
    })
}

/// Child rows grouped by their parent's code, in `position` order (they are read ordered).
pub(super) fn group<R>(rows: Vec<R>, parent: impl Fn(&R) -> &str) -> HashMap<String, Vec<R>> {
    let mut groups: HashMap<String, Vec<R>> = HashMap::new();
    for row in rows {
        groups.entry(parent(&row).to_owned()).or_default().push(row);
    }
    groups
}

fn from_rows(rows: PlanRows) -> Result<Plan, DbFailure> {
    let p = rows.plan;
    Ok(Plan {
        code: PlanCode::parse(p.code).map_err(|_| corrupt("plans.code"))?,
        name: p.name,
        description: p.description,
        priority: p.priority,
        trial_days: count("plans.trial_days", p.trial_days)?,
        active: p.active,
        public: p.public,
        custom: p.custom,
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
                .price("plan_prices")
            })
            .collect::<Result<_, _>>()?,
        entitlements: rows
            .entitlements
            .into_iter()
            .map(entitlement)
            .collect::<Result<_, _>>()?,
        wallet_grants: rows
            .grants
            .into_iter()
            .map(grant)
            .collect::<Result<_, _>>()?,
    })
}

/// Every plan (`code: None`, by ascending priority, then first-stored order) or the one with
/// `code`. Call it inside a read snapshot.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    code: Option<&PlanCode>,
) -> Result<Vec<Plan>, Failure> {
    let only = |c: &PlanCode| c.as_str().to_owned();
    let mut plans_q = plans::Entity::find()
        .order_by_asc(plans::Column::Priority)
        .order_by_asc(plans::Column::Position)
        .order_by_asc(plans::Column::Code);
    let mut prices_q = plan_prices::Entity::find()
        .order_by_asc(plan_prices::Column::Plan)
        .order_by_asc(plan_prices::Column::Position);
    let mut entitlements_q = plan_entitlements::Entity::find()
        .order_by_asc(plan_entitlements::Column::Plan)
        .order_by_asc(plan_entitlements::Column::Position);
    let mut grants_q = plan_wallet_grants::Entity::find()
        .order_by_asc(plan_wallet_grants::Column::Plan)
        .order_by_asc(plan_wallet_grants::Column::Position);
    if let Some(c) = code {
        plans_q = plans_q.filter(plans::Column::Code.eq(only(c)));
        prices_q = prices_q.filter(plan_prices::Column::Plan.eq(only(c)));
        entitlements_q = entitlements_q.filter(plan_entitlements::Column::Plan.eq(only(c)));
        grants_q = grants_q.filter(plan_wallet_grants::Column::Plan.eq(only(c)));
    }
    let plan_rows = plans_q.all(db).await?;
    if plan_rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut prices = group(prices_q.all(db).await?, |r| &r.plan);
    let mut entitlements = group(entitlements_q.all(db).await?, |r| &r.plan);
    let mut grants = group(grants_q.all(db).await?, |r| &r.plan);
    plan_rows
        .into_iter()
        .map(|plan| {
            let rows = PlanRows {
                prices: prices.remove(&plan.code).unwrap_or_default(),
                entitlements: entitlements.remove(&plan.code).unwrap_or_default(),
                grants: grants.remove(&plan.code).unwrap_or_default(),
                plan,
            };
            from_rows(rows).map_err(Failure::from)
        })
        .collect()
}

/// Inserts or replaces the plan and all its children. Call it inside a write transaction.
pub(super) async fn store(db: &impl ConnectionTrait, plan: &Plan) -> Result<(), Failure> {
    let position = next_position::<plans::Entity>(db, plans::Column::Position).await?;
    let rows = to_rows(plan, position)?;
    let code = rows.plan.code.clone();
    // The row first: on PostgreSQL its lock orders concurrent writers of the same plan.
    plans::Entity::insert(rows.plan.into_active_model())
        .on_conflict(
            OnConflict::column(plans::Column::Code)
                .update_columns([
                    plans::Column::Name,
                    plans::Column::Description,
                    plans::Column::Priority,
                    plans::Column::TrialDays,
                    plans::Column::Active,
                    plans::Column::Public,
                    plans::Column::Custom,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    plan_prices::Entity::delete_many()
        .filter(plan_prices::Column::Plan.eq(code.as_str()))
        .exec(db)
        .await?;
    plan_entitlements::Entity::delete_many()
        .filter(plan_entitlements::Column::Plan.eq(code.as_str()))
        .exec(db)
        .await?;
    plan_wallet_grants::Entity::delete_many()
        .filter(plan_wallet_grants::Column::Plan.eq(code.as_str()))
        .exec(db)
        .await?;
    plan_prices::Entity::insert_many(
        rows.prices
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    plan_entitlements::Entity::insert_many(
        rows.entitlements
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    plan_wallet_grants::Entity::insert_many(
        rows.grants
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets `active` and `public` to false; `false` when no plan has this code.
pub(super) async fn archive(db: &impl ConnectionTrait, code: &PlanCode) -> Result<bool, Failure> {
    use sea_orm::sea_query::Expr;
    let done = plans::Entity::update_many()
        .col_expr(plans::Column::Active, Expr::value(false))
        .col_expr(plans::Column::Public, Expr::value(false))
        .filter(plans::Column::Code.eq(code.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}
