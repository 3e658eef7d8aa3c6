//! The shared conformance suites of the [`CounterStore`](crate::CounterStore) and
//! [`LeaseStore`](crate::LeaseStore) ports. Every backend's tests run them unchanged:
//!
//! ```ignore
//! #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
//! async fn redis_counters_conform() {
//!     counter_store_suite(Arc::new(RedisCounters::new(pool)), "redis-run-42").await;
//! }
//! ```
//!
//! The checks use the port only, and only customers named `<prefix>-<check>`, so several runs
//! (or several adapters) can share one database or Redis as long as prefixes differ. A prefix
//! must be usable in a customer id (`[A-Za-z0-9_.:@-]`). Failures panic with the check's name,
//! like any assertion; the race checks need a multi-threaded runtime to mean anything.

mod counters;
mod fenced;
mod leases;

pub use counters::*;
pub use fenced::*;
pub use leases::*;

use std::fmt::Debug;
use tollgate_kernel::{CustomerId, FeatureCode};

#[track_caller]
fn ok<T, E: Debug>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("{what}: unexpected error {err:?}"),
    }
}

#[track_caller]
fn customer(prefix: &str, check: &str) -> CustomerId {
    ok(
        CustomerId::parse(format!("{prefix}-{check}")),
        "conformance prefix",
    )
}

#[track_caller]
fn feature(code: &str) -> FeatureCode {
    ok(FeatureCode::parse(code), "conformance feature")
}
