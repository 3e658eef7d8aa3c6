//! Translation of pool and Redis failures into [`CounterError`], in one place.

use deadpool_redis::PoolError;
use deadpool_redis::redis::{ErrorKind, RedisError, ServerErrorKind};
use thiserror::Error;
use tollgate_quotas::CounterError;

/// The error code the Lua scripts raise for a broken contract (`lua/int64.lua`'s `fail`).
const INVALID_CODE: &str = "TGINVALID";

/// A reply that does not have the shape the scripts promise.
#[derive(Debug, Error)]
#[error("malformed reply from Redis: {0}")]
pub(crate) struct MalformedReply(pub String);

pub(crate) fn malformed(what: impl Into<String>) -> CounterError {
    CounterError::unexpected(MalformedReply(what.into()))
}

/// Connection-level failures (refused, reset, timed out, cluster moving or loading) mean the
/// store cannot be reached: the engine falls back to SQL. A script's `TGINVALID` is the
/// caller's broken contract. Everything else is unexpected.
pub(crate) fn from_redis(err: RedisError) -> CounterError {
    if err.code() == Some(INVALID_CODE) {
        let detail = err.detail().unwrap_or_default();
        // Redis appends " script: <sha>, on @user_script:<line>." to a script's error.
        let message = detail.split(" script: ").next().unwrap_or(detail);
        return CounterError::Invalid(message.to_owned());
    }
    let unreachable = err.is_io_error()
        || err.is_connection_refusal()
        || err.is_timeout()
        || err.is_connection_dropped()
        || err.is_cluster_error()
        || matches!(
            err.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
        );
    if unreachable {
        tracing::debug!(error = %err, "redis unavailable");
        CounterError::unavailable(err)
    } else {
        tracing::warn!(error = %err, "unexpected redis error");
        CounterError::unexpected(err)
    }
}

pub(crate) fn from_pool(err: PoolError) -> CounterError {
    match err {
        PoolError::Backend(err) => from_redis(err),
        PoolError::Timeout(_) | PoolError::Closed => CounterError::unavailable(err),
        PoolError::NoRuntimeSpecified | PoolError::PostCreateHook(_) => {
            CounterError::unexpected(err)
        }
    }
}
