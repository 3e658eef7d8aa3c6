//! [`LeaseStore`] over Redis: a sorted set per lease key, member = lease id, score = expiry in
//! milliseconds since the Unix epoch.

use crate::RedisCounters;
use crate::client::parse_i64;
use crate::error::{from_redis, malformed};
use async_trait::async_trait;
use chrono::DateTime;
use deadpool_redis::redis;
use tollgate_kernel::Timestamp;
use tollgate_quotas::{CounterError, LeaseKey, LeaseOutcome, LeaseRequest, LeaseStore};

fn from_millis(raw: &str) -> Result<Timestamp, CounterError> {
    let ms = parse_i64(raw, "lease expiry")?;
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| malformed(format!("lease expiry out of range: {ms}")))
}

#[async_trait]
impl LeaseStore for RedisCounters {
    async fn acquire(&self, req: &LeaseRequest) -> Result<LeaseOutcome, CounterError> {
        req.validate()?;
        let mut conn = self.conn().await?;
        let reply: Vec<String> = self
            .scripts
            .lease
            .key(req.key.redis_key(&self.prefix))
            .arg(&req.lease_id)
            .arg(req.limit.map(|l| l.to_string()).unwrap_or_default())
            .arg(req.now.timestamp_millis())
            .arg(req.expires_at.timestamp_millis())
            .invoke_async(&mut conn)
            .await
            .map_err(from_redis)?;
        let [acquired, held, earliest] = reply.as_slice() else {
            return Err(malformed(format!("lease outcome {reply:?}")));
        };
        Ok(LeaseOutcome {
            acquired: acquired == "1",
            held: parse_i64(held, "held")?,
            earliest_expiry: if earliest.is_empty() {
                None
            } else {
                Some(from_millis(earliest)?)
            },
        })
    }

    async fn release(&self, key: &LeaseKey, lease_id: &str) -> Result<bool, CounterError> {
        let mut conn = self.conn().await?;
        let removed: i64 = redis::cmd("ZREM")
            .arg(key.redis_key(&self.prefix))
            .arg(lease_id)
            .query_async(&mut conn)
            .await
            .map_err(from_redis)?;
        Ok(removed > 0)
    }

    async fn held(&self, key: &LeaseKey, now: Timestamp) -> Result<i64, CounterError> {
        let mut conn = self.conn().await?;
        // Active means expiring strictly after `now`.
        redis::cmd("ZCOUNT")
            .arg(key.redis_key(&self.prefix))
            .arg(format!("({}", now.timestamp_millis()))
            .arg("+inf")
            .query_async(&mut conn)
            .await
            .map_err(from_redis)
    }
}
