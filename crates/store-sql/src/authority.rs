//! The counter authority on SQL: `counter_epochs`, one row per customer naming the store that
//! holds the customer's quota counters and the epoch it holds them under.
//!
//! The row is the barrier between moving the authority and usage commits. A batch with fenced
//! commits reads its customers' rows inside its transaction — `FOR SHARE` on PostgreSQL, in
//! customer order, before any counter — and [`CounterAuthority::take_over`] updates the row
//! first thing in its own transaction: it waits for every batch that read the old epoch, and
//! every batch after it reads the new one. On SQLite both begin with the one write lock.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait};
use tollgate_engine::{CommitError, CounterAuthority, CounterHome, Fence};
use tollgate_kernel::CustomerId;
use tollgate_quotas::CounterKey;

use crate::SqlStore;
use crate::counters::{RowKey, key_of};
use crate::error::{Fault, describe, failure, fault};
use crate::reconcile::reconcile_on;
use crate::sql::Sql;
use crate::usage_log::{combine, int_at};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "counter_epochs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer: String,
        pub home: String,
        pub epoch: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Customers per `IN (…)` list.
const CUSTOMER_CHUNK: usize = 500;
/// Counter keys per `IN (…)` list (three placeholders each).
const KEY_CHUNK: usize = 300;

fn home_name(home: CounterHome) -> &'static str {
    match home {
        CounterHome::External => "external",
        CounterHome::Store => "store",
    }
}

fn fence_of(home: &str, epoch: i64) -> Result<Fence, DbErr> {
    let home = match home {
        "external" => CounterHome::External,
        "store" => CounterHome::Store,
        _ => return Err(DbErr::Type("stored counter home is invalid".to_owned())),
    };
    Ok(Fence { home, epoch })
}

/// A database failure in the terms of the usage unit of work.
pub(crate) fn commit_error(e: &DbErr) -> CommitError {
    match fault(e) {
        Fault::Unavailable => CommitError::Unavailable(describe(e)),
        _ => CommitError::Unexpected(Box::new(failure(e))),
    }
}

/// The current fences of `customers` (sorted, without repeats), by customer; customers with no
/// row are absent. On PostgreSQL the rows are read `FOR SHARE`, in customer order: they stay
/// locked against [`CounterAuthority::take_over`] until the caller's transaction ends.
pub(crate) async fn share_fences<C: ConnectionTrait>(
    conn: &C,
    customers: &[&CustomerId],
) -> Result<HashMap<String, Fence>, DbErr> {
    let backend = conn.get_database_backend();
    let mut out = HashMap::new();
    for chunk in customers.chunks(CUSTOMER_CHUNK) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT customer, home, epoch FROM counter_epochs WHERE customer IN (");
        for (i, c) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(c.as_str());
        }
        sql.push(") ORDER BY customer");
        if backend == DbBackend::Postgres {
            sql.push(" FOR SHARE");
        }
        for row in conn.query_all_raw(sql.build()).await? {
            let home = row.try_get::<String>("", "home")?;
            let epoch = row.try_get::<i64>("", "epoch")?;
            out.insert(
                row.try_get::<String>("", "customer")?,
                fence_of(&home, epoch)?,
            );
        }
    }
    Ok(out)
}

/// Moves the customer's row to `home` under the next epoch (1 for a new row) and returns the
/// new fence. The update waits for every transaction holding the row `FOR SHARE`.
async fn bump<C: ConnectionTrait>(
    conn: &C,
    customer: &CustomerId,
    home: CounterHome,
) -> Result<Fence, DbErr> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("INSERT INTO counter_epochs (customer, home, epoch, updated_at) VALUES (")
        .bind(customer.as_str())
        .push(", ")
        .bind(home_name(home))
        .push(", 1, ")
        .bind(chrono::Utc::now())
        .push(
            ") ON CONFLICT (customer) DO UPDATE SET home = excluded.home, \
             epoch = counter_epochs.epoch + 1, updated_at = excluded.updated_at \
             RETURNING home, epoch",
        );
    let row = conn
        .query_one_raw(sql.build())
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    fence_of(
        &row.try_get::<String>("", "home")?,
        row.try_get::<i64>("", "epoch")?,
    )
}

/// Locks the customer's stored counters (PostgreSQL; SQLite's transaction holds the write
/// lock) so that nothing outside the fence — a commit without one, a direct counter call —
/// moves them between the sums and the repair.
async fn lock_counters<C: ConnectionTrait>(conn: &C, customer: &CustomerId) -> Result<(), DbErr> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(DbBackend::Postgres);
    sql.push("SELECT 1 FROM counters WHERE customer = ")
        .bind(customer.as_str())
        .push(" ORDER BY feature, window_key FOR UPDATE");
    conn.query_all_raw(sql.build()).await.map(|_| ())
}

/// `SUM(delta)` of the events of each of `keys`, in order (0 for a counter with no events):
/// one grouped query per 300 keys.
async fn log_totals<C: ConnectionTrait>(conn: &C, keys: &[CounterKey]) -> Result<Vec<i64>, DbErr> {
    let mut sums: HashMap<RowKey, i64> = HashMap::new();
    for chunk in keys.chunks(KEY_CHUNK) {
        let mut sql = Sql::new(conn.get_database_backend());
        // Exact like the log's own window totals: both 32-bit halves summed, then recombined.
        sql.push(
            "SELECT customer, feature, window_key, \
             CAST(SUM(delta >> 32) AS BIGINT) AS hi, \
             CAST(SUM(delta & 4294967295) AS BIGINT) AS lo \
             FROM usage_events WHERE (customer, feature, window_key) IN (",
        );
        for (i, key) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(key.customer.as_str())
                .push(", ")
                .bind(key.feature.as_str())
                .push(", ")
                .bind(key.window_key.as_str())
                .push(")");
        }
        sql.push(") GROUP BY customer, feature, window_key");
        for row in conn.query_all_raw(sql.build()).await? {
            let key = (
                row.try_get::<String>("", "customer")?,
                row.try_get::<String>("", "feature")?,
                row.try_get::<String>("", "window_key")?,
            );
            sums.insert(key, combine(int_at(&row, 3)?, int_at(&row, 4)?));
        }
    }
    Ok(keys
        .iter()
        .map(|k| sums.get(&key_of(k)).copied().unwrap_or(0))
        .collect())
}

#[async_trait]
impl CounterAuthority for SqlStore {
    async fn current(&self, customer: &CustomerId) -> Result<Option<Fence>, CommitError> {
        let row = entity::Entity::find_by_id(customer.as_str().to_owned())
            .one(self.db())
            .await
            .map_err(|e| commit_error(&e))?;
        row.map(|r| fence_of(&r.home, r.epoch))
            .transpose()
            .map_err(|e| commit_error(&e))
    }

    async fn take_over(
        &self,
        customer: &CustomerId,
        home: CounterHome,
        keys: &[CounterKey],
    ) -> Result<(Fence, Vec<i64>), CommitError> {
        let run = async {
            let txn = self.write_txn().await?;
            // The barrier first: from here on no commit fenced on the old epoch writes.
            let fence = bump(&txn, customer, home).await?;
            if home == CounterHome::Store {
                // The store's counters were not kept while the external store held them.
                lock_counters(&txn, customer).await?;
                reconcile_on(&txn, Some(customer), true).await?;
            }
            let totals = log_totals(&txn, keys).await?;
            txn.commit().await?;
            Ok::<_, DbErr>((fence, totals))
        };
        run.await.map_err(|e| commit_error(&e))
    }

    async fn customers(&self) -> Result<Vec<CustomerId>, CommitError> {
        let mut sql = Sql::new(self.backend());
        sql.push(
            "SELECT customer FROM counter_epochs UNION SELECT customer FROM usage_events \
             ORDER BY customer",
        );
        let rows = self
            .db()
            .query_all_raw(sql.build())
            .await
            .map_err(|e| commit_error(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let name = row
                .try_get::<String>("", "customer")
                .map_err(|e| commit_error(&e))?;
            let id = CustomerId::parse(name).map_err(|_| {
                commit_error(&DbErr::Type("stored customer id is invalid".to_owned()))
            })?;
            out.push(id);
        }
        // By bytes, whatever the database's collation.
        out.sort();
        out.dedup();
        Ok(out)
    }
}
