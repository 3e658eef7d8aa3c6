//! Reconciliation against SQL: every stored counter of a customer (or of everyone) against
//! `SUM(delta)` of its usage events, including counters that have no events at all.
//!
//! A report reads one consistent snapshot and locks nothing. A repair takes the write lock on
//! the counters first — the whole `counters` table on PostgreSQL (`EXCLUSIVE` mode: reads go
//! on, usage batches wait), the database on SQLite — so no batch can commit between the sums
//! and the writes, not even one creating a counter.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DbErr};
use tollgate_engine::Reconciler;
use tollgate_kernel::{CustomerId, FeatureCode};
use tollgate_quotas::CounterKey;
use tollgate_usage::{Drift, DriftReport, UsageLogError};

use crate::SqlStore;
use crate::catalog::{lock_for_replace, snapshot};
use crate::counters::write_many;
use crate::sql::Sql;
use crate::usage_log::log_error;

type Key = (String, String, String);

async fn totals<C: ConnectionTrait>(
    conn: &C,
    customer: Option<&CustomerId>,
    counters: bool,
) -> Result<BTreeMap<Key, i64>, DbErr> {
    let mut sql = Sql::new(conn.get_database_backend());
    if counters {
        sql.push("SELECT customer, feature, window_key, used AS total FROM counters");
    } else {
        sql.push(
            "SELECT customer, feature, window_key, CAST(SUM(delta) AS BIGINT) AS total \
             FROM usage_events WHERE window_key <> ''",
        );
    }
    if let Some(c) = customer {
        sql.push(if counters { " WHERE" } else { " AND" })
            .push(" customer = ")
            .bind(c.as_str());
    }
    if counters {
        sql.push(" ORDER BY customer, feature, window_key");
    } else {
        sql.push(" GROUP BY customer, feature, window_key");
    }
    let mut out = BTreeMap::new();
    for row in conn.query_all_raw(sql.build()).await? {
        out.insert(
            (
                row.try_get::<String>("", "customer")?,
                row.try_get::<String>("", "feature")?,
                row.try_get::<String>("", "window_key")?,
            ),
            row.try_get::<i64>("", "total")?,
        );
    }
    Ok(out)
}

fn drift_of((customer, feature, window_key): &Key, stored: i64, expected: i64) -> Option<Drift> {
    Some(Drift {
        customer: CustomerId::parse(customer).ok()?,
        feature: FeatureCode::parse(feature).ok()?,
        window_key: window_key.clone(),
        stored,
        expected,
    })
}

/// Every counter of `customer` (or of everyone) against the sum of its events, read in
/// `conn`; with `repair`, drifted counters are written (counters with no events at all go to
/// 0). The caller holds whatever locks make the sums and the writes one step.
pub(crate) async fn reconcile_on<C: ConnectionTrait>(
    conn: &C,
    customer: Option<&CustomerId>,
    repair: bool,
) -> Result<DriftReport, DbErr> {
    let stored = totals(conn, customer, true).await?;
    let expected = totals(conn, customer, false).await?;
    let mut keys: Vec<&Key> = stored.keys().chain(expected.keys()).collect();
    keys.sort();
    keys.dedup();
    let drifts: Vec<Drift> = keys
        .iter()
        .filter_map(|k| {
            let s = stored.get(*k).copied().unwrap_or(0);
            let e = expected.get(*k).copied().unwrap_or(0);
            if s == e { None } else { drift_of(k, s, e) }
        })
        .collect();
    if repair && !drifts.is_empty() {
        let keys: Vec<CounterKey> = drifts
            .iter()
            .map(|d| CounterKey {
                customer: d.customer.clone(),
                feature: d.feature.clone(),
                window_key: d.window_key.clone(),
                resets_at: None,
            })
            .collect();
        let values: Vec<(&CounterKey, i64)> = keys
            .iter()
            .zip(&drifts)
            .map(|(k, d)| (k, d.expected.max(0)))
            .collect();
        write_many(conn, &values).await?;
    }
    Ok(DriftReport {
        checked: keys.len(),
        drifts,
    })
}

#[async_trait]
impl Reconciler for SqlStore {
    async fn reconcile(
        &self,
        customer: Option<&CustomerId>,
        repair: bool,
    ) -> Result<DriftReport, UsageLogError> {
        let txn = if repair {
            let txn = self.write_txn().await.map_err(log_error)?;
            lock_for_replace(self, &txn, "counters")
                .await
                .map_err(log_error)?;
            txn
        } else {
            snapshot(self).await.map_err(log_error)?
        };
        let report = reconcile_on(&txn, customer, repair)
            .await
            .map_err(log_error)?;
        txn.commit().await.map_err(log_error)?;
        Ok(report)
    }
}
