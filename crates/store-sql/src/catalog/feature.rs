//! The `features` table: one row per feature, `position` keeping first-stored order.

use super::codec::{corrupt, from_word, word};
use crate::error::DbFailure;
use tollgate_kernel::FeatureCode;
use tollgate_plans::Feature;

pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "features")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub position: i64,
        pub name: String,
        pub kind: String,
        pub unit: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub description: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) fn to_row(f: &Feature, position: i64) -> Result<entity::Model, DbFailure> {
    Ok(entity::Model {
        code: f.code.as_str().to_owned(),
        position,
        name: f.name.clone(),
        kind: word("features.kind", &f.kind)?,
        unit: f.unit.clone(),
        description: f.description.clone(),
    })
}

pub(super) fn from_row(row: entity::Model) -> Result<Feature, DbFailure> {
    Ok(Feature {
        code: FeatureCode::parse(row.code).map_err(|_| corrupt("features.code"))?,
        name: row.name,
        kind: from_word("features.kind", &row.kind)?,
        unit: row.unit,
        description: row.description,
    })
}
