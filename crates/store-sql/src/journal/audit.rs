//! `AuditLog` on `audit_entries`: append-only, read newest first.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, Order, QueryFilter,
    QueryOrder, QuerySelect,
};
use tollgate_engine::{AuditEntry, AuditError, AuditLog, AuditQuery};

use super::stored;
use crate::SqlStore;
use crate::error::{Fault, describe, failure, fault};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub ts: DateTimeUtc,
        pub actor: String,
        pub action: String,
        pub entity: String,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub before: Option<Json>,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub after: Option<Json>,
        pub correlation_id: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity as Entries, Model as Row};

/// Rows per multi-row insert (8 values each), kept to one TCP segment per statement (see
/// `usage_log::INSERT_CHUNK`).
const INSERT_CHUNK: usize = 64;

fn to_row(e: &AuditEntry) -> Row {
    Row {
        id: e.id.clone(),
        ts: stored(e.ts),
        actor: e.actor.clone(),
        action: e.action.clone(),
        entity: e.entity.clone(),
        before: e.before.clone(),
        after: e.after.clone(),
        correlation_id: e.correlation_id.clone(),
    }
}

fn from_row(r: Row) -> AuditEntry {
    AuditEntry {
        id: r.id,
        ts: r.ts,
        actor: r.actor,
        action: r.action,
        entity: r.entity,
        before: r.before,
        after: r.after,
        correlation_id: r.correlation_id,
    }
}

fn audit_error(e: DbErr) -> AuditError {
    match fault(&e) {
        Fault::Unavailable => AuditError::Unavailable(describe(&e)),
        _ => AuditError::Unexpected(Box::new(failure(&e))),
    }
}

/// Appends entries inside the caller's transaction, in multi-row inserts. An entry whose id
/// is already stored is the same entry written again and is skipped.
pub(crate) async fn append_audit<C: ConnectionTrait>(
    conn: &C,
    entries: &[AuditEntry],
) -> Result<(), DbErr> {
    for chunk in entries.chunks(INSERT_CHUNK) {
        Entries::insert_many(chunk.iter().map(|e| to_row(e).into_active_model()))
            .on_conflict(OnConflict::column(Column::Id).do_nothing().to_owned())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl AuditLog for SqlStore {
    async fn append(&self, entries: &[AuditEntry]) -> Result<(), AuditError> {
        if entries.is_empty() {
            return Ok(());
        }
        let txn = self.write_txn().await.map_err(audit_error)?;
        append_audit(&txn, entries).await.map_err(audit_error)?;
        txn.commit().await.map_err(audit_error)
    }

    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, AuditError> {
        let mut select = Entries::find();
        if let Some(entity) = &query.entity {
            select = select.filter(Column::Entity.eq(entity.as_str()));
        }
        if let Some(actor) = &query.actor {
            select = select.filter(Column::Actor.eq(actor.as_str()));
        }
        if let Some(prefix) = &query.action {
            // A case-sensitive prefix on both backends (SQLite's LIKE ignores ASCII case).
            let Ok(len) = i32::try_from(prefix.chars().count()) else {
                return Ok(Vec::new());
            };
            select = select.filter(
                Expr::expr(
                    Func::cust(Alias::new("SUBSTR"))
                        .arg(Expr::col(Column::Action))
                        .arg(1_i32)
                        .arg(len),
                )
                .eq(prefix.as_str()),
            );
        }
        if let Some(limit) = query.limit {
            select = select.limit(u64::try_from(limit).unwrap_or(u64::MAX));
        }
        let rows = select
            .order_by(Column::Ts, Order::Desc)
            .order_by(Column::Id, Order::Desc)
            .all(self.db())
            .await
            .map_err(audit_error)?;
        Ok(rows.into_iter().map(from_row).collect())
    }
}

#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod on_sql {
    use super::*;
    use crate::testing::TestDb;
    use chrono::TimeZone;
    use tollgate_engine::Caller;

    async fn appended_with_the_caller_transaction(db: &TestDb) {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).unwrap();
        let caller = Caller::new("system").with_correlation("req-7");
        let entries: Vec<AuditEntry> = (0..3)
            .map(|i| {
                AuditEntry::new(
                    &caller,
                    at,
                    "usage.threshold",
                    format!("feature:acme/api_calls/{i}"),
                    None,
                    Some(serde_json::json!({"percent": 80 + i})),
                )
            })
            .collect();
        let txn = db.store.write_txn().await.unwrap();
        append_audit(&txn, &entries).await.unwrap();
        txn.rollback().await.unwrap();
        let all = AuditQuery::default();
        assert!(db.store.list(&all).await.unwrap().is_empty());

        let txn = db.store.write_txn().await.unwrap();
        append_audit(&txn, &entries).await.unwrap();
        append_audit(&txn, &entries[..1]).await.unwrap(); // written again: skipped
        txn.commit().await.unwrap();
        let mut newest_first = entries;
        newest_first.reverse();
        assert_eq!(db.store.list(&all).await.unwrap(), newest_first);
    }
    crate::on_both_backends!(append_audit_helper, appended_with_the_caller_transaction);
}
