//! [`CounterStore`] over Redis: one Lua script per mutation, plain `GET`s for reads.

use crate::RedisCounters;
use crate::client::parse_i64;
use crate::error::{from_redis, malformed};
use async_trait::async_trait;
use deadpool_redis::redis;
use tollgate_kernel::Enforcement;
use tollgate_quotas::{Consume, Consumption, CounterError, CounterKey, CounterStore};

/// The script arguments of a [`Consume`] after its key: amount, limit (`""` = none), hard
/// (`"1"`/`"0"`), expiry.
pub(crate) fn consume_args(store: &RedisCounters, req: &Consume) -> [String; 4] {
    [
        req.amount.to_string(),
        req.limit.map(|l| l.to_string()).unwrap_or_default(),
        if req.enforcement == Enforcement::Hard {
            "1".into()
        } else {
            "0".into()
        },
        store.expire_at_arg(&req.key),
    ]
}

/// `[accepted, used, applied]` as the scripts answer a consumption.
pub(crate) fn consumption(reply: &[String]) -> Result<Consumption, CounterError> {
    let [accepted, used, applied] = reply else {
        return Err(malformed(format!("consumption {reply:?}")));
    };
    Ok(Consumption {
        accepted: accepted == "1",
        used: parse_i64(used, "used")?,
        applied: parse_i64(applied, "applied")?,
    })
}

fn counter_value(raw: Option<String>, key: &CounterKey) -> Result<i64, CounterError> {
    raw.map_or(Ok(0), |raw| parse_i64(&raw, &key.storage_key()))
}

#[async_trait]
impl CounterStore for RedisCounters {
    async fn try_consume(&self, req: &Consume) -> Result<Consumption, CounterError> {
        let mut conn = self.conn().await?;
        let reply: Vec<String> = self
            .scripts
            .consume
            .key(req.key.redis_key(&self.prefix))
            .arg(&consume_args(self, req))
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        consumption(&reply)
    }

    async fn release(&self, key: &CounterKey, amount: i64) -> Result<i64, CounterError> {
        if amount < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot release a negative amount ({amount}) of {}",
                key.storage_key()
            )));
        }
        let mut conn = self.conn().await?;
        let used: String = self
            .scripts
            .release
            .key(key.redis_key(&self.prefix))
            .arg(amount.to_string())
            .arg(self.expire_at_arg(key))
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        parse_i64(&used, "used")
    }

    async fn get(&self, key: &CounterKey) -> Result<i64, CounterError> {
        let mut conn = self.conn().await?;
        let raw: Option<String> = redis::cmd("GET")
            .arg(key.redis_key(&self.prefix))
            .query_async(&mut conn)
            .await
            .map_err(from_redis)?;
        counter_value(raw, key)
    }

    /// One pipeline of `GET`s rather than an `MGET`: the keys may be of several customers,
    /// hence of several Cluster slots.
    async fn get_many(&self, keys: &[CounterKey]) -> Result<Vec<i64>, CounterError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.cmd("GET").arg(key.redis_key(&self.prefix));
        }
        let mut conn = self.conn().await?;
        let raws: Vec<Option<String>> = pipe.query_async(&mut conn).await.map_err(from_redis)?;
        if raws.len() != keys.len() {
            return Err(malformed(format!(
                "{} values for {} keys",
                raws.len(),
                keys.len()
            )));
        }
        raws.into_iter()
            .zip(keys)
            .map(|(raw, key)| counter_value(raw, key))
            .collect()
    }

    async fn set(&self, key: &CounterKey, value: i64) -> Result<(), CounterError> {
        if value < 0 {
            return Err(CounterError::Invalid(format!(
                "cannot set {} to a negative value ({value})",
                key.storage_key()
            )));
        }
        let mut conn = self.conn().await?;
        let _: String = self
            .scripts
            .set
            .key(key.redis_key(&self.prefix))
            .arg(value.to_string())
            .arg(self.expire_at_arg(key))
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        Ok(())
    }
}
