//! HTTP idempotency records on `idempotency_keys`.
//!
//! `begin` never holds a transaction: it inserts the reservation if the key is absent
//! (`ON CONFLICT DO NOTHING`, so of any number of racers exactly one inserts) and otherwise reads
//! the row. Taking over a stale reservation is one conditional `UPDATE` that only matches while
//! the row is still unfinished and still older than the cutoff: the winner moves `created_at`
//! to its own `now`, so a racing update (PostgreSQL re-checks the condition on the new row
//! version after waiting for it; SQLite's write lock orders them) matches nothing and that
//! racer reads the winner's reservation instead. Only a retry of the same request (same hash)
//! takes over; the reservation's `created_at` is its identity, so `finish` and `abandon` of a
//! request that outlived its reservation match nothing.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tollgate_engine::{AccessError, IdempotencyBegin, StoredResponse};
use tollgate_kernel::Timestamp;

use super::access_error;
use crate::SqlStore;
use crate::journal::stored;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub status: Option<i32>,
        #[sea_orm(column_type = "Text", nullable)]
        pub body: Option<String>,
        pub created_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity as Keys, Model as Row};

/// Rounds of insert-or-read before giving up. Each lost round means the row changed between
/// two statements (abandoned, purged or taken over meanwhile); the next round sees it settled.
const ATTEMPTS: usize = 8;

/// The stored answer of a finished row; `None` while it runs.
fn answer(row: &Row) -> Result<Option<StoredResponse>, DbErr> {
    if row.finished_at.is_none() {
        return Ok(None);
    }
    let malformed = || DbErr::Type("stored idempotency record has an invalid answer".to_owned());
    let status = row
        .status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(malformed)?;
    let body = row.body.clone().ok_or_else(malformed)?;
    Ok(Some(StoredResponse { status, body }))
}

async fn try_begin(
    store: &SqlStore,
    key: &str,
    request_hash: &str,
    now: Timestamp,
    cutoff: Timestamp,
) -> Result<Option<IdempotencyBegin>, DbErr> {
    let reservation = ActiveModel {
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(None),
        body: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    };
    let inserted = Keys::insert(reservation)
        .on_conflict(OnConflict::column(Column::Key).do_nothing().to_owned())
        .exec_without_returning(store.db())
        .await?;
    if inserted == 1 {
        return Ok(Some(IdempotencyBegin::Started));
    }
    let Some(row) = Keys::find_by_id(key.to_owned()).one(store.db()).await? else {
        return Ok(None); // abandoned or purged since the insert: insert again
    };
    if let Some(response) = answer(&row)? {
        return Ok(Some(IdempotencyBegin::Done {
            request_hash: row.request_hash,
            response,
        }));
    }
    if row.created_at >= cutoff || row.request_hash != request_hash {
        return Ok(Some(IdempotencyBegin::InProgress {
            request_hash: row.request_hash,
        }));
    }
    let taken = Keys::update_many()
        .col_expr(Column::RequestHash, Expr::val(request_hash))
        .col_expr(Column::CreatedAt, Expr::val(now))
        .filter(Column::Key.eq(key))
        .filter(Column::RequestHash.eq(request_hash))
        .filter(Column::FinishedAt.is_null())
        .filter(Column::CreatedAt.lt(cutoff))
        .exec(store.db())
        .await?;
    Ok((taken.rows_affected == 1).then_some(IdempotencyBegin::Started))
}

pub(super) async fn begin(
    store: &SqlStore,
    key: &str,
    request_hash: &str,
    now: Timestamp,
    stale_after: chrono::Duration,
) -> Result<IdempotencyBegin, AccessError> {
    let now = stored(now);
    let cutoff = stored(now - stale_after);
    for _ in 0..ATTEMPTS {
        if let Some(outcome) = try_begin(store, key, request_hash, now, cutoff)
            .await
            .map_err(access_error)?
        {
            return Ok(outcome);
        }
    }
    Err(AccessError::Unavailable(
        "idempotency key is changing concurrently; retry".to_owned(),
    ))
}

pub(super) async fn finish(
    store: &SqlStore,
    key: &str,
    reserved_at: Timestamp,
    response: &StoredResponse,
    now: Timestamp,
) -> Result<(), AccessError> {
    Keys::update_many()
        .col_expr(Column::Status, Expr::val(Some(i32::from(response.status))))
        .col_expr(Column::Body, Expr::val(Some(response.body.clone())))
        .col_expr(Column::FinishedAt, Expr::val(Some(stored(now))))
        .filter(Column::Key.eq(key))
        .filter(Column::FinishedAt.is_null())
        .filter(Column::CreatedAt.eq(stored(reserved_at)))
        .exec(store.db())
        .await
        .map_err(access_error)?;
    Ok(())
}

pub(super) async fn abandon(
    store: &SqlStore,
    key: &str,
    reserved_at: Timestamp,
) -> Result<(), AccessError> {
    Keys::delete_many()
        .filter(Column::Key.eq(key))
        .filter(Column::FinishedAt.is_null())
        .filter(Column::CreatedAt.eq(stored(reserved_at)))
        .exec(store.db())
        .await
        .map_err(access_error)?;
    Ok(())
}

pub(super) async fn purge(store: &SqlStore, before: Timestamp) -> Result<u64, AccessError> {
    let deleted = Keys::delete_many()
        .filter(Column::CreatedAt.lt(stored(before)))
        .exec(store.db())
        .await
        .map_err(access_error)?;
    Ok(deleted.rows_affected)
}
