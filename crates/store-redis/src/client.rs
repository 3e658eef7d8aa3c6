//! [`RedisCounters`]: the pool, the key prefix and the lifetimes every port method shares.

use crate::error::{from_pool, from_redis, malformed};
use crate::keys::{epoch_key, guard_key, prefix_pattern};
use crate::scripts::Scripts;
use deadpool_redis::redis::{self, AsyncConnectionConfig};
use deadpool_redis::{Connection, Manager, Pool, Runtime};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tollgate_kernel::CustomerId;
use tollgate_quotas::{CounterError, CounterKey};

/// How long a consumption guard is kept: long enough for any retry of one request in flight.
pub const DEFAULT_GUARD_LIFETIME: Duration = Duration::from_secs(600);

/// How long a window's counter outlives the window: late events are accepted up to 31 days
/// after they occurred, and must still find their window's counter; one hour of margin.
pub const DEFAULT_LATE_GRACE: Duration = Duration::from_secs((31 * 24 + 1) * 3600);

/// Short, so that an unreachable Redis fails in well under a second and the engine falls back
/// to SQL instead of stalling a request.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const POOL_WAIT_TIMEOUT: Duration = Duration::from_millis(500);
const POOL_CREATE_TIMEOUT: Duration = Duration::from_millis(400);
const POOL_RECYCLE_TIMEOUT: Duration = Duration::from_millis(300);
/// Each pooled connection is multiplexed (many requests in flight at once).
const POOL_SIZE: usize = 16;

/// Counters, leases and fenced counters in Redis: implements
/// [`CounterStore`](tollgate_quotas::CounterStore), [`LeaseStore`](tollgate_quotas::LeaseStore)
/// and [`FencedCounterStore`](tollgate_quotas::FencedCounterStore). Cheap to clone: clones
/// share one pool.
#[derive(Clone)]
pub struct RedisCounters {
    pub(crate) pool: Pool,
    pub(crate) prefix: Arc<str>,
    pub(crate) scripts: Arc<Scripts>,
    pub(crate) guard_lifetime: Duration,
    pub(crate) late_grace: Duration,
}

impl fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCounters")
            .field("prefix", &self.prefix)
            .field("pool", &self.pool.status())
            .field("guard_lifetime", &self.guard_lifetime)
            .field("late_grace", &self.late_grace)
            .finish_non_exhaustive()
    }
}

impl RedisCounters {
    /// A store over `url` (`redis://host:6379/0`) whose keys all start with `prefix:`
    /// (`tollgate`, `tollgate:prod`). Connects lazily: an unreachable Redis is reported by the
    /// first call, as [`CounterError::Unavailable`].
    ///
    /// # Errors
    /// [`CounterError::Invalid`] when `url` is not a Redis URL.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, CounterError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let manager = Manager::new_with_config(url, config)
            .map_err(|e| CounterError::Invalid(format!("bad Redis URL: {e}")))?;
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT_TIMEOUT))
            .create_timeout(Some(POOL_CREATE_TIMEOUT))
            .recycle_timeout(Some(POOL_RECYCLE_TIMEOUT))
            .build()
            .map_err(CounterError::unexpected)?;
        Ok(Self::from_pool(pool, prefix))
    }

    /// A store over a pool configured by the caller. Give the pool a runtime and short
    /// timeouts, or an unreachable Redis will stall callers instead of failing fast.
    pub fn from_pool(pool: Pool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: Arc::from(prefix),
            scripts: Arc::new(Scripts::new()),
            guard_lifetime: DEFAULT_GUARD_LIFETIME,
            late_grace: DEFAULT_LATE_GRACE,
        }
    }

    /// How long a fenced consumption's guard is kept (default 10 minutes; at least 1 ms).
    #[must_use]
    pub fn with_guard_lifetime(mut self, lifetime: Duration) -> Self {
        self.guard_lifetime = lifetime.max(Duration::from_millis(1));
        self
    }

    /// How long a window's counter is kept after the window resets (default 31 days + 1 hour).
    #[must_use]
    pub fn with_late_grace(mut self, grace: Duration) -> Self {
        self.late_grace = grace;
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn guard_lifetime(&self) -> Duration {
        self.guard_lifetime
    }

    pub fn late_grace(&self) -> Duration {
        self.late_grace
    }

    /// The key of `customer`'s epoch.
    pub fn epoch_key(&self, customer: &CustomerId) -> String {
        epoch_key(&self.prefix, customer)
    }

    /// The key of one consumption guard of `customer`.
    pub fn guard_key(&self, customer: &CustomerId, guard: &str) -> String {
        guard_key(&self.prefix, customer, guard)
    }

    /// When a counter key expires, in ms since the epoch (`resets_at + grace`), as the
    /// scripts take it: `""` for a lifetime counter, which never expires.
    pub(crate) fn expire_at_arg(&self, key: &CounterKey) -> String {
        key.resets_at.map_or_else(String::new, |resets_at| {
            resets_at
                .timestamp_millis()
                .saturating_add(millis(self.late_grace))
                .to_string()
        })
    }

    pub(crate) fn guard_lifetime_ms(&self) -> i64 {
        millis(self.guard_lifetime).max(1)
    }

    pub(crate) async fn conn(&self) -> Result<Connection, CounterError> {
        self.pool.get().await.map_err(from_pool)
    }

    /// Deletes every key under this store's prefix (`SCAN MATCH prefix:*` + `UNLINK`) and
    /// returns how many were deleted: cleanup after a test run. Keys of longer prefixes that
    /// start with this one followed by `:` go too. Scans one node: not for a Cluster.
    ///
    /// # Errors
    /// `Unavailable`/`Unexpected` as for every call.
    pub async fn delete_prefix(&self) -> Result<u64, CounterError> {
        let mut conn = self.conn().await?;
        let pattern = prefix_pattern(&self.prefix);
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(from_redis)?;
            if !keys.is_empty() {
                let n: u64 = redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(from_redis)?;
                deleted += n;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// An i64 the scripts sent as a decimal string.
pub(crate) fn parse_i64(raw: &str, what: &str) -> Result<i64, CounterError> {
    raw.parse()
        .map_err(|_| malformed(format!("{what} is not an i64: {raw:?}")))
}
