//! `BillingEventLog` on `billing_events`: every billing event once by `(provider, event_id)`,
//! with its processing history.
//!
//! `claim` is one conditional `UPDATE`: it bumps `attempts` and sets `claimed_until` (a
//! five-minute lease, so a crashed worker's claim runs out) only on a claimable event that no
//! live claim holds. On PostgreSQL a racing update waits for the row and re-checks the
//! condition on the new version; on SQLite the write lock orders them. Either way exactly one
//! claimer sees one changed row. `finish` records the outcome and clears the claim.

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect,
};
use tollgate_engine::{
    BillingEventLog, BillingEventRecord, EventLogError, EventStatus, WebhookQuery,
};
use tollgate_kernel::Timestamp;

use super::stored;
use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub provider: String,
        pub event_id: String,
        pub event_type: String,
        pub received_at: DateTimeUtc,
        pub status: String,
        pub attempts: i32,
        #[sea_orm(column_type = "Text", nullable)]
        pub error: Option<String>,
        pub processed_at: Option<DateTimeUtc>,
        pub claimed_until: Option<DateTimeUtc>,
        #[sea_orm(column_type = "JsonBinary")]
        pub payload: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity as Events, Model as Row};

/// How long a claim holds an event before another worker may take it over.
const CLAIM_LEASE_MINUTES: i64 = 5;

fn status_name(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Received => "received",
        EventStatus::Processed => "processed",
        EventStatus::Failed => "failed",
        EventStatus::Ignored => "ignored",
    }
}

fn status_from(name: &str) -> Result<EventStatus, DbErr> {
    match name {
        "received" => Ok(EventStatus::Received),
        "processed" => Ok(EventStatus::Processed),
        "failed" => Ok(EventStatus::Failed),
        "ignored" => Ok(EventStatus::Ignored),
        _ => Err(DbErr::Type(
            "stored billing event has an invalid status".to_owned(),
        )),
    }
}

fn to_row(r: &BillingEventRecord) -> ActiveModel {
    ActiveModel {
        seq: NotSet,
        provider: Set(r.provider.clone()),
        event_id: Set(r.event_id.clone()),
        event_type: Set(r.event_type.clone()),
        received_at: Set(stored(r.received_at)),
        status: Set(status_name(r.status).to_owned()),
        attempts: Set(r.attempts),
        error: Set(r.error.clone()),
        processed_at: Set(r.processed_at.map(stored)),
        claimed_until: Set(None),
        payload: Set(r.payload.clone()),
    }
}

fn from_row(r: Row) -> Result<BillingEventRecord, DbErr> {
    Ok(BillingEventRecord {
        status: status_from(&r.status)?,
        provider: r.provider,
        event_id: r.event_id,
        event_type: r.event_type,
        received_at: r.received_at,
        attempts: r.attempts,
        error: r.error,
        processed_at: r.processed_at,
        payload: r.payload,
    })
}

fn log_error(e: DbErr) -> EventLogError {
    match fault(&e) {
        Fault::Unavailable => EventLogError::Unavailable(describe(&e)),
        _ => EventLogError::Unexpected(Box::new(failure(&e))),
    }
}

fn one_event(provider: &str, event_id: &str) -> Condition {
    Condition::all()
        .add(Column::Provider.eq(provider))
        .add(Column::EventId.eq(event_id))
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    provider: &str,
    event_id: &str,
) -> Result<Option<BillingEventRecord>, DbErr> {
    Events::find()
        .filter(one_event(provider, event_id))
        .one(conn)
        .await?
        .map(from_row)
        .transpose()
}

#[async_trait::async_trait]
impl BillingEventLog for SqlStore {
    async fn insert(&self, record: &BillingEventRecord) -> Result<bool, EventLogError> {
        let inserted = Events::insert(to_row(record))
            .on_conflict(
                OnConflict::columns([Column::Provider, Column::EventId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await
            .map_err(log_error)?;
        Ok(inserted == 1)
    }

    async fn get(
        &self,
        provider: &str,
        event_id: &str,
    ) -> Result<Option<BillingEventRecord>, EventLogError> {
        find(self.db(), provider, event_id).await.map_err(log_error)
    }

    async fn claim(
        &self,
        provider: &str,
        event_id: &str,
        replay: bool,
    ) -> Result<Option<BillingEventRecord>, EventLogError> {
        // The port gives no instant: wall time bounds the lease, and nothing else.
        let now = stored(Utc::now());
        let mut claimable = one_event(provider, event_id).add(
            Condition::any()
                .add(Column::ClaimedUntil.is_null())
                .add(Column::ClaimedUntil.lt(now)),
        );
        if !replay {
            claimable = claimable.add(Column::Status.is_in([
                status_name(EventStatus::Received),
                status_name(EventStatus::Failed),
            ]));
        }
        let txn = self.write_txn().await.map_err(log_error)?;
        let claimed = Events::update_many()
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(
                Column::ClaimedUntil,
                Expr::val(now + Duration::minutes(CLAIM_LEASE_MINUTES)),
            )
            .filter(claimable)
            .exec(&txn)
            .await
            .map_err(log_error)?;
        if claimed.rows_affected != 1 {
            txn.rollback().await.map_err(log_error)?;
            return Ok(None);
        }
        let record = find(&txn, provider, event_id).await.map_err(log_error)?;
        txn.commit().await.map_err(log_error)?;
        Ok(record)
    }

    async fn finish(
        &self,
        provider: &str,
        event_id: &str,
        status: EventStatus,
        error: Option<String>,
        at: Timestamp,
    ) -> Result<(), EventLogError> {
        Events::update_many()
            .col_expr(Column::Status, Expr::val(status_name(status)))
            .col_expr(Column::Error, Expr::val(error))
            .col_expr(Column::ProcessedAt, Expr::val(Some(stored(at))))
            .col_expr(Column::ClaimedUntil, Expr::val(Option::<Timestamp>::None))
            .filter(one_event(provider, event_id))
            .exec(self.db())
            .await
            .map_err(log_error)?;
        Ok(())
    }

    async fn list(&self, query: &WebhookQuery) -> Result<Vec<BillingEventRecord>, EventLogError> {
        let mut select = Events::find();
        if let Some(provider) = &query.provider {
            select = select.filter(Column::Provider.eq(provider.as_str()));
        }
        if let Some(status) = query.status {
            select = select.filter(Column::Status.eq(status_name(status)));
        }
        if let Some(event_type) = &query.event_type {
            select = select.filter(Column::EventType.eq(event_type.as_str()));
        }
        if let Some(limit) = query.limit {
            select = select.limit(u64::try_from(limit).unwrap_or(u64::MAX));
        }
        let rows = select
            .order_by(Column::ReceivedAt, Order::Desc)
            .order_by(Column::Seq, Order::Desc)
            .all(self.db())
            .await
            .map_err(log_error)?;
        rows.into_iter()
            .map(from_row)
            .collect::<Result<_, _>>()
            .map_err(log_error)
    }
}
