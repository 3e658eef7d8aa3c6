//! `MeterReportLog` on `meter_reports`: one row per usage event whose overage was reported to
//! the billing provider; inserting twice keeps the first.

use std::collections::HashSet;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tollgate_engine::{EventLogError, MeterReportLog};
use tollgate_kernel::{CustomerId, Timestamp};

use super::stored;
use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "meter_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: String,
        pub customer: String,
        pub quantity: i64,
        pub reported_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity as Reports};

fn log_error(e: DbErr) -> EventLogError {
    match fault(&e) {
        Fault::Unavailable => EventLogError::Unavailable(describe(&e)),
        _ => EventLogError::Unexpected(Box::new(failure(&e))),
    }
}

/// Ids per `IN (…)` list, well under both backends' parameter limits.
const CHUNK: usize = 500;

#[async_trait::async_trait]
impl MeterReportLog for SqlStore {
    async fn reported(&self, event_ids: &[String]) -> Result<HashSet<String>, EventLogError> {
        let mut found = HashSet::new();
        for chunk in event_ids.chunks(CHUNK) {
            let rows = Reports::find()
                .filter(Column::EventId.is_in(chunk.iter().cloned()))
                .all(self.db())
                .await
                .map_err(log_error)?;
            found.extend(rows.into_iter().map(|r| r.event_id));
        }
        Ok(found)
    }

    async fn record(
        &self,
        event_id: &str,
        customer: &CustomerId,
        quantity: i64,
        at: Timestamp,
    ) -> Result<(), EventLogError> {
        Reports::insert(ActiveModel {
            event_id: Set(event_id.to_owned()),
            customer: Set(customer.to_string()),
            quantity: Set(quantity),
            reported_at: Set(stored(at)),
        })
        .on_conflict(OnConflict::column(Column::EventId).do_nothing().to_owned())
        .exec_without_returning(self.db())
        .await
        .map_err(log_error)?;
        Ok(())
    }
}
