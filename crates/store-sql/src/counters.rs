//! Quota counters in SQL: the exact fallback when Redis is absent or down, and the counters
//! of the embedded default.
//!
//! `try_consume` of a positive amount is one conditional statement —
//! `UPDATE counters SET used = used + n WHERE … AND used + n <= limit RETURNING used` — so the
//! check and the increment are a single atomic step in either backend. Everything else that
//! needs the old value (gauge decreases) locks the row first. The usage unit of work uses the
//! batched form ([`lock_many`], [`write_many`]) inside its own transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DbErr};
use tollgate_kernel::{Enforcement, Timestamp};
use tollgate_quotas::{
    Consume, Consumption, CounterError, CounterKey, CounterStore, apply_consume,
};

use crate::SqlStore;
use crate::error::{Fault, failure, fault};
use crate::sql::Sql;

pub(crate) fn counter_error(e: &DbErr) -> CounterError {
    match fault(e) {
        Fault::Unavailable => CounterError::Unavailable(crate::error::describe(e)),
        Fault::Invalid => CounterError::Invalid("counter value out of range".to_owned()),
        _ => CounterError::unexpected(failure(e)),
    }
}

fn now() -> Timestamp {
    chrono::Utc::now()
}

/// Appends `(customer, feature, window_key)` of `key` as three placeholders.
fn bind_key(sql: &mut Sql, key: &CounterKey) {
    sql.push("(")
        .bind(key.customer.as_str())
        .push(", ")
        .bind(key.feature.as_str())
        .push(", ")
        .bind(key.window_key.as_str())
        .push(")");
}

fn row_key(row: &sea_orm::QueryResult) -> Result<RowKey, DbErr> {
    Ok((
        row.try_get::<String>("", "customer")?,
        row.try_get::<String>("", "feature")?,
        row.try_get::<String>("", "window_key")?,
    ))
}

/// A counter's key as the database row's key columns.
pub(crate) type RowKey = (String, String, String);

pub(crate) fn key_of(key: &CounterKey) -> RowKey {
    (
        key.customer.as_str().to_owned(),
        key.feature.as_str().to_owned(),
        key.window_key.clone(),
    )
}

/// Current values, 0 for counters never written (a plain read, no lock).
async fn read_many<C: ConnectionTrait>(
    conn: &C,
    keys: &[CounterKey],
) -> Result<HashMap<RowKey, i64>, DbErr> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(300) {
        let mut sql = Sql::new(conn.get_database_backend());
        sql.push(
            "SELECT customer, feature, window_key, used FROM counters \
             WHERE (customer, feature, window_key) IN (",
        );
        for (i, key) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            bind_key(&mut sql, key);
        }
        sql.push(") ORDER BY customer, feature, window_key");
        for row in conn.query_all_raw(sql.build()).await? {
            out.insert(row_key(&row)?, row.try_get::<i64>("", "used")?);
        }
    }
    Ok(out)
}

/// Upserts `(key, used)` rows in key order — one lock order for every writer, so two batches
/// touching the same counters never deadlock — 150 rows a statement, with `on_conflict` as
/// the `DO UPDATE` clause. With `returning`, answers each row's value after the statement
/// (rows the clause's `WHERE` skipped are absent).
async fn upsert_rows<C: ConnectionTrait>(
    conn: &C,
    rows: &[(&CounterKey, i64)],
    on_conflict: &str,
    returning: bool,
) -> Result<HashMap<RowKey, i64>, DbErr> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| key_of(r.0));
    rows.dedup_by(|a, b| key_of(a.0) == key_of(b.0));
    let at = now();
    let mut out = HashMap::new();
    for chunk in rows.chunks(150) {
        let mut sql = Sql::new(conn.get_database_backend());
        sql.push(
            "INSERT INTO counters (customer, feature, window_key, used, resets_at, updated_at) \
             VALUES ",
        );
        for (i, (key, used)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(key.customer.as_str())
                .push(", ")
                .bind(key.feature.as_str())
                .push(", ")
                .bind(key.window_key.as_str())
                .push(", ")
                .bind(*used)
                .push(", ")
                .bind(key.resets_at)
                .push(", ")
                .bind(at)
                .push(")");
        }
        sql.push(" ON CONFLICT (customer, feature, window_key) DO UPDATE ")
            .push(on_conflict);
        if returning {
            sql.push(" RETURNING customer, feature, window_key, used");
            for row in conn.query_all_raw(sql.build()).await? {
                out.insert(row_key(&row)?, row.try_get::<i64>("", "used")?);
            }
        } else {
            conn.execute_raw(sql.build()).await?;
        }
    }
    Ok(out)
}

/// Creates the missing counters of `keys` and locks all of them for the rest of the
/// transaction: an upsert whose `DO UPDATE` takes the row lock on PostgreSQL (SQLite's
/// transaction already holds the write lock) and whose `RETURNING` reads the value. An insert
/// plans the same whatever the table's statistics, unlike a `SELECT … IN (…)` whose cached
/// generic plan may stay a sequential scan.
pub(crate) async fn lock_many<C: ConnectionTrait>(
    conn: &C,
    keys: &[&CounterKey],
) -> Result<HashMap<RowKey, i64>, DbErr> {
    let rows: Vec<(&CounterKey, i64)> = keys.iter().map(|k| (*k, 0)).collect();
    upsert_rows(conn, &rows, "SET used = counters.used", true).await
}

/// Adds each `(key, total)` (totals ≥ 0) and returns the values after the addition — the row
/// stays locked for the rest of the transaction. A counter the addition would overflow is left
/// alone and absent from the answer.
pub(crate) async fn add_many<C: ConnectionTrait>(
    conn: &C,
    totals: &[(&CounterKey, i64)],
) -> Result<HashMap<RowKey, i64>, DbErr> {
    upsert_rows(
        conn,
        totals,
        "SET used = counters.used + excluded.used, updated_at = excluded.updated_at \
         WHERE counters.used <= 9223372036854775807 - excluded.used",
        true,
    )
    .await
}

/// Writes final values of counters locked with [`lock_many`] or [`add_many`].
pub(crate) async fn write_many<C: ConnectionTrait>(
    conn: &C,
    values: &[(&CounterKey, i64)],
) -> Result<(), DbErr> {
    if values.is_empty() {
        return Ok(());
    }
    upsert_rows(
        conn,
        values,
        "SET used = excluded.used, updated_at = excluded.updated_at",
        false,
    )
    .await
    .map(|_| ())
}

impl SqlStore {
    /// The one-statement path for a non-negative amount: returns `Some(used)` when the
    /// counter existed and accepted the amount.
    async fn conditional_add(&self, req: &Consume) -> Result<Option<i64>, DbErr> {
        let mut sql = Sql::new(self.backend());
        sql.push("UPDATE counters SET used = used + ")
            .bind(req.amount)
            .push(", updated_at = ")
            .bind(now())
            .push(" WHERE customer = ")
            .bind(req.key.customer.as_str())
            .push(" AND feature = ")
            .bind(req.key.feature.as_str())
            .push(" AND window_key = ")
            .bind(req.key.window_key.as_str())
            // Never past i64::MAX: the overflow is reported by `apply_consume` below.
            .push(" AND used <= ")
            .bind(i64::MAX - req.amount);
        if let (Enforcement::Hard, Some(limit)) = (req.enforcement, req.limit) {
            sql.push(" AND used + ")
                .bind(req.amount)
                .push(" <= ")
                .bind(limit);
        }
        sql.push(" RETURNING used");
        match self.db().query_one_raw(sql.build()).await? {
            Some(row) => Ok(Some(row.try_get::<i64>("", "used")?)),
            None => Ok(None),
        }
    }

    /// The locked path: read under the row lock, decide with the domain rule, write.
    async fn locked_consume(&self, req: &Consume) -> Result<Consumption, CounterError> {
        let txn = self.write_txn().await.map_err(|e| counter_error(&e))?;
        let current = lock_many(&txn, &[&req.key])
            .await
            .map_err(|e| counter_error(&e))?
            .get(&key_of(&req.key))
            .copied()
            .unwrap_or(0);
        let outcome = apply_consume(current, req)?;
        if outcome.applied != 0 {
            write_many(&txn, &[(&req.key, outcome.used)])
                .await
                .map_err(|e| counter_error(&e))?;
        }
        txn.commit().await.map_err(|e| counter_error(&e))?;
        Ok(outcome)
    }
}

#[async_trait]
impl CounterStore for SqlStore {
    async fn try_consume(&self, req: &Consume) -> Result<Consumption, CounterError> {
        // The domain rule rejects invalid requests before anything is written.
        apply_consume(0, req)?;
        if req.amount < 0 {
            return self.locked_consume(req).await;
        }
        if let Some(used) = self
            .conditional_add(req)
            .await
            .map_err(|e| counter_error(&e))?
        {
            return Ok(Consumption {
                accepted: true,
                used,
                applied: req.amount,
            });
        }
        // Missing row, refusal or overflow: decide under the lock.
        self.locked_consume(req).await
    }

    async fn release(&self, key: &CounterKey, amount: i64) -> Result<i64, CounterError> {
        if amount < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot release a negative amount ({amount}) of {}",
                key.storage_key()
            )));
        }
        let mut sql = Sql::new(self.backend());
        sql.push("UPDATE counters SET used = CASE WHEN used < ")
            .bind(amount)
            .push(" THEN 0 ELSE used - ")
            .bind(amount)
            .push(" END, updated_at = ")
            .bind(now())
            .push(" WHERE customer = ")
            .bind(key.customer.as_str())
            .push(" AND feature = ")
            .bind(key.feature.as_str())
            .push(" AND window_key = ")
            .bind(key.window_key.as_str())
            .push(" RETURNING used");
        match self
            .db()
            .query_one_raw(sql.build())
            .await
            .map_err(|e| counter_error(&e))?
        {
            Some(row) => row
                .try_get::<i64>("", "used")
                .map_err(|e| counter_error(&e)),
            None => Ok(0),
        }
    }

    async fn get(&self, key: &CounterKey) -> Result<i64, CounterError> {
        Ok(self.get_many(std::slice::from_ref(key)).await?[0])
    }

    async fn get_many(&self, keys: &[CounterKey]) -> Result<Vec<i64>, CounterError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values = read_many(self.db(), keys)
            .await
            .map_err(|e| counter_error(&e))?;
        Ok(keys
            .iter()
            .map(|k| values.get(&key_of(k)).copied().unwrap_or(0))
            .collect())
    }

    async fn set(&self, key: &CounterKey, value: i64) -> Result<(), CounterError> {
        if value < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot set {} to a negative value ({value})",
                key.storage_key()
            )));
        }
        write_many(self.db(), &[(key, value)])
            .await
            .map_err(|e| counter_error(&e))
    }
}
