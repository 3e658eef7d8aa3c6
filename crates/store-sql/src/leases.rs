//! Concurrency leases in SQL. An acquirer first writes the `(customer, feature)` row of
//! `lease_slots` — the row lock on PostgreSQL, the database write lock on SQLite — so that
//! counting the active leases and inserting a new one happen with no other acquirer in
//! between: never more than `limit` active leases, across processes.

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DbErr};
use tollgate_kernel::Timestamp;
use tollgate_quotas::{CounterError, LeaseKey, LeaseOutcome, LeaseRequest, LeaseStore};

use crate::SqlStore;
use crate::counters::counter_error;
use crate::sql::Sql;

fn bind_holder<'a>(sql: &'a mut Sql, key: &LeaseKey) -> &'a mut Sql {
    sql.push("customer = ")
        .bind(key.customer.as_str())
        .push(" AND feature = ")
        .bind(key.feature.as_str())
}

/// Active leases of `key` at `now` and the earliest expiry among them.
async fn active<C: ConnectionTrait>(
    conn: &C,
    key: &LeaseKey,
    now: Timestamp,
) -> Result<(i64, Option<Timestamp>), DbErr> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push("SELECT expires_at FROM leases WHERE ");
    bind_holder(&mut sql, key)
        .push(" AND expires_at > ")
        .bind(now)
        .push(" ORDER BY expires_at");
    let rows = conn.query_all_raw(sql.build()).await?;
    let earliest = match rows.first() {
        Some(r) => Some(r.try_get::<Timestamp>("", "expires_at")?),
        None => None,
    };
    Ok((i64::try_from(rows.len()).unwrap_or(i64::MAX), earliest))
}

impl SqlStore {
    async fn acquire_in_txn(&self, req: &LeaseRequest) -> Result<LeaseOutcome, DbErr> {
        let txn = self.write_txn().await?;
        let backend = self.backend();
        // The lock: every acquirer of this key writes this row first.
        let mut lock = Sql::new(backend);
        lock.push("INSERT INTO lease_slots (customer, feature, version) VALUES (")
            .bind(req.key.customer.as_str())
            .push(", ")
            .bind(req.key.feature.as_str())
            .push(", 1) ON CONFLICT (customer, feature) DO UPDATE SET version = lease_slots.version + 1");
        txn.execute_raw(lock.build()).await?;
        // Expired leases free their slots.
        let mut purge = Sql::new(backend);
        purge.push("DELETE FROM leases WHERE ");
        bind_holder(&mut purge, &req.key)
            .push(" AND expires_at <= ")
            .bind(req.now);
        txn.execute_raw(purge.build()).await?;
        let mut mine = Sql::new(backend);
        mine.push("SELECT id FROM leases WHERE id = ")
            .bind(req.lease_id.as_str())
            .push(" AND ");
        bind_holder(&mut mine, &req.key);
        let renewing = txn.query_one_raw(mine.build()).await?.is_some();
        let (held, _) = active(&txn, &req.key, req.now).await?;
        let acquired = renewing || req.limit.is_none_or(|l| held < l);
        if acquired {
            let mut write = Sql::new(backend);
            write
                .push("INSERT INTO leases (id, customer, feature, acquired_at, expires_at) VALUES (")
                .bind(req.lease_id.as_str())
                .push(", ")
                .bind(req.key.customer.as_str())
                .push(", ")
                .bind(req.key.feature.as_str())
                .push(", ")
                .bind(req.now)
                .push(", ")
                .bind(req.expires_at)
                .push(") ON CONFLICT (customer, feature, id) DO UPDATE SET expires_at = excluded.expires_at");
            txn.execute_raw(write.build()).await?;
        }
        let (held, earliest_expiry) = active(&txn, &req.key, req.now).await?;
        txn.commit().await?;
        Ok(LeaseOutcome {
            acquired,
            held,
            earliest_expiry,
        })
    }
}

#[async_trait]
impl LeaseStore for SqlStore {
    async fn acquire(&self, req: &LeaseRequest) -> Result<LeaseOutcome, CounterError> {
        req.validate()?;
        self.acquire_in_txn(req)
            .await
            .map_err(|e| counter_error(&e))
    }

    async fn release(&self, key: &LeaseKey, lease_id: &str) -> Result<bool, CounterError> {
        let mut sql = Sql::new(self.backend());
        sql.push("DELETE FROM leases WHERE id = ")
            .bind(lease_id)
            .push(" AND ");
        bind_holder(&mut sql, key);
        let done = self
            .db()
            .execute_raw(sql.build())
            .await
            .map_err(|e| counter_error(&e))?;
        Ok(done.rows_affected() > 0)
    }

    async fn held(&self, key: &LeaseKey, now: Timestamp) -> Result<i64, CounterError> {
        active(self.db(), key, now)
            .await
            .map(|(n, _)| n)
            .map_err(|e| counter_error(&e))
    }
}
