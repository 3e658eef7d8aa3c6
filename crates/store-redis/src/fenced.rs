//! [`FencedCounterStore`] over Redis. Every call touches the keys of one customer only (epoch,
//! counters, guard), all under the customer's hash tag, so each script runs in one Cluster
//! slot as one atomic step.

use crate::RedisCounters;
use crate::client::parse_i64;
use crate::counters::{consume_args, consumption};
use crate::error::{from_redis, malformed};
use async_trait::async_trait;
use deadpool_redis::redis;
use tollgate_kernel::CustomerId;
use tollgate_quotas::{
    Consume, Consumption, CounterError, CounterKey, Fenced, FencedCounterStore, check_load,
    same_customer,
};

/// `Some(answer)` when the reply is `['stale', epoch|'']`.
fn stale<T>(reply: &[String]) -> Result<Option<Fenced<T>>, CounterError> {
    match reply {
        [status, epoch] if status == "stale" => {
            let epoch = if epoch.is_empty() {
                None
            } else {
                Some(parse_i64(epoch, "epoch")?)
            };
            Ok(Some(Fenced::Stale(epoch)))
        }
        _ => Ok(None),
    }
}

#[async_trait]
impl FencedCounterStore for RedisCounters {
    async fn ping(&self) -> Result<(), CounterError> {
        let mut conn = self.conn().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(from_redis)?;
        Ok(())
    }

    async fn epoch(&self, customer: &CustomerId) -> Result<Option<i64>, CounterError> {
        let mut conn = self.conn().await?;
        let raw: Option<String> = redis::cmd("GET")
            .arg(self.epoch_key(customer))
            .query_async(&mut conn)
            .await
            .map_err(from_redis)?;
        raw.map(|raw| parse_i64(&raw, "epoch")).transpose()
    }

    async fn load(
        &self,
        customer: &CustomerId,
        epoch: i64,
        values: &[(CounterKey, i64)],
    ) -> Result<bool, CounterError> {
        check_load(customer, values)?;
        let mut invocation = self.scripts.fenced_load.key(self.epoch_key(customer));
        invocation.arg(epoch.to_string());
        for (key, value) in values {
            invocation
                .key(key.redis_key(&self.prefix))
                .arg(value.to_string())
                .arg(self.expire_at_arg(key));
        }
        let mut conn = self.conn().await?;
        let loaded: String = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        Ok(loaded == "1")
    }

    async fn consume(
        &self,
        req: &Consume,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<Consumption>, CounterError> {
        if guard.is_empty() {
            return Err(CounterError::Invalid("a guard must not be empty".into()));
        }
        let customer = &req.key.customer;
        let mut conn = self.conn().await?;
        let reply: Vec<String> = self
            .scripts
            .fenced_consume
            .key(self.epoch_key(customer))
            .key(req.key.redis_key(&self.prefix))
            .key(self.guard_key(customer, guard))
            .arg(epoch.to_string())
            .arg(&consume_args(self, req))
            .arg(self.guard_lifetime_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        if let Some(stale) = stale(&reply)? {
            return Ok(stale);
        }
        match reply.split_first() {
            Some((status, _)) if status == "repeated" => Ok(Fenced::Repeated),
            Some((status, rest)) if status == "done" => Ok(Fenced::Done(consumption(rest)?)),
            _ => Err(malformed(format!("fenced consumption {reply:?}"))),
        }
    }

    async fn undo(
        &self,
        key: &CounterKey,
        applied: i64,
        epoch: i64,
        guard: &str,
    ) -> Result<Fenced<()>, CounterError> {
        let mut conn = self.conn().await?;
        let reply: Vec<String> = self
            .scripts
            .fenced_undo
            .key(self.epoch_key(&key.customer))
            .key(key.redis_key(&self.prefix))
            .key(self.guard_key(&key.customer, guard))
            .arg(epoch.to_string())
            .arg(applied.to_string())
            .arg(self.expire_at_arg(key))
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        if let Some(stale) = stale(&reply)? {
            return Ok(stale);
        }
        match reply.as_slice() {
            [status] if status == "done" => Ok(Fenced::Done(())),
            _ => Err(malformed(format!("fenced undo {reply:?}"))),
        }
    }

    async fn read(
        &self,
        customer: &CustomerId,
        keys: &[CounterKey],
        epoch: i64,
    ) -> Result<Fenced<Vec<i64>>, CounterError> {
        same_customer(customer, keys)?;
        let mut invocation = self.scripts.fenced_read.key(self.epoch_key(customer));
        invocation.arg(epoch.to_string());
        for key in keys {
            invocation.key(key.redis_key(&self.prefix));
        }
        let mut conn = self.conn().await?;
        let reply: Vec<String> = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        if let Some(stale) = stale(&reply)? {
            return Ok(stale);
        }
        match reply.split_first() {
            Some((status, values)) if status == "done" && values.len() == keys.len() => {
                Ok(Fenced::Done(
                    values
                        .iter()
                        .zip(keys)
                        .map(|(raw, key)| parse_i64(raw, &key.storage_key()))
                        .collect::<Result<_, _>>()?,
                ))
            }
            _ => Err(malformed(format!("fenced read {reply:?}"))),
        }
    }
}
